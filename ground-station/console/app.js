// The console's entry: sign-in, the fleet panel and the selected drone (video, commands), the
// map's clicks, and the live feed that drives every panel.

import * as api from "./api.js";
import { PortMap, vehicleColour } from "./map.js";
import { Planner } from "./planner.js";
import { AlertsPanel, FlightsPanel, TracksPanel } from "./watch.js";

const $ = (id) => document.getElementById(id);

/** Shared by the panels: who is signed in, the vehicles, the selection, the map's pick mode. */
export const state = {
  me: null,
  can: () => false,
  vehicles: new Map(),
  selected: null,
  pick: null,
};

// ---- messages ----

/** A line in the footer (and the browser's console); errors stay until newer ones push them out. */
export function log(text, kind = "info") {
  const list = $("messages");
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  list.prepend(item);
  while (list.children.length > 6) list.lastChild.remove();
  (kind === "error" ? console.error : console.log)(text);
}

/** Sets a panel's status line: `kind` is "busy", "ok" or "error". */
export function status(element, text, kind) {
  element.textContent = text;
  element.dataset.kind = kind;
}

/** The officer-facing text of an error: the station's own words for API errors. */
export function describe(error) {
  return error instanceof api.ApiError ? error.describe() : String(error && error.message ? error.message : error);
}

// ---- map ----

const map = new PortMap($("map"), { scaleBar: $("scale-bar"), scaleLabel: $("scale-label"), coords: $("map-coords") });

/** Asks for a click on the map: `onPick({lat, lon})`; Esc or Cancel stops. */
export function pickOnMap(mode, text, onPick) {
  state.pick = { mode, onPick };
  $("map-hint-text").textContent = text;
  $("map-hint").hidden = false;
  $("map").classList.add("picking");
}

export function stopPicking() {
  state.pick = null;
  $("map-hint").hidden = true;
  $("map").classList.remove("picking");
}

$("map-hint-cancel").addEventListener("click", stopPicking);
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && state.pick) stopPicking();
});
$("map-fit").addEventListener("click", () => map.fitPort());

map.onClick((at, hit) => {
  if (state.pick) {
    const { onPick, mode } = state.pick;
    // Waypoints keep coming until Cancel; other picks take one point.
    if (mode !== "waypoints") stopPicking();
    onPick(at);
    return;
  }
  if (hit && hit.select === "vehicle") select(Number(hit.sysid));
  else if (hit && hit.select === "alert") alerts.focus(hit.alert);
  else if (hit && hit.select === "site") planner.offerTarget(hit.site);
});

// ---- panels ----

const planner = new Planner({ map, state, log, status, describe, pickOnMap, stopPicking });
const alerts = new AlertsPanel({ map, state, log, describe });
const flights = new FlightsPanel({ state, log, describe });
const tracks = new TracksPanel({ map });

// ---- fleet ----

const fmt = {
  alt: (v) => (v.position ? `${v.position.alt_rel_m.toFixed(1)} m` : "–"),
  speed: (v) => (v.ground_speed_m_s != null ? `${v.ground_speed_m_s.toFixed(1)} m/s` : "–"),
  battery: (v) => (v.battery && v.battery.remaining_pct != null ? `${v.battery.remaining_pct} %` : "–"),
  // "3D_FIX" → "3D", with the satellites: the column stays narrow.
  gps: (v) => (v.gps ? `${v.gps.fix.replace(/_FIX$/, "")}${v.gps.satellites != null ? " ·" + v.gps.satellites : ""}` : "none"),
  link: (v) =>
    v.link && v.link.connected
      ? `${v.link.rx_rate_hz.toFixed(0)} Hz${v.link.loss_pct > 0.5 ? ` ${v.link.loss_pct.toFixed(0)}% lost` : ""}`
      : "lost",
  mission: (v) => {
    const m = v.mission || {};
    if (m.total == null || m.total === 0) return "–";
    const at = m.current_seq != null ? m.current_seq : 0;
    return `${at}/${Math.max(m.total - 1, 0)}`;
  },
};

const FIELDS = ["mode", "armed", "alt", "speed", "battery", "gps", "link", "mission"];

