//! Missions, flights and their downsampled telemetry.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use super::records::{FlightRecord, FlightStatus, Millis, MissionRecord, NewMission, TelemetrySample};
use super::{Ctx, Result, Store, StoreError, check_finite, check_position, check_text, from_json, to_json};

const FLIGHT_COLUMNS: &str =
    "id, vehicle, mission_id, started_at, ended_at, status, tlog_path, report_json, report_path";
const TELEMETRY_COLUMNS: &str = "vehicle, time, lat, lon, alt_m, heading_deg, speed_m_s, battery_pct, mode";

impl Store {
    pub fn insert_mission(&self, m: &NewMission) -> Result<i64> {
        check_text("mission.kind", &m.kind)?;
        check_text("mission.created_by", &m.created_by)?;
        let plan = to_json("mission.plan", &m.plan)?;
        self.conn
            .execute(
                "INSERT INTO missions (kind, area_name, plan_json, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![m.kind, m.area_name, plan, m.created_by, m.created_at],
            )
            .ctx("storing a mission")?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn mission(&self, id: i64) -> Result<Option<MissionRecord>> {
        let row = self
            .conn
            .query_row(
                "SELECT kind, area_name, plan_json, created_by, created_at FROM missions WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()
            .ctx(format!("reading mission {id}"))?;
        let Some((kind, area_name, plan, created_by, created_at)) = row else {
            return Ok(None);
        };
        Ok(Some(MissionRecord {
            id,
            mission: NewMission {
                kind,
                area_name,
                plan: from_json("missions", id, "plan_json", &plan)?,
                created_by,
                created_at,
            },
        }))
    }

    /// A flight begins (status `flying`); returns its id.
    pub fn start_flight(
        &self,
        vehicle: &str,
        mission_id: Option<i64>,
        started_at: Millis,
        tlog_path: Option<&str>,
    ) -> Result<i64> {
        check_text("flight.vehicle", vehicle)?;
        self.conn
            .execute(
                "INSERT INTO flights (vehicle, mission_id, started_at, status, tlog_path) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    vehicle,
                    mission_id,
                    started_at,
                    FlightStatus::Flying.as_str(),
                    tlog_path
                ],
            )
            .ctx(format!("starting a flight of vehicle {vehicle}"))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn end_flight(&self, id: i64, ended_at: Millis, status: FlightStatus) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE flights SET ended_at = ?2, status = ?3 WHERE id = ?1",
                params![id, ended_at, status.as_str()],
            )
            .ctx(format!("ending flight {id}"))?;
        found(n, "flight", id)
    }

    /// Attaches the flight report: its summary (JSON) and where its page lies.
    pub fn set_flight_report(&self, id: i64, summary: &Value, report_path: Option<&str>) -> Result<()> {
        let json = to_json("report", summary)?;
        let n = self
            .conn
            .execute(
                "UPDATE flights SET report_json = ?2, report_path = ?3 WHERE id = ?1",
                params![id, json, report_path],
            )
            .ctx(format!("storing the report of flight {id}"))?;
        found(n, "flight", id)
    }

    pub fn flight(&self, id: i64) -> Result<Option<FlightRecord>> {
        let sql = format!("SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = ?1");
        let raw = self
            .conn
            .query_row(&sql, [id], raw_flight)
            .optional()
            .ctx(format!("reading flight {id}"))?;
        raw.map(RawFlight::decode).transpose()
    }

