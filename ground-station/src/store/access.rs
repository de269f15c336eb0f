//! Users, API tokens (kept only as SHA-256 hashes) and the append-only audit log.

use rusqlite::{OptionalExtension, Row, params};
use sha2::{Digest, Sha256};

use super::records::{AuditEntry, AuditEvent, Millis, Role, User};
use super::{Ctx, Result, Store, StoreError, check_text, from_json, to_json};

/// Tokens start with this, so that one pasted into a log or a chat is easy to find and revoke.
pub const TOKEN_PREFIX: &str = "pgs_";

/// The hash under which a token is stored (SHA-256, hex).
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    pub fn create_user(&self, name: &str, role: Role, at: Millis) -> Result<User> {
        check_text("user.name", name)?;
        self.conn
            .execute(
                "INSERT INTO users (name, role, created_at) VALUES (?1, ?2, ?3)",
                params![name, role.as_str(), at],
            )
            .ctx(format!("creating user '{name}'"))?;
        Ok(User {
            id: self.conn.last_insert_rowid(),
            name: name.to_string(),
            role,
        })
    }

    pub fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let raw = self
            .conn
            .query_row("SELECT id, name, role FROM users WHERE name = ?1", [name], raw_user)
            .optional()
            .ctx(format!("reading user '{name}'"))?;
        raw.map(decode_user).transpose()
    }

    /// A new API token for a user: the token is returned once and only its hash is kept.
    pub fn issue_token(&self, user_id: i64, label: &str, at: Millis, expires_at: Option<Millis>) -> Result<String> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::Random(e.to_string()))?;
        let token: String = std::iter::once(TOKEN_PREFIX.to_string())
            .chain(secret.iter().map(|b| format!("{b:02x}")))
            .collect();
        self.conn
            .execute(
                "INSERT INTO tokens (hash, user_id, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash(&token), user_id, label, at, expires_at],
            )
            .map_err(|source| match source.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                    what: "user",
                    id: user_id,
                },
                _ => StoreError::Sql {
                    what: format!("issuing a token for user {user_id}"),
                    source,
                },
            })?;
        Ok(token)
    }

    /// The user a token belongs to, if it is known, not revoked and not expired at `now`.
    pub fn authenticate(&self, token: &str, now: Millis) -> Result<Option<User>> {
        let raw = self
            .conn
            .query_row(
                "SELECT u.id, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.hash = ?1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2)",
                params![token_hash(token), now],
                raw_user,
            )
            .optional()
            .ctx("checking a token")?;
        raw.map(decode_user).transpose()
    }

    /// Revokes a token; returns whether it was live.
    pub fn revoke_token(&self, token: &str, at: Millis) -> Result<bool> {
        let n = self
            .conn
            .execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
                params![token_hash(token), at],
            )
            .ctx("revoking a token")?;
        Ok(n == 1)
    }

    /// Appends to the audit log (rows can never be changed or removed: the database refuses).
    pub fn append_audit(&self, e: &AuditEvent) -> Result<i64> {
        check_text("audit.who", &e.who)?;
        check_text("audit.action", &e.action)?;
        let details = to_json("audit.details", &e.details)?;
        self.conn
            .execute(
                "INSERT INTO audit (time, who, role, action, target, details_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![e.time, e.who, e.role.as_str(), e.action, e.target, details],
            )
            .ctx(format!("appending '{}' by {} to the audit log", e.action, e.who))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The latest audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, time, who, role, action, target, details_json FROM audit ORDER BY id DESC LIMIT ?1",
            )
            .ctx("reading the audit log")?;
        let raws = stmt
            .query_map([limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .ctx("reading the audit log")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading the audit log")?;
        raws.into_iter()
            .map(|(id, time, who, role, action, target, details)| {
                Ok(AuditEntry {
                    id,
                    event: AuditEvent {
                        time,
                        who,
                        role: parse_role("audit", id, &role)?,
                        action,
                        target,
                        details: from_json("audit", id, "details_json", &details)?,
                    },
                })
            })
            .collect()
    }
}

fn raw_user(r: &Row<'_>) -> rusqlite::Result<(i64, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn decode_user((id, name, role): (i64, String, String)) -> Result<User> {
    let role = parse_role("users", id, &role)?;
    Ok(User { id, name, role })
}

fn parse_role(table: &'static str, id: i64, role: &str) -> Result<Role> {
    role.parse().map_err(|problem| StoreError::BadRow {
        table,
        id: id.to_string(),
        column: "role",
        problem,
    })
}
