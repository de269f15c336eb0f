//! The offline queue: findings and training results kept on disk until the station takes them.
//!
//! An examination happens inside a steel box, often out of Wi-Fi: nothing the inspector or the
//! trainee records may depend on the link. Each upload is a file written atomically (temporary
//! file, fsync, rename) in `pending/`; a delivered one moves to `sent/`, one the station refuses
//! for good moves to `rejected/` with the station's reason. Nothing is ever deleted, so nothing
//! is lost. The upload itself is behind [`Uploader`], so the queue's rules are tested without a
//! socket and the station client drives them for real.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What is being sent, and where it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UploadKind {
    /// `POST /api/v1/inspections/tasks/{task_id}/findings`.
    Finding { task_id: i64 },
    /// `POST /api/v1/training/results`.
    TrainingResult,
}

/// One queued upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    /// The device's id for it (also the body's `client_ref`, so a resend is recognised).
    pub client_ref: String,
    #[serde(flatten)]
    pub kind: UploadKind,
    /// When it was queued (Unix ms).
    pub queued: u64,
    pub body: serde_json::Value,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// The last failure, in words.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// What the station made of one upload.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadOutcome {
    /// Stored (or recognised as already stored when `duplicate`).
    Delivered { duplicate: bool },
    /// Refused for good (bad request, conflict, forbidden): retrying cannot help.
    Rejected { status: u16, message: String },
    /// Not reached, a server error, or the sign-in has expired: keep it and retry later.
    Retry { reason: String },
}

/// Sends one upload to the station.
pub trait Uploader {
    fn upload(&self, upload: &Upload) -> UploadOutcome;
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("outbox {path}: not an upload: {source}")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutboxError + '_ {
    move |source| OutboxError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The result of one sync pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub delivered: usize,
    pub duplicates: usize,
    pub rejected: Vec<(String, String)>,
    /// Still pending (the pass stopped at the first upload the station could not take now).
    pub pending: usize,
    pub stopped_because: Option<String>,
}

impl SyncReport {
    /// One line for the inspector or trainee.
    pub fn words(&self) -> String {
        let mut out = format!("{} sent", self.delivered + self.duplicates);
        if !self.rejected.is_empty() {
            out.push_str(&format!(
                ", {} refused (kept, see `ar-client queue`)",
                self.rejected.len()
            ));
        }
        if let Some(why) = &self.stopped_because {
            out.push_str(&format!(", {} waiting: {why}", self.pending));
        }
        out
    }
}

/// A queue in a folder.
#[derive(Debug, Clone)]
pub struct Outbox {
    root: PathBuf,
}

const PENDING: &str = "pending";
const SENT: &str = "sent";
const REJECTED: &str = "rejected";

