//! The embedded broker's ACL gate: an MQTT 3.1.1 front door that authenticates each client and
//! enforces the contract's per-topic permissions before anything reaches rumqttd.
//!
//! rumqttd 0.20 has a CONNECT-time auth hook (client id, username, password) but no per-topic
//! authorisation (its only topic check is the TLS-certificate `tenants/` prefix). So the gate
//! reads every packet a client sends (with rumqttc's MQTT codec) and
//! - at CONNECT checks the credentials, the client id and the last will ([`Accounts`]), then
//!   connects to rumqttd on a private loopback port with a per-run secret in place of the
//!   client's password, so that nothing can reach rumqttd without passing the gate;
//! - drops a PUBLISH on a topic the client may not write, acknowledging it (PUBACK, or
//!   PUBREC/PUBCOMP for QoS 2) as Mosquitto does for MQTT 3.1.1, and counts and logs it;
//! - answers 0x80 (failure) in the SUBACK for each filter the client may not read.
//!
//! [`GateSession`] is the pure part (packet in, packets out); [`serve`] is the socket shell.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use contracts::mqtt::{ClientRole, may_subscribe};
use rumqttc::mqttbytes::{self, Protocol, QoS};
use rumqttc::{
    ConnAck, ConnectReturnCode, Login, Packet, PubAck, PubComp, PubRec, SubAck, Subscribe, SubscribeReasonCode,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::accounts::{Accounts, Refusal, may_publish};

/// What a client must send first, and how long it may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Counters of the gate, shared by its connections.
#[derive(Debug, Default)]
pub struct GateStats {
    accepted: AtomicU64,
    refused: AtomicU64,
    denied_publishes: AtomicU64,
    denied_subscriptions: AtomicU64,
}

/// A copy of the gate's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GateCounters {
    /// Connections authenticated and passed to rumqttd.
    pub accepted: u64,
    /// CONNECTs refused (credentials, client id, will, protocol).
    pub refused: u64,
    /// PUBLISHes dropped because the client may not write the topic.
    pub denied_publishes: u64,
    /// Subscription filters refused because the client may not read them.
    pub denied_subscriptions: u64,
}

impl GateStats {
    pub fn counters(&self) -> GateCounters {
        GateCounters {
            accepted: self.accepted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            denied_publishes: self.denied_publishes.load(Ordering::Relaxed),
            denied_subscriptions: self.denied_subscriptions.load(Ordering::Relaxed),
        }
    }
}

/// Where a packet goes after the gate looked at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    ToBroker(Packet),
    ToClient(Packet),
}

/// A client broke the protocol; the gate closes the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("protocol violation: {0}")]
pub struct Violation(pub String);

/// The gate's state for one authenticated client.
#[derive(Debug)]
pub struct GateSession {
    role: ClientRole,
    client_id: String,
    /// QoS 2 publishes the gate dropped and answered PUBREC to: their PUBREL gets a PUBCOMP here.
    denied_qos2: HashSet<u16>,
    /// SUBSCRIBEs forwarded with some filters removed: which positions the broker answers.
    partial_subscribes: HashMap<u16, Vec<bool>>,
}

impl GateSession {
    pub fn new(role: ClientRole, client_id: String) -> Self {
        Self {
            role,
            client_id,
            denied_qos2: HashSet::new(),
            partial_subscribes: HashMap::new(),
        }
    }

