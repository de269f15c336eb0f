//! The embedded broker (rumqttd behind the ACL gate) with real MQTT clients: the drone agent's
//! publisher reaches the station's ingest; wrong passwords, borrowed client ids, forged topics
//! and over-wide subscriptions are refused.

use std::net::Ipv4Addr;
use std::time::Duration;

use contracts::mqtt::{DroneId, SCHEMA, Topic, Track, TrackState, TrackUpdate};
use drone_agent::publish::{Durability, Publisher, PublisherConfig};
use ground_station::broker::{ClientCredential, EmbeddedBroker, EmbeddedConfig};
use ground_station::ingest::{Ingest, IngestEvent, IngestOptions};
use rumqttc::{AsyncClient, ConnectReturnCode, ConnectionError, Event, MqttOptions, Packet, QoS, SubscribeReasonCode};
use tokio::sync::mpsc;

fn tracks(drone: &DroneId, msg_id: u64, track_id: u64) -> TrackUpdate {
    TrackUpdate {
        schema: SCHEMA,
        msg_id,
        drone_id: drone.clone(),
        time: 1_760_000_000_000,
        tracks: vec![Track {
            track_id,
            class: "boat".into(),
            score: 0.9,
            state: TrackState::New,
            lat: 44.38,
            lon: 8.91,
            error_m: 2.0,
            vel_n_mps: 0.0,
            vel_e_mps: 0.0,
            first_seen: 1_760_000_000_000,
            last_seen: 1_760_000_000_000,
            size_m: None,
        }],
    }
}

fn options(port: u16, client_id: &str, user: &str, password: &str) -> MqttOptions {
    let mut o = MqttOptions::new(client_id, "127.0.0.1", port);
    o.set_credentials(user, password);
    o.set_keep_alive(Duration::from_secs(5));
    o
}

/// Connects and returns the CONNACK outcome.
async fn connect(o: MqttOptions) -> Result<(), ConnectionError> {
    let (_client, mut eventloop) = AsyncClient::new(o, 10);
    match tokio::time::timeout(Duration::from_secs(5), eventloop.poll()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ConnectionError::NetworkTimeout),
    }
}

