//! The RTP → MJPEG bridge against a real sender: drone-agent's GStreamer pipeline (test pattern,
//! x264, RTP over UDP) → the station's bridge → JPEGs that decode, framed as multipart parts;
//! and what goes wrong: a taken port, a vehicle named twice, junk on the port, no stream yet.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use drone_agent::video::{VideoConfig, VideoError as SenderError, VideoPipeline, VideoSource};
use futures_util::StreamExt;
use ground_station::video::{
    DecodeSettings, FrameReceiver, MJPEG_BOUNDARY, MJPEG_CONTENT_TYPE, VideoBridge, VideoError, mjpeg_stream,
};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The bridge on loopback, or None (skip-or-fail) when GStreamer lacks an element.
fn bridge(feeds: &[(u8, u16)]) -> Option<VideoBridge> {
    match VideoBridge::start_on(LOOPBACK, feeds, DecodeSettings::default()) {
        Ok(bridge) => Some(bridge),
        Err(e @ (VideoError::MissingElements(_) | VideoError::Init(_))) => {
            testkit::peer_unavailable(
                "GStreamer",
                &e.to_string(),
                "run scripts/setup to install the GStreamer packages",
            );
            None
        }
        Err(e) => panic!("the bridge does not start: {e}"),
    }
}

/// drone-agent's pipeline sending a 320×240 test pattern (a moving white ball on black) to `port`.
fn sender(port: u16) -> Option<VideoPipeline> {
    let source: VideoSource = "test:?width=320&height=240&fps=30".parse().expect("test source");
    let config = VideoConfig {
        bitrate_kbps: 500,
        keyframe_interval: 10,
        rtp_port: port,
        ..VideoConfig::for_vehicle("127.0.0.1", 0)
    };
    match VideoPipeline::start(source, config) {
        Ok(pipeline) => Some(pipeline),
        Err(e @ (SenderError::Build { .. } | SenderError::Init(_))) => {
            testkit::peer_unavailable("GStreamer sender", &e.to_string(), "run scripts/setup");
            None
        }
        Err(e) => panic!("the sender does not start: {e}"),
    }
}

async fn next_frame(rx: &mut FrameReceiver, within: Duration) -> Option<Arc<Vec<u8>>> {
    tokio::time::timeout(within, async {
        loop {
            if let Some(jpeg) = rx.borrow_and_update().clone() {
                return jpeg;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    })
    .await
    .ok()
}

/// Splits a multipart body into its JPEGs, checking each part's boundary, headers and length.
fn parts(body: &[u8]) -> Vec<Vec<u8>> {
    let mut rest = body;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let boundary = format!("--{MJPEG_BOUNDARY}\r\n");
        assert!(
            rest.starts_with(boundary.as_bytes()),
            "part {} starts with the boundary",
            out.len()
        );
        rest = &rest[boundary.len()..];
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end");
        let headers = std::str::from_utf8(&rest[..end]).expect("ASCII headers");
        let mut length = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let (name, value) = line.split_once(": ").expect("a header line");
            match name {
                "Content-Type" => content_type = Some(value.to_string()),
                "Content-Length" => length = Some(value.parse::<usize>().expect("a length")),
                other => panic!("unexpected header {other}"),
            }
        }
        assert_eq!(content_type.as_deref(), Some("image/jpeg"));
        let length = length.expect("Content-Length");
        rest = &rest[end + 4..];
        out.push(rest[..length].to_vec());
        assert_eq!(
            &rest[length..length + 2],
            b"\r\n",
            "the part ends with CRLF after its length"
        );
        rest = &rest[length + 2..];
    }
    out
}