    /// A packet from the client: what to send where.
    pub fn from_client(&mut self, packet: Packet, stats: &GateStats) -> Result<Vec<Step>, Violation> {
        Ok(match packet {
            Packet::Publish(p) if may_publish(&self.role, &p.topic) => vec![Step::ToBroker(Packet::Publish(p))],
            Packet::Publish(p) => {
                stats.denied_publishes.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    user = self.role.username(),
                    client_id = %self.client_id,
                    topic = %p.topic,
                    "publish denied by the ACL and dropped"
                );
                match p.qos {
                    QoS::AtMostOnce => vec![],
                    QoS::AtLeastOnce => vec![Step::ToClient(Packet::PubAck(PubAck::new(p.pkid)))],
                    QoS::ExactlyOnce => {
                        self.denied_qos2.insert(p.pkid);
                        vec![Step::ToClient(Packet::PubRec(PubRec::new(p.pkid)))]
                    }
                }
            }
            Packet::PubRel(rel) if self.denied_qos2.remove(&rel.pkid) => {
                vec![Step::ToClient(Packet::PubComp(PubComp::new(rel.pkid)))]
            }
            Packet::Subscribe(sub) => self.subscribe(sub, stats),
            Packet::Connect(_) => return Err(Violation("a second CONNECT".into())),
            p @ (Packet::ConnAck(_) | Packet::SubAck(_) | Packet::UnsubAck(_) | Packet::PingResp) => {
                return Err(Violation(format!("a server packet from the client: {p:?}")));
            }
            other => vec![Step::ToBroker(other)],
        })
    }

    fn subscribe(&mut self, sub: Subscribe, stats: &GateStats) -> Vec<Step> {
        let allowed: Vec<bool> = sub.filters.iter().map(|f| may_subscribe(&self.role, &f.path)).collect();
        for f in sub.filters.iter().zip(&allowed).filter(|(_, ok)| !**ok).map(|(f, _)| f) {
            stats.denied_subscriptions.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                user = self.role.username(),
                client_id = %self.client_id,
                filter = %f.path,
                "subscription denied by the ACL"
            );
        }
        if allowed.iter().all(|ok| *ok) {
            return vec![Step::ToBroker(Packet::Subscribe(sub))];
        }
        if !allowed.iter().any(|ok| *ok) {
            let codes = vec![SubscribeReasonCode::Failure; allowed.len()];
            return vec![Step::ToClient(Packet::SubAck(SubAck::new(sub.pkid, codes)))];
        }
        let filters = sub
            .filters
            .into_iter()
            .zip(&allowed)
            .filter(|(_, ok)| **ok)
            .map(|(f, _)| f)
            .collect();
        self.partial_subscribes.insert(sub.pkid, allowed);
        vec![Step::ToBroker(Packet::Subscribe(Subscribe {
            pkid: sub.pkid,
            filters,
        }))]
    }

    /// A packet from rumqttd, on its way to the client: SUBACKs of trimmed SUBSCRIBEs get the
    /// refused filters' failures back in their places.
    pub fn from_broker(&mut self, packet: Packet) -> Packet {
        match packet {
            Packet::SubAck(ack) => match self.partial_subscribes.remove(&ack.pkid) {
                Some(allowed) => {
                    let mut granted = ack.return_codes.into_iter();
                    let codes = allowed
                        .iter()
                        .map(|ok| match ok {
                            true => granted.next().unwrap_or(SubscribeReasonCode::Failure),
                            false => SubscribeReasonCode::Failure,
                        })
                        .collect();
                    Packet::SubAck(SubAck::new(ack.pkid, codes))
                }
                None => Packet::SubAck(ack),
            },
            other => other,
        }
    }
}

/// The CONNACK code for a refusal.
fn refusal_code(refusal: Refusal) -> ConnectReturnCode {
    match refusal {
        Refusal::NoCredentials | Refusal::BadCredentials => ConnectReturnCode::BadUserNamePassword,
        Refusal::ClientId => ConnectReturnCode::BadClientId,
        Refusal::Will => ConnectReturnCode::NotAuthorized,
    }
}

/// What the gate needs to serve a connection.
#[derive(Debug)]
pub struct GateContext {
    pub accounts: Accounts,
    /// rumqttd's private loopback listener.
    pub upstream: SocketAddr,
    /// The secret rumqttd's auth hook accepts, sent in place of the client's password.
    pub token: String,
    pub max_packet_bytes: usize,
    pub stats: GateStats,
}

