//! The on-disk outbox: every message is made durable here BEFORE it is published, and forgotten
//! only when the broker acknowledges it (PUBACK).
//!
//! Layout of the outbox directory, one file per message (simple and crash-safe):
//! - `{msg_id:020}.msg`: first line a JSON header (`topic`, `qos`, `retain`), then the payload
//!   bytes. Written as `.{msg_id}.tmp`, then renamed, so a crash never leaves half a message
//!   under a `.msg` name; leftover `.tmp` files are removed on open.
//! - `msg_id.hwm`: the high-water mark of ids handed out. Ids are reserved in blocks of
//!   [`ID_BLOCK`], so ids stay monotonic across restarts (possibly with a gap after a crash) at
//!   the cost of one extra durable write per block.
//! - `*.bad`: a message file that could not be read back, set aside rather than retried forever.
//!
//! Fsync policy ([`Durability::Fsync`], the default): the message file is fsynced before its
//! rename and the directory after it, so once [`Outbox::enqueue`] returns the message survives a
//! power cut; the high-water mark is written the same way. Deletion on PUBACK is not fsynced: a
//! deletion lost to a crash only causes a redelivery, which receivers drop by `msg_id`.
//! [`Durability::NoFsync`] skips the fsyncs (survives a process crash, not a power cut).

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use contracts::mqtt::Qos;
use serde::{Deserialize, Serialize};

/// Ids reserved per durable write of the high-water mark.
pub const ID_BLOCK: u64 = 1024;
const HWM_FILE: &str = "msg_id.hwm";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    #[default]
    Fsync,
    NoFsync,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("outbox {path}: corrupt: {why}")]
    Corrupt { path: PathBuf, why: String },
    #[error("cannot encode the payload: {0}")]
    Encode(#[from] serde_json::Error),
    /// Refused at the door: a message the broker would never take would block every one after it.
    #[error("{topic}: a payload of {bytes} bytes exceeds the {limit}-byte limit")]
    TooLarge { topic: String, bytes: usize, limit: usize },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutboxError + '_ {
    move |source| OutboxError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    topic: String,
    qos: u8,
    retain: bool,
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub msg_id: u64,
    pub topic: String,
    pub qos: Qos,
    pub retain: bool,
    pub payload: Vec<u8>,
}

#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    durability: Durability,
    next_id: u64,
    reserved_until: u64,
    pending: BTreeSet<u64>,
    max_payload: usize,
}

