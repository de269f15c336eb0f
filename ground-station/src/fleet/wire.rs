//! Wire helpers for the station's one socket: frames inside a datagram, the sender's system id,
//! ArduPilot ⇄ common dialect items, and the raw-frame tap (for `.tlog` files).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use mavlink::dialects::{ardupilotmega as apm, common};
use mavlink::{MavlinkVersion, MessageData};
use serde::Serialize;

/// The station's MAVLink identity: a ground station (system 255), component
/// MAV_COMP_ID_MISSIONPLANNER (190), as QGroundControl and Mission Planner use.
pub const STATION_SYSID: u8 = 255;
pub const STATION_COMPID: u8 = 190;

const STX_V1: u8 = 0xFE;
const STX_V2: u8 = 0xFD;
const SIGNED_FLAG: u8 = 0x01;

/// One piece of a datagram: a whole frame (start byte to checksum or signature) or bytes that
/// are not one, which the codec then reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Frame { bytes: &'a [u8], sysid: u8 },
    Junk(&'a [u8]),
}

/// The length of the frame starting at `bytes[0]`, when the header says so and enough bytes are there.
fn frame_len(bytes: &[u8]) -> Option<usize> {
    match *bytes.first()? {
        STX_V1 => Some(6 + usize::from(*bytes.get(1)?) + 2),
        STX_V2 => {
            let signed = bytes.get(2)? & SIGNED_FLAG != 0;
            Some(10 + usize::from(*bytes.get(1)?) + 2 + if signed { 13 } else { 0 })
        }
        _ => None,
    }
}

fn frame_sysid(frame: &[u8]) -> Option<u8> {
    match *frame.first()? {
        STX_V1 => frame.get(3).copied(),
        _ => frame.get(5).copied(),
    }
}

/// Splits a datagram into frames by their headers (a router may put several senders' frames in
/// one datagram, and each sender has its own codec). Anything that does not frame is one
/// junk piece up to the next start byte; the codec checks CRCs and signatures afterwards.
pub fn pieces(datagram: &[u8]) -> Vec<Piece<'_>> {
    let mut out = Vec::with_capacity(1);
    let mut pos = 0;
    while pos < datagram.len() {
        let rest = &datagram[pos..];
        match frame_len(rest).filter(|&len| len <= rest.len()) {
            Some(len) => {
                let bytes = &rest[..len];
                match frame_sysid(bytes) {
                    Some(sysid) => out.push(Piece::Frame { bytes, sysid }),
                    None => out.push(Piece::Junk(bytes)),
                }
                pos += len;
            }
            None => {
                let skip = rest[1..]
                    .iter()
                    .position(|&b| b == STX_V1 || b == STX_V2)
                    .map_or(rest.len(), |p| p + 1);
                out.push(Piece::Junk(&rest[..skip]));
                pos += skip;
            }
        }
    }
    out
}

/// Re-reads a payload as another dialect's type of the same message (same wire layout). The
/// ArduPilot dialect generates its own `MISSION_ITEM_INT_DATA` with a wider `MavCmd`; the
/// `mission` crate works with the common one.
fn transcode<A: MessageData, B: MessageData>(item: &A) -> Option<B> {
    let mut payload = [0u8; 255];
    let len = item.ser(MavlinkVersion::V2, &mut payload);
    B::deser(MavlinkVersion::V2, &payload[..len]).ok()
}

/// A common-dialect item as the ArduPilot dialect's (a superset): never fails in practice.
pub fn to_apm(item: &common::MISSION_ITEM_INT_DATA) -> Option<apm::MISSION_ITEM_INT_DATA> {
    transcode(item)
}

/// A received item as the common dialect's; None when it uses an ArduPilot-only command or frame.
pub fn to_common(item: &apm::MISSION_ITEM_INT_DATA) -> Option<common::MISSION_ITEM_INT_DATA> {
    transcode(item)
}

/// Which way a tapped frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From a vehicle to the station (accepted by the codec).
    In,
    /// From the station to a vehicle.
    Out,
}

/// One MAVLink frame as it crossed the socket, for a `.tlog` per flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TappedFrame {
    /// Wall-clock time, microseconds since the Unix epoch (the `.tlog` timestamp).
    pub unix_us: u64,
    pub direction: Direction,
    /// The vehicle the frame came from or went to.
    pub sysid: u8,
    pub peer: SocketAddr,
    pub bytes: Arc<[u8]>,
}

impl TappedFrame {
    /// The frame as a `.tlog` record: the 8-byte big-endian microsecond timestamp, then the
    /// frame, as MAVProxy and QGroundControl write them and pymavlink's `mavlogdump.py` reads.
    pub fn tlog_record(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.bytes.len());
        out.extend_from_slice(&self.unix_us.to_be_bytes());
        out.extend_from_slice(&self.bytes);
        out
    }
}

/// Microseconds since the Unix epoch now (0 if the clock is before 1970).
pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink_io::Codec;

    fn heartbeat_frame(sysid: u8) -> Vec<u8> {
        let mut codec = Codec::new(sysid, 1, None);
        codec.encode(&apm::MavMessage::HEARTBEAT(apm::HEARTBEAT_DATA::default()))
    }

    #[test]
    fn a_datagram_splits_into_each_senders_frames() {
        let mut datagram = heartbeat_frame(3);
        datagram.extend(heartbeat_frame(7));
        let pieces = pieces(&datagram);
        assert_eq!(pieces.len(), 2);
        assert!(matches!(pieces[0], Piece::Frame { sysid: 3, .. }));
        assert!(matches!(pieces[1], Piece::Frame { sysid: 7, .. }));
    }

    #[test]
    fn junk_before_a_frame_is_one_piece_and_the_frame_survives() {
        let mut datagram = vec![0x01, 0x02, 0x03];
        datagram.extend(heartbeat_frame(2));
        let pieces = pieces(&datagram);
        assert_eq!(
            pieces,
            vec![
                Piece::Junk(&datagram[..3]),
                Piece::Frame {
                    bytes: &datagram[3..],
                    sysid: 2
                }
            ]
        );
    }

    #[test]
    fn a_cut_frame_is_junk_not_a_panic() {
        let frame = heartbeat_frame(1);
        let pieces = pieces(&frame[..frame.len() - 3]);
        assert!(pieces.iter().all(|p| matches!(p, Piece::Junk(_))), "{pieces:?}");
    }

    #[test]
    fn tlog_records_put_the_timestamp_first_big_endian() {
        let frame = TappedFrame {
            unix_us: 0x0102_0304_0506_0708,
            direction: Direction::In,
            sysid: 1,
            peer: "127.0.0.1:5760".parse().unwrap(),
            bytes: Arc::from(&[0xFDu8, 9][..]),
        };
        assert_eq!(frame.tlog_record(), vec![1, 2, 3, 4, 5, 6, 7, 8, 0xFD, 9]);
    }
}