function fleetRow(v) {
  let row = document.querySelector(`#fleet-rows tr[data-sysid="${v.sysid}"]`);
  if (row) return row;
  row = document.createElement("tr");
  row.dataset.sysid = v.sysid;
  row.setAttribute("data-testid", `vehicle-${v.sysid}`);
  row.tabIndex = 0;
  const name = document.createElement("td");
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.background = vehicleColour(v.sysid);
  name.append(swatch, `Drone ${v.sysid}`);
  row.append(name);
  for (const field of FIELDS) {
    const cell = document.createElement("td");
    cell.dataset.field = field;
    row.append(cell);
  }
  row.addEventListener("click", () => select(v.sysid));
  row.addEventListener("keydown", (e) => e.key === "Enter" && select(v.sysid));
  const rows = $("fleet-rows");
  const after = [...rows.children].find((r) => Number(r.dataset.sysid) > v.sysid);
  rows.insertBefore(row, after || null);
  $("fleet-empty").hidden = true;
  return row;
}

function updateVehicle(v) {
  state.vehicles.set(v.sysid, v);
  const row = fleetRow(v);
  const text = {
    mode: v.mode,
    armed: v.armed ? "armed" : "safe",
    alt: fmt.alt(v),
    speed: fmt.speed(v),
    battery: fmt.battery(v),
    gps: fmt.gps(v),
    link: fmt.link(v),
    mission: fmt.mission(v),
  };
  for (const field of FIELDS) row.querySelector(`[data-field="${field}"]`).textContent = text[field];
  row.classList.toggle("armed", v.armed);
  row.classList.toggle("lost", !(v.link && v.link.connected));
  row.classList.toggle("low-battery", v.battery && v.battery.remaining_pct != null && v.battery.remaining_pct < 25);
  row.dataset.mode = v.mode;
  map.setVehicle(v, state.selected === v.sysid);
  if (state.selected === v.sysid) showFacts(v);
}

// ---- the selected drone ----

function select(sysid) {
  if (!state.vehicles.has(sysid)) return;
  const changed = state.selected !== sysid;
  state.selected = sysid;
  for (const row of document.querySelectorAll("#fleet-rows tr")) row.classList.toggle("selected", Number(row.dataset.sysid) === sysid);
  map.selectVehicle(sysid);
  $("vehicle").hidden = false;
  $("vehicle-title").textContent = `Drone ${sysid}`;
  showFacts(state.vehicles.get(sysid));
  if (changed) {
    showVideo(sysid);
    status($("command-status"), "", "");
  }
  planner.vehicleSelected(sysid);
}

function showFacts(v) {
  const facts = $("vehicle-facts");
  const p = v.position;
  const lines = [
    ["Mode", `${v.mode}${v.armed ? " · armed" : ""} · ${v.system_status.toLowerCase()}`],
    ["Position", p ? `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)} · ${p.alt_rel_m.toFixed(1)} m` : "unknown"],
    ["Heading", v.heading_deg != null ? `${v.heading_deg.toFixed(0)}°` : "–"],
    ["Battery", `${fmt.battery(v)}${v.battery.voltage_v != null ? ` · ${v.battery.voltage_v.toFixed(1)} V` : ""}`],
    ["Link", `${fmt.link(v)} · ${v.link.signed ? "signed" : "unsigned"} · ${v.link.peer}`],
  ];
  const m = v.mission || {};
  if (m.total) lines.push(["Mission", `item ${fmt.mission(v)}${m.state ? " · " + m.state.toLowerCase().replace(/^mission_state_/, "") : ""} · ${m.reached_count} reached`]);
  const latest = v.status_texts && v.status_texts[v.status_texts.length - 1];
  if (latest) lines.push(["Says", `${latest.severity.toLowerCase()}: ${latest.text}`]);
  facts.replaceChildren(
    ...lines.map(([k, value]) => {
      const row = document.createElement("div");
      const key = document.createElement("span");
      key.textContent = k;
      const val = document.createElement("span");
      val.textContent = value;
      row.append(key, val);
      return row;
    }),
  );
}

async function showVideo(sysid) {
  const img = $("video");
  const note = $("video-note");
  img.hidden = false;
  note.textContent = "Waiting for the first picture…";
  img.onload = () => {
    note.textContent = "";
  };
  img.onerror = async () => {
    img.hidden = true;
    // The <img> cannot say why: ask the station once, briefly (a working stream never ends).
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 3000);
    try {
      const response = await fetch(`/api/v1/video/${sysid}`, { headers: { Authorization: `Bearer ${api.token()}` }, signal: abort.signal });
      const body = await response.json().catch(() => ({}));
      note.textContent = `No live video: ${body.message || response.statusText}`;
    } catch {
      note.textContent = "No live video.";
    }
    abort.abort();
  };
  img.src = api.withToken(`/api/v1/video/${sysid}`);
}

