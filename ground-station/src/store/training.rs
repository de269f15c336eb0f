//! VR training results per trainee: stored once per device run (`client_ref`), listed for the trainee or an instructor.

use customs::training::TrainingResult;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::records::Millis;
use super::{Ctx, Result, Store, check_finite, check_text, from_json, to_json};

/// A stored training result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    pub id: i64,
    pub trainee: String,
    /// When the station received it (Unix ms).
    pub time: Millis,
    /// The run as reported, with `trainee` filled in.
    pub result: TrainingResult,
}

/// What storing a result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingAdded {
    pub id: i64,
    /// The trainee had already reported this `client_ref`: nothing was written, `id` is the
    /// earlier row's.
    pub duplicate: bool,
}

impl Store {
    /// Stores a result under `result.trainee`, unless that trainee already reported its
    /// `client_ref` (then the earlier row is kept as it was and its id returned). The caller
    /// checks the result ([`TrainingResult::check`]); only what the table needs is checked here.
    pub fn add_training_result(&self, result: &TrainingResult, at: Millis) -> Result<TrainingAdded> {
        check_text("result.trainee", &result.trainee)?;
        check_text("result.client_ref", &result.client_ref)?;
        check_text("result.scenario_id", &result.scenario_id)?;
        check_finite("result.score", result.score)?;
        let json = to_json("result", result)?;
        let what = || format!("storing training result {} of {}", result.client_ref, result.trainee);
        let inserted = self
            .conn
            .query_row(
                "INSERT INTO training_results (trainee, client_ref, scenario_id, level, score, passed, time, result_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (trainee, client_ref) DO NOTHING RETURNING id",
                params![
                    result.trainee,
                    result.client_ref,
                    result.scenario_id,
                    result.level,
                    result.score,
                    result.passed,
                    at,
                    json
                ],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .ctx(what())?;
        if let Some(id) = inserted {
            return Ok(TrainingAdded { id, duplicate: false });
        }
        let id = self
            .conn
            .query_row(
                "SELECT id FROM training_results WHERE trainee = ?1 AND client_ref = ?2",
                params![result.trainee, result.client_ref],
                |r| r.get::<_, i64>(0),
            )
            .ctx(what())?;
        Ok(TrainingAdded { id, duplicate: true })
    }

    /// Training results, newest first; only `trainee`'s when given.
    pub fn training_results(&self, trainee: Option<&str>) -> Result<Vec<TrainingRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, trainee, time, result_json FROM training_results \
                 WHERE ?1 IS NULL OR trainee = ?1 ORDER BY time DESC, id DESC",
            )
            .ctx("listing training results")?;
        let raws = stmt
            .query_map([trainee], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .ctx("listing training results")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("listing training results")?;
        raws.into_iter()
            .map(|(id, trainee, time, json)| {
                Ok(TrainingRecord {
                    id,
                    trainee,
                    time,
                    result: from_json("training_results", id, "result_json", &json)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use customs::training::{PlantedKind, TRAINING_SCHEMA};

    use super::*;

    fn run(trainee: &str, client_ref: &str, score: f64) -> TrainingResult {
        TrainingResult {
            schema: TRAINING_SCHEMA,
            client_ref: client_ref.into(),
            trainee: trainee.into(),
            scenario_id: "EXPU1234507-L2-3".into(),
            level: 2,
            container_number: "EXPU1234507".into(),
            manifest_document: "DOC1".into(),
            started: 1_000,
            duration_s: 95.5,
            time_limit_s: 300.0,
            planted: 2,
            found: 1,
            missed: 1,
            false_flags: 1,
            score,
            passed: false,
            missed_kinds: vec![PlantedKind::FalseWall],
        }
    }

    #[test]
    fn a_result_is_stored_once_per_trainee_and_client_ref() {
        let store = Store::open_in_memory().expect("store");
        let first = store
            .add_training_result(&run("tina", "run-1", 40.0), 10)
            .expect("added");
        assert!(!first.duplicate);
        // The resend (even with a changed score) keeps the first row as it was.
        let again = store
            .add_training_result(&run("tina", "run-1", 90.0), 20)
            .expect("resent");
        assert_eq!(
            again,
            TrainingAdded {
                id: first.id,
                duplicate: true
            }
        );
        // The same device id from another trainee is another run.
        let other = store
            .add_training_result(&run("theo", "run-1", 70.0), 30)
            .expect("added");
        assert!(!other.duplicate && other.id != first.id);
        let second = store
            .add_training_result(&run("tina", "run-2", 60.0), 40)
            .expect("added");

        let tina = store.training_results(Some("tina")).expect("listed");
        assert_eq!(tina.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second.id, first.id]);
        assert_eq!(tina[1].result, run("tina", "run-1", 40.0));
        assert_eq!(tina[1].time, 10);
        assert_eq!(store.training_results(None).expect("all").len(), 3);
        assert!(store.training_results(Some("nobody")).expect("none").is_empty());
    }

    #[test]
    fn a_result_without_a_trainee_is_refused() {
        let store = Store::open_in_memory().expect("store");
        let err = store.add_training_result(&run(" ", "run-1", 40.0), 10).unwrap_err();
        assert!(err.to_string().starts_with("result.trainee"), "{err}");
    }
}
