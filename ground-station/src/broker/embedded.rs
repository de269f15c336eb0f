//! The station's default broker: rumqttd on a private loopback port behind the ACL gate.
//!
//! Limits of this embedded broker (use Mosquitto, by URL, where they matter):
//! - MQTT 3.1.1 only at the gate (the drones and the station speak it; v5 clients are refused);
//! - no TLS at the gate (it listens on loopback by default);
//! - rumqttd 0.20 cannot be stopped: [`EmbeddedBroker::shutdown`] closes the gate and every
//!   client connection, but rumqttd's router thread and private listener live until the
//!   process exits (reachable only with the per-run secret);
//! - rumqttd keeps each topic's log in memory, bounded per topic by the segment settings.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::accounts::{Accounts, ClientCredential, constant_time_eq};
use super::gate::{GateContext, GateCounters, GateStats, serve};
use super::{BrokerError, MqttEndpoint};

/// Settings of the embedded broker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddedConfig {
    /// Where clients connect (the gate). Port 0 picks a free one.
    pub listen: SocketAddr,
    /// Largest MQTT packet accepted, bytes (snapshot JPEGs travel whole).
    pub max_packet_bytes: usize,
    /// Every client, with its role and password.
    pub clients: Vec<ClientCredential>,
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 1883)),
            max_packet_bytes: 4 * 1024 * 1024,
            clients: Vec::new(),
        }
    }
}

/// A running embedded broker.
pub struct EmbeddedBroker {
    addr: SocketAddr,
    ctx: Arc<GateContext>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for EmbeddedBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedBroker").field("addr", &self.addr).finish()
    }
}

fn random_token() -> Result<String, BrokerError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| BrokerError::Start(format!("no randomness for the broker secret: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn rumqttd_config(upstream: SocketAddr, token: String, max_packet_bytes: usize) -> rumqttd::Config {
    let mut connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 10_000,
        max_payload_size: max_packet_bytes,
        max_inflight_count: 256,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let token = Arc::new(token);
    // Only the gate knows the secret: a client that reaches the private port directly is refused.
    connections.set_auth_handler(move |_client_id: String, _user: String, password: String| {
        let ok = constant_time_eq(password.as_bytes(), token.as_bytes());
        async move { ok }
    });
    let server = rumqttd::ServerSettings {
        name: "portops-embedded".into(),
        listen: upstream,
        tls: None,
        next_connection_delay_ms: 1,
        connections,
    };
    rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 10_010,
            max_outgoing_packet_count: 200,
            // A segment must hold the largest packet; two per topic bound each topic's memory.
            max_segment_size: max_packet_bytes.max(1 << 20) * 2,
            max_segment_count: 2,
            ..rumqttd::RouterConfig::default()
        },
        v4: Some(HashMap::from([("1".to_string(), server)])),
        ..rumqttd::Config::default()
    }
}

impl EmbeddedBroker {
    /// Starts rumqttd on a private loopback port and the gate on `config.listen`.
    pub async fn start(config: EmbeddedConfig) -> Result<Self, BrokerError> {
        let accounts = Accounts::new(&config.clients)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| BrokerError::Start(format!("cannot listen on {}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| BrokerError::Start(format!("listener address: {e}")))?;
        let upstream = StdListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| BrokerError::Start(format!("no free loopback port for rumqttd: {e}")))?;
        let token = random_token()?;
        let rumqttd_config = rumqttd_config(upstream, token.clone(), config.max_packet_bytes);
        std::thread::Builder::new()
            .name("rumqttd".into())
            .spawn(move || {
                let mut broker = rumqttd::Broker::new(rumqttd_config);
                if let Err(err) = broker.start() {
                    tracing::error!(error = %err, "embedded rumqttd stopped");
                }
            })
            .map_err(|e| BrokerError::Start(format!("cannot start rumqttd's thread: {e}")))?;
        // rumqttd binds inside its own thread: wait until it answers.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while tokio::net::TcpStream::connect(upstream).await.is_err() {
            if tokio::time::Instant::now() >= deadline {
                return Err(BrokerError::Start(format!(
                    "rumqttd did not listen on {upstream} within 5 s"
                )));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ctx = Arc::new(GateContext {
            accounts,
            upstream,
            token,
            max_packet_bytes: config.max_packet_bytes,
            stats: GateStats::default(),
        });
        let (shutdown, stop) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, ctx.clone(), stop));
        tracing::info!(%addr, "embedded MQTT broker listening (rumqttd behind the ACL gate)");
        Ok(Self {
            addr,
            ctx,
            shutdown,
            task,
        })
    }

    /// Where clients connect.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How a client with these credentials reaches this broker.
    pub fn endpoint(&self, username: &str, password: &str) -> MqttEndpoint {
        MqttEndpoint {
            host: self.addr.ip().to_string(),
            port: self.addr.port(),
            username: username.to_string(),
            password: password.to_string(),
        }
    }

    pub fn counters(&self) -> GateCounters {
        self.ctx.stats.counters()
    }

    /// Stops accepting and closes every client connection (see the module doc for rumqttd).
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

async fn accept_loop(listener: TcpListener, ctx: Arc<GateContext>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(serve(stream, peer, ctx.clone(), stop.clone()));
                }
                Err(err) => {
                    // Out of file descriptors and the like: wait, then go on accepting.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = stop.changed() => return,
        }
    }
}
