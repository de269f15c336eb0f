//! Where and as whom a client connects: `mqtt://user:pass@host:port` URLs for an external broker.

use std::fmt;

use super::BrokerError;

/// A broker address with the credentials to use there. `Debug`/`Display` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct MqttEndpoint {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
}

impl fmt::Debug for MqttEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MqttEndpoint({self})")
    }
}

impl fmt::Display for MqttEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mqtt://{}:***@{}:{}", self.username, self.host, self.port)
    }
}

impl MqttEndpoint {
    /// Parses `mqtt://user:pass@host[:port]` (port 1883 by default; user and password may be
    /// percent-encoded, e.g. `%40` for `@`). TLS (`mqtts://`) is not supported here.
    pub fn parse_url(url: &str) -> Result<Self, BrokerError> {
        let bad = |why: &str| BrokerError::Url(format!("`{}`: {why}", redact(url)));
        let rest = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .ok_or_else(|| bad("must start with mqtt:// (mqtts:// is not supported)"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, hostport) = rest
            .rsplit_once('@')
            .ok_or_else(|| bad("credentials are required: mqtt://user:pass@host:port"))?;
        let (user, pass) = userinfo
            .split_once(':')
            .ok_or_else(|| bad("the password is missing: mqtt://user:pass@host:port"))?;
        let username = percent_decode(user).ok_or_else(|| bad("bad percent-encoding in the username"))?;
        let password = percent_decode(pass).ok_or_else(|| bad("bad percent-encoding in the password"))?;
        if username.is_empty() || password.is_empty() {
            return Err(bad("empty username or password"));
        }
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed [ in the host"))?;
            (host.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() || host.contains('/') {
            return Err(bad("missing or malformed host"));
        }
        let port = match port {
            None => 1883,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad(&format!("port `{p}` is not 1..=65535")))?,
        };
        Ok(Self {
            host,
            port,
            username,
            password,
        })
    }
}

/// The URL with any password replaced, for error messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let e = MqttEndpoint::parse_url("mqtt://station:s%40cret@broker.local:8883").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.username.as_str(), e.password.as_str()),
            ("broker.local", 8883, "station", "s@cret")
        );
        let e = MqttEndpoint::parse_url("mqtt://u:p@127.0.0.1").unwrap();
        assert_eq!(e.port, 1883);
        let e = MqttEndpoint::parse_url("mqtt://u:p@[::1]:1884/").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 1884));
        assert!(!format!("{e:?} {e}").contains(":p@"));
    }

    #[test]
    fn refuses_bad_urls_without_leaking_the_password() {
        for (url, why) in [
            ("http://u:p@h", "mqtt://"),
            ("mqtts://u:p@h", "mqtt://"),
            ("mqtt://h:1883", "credentials"),
            ("mqtt://u@h", "password is missing"),
            ("mqtt://u:secret@h:99999", "port `99999`"),
            ("mqtt://u:secret@:1", "host"),
            ("mqtt://u:%zz@h", "percent-encoding"),
        ] {
            let err = MqttEndpoint::parse_url(url).unwrap_err().to_string();
            assert!(err.contains(why), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
    }
}
