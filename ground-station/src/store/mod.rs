//! The station's embedded database (SQLite, WAL): missions, flights, telemetry, detections, alerts, users, audit, inspections, training results.
//!
//! **Sync API, by choice.** [`Store`] wraps one `rusqlite::Connection`; every call is a short
//! blocking SQLite statement (microseconds to a few milliseconds). The async station calls it
//! from `tokio::task::spawn_blocking`, holding the store in an `Arc<std::sync::Mutex<Store>>`
//! (a connection is `Send` but not `Sync`). In WAL mode readers do not block the writer, so a
//! second `Store` on the same file (say, for the console's read-only queries) works alongside.
//!
//! **Schema versions.** [`schema::MIGRATIONS`] are applied in order on open, each in its own
//! transaction with its `PRAGMA user_version` bump; a database newer than this code is refused
//! ([`StoreError::TooNew`]) rather than used half-understood, and a SQLite file of another
//! program (another `application_id`) is refused too.
//!
//! Times are Unix epoch milliseconds passed in by the caller (no clock is read here), so tests
//! and replays are deterministic.

mod access;
mod downsample;
mod events;
mod flights;
mod inspection;
pub mod records;
pub mod schema;
mod training;

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use thiserror::Error;

pub use access::{TOKEN_PREFIX, token_hash};
pub use downsample::Downsampler;
pub use records::*;
pub use training::{TrainingAdded, TrainingRecord};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the database {location}: {source}")]
    Open { location: String, source: rusqlite::Error },
    #[error(
        "the database {location} has schema version {found}, newer than the {supported} this ground station knows: \
         run a newer ground station, or point this one at another file"
    )]
    TooNew {
        location: String,
        found: i64,
        supported: i64,
    },
    #[error("{location} is not a ground-station database (its SQLite application_id is {found:#010x})")]
    NotOurs { location: String, found: i32 },
    #[error("migrating {location} to schema version {version} failed (it stays at {previous}): {source}")]
    Migration {
        location: String,
        version: i64,
        previous: i64,
        source: rusqlite::Error,
    },
    #[error("{what}: {source}")]
    Sql { what: String, source: rusqlite::Error },
    #[error("{table} row {id}, column {column}: {problem}")]
    BadRow {
        table: &'static str,
        id: String,
        column: &'static str,
        problem: String,
    },
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: i64 },
    #[error("alert {id} was already acknowledged by {by}")]
    AlreadyAcknowledged { id: i64, by: String },
    #[error("cannot make a random token: {0}")]
    Random(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adds what was being done to a SQLite error.
trait Ctx<T> {
    fn ctx(self, what: impl Into<String>) -> Result<T>;
}

impl<T> Ctx<T> for rusqlite::Result<T> {
    fn ctx(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|source| StoreError::Sql {
            what: what.into(),
            source,
        })
    }
}

/// The station's database. See the module documentation for threading.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    location: String,
    downsampler: Downsampler,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let location = path.as_ref().display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            location: location.clone(),
            source,
        })?;
        Store::setup(conn, location)
    }

    /// A private database in memory (tests, or a station that keeps nothing).
    pub fn open_in_memory() -> Result<Store> {
        let location = ":memory:".to_string();
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            location: location.clone(),
            source,
        })?;
        Store::setup(conn, location)
    }

    fn setup(mut conn: Connection, location: String) -> Result<Store> {
        let open_err = |source| StoreError::Open {
            location: location.clone(),
            source,
        };
        // Another writer (a second Store, a backup) holds the lock briefly: wait, don't fail.
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_err)?;
        // Checked before anything is written: a newer or foreign file is left exactly as it
        // was. This is the first read of the file, so one that is not SQLite at all fails
        // here, with the open error and its path.
        let found = check_version(&conn, &location)?;
        // journal_mode answers with the mode it now has ("memory" for in-memory databases).
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(open_err)?;
        migrate(&mut conn, &location, found)?;
        Ok(Store {
            conn,
            location,
            downsampler: Downsampler::default(),
        })
    }

    /// The schema version of the open database (the number of migrations applied).
    pub fn schema_version(&self) -> Result<i64> {
        user_version(&self.conn).ctx("reading the schema version")
    }

    /// The newest schema version this code knows.
    pub fn supported_version() -> i64 {
        schema::MIGRATIONS.len() as i64
    }

    /// Where the database lies (a path, or `:memory:`).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Replaces the telemetry downsampler (period in milliseconds; 1 keeps every sample).
    pub fn set_telemetry_period_ms(&mut self, period_ms: i64) {
        self.downsampler = Downsampler::new(period_ms);
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// The schema version of a file this code may open and migrate, or why it may not.
fn check_version(conn: &Connection, location: &str) -> Result<i64> {
    let sql = |source| StoreError::Open {
        location: location.to_string(),
        source,
    };
    let found = user_version(conn).map_err(sql)?;
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(sql)?;
    let supported = Store::supported_version();
    if app_id != 0 && app_id != schema::APPLICATION_ID {
        return Err(StoreError::NotOurs {
            location: location.to_string(),
            found: app_id,
        });
    }
    if found > supported {
        return Err(StoreError::TooNew {
            location: location.to_string(),
            found,
            supported,
        });
    }
    if found == 0 {
        // A fresh file may be empty; a version-0 file with tables was made by someone else.
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(sql)?;
        if tables > 0 && app_id != schema::APPLICATION_ID {
            return Err(StoreError::NotOurs {
                location: location.to_string(),
                found: app_id,
            });
        }
    }
    Ok(found)
}

fn migrate(conn: &mut Connection, location: &str, found: i64) -> Result<()> {
    for (i, step) in schema::MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        let failed = |source| StoreError::Migration {
            location: location.to_string(),
            version,
            previous: version - 1,
            source,
        };
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(step).map_err(failed)?;
        // Both pragmas are written in the file header inside this transaction: a failure
        // above rolls them back with the tables.
        let pragmas = format!(
            "PRAGMA application_id = {}; PRAGMA user_version = {version};",
            schema::APPLICATION_ID
        );
        tx.execute_batch(&pragmas).map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(location, version, "database schema migrated");
    }
    Ok(())
}

/// Checks a position before it is stored: finite and in range.
fn check_position(field: &str, lat: f64, lon: f64) -> Result<()> {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(StoreError::Invalid {
            field: format!("{field}.lat"),
            problem: format!("{lat} is not a latitude"),
        });
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(StoreError::Invalid {
            field: format!("{field}.lon"),
            problem: format!("{lon} is not a longitude"),
        });
    }
    Ok(())
}

fn check_finite(field: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: field.to_string(),
            problem: format!("{value} is not a finite number"),
        })
    }
}

fn check_text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(StoreError::Invalid {
            field: field.to_string(),
            problem: "must not be empty".to_string(),
        })
    } else {
        Ok(())
    }
}

/// A JSON column back into its type, naming the row and column when it does not parse.
fn from_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    id: i64,
    column: &'static str,
    text: &str,
) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::BadRow {
        table,
        id: id.to_string(),
        column,
        problem: format!("not valid JSON for its type: {e}"),
    })
}

fn to_json<T: serde::Serialize>(field: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid {
        field: field.to_string(),
        problem: format!("cannot be written as JSON: {e}"),
    })
}