#[derive(Debug, thiserror::Error)]
enum ConnError {
    #[error("connection closed")]
    Closed,
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("MQTT: {0}")]
    Mqtt(#[from] mqttbytes::Error),
    #[error(transparent)]
    Violation(#[from] Violation),
}

/// Reads one whole packet (cancel-safe: partial bytes stay in `buf`).
async fn read_packet<R: AsyncReadExt + Unpin>(
    stream: &mut R,
    buf: &mut BytesMut,
    max: usize,
) -> Result<Packet, ConnError> {
    loop {
        match Packet::read(buf, max) {
            Ok(packet) => return Ok(packet),
            Err(mqttbytes::Error::InsufficientBytes(_)) => {}
            Err(err) => return Err(err.into()),
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(ConnError::Closed);
        }
    }
}

async fn write_packet<W: AsyncWriteExt + Unpin>(stream: &mut W, packet: &Packet, max: usize) -> Result<(), ConnError> {
    let mut out = BytesMut::with_capacity(packet.size() + 5);
    packet.write(&mut out, max)?;
    stream.write_all(&out).await?;
    Ok(())
}

/// Serves one client connection until it or rumqttd closes it, or `shutdown` turns true.
pub async fn serve(
    mut client: TcpStream,
    peer: SocketAddr,
    ctx: Arc<GateContext>,
    mut shutdown: watch::Receiver<bool>,
) {
    let max = ctx.max_packet_bytes;
    let mut client_buf = BytesMut::with_capacity(4096);
    let connect = match tokio::time::timeout(CONNECT_TIMEOUT, read_packet(&mut client, &mut client_buf, max)).await {
        Ok(Ok(Packet::Connect(connect))) => connect,
        Ok(Ok(other)) => {
            tracing::warn!(%peer, packet = ?other, "first packet is not CONNECT; closing");
            return;
        }
        Ok(Err(err)) => {
            tracing::debug!(%peer, error = %err, "connection ended before CONNECT");
            return;
        }
        Err(_) => {
            tracing::warn!(%peer, "no CONNECT within {CONNECT_TIMEOUT:?}; closing");
            return;
        }
    };
    let refuse = |code| Packet::ConnAck(ConnAck::new(code, false));
    if connect.protocol != Protocol::V4 {
        ctx.stats.refused.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%peer, client_id = %connect.client_id, "refused: only MQTT 3.1.1 is served");
        let _ = write_packet(&mut client, &refuse(ConnectReturnCode::RefusedProtocolVersion), max).await;
        return;
    }
    let login = connect
        .login
        .as_ref()
        .map(|l| (l.username.as_str(), l.password.as_str()));
    let will_topic = connect.last_will.as_ref().map(|w| w.topic.as_str());
    let role = match ctx.accounts.authenticate(&connect.client_id, login, will_topic) {
        Ok(role) => role,
        Err(refusal) => {
            ctx.stats.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                %peer,
                client_id = %connect.client_id,
                user = login.map_or("", |l| l.0),
                reason = %refusal,
                "connection refused"
            );
            let _ = write_packet(&mut client, &refuse(refusal_code(refusal)), max).await;
            return;
        }
    };
    let mut broker = match TcpStream::connect(ctx.upstream).await {
        Ok(stream) => stream,
        Err(err) => {
            tracing::error!(%peer, error = %err, "cannot reach the embedded rumqttd");
            let _ = write_packet(&mut client, &refuse(ConnectReturnCode::ServiceUnavailable), max).await;
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = broker.set_nodelay(true);
    let mut upstream_connect = connect;
    upstream_connect.login = Some(Login::new(role.username(), ctx.token.as_str()));
    let client_id = upstream_connect.client_id.clone();
    if let Err(err) = write_packet(&mut broker, &Packet::Connect(upstream_connect), max).await {
        tracing::error!(%peer, error = %err, "cannot forward CONNECT to the embedded rumqttd");
        return;
    }
    ctx.stats.accepted.fetch_add(1, Ordering::Relaxed);
    tracing::info!(%peer, %client_id, user = role.username(), "client connected");
    let mut session = GateSession::new(role, client_id.clone());
    let result = pump(&mut client, &mut broker, client_buf, &mut session, &ctx, &mut shutdown).await;
    match result {
        Ok(()) | Err(ConnError::Closed) => tracing::info!(%peer, %client_id, "client disconnected"),
        Err(err) => tracing::warn!(%peer, %client_id, error = %err, "connection closed"),
    }
    // Dropping both sockets without a DISCONNECT upstream makes rumqttd publish the will when the
    // client went away without one (it forwarded its DISCONNECT otherwise).
}

async fn pump(
    client: &mut TcpStream,
    broker: &mut TcpStream,
    mut client_buf: BytesMut,
    session: &mut GateSession,
    ctx: &GateContext,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), ConnError> {
    let max = ctx.max_packet_bytes;
    let mut broker_buf = BytesMut::with_capacity(4096);
    let (mut client_rx, mut client_tx) = client.split();
    let (mut broker_rx, mut broker_tx) = broker.split();
    loop {
        tokio::select! {
            packet = read_packet(&mut client_rx, &mut client_buf, max) => {
                let packet = packet?;
                let disconnect = packet == Packet::Disconnect;
                for step in session.from_client(packet, &ctx.stats)? {
                    match step {
                        Step::ToBroker(p) => write_packet(&mut broker_tx, &p, max).await?,
                        Step::ToClient(p) => write_packet(&mut client_tx, &p, max).await?,
                    }
                }
                if disconnect {
                    return Ok(());
                }
            }
            packet = read_packet(&mut broker_rx, &mut broker_buf, max) => {
                let packet = session.from_broker(packet?);
                write_packet(&mut client_tx, &packet, max).await?;
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::mqtt::DroneId;
    use rumqttc::{PubRel, Publish, SubscribeFilter};

    fn drone() -> GateSession {
        GateSession::new(ClientRole::Drone(DroneId::new("d1").unwrap()), "d1".into())
    }

    fn publish(topic: &str, qos: QoS, pkid: u16) -> Packet {
        let mut p = Publish::new(topic, qos, b"{}".to_vec());
        p.pkid = pkid;
        Packet::Publish(p)
    }

    #[test]
    fn publishes_outside_the_acl_are_acknowledged_and_dropped() {
        let stats = GateStats::default();
        let mut s = drone();
        let own = publish("portops/v1/drones/d1/tracks", QoS::AtLeastOnce, 1);
        assert_eq!(s.from_client(own.clone(), &stats).unwrap(), vec![Step::ToBroker(own)]);
        let forged = publish("portops/v1/drones/d2/tracks", QoS::AtLeastOnce, 2);
        assert_eq!(
            s.from_client(forged, &stats).unwrap(),
            vec![Step::ToClient(Packet::PubAck(PubAck::new(2)))]
        );
        assert!(
            s.from_client(publish("portops/v1/alerts/x", QoS::AtMostOnce, 0), &stats)
                .unwrap()
                .is_empty()
        );
        let q2 = publish("x", QoS::ExactlyOnce, 3);
        assert_eq!(
            s.from_client(q2, &stats).unwrap(),
            vec![Step::ToClient(Packet::PubRec(PubRec::new(3)))]
        );
        assert_eq!(
            s.from_client(Packet::PubRel(PubRel::new(3)), &stats).unwrap(),
            vec![Step::ToClient(Packet::PubComp(PubComp::new(3)))]
        );
        assert_eq!(
            s.from_client(Packet::PubRel(PubRel::new(4)), &stats).unwrap(),
            vec![Step::ToBroker(Packet::PubRel(PubRel::new(4)))],
            "a PUBREL of a forwarded publish goes on"
        );
        assert_eq!(stats.counters().denied_publishes, 3);
        assert!(
            s.from_client(Packet::Connect(rumqttc::Connect::new("x")), &stats)
                .is_err()
        );
    }

    #[test]
    fn subscriptions_are_trimmed_and_their_suback_restored() {
        let stats = GateStats::default();
        let mut s = GateSession::new(
            ClientRole::Station {
                username: "station".into(),
            },
            "station".into(),
        );
        let sub = Subscribe::new_many([
            SubscribeFilter::new("#".into(), QoS::AtLeastOnce),
            SubscribeFilter::new("portops/v1/drones/+/#".into(), QoS::AtLeastOnce),
        ]);
        let steps = s.from_client(Packet::Subscribe(sub.clone()), &stats).unwrap();
        let [Step::ToBroker(Packet::Subscribe(trimmed))] = steps.as_slice() else {
            panic!("{steps:?}");
        };
        assert_eq!(trimmed.filters.len(), 1);
        assert_eq!(trimmed.filters[0].path, "portops/v1/drones/+/#");
        let ack = SubAck::new(sub.pkid, vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)]);
        assert_eq!(
            s.from_broker(Packet::SubAck(ack)),
            Packet::SubAck(SubAck::new(
                sub.pkid,
                vec![
                    SubscribeReasonCode::Failure,
                    SubscribeReasonCode::Success(QoS::AtLeastOnce)
                ]
            ))
        );
        let mut d = drone();
        let steps = d
            .from_client(
                Packet::Subscribe(Subscribe::new("portops/v1/#", QoS::AtLeastOnce)),
                &stats,
            )
            .unwrap();
        assert!(
            matches!(steps.as_slice(), [Step::ToClient(Packet::SubAck(a))] if a.return_codes == vec![SubscribeReasonCode::Failure])
        );
        assert_eq!(stats.counters().denied_subscriptions, 2);
    }
}
