use mavlink::dialects::ardupilotmega::{HEARTBEAT_DATA, MavMessage, STATUSTEXT_DATA, SYS_STATUS_DATA};

use super::*;

fn frames() -> Vec<Vec<u8>> {
    let mut vehicle = mavlink_io::Codec::new(1, 1, None);
    let mut gcs = mavlink_io::Codec::new(255, 190, None);
    let hb = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode: 3,
        mavlink_version: 3,
        ..Default::default()
    });
    let status = MavMessage::SYS_STATUS(SYS_STATUS_DATA {
        voltage_battery: 24_100,
        battery_remaining: 87,
        ..Default::default()
    });
    let text = MavMessage::STATUSTEXT(STATUSTEXT_DATA {
        text: "Mission: 1 WP".into(),
        ..Default::default()
    });
    vec![
        vehicle.encode(&hb),
        gcs.encode(&hb),
        vehicle.encode(&status),
        vehicle.encode(&text),
    ]
}

fn log(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut w = TlogWriter::new(Vec::new());
    for (i, f) in frames.iter().enumerate() {
        w.write_frame(1_700_000_000_000_000 + i as u64 * 100_000, f).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn what_is_written_reads_back_record_for_record() {
    let frames = frames();
    let bytes = log(&frames);
    let read = read_tlog(&bytes);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let got: Vec<_> = read.records.iter().map(|r| r.frame.clone()).collect();
    assert_eq!(got, frames);
    assert_eq!(read.records[3].time_us, 1_700_000_000_300_000);
    let (msgs, undecoded) = decode(&read.records);
    assert_eq!(undecoded, 0);
    assert_eq!(msgs[1].header.system_id, 255);
    assert!(matches!(msgs[2].message, MavMessage::SYS_STATUS(ref s) if s.battery_remaining == 87));
}

#[test]
fn a_datagram_is_split_into_frames_and_junk_is_counted_not_written() {
    let frames = frames();
    let mut datagram = vec![0x00, 0x13, 0x37];
    datagram.extend_from_slice(&frames[0]);
    datagram.extend_from_slice(&frames[2]);
    let mut w = TlogWriter::new(Vec::new());
    assert_eq!(w.write_datagram(5, &datagram).unwrap(), 2);
    assert_eq!(w.stats().skipped_bytes, 3);
    let read = read_tlog(&w.finish().unwrap());
    assert_eq!(read.records.len(), 2);
    assert_eq!(read.records[1].frame, frames[2]);
}

#[test]
fn a_partial_frame_is_refused_by_the_writer() {
    let f = &frames()[0];
    let mut w = TlogWriter::new(Vec::new());
    let err = w.write_frame(1, &f[..f.len() - 1]).unwrap_err();
    assert!(err.to_string().contains("its header says"), "{err}");
    assert!(w.write_frame(1, b"hello").is_err());
}

#[test]
fn a_log_cut_anywhere_in_its_last_record_keeps_the_others_and_says_where() {
    let frames = frames();
    let bytes = log(&frames);
    let last_start = bytes.len() - (8 + frames[3].len());
    for cut in last_start + 1..bytes.len() {
        let read = read_tlog(&bytes[..cut]);
        assert_eq!(read.records.len(), 3, "cut at {cut}");
        match read.problems.as_slice() {
            [TlogProblem::Truncated { record, offset, .. }] => {
                assert_eq!((*record, *offset), (3, last_start as u64), "cut at {cut}");
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn damage_in_the_middle_is_skipped_and_the_records_after_it_are_kept() {
    let frames = frames();
    let mut bytes = log(&frames);
    // Break the second record's checksum and push garbage in front of the third.
    let second_end = 2 * 8 + frames[0].len() + frames[1].len();
    bytes[second_end - 1] ^= 0xFF;
    bytes.splice(second_end..second_end, [0xFD, 0xFD, 0x00, 0x42]);
    let read = read_tlog(&bytes);
    let got: Vec<_> = read.records.iter().map(|r| r.frame.clone()).collect();
    assert_eq!(got, vec![frames[0].clone(), frames[2].clone(), frames[3].clone()]);
    assert!(
        matches!(read.problems.as_slice(), [TlogProblem::Skipped { after: 1, .. }]),
        "{:?}",
        read.problems
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut x: u32 = 12345;
    for len in 0..300 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8 | if len % 3 == 0 { 0xFD } else { 0 }
            })
            .collect();
        let read = read_tlog(&bytes);
        assert!(read.records.len() <= len / 16 + 1);
    }
}