/// Next tracks event from the ingest channel (skipping others), or None after `wait`.
async fn next_tracks(rx: &mut mpsc::Receiver<IngestEvent>, wait: Duration) -> Option<TrackUpdate> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(IngestEvent::Tracks(t))) => return Some(t),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drones_reach_the_station_and_the_acl_holds() {
    let (d1, d2) = (DroneId::new("d1").unwrap(), DroneId::new("d2").unwrap());
    let config = EmbeddedConfig {
        listen: (Ipv4Addr::LOCALHOST, 0).into(),
        clients: vec![
            ClientCredential::drone(&d1, "pw-d1"),
            ClientCredential::drone(&d2, "pw-d2"),
            ClientCredential::station("station", "pw-station"),
            ClientCredential::viewer("console", "pw-console"),
        ],
        ..EmbeddedConfig::default()
    };
    let broker = EmbeddedBroker::start(config).await.unwrap();
    let port = broker.local_addr().port();

    let (ingest, mut events) = Ingest::start(IngestOptions::new(broker.endpoint("station", "pw-station")));
    assert!(
        ingest.subscribed(Duration::from_secs(5)).await,
        "{:?}",
        ingest.link_state()
    );

    // The real drone-side publisher, with the right password: the station receives.
    let outbox = testkit::TempFile::new("gs-broker", "outbox", "d");
    let mut pc = PublisherConfig::new("127.0.0.1", port, d1.clone(), "pw-d1", outbox.0.clone());
    pc.durability = Durability::NoFsync;
    pc.reconnect_delay = Duration::from_millis(100);
    let publisher = Publisher::start(pc).unwrap();
    let sent = publisher.publish(tracks(&d1, 0, 7)).await.unwrap();
    let got = next_tracks(&mut events, Duration::from_secs(5))
        .await
        .expect("tracks from d1");
    assert_eq!(
        (got.drone_id.as_str(), got.msg_id, got.tracks[0].track_id),
        ("d1", sent, 7)
    );
    assert!(
        publisher.flushed(Duration::from_secs(5)).await,
        "{:?}",
        publisher.stats()
    );

    // Wrong password, no password, someone else's client id: refused at CONNECT.
    let refused = |r: Result<(), ConnectionError>, code: ConnectReturnCode| {
        assert!(
            matches!(&r, Err(ConnectionError::ConnectionRefused(c)) if *c == code),
            "expected {code:?}, got {r:?}"
        );
    };
    refused(
        connect(options(port, "d1", "d1", "wrong")).await,
        ConnectReturnCode::BadUserNamePassword,
    );
    refused(
        connect(options(port, "x", "nobody", "pw-d1")).await,
        ConnectReturnCode::BadUserNamePassword,
    );
    let mut anonymous = MqttOptions::new("anon", "127.0.0.1", port);
    anonymous.set_keep_alive(Duration::from_secs(5));
    refused(connect(anonymous).await, ConnectReturnCode::BadUserNamePassword);
    refused(
        connect(options(port, "d2", "d1", "pw-d1")).await,
        ConnectReturnCode::BadClientId,
    );

    // d2, logged in as itself, publishes on d1's topic (dropped) and then on its own (delivered,
    // after the forgery on the same ordered connection); its subscription attempt is refused.
    let (d2_client, mut d2_loop) = AsyncClient::new(options(port, "d2", "d2", "pw-d2"), 10);
    let (suback_tx, mut suback_rx) = mpsc::unbounded_channel();
    let d2_task = tokio::spawn(async move {
        while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(10), d2_loop.poll()).await {
            if let Event::Incoming(Packet::SubAck(ack)) = event {
                let _ = suback_tx.send(ack.return_codes);
            }
        }
    });
    let forged = tracks(&d1, 999_999, 66);
    d2_client
        .publish(
            Topic::tracks(&d1).to_string(),
            QoS::AtLeastOnce,
            false,
            serde_json::to_vec(&forged).unwrap(),
        )
        .await
        .unwrap();
    d2_client
        .publish(
            Topic::tracks(&d2).to_string(),
            QoS::AtLeastOnce,
            false,
            serde_json::to_vec(&tracks(&d2, 1, 8)).unwrap(),
        )
        .await
        .unwrap();
    d2_client.subscribe("portops/v1/#", QoS::AtLeastOnce).await.unwrap();
    let got = next_tracks(&mut events, Duration::from_secs(5))
        .await
        .expect("tracks from d2");
    assert_eq!(
        (got.drone_id.as_str(), got.tracks[0].track_id),
        ("d2", 8),
        "the forgery got through: {got:?}"
    );
    assert!(
        next_tracks(&mut events, Duration::from_millis(300)).await.is_none(),
        "nothing else arrives"
    );
    let codes = tokio::time::timeout(Duration::from_secs(5), suback_rx.recv())
        .await
        .expect("SUBACK")
        .unwrap();
    assert_eq!(codes, vec![SubscribeReasonCode::Failure]);
    let counters = broker.counters();
    assert_eq!(counters.denied_publishes, 1, "{counters:?}");
    assert_eq!(counters.denied_subscriptions, 1, "{counters:?}");
    assert_eq!(counters.refused, 4, "{counters:?}");

    // A viewer reads but cannot publish an alert.
    let (viewer, mut viewer_loop) = AsyncClient::new(options(port, "console.map", "console", "pw-console"), 10);
    viewer
        .subscribe("portops/v1/drones/+/tracks", QoS::AtLeastOnce)
        .await
        .unwrap();
    viewer
        .publish("portops/v1/alerts/fake", QoS::AtLeastOnce, false, b"{}".to_vec())
        .await
        .unwrap();
    let mut granted = None;
    while granted.is_none() {
        match tokio::time::timeout(Duration::from_secs(5), viewer_loop.poll()).await {
            Ok(Ok(Event::Incoming(Packet::SubAck(ack)))) => granted = Some(ack.return_codes),
            Ok(Ok(_)) => {}
            other => panic!("viewer: {other:?}"),
        }
    }
    assert_eq!(granted, Some(vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)]));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while broker.counters().denied_publishes < 2 {
        assert!(tokio::time::Instant::now() < deadline, "viewer's publish not denied");
        let _ = tokio::time::timeout(Duration::from_millis(100), viewer_loop.poll()).await;
    }

    assert_eq!(ingest.stats().malformed, 0);
    publisher.shutdown().await;
    ingest.shutdown().await;
    d2_task.abort();
    broker.shutdown().await;
    let _ = std::fs::remove_dir_all(&outbox.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_station_session_keeps_what_arrives_while_it_is_away() {
    let d1 = DroneId::new("d1").unwrap();
    let config = EmbeddedConfig {
        listen: (Ipv4Addr::LOCALHOST, 0).into(),
        clients: vec![
            ClientCredential::drone(&d1, "pw-d1"),
            ClientCredential::station("station", "pw-station"),
        ],
        ..EmbeddedConfig::default()
    };
    let broker = EmbeddedBroker::start(config).await.unwrap();
    let endpoint = broker.endpoint("station", "pw-station");
    let (ingest, _events) = Ingest::start(IngestOptions::new(endpoint.clone()));
    assert!(ingest.subscribed(Duration::from_secs(5)).await);
    ingest.shutdown().await;

    let outbox = testkit::TempFile::new("gs-broker", "outbox", "d");
    let mut pc = PublisherConfig::new(
        "127.0.0.1",
        broker.local_addr().port(),
        d1.clone(),
        "pw-d1",
        outbox.0.clone(),
    );
    pc.durability = Durability::NoFsync;
    let publisher = Publisher::start(pc).unwrap();
    let mut sent = Vec::new();
    for track in 1..=3 {
        sent.push(publisher.publish(tracks(&d1, 0, track)).await.unwrap());
    }
    assert!(
        publisher.flushed(Duration::from_secs(5)).await,
        "{:?}",
        publisher.stats()
    );

    // Back with the same client id: the persistent session hands over what it queued.
    let (ingest, mut events) = Ingest::start(IngestOptions::new(endpoint));
    let mut got = Vec::new();
    while got.len() < sent.len() {
        match next_tracks(&mut events, Duration::from_secs(5)).await {
            Some(t) => got.push(t.msg_id),
            None => panic!("after the reconnect only {got:?} of {sent:?}"),
        }
    }
    assert_eq!(got, sent);
    publisher.shutdown().await;
    ingest.shutdown().await;
    broker.shutdown().await;
    let _ = std::fs::remove_dir_all(&outbox.0);
}
