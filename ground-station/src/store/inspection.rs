//! Customs inspection tasks and the findings inspectors record (the customs issue builds on these).

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use super::records::{Finding, InspectionTask, Millis};
use super::{Ctx, Result, Store, StoreError, check_text, from_json, to_json};

const TASK_COLUMNS: &str = "id, container_number, status, assigned_inspector, packet_json, created_at, updated_at";

impl Store {
    /// A new task for a container, with the packet the inspector will see.
    pub fn create_inspection_task(
        &self,
        container_number: &str,
        status: &str,
        assigned_inspector: Option<&str>,
        packet: &Value,
        at: Millis,
    ) -> Result<i64> {
        check_text("task.container_number", container_number)?;
        check_text("task.status", status)?;
        let packet = to_json("task.packet", packet)?;
        self.conn
            .execute(
                "INSERT INTO inspection_tasks (container_number, status, assigned_inspector, packet_json, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![container_number, status, assigned_inspector, packet, at],
            )
            .ctx(format!("creating the inspection task of {container_number}"))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn set_inspection_status(&self, id: i64, status: &str, at: Millis) -> Result<()> {
        check_text("task.status", status)?;
        let n = self
            .conn
            .execute(
                "UPDATE inspection_tasks SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, status, at],
            )
            .ctx(format!("updating inspection task {id}"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "inspection task",
                id,
            });
        }
        Ok(())
    }

    /// Hands a task to `inspector` (status `assigned`), keeping its packet and history.
    pub fn assign_inspection_task(&self, id: i64, inspector: &str, at: Millis) -> Result<()> {
        check_text("task.assigned_inspector", inspector)?;
        let n = self
            .conn
            .execute(
                "UPDATE inspection_tasks SET assigned_inspector = ?2, status = 'assigned', updated_at = ?3 WHERE id = ?1",
                params![id, inspector, at],
            )
            .ctx(format!("assigning inspection task {id}"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "inspection task",
                id,
            });
        }
        Ok(())
    }

    pub fn inspection_task(&self, id: i64) -> Result<Option<InspectionTask>> {
        let sql = format!("SELECT {TASK_COLUMNS} FROM inspection_tasks WHERE id = ?1");
        let raw = self
            .conn
            .query_row(&sql, [id], raw_task)
            .optional()
            .ctx(format!("reading inspection task {id}"))?;
        raw.map(decode_task).transpose()
    }

    /// Tasks, newest first; only those with `status` when given.
    pub fn inspection_tasks(&self, status: Option<&str>) -> Result<Vec<InspectionTask>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM inspection_tasks WHERE ?1 IS NULL OR status = ?1 ORDER BY created_at DESC, id DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql).ctx("listing inspection tasks")?;
        let raws = stmt
            .query_map([status], raw_task)
            .ctx("listing inspection tasks")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("listing inspection tasks")?;
        raws.into_iter().map(decode_task).collect()
    }

    pub fn add_finding(&self, task_id: i64, inspector: &str, finding: &Value, at: Millis) -> Result<i64> {
        check_text("finding.inspector", inspector)?;
        let json = to_json("finding", finding)?;
        self.conn
            .execute(
                "INSERT INTO findings (task_id, inspector, finding_json, time) VALUES (?1, ?2, ?3, ?4)",
                params![task_id, inspector, json, at],
            )
            .map_err(|source| match source.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                    what: "inspection task",
                    id: task_id,
                },
                _ => StoreError::Sql {
                    what: format!("adding a finding to task {task_id}"),
                    source,
                },
            })?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A task's findings, oldest first.
    pub fn findings(&self, task_id: i64) -> Result<Vec<Finding>> {
        let sql = format!("SELECT {FINDING_COLUMNS} FROM findings WHERE task_id = ?1 ORDER BY time, id");
        let mut stmt = self.conn.prepare_cached(&sql).ctx("reading findings")?;
        let raws = stmt
            .query_map([task_id], raw_finding)
            .ctx("reading findings")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading findings")?;
        raws.into_iter().map(decode_finding).collect()
    }

    /// The finding `inspector` recorded on a task under the device's `client_ref` (its
    /// `client_ref` field), if any: how a resent upload is recognised.
    pub fn finding_by_client_ref(&self, task_id: i64, inspector: &str, client_ref: &str) -> Result<Option<Finding>> {
        let sql = format!(
            "SELECT {FINDING_COLUMNS} FROM findings \
             WHERE task_id = ?1 AND inspector = ?2 AND json_extract(finding_json, '$.client_ref') = ?3 \
             ORDER BY id LIMIT 1"
        );
        let raw = self
            .conn
            .query_row(&sql, params![task_id, inspector, client_ref], raw_finding)
            .optional()
            .ctx(format!("looking for finding {client_ref:?} of task {task_id}"))?;
        raw.map(decode_finding).transpose()
    }
}

const FINDING_COLUMNS: &str = "id, task_id, inspector, finding_json, time";

type RawFinding = (i64, i64, String, String, i64);

fn raw_finding(r: &Row<'_>) -> rusqlite::Result<RawFinding> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode_finding((id, task_id, inspector, json, time): RawFinding) -> Result<Finding> {
    Ok(Finding {
        id,
        task_id,
        inspector,
        finding: from_json("findings", id, "finding_json", &json)?,
        time,
    })
}

type RawTask = (i64, String, String, Option<String>, String, i64, i64);

fn raw_task(r: &Row<'_>) -> rusqlite::Result<RawTask> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn decode_task(
    (id, container_number, status, assigned_inspector, packet, created_at, updated_at): RawTask,
) -> Result<InspectionTask> {
    Ok(InspectionTask {
        id,
        container_number,
        status,
        assigned_inspector,
        packet: from_json("inspection_tasks", id, "packet_json", &packet)?,
        created_at,
        updated_at,
    })
}