impl Outbox {
    /// Opens (creating) the queue under `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Outbox, OutboxError> {
        let root = root.into();
        for sub in [PENDING, SENT, REJECTED] {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(io(&dir))?;
        }
        Ok(Outbox { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Queues an upload durably; it is on disk when this returns.
    pub fn enqueue(&self, upload: &Upload) -> Result<PathBuf, OutboxError> {
        // The queue time first keeps the folder's name order the order of recording.
        let name = format!("{:013}-{}.json", upload.queued, file_safe(&upload.client_ref));
        let path = self.root.join(PENDING).join(name);
        write_atomically(&path, upload)?;
        Ok(path)
    }

    /// Pending uploads, oldest first.
    pub fn pending(&self) -> Result<Vec<(PathBuf, Upload)>, OutboxError> {
        self.list(PENDING)
    }

    pub fn sent(&self) -> Result<Vec<(PathBuf, Upload)>, OutboxError> {
        self.list(SENT)
    }

    /// Refused uploads, each with the station's reason in `last_error`.
    pub fn rejected(&self) -> Result<Vec<(PathBuf, Upload)>, OutboxError> {
        self.list(REJECTED)
    }

    fn list(&self, sub: &str) -> Result<Vec<(PathBuf, Upload)>, OutboxError> {
        let dir = self.root.join(sub);
        let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(io(&dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let text = fs::read(&p).map_err(io(&p))?;
                let upload = serde_json::from_slice(&text).map_err(|source| OutboxError::Corrupt {
                    path: p.clone(),
                    source,
                })?;
                Ok((p, upload))
            })
            .collect()
    }

    /// Sends what is pending, oldest first, and stops at the first upload the station cannot
    /// take now (the link is down: the rest would fail too, and order is kept).
    pub fn sync(&self, uploader: &dyn Uploader) -> Result<SyncReport, OutboxError> {
        let mut report = SyncReport::default();
        let pending = self.pending()?;
        let total = pending.len();
        for (done, (path, mut upload)) in pending.into_iter().enumerate() {
            match uploader.upload(&upload) {
                UploadOutcome::Delivered { duplicate } => {
                    if duplicate {
                        report.duplicates += 1;
                    } else {
                        report.delivered += 1;
                    }
                    self.move_to(&path, SENT, &upload)?;
                }
                UploadOutcome::Rejected { status, message } => {
                    upload.attempts += 1;
                    upload.last_error = Some(format!("HTTP {status}: {message}"));
                    tracing::warn!(client_ref = %upload.client_ref, "the station refused an upload: {message}");
                    report.rejected.push((upload.client_ref.clone(), message));
                    self.move_to(&path, REJECTED, &upload)?;
                }
                UploadOutcome::Retry { reason } => {
                    upload.attempts += 1;
                    upload.last_error = Some(reason.clone());
                    write_atomically(&path, &upload)?;
                    report.pending = total - done;
                    report.stopped_because = Some(reason);
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// Writes the updated record into `sub`, then removes it from `pending`.
    fn move_to(&self, from: &Path, sub: &str, upload: &Upload) -> Result<(), OutboxError> {
        let name = from
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| "upload.json".into());
        let to = self.root.join(sub).join(name);
        write_atomically(&to, upload)?;
        fs::remove_file(from).map_err(io(from))?;
        let dir = from.parent().unwrap_or(&self.root);
        crate::durable::sync_dir(dir).map_err(io(dir))
    }
}

/// A sync running on its own thread, so a frame never waits for the network.
pub struct BackgroundSync(std::sync::Mutex<std::sync::mpsc::Receiver<String>>);

impl BackgroundSync {
    /// Starts `outbox.sync(uploader)`; its outcome, in words, comes from [`BackgroundSync::done`].
    pub fn start<U: Uploader + Send + 'static>(outbox: Outbox, uploader: U) -> BackgroundSync {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let words = match outbox.sync(&uploader) {
                Ok(report) => report.words(),
                Err(e) => format!("sync failed: {e}"),
            };
            // The receiver is gone only if the app closed first; nothing to tell then.
            let _ = tx.send(words);
        });
        BackgroundSync(std::sync::Mutex::new(rx))
    }

    /// The outcome once the sync has finished.
    pub fn done(&self) -> Option<String> {
        self.0.lock().ok().and_then(|rx| rx.try_recv().ok())
    }
}

/// Keeps the queue draining while a scene is open: a sync on request, and again every
/// `retry` while anything is pending (the inspector walks out of the container, the link comes
/// back, the queue empties without anyone pressing a key).
pub struct SyncDriver<U> {
    outbox: Outbox,
    uploader: Option<U>,
    running: Option<BackgroundSync>,
    last_start: Option<std::time::Instant>,
    retry: std::time::Duration,
}

impl<U: Uploader + Clone + Send + 'static> SyncDriver<U> {
    /// `uploader` None: offline use, nothing is ever sent from here.
    pub fn new(outbox: Outbox, uploader: Option<U>, retry: std::time::Duration) -> Self {
        SyncDriver {
            outbox,
            uploader,
            running: None,
            last_start: None,
            retry,
        }
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub fn online(&self) -> bool {
        self.uploader.is_some()
    }

    /// Starts a sync now, unless one is running or there is no station; says whether it did.
    pub fn start(&mut self, now: std::time::Instant) -> bool {
        let Some(uploader) = self.uploader.clone() else {
            return false;
        };
        if self.running.is_some() {
            return false;
        }
        self.running = Some(BackgroundSync::start(self.outbox.clone(), uploader));
        self.last_start = Some(now);
        true
    }

    /// The finished sync's outcome, in words, once.
    pub fn poll(&mut self) -> Option<String> {
        let words = self.running.as_ref().and_then(BackgroundSync::done)?;
        self.running = None;
        Some(words)
    }

    /// Starts a sync when something waits and the last try is `retry` old.
    pub fn tick(&mut self, now: std::time::Instant) -> bool {
        let due = self.last_start.is_none_or(|t| now.duration_since(t) >= self.retry);
        if !due || self.running.is_some() || self.uploader.is_none() {
            return false;
        }
        // A look at the folder counts as a try: at most one per interval, not one per frame.
        self.last_start = Some(now);
        let waiting = self.outbox.pending().map(|p| !p.is_empty()).unwrap_or(false);
        waiting && self.start(now)
    }
}

fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .take(64)
        .collect()
}

