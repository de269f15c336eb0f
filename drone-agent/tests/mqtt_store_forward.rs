//! Store-and-forward against a real Mosquitto: stop the broker mid-stream, restart it, and check
//! that every detection batch reaches a persistent subscriber exactly once (after dedup) and in
//! order; and that the generated ACL and password file refuse strangers and forged topics.
//!
//! The broker is stopped with SIGTERM, which makes Mosquitto save its persistence file: with
//! SIGKILL a message the broker acknowledged but had not yet forwarded would be lost by the
//! broker, which no publisher-side outbox can prevent.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use contracts::mqtt::{
    self, BBox, ClientRole, Dedup, Detection, DetectionBatch, DroneId, Payload, SCHEMA, Topic, decode_payload,
};
use drone_agent::publish::{Durability, Publisher, PublisherConfig};
use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Packet, QoS};
use testkit::mosquitto::Mosquitto;
use tokio::sync::mpsc;

const N: u64 = 60;

fn batch(drone: &DroneId, i: u64) -> DetectionBatch {
    DetectionBatch {
        schema: SCHEMA,
        msg_id: 0,
        drone_id: drone.clone(),
        frame_time: 1_760_000_000_000 + i * 200,
        detections: vec![Detection {
            class: "boat".into(),
            score: 0.9,
            bbox: BBox {
                x: i as f32,
                y: 10.0,
                w: 40.0,
                h: 20.0,
            },
            lat: Some(51.95),
            lon: Some(4.05),
            error_m: Some(2.0),
            track_id: Some(i),
        }],
    }
}

fn options(client_id: &str, user: &str, password: &str, port: u16) -> MqttOptions {
    let mut o = MqttOptions::new(client_id, "127.0.0.1", port);
    o.set_credentials(user, password);
    o.set_keep_alive(Duration::from_secs(5));
    o.set_clean_session(false);
    o
}

