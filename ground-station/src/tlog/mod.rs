//! MAVLink telemetry logs (`.tlog`, as QGroundControl and MAVProxy write them): a writer per flight and a reader.
//!
//! The format is a plain sequence of records: a big-endian u64 of microseconds since the Unix
//! epoch, then one raw MAVLink frame (1 or 2, signed or not), for both directions of the link.
//! It has no header and no lengths, so the reader takes each frame's length from its own
//! header; pymavlink's `mavlogdump.py` reads what the writer writes.
//!
//! The reader never panics on a damaged file: a last record cut short (the station died while
//! writing) or bytes that are no record are reported with their byte offset, and every whole
//! record before and after them is still returned.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use mavlink::dialects::ardupilotmega::MavMessage;
use mavlink::{MavHeader, Message};
use thiserror::Error;

const STX_V1: u8 = 0xFE;
const STX_V2: u8 = 0xFD;
const TIME_LEN: usize = 8;
/// Shortest frame: MAVLink 1 with an empty payload.
const MIN_FRAME: usize = 8;
/// A record that resumes after damage must have a timestamp this close after the last good one.
const RESYNC_WINDOW_US: u64 = 24 * 3600 * 1_000_000;

#[derive(Debug, Error)]
pub enum TlogError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("writing the tlog: {0}")]
    Write(#[source] std::io::Error),
    #[error("not one whole MAVLink frame ({len} bytes{detail})")]
    NotAFrame { len: usize, detail: String },
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// The length of the MAVLink frame at the start of `bytes`, from its header (None when the
/// first byte is not a start-of-frame marker or the header is not all there).
pub fn frame_len(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [STX_V1, len, ..] => Some(usize::from(*len) + 8),
        [STX_V2, len, incompat, ..] => Some(usize::from(*len) + 12 + if incompat & 1 != 0 { 13 } else { 0 }),
        _ => None,
    }
}

/// Whether `frame` (exactly one frame) has the right checksum for its message, or is a message
/// this dialect does not know (kept: the log is for other tools too).
fn checksum_ok(frame: &[u8]) -> bool {
    let (msg_id, crc_start) = match frame[0] {
        STX_V1 => (u32::from(frame[5]), 6),
        _ if frame.len() >= 10 => (u32::from_le_bytes([frame[7], frame[8], frame[9], 0]), 10),
        _ => return false,
    };
    let payload_len = usize::from(frame[1]);
    let crc_end = crc_start + payload_len + 2;
    if frame.len() < crc_end {
        return false;
    }
    let extra = MavMessage::extra_crc(msg_id);
    let known = MavMessage::default_message_from_id(msg_id).is_some();
    if !known {
        return true;
    }
    let crc = mavlink::calculate_crc(&frame[1..crc_end - 2], extra);
    crc == u16::from_le_bytes([frame[crc_end - 2], frame[crc_end - 1]])
}

/// Counts of what a writer wrote and left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub frames: u64,
    pub bytes: u64,
    /// Bytes of datagrams that were no frame (junk, damaged frames): not written.
    pub skipped_bytes: u64,
}

/// Writes one flight's tlog. Frames from the vehicle and to it go through the same writer,
/// in the order they were seen.
#[derive(Debug)]
pub struct TlogWriter<W: Write> {
    out: W,
    stats: WriterStats,
}

impl TlogWriter<BufWriter<File>> {
    /// Creates (or truncates) the file.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, TlogError> {
        let path = path.as_ref();
        let file = File::create(path).map_err(|source| TlogError::Io {
            what: "cannot create the tlog",
            path: path.display().to_string(),
            source,
        })?;
        Ok(TlogWriter::new(BufWriter::new(file)))
    }

    /// Opens the file to add to it (a station restarted during a flight goes on with its log),
    /// creating it if needed.
    pub fn append(path: impl AsRef<Path>) -> Result<Self, TlogError> {
        let path = path.as_ref();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| TlogError::Io {
                what: "cannot open the tlog",
                path: path.display().to_string(),
                source,
            })?;
        Ok(TlogWriter::new(BufWriter::new(file)))
    }
}