fn write_atomically(path: &Path, upload: &Upload) -> Result<(), OutboxError> {
    let bytes = serde_json::to_vec_pretty(upload).map_err(|source| OutboxError::Corrupt {
        path: path.to_path_buf(),
        source,
    })?;
    crate::durable::write_atomically(path, &bytes).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Test double of the station: answers from a script, records what it was sent.
    struct ScriptedStation {
        answers: RefCell<Vec<UploadOutcome>>,
        seen: RefCell<Vec<String>>,
    }

    impl ScriptedStation {
        fn new(mut answers: Vec<UploadOutcome>) -> Self {
            answers.reverse();
            ScriptedStation {
                answers: RefCell::new(answers),
                seen: RefCell::new(Vec::new()),
            }
        }
    }

    impl Uploader for ScriptedStation {
        fn upload(&self, upload: &Upload) -> UploadOutcome {
            self.seen.borrow_mut().push(upload.client_ref.clone());
            self.answers.borrow_mut().pop().unwrap_or(UploadOutcome::Retry {
                reason: "script ended".into(),
            })
        }
    }

    fn upload(n: u64) -> Upload {
        Upload {
            client_ref: format!("f-{n}"),
            kind: UploadKind::Finding { task_id: n as i64 },
            queued: 1_000 + n,
            body: serde_json::json!({ "n": n }),
            attempts: 0,
            last_error: None,
        }
    }

    #[test]
    fn offline_uploads_wait_in_order_and_leave_once_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        for n in [1, 2, 3] {
            outbox.enqueue(&upload(n)).unwrap();
        }
        let offline = ScriptedStation::new(vec![UploadOutcome::Retry {
            reason: "connection refused".into(),
        }]);
        let report = outbox.sync(&offline).unwrap();
        assert_eq!(report.pending, 3);
        assert_eq!(report.stopped_because.as_deref(), Some("connection refused"));
        assert_eq!(*offline.seen.borrow(), vec!["f-1"], "stops at the first failure");
        let pending = outbox.pending().unwrap();
        assert_eq!(pending.len(), 3);
        assert_eq!(pending[0].1.attempts, 1);
        assert_eq!(pending[0].1.last_error.as_deref(), Some("connection refused"));

        let online = ScriptedStation::new(vec![
            UploadOutcome::Delivered { duplicate: true },
            UploadOutcome::Delivered { duplicate: false },
            UploadOutcome::Delivered { duplicate: false },
        ]);
        let report = outbox.sync(&online).unwrap();
        assert_eq!((report.delivered, report.duplicates, report.pending), (2, 1, 0));
        assert_eq!(*online.seen.borrow(), vec!["f-1", "f-2", "f-3"], "oldest first");
        assert!(outbox.pending().unwrap().is_empty());
        assert_eq!(outbox.sent().unwrap().len(), 3);
    }

    #[test]
    fn a_refused_upload_is_kept_with_its_reason_and_does_not_block_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        outbox.enqueue(&upload(1)).unwrap();
        outbox.enqueue(&upload(2)).unwrap();
        let station = ScriptedStation::new(vec![
            UploadOutcome::Rejected {
                status: 400,
                message: "answers: item seals_intact is not answered".into(),
            },
            UploadOutcome::Delivered { duplicate: false },
        ]);
        let report = outbox.sync(&station).unwrap();
        assert_eq!(report.delivered, 1);
        assert_eq!(report.rejected.len(), 1);
        let rejected = outbox.rejected().unwrap();
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].1.client_ref, "f-1");
        assert!(rejected[0].1.last_error.as_deref().unwrap().contains("seals_intact"));
        assert_eq!(
            rejected[0].1.body,
            serde_json::json!({ "n": 1 }),
            "the finding itself is kept"
        );
    }

    /// Test double of the station that can cross threads: delivers everything, counts calls.
    #[derive(Clone, Default)]
    struct CountingStation(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl Uploader for CountingStation {
        fn upload(&self, _: &Upload) -> UploadOutcome {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            UploadOutcome::Delivered { duplicate: false }
        }
    }

    fn finish(driver: &mut SyncDriver<CountingStation>) -> String {
        for _ in 0..500 {
            if let Some(words) = driver.poll() {
                return words;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the background sync did not finish");
    }

    #[test]
    fn the_driver_retries_while_something_waits_and_not_more_often() {
        use std::time::{Duration, Instant};
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let station = CountingStation::default();
        let mut driver = SyncDriver::new(outbox.clone(), Some(station.clone()), Duration::from_secs(30));
        let t0 = Instant::now();
        assert!(!driver.tick(t0), "nothing waits: no sync");
        outbox.enqueue(&upload(1)).unwrap();
        assert!(
            !driver.tick(t0 + Duration::from_secs(1)),
            "the folder is looked at once an interval"
        );
        assert!(
            driver.tick(t0 + Duration::from_secs(30)),
            "something waits: a sync starts"
        );
        assert!(!driver.start(t0), "not two at once");
        assert_eq!(finish(&mut driver), "1 sent");
        outbox.enqueue(&upload(2)).unwrap();
        assert!(
            !driver.tick(t0 + Duration::from_secs(40)),
            "not before the retry interval"
        );
        assert!(driver.tick(t0 + Duration::from_secs(61)));
        finish(&mut driver);
        assert_eq!(station.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        let mut offline: SyncDriver<CountingStation> = SyncDriver::new(outbox, None, Duration::ZERO);
        assert!(!offline.tick(t0) && !offline.start(t0) && !offline.online());
    }

    #[test]
    fn the_queue_survives_a_restart_and_reports_a_corrupt_file_by_name() {
        let dir = tempfile::tempdir().unwrap();
        Outbox::open(dir.path()).unwrap().enqueue(&upload(7)).unwrap();
        let reopened = Outbox::open(dir.path()).unwrap();
        assert_eq!(reopened.pending().unwrap()[0].1, upload(7));
        fs::write(dir.path().join(PENDING).join("0000000000000-bad.json"), b"{not json").unwrap();
        let err = reopened.pending().unwrap_err().to_string();
        assert!(
            err.contains("0000000000000-bad.json") && err.contains("not an upload"),
            "{err}"
        );
    }
}
