//! The database schema as an ordered list of migrations; `PRAGMA user_version` counts those applied.
//!
//! Never edit a migration that has shipped: add a new one at the end. Each runs in its own
//! transaction together with the `user_version` bump, so a failure leaves the previous version.

/// Written into the file header (`PRAGMA application_id`) so that another program's SQLite file
/// is refused instead of being "migrated". ASCII "PoGS" (port-ops ground station).
pub const APPLICATION_ID: i32 = 0x506f_4753;

/// Migration `i` (0-based) takes the database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// Times are Unix epoch milliseconds (UTC), positions WGS84 degrees, altitudes metres above home.
const V1: &str = r#"
CREATE TABLE missions (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,            -- survey, perimeter, orbit, waypoints
    area_name   TEXT,
    plan_json   TEXT NOT NULL,            -- mission::plan::Plan as JSON
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE flights (
    id          INTEGER PRIMARY KEY,
    vehicle     TEXT NOT NULL,
    mission_id  INTEGER REFERENCES missions(id),
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    status      TEXT NOT NULL,            -- planned, flying, landed, aborted, failed
    tlog_path   TEXT,
    report_json TEXT,                     -- report::ReportSummary as JSON
    report_path TEXT                      -- where the HTML/SVG report lies
);
CREATE INDEX flights_vehicle ON flights(vehicle, started_at);

-- Downsampled (about 1 Hz per vehicle); the primary key keeps a replay from duplicating rows.
CREATE TABLE telemetry (
    vehicle     TEXT NOT NULL,
    time        INTEGER NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    alt_m       REAL NOT NULL,
    heading_deg REAL NOT NULL,
    speed_m_s   REAL NOT NULL,
    battery_pct REAL,
    mode        TEXT NOT NULL,
    PRIMARY KEY (vehicle, time)
) WITHOUT ROWID;

-- One row per detection; (drone, msg_id, idx) is the MQTT message id and the place in its
-- batch, so a message delivered twice (QoS 1) is stored once.
CREATE TABLE detections (
    id          INTEGER PRIMARY KEY,
    drone       TEXT NOT NULL,
    msg_id      INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    track_id    INTEGER,
    class       TEXT NOT NULL,
    score       REAL NOT NULL,
    lat         REAL,                     -- NULL when the agent could not geolocate it
    lon         REAL,
    error_m     REAL,
    time        INTEGER NOT NULL,
    UNIQUE (drone, msg_id, idx)
);
CREATE INDEX detections_time ON detections(time);

CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    drone        TEXT NOT NULL,
    msg_id       INTEGER NOT NULL,
    track_id     INTEGER NOT NULL,
    time         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    jpeg         BLOB,                    -- the picture, or NULL when kept in a file
    path         TEXT,
    meta_json    TEXT NOT NULL,
    UNIQUE (drone, msg_id)
);

-- One alert per rule and track: raising it again updates it (position, time, severity).
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    rule            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    drone           TEXT NOT NULL,
    track_id        INTEGER NOT NULL,
    message         TEXT NOT NULL,
    lat             REAL NOT NULL,
    lon             REAL NOT NULL,
    snapshot_id     INTEGER REFERENCES snapshots(id),
    raised_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at INTEGER,
    ack_note        TEXT,
    UNIQUE (rule, drone, track_id)
);
CREATE INDEX alerts_raised ON alerts(raised_at);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('officer', 'inspector', 'trainee', 'admin')),
    created_at INTEGER NOT NULL
);

-- Only the SHA-256 of a token is kept: a copy of the database gives no one a working token.
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    time         INTEGER NOT NULL,
    who          TEXT NOT NULL,
    role         TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    details_json TEXT NOT NULL
);
CREATE INDEX audit_time ON audit(time);
-- Append-only in the database itself, whatever code holds the connection.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Customs inspection (filled by a later issue).
CREATE TABLE inspection_tasks (
    id                 INTEGER PRIMARY KEY,
    container_number   TEXT NOT NULL,
    status             TEXT NOT NULL,
    assigned_inspector TEXT,
    packet_json        TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX inspection_tasks_container ON inspection_tasks(container_number);

CREATE TABLE findings (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES inspection_tasks(id),
    inspector    TEXT NOT NULL,
    finding_json TEXT NOT NULL,
    time         INTEGER NOT NULL
);
CREATE INDEX findings_task ON findings(task_id);
"#;

/// VR training results (issue #7): one row per scored run, as the AR client reports it. A
/// device resends a run it never saw acknowledged, so `(trainee, client_ref)` is unique.
const V2: &str = r#"
CREATE TABLE training_results (
    id          INTEGER PRIMARY KEY,
    trainee     TEXT NOT NULL,
    client_ref  TEXT NOT NULL,            -- the device's id for the run
    scenario_id TEXT NOT NULL,
    level       INTEGER NOT NULL,
    score       REAL NOT NULL,            -- 0-100
    passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
    time        INTEGER NOT NULL,         -- when the station received it
    result_json TEXT NOT NULL,            -- customs::training::TrainingResult as JSON
    UNIQUE (trainee, client_ref)
);
CREATE INDEX training_results_time ON training_results(time);
"#;