    /// The latest flights that have a report, newest first.
    pub fn flights_with_reports(&self, limit: usize) -> Result<Vec<FlightRecord>> {
        let sql = format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights WHERE report_json IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT ?1"
        );
        self.flights_where(&sql, params![limit as i64])
    }

    /// The latest flights, in the air or landed, newest first.
    pub fn recent_flights(&self, limit: usize) -> Result<Vec<FlightRecord>> {
        let sql = format!("SELECT {FLIGHT_COLUMNS} FROM flights ORDER BY started_at DESC, id DESC LIMIT ?1");
        self.flights_where(&sql, params![limit as i64])
    }

    /// A vehicle's latest flights, newest first.
    pub fn flights_of(&self, vehicle: &str, limit: usize) -> Result<Vec<FlightRecord>> {
        let sql = format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights WHERE vehicle = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2"
        );
        self.flights_where(&sql, params![vehicle, limit as i64])
    }

    fn flights_where(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<FlightRecord>> {
        let mut stmt = self.conn.prepare_cached(sql).ctx("listing flights")?;
        let raws = stmt
            .query_map(args, raw_flight)
            .ctx("listing flights")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("listing flights")?;
        raws.into_iter().map(RawFlight::decode).collect()
    }

    /// Offers one telemetry sample; the first of each period (1 s by default) per vehicle is
    /// stored. Returns whether it was. A sample with a bad number is refused with its field.
    pub fn record_telemetry(&mut self, s: &TelemetrySample) -> Result<bool> {
        check_text("telemetry.vehicle", &s.vehicle)?;
        check_position("telemetry", s.lat, s.lon)?;
        check_finite("telemetry.alt_m", s.alt_m)?;
        check_finite("telemetry.heading_deg", s.heading_deg)?;
        check_finite("telemetry.speed_m_s", s.speed_m_s)?;
        if let Some(b) = s.battery_pct {
            check_finite("telemetry.battery_pct", b)?;
        }
        if !self.downsampler.admit(&s.vehicle, s.time) {
            return Ok(false);
        }
        let sql = format!(
            "INSERT OR IGNORE INTO telemetry ({TELEMETRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        );
        let n = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut st| {
                st.execute(params![
                    s.vehicle,
                    s.time,
                    s.lat,
                    s.lon,
                    s.alt_m,
                    s.heading_deg,
                    s.speed_m_s,
                    s.battery_pct,
                    s.mode
                ])
            })
            .ctx(format!("storing telemetry of vehicle {}", s.vehicle))?;
        Ok(n == 1)
    }

    /// A vehicle's stored telemetry in `[from, to]`, oldest first.
    pub fn telemetry_between(&self, vehicle: &str, from: Millis, to: Millis) -> Result<Vec<TelemetrySample>> {
        let sql = format!(
            "SELECT {TELEMETRY_COLUMNS} FROM telemetry WHERE vehicle = ?1 AND time BETWEEN ?2 AND ?3 ORDER BY time"
        );
        let mut stmt = self.conn.prepare_cached(&sql).ctx("reading telemetry")?;
        let rows = stmt
            .query_map(params![vehicle, from, to], telemetry_row)
            .ctx("reading telemetry")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading telemetry")?;
        Ok(rows)
    }

    /// The flown track of a flight: its vehicle's telemetry from take-off to landing (to now
    /// for a flight still in the air).
    pub fn flight_track(&self, flight_id: i64) -> Result<Vec<TelemetrySample>> {
        let flight = self.flight(flight_id)?.ok_or(StoreError::NotFound {
            what: "flight",
            id: flight_id,
        })?;
        let to = flight.ended_at.unwrap_or(i64::MAX);
        self.telemetry_between(&flight.vehicle, flight.started_at, to)
    }
}

fn found(changed: usize, what: &'static str, id: i64) -> Result<()> {
    if changed == 0 {
        Err(StoreError::NotFound { what, id })
    } else {
        Ok(())
    }
}

struct RawFlight {
    id: i64,
    vehicle: String,
    mission_id: Option<i64>,
    started_at: i64,
    ended_at: Option<i64>,
    status: String,
    tlog_path: Option<String>,
    report_json: Option<String>,
    report_path: Option<String>,
}

fn raw_flight(r: &Row<'_>) -> rusqlite::Result<RawFlight> {
    Ok(RawFlight {
        id: r.get(0)?,
        vehicle: r.get(1)?,
        mission_id: r.get(2)?,
        started_at: r.get(3)?,
        ended_at: r.get(4)?,
        status: r.get(5)?,
        tlog_path: r.get(6)?,
        report_json: r.get(7)?,
        report_path: r.get(8)?,
    })
}

impl RawFlight {
    fn decode(self) -> Result<FlightRecord> {
        let status = FlightStatus::parse(&self.status).ok_or_else(|| StoreError::BadRow {
            table: "flights",
            id: self.id.to_string(),
            column: "status",
            problem: format!("unknown status '{}'", self.status),
        })?;
        let report = match &self.report_json {
            Some(text) => Some(from_json("flights", self.id, "report_json", text)?),
            None => None,
        };
        Ok(FlightRecord {
            id: self.id,
            vehicle: self.vehicle,
            mission_id: self.mission_id,
            started_at: self.started_at,
            ended_at: self.ended_at,
            status,
            tlog_path: self.tlog_path,
            report,
            report_path: self.report_path,
        })
    }
}

fn telemetry_row(r: &Row<'_>) -> rusqlite::Result<TelemetrySample> {
    Ok(TelemetrySample {
        vehicle: r.get(0)?,
        time: r.get(1)?,
        lat: r.get(2)?,
        lon: r.get(3)?,
        alt_m: r.get(4)?,
        heading_deg: r.get(5)?,
        speed_m_s: r.get(6)?,
        battery_pct: r.get(7)?,
        mode: r.get(8)?,
    })
}
