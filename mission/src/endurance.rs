//! Flight time and energy of a mission from distance, speed, climbs and turns, against a battery.

use serde::{Deserialize, Serialize};

use crate::geodesy::{LatLon, LocalFrame, distance_m};
use crate::plan::{MissionItem, Plan};

/// A multirotor's performance and battery. Defaults: a 3.7 kg enterprise quad on two
/// 6S packs (about 263 Wh, some 40 minutes of hover), the class customs services fly, with
/// the same figures as the simulator's default airframe so that plans and flights agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyModel {
    pub climb_rate_m_s: f64,
    pub descent_rate_m_s: f64,
    /// Extra seconds a sharp turn costs (slow down, turn, speed up).
    pub turn_penalty_s: f64,
    /// Motor power to hover, watts.
    pub hover_power_w: f64,
    /// Avionics and payload, watts, whatever the motors do.
    pub avionics_power_w: f64,
    /// Take-off mass, kg, and the quadratic drag coefficient, N/(m/s)²: in forward flight the
    /// rotors also carry the drag, so thrust and power rise with speed.
    pub mass_kg: f64,
    pub drag_coeff: f64,
    /// Power above hover while climbing.
    pub climb_extra_power_w: f64,
    pub battery_wh: f64,
    /// Share of the battery that must be left on landing, %.
    pub reserve_pct: f64,
}

impl EnergyModel {
    /// Electrical power in level flight at `speed` m/s: momentum theory, power ∝ thrust^1.5,
    /// with thrust balancing weight and drag (no translational-lift bonus: conservative).
    pub fn cruise_power_w(&self, speed: f64) -> f64 {
        let weight = self.mass_kg * 9.80665;
        let drag = self.drag_coeff * speed * speed;
        let thrust_ratio = (1.0 + (drag / weight).powi(2)).sqrt();
        self.hover_power_w * thrust_ratio.powf(1.5) + self.avionics_power_w
    }

    pub fn hover_total_w(&self) -> f64 {
        self.hover_power_w + self.avionics_power_w
    }
}

