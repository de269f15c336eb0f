// What the officer watches: the alerts feed (with snapshots and acknowledgement), the tracks and
// detections the drones report, and the flights with their reports.

import * as api from "./api.js";

const $ = (id) => document.getElementById(id);

function node(tag, className, text) {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text != null) n.textContent = text;
  return n;
}

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : "–");
const RULES = {
  restricted_zone: "in a restricted zone",
  boat_alongside: "boat alongside",
  boat_loitering: "boat loitering",
  exclusion_zone: "in an exclusion zone",
};

export class AlertsPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.alerts = new Map();
  }

  async load() {
    try {
      const list = await api.get("/api/v1/alerts");
      for (const a of list) this.upsert(a);
    } catch (e) {
      this.ctx.log(`Alerts: ${this.ctx.describe(e)}`, "error");
    }
  }

  /** A live `alert` event: raised, updated or acknowledged. */
  event(message) {
    const a = message.alert;
    const isNew = !this.alerts.has(a.alert_id);
    this.upsert(a);
    if (message.event === "raised" || isNew) this.ctx.log(`ALERT (${a.severity}): ${a.summary}`, "alert");
    else if (message.event === "acknowledged" && a.acknowledgement) {
      this.ctx.log(`Alert acknowledged by ${a.acknowledgement.officer}: ${a.summary}`);
    }
  }

  upsert(a) {
    const known = this.alerts.get(a.alert_id);
    // Keep the newest revision: events may arrive after a slower GET.
    if (known && known.revision > a.revision) return;
    this.alerts.set(a.alert_id, a);
    this.ctx.map.setAlert(a);
    this.render(a);
    const open = [...this.alerts.values()].filter((x) => !x.acknowledgement).length;
    $("alert-count").textContent = String(open);
    $("alert-count").dataset.open = open > 0;
  }

  render(a) {
    const list = $("alert-list");
    let item = list.querySelector(`li[data-alert="${CSS.escape(a.alert_id)}"]`);
    if (!item) {
      item = node("li", "alert");
      item.dataset.alert = a.alert_id;
      item.setAttribute("data-testid", `alert-${a.alert_id}`);
      item.addEventListener("click", (e) => {
        if (!e.target.closest("input, button")) this.ctx.map.centreOn(a.lat, a.lon);
      });
    }
    item.dataset.severity = a.severity;
    item.classList.toggle("acknowledged", !!a.acknowledgement);
    const head = node("div", "alert-head");
    head.append(
      node("span", `severity ${a.severity}`, a.severity),
      node("span", "rule", RULES[a.rule] || a.rule),
      node("span", "muted", `${a.drone_id} · track ${a.track_id} · ${time(a.last_seen)}`),
    );
    const body = node("div", "alert-body");
    const text = node("div", "alert-text");
    text.append(node("p", "summary", a.summary));
    if (a.snapshot) body.append(this.thumbnail(item, a));
    body.append(text);
    if (a.acknowledgement) {
      const ack = a.acknowledgement;
      text.append(node("p", "ack", `Acknowledged by ${ack.officer} at ${time(ack.time)}${ack.note ? ": " + ack.note : ""}`));
    } else {
      // Updates come with every re-detection: keep the form, and the note being typed.
      text.append(item.querySelector(".ack-form") || this.ackForm(a));
    }
    item.replaceChildren(head, body);
    // Newest first.
    const after = [...list.children].find((li) => li !== item && (this.alerts.get(li.dataset.alert)?.last_seen ?? 0) < a.last_seen);
    list.insertBefore(item, after || null);
  }

  /** The snapshot's picture, fetched again only when the alert names a newer snapshot. */
  thumbnail(item, a) {
    const kept = item.querySelector("img.thumb");
    if (kept && kept.dataset.snapshot === String(a.snapshot.msg_id)) return kept;
    const img = node("img", "thumb");
    img.alt = `snapshot of ${a.class} ${a.track_id}`;
    img.dataset.snapshot = a.snapshot.msg_id;
    img.hidden = true;
    img.onload = () => (img.hidden = false);
    // Not received yet, or not stored: no thumbnail, nothing to say.
    img.onerror = () => img.remove();
    img.src = api.withToken(`/api/v1/alerts/${encodeURIComponent(a.alert_id)}/snapshot`) + `&snapshot=${a.snapshot.msg_id}`;
    return img;
  }

  ackForm(a) {
    const form = node("form", "ack-form");
    const note = node("input");
    note.placeholder = "what was done (optional)";
    note.setAttribute("data-testid", `ack-note-${a.alert_id}`);
    const button = node("button", null, "Acknowledge");
    button.type = "submit";
    button.setAttribute("data-testid", `ack-${a.alert_id}`);
    const can = this.ctx.state.can("acknowledge_alert");
    button.disabled = !can;
    note.disabled = !can;
    if (!can) button.title = `A ${this.ctx.state.me.role} may not acknowledge alerts`;
    const error = node("p", "error");
    form.append(note, button, error);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      button.disabled = true;
      try {
        const updated = await api.post(`/api/v1/alerts/${encodeURIComponent(a.alert_id)}/acknowledge`, { note: note.value });
        this.upsert(updated);
      } catch (err) {
        error.textContent = this.ctx.describe(err);
        this.ctx.log(`Acknowledging ${a.alert_id}: ${this.ctx.describe(err)}`, "error");
        button.disabled = false;
      }
    });
    return form;
  }

  focus(id) {
    const a = this.alerts.get(id);
    const item = $("alert-list").querySelector(`li[data-alert="${CSS.escape(id)}"]`);
    if (item) {
      item.scrollIntoView({ block: "nearest" });
      item.classList.add("flash");
      setTimeout(() => item.classList.remove("flash"), 1200);
    }
    if (a) this.ctx.map.centreOn(a.lat, a.lon);
  }
}