impl<W: Write> TlogWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            stats: WriterStats::default(),
        }
    }

    pub fn stats(&self) -> WriterStats {
        self.stats
    }

    /// One whole frame, stamped `time_us` (microseconds since the Unix epoch).
    pub fn write_frame(&mut self, time_us: u64, frame: &[u8]) -> Result<(), TlogError> {
        match frame_len(frame) {
            Some(n) if n == frame.len() => {}
            other => {
                let detail = match other {
                    Some(n) => format!(", its header says {n}"),
                    None => ", no start-of-frame marker".to_string(),
                };
                return Err(TlogError::NotAFrame {
                    len: frame.len(),
                    detail,
                });
            }
        }
        self.out.write_all(&time_us.to_be_bytes()).map_err(TlogError::Write)?;
        self.out.write_all(frame).map_err(TlogError::Write)?;
        self.stats.frames += 1;
        self.stats.bytes += (TIME_LEN + frame.len()) as u64;
        Ok(())
    }

    /// Every frame of a UDP datagram, each as its own record with the same time; bytes that are
    /// no frame are counted in [`WriterStats::skipped_bytes`] and left out. Returns the frames
    /// written.
    pub fn write_datagram(&mut self, time_us: u64, datagram: &[u8]) -> Result<usize, TlogError> {
        let mut pos = 0;
        let mut written = 0;
        while pos < datagram.len() {
            let rest = &datagram[pos..];
            match frame_len(rest) {
                Some(n) if n <= rest.len() && checksum_ok(&rest[..n]) => {
                    self.write_frame(time_us, &rest[..n])?;
                    written += 1;
                    pos += n;
                }
                _ => {
                    self.stats.skipped_bytes += 1;
                    pos += 1;
                }
            }
        }
        Ok(written)
    }

    /// One frame stamped with the wall clock.
    pub fn write_frame_now(&mut self, frame: &[u8]) -> Result<(), TlogError> {
        self.write_frame(now_us(), frame)
    }

    pub fn flush(&mut self) -> Result<(), TlogError> {
        self.out.flush().map_err(TlogError::Write)
    }

    /// Flushes and gives back the output.
    pub fn finish(mut self) -> Result<W, TlogError> {
        self.flush()?;
        Ok(self.out)
    }
}

/// One record: when it was logged and the raw frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogRecord {
    pub time_us: u64,
    pub frame: Vec<u8>,
}

/// What was wrong with a log, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlogProblem {
    #[error("record {record} at byte {offset} is cut short: it needs {needed} bytes, the file has {available} left")]
    Truncated {
        record: usize,
        offset: u64,
        needed: usize,
        available: usize,
    },
    #[error("{len} bytes at byte {offset} (after record {after}) are no tlog record: skipped")]
    Skipped { after: usize, offset: u64, len: u64 },
}

/// Every whole record of a log, with what was wrong with the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlogRead {
    pub records: Vec<TlogRecord>,
    pub problems: Vec<TlogProblem>,
}

/// Reads a whole log held in memory.
pub fn read_tlog(bytes: &[u8]) -> TlogRead {
    let mut out = TlogRead::default();
    let mut pos = 0usize;
    let mut last_time: Option<u64> = None;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        // The timestamp and the frame header up to its length fields.
        let header = TIME_LEN + 3;
        if rest.len() < header {
            out.problems.push(truncated(&out, pos, header, rest.len()));
            break;
        }
        let time_us = u64::from_be_bytes(rest[..TIME_LEN].try_into().unwrap_or_default());
        let Some(len) = frame_len(&rest[TIME_LEN..]) else {
            pos = skip_damage(bytes, pos, last_time, &mut out);
            continue;
        };
        if rest.len() < TIME_LEN + len {
            // The last record cut short, or damage that looks like a long frame: if a good
            // record follows inside it, it was damage.
            let resume = find_record(bytes, pos + 1, last_time);
            if resume < pos + TIME_LEN + len && resume < bytes.len() {
                pos = skip_damage(bytes, pos, last_time, &mut out);
                continue;
            }
            out.problems.push(truncated(&out, pos, TIME_LEN + len, rest.len()));
            break;
        }
        let frame = &rest[TIME_LEN..TIME_LEN + len];
        if !checksum_ok(frame) || last_time.is_some_and(|t| !plausible(t, time_us)) {
            pos = skip_damage(bytes, pos, last_time, &mut out);
            continue;
        }
        out.records.push(TlogRecord {
            time_us,
            frame: frame.to_vec(),
        });
        last_time = Some(time_us);
        pos += TIME_LEN + len;
    }
    out
}

