// Mission planning: the request form (pattern, area or target, altitude, speed...), the
// station's plan (route on the map, time, distance, battery, photos, coverage, problems) and
// the launch on the selected drone.

import * as api from "./api.js";

const $ = (id) => document.getElementById(id);
const POINT = "__point__";

function minutes(seconds) {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return `${m} min ${String(s).padStart(2, "0")} s`;
}

export class Planner {
  constructor(ctx) {
    this.ctx = ctx;
    this.plan = null;
    this.waypoints = [];
    this.targetPoint = null;
    this.launching = false;
    $("plan-pattern").addEventListener("change", () => this.showFields());
    $("plan-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    $("launch-button").addEventListener("click", () => this.launch());
    $("plan-pick-target").addEventListener("click", () =>
      ctx.pickOnMap("target", "Click the point to orbit", (p) => {
        this.targetPoint = p;
        this.ensurePointOption();
        $("plan-target").value = POINT;
        ctx.map.setPicks([p]);
      }),
    );
    $("plan-pick-waypoints").addEventListener("click", () =>
      ctx.pickOnMap("waypoints", "Click each waypoint in order; Cancel when done", (p) => {
        this.waypoints.push(p);
        this.showWaypoints();
      }),
    );
    $("plan-clear-waypoints").addEventListener("click", () => {
      this.waypoints = [];
      this.showWaypoints();
    });
    // A changed request makes the shown plan stale: it can no longer be launched.
    $("plan-form").addEventListener("input", () => this.forget());
    this.showFields();
  }

  /** Fills the area and target lists from the scenario. */
  setScenario(zones, sites) {
    const area = $("plan-area");
    area.replaceChildren();
    for (const z of zones.filter((z) => z.plannable)) {
      const option = document.createElement("option");
      option.value = z.name;
      option.textContent = `${z.name} (${z.kind.replace("_", " ")})`;
      area.append(option);
    }
    const anchorage = zones.find((z) => z.kind === "anchorage");
    if (anchorage) area.value = anchorage.name;
    const target = $("plan-target");
    target.replaceChildren();
    const order = (s) => (s.kind === "vessel" ? 0 : 1);
    for (const s of [...sites].sort((a, b) => order(a) - order(b))) {
      if (["launch", "rally"].includes(s.kind)) continue;
      const option = document.createElement("option");
      option.value = s.name;
      option.textContent = `${s.name} (${s.kind.replace("_", " ")})`;
      target.append(option);
    }
  }

  ensurePointOption() {
    const target = $("plan-target");
    let option = target.querySelector(`option[value="${POINT}"]`);
    if (!option) {
      option = document.createElement("option");
      option.value = POINT;
      target.prepend(option);
    }
    const p = this.targetPoint;
    option.textContent = `Point ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;
  }

  /** A site clicked on the map becomes the orbit target when planning an orbit. */
  offerTarget(name) {
    if ($("plan-pattern").value !== "orbit") return;
    $("plan-target").value = name;
    this.forget();
  }

  showFields() {
    const pattern = $("plan-pattern").value;
    for (const el of document.querySelectorAll("#plan-form [data-for]")) {
      el.hidden = !el.dataset.for.split(" ").includes(pattern);
    }
    this.forget();
  }

  showWaypoints() {
    $("plan-waypoints").textContent = `${this.waypoints.length} waypoint${this.waypoints.length === 1 ? "" : "s"}`;
    this.ctx.map.setPicks(this.waypoints);
    this.forget();
  }

  /** The PlanRequest JSON the station's planner takes. */
  request() {
    const number = (id) => Number($(id).value);
    const kind = $("plan-pattern").value;
    const flight = { altitude_m: number("plan-altitude"), speed_m_s: number("plan-speed") };
    switch (kind) {
      case "survey":
        return {
          kind,
          area: $("plan-area").value,
          camera: $("plan-camera").value,
          front_overlap_pct: number("plan-front"),
          side_overlap_pct: number("plan-side"),
          flight,
        };
      case "perimeter":
        return { kind, area: $("plan-area").value, laps: number("plan-laps"), margin_m: number("plan-margin"), flight };
      case "orbit": {
        const t = $("plan-target").value;
        const target = t === POINT && this.targetPoint ? { lat: this.targetPoint.lat, lon: this.targetPoint.lon } : t;
        return { kind, target, radius_m: number("plan-radius"), turns: number("plan-turns"), flight };
      }
      default:
        return { kind: "route", waypoints: this.waypoints.map((p) => ({ lat: p.lat, lon: p.lon })), flight };
    }
  }

  async submit() {
    const { ctx } = this;
    const line = $("plan-status");
    const request = this.request();
    ctx.status(line, "Planning…", "busy");
    $("plan-button").disabled = true;
    try {
      const plan = await api.post("/api/v1/plans", request);
      this.plan = plan;
      this.show(plan);
      ctx.status(line, `Plan ${plan.plan_id} ready${plan.ok ? "" : ": not safe to fly"}`, plan.ok ? "ok" : "error");
    } catch (e) {
      this.forget();
      ctx.status(line, ctx.describe(e), "error");
      ctx.log(`Planning refused: ${ctx.describe(e)}`, "error");
    } finally {
      $("plan-button").disabled = !ctx.state.can("plan");
    }
    this.updateLaunch();
  }

  show(plan) {
    $("plan-result").hidden = false;
    $("plan-result").dataset.ok = plan.ok;
    $("plan-result").dataset.planId = plan.plan_id;
    $("plan-title").textContent = plan.title;
    $("plan-verdict").textContent = plan.ok ? "Safe to fly" : "Not safe to fly: see the problems";
    $("plan-verdict").dataset.kind = plan.ok ? "ok" : "error";
    const e = plan.estimate;
    const facts = [
      ["time", "Time", minutes(e.time_s)],
      ["distance", "Distance", `${(e.distance_m / 1000).toFixed(2)} km`],
      ["battery", "Battery", `${e.battery_used_pct.toFixed(0)} % of ${e.battery_available_pct.toFixed(0)} % usable`],
      ["energy", "Energy", `${e.energy_wh.toFixed(0)} Wh`],
      ["photos", "Photos", String(plan.photos)],
    ];
    if (plan.coverage_pct != null) facts.push(["coverage", "Coverage", `${plan.coverage_pct.toFixed(1)} %`]);
    $("plan-estimate").replaceChildren(
      ...facts.flatMap(([key, label, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = label;
        const dd = document.createElement("dd");
        dd.setAttribute("data-testid", `plan-${key}`);
        dd.textContent = value;
        return [dt, dd];
      }),
    );
    const items = (list, text) =>
      list.map((x) => {
        const li = document.createElement("li");
        li.textContent = text(x);
        return li;
      });
    $("plan-problems").replaceChildren(
      ...items(plan.problems, (p) => `${p.severity}${p.item != null ? ` (item ${p.item})` : ""}: ${p.message}`),
    );
    $("plan-notes").replaceChildren(...items(plan.notes, (n) => n));
    this.ctx.map.setRoute(plan.route);
  }

  /** Drops the shown plan (the request changed, or planning failed). */
  forget() {
    if (!this.plan) return;
    this.plan = null;
    $("plan-result").hidden = true;
    this.ctx.map.setRoute(null);
    this.updateLaunch();
  }

  vehicleSelected() {
    this.updateLaunch();
  }

  applyRole() {
    const can = this.ctx.state.can;
    $("plan-button").disabled = !can("plan");
    $("plan-button").title = can("plan") ? "" : `A ${this.ctx.state.me.role} may not plan missions`;
    this.updateLaunch();
  }

  /** Launch needs a safe plan, a selected drone and the launch permission; the title says which is missing. */
  updateLaunch() {
    const { state } = this.ctx;
    const button = $("launch-button");
    const sysid = state.selected;
    let why = "";
    if (!state.can("launch")) why = `A ${state.me ? state.me.role : "visitor"} may not launch missions`;
    else if (!this.plan) why = "Plan a mission first";
    else if (!this.plan.ok) why = "The plan is not safe to fly";
    else if (sysid == null) why = "Select a drone in the fleet";
    else if (this.launching) why = "Launching…";
    button.disabled = why !== "";
    button.title = why;
    button.textContent = sysid != null ? `Launch on drone ${sysid}` : "Launch";
  }

  async launch() {
    const { ctx } = this;
    const sysid = ctx.state.selected;
    const plan = this.plan;
    if (!plan || sysid == null) return;
    const line = $("plan-status");
    this.launching = true;
    this.updateLaunch();
    ctx.status(line, `Launching plan ${plan.plan_id} on drone ${sysid}: upload, arm, take off…`, "busy");
    try {
      await api.post(`/api/v1/vehicles/${sysid}/launch`, { plan_id: plan.plan_id });
      ctx.status(line, `Drone ${sysid} is flying plan ${plan.plan_id} (${plan.title})`, "ok");
      ctx.log(`Drone ${sysid} launched on plan ${plan.plan_id}: ${plan.title}`);
    } catch (e) {
      ctx.status(line, ctx.describe(e), "error");
      ctx.log(`Launch on drone ${sysid} refused: ${ctx.describe(e)}`, "error");
    } finally {
      this.launching = false;
      this.updateLaunch();
    }
  }
}