async function command(sysid, body, what) {
  const line = $("command-status");
  status(line, `Drone ${sysid}: ${what}…`, "busy");
  try {
    const answer = await api.post(`/api/v1/vehicles/${sysid}/commands`, body);
    status(line, `Drone ${sysid}: ${answer.done} — done`, "ok");
    log(`Drone ${sysid}: ${answer.done}`);
  } catch (e) {
    status(line, describe(e), "error");
    log(`Drone ${sysid}: ${what} refused: ${describe(e)}`, "error");
  }
}

for (const button of document.querySelectorAll("#commands [data-command]")) {
  button.addEventListener("click", () =>
    command(state.selected, { command: button.dataset.command }, button.textContent.toLowerCase()),
  );
}

for (const button of document.querySelectorAll("#commands [data-pick]")) {
  button.addEventListener("click", () => {
    const sysid = state.selected;
    const alt = Number($("command-alt").value);
    const radius = Number($("command-radius").value);
    if (button.dataset.pick === "goto") {
      pickOnMap("goto", `Click where drone ${sysid} should go (${alt} m)`, (p) =>
        command(sysid, { command: "go_to", lat: p.lat, lon: p.lon, alt_m: alt }, "go to"),
      );
    } else {
      pickOnMap("orbit", `Click the point drone ${sysid} should circle (${radius} m radius, ${alt} m)`, (p) =>
        command(sysid, { command: "orbit", lat: p.lat, lon: p.lon, alt_m: alt, radius_m: radius, speed_m_s: 5, turns: 0 }, "orbit"),
      );
    }
  });
}

// ---- permissions ----

function applyRole(me) {
  const can = new Set(me.permissions);
  state.me = me;
  state.can = (p) => can.has(p);
  $("whoami").textContent = `${me.name} · ${me.role}`;
  document.body.dataset.role = me.role;
  for (const button of document.querySelectorAll("#commands button")) {
    button.disabled = !can.has("command");
    button.title = can.has("command") ? "" : `A ${me.role} may not command drones`;
  }
  planner.applyRole();
}

// ---- live feed ----

function onEvent(event) {
  switch (event.type) {
    case "vehicle":
      updateVehicle(event);
      break;
    case "detections":
      tracks.detections(event);
      break;
    case "tracks":
      tracks.tracks(event);
      break;
    case "alert":
      alerts.event(event);
      break;
    case "flight":
      log(`Flight ${event.flight_id} of drone ${event.vehicle}: ${event.status}`);
      flights.event(event);
      break;
    case "lagged":
      log(`The live feed skipped ${event.missed} events (the console was too slow)`, "warning");
      break;
    default:
      break;
  }
}

function setLive(s) {
  const pill = $("live-status");
  pill.dataset.state = s;
  pill.textContent = s;
}

// ---- sign-in and start ----

function showSignin(message) {
  $("console").hidden = true;
  $("signin").hidden = false;
  $("signout").hidden = true;
  $("signin-error").textContent = message || "";
}

$("signin").addEventListener("submit", (e) => {
  e.preventDefault();
  api.storeToken($("signin-token").value.trim());
  start();
});

$("signout").addEventListener("click", () => {
  api.forgetToken();
  location.reload();
});

let live = null;

async function start() {
  let me;
  try {
    me = await api.get("/api/v1/me");
  } catch (e) {
    if (e.status === 401) api.forgetToken();
    showSignin(describe(e));
    return;
  }
  $("signin").hidden = true;
  $("console").hidden = false;
  $("signout").hidden = false;
  applyRole(me);
  try {
    const scenario = await api.get("/api/v1/scenario");
    const { zones, sites } = map.setScenario(scenario);
    planner.setScenario(zones, sites);
    document.body.dataset.map = "ready";
  } catch (e) {
    log(`The port map could not be loaded: ${describe(e)}`, "error");
  }
  try {
    for (const v of await api.get("/api/v1/vehicles")) updateVehicle(v);
  } catch (e) {
    log(`Vehicles: ${describe(e)}`, "error");
  }
  alerts.load();
  flights.load();
  if (live) live.close();
  live = api.openLive(onEvent, setLive);
  setInterval(() => tracks.expire(), 5000);
}

if (api.takeToken()) start();
else showSignin();
