//! Who may connect to the embedded broker: per-client credentials and the contract's roles.
//!
//! Each client is a [`contracts::mqtt::ClientRole`] (drone, station, viewer) with its own
//! password. A CONNECT is accepted only with a known username, its password (compared in
//! constant time), a client id the role may use (a drone's is its drone id) and a last will on
//! a topic the role may publish.

use std::collections::HashMap;
use std::fmt;

use contracts::mqtt::{ClientRole, DroneId, acl_rules, may_use_client_id};
use serde::{Deserialize, Serialize};

use super::BrokerError;

/// A role as a configuration file names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    Drone,
    Station,
    Viewer,
}

/// One client's credentials. `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredential {
    pub role: RoleKind,
    /// The drone id for a drone; any 1..=64 characters of `[A-Za-z0-9_-]` otherwise.
    pub username: String,
    pub password: String,
}

impl fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredential")
            .field("role", &self.role)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl ClientCredential {
    pub fn drone(id: &DroneId, password: impl Into<String>) -> Self {
        Self {
            role: RoleKind::Drone,
            username: id.to_string(),
            password: password.into(),
        }
    }

    pub fn station(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            role: RoleKind::Station,
            username: username.into(),
            password: password.into(),
        }
    }

    pub fn viewer(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            role: RoleKind::Viewer,
            username: username.into(),
            password: password.into(),
        }
    }

    /// The contract's role; an invalid drone id or username is an error naming it.
    pub fn role(&self) -> Result<ClientRole, BrokerError> {
        let bad = |why: &str| BrokerError::Credentials(format!("client `{}`: {why}", self.username));
        // Usernames follow the same rule as drone ids (they are topic levels and ACL file words).
        let Ok(as_id) = DroneId::new(self.username.clone()) else {
            return Err(bad("username must be 1..=64 characters of A-Z a-z 0-9 _ -"));
        };
        if self.password.is_empty() {
            return Err(bad("empty password"));
        }
        Ok(match self.role {
            RoleKind::Drone => ClientRole::Drone(as_id),
            RoleKind::Station => ClientRole::Station {
                username: self.username.clone(),
            },
            RoleKind::Viewer => ClientRole::Viewer {
                username: self.username.clone(),
            },
        })
    }
}

/// Why a CONNECT was refused (each maps onto an MQTT 3.1.1 CONNACK code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No username/password in the CONNECT.
    NoCredentials,
    /// Unknown username or wrong password.
    BadCredentials,
    /// The role may not use this client id (a drone's must be its id).
    ClientId,
    /// The last will's topic is not one the role may publish.
    Will,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::NoCredentials => "no credentials",
            Refusal::BadCredentials => "unknown user or wrong password",
            Refusal::ClientId => "client id not allowed for this user",
            Refusal::Will => "last will on a topic this user may not publish",
        })
    }
}

/// Every client the broker knows, by username.
#[derive(Debug, Clone)]
pub struct Accounts {
    by_username: HashMap<String, (ClientRole, String)>,
}

impl Accounts {
    /// Checks every credential; duplicate usernames are an error.
    pub fn new(clients: &[ClientCredential]) -> Result<Self, BrokerError> {
        let mut by_username = HashMap::new();
        for client in clients {
            let role = client.role()?;
            if by_username
                .insert(client.username.clone(), (role, client.password.clone()))
                .is_some()
            {
                return Err(BrokerError::Credentials(format!(
                    "client `{}` is listed twice",
                    client.username
                )));
            }
        }
        Ok(Self { by_username })
    }

    pub fn roles(&self) -> impl Iterator<Item = &ClientRole> {
        self.by_username.values().map(|(role, _)| role)
    }

    /// The role of a client connecting with these details, or why it is refused.
    pub fn authenticate(
        &self,
        client_id: &str,
        login: Option<(&str, &str)>,
        will_topic: Option<&str>,
    ) -> Result<ClientRole, Refusal> {
        let (username, password) = login.ok_or(Refusal::NoCredentials)?;
        let (role, stored) = self.by_username.get(username).ok_or(Refusal::BadCredentials)?;
        if !constant_time_eq(stored.as_bytes(), password.as_bytes()) {
            return Err(Refusal::BadCredentials);
        }
        if !may_use_client_id(role, client_id) {
            return Err(Refusal::ClientId);
        }
        if let Some(topic) = will_topic
            && !may_publish(role, topic)
        {
            return Err(Refusal::Will);
        }
        Ok(role.clone())
    }
}

/// Whether `role` may publish on `topic` (the contract's ACL rules).
pub fn may_publish(role: &ClientRole, topic: &str) -> bool {
    acl_rules(role).iter().any(|r| r.allows(topic, true))
}

/// Compares without an early exit, so timing does not reveal how much of a password matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(!x);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        let d1 = DroneId::new("d1").unwrap();
        Accounts::new(&[
            ClientCredential::drone(&d1, "p1"),
            ClientCredential::station("station", "ps"),
            ClientCredential::viewer("console", "pv"),
        ])
        .unwrap()
    }

    #[test]
    fn authenticates_by_password_client_id_and_will() {
        let a = accounts();
        assert!(matches!(
            a.authenticate("d1", Some(("d1", "p1")), Some("portops/v1/drones/d1/presence")),
            Ok(ClientRole::Drone(_))
        ));
        assert_eq!(a.authenticate("d1", None, None), Err(Refusal::NoCredentials));
        assert_eq!(
            a.authenticate("d1", Some(("d1", "p2")), None),
            Err(Refusal::BadCredentials)
        );
        assert_eq!(
            a.authenticate("d1", Some(("d1", "p")), None),
            Err(Refusal::BadCredentials)
        );
        assert_eq!(
            a.authenticate("x", Some(("nobody", "p1")), None),
            Err(Refusal::BadCredentials)
        );
        assert_eq!(a.authenticate("d2", Some(("d1", "p1")), None), Err(Refusal::ClientId));
        assert_eq!(
            a.authenticate("d1", Some(("d1", "p1")), Some("portops/v1/drones/d2/presence")),
            Err(Refusal::Will)
        );
        assert!(a.authenticate("station.ingest", Some(("station", "ps")), None).is_ok());
        assert!(a.authenticate("console", Some(("console", "pv")), None).is_ok());
    }

    #[test]
    fn bad_configuration_is_named() {
        let err = Accounts::new(&[ClientCredential::station("a b", "x")]).unwrap_err();
        assert!(err.to_string().contains("`a b`"), "{err}");
        let err = Accounts::new(&[ClientCredential::station("s", "")]).unwrap_err();
        assert!(err.to_string().contains("empty password"), "{err}");
        let err =
            Accounts::new(&[ClientCredential::station("s", "1"), ClientCredential::viewer("s", "2")]).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let debug = format!("{:?}", ClientCredential::station("s", "secret"));
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }
}
