//! Training without a GPU: scenarios from a manifest, scoring, progression and the trainee's
//! record on disk.

mod support;

use std::collections::BTreeSet;

use ar_client::training::{self, LEVELS, RecordStore, TraineeRecord, TrainingRun, scenario};
use customs::training::PlantedKind;

#[test]
fn a_scenario_is_built_from_the_manifest_and_is_the_same_for_the_same_seed() {
    let packet = support::packet();
    let level = training::level(5).unwrap();
    let a = scenario::build(&packet, level, 42);
    let b = scenario::build(&packet, level, 42);
    let c = scenario::build(&packet, level, 43);
    assert_eq!(a, b);
    assert_ne!(a.items, c.items, "another seed hides things elsewhere");
    assert_eq!(a.container_number, support::CONTAINER);
    assert_eq!(a.id, format!("{}-L5-42", support::CONTAINER));
    // Every declared line is in the container, labelled with its description.
    for g in &packet.goods {
        assert!(
            a.items.iter().any(|i| i.label == g.description),
            "{} stowed",
            g.description
        );
    }
    assert_eq!(a.planted().count() as u32, level.planted);
    let kinds: BTreeSet<_> = a.planted().filter_map(|i| i.planted).map(|k| k as u8).collect();
    assert!(
        kinds.contains(&(PlantedKind::FalseWall as u8)),
        "level 5 always has its false wall"
    );
    // 40 ft high cube: everything inside the box.
    for i in &a.items {
        for axis in 0..3 {
            let limit = [a.interior.width, a.interior.height, a.interior.length][axis];
            assert!(i.centre[axis] - i.size[axis] / 2.0 >= -0.01, "item {} inside", i.id);
            assert!(
                i.centre[axis] + i.size[axis] / 2.0 <= limit + 0.01,
                "item {} inside",
                i.id
            );
        }
    }
}

#[test]
fn level_one_hides_exactly_one_undeclared_carton() {
    let s = scenario::build(&support::packet(), training::level(1).unwrap(), 7);
    let planted: Vec<_> = s.planted().collect();
    assert_eq!(planted.len(), 1);
    assert_eq!(planted[0].planted, Some(PlantedKind::Undeclared));
    assert_eq!(planted[0].declared_line, None);
    assert_eq!(planted[0].label, "no marks");
}

fn run_of(level: u32) -> TrainingRun {
    let level = training::level(level).unwrap().clone();
    let s = scenario::build(&support::packet(), &level, 3);
    TrainingRun::new(s, level, "trainee", 1_000_000)
}

#[test]
fn scoring_counts_found_missed_and_false_flags_and_charges_overtime() {
    let mut run = run_of(2);
    assert!(
        run.toggle_flag(0).is_err(),
        "nothing can be flagged with the doors shut"
    );
    run.open_doors();
    let planted: Vec<usize> = run.scenario.planted().map(|i| i.id).collect();
    let clean: Vec<usize> = run
        .scenario
        .items
        .iter()
        .filter(|i| i.planted.is_none())
        .map(|i| i.id)
        .take(2)
        .collect();
    assert_eq!(planted.len(), 2);
    run.toggle_flag(planted[0]).unwrap();
    run.toggle_flag(clean[0]).unwrap();
    run.toggle_flag(clean[1]).unwrap();
    assert_eq!(
        run.toggle_flag(clean[1]),
        Ok(false),
        "a second press takes the flag back"
    );
    let score = run.finish(1_000_000 + 120_000);
    assert_eq!((score.found, score.missed, score.false_flags), (1, 1, 1));
    assert_eq!(score.score, 50.0 - training::scoring::FALSE_FLAG_PENALTY);
    assert!(!score.passed);
    assert_eq!(score.missed_kinds.len(), 1);

    let mut perfect = run_of(2);
    perfect.open_doors();
    for id in perfect.scenario.planted().map(|i| i.id).collect::<Vec<_>>() {
        perfect.toggle_flag(id).unwrap();
    }
    let on_time = perfect.clone().finish(1_000_000 + 60_000);
    assert_eq!(on_time.score, 100.0);
    assert!(on_time.passed);
    // 61 s over a 540 s limit: two started minutes.
    let late = perfect.finish(1_000_000 + 601_000);
    assert_eq!(late.score, 100.0 - 2.0 * training::scoring::OVERTIME_PENALTY_PER_MINUTE);
    let result = perfect.result().unwrap();
    assert_eq!(result.check(), Ok(()));
    assert_eq!((result.found, result.planted, result.level), (2, 2, 2));
    assert!((result.duration_s - 601.0).abs() < 1e-9);
}