/// Connects once and returns the first result: Ok on CONNACK, the error otherwise.
async fn try_connect(o: MqttOptions) -> Result<(), ConnectionError> {
    let (_client, mut eventloop) = AsyncClient::new(o, 10);
    match tokio::time::timeout(Duration::from_secs(5), eventloop.poll()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ConnectionError::NetworkTimeout),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_detection_arrives_exactly_once_across_a_broker_restart() {
    let started = Instant::now();
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let password = format!("pw-{nanos:x}-{}", std::process::id());
    let (d1, d2) = (DroneId::new("d1").unwrap(), DroneId::new("d2").unwrap());
    let acl = mqtt::acl_file(&[
        ClientRole::Drone(d1.clone()),
        ClientRole::Drone(d2.clone()),
        ClientRole::Station {
            username: "station".into(),
        },
    ])
    .unwrap();
    let users = [("d1", password.as_str()), ("d2", &password), ("station", &password)];
    let Some(mut broker) = Mosquitto::start(&users, &acl) else {
        return;
    };
    let port = broker.port();

    // ACL: no credentials, and a wrong password, are refused at CONNECT.
    let mut anon = MqttOptions::new("anon", "127.0.0.1", port);
    anon.set_keep_alive(Duration::from_secs(5));
    assert!(
        matches!(try_connect(anon).await, Err(ConnectionError::ConnectionRefused(_))),
        "anonymous accepted"
    );
    let wrong = options("d1-wrong", "d1", "not-the-password", port);
    assert!(
        matches!(try_connect(wrong).await, Err(ConnectionError::ConnectionRefused(_))),
        "bad password accepted"
    );

    // The station's persistent subscriber, subscribed before the stream starts.
    let (sub, mut sub_loop) = AsyncClient::new(options("station-test", "station", &password, port), 100);
    sub.subscribe(mqtt::filters::ALL_DETECTIONS, QoS::AtLeastOnce)
        .await
        .unwrap();
    let (got_tx, mut got_rx) = mpsc::unbounded_channel::<(String, u64)>();
    let (subacked_tx, mut subacked) = mpsc::channel::<()>(1);
    let subscriber = tokio::spawn(async move {
        loop {
            match sub_loop.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => match decode_payload(&p.topic, &p.payload) {
                    Ok(Payload::Detections(b)) => {
                        let _ = got_tx.send((b.drone_id.to_string(), b.msg_id));
                    }
                    other => panic!("unexpected message on {}: {other:?}", p.topic),
                },
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    let _ = subacked_tx.try_send(());
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(5), subacked.recv())
        .await
        .expect("SUBACK");

    let mut config = PublisherConfig::new("127.0.0.1", port, d1.clone(), &password, broker.dir().join("outbox"));
    config.durability = Durability::Fsync;
    config.reconnect_delay = Duration::from_millis(100);
    let publisher = Publisher::start(config).unwrap();
    let mut sent = Vec::new();
    let mut pending_in_outage = 0;
    for i in 0..N {
        if i == N / 3 {
            broker.stop();
        }
        if i == 2 * N / 3 {
            pending_in_outage = publisher.stats().pending;
            broker.restart();
        }
        sent.push(publisher.publish(batch(&d1, i)).await.unwrap());
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert!(sent.windows(2).all(|w| w[0] < w[1]), "msg_ids increase: {sent:?}");
    assert!(
        pending_in_outage >= (N / 3 - 2) as usize,
        "the outbox held the outage's messages: {pending_in_outage}"
    );
    assert!(
        publisher.flushed(Duration::from_secs(10)).await,
        "outbox not drained: {:?}",
        publisher.stats()
    );
    let stats = publisher.stats();
    assert!(stats.connects >= 2, "reconnected: {stats:?}");

    // A drone publishing on another drone's topic is dropped by the ACL; its own topic works
    // (and arrives after the forgery, on the same ordered connection).
    let (d2_client, mut d2_loop) = AsyncClient::new(options("d2", "d2", &password, port), 10);
    let d2_task = tokio::spawn(async move {
        while tokio::time::timeout(Duration::from_secs(5), d2_loop.poll())
            .await
            .is_ok_and(|r| r.is_ok())
        {}
    });
    let mut forged = batch(&d1, 0);
    forged.msg_id = 999_999;
    d2_client
        .publish(
            Topic::detections(&d1).to_string(),
            QoS::AtLeastOnce,
            false,
            serde_json::to_vec(&forged).unwrap(),
        )
        .await
        .unwrap();
    let mut own = batch(&d2, 0);
    own.msg_id = 1;
    d2_client
        .publish(
            Topic::detections(&d2).to_string(),
            QoS::AtLeastOnce,
            false,
            serde_json::to_vec(&own).unwrap(),
        )
        .await
        .unwrap();

    let mut dedup = Dedup::new(1024);
    let (mut received, mut duplicates, mut d2_seen) = (Vec::new(), 0, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while received.len() < sent.len() || !d2_seen {
        let Ok(Some((drone, msg_id))) = tokio::time::timeout_at(deadline, got_rx.recv()).await else {
            panic!(
                "timed out: {} of {} received, d2 seen {d2_seen}: {received:?}",
                received.len(),
                sent.len()
            );
        };
        assert_ne!(msg_id, 999_999, "d2's forgery on d1's topic got through the ACL");
        if drone == "d2" {
            d2_seen = true;
        } else if dedup.first_time(&d1, msg_id) {
            received.push(msg_id);
        } else {
            duplicates += 1;
        }
    }
    assert_eq!(received, sent, "every msg_id exactly once, in order");
    // Anything late (the forgery) would have arrived before d2's own message; drain what is left.
    while let Ok(Some((_, msg_id))) = tokio::time::timeout(Duration::from_millis(200), got_rx.recv()).await {
        assert_ne!(msg_id, 999_999, "d2's forgery on d1's topic got through the ACL");
    }
    eprintln!(
        "store-and-forward: {N} batches, {pending_in_outage} held in the outbox during the outage, \
         {duplicates} duplicates dropped, {} connects, {:.2} s",
        stats.connects,
        started.elapsed().as_secs_f64()
    );
    publisher.shutdown().await;
    subscriber.abort();
    d2_task.abort();
    drop(broker);
}
