//! Detections, snapshots and alerts: what the drones saw and what the rules made of it.

use rusqlite::{OptionalExtension, Row, params};

use super::records::{
    Acknowledgement, AlertRaise, AlertRecord, DetectionInsert, DetectionRecord, Millis, Raised, Severity,
    SnapshotImage, SnapshotRecord,
};
use super::{Ctx, Result, Store, StoreError, check_finite, check_position, check_text, to_json};

const DETECTION_COLUMNS: &str = "drone, msg_id, idx, track_id, class, score, lat, lon, error_m, time";
const ALERT_COLUMNS: &str = "id, rule, severity, drone, track_id, message, lat, lon, snapshot_id, raised_at, \
                             updated_at, acknowledged_by, acknowledged_at, ack_note";

impl Store {
    /// Stores detections (one MQTT message's, or several); a row already stored under the same
    /// drone, message id and index is counted as a duplicate and left as it was. A row with a
    /// bad field is refused and listed with its reason; the others are still stored.
    pub fn insert_detections(&self, rows: &[DetectionRecord]) -> Result<DetectionInsert> {
        let mut out = DetectionInsert::default();
        let tx = self.conn.unchecked_transaction().ctx("storing detections")?;
        {
            let sql = format!(
                "INSERT OR IGNORE INTO detections ({DETECTION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            );
            let mut stmt = tx.prepare_cached(&sql).ctx("storing detections")?;
            for (i, d) in rows.iter().enumerate() {
                if let Err(e) = check_detection(d) {
                    out.rejected.push((i, e.to_string()));
                    continue;
                }
                let n = stmt
                    .execute(params![
                        d.drone,
                        d.msg_id as i64,
                        d.idx,
                        d.track_id.map(|t| t as i64),
                        d.class,
                        d.score,
                        d.lat,
                        d.lon,
                        d.error_m,
                        d.time
                    ])
                    .ctx(format!("storing detection {i} (drone {}, msg {})", d.drone, d.msg_id))?;
                if n == 1 {
                    out.stored += 1;
                } else {
                    out.duplicates += 1;
                }
            }
        }
        tx.commit().ctx("storing detections")?;
        Ok(out)
    }

    /// Detections with `from <= time <= to`, oldest first.
    pub fn detections_between(&self, from: Millis, to: Millis) -> Result<Vec<DetectionRecord>> {
        let sql = format!("SELECT {DETECTION_COLUMNS} FROM detections WHERE time BETWEEN ?1 AND ?2 ORDER BY time, id");
        let mut stmt = self.conn.prepare_cached(&sql).ctx("reading detections")?;
        let rows = stmt
            .query_map(params![from, to], detection_row)
            .ctx("reading detections")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading detections")?;
        Ok(rows)
    }

    /// Stores a snapshot once per drone and message id; returns its id (the stored one's on a replay).
    pub fn insert_snapshot(&self, s: &SnapshotRecord) -> Result<i64> {
        check_text("snapshot.drone", &s.drone)?;
        if s.jpeg.is_none() && s.path.is_none() {
            return Err(StoreError::Invalid {
                field: "snapshot".into(),
                problem: "has neither the picture nor the path of its file".into(),
            });
        }
        let meta = to_json("snapshot.meta", &s.meta)?;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO snapshots (drone, msg_id, track_id, time, content_type, jpeg, path, meta_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    s.drone,
                    s.msg_id as i64,
                    s.track_id as i64,
                    s.time,
                    s.content_type,
                    s.jpeg,
                    s.path,
                    meta
                ],
            )
            .ctx("storing a snapshot")?;
        self.conn
            .query_row(
                "SELECT id FROM snapshots WHERE drone = ?1 AND msg_id = ?2",
                params![s.drone, s.msg_id as i64],
                |r| r.get(0),
            )
            .ctx("storing a snapshot")
    }

    /// The picture of a snapshot: its bytes, or the path of the file that holds them.
    pub fn snapshot_image(&self, id: i64) -> Result<Option<SnapshotImage>> {
        self.conn
            .query_row(
                "SELECT content_type, jpeg, path FROM snapshots WHERE id = ?1",
                [id],
                |r| {
                    Ok(SnapshotImage {
                        content_type: r.get(0)?,
                        jpeg: r.get(1)?,
                        path: r.get(2)?,
                    })
                },
            )
            .optional()
            .ctx(format!("reading snapshot {id}"))
    }