impl Outbox {
    /// Opens (creating it if needed) the outbox in `dir`, finding the messages not yet delivered.
    pub fn open(dir: impl Into<PathBuf>, durability: Durability) -> Result<Self, OutboxError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mut pending = BTreeSet::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            } else if let Some(id) = name.strip_suffix(".msg").and_then(|n| n.parse::<u64>().ok()) {
                pending.insert(id);
            }
        }
        let hwm_path = dir.join(HWM_FILE);
        let hwm = match fs::read_to_string(&hwm_path) {
            Ok(text) => text.trim().parse::<u64>().map_err(|e| OutboxError::Corrupt {
                path: hwm_path.clone(),
                why: format!("high-water mark `{}`: {e}", text.trim()),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 1,
            Err(e) => return Err(io(&hwm_path)(e)),
        };
        let next_id = hwm.max(pending.last().map_or(1, |last| last + 1)).max(1);
        Ok(Self {
            dir,
            durability,
            next_id,
            reserved_until: next_id,
            pending,
            max_payload: usize::MAX,
        })
    }

    fn path(&self, msg_id: u64) -> PathBuf {
        self.dir.join(format!("{msg_id:020}.msg"))
    }

    /// Writes `bytes` to `path` atomically (temp file, rename), fsyncing per the policy.
    fn write_atomic(&self, path: &Path, tmp: &Path, bytes: &[&[u8]]) -> Result<(), OutboxError> {
        let mut file = fs::File::create(tmp).map_err(io(tmp))?;
        for chunk in bytes {
            file.write_all(chunk).map_err(io(tmp))?;
        }
        if self.durability == Durability::Fsync {
            file.sync_all().map_err(io(tmp))?;
        }
        drop(file);
        fs::rename(tmp, path).map_err(io(path))?;
        if self.durability == Durability::Fsync {
            fs::File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(io(&self.dir))?;
        }
        Ok(())
    }

    /// Stores a message made by `make` from its new `msg_id`; returns that id once durable.
    pub fn enqueue(
        &mut self,
        topic: &str,
        qos: Qos,
        retain: bool,
        make: impl FnOnce(u64) -> Result<Vec<u8>, serde_json::Error>,
    ) -> Result<u64, OutboxError> {
        let msg_id = self.next_id;
        if msg_id >= self.reserved_until {
            let until = msg_id + ID_BLOCK;
            let path = self.dir.join(HWM_FILE);
            self.write_atomic(&path, &self.dir.join(".hwm.tmp"), &[until.to_string().as_bytes()])?;
            self.reserved_until = until;
        }
        let payload = make(msg_id)?;
        if payload.len() > self.max_payload {
            return Err(OutboxError::TooLarge {
                topic: topic.to_string(),
                bytes: payload.len(),
                limit: self.max_payload,
            });
        }
        let header = serde_json::to_vec(&Header {
            topic: topic.to_string(),
            qos: qos as u8,
            retain,
        })?;
        let tmp = self.dir.join(format!(".{msg_id}.tmp"));
        self.write_atomic(&self.path(msg_id), &tmp, &[&header, b"\n", &payload])?;
        self.next_id += 1;
        self.pending.insert(msg_id);
        Ok(msg_id)
    }

    /// Reads a stored message back.
    pub fn read(&self, msg_id: u64) -> Result<Record, OutboxError> {
        let path = self.path(msg_id);
        let bytes = fs::read(&path).map_err(io(&path))?;
        let corrupt = |why: String| OutboxError::Corrupt {
            path: path.clone(),
            why,
        };
        let split = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| corrupt("no header line".into()))?;
        let header: Header = serde_json::from_slice(&bytes[..split]).map_err(|e| corrupt(format!("header: {e}")))?;
        let qos = match header.qos {
            0 => Qos::AtMostOnce,
            1 => Qos::AtLeastOnce,
            other => return Err(corrupt(format!("qos {other}"))),
        };
        Ok(Record {
            msg_id,
            topic: header.topic,
            qos,
            retain: header.retain,
            payload: bytes[split + 1..].to_vec(),
        })
    }

    /// The broker has the message: forget it. False if it was not pending.
    pub fn ack(&mut self, msg_id: u64) -> Result<bool, OutboxError> {
        if !self.pending.remove(&msg_id) {
            return Ok(false);
        }
        let path = self.path(msg_id);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// The largest payload [`Outbox::enqueue`] accepts (unlimited by default).
    pub fn set_max_payload(&mut self, bytes: usize) {
        self.max_payload = bytes;
    }

    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Sets an unreadable message aside (`.bad`) so it does not block the ones after it.
    pub fn quarantine(&mut self, msg_id: u64) {
        self.pending.remove(&msg_id);
        let path = self.path(msg_id);
        let _ = fs::rename(&path, path.with_extension("bad"));
    }

    /// The oldest pending message after `after` (from the start when None), in msg_id order.
    pub fn next_after(&self, after: Option<u64>) -> Option<u64> {
        match after {
            None => self.pending.first().copied(),
            Some(after) => self.pending.range(after + 1..).next().copied(),
        }
    }

    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The id the next message will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("portops-outbox-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn put(outbox: &mut Outbox, text: &str) -> u64 {
        outbox
            .enqueue("portops/v1/drones/d/detections", Qos::AtLeastOnce, false, |id| {
                Ok(format!("{text}#{id}").into_bytes())
            })
            .unwrap()
    }

    #[test]
    fn stores_in_order_and_forgets_on_ack() {
        let d = dir("order");
        let mut outbox = Outbox::open(&d, Durability::Fsync).unwrap();
        let ids: Vec<u64> = (0..5).map(|i| put(&mut outbox, &format!("m{i}"))).collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 5]);
        let rec = outbox.read(3).unwrap();
        assert_eq!(rec.payload, b"m2#3");
        assert_eq!(rec.topic, "portops/v1/drones/d/detections");
        assert_eq!(outbox.next_after(None), Some(1));
        assert_eq!(outbox.next_after(Some(3)), Some(4));
        assert!(outbox.ack(2).unwrap());
        assert!(!outbox.ack(2).unwrap(), "second ack is a no-op");
        assert_eq!(outbox.next_after(Some(1)), Some(3));
        assert_eq!(outbox.pending(), 4);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn an_oversized_payload_is_refused_with_its_size_and_blocks_nothing() {
        let d = dir("oversize");
        let mut outbox = Outbox::open(&d, Durability::NoFsync).unwrap();
        outbox.set_max_payload(16);
        let err = outbox
            .enqueue("portops/v1/drones/d/snapshots/3", Qos::AtLeastOnce, false, |_| {
                Ok(vec![0xFF; 17])
            })
            .unwrap_err();
        assert!(
            matches!(
                err,
                OutboxError::TooLarge {
                    bytes: 17,
                    limit: 16,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("snapshots/3"), "{err}");
        assert_eq!(outbox.pending(), 0);
        let id = put(&mut outbox, "small");
        assert_eq!(outbox.next_after(None), Some(id));
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn survives_reopen_with_monotonic_ids() {
        let d = dir("reopen");
        let mut outbox = Outbox::open(&d, Durability::NoFsync).unwrap();
        for i in 0..3 {
            put(&mut outbox, &format!("m{i}"));
        }
        outbox.ack(1).unwrap();
        outbox.ack(2).unwrap();
        outbox.ack(3).unwrap();
        // A crash mid-write leaves a temp file, never a partial message.
        fs::write(d.join(".4.tmp"), b"half").unwrap();
        drop(outbox);
        let mut outbox = Outbox::open(&d, Durability::NoFsync).unwrap();
        assert_eq!(outbox.pending(), 0);
        assert!(!d.join(".4.tmp").exists());
        let id = put(&mut outbox, "after");
        assert!(id > 3, "ids never go back, even when every message was delivered: {id}");
        put(&mut outbox, "x");
        drop(outbox);
        let outbox = Outbox::open(&d, Durability::NoFsync).unwrap();
        assert_eq!(outbox.pending(), 2);
        assert_eq!(outbox.read(id).unwrap().payload, format!("after#{id}").into_bytes());
        assert!(outbox.next_id() > id + 1);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn corrupt_files_are_reported_and_set_aside() {
        let d = dir("corrupt");
        let mut outbox = Outbox::open(&d, Durability::NoFsync).unwrap();
        let a = put(&mut outbox, "a");
        let b = put(&mut outbox, "b");
        fs::write(d.join(format!("{a:020}.msg")), b"no header").unwrap();
        assert!(matches!(outbox.read(a), Err(OutboxError::Corrupt { .. })));
        outbox.quarantine(a);
        assert_eq!(outbox.next_after(None), Some(b));
        fs::write(d.join(HWM_FILE), b"garbage").unwrap();
        assert!(matches!(
            Outbox::open(&d, Durability::NoFsync),
            Err(OutboxError::Corrupt { .. })
        ));
        let _ = fs::remove_dir_all(&d);
    }
}