impl Default for EnergyModel {
    fn default() -> Self {
        Self {
            climb_rate_m_s: 2.5,
            descent_rate_m_s: 1.5,
            turn_penalty_s: 3.0,
            hover_power_w: 390.0,
            avionics_power_w: 15.0,
            mass_kg: 3.7,
            drag_coeff: 0.0752,
            climb_extra_power_w: 150.0,
            battery_wh: 263.0,
            reserve_pct: 25.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlightEstimate {
    pub distance_m: f64,
    pub time_s: f64,
    pub climb_m: f64,
    pub turns: usize,
    pub energy_wh: f64,
    /// Energy that may be used: the battery less the reserve.
    pub budget_wh: f64,
}

impl FlightEstimate {
    /// Share of the battery the flight uses, %.
    pub fn battery_used_pct(&self, model: &EnergyModel) -> f64 {
        100.0 * self.energy_wh / model.battery_wh
    }

    pub fn within_budget(&self) -> bool {
        self.energy_wh <= self.budget_wh
    }
}

/// Fly the plan on paper: take-off at home, every item in order, then home and land if the
/// mission does not end with a landing.
pub fn estimate(plan: &Plan, model: &EnergyModel) -> FlightEstimate {
    let home = plan.home.horizontal();
    let mut speed = plan.cruise_speed_m_s.max(0.5);
    let (mut pos, mut alt) = (home, 0.0);
    let mut e = FlightEstimate {
        distance_m: 0.0,
        time_s: 0.0,
        climb_m: 0.0,
        turns: 0,
        energy_wh: 0.0,
        budget_wh: model.battery_wh * (1.0 - model.reserve_pct / 100.0),
    };
    let mut heading: Option<f64> = None;
    let mut joules = 0.0;
    let mut landed = false;
    let leg = |e: &mut FlightEstimate,
               joules: &mut f64,
               heading: &mut Option<f64>,
               from: (LatLon, f64),
               to: (LatLon, f64),
               speed: f64| {
        let d = distance_m(from.0, to.0);
        let dz = to.1 - from.1;
        let t_h = d / speed;
        let t_v = if dz > 0.0 {
            dz / model.climb_rate_m_s
        } else {
            -dz / model.descent_rate_m_s
        };
        let t = t_h.max(t_v);
        e.distance_m += d;
        e.time_s += t;
        *joules += t * if d > 1.0 {
            model.cruise_power_w(speed)
        } else {
            model.hover_total_w()
        };
        if dz > 0.0 {
            e.climb_m += dz;
            *joules += t_v * model.climb_extra_power_w;
        }
        if d > 1.0 {
            let frame = LocalFrame::at(from.0);
            let v = frame.to_local(to.0);
            let h = v.x.atan2(v.y);
            if let Some(prev) = *heading {
                let turn =
                    (h - prev + std::f64::consts::PI).rem_euclid(2.0 * std::f64::consts::PI) - std::f64::consts::PI;
                if turn.abs() > 30f64.to_radians() {
                    e.turns += 1;
                    e.time_s += model.turn_penalty_s;
                    *joules += model.turn_penalty_s * model.hover_total_w();
                }
            }
            *heading = Some(h);
        }
    };
    for item in plan.mission_items() {
        match item {
            MissionItem::Takeoff { alt_m, .. } => {
                leg(&mut e, &mut joules, &mut heading, (pos, alt), (pos, alt_m), speed);
                alt = alt_m;
            }
            MissionItem::ChangeSpeed { speed_m_s } if speed_m_s > 0.0 => speed = speed_m_s,
            MissionItem::Waypoint {
                position,
                alt_m,
                hold_s,
                ..
            } => {
                leg(&mut e, &mut joules, &mut heading, (pos, alt), (position, alt_m), speed);
                e.time_s += hold_s;
                joules += hold_s * model.hover_total_w();
                (pos, alt) = (position, alt_m);
            }
            MissionItem::LoiterTurns {
                center,
                alt_m,
                radius_m,
                turns,
                ..
            } => {
                leg(&mut e, &mut joules, &mut heading, (pos, alt), (center, alt_m), speed);
                let around = 2.0 * std::f64::consts::PI * radius_m * turns;
                e.distance_m += around;
                e.time_s += around / speed;
                joules += around / speed * model.cruise_power_w(speed);
                (pos, alt) = (center, alt_m);
            }
            MissionItem::ReturnToLaunch => {
                leg(&mut e, &mut joules, &mut heading, (pos, alt), (home, alt), speed);
                leg(&mut e, &mut joules, &mut heading, (home, alt), (home, 0.0), speed);
                (pos, alt) = (home, 0.0);
                landed = true;
                break;
            }
            MissionItem::Land { position } => {
                let at = position.unwrap_or(pos);
                leg(&mut e, &mut joules, &mut heading, (pos, alt), (at, alt), speed);
                leg(&mut e, &mut joules, &mut heading, (at, alt), (at, 0.0), speed);
                (pos, alt) = (at, 0.0);
                landed = true;
                break;
            }
            MissionItem::Other(_) | MissionItem::ChangeSpeed { .. } | MissionItem::CameraTriggerDistance { .. } => {
                if let Some((p, a)) = item.target() {
                    leg(&mut e, &mut joules, &mut heading, (pos, alt), (p, a), speed);
                    (pos, alt) = (p, a);
                }
            }
        }
    }
    if !landed {
        leg(&mut e, &mut joules, &mut heading, (pos, alt), (home, alt), speed);
        leg(&mut e, &mut joules, &mut heading, (home, alt), (home, 0.0), speed);
    }
    e.energy_wh = joules / 3600.0;
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::{Geodetic, destination};
    use crate::plan::PlanElement;

    #[test]
    fn straight_out_and_back_costs_time_and_energy() {
        let home = Geodetic::new(44.4, 8.9, 5.0);
        let far = destination(home.horizontal(), 90.0, 1500.0);
        let mut plan = Plan::new(home);
        plan.cruise_speed_m_s = 10.0;
        plan.elements = vec![
            PlanElement::Item(MissionItem::Takeoff {
                position: None,
                alt_m: 50.0,
            }),
            PlanElement::Item(MissionItem::waypoint(far, 50.0)),
            PlanElement::Item(MissionItem::ReturnToLaunch),
        ];
        let m = EnergyModel::default();
        let e = estimate(&plan, &m);
        assert!((e.distance_m - 3000.0).abs() < 1.0, "{e:?}");
        // 20 s climb + 150 s out + 150 s back + 33 s descent, plus one U-turn.
        assert!(
            (e.time_s - (20.0 + 300.0 + 50.0 / 1.5 + m.turn_penalty_s)).abs() < 1.0,
            "{e:?}"
        );
        assert_eq!(e.turns, 1);
        assert!(e.within_budget());
    }
}