export class FlightsPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.pending = null;
    this.listed = [];
    // Flights heard on the live feed before the list is reloaded.
    this.heard = new Map();
    $("flights-refresh").addEventListener("click", () => this.load());
  }

  /** A live `flight` event: shown at once, then the list is asked again. */
  event(e) {
    const known = this.heard.get(e.flight_id);
    this.heard.set(e.flight_id, {
      id: e.flight_id,
      vehicle: String(e.vehicle),
      status: e.status,
      started_at: known ? known.started_at : Date.now(),
      ended_at: e.status === "flying" ? null : Date.now(),
    });
    this.render(this.listed);
    this.load();
  }

  /** Reloads the list (several calls in a burst make one request). */
  load() {
    if (this.pending) return this.pending;
    this.pending = (async () => {
      try {
        this.render(await api.get("/api/v1/flights"));
      } catch (e) {
        this.ctx.log(`Flights: ${this.ctx.describe(e)}`, "error");
      } finally {
        this.pending = null;
      }
    })();
    return this.pending;
  }

  render(listed) {
    this.listed = listed;
    const ids = new Set(listed.map((f) => f.id));
    const heard = [...this.heard.values()].filter((f) => !ids.has(f.id));
    const flights = [...heard, ...listed].sort((a, b) => b.started_at - a.started_at || b.id - a.id);
    const items = flights.map((f) => {
      const li = node("li", `flight status-${f.status}`);
      li.setAttribute("data-testid", `flight-${f.id}`);
      const minutes = f.ended_at ? ` · ${((f.ended_at - f.started_at) / 60000).toFixed(1)} min` : "";
      // The store names vehicles "vehicle<sysid>"; the live feed gives the bare system id.
      const drone = String(f.vehicle).replace(/^vehicle/, "");
      li.append(node("span", null, `#${f.id} drone ${drone} · ${f.status} · ${time(f.started_at)}${minutes}`));
      const summary = f.report || {};
      const figures = [];
      if (summary.coverage_pct != null) figures.push(`coverage ${Number(summary.coverage_pct).toFixed(0)} %`);
      if (summary.distance_m != null) figures.push(`${(summary.distance_m / 1000).toFixed(2)} km`);
      if (summary.battery_used_pct != null) figures.push(`battery ${Number(summary.battery_used_pct).toFixed(0)} %`);
      if (figures.length) li.append(node("span", "muted", ` · ${figures.join(" · ")}`));
      if (f.report_path) {
        const a = node("a", "report-link", "report");
        a.href = api.withToken(`/api/v1/flights/${f.id}/report`);
        a.target = "_blank";
        a.rel = "noopener";
        a.setAttribute("data-testid", `report-${f.id}`);
        li.append(" ", a);
      }
      return li;
    });
    if (items.length === 0) items.push(node("li", "muted", "No flight yet."));
    $("flight-list").replaceChildren(...items);
  }
}

export class TracksPanel {
  constructor(ctx) {
    this.map = ctx.map;
    this.tracksByKey = new Map();
  }

  detections(batch) {
    this.map.setDetections(batch.drone_id, batch.detections);
  }

  tracks(update) {
    for (const t of update.tracks) {
      const key = `${update.drone_id}/${t.track_id}`;
      this.map.setTrack(key, t);
      if (t.state === "lost") this.tracksByKey.delete(key);
      else this.tracksByKey.set(key, { ...t, drone_id: update.drone_id, seen: Date.now() });
    }
    this.render();
  }

  expire() {
    const now = Date.now();
    for (const [key, t] of this.tracksByKey) if (now - t.seen > 60000) this.tracksByKey.delete(key);
    this.map.expireTracks(60000);
    this.render();
  }

  render() {
    const rows = [...this.tracksByKey.values()]
      .sort((a, b) => b.last_seen - a.last_seen)
      .slice(0, 30)
      .map((t) => {
        const li = node("li", `track class-${t.class}`);
        li.setAttribute("data-testid", "track");
        li.append(
          node("span", "class", t.class),
          node("span", "muted", ` ${t.drone_id} #${t.track_id} · ${(t.score * 100).toFixed(0)} % · ±${t.error_m.toFixed(0)} m · ${time(t.last_seen)}`),
        );
        li.addEventListener("click", () => this.map.centreOn(t.lat, t.lon));
        return li;
      });
    $("track-list").replaceChildren(...rows);
    $("track-count").textContent = String(this.tracksByKey.size);
  }
}
