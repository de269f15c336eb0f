//! Malformed messages through the embedded broker: each one is reported as a rejected event,
//! counted and kept in the dead-letter list with its topic, reason and bytes; the good message
//! after them still arrives.

use std::net::Ipv4Addr;
use std::time::Duration;

use contracts::mqtt::{DroneId, SCHEMA, TrackUpdate};
use ground_station::broker::{ClientCredential, EmbeddedBroker, EmbeddedConfig};
use ground_station::ingest::{Ingest, IngestEvent, IngestOptions};
use rumqttc::{AsyncClient, MqttOptions, QoS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_payloads_are_counted_and_kept() {
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
    let (ingest, mut events) = Ingest::start(IngestOptions::new(broker.endpoint("station", "pw-station")));
    assert!(ingest.subscribed(Duration::from_secs(5)).await);

    let mut o = MqttOptions::new("d1", "127.0.0.1", broker.local_addr().port());
    o.set_credentials("d1", "pw-d1");
    o.set_keep_alive(Duration::from_secs(5));
    let (drone, mut drone_loop) = AsyncClient::new(o, 10);
    let drone_task = tokio::spawn(async move { while drone_loop.poll().await.is_ok() {} });

    let good = TrackUpdate {
        schema: SCHEMA,
        msg_id: 5,
        drone_id: d1.clone(),
        time: 1,
        tracks: vec![],
    };
    let mut wrong_drone = serde_json::to_value(&good).unwrap();
    wrong_drone["drone_id"] = "d2".into();
    let bad: [(&str, Vec<u8>, &str); 5] = [
        ("portops/v1/drones/d1/tracks", b"{\"schema\":1,".to_vec(), "not JSON"),
        (
            "portops/v1/drones/d1/status",
            br#"{"schema":7,"msg_id":1}"#.to_vec(),
            "unsupported schema version 7",
        ),
        (
            "portops/v1/drones/d1/tracks",
            wrong_drone.to_string().into_bytes(),
            "the topic's drone is `d1`",
        ),
        ("portops/v1/drones/d1/snapshots/3", b"GIF89a".to_vec(), "not a JPEG"),
        (
            "portops/v1/drones/d1/battery",
            b"{}".to_vec(),
            "not in the portops/v1 tree",
        ),
    ];
    for (topic, bytes, _) in &bad {
        drone
            .publish(*topic, QoS::AtLeastOnce, false, bytes.clone())
            .await
            .unwrap();
    }
    drone
        .publish(
            "portops/v1/drones/d1/tracks",
            QoS::AtLeastOnce,
            false,
            serde_json::to_vec(&good).unwrap(),
        )
        .await
        .unwrap();

    let mut rejected = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let accepted = loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(IngestEvent::Rejected(letter))) => rejected.push(letter),
            Ok(Some(IngestEvent::Tracks(t))) => break t,
            Ok(Some(other)) => panic!("unexpected {other:?}"),
            Ok(None) | Err(_) => panic!("timed out after {rejected:?}"),
        }
    };
    assert_eq!(accepted, good, "the good message after the bad ones is not lost");
    assert_eq!(rejected.len(), bad.len(), "{rejected:#?}");
    for (letter, (topic, bytes, why)) in rejected.iter().zip(&bad) {
        assert_eq!(letter.topic, *topic);
        assert!(
            letter.reason.contains(topic),
            "reason names the topic: {}",
            letter.reason
        );
        assert!(letter.reason.contains(why), "{why:?} not in {}", letter.reason);
        assert_eq!(
            (letter.payload.as_ref(), letter.payload_len),
            (bytes.as_slice(), bytes.len())
        );
        assert!(letter.received_at > 1_700_000_000_000, "{}", letter.received_at);
    }
    assert_eq!(ingest.dead_letters(), rejected, "kept for the API");
    let stats = ingest.stats();
    assert_eq!((stats.malformed, stats.accepted), (bad.len() as u64, 1), "{stats:?}");
    assert!(ingest.link_state().connected, "still connected");

    drone_task.abort();
    ingest.shutdown().await;
    broker.shutdown().await;
}
