//! What was flown, from MAVLink messages (a flight's tlog): the track, the battery along it, the photos.

use mavlink::dialects::ardupilotmega::MavMessage;

use super::{Photo, TrackPoint};
use crate::tlog::{TlogMessage, TlogRead, decode};

/// The track of system `sysid`: one point per GLOBAL_POSITION_INT, each with the latest battery
/// reading before it (SYS_STATUS or BATTERY_STATUS; "unknown" readings are skipped).
pub fn track_from_messages(msgs: &[TlogMessage], sysid: u8) -> Vec<TrackPoint> {
    let mut battery = None;
    let mut out = Vec::new();
    for m in msgs.iter().filter(|m| m.header.system_id == u32::from(sysid)) {
        match &m.message {
            MavMessage::SYS_STATUS(s) if s.battery_remaining >= 0 => battery = Some(f64::from(s.battery_remaining)),
            MavMessage::BATTERY_STATUS(s) if s.battery_remaining >= 0 => {
                battery = Some(f64::from(s.battery_remaining));
            }
            MavMessage::GLOBAL_POSITION_INT(g) => {
                // hdg is centidegrees, UINT16_MAX when unknown: then the velocity's direction.
                let heading_deg = if g.hdg == u16::MAX {
                    f64::from(g.vy).atan2(f64::from(g.vx)).to_degrees().rem_euclid(360.0)
                } else {
                    f64::from(g.hdg) / 100.0
                };
                out.push(TrackPoint {
                    time_ms: (m.time_us / 1000) as i64,
                    lat: f64::from(g.lat) / 1e7,
                    lon: f64::from(g.lon) / 1e7,
                    alt_m: f64::from(g.relative_alt) / 1000.0,
                    heading_deg,
                    battery_pct: battery,
                });
            }
            _ => {}
        }
    }
    out
}

/// The photos system `sysid` reported (CAMERA_FEEDBACK), once per image index.
pub fn photos_from_messages(msgs: &[TlogMessage], sysid: u8) -> Vec<Photo> {
    let mut seen = std::collections::HashSet::new();
    msgs.iter()
        .filter(|m| m.header.system_id == u32::from(sysid))
        .filter_map(|m| match &m.message {
            MavMessage::CAMERA_FEEDBACK(c) if seen.insert((c.cam_idx, c.img_idx)) => Some(Photo {
                time_ms: (m.time_us / 1000) as i64,
                lat: f64::from(c.lat) / 1e7,
                lon: f64::from(c.lng) / 1e7,
                alt_m: f64::from(c.alt_rel),
                yaw_deg: f64::from(c.yaw),
            }),
            _ => None,
        })
        .collect()
}

/// Track and photos of system `sysid` from a read tlog, with the number of frames that could
/// not be decoded.
pub fn from_tlog(read: &TlogRead, sysid: u8) -> (Vec<TrackPoint>, Vec<Photo>, usize) {
    let (msgs, undecoded) = decode(&read.records);
    (
        track_from_messages(&msgs, sysid),
        photos_from_messages(&msgs, sysid),
        undecoded,
    )
}
