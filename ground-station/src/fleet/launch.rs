//! `launch(plan)`: validate → upload fence, rally and mission → GUIDED → arm → take off →
//! airborne → start the mission; an error says which step failed and why.

use std::time::Duration;

use mission::endurance::EnergyModel;
use mission::plan::{MissionItem, Plan};
use mission::validate::{Limits, validate};
use serde::Serialize;
use thiserror::Error;

use super::{CommandError, Fleet, FlightMode, MissionError, UploadReport, VehicleCommand};

/// The steps of a launch, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaunchStep {
    Validate,
    Upload,
    SetGuided,
    Arm,
    Takeoff,
    Climb,
    StartMission,
}

impl std::fmt::Display for LaunchStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LaunchStep::Validate => "validate the plan",
            LaunchStep::Upload => "upload fence, rally and mission",
            LaunchStep::SetGuided => "set mode GUIDED",
            LaunchStep::Arm => "arm",
            LaunchStep::Takeoff => "take off",
            LaunchStep::Climb => "climb",
            LaunchStep::StartMission => "start the mission",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum LaunchError {
    #[error("launch on vehicle {sysid} failed at step '{}': the plan is not valid: {}", LaunchStep::Validate, problems.join("; "))]
    Invalid { sysid: u8, problems: Vec<String> },
    #[error("launch on vehicle {sysid} failed at step '{}': {source}", LaunchStep::Upload)]
    Upload { sysid: u8, source: MissionError },
    #[error("launch on vehicle {sysid} failed at step '{step}': {source}")]
    Command {
        sysid: u8,
        step: LaunchStep,
        source: CommandError,
    },
    #[error(
        "launch on vehicle {sysid} failed at step '{}': not above {target_m:.1} m after {:.0} s (last altitude {})",
        LaunchStep::Climb, waited.as_secs_f64(), reached_m.map_or("unknown".to_string(), |a| format!("{a:.1} m"))
    )]
    Climb {
        sysid: u8,
        target_m: f64,
        reached_m: Option<f64>,
        waited: Duration,
    },
}

impl LaunchError {
    pub fn step(&self) -> LaunchStep {
        match self {
            LaunchError::Invalid { .. } => LaunchStep::Validate,
            LaunchError::Upload { .. } => LaunchStep::Upload,
            LaunchError::Command { step, .. } => *step,
            LaunchError::Climb { .. } => LaunchStep::Climb,
        }
    }
}

/// How a launch checks and flies the plan.
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    pub limits: Limits,
    pub energy: EnergyModel,
    /// Take-off altitude above home; None takes the plan's first take-off item (else 10 m).
    pub takeoff_alt_m: Option<f32>,
    /// The mission starts once the vehicle is this share of the way up.
    pub airborne_fraction: f64,
    /// How long the climb to that height may take.
    pub climb_timeout: Duration,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            energy: EnergyModel::default(),
            takeoff_alt_m: None,
            airborne_fraction: 0.5,
            climb_timeout: Duration::from_secs(60),
        }
    }
}

impl Fleet {
    /// Validates the plan, uploads it, arms, takes off and starts the mission.
    pub async fn launch(&self, sysid: u8, plan: &Plan) -> Result<UploadReport, LaunchError> {
        self.launch_with(sysid, plan, &LaunchOptions::default()).await
    }

    pub async fn launch_with(&self, sysid: u8, plan: &Plan, opts: &LaunchOptions) -> Result<UploadReport, LaunchError> {
        let report = validate(plan, &opts.limits, &opts.energy);
        if !report.is_ok() {
            return Err(LaunchError::Invalid {
                sysid,
                problems: report.errors().map(ToString::to_string).collect(),
            });
        }
        let uploaded = self
            .upload(sysid, plan)
            .await
            .map_err(|source| LaunchError::Upload { sysid, source })?;
        let alt = opts.takeoff_alt_m.unwrap_or_else(|| takeoff_alt(plan));
        let step = |step: LaunchStep| move |source| LaunchError::Command { sysid, step, source };
        self.command(
            sysid,
            VehicleCommand::SetMode {
                mode: FlightMode::Guided,
            },
        )
        .await
        .map_err(step(LaunchStep::SetGuided))?;
        self.command(sysid, VehicleCommand::Arm { force: false })
            .await
            .map_err(step(LaunchStep::Arm))?;
        self.command(sysid, VehicleCommand::Takeoff { alt_m: alt })
            .await
            .map_err(step(LaunchStep::Takeoff))?;
        let target_m = f64::from(alt) * opts.airborne_fraction;
        let airborne = self
            .wait_for(sysid, opts.climb_timeout, |s| {
                s.position.is_some_and(|p| p.alt_rel_m >= target_m)
            })
            .await;
        if airborne.is_none() {
            return Err(LaunchError::Climb {
                sysid,
                target_m,
                reached_m: self.vehicle(sysid).and_then(|s| s.position).map(|p| p.alt_rel_m),
                waited: opts.climb_timeout,
            });
        }
        self.command(sysid, VehicleCommand::StartMission)
            .await
            .map_err(step(LaunchStep::StartMission))?;
        Ok(uploaded)
    }
}

/// The plan's first take-off altitude, or 10 m.
fn takeoff_alt(plan: &Plan) -> f32 {
    plan.mission_items()
        .iter()
        .find_map(|item| match item {
            MissionItem::Takeoff { alt_m, .. } => Some(*alt_m as f32),
            _ => None,
        })
        .unwrap_or(10.0)
}