/// Dark and bright pixels both: the ball on black came through, not a grey or green frame.
fn looks_like_the_pattern(jpeg: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).expect("a JPEG that decodes");
    let luma = image.to_luma8();
    let dark = luma.pixels().filter(|p| p.0[0] < 40).count();
    let bright = luma.pixels().filter(|p| p.0[0] > 200).count();
    let total = luma.pixels().count();
    assert!(dark > total / 2, "mostly black background: {dark} of {total}");
    assert!(bright > 100, "a white ball: {bright} bright pixels");
    (image.width(), image.height())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_rtp_stream_becomes_jpegs_and_multipart_parts() {
    let port = testkit::free_udp_port();
    let Some(bridge) = bridge(&[(1, port)]) else { return };
    let mut rx = bridge.subscribe(1).expect("vehicle 1 is bridged");
    assert!(bridge.subscribe(2).is_none(), "vehicle 2 is not");
    assert_eq!(bridge.feeds(), vec![(1, port)]);

    // Nothing sent yet: no frame, and no error either.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx.borrow().is_none());
    assert_eq!(bridge.last_error(1), None);
    // Junk on the port (not RTP) is dropped by the depayloader; the bridge keeps going.
    let junk = UdpSocket::bind((LOOPBACK, 0)).expect("a socket");
    for i in 0..20u8 {
        junk.send_to(&[i; 200], (LOOPBACK, port)).expect("send junk");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.borrow().is_none(), "junk makes no picture");

    let Some(sender) = sender(port) else { return };
    let jpeg = next_frame(&mut rx, Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("no JPEG within 10 s (bridge error: {:?})", bridge.last_error(1)));
    assert_eq!(
        looks_like_the_pattern(&jpeg),
        (640, 480),
        "scaled to 640 wide, aspect kept"
    );

    // The multipart body: a part per new picture, each a whole JPEG of its stated length.
    let stream = mjpeg_stream(bridge.subscribe(1).expect("subscribe"));
    let chunks: Vec<bytes::Bytes> = tokio::time::timeout(
        Duration::from_secs(10),
        stream.take(5).map(|c| c.expect("no stream error")).collect(),
    )
    .await
    .expect("5 parts within 10 s");
    let body: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
    let jpegs = parts(&body);
    assert_eq!(jpegs.len(), 5);
    for jpeg in &jpegs {
        assert_eq!(looks_like_the_pattern(jpeg), (640, 480));
    }
    assert!(
        jpegs.windows(2).any(|w| w[0] != w[1]),
        "the ball moves: the parts differ"
    );
    assert!(bridge.frames_made(1).is_some_and(|n| n >= 5));
    assert_eq!(
        MJPEG_CONTENT_TYPE,
        format!("multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}")
    );
    sender.stop();

    // The bridge stopping ends every viewer's stream.
    let mut stream = Box::pin(mjpeg_stream(rx));
    drop(bridge);
    let ended = tokio::time::timeout(Duration::from_secs(5), async { while stream.next().await.is_some() {} }).await;
    assert!(ended.is_ok(), "the stream ends when the bridge stops");
}

#[test]
fn a_taken_port_and_a_vehicle_named_twice_are_refused_with_their_numbers() {
    let taken = UdpSocket::bind((LOOPBACK, 0)).expect("a socket");
    let port = taken.local_addr().expect("address").port();
    match VideoBridge::start_on(LOOPBACK, &[(3, port)], DecodeSettings::default()) {
        Err(VideoError::Start {
            sysid: 3,
            port: p,
            message,
        }) => {
            assert_eq!(p, port);
            let text = VideoError::Start {
                sysid: 3,
                port,
                message,
            }
            .to_string();
            assert!(text.contains(&format!("vehicle 3 on UDP port {port}")), "{text}");
        }
        Err(e @ (VideoError::MissingElements(_) | VideoError::Init(_))) => {
            testkit::peer_unavailable("GStreamer", &e.to_string(), "run scripts/setup");
        }
        other => panic!("expected a start error, got {other:?}"),
    }
    let free = testkit::free_udp_port();
    let err = VideoBridge::start_on(LOOPBACK, &[(2, free), (2, free + 1)], DecodeSettings::default())
        .expect_err("vehicle 2 twice");
    assert_eq!(
        err,
        VideoError::DuplicateVehicle {
            sysid: 2,
            first: free,
            second: free + 1
        }
    );
    assert!(err.to_string().contains("vehicle 2 appears twice"), "{err}");
}