    /// Raises an alert, or updates the one this rule already raised for this track (position,
    /// severity, message, snapshot, time); an acknowledgement stays.
    pub fn raise_alert(&self, a: &AlertRaise) -> Result<Raised> {
        check_text("alert.rule", &a.rule)?;
        check_text("alert.drone", &a.drone)?;
        check_position("alert", a.lat, a.lon)?;
        let tx = self.conn.unchecked_transaction().ctx("raising an alert")?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM alerts WHERE rule = ?1 AND drone = ?2 AND track_id = ?3",
                params![a.rule, a.drone, a.track_id as i64],
                |r| r.get(0),
            )
            .optional()
            .ctx("raising an alert")?;
        let raised = match existing {
            Some(id) => {
                tx.execute(
                    "UPDATE alerts SET severity = ?2, message = ?3, lat = ?4, lon = ?5, \
                     snapshot_id = COALESCE(?6, snapshot_id), updated_at = max(updated_at, ?7) WHERE id = ?1",
                    params![id, a.severity.as_str(), a.message, a.lat, a.lon, a.snapshot_id, a.time],
                )
                .ctx(format!("updating alert {id}"))?;
                Raised::Updated(id)
            }
            None => {
                tx.execute(
                    "INSERT INTO alerts (rule, severity, drone, track_id, message, lat, lon, snapshot_id, raised_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                    params![
                        a.rule,
                        a.severity.as_str(),
                        a.drone,
                        a.track_id as i64,
                        a.message,
                        a.lat,
                        a.lon,
                        a.snapshot_id,
                        a.time
                    ],
                )
                .ctx("raising an alert")?;
                Raised::New(tx.last_insert_rowid())
            }
        };
        tx.commit().ctx("raising an alert")?;
        Ok(raised)
    }

    /// An officer acknowledges an alert; a second acknowledgement is refused, naming the first.
    pub fn acknowledge_alert(&self, id: i64, by: &str, at: Millis, note: Option<&str>) -> Result<AlertRecord> {
        check_text("acknowledgement.by", by)?;
        let n = self
            .conn
            .execute(
                "UPDATE alerts SET acknowledged_by = ?2, acknowledged_at = ?3, ack_note = ?4 \
                 WHERE id = ?1 AND acknowledged_by IS NULL",
                params![id, by, at, note],
            )
            .ctx(format!("acknowledging alert {id}"))?;
        let alert = self.alert(id)?.ok_or(StoreError::NotFound { what: "alert", id })?;
        if n == 0 {
            let by = alert.acknowledged.map(|a| a.by).unwrap_or_default();
            return Err(StoreError::AlreadyAcknowledged { id, by });
        }
        Ok(alert)
    }

    pub fn alert(&self, id: i64) -> Result<Option<AlertRecord>> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1");
        let raw = self
            .conn
            .query_row(&sql, [id], raw_alert)
            .optional()
            .ctx(format!("reading alert {id}"))?;
        raw.map(RawAlert::decode).transpose()
    }

    /// The latest alerts by the time they were raised, newest first.
    pub fn recent_alerts(&self, limit: usize) -> Result<Vec<AlertRecord>> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts ORDER BY raised_at DESC, id DESC LIMIT ?1");
        self.alerts_where(&sql, params![limit as i64])
    }

    /// Alerts no one has acknowledged yet, most severe first, then newest.
    pub fn unacknowledged_alerts(&self) -> Result<Vec<AlertRecord>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE acknowledged_by IS NULL \
             ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, raised_at DESC, id DESC"
        );
        self.alerts_where(&sql, params![])
    }

    /// Alerts raised in `[from, to]`, oldest first (a flight's, for its report).
    pub fn alerts_between(&self, from: Millis, to: Millis) -> Result<Vec<AlertRecord>> {
        let sql =
            format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE raised_at BETWEEN ?1 AND ?2 ORDER BY raised_at, id");
        self.alerts_where(&sql, params![from, to])
    }

    fn alerts_where(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<AlertRecord>> {
        let mut stmt = self.conn.prepare_cached(sql).ctx("listing alerts")?;
        let raws = stmt
            .query_map(args, raw_alert)
            .ctx("listing alerts")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("listing alerts")?;
        raws.into_iter().map(RawAlert::decode).collect()
    }
}

fn check_detection(d: &DetectionRecord) -> Result<()> {
    check_text("drone", &d.drone)?;
    check_text("class", &d.class)?;
    match (d.lat, d.lon) {
        (Some(lat), Some(lon)) => check_position("detection", lat, lon)?,
        (None, None) => {}
        _ => {
            return Err(StoreError::Invalid {
                field: "detection.lat/lon".into(),
                problem: "has one of latitude and longitude but not the other".into(),
            });
        }
    }
    if let Some(e) = d.error_m {
        check_finite("error_m", e)?;
    }
    check_finite("score", d.score)
}

fn detection_row(r: &Row<'_>) -> rusqlite::Result<DetectionRecord> {
    Ok(DetectionRecord {
        drone: r.get(0)?,
        msg_id: r.get::<_, i64>(1)? as u64,
        idx: r.get(2)?,
        track_id: r.get::<_, Option<i64>>(3)?.map(|t| t as u64),
        class: r.get(4)?,
        score: r.get(5)?,
        lat: r.get(6)?,
        lon: r.get(7)?,
        error_m: r.get(8)?,
        time: r.get(9)?,
    })
}

struct RawAlert {
    record: AlertRecord,
    severity: String,
    ack: (Option<String>, Option<i64>, Option<String>),
}

fn raw_alert(r: &Row<'_>) -> rusqlite::Result<RawAlert> {
    Ok(RawAlert {
        record: AlertRecord {
            id: r.get(0)?,
            rule: r.get(1)?,
            severity: Severity::Info,
            drone: r.get(3)?,
            track_id: r.get::<_, i64>(4)? as u64,
            message: r.get(5)?,
            lat: r.get(6)?,
            lon: r.get(7)?,
            snapshot_id: r.get(8)?,
            raised_at: r.get(9)?,
            updated_at: r.get(10)?,
            acknowledged: None,
        },
        severity: r.get(2)?,
        ack: (r.get(11)?, r.get(12)?, r.get(13)?),
    })
}

impl RawAlert {
    fn decode(self) -> Result<AlertRecord> {
        let mut a = self.record;
        a.severity = Severity::parse(&self.severity).ok_or_else(|| StoreError::BadRow {
            table: "alerts",
            id: a.id.to_string(),
            column: "severity",
            problem: format!("unknown severity '{}'", self.severity),
        })?;
        if let (Some(by), at, note) = self.ack {
            a.acknowledged = Some(Acknowledgement {
                by,
                at: at.unwrap_or(0),
                note,
            });
        }
        Ok(a)
    }
}
