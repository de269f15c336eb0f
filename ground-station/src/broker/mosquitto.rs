//! Mosquitto's `password_file` and `acl_file` from the same credentials the embedded broker uses.
//!
//! Password lines are Mosquitto 2's `$7$` format, as `mosquitto_passwd` writes them:
//! `user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512(password, salt)>` with a
//! 12-byte random salt and 101 iterations (Mosquitto's default). The ACL text comes from
//! `contracts::mqtt::acl_file`, so both brokers enforce one model.

use sha2::{Digest, Sha512};

use super::BrokerError;
use super::accounts::ClientCredential;

/// Mosquitto's default PBKDF2 iteration count for `$7$` hashes.
pub const ITERATIONS: u32 = 101;
const SALT_LEN: usize = 12;

/// A `password_file` for these clients (a fresh random salt per line).
pub fn password_file(clients: &[ClientCredential]) -> Result<String, BrokerError> {
    let mut text = String::new();
    for client in clients {
        client.role()?; // the same checks as the embedded broker: valid username, a password
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|e| BrokerError::Credentials(format!("no randomness for a salt: {e}")))?;
        text.push_str(&password_line(&client.username, &client.password, &salt, ITERATIONS));
        text.push('\n');
    }
    Ok(text)
}

/// One `user:$7$...` line for a given salt.
pub fn password_line(username: &str, password: &str, salt: &[u8], iterations: u32) -> String {
    let hash = pbkdf2_sha512(password.as_bytes(), salt, iterations);
    format!("{username}:$7${iterations}${}${}", base64(salt), base64(&hash))
}

/// The `acl_file` for these clients.
pub fn acl_file(clients: &[ClientCredential]) -> Result<String, BrokerError> {
    let roles = clients
        .iter()
        .map(ClientCredential::role)
        .collect::<Result<Vec<_>, _>>()?;
    contracts::mqtt::acl_file(&roles).map_err(|e| BrokerError::Credentials(e.to_string()))
}

fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    const BLOCK: usize = 128;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..64].copy_from_slice(&Sha512::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha512::new();
    inner.update(k.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = Sha512::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    let mut out = [0u8; 64];
    out.copy_from_slice(&outer.finalize());
    out
}

/// PBKDF2-HMAC-SHA512 with a 64-byte output (one block), RFC 8018.
pub fn pbkdf2_sha512(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 64] {
    let mut u = hmac_sha512(password, &[salt, &1u32.to_be_bytes()]);
    let mut t = u;
    for _ in 1..iterations {
        u = hmac_sha512(password, &[&u]);
        t.iter_mut().zip(u).for_each(|(t, u)| *t ^= u);
    }
    t
}

/// Standard base64 with padding (what Mosquitto writes and reads).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::mqtt::DroneId;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn pbkdf2_matches_the_published_vectors() {
        // PBKDF2-HMAC-SHA512, P = "password", S = "salt", dkLen = 64.
        assert_eq!(
            hex(&pbkdf2_sha512(b"password", b"salt", 1)),
            "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252\
             c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce"
        );
        assert_eq!(
            hex(&pbkdf2_sha512(b"password", b"salt", 2)),
            "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c\
             f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e"
        );
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn files_for_the_clients() {
        let d1 = DroneId::new("d1").unwrap();
        let clients = [
            ClientCredential::drone(&d1, "p1"),
            ClientCredential::station("station", "p2"),
        ];
        let pw = password_file(&clients).unwrap();
        let lines: Vec<&str> = pw.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("d1:$7$101$"), "{pw}");
        assert_eq!(lines[0].split('$').count(), 5, "{pw}");
        let acl = acl_file(&clients).unwrap();
        assert!(acl.contains("user d1\ntopic write portops/v1/drones/d1/#"), "{acl}");
        assert!(password_file(&[ClientCredential::station("a:b", "x")]).is_err());
    }
}