#[test]
fn flagging_every_box_does_not_pass() {
    let mut run = run_of(1);
    run.open_doors();
    for id in 0..run.scenario.items.len() {
        run.toggle_flag(id).unwrap();
    }
    let s = run.finish(1_000_000 + 10_000);
    assert_eq!(s.found, 1);
    assert_eq!(s.score, 0.0);
    assert!(!s.passed);
}

fn result(level: u32, score: f64, passed: bool) -> customs::training::TrainingResult {
    let mut run = run_of(level);
    run.open_doors();
    run.finish(1_000_000 + 1_000);
    let mut r = run.result().unwrap();
    r.score = score;
    r.passed = passed;
    r
}

#[test]
fn passing_the_highest_unlocked_level_unlocks_the_next_and_nothing_else_does() {
    let mut record = TraineeRecord::new("ana");
    assert!(record.check_unlocked(2).is_err());
    assert_eq!(record.record(result(1, 40.0, false)).newly_unlocked, None);
    let p = record.record(result(1, 90.0, true));
    assert_eq!(p.newly_unlocked, Some(2));
    assert_eq!(p.best_for_level, 90.0);
    // Passing level 1 again unlocks nothing more.
    assert_eq!(record.record(result(1, 95.0, true)).newly_unlocked, None);
    assert_eq!(record.unlocked, 2);
    assert!(record.check_unlocked(2).is_ok());
    let err = record.check_unlocked(3).unwrap_err().to_string();
    assert!(err.contains("level 3 is locked"), "{err}");
    // The last level passed unlocks nothing beyond it.
    record.unlocked = LEVELS.len() as u32;
    assert_eq!(record.record(result(5, 100.0, true)).newly_unlocked, None);
}

#[test]
fn trainee_records_are_kept_per_trainee_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = RecordStore::new(dir.path());
    let mut ana = store.load("ana").unwrap();
    assert_eq!(ana.unlocked, 1);
    ana.record(result(1, 80.0, true));
    store.save(&ana).unwrap();
    let again = RecordStore::new(dir.path()).load("ana").unwrap();
    assert_eq!(again, ana);
    assert_eq!(
        store.load("ben").unwrap().unlocked,
        1,
        "another trainee starts at level 1"
    );
    std::fs::write(dir.path().join("cy.json"), "{").unwrap();
    let err = store.load("cy").unwrap_err().to_string();
    assert!(err.contains("cy.json"), "{err}");
}

#[test]
fn unloading_takes_the_row_nearest_the_doors_until_only_the_wall_is_left() {
    let mut run = run_of(4);
    assert!(run.unload_row().is_err(), "doors first");
    run.open_doors();
    let cartons = run
        .scenario
        .items
        .iter()
        .filter(|i| i.planted != Some(PlantedKind::FalseWall))
        .count();
    let first = run.unload_row().unwrap();
    assert_eq!(first.len(), 4, "a row is two wide and two high");
    let nearest_left = run
        .scenario
        .items
        .iter()
        .filter(|i| !run.unloaded.contains(&i.id) && i.planted != Some(PlantedKind::FalseWall))
        .map(|i| i.centre[2])
        .fold(f32::INFINITY, f32::min);
    assert!(first.iter().all(|id| run.scenario.items[*id].centre[2] < nearest_left));
    while run.unload_row().is_ok() {}
    assert_eq!(
        run.unloaded.len(),
        cartons,
        "every carton came out, the false wall stayed"
    );
    assert_eq!(
        run.unload_row().unwrap_err(),
        ar_client::training::run::RunError::NothingToUnload
    );
}
