// The port map: the scenario's GeoJSON drawn in SVG on an equirectangular projection around the
// port (metres east/south of its centre), with pan, zoom, a scale bar, and layers for vehicles,
// the planned route, tracks, detections and alerts. No tiles: nothing leaves the station.

const EARTH_RADIUS_M = 6371008.8;
const SVG_NS = "http://www.w3.org/2000/svg";
const DEG = Math.PI / 180;

/** Drawing order (back to front) of the polygon kinds; unknown kinds go first. */
const ZONE_ORDER = ["area", "anchorage", "container_yard", "quay", "berth", "restricted", "exclusion", "fence"];
/** Zones that are areas a mission can survey or patrol. */
const PLANNABLE = new Set(["area", "anchorage", "container_yard", "quay", "berth", "restricted"]);

export const VEHICLE_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

export function vehicleColour(sysid) {
  return VEHICLE_COLOURS[(sysid - 1 + VEHICLE_COLOURS.length) % VEHICLE_COLOURS.length];
}

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  if (parent) parent.appendChild(node);
  return node;
}

/** Rings of a Polygon or MultiPolygon geometry, as arrays of [lon, lat]. */
function rings(geometry) {
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

export class PortMap {
  /** `svg`: the map element; `scaleBar`, `coords`: overlay elements for the scale and cursor. */
  constructor(svg, { scaleBar, scaleLabel, coords }) {
    this.svg = svg;
    this.scaleBar = scaleBar;
    this.scaleLabel = scaleLabel;
    this.coords = coords;
    this.origin = { lat: 0, lon: 0 };
    this.view = { cx: 0, cy: 0, mpp: 5 };
    this.clickHandlers = [];
    this.layers = {};
    for (const name of ["zones", "sites", "route", "trails", "detections", "tracks", "alerts", "vehicles", "pick"]) {
      this.layers[name] = el("g", { id: `layer-${name}`, class: `layer layer-${name}` }, svg);
    }
    this.vehicles = new Map();
    this.tracks = new Map();
    this.alerts = new Map();
    this.listen();
    new ResizeObserver(() => this.apply()).observe(svg);
  }

  // ---- projection ----

  project(lat, lon) {
    const x = (lon - this.origin.lon) * DEG * EARTH_RADIUS_M * Math.cos(this.origin.lat * DEG);
    const y = -(lat - this.origin.lat) * DEG * EARTH_RADIUS_M;
    return [x, y];
  }

  unproject(x, y) {
    return {
      lat: this.origin.lat - y / (DEG * EARTH_RADIUS_M),
      lon: this.origin.lon + x / (DEG * EARTH_RADIUS_M * Math.cos(this.origin.lat * DEG)),
    };
  }

  size() {
    const r = this.svg.getBoundingClientRect();
    return { w: Math.max(r.width, 1), h: Math.max(r.height, 1), left: r.left, top: r.top };
  }

  toWorld(clientX, clientY) {
    const { w, h, left, top } = this.size();
    return [this.view.cx + (clientX - left - w / 2) * this.view.mpp, this.view.cy + (clientY - top - h / 2) * this.view.mpp];
  }

  // ---- view: pan, zoom, scale bar ----

  apply() {
    const { w, h } = this.size();
    const { cx, cy, mpp } = this.view;
    this.svg.setAttribute("viewBox", `${cx - (w * mpp) / 2} ${cy - (h * mpp) / 2} ${w * mpp} ${h * mpp}`);
    // Markers and labels keep their size on screen: scale them by metres per pixel.
    for (const g of this.svg.querySelectorAll("g.scaled")) {
      g.setAttribute("transform", `translate(${g.dataset.x} ${g.dataset.y}) scale(${mpp})`);
    }
    this.drawScaleBar();
  }

  drawScaleBar() {
    if (!this.scaleBar) return;
    const target = 120 * this.view.mpp;
    const steps = [1, 2, 5];
    let length = 1;
    for (let p = 1; p < 1e6; p *= 10) {
      for (const s of steps) if (s * p <= target) length = s * p;
    }
    this.scaleBar.style.width = `${Math.round(length / this.view.mpp)}px`;
    this.scaleLabel.textContent = length >= 1000 ? `${length / 1000} km` : `${length} m`;
  }

  zoomAt(clientX, clientY, factor) {
    const [wx, wy] = this.toWorld(clientX, clientY);
    const mpp = Math.min(Math.max(this.view.mpp * factor, 0.05), 200);
    const k = mpp / this.view.mpp;
    this.view = { cx: wx - (wx - this.view.cx) * k, cy: wy - (wy - this.view.cy) * k, mpp };
    this.apply();
  }

  /** Shows the box [minX, minY, maxX, maxY] (metres) whole, with a margin. */
  fit([minX, minY, maxX, maxY]) {
    const { w, h } = this.size();
    const mpp = Math.max((maxX - minX) / w, (maxY - minY) / h) * 1.08 || 5;
    this.view = { cx: (minX + maxX) / 2, cy: (minY + maxY) / 2, mpp };
    this.apply();
  }

  centreOn(lat, lon) {
    const [x, y] = this.project(lat, lon);
    this.view = { ...this.view, cx: x, cy: y };
    this.apply();
  }

  listen() {
    const svg = this.svg;
    svg.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        this.zoomAt(e.clientX, e.clientY, Math.pow(1.2, e.deltaY / 100));
      },
      { passive: false },
    );
    let drag = null;
    svg.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, cx: this.view.cx, cy: this.view.cy, moved: false, id: e.pointerId };
    });
    svg.addEventListener("pointermove", (e) => {
      const [wx, wy] = this.toWorld(e.clientX, e.clientY);
      const p = this.unproject(wx, wy);
      if (this.coords) this.coords.textContent = `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;
      if (!drag || drag.id !== e.pointerId) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) svg.setPointerCapture(e.pointerId);
      drag.moved = true;
      svg.classList.add("dragging");
      this.view = { ...this.view, cx: drag.cx - dx * this.view.mpp, cy: drag.cy - dy * this.view.mpp };
      this.apply();
    });
    const end = (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      const wasClick = !drag.moved;
      drag = null;
      svg.classList.remove("dragging");
      if (!wasClick || e.type !== "pointerup") return;
      const [wx, wy] = this.toWorld(e.clientX, e.clientY);
      const at = this.unproject(wx, wy);
      // What was clicked: the nearest element carrying data-select (a vehicle, an alert...).
      const hit = e.target.closest ? e.target.closest("[data-select]") : null;
      for (const handler of this.clickHandlers) handler(at, hit ? hit.dataset : null);
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  }

  /** `handler({lat, lon}, dataset of the clicked marker or null)` on a click that is not a drag. */
  onClick(handler) {
    this.clickHandlers.push(handler);
  }

  /** A group that keeps its on-screen size, at a world position. */
  scaledGroup(parent, x, y, attrs = {}) {
    const g = el("g", { ...attrs, class: `scaled ${attrs.class || ""}`.trim() }, parent);
    g.dataset.x = x;
    g.dataset.y = y;
    g.setAttribute("transform", `translate(${x} ${y}) scale(${this.view.mpp})`);
    return g;
  }

  label(parent, text, dx, dy, cls = "label") {
    const t = el("text", { x: dx, y: dy, class: cls }, parent);
    t.textContent = text;
    return t;
  }

  // ---- the scenario ----

  /** Draws the port; returns its zones (name, kind, plannable) and sites (name, kind, lat, lon). */
  setScenario(geojson) {
    const features = (geojson && geojson.features) || [];
    const polygonal = features.filter((f) => f.geometry && /Polygon$/.test(f.geometry.type));
    const framing = polygonal.filter((f) => ["fence", "area"].includes(f.properties.kind));
    const all = (framing.length ? framing : polygonal).flatMap((f) => rings(f.geometry).flat());
    const points = all.length ? all : features.filter((f) => f.geometry?.type === "Point").map((f) => f.geometry.coordinates);
    if (points.length) {
      const lons = points.map((p) => p[0]);
      const lats = points.map((p) => p[1]);
      this.origin = {
        lat: (Math.min(...lats) + Math.max(...lats)) / 2,
        lon: (Math.min(...lons) + Math.max(...lons)) / 2,
      };
    }
    for (const layer of [this.layers.zones, this.layers.sites]) layer.replaceChildren();
    const zones = [];
    const sites = [];
    const rank = (kind) => ZONE_ORDER.indexOf(kind);
    const sorted = [...features].sort((a, b) => rank(a.properties?.kind) - rank(b.properties?.kind));
    for (const f of sorted) {
      const props = f.properties || {};
      const kind = props.kind || "unknown";
      const name = props.name || kind;
      if (!f.geometry) continue;
      if (/Polygon$/.test(f.geometry.type)) {
        this.drawZone(f.geometry, name, kind);
        zones.push({ name, kind, plannable: PLANNABLE.has(kind) });
      } else if (f.geometry.type === "Point") {
        const [lon, lat] = f.geometry.coordinates;
        if (kind === "scenario") continue;
        if (kind === "exclusion" && props.radius_m) {
          this.drawCircleZone(lat, lon, props.radius_m, name, kind);
          zones.push({ name, kind, plannable: false });
          continue;
        }
        this.drawSite(lat, lon, name, kind, props);
        sites.push({ name, kind, lat, lon });
      }
    }
    const [x0, y0] = this.project(Math.min(...points.map((p) => p[1])), Math.min(...points.map((p) => p[0])));
    const [x1, y1] = this.project(Math.max(...points.map((p) => p[1])), Math.max(...points.map((p) => p[0])));
    if (points.length) this.portBox = [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
    this.fitPort();
    return { zones, sites };
  }

  /** Shows the whole port (its fence and area). */
  fitPort() {
    if (this.portBox) this.fit(this.portBox);
  }

  drawZone(geometry, name, kind) {
    const d = rings(geometry)
      .map((ring) => "M" + ring.map(([lon, lat]) => this.project(lat, lon).map((v) => v.toFixed(1)).join(" ")).join("L") + "Z")
      .join("");
    const g = el("g", { class: "zone-group" }, this.layers.zones);
    const path = el("path", { d, class: "zone", "data-testid": "zone", "data-kind": kind, "data-name": name, "fill-rule": "evenodd", "vector-effect": "non-scaling-stroke" }, g);
    const title = el("title", {}, path);
    title.textContent = `${name} (${kind.replace("_", " ")})`;
    if (kind === "fence") return;
    // The label at the centre of the outer ring's box: good enough for the port's shapes.
    const outer = rings(geometry)[0] || [];
    const xy = outer.map(([lon, lat]) => this.project(lat, lon));
    const cx = (Math.min(...xy.map((p) => p[0])) + Math.max(...xy.map((p) => p[0]))) / 2;
    const cy = (Math.min(...xy.map((p) => p[1])) + Math.max(...xy.map((p) => p[1]))) / 2;
    const lg = this.scaledGroup(g, cx, cy, { class: `zone-label kind-${kind}` });
    this.label(lg, name, 0, 4, "label zone-name");
  }

  drawCircleZone(lat, lon, radius, name, kind) {
    const [x, y] = this.project(lat, lon);
    const g = el("g", { class: "zone-group" }, this.layers.zones);
    const c = el("circle", { cx: x, cy: y, r: radius, class: "zone", "data-testid": "zone", "data-kind": kind, "data-name": name, "vector-effect": "non-scaling-stroke" }, g);
    el("title", {}, c).textContent = `${name} (${kind}, ${radius} m)`;
    const lg = this.scaledGroup(g, x, y + radius * 0.85, { class: `zone-label kind-${kind}` });
    this.label(lg, name, 0, 0, "label zone-name");
  }

  drawSite(lat, lon, name, kind, props) {
    const [x, y] = this.project(lat, lon);
    const layer = this.layers.sites;
    if (kind === "vessel") {
      // The hull at its real size and heading, and a name that stays readable.
      const len = props.length_m || 150;
      const beam = props.beam_m || 25;
      const hull = el("path", {
        d: `M0 ${-len / 2} L${beam / 2} ${-len / 2 + beam} L${beam / 2} ${len / 2} L${-beam / 2} ${len / 2} L${-beam / 2} ${-len / 2 + beam} Z`,
        transform: `translate(${x} ${y}) rotate(${props.heading_deg || 0})`,
        class: `vessel state-${props.state || "unknown"}`,
        "data-testid": "vessel",
        "data-name": name,
        "data-select": "site",
        "data-site": name,
        "vector-effect": "non-scaling-stroke",
      }, layer);
      el("title", {}, hull).textContent = `${name}${props.imo ? " · " + props.imo : ""} · ${props.state || ""}`;
      const g = this.scaledGroup(layer, x, y, { class: "site-label" });
      el("circle", { r: 2.5, class: "vessel-dot" }, g);
      this.label(g, name, 6, -4, "label vessel-name");
      return;
    }
    const g = this.scaledGroup(layer, x, y, { class: `site kind-${kind}`, "data-testid": `site-${kind}`, "data-name": name, "data-select": "site", "data-site": name });
    el("title", {}, g).textContent = `${name} (${kind.replace("_", " ")})`;
    if (kind === "launch") {
      el("circle", { r: 9, class: "pad" }, g);
      this.label(g, "H", 0, 4, "label pad-letter");
      this.label(g, name, 12, 4);
    } else if (kind === "rally") {
      el("path", { d: "M0 -9 L8 6 L-8 6 Z", class: "rally" }, g);
      this.label(g, "R", 0, 4, "label rally-letter");
      this.label(g, name, 11, 4);
    } else if (kind === "container_stack") {
      el("rect", { x: -5, y: -4, width: 10, height: 8, class: "stack" }, g);
    } else {
      el("circle", { r: 3.5, class: "site-dot" }, g);
      this.label(g, name, 6, 4, "label site-name");
    }
  }

  // ---- live layers ----

  /** Draws or moves vehicle `v` (a VehicleSnapshot); `selected` outlines it. */
  setVehicle(v, selected) {
    let entry = this.vehicles.get(v.sysid);
    if (!v.position) return;
    const [x, y] = this.project(v.position.lat, v.position.lon);
    if (!entry) {
      const colour = vehicleColour(v.sysid);
      const trail = el("polyline", { class: "trail", stroke: colour, "vector-effect": "non-scaling-stroke" }, this.layers.trails);
      const g = this.scaledGroup(this.layers.vehicles, x, y, { class: "vehicle-marker", "data-testid": `vehicle-marker-${v.sysid}`, "data-select": "vehicle", "data-sysid": v.sysid });
      const body = el("g", { class: "heading" }, g);
      el("circle", { r: 13, class: "halo" }, g);
      el("path", { d: "M0 -13 L9 10 L0 5 L-9 10 Z", fill: colour, class: "arrow" }, body);
      this.label(g, String(v.sysid), 0, 26, "label vehicle-label");
      entry = { g, body, trail, points: [] };
      this.vehicles.set(v.sysid, entry);
    }
    entry.g.dataset.x = x;
    entry.g.dataset.y = y;
    entry.g.setAttribute("transform", `translate(${x} ${y}) scale(${this.view.mpp})`);
    entry.body.setAttribute("transform", `rotate(${v.heading_deg ?? 0})`);
    entry.g.classList.toggle("selected", !!selected);
    entry.g.classList.toggle("stale", !(v.link && v.link.connected));
    entry.g.dataset.mode = v.mode;
    const last = entry.points[entry.points.length - 1];
    if (!last || Math.hypot(last[0] - x, last[1] - y) > 2) {
      entry.points.push([x, y]);
      if (entry.points.length > 600) entry.points.shift();
      entry.trail.setAttribute("points", entry.points.map((p) => p.map((n) => n.toFixed(1)).join(",")).join(" "));
    }
  }

  selectVehicle(sysid) {
    for (const [id, entry] of this.vehicles) entry.g.classList.toggle("selected", id === sysid);
  }

  /** The planned route ([{lat, lon}] or [[lat, lon]]), or null to clear it. */
  setRoute(route) {
    const layer = this.layers.route;
    layer.replaceChildren();
    if (!route || route.length === 0) return;
    const pts = route.map((p) => (Array.isArray(p) ? this.project(p[0], p[1]) : this.project(p.lat, p.lon)));
    el("polyline", {
      points: pts.map((p) => p.map((n) => n.toFixed(1)).join(",")).join(" "),
      class: "route",
      "data-testid": "plan-route",
      "data-points": pts.length,
      "vector-effect": "non-scaling-stroke",
    }, layer);
    const start = this.scaledGroup(layer, pts[0][0], pts[0][1], { class: "route-start" });
    el("circle", { r: 5 }, start);
  }

  /** Marks the points picked for a route or an orbit target. */
  setPicks(points) {
    const layer = this.layers.pick;
    layer.replaceChildren();
    points.forEach((p, i) => {
      const [x, y] = this.project(p.lat, p.lon);
      const g = this.scaledGroup(layer, x, y, { class: "pick", "data-testid": "pick" });
      el("circle", { r: 6 }, g);
      this.label(g, String(i + 1), 0, -9);
    });
  }

  /** A track (`key` = drone/track id) at its position; `lost` tracks are removed. */
  setTrack(key, t) {
    let entry = this.tracks.get(key);
    if (t.state === "lost") {
      if (entry) entry.g.remove();
      this.tracks.delete(key);
      return;
    }
    const [x, y] = this.project(t.lat, t.lon);
    if (!entry) {
      const g = this.scaledGroup(this.layers.tracks, x, y, { class: `track class-${t.class}`, "data-testid": "track-marker" });
      el("circle", { r: 6, class: "track-dot" }, g);
      const text = this.label(g, "", 9, 4, "label track-label");
      entry = { g, text };
      this.tracks.set(key, entry);
    }
    entry.g.dataset.x = x;
    entry.g.dataset.y = y;
    entry.g.setAttribute("transform", `translate(${x} ${y}) scale(${this.view.mpp})`);
    entry.text.textContent = `${t.class} #${t.track_id}`;
    entry.seen = Date.now();
  }

  /** One frame's detections of a drone: small crosses that fade (replaced by the next frame). */
  setDetections(droneId, detections) {
    for (const old of this.layers.detections.querySelectorAll(`[data-drone="${CSS.escape(droneId)}"]`)) old.remove();
    for (const d of detections) {
      if (d.lat == null || d.lon == null) continue;
      const [x, y] = this.project(d.lat, d.lon);
      const g = this.scaledGroup(this.layers.detections, x, y, { class: `detection class-${d.class}`, "data-testid": "detection-marker", "data-drone": droneId });
      el("path", { d: "M-4 -4 L4 4 M-4 4 L4 -4" }, g);
      el("title", {}, g).textContent = `${d.class} ${(d.score * 100).toFixed(0)} %`;
    }
  }

  /** Forgets tracks not updated for `maxAgeMs`. */
  expireTracks(maxAgeMs) {
    const now = Date.now();
    for (const [key, entry] of this.tracks) {
      if (now - entry.seen > maxAgeMs) {
        entry.g.remove();
        this.tracks.delete(key);
      }
    }
  }

  setAlert(alert) {
    let g = this.alerts.get(alert.alert_id);
    const [x, y] = this.project(alert.lat, alert.lon);
    if (!g) {
      g = this.scaledGroup(this.layers.alerts, x, y, { class: "alert-marker", "data-testid": "alert-marker", "data-select": "alert", "data-alert": alert.alert_id });
      el("path", { d: "M0 -10 L10 0 L0 10 L-10 0 Z" }, g);
      this.label(g, "!", 0, 4, "label alert-letter");
      el("title", {}, g);
      this.alerts.set(alert.alert_id, g);
    }
    g.dataset.x = x;
    g.dataset.y = y;
    g.setAttribute("transform", `translate(${x} ${y}) scale(${this.view.mpp})`);
    g.classList.toggle("acknowledged", !!alert.acknowledgement);
    g.dataset.severity = alert.severity;
    g.querySelector("title").textContent = alert.summary;
  }
}