fn truncated(out: &TlogRead, pos: usize, needed: usize, available: usize) -> TlogProblem {
    TlogProblem::Truncated {
        record: out.records.len(),
        offset: pos as u64,
        needed,
        available,
    }
}

/// Skips from `pos` to the next position a whole, checksummed record starts at (or the end),
/// reporting the skipped stretch; returns where to go on.
fn skip_damage(bytes: &[u8], pos: usize, last_time: Option<u64>, out: &mut TlogRead) -> usize {
    let next = find_record(bytes, pos + 1, last_time);
    out.problems.push(TlogProblem::Skipped {
        after: out.records.len(),
        offset: pos as u64,
        len: (next - pos) as u64,
    });
    next
}

/// The first position at or after `from` where a whole record with a good checksum and a
/// plausible time starts; `bytes.len()` when there is none.
fn find_record(bytes: &[u8], from: usize, last_time: Option<u64>) -> usize {
    (from..bytes.len())
        .find(|&p| {
            let rest = &bytes[p..];
            if rest.len() < TIME_LEN + MIN_FRAME {
                return false;
            }
            let time_us = u64::from_be_bytes(rest[..TIME_LEN].try_into().unwrap_or_default());
            let plausible_time = last_time.is_none_or(|t| plausible(t, time_us));
            plausible_time
                && frame_len(&rest[TIME_LEN..])
                    .is_some_and(|n| rest.len() >= TIME_LEN + n && checksum_ok(&rest[TIME_LEN..TIME_LEN + n]))
        })
        .unwrap_or(bytes.len())
}

/// Times go forward, a little backward (two writers' clocks), but never jump by days.
fn plausible(last: u64, time: u64) -> bool {
    time.saturating_add(RESYNC_WINDOW_US / 24) >= last && time <= last.saturating_add(RESYNC_WINDOW_US)
}

/// Reads a log file.
pub fn read_tlog_file(path: impl AsRef<Path>) -> Result<TlogRead, TlogError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| TlogError::Io {
        what: "cannot read the tlog",
        path: path.display().to_string(),
        source,
    })?;
    Ok(read_tlog(&bytes))
}

/// A record decoded: time, sender, message.
#[derive(Debug, Clone, PartialEq)]
pub struct TlogMessage {
    pub time_us: u64,
    pub header: MavHeader,
    pub message: MavMessage,
}

/// The messages of the records (ArduPilot dialect). Frames this dialect cannot decode are
/// counted in the second value, not dropped silently.
pub fn decode(records: &[TlogRecord]) -> (Vec<TlogMessage>, usize) {
    // No signing key: a log keeps signed and unsigned frames alike, and checks no signature.
    let mut codec = mavlink_io::Codec::new(255, 190, None);
    let mut out = Vec::with_capacity(records.len());
    let mut undecoded = 0;
    for r in records {
        for d in codec.decode(&r.frame) {
            match d {
                Ok((header, message)) => out.push(TlogMessage {
                    time_us: r.time_us,
                    header,
                    message,
                }),
                Err(_) => undecoded += 1,
            }
        }
    }
    (out, undecoded)
}

#[cfg(test)]
mod tests;
