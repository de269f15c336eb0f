//! Static SVG pictures of plans (zones, fences, footprints, routes, markers), north up, to scale.

use std::fmt::Write as _;

use geo::InteriorPoint;
use nalgebra::Vector2;

use crate::area::{Zone, ZoneKind, ZoneShape};
use crate::geodesy::{LatLon, LocalFrame};
use crate::plan::{GeoFence, MissionItem, Plan, PlanElement};

// Layout, px. Writing to a String cannot fail, so `write!`'s results are ignored throughout.
const WIDTH: f64 = 1200.0;
const PAD: f64 = 20.0;
const TITLE_H: f64 = 48.0;
/// Space between the frame and the drawing, so markers, labels and arrows at the edge stay inside.
const INSET: f64 = 40.0;
const MAX_MAP_H: f64 = 900.0;
/// Smallest drawing height: a thin east-west route still leaves room for the scale bar.
const MIN_MAP_H: f64 = 240.0;
/// Smallest extent shown, metres: a single point still gets a sensible zoom and scale bar.
const MIN_EXTENT_M: f64 = 100.0;
const LEGEND_COLS: usize = 3;
const LEGEND_COL_W: f64 = 210.0;
const DEFS: &str = r##"<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#ff8c00" fill-opacity="0.15"/><line x1="0" y1="0" x2="0" y2="8" stroke="#ff8c00" stroke-width="2.5" stroke-opacity="0.7"/></pattern></defs>"##;
const ROUTE: &str = r##"fill="none" stroke="#0b3d91" stroke-width="2.5" stroke-linejoin="round""##;
const LANE: &str = r##"fill="none" stroke="#ffd92f" stroke-opacity="0.8" stroke-width="9" stroke-linecap="round""##;
const FOOTPRINT: &str =
    r##"fill="#1f77b4" fill-opacity="0.08" stroke="#1f77b4" stroke-opacity="0.25" stroke-width="0.5""##;
const INCLUSION: &str = r##"fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="8 5""##;
const EXCLUSION: &str = r##"fill="#e31a1c" fill-opacity="0.3" stroke="#e31a1c" stroke-width="2""##;
const FRAME: &str = r##"fill="#f4f8fb" stroke="#bbbbbb""##;
const CAPTION: &str = r##"rx="4" fill="#fafafa" stroke="#999999""##;
const DOT: &str = r##"fill="#c2185b""##;
const DOCUMENT: &str = r##"font-family="sans-serif" fill="#222222""##;
const TITLE: &str = r#"font-size="20" font-weight="bold""#;
const OUTLINE: &str = r##"stroke="#000000""##;
// Text styles; labels on the map get a white halo so that they stay readable on any fill.
const TEXT: &str = r#"font-size="12""#;
const LABEL: &str = r##"font-size="11" paint-order="stroke" stroke="#ffffff" stroke-width="3""##;
const ZONE_LABEL: &str =
    r##"class="label" font-size="11" text-anchor="middle" paint-order="stroke" stroke="#ffffff" stroke-width="3""##;
const SYMBOL: &str = r#"font-size="10" font-weight="bold" text-anchor="middle""#;

/// What a point marker stands for; each kind has its own symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    /// Launch / home: "H" in a yellow circle, as QGroundControl draws it.
    Launch,
    Rally,
    Vessel,
    Entry,
    Exit,
    /// A numbered mission item.
    Waypoint(usize),
}

/// A picture built layer by layer; [`Preview::render`] fits every layer into one frame.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    title: String,
    zones: Vec<Zone>,
    fences: Vec<GeoFence>,
    footprints: Vec<[LatLon; 4]>,
    routes: Vec<Vec<LatLon>>,
    lanes: Vec<(LatLon, LatLon)>,
    triggers: Vec<LatLon>,
    markers: Vec<(LatLon, String, MarkerKind)>,
    notes: Vec<String>,
}

enum Geom {
    Rings(Vec<Vec<LatLon>>),
    Circle(LatLon, f64),
    Line(Vec<LatLon>),
    Dots(Vec<LatLon>),
    Marker(LatLon, MarkerKind, String),
    Label(LatLon, String),
}

/// One thing to draw, still in degrees, so that the frame can be fitted to all of them first.
struct Item {
    class: &'static str,
    style: &'static str,
    /// Legend text; empty for none.
    legend: String,
    geom: Geom,
}

impl Item {
    /// Positions that must fit in the picture, each with the radius around it that must too.
    fn extent(&self) -> Vec<(LatLon, f64)> {
        match &self.geom {
            Geom::Rings(rings) => rings.iter().flatten().map(|p| (*p, 0.0)).collect(),
            Geom::Circle(c, r) => vec![(*c, if r.is_finite() { r.max(0.0) } else { 0.0 })],
            Geom::Line(pts) | Geom::Dots(pts) => pts.iter().map(|p| (*p, 0.0)).collect(),
            Geom::Marker(p, ..) | Geom::Label(p, _) => vec![(*p, 0.0)],
        }
    }
}

/// The projection from degrees to pixels.
struct View {
    frame: LocalFrame,
    centre: Vector2<f64>,
    scale: f64,
    frame_h: f64,
}

impl View {
    fn fit(points: &[(LatLon, f64)]) -> Option<View> {
        let first = points.first()?.0;
        let (mut lo, mut hi) = (first, first);
        for (p, _) in points {
            lo = LatLon::new(lo.lat.min(p.lat), lo.lon.min(p.lon));
            hi = LatLon::new(hi.lat.max(p.lat), hi.lon.max(p.lon));
        }
        let mid = LatLon::new((lo.lat + hi.lat) / 2.0, (lo.lon + hi.lon) / 2.0);
        let frame = LocalFrame::at(mid);
        let (mut min, mut max) = (Vector2::repeat(f64::MAX), Vector2::repeat(f64::MIN));
        for (p, r) in points {
            let v = frame.to_local(*p);
            min = min.inf(&v.add_scalar(-r));
            max = max.sup(&v.add_scalar(*r));
        }
        let ext = max - min;
        let fit_w = (WIDTH - 2.0 * (PAD + INSET)) / ext.x.max(MIN_EXTENT_M);
        let scale = fit_w.min(MAX_MAP_H / ext.y.max(MIN_EXTENT_M));
        let frame_h = (ext.y * scale).max(MIN_MAP_H) + 2.0 * INSET;
        let centre = (min + max) / 2.0;
        Some(View {
            frame,
            centre,
            scale,
            frame_h,
        })
    }

    fn px(&self, p: LatLon) -> (f64, f64) {
        let v = (self.frame.to_local(p) - self.centre) * self.scale;
        (WIDTH / 2.0 + v.x, TITLE_H + self.frame_h / 2.0 - v.y)
    }

    /// Pixels of the points that are coordinates at all; the rest are left out, not drawn at NaN.
    fn pxs(&self, pts: &[LatLon]) -> Vec<(f64, f64)> {
        let valid = pts.iter().filter(|p| p.is_valid());
        valid.map(|p| self.px(*p)).collect()
    }

    fn draw(&self, item: &Item, s: &mut String) {
        let (class, style) = (item.class, item.style);
        match &item.geom {
            Geom::Rings(rings) => {
                let mut d = String::new();
                for ring in rings.iter().map(|r| self.pxs(r)).filter(|r| !r.is_empty()) {
                    for (i, (x, y)) in ring.iter().enumerate() {
                        let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
                    }
                    d.push_str("Z ");
                }
                let (d, rule) = (d.trim_end(), r#"fill-rule="evenodd""#);
                let _ = writeln!(s, r#"<path class="{class}" {rule} d="{d}" {style}/>"#);
            }
            Geom::Circle(c, r) if c.is_valid() && r.is_finite() => {
                let ((x, y), r) = (self.px(*c), r.max(0.0) * self.scale);
                let at = format!(r#"cx="{x:.1}" cy="{y:.1}" r="{r:.1}""#);
                let _ = writeln!(s, r#"<circle class="{class}" {at} {style}/>"#);
            }
            Geom::Line(pts) => {
                let pts = self.pxs(pts);
                let p: Vec<_> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let p = p.join(" ");
                let _ = writeln!(s, r#"<polyline class="{class}" points="{p}" {style}/>"#);
                if class == "route" {
                    arrows(&pts, s);
                }
            }
            Geom::Dots(pts) => {
                let _ = write!(s, r##"<g class="{class}" fill="#c2185b">"##);
                for (x, y) in self.pxs(pts) {
                    let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="1.5"/>"#);
                }
                s.push_str("</g>\n");
            }
            Geom::Marker(at, kind, label) if at.is_valid() => {
                let (x, y) = self.px(*at);
                s.push_str(&marker_symbol(*kind, x, y));
                text(s, x + 12.0, y + 4.0, LABEL, label);
            }
            Geom::Label(at, name) if at.is_valid() => {
                let (x, y) = self.px(*at);
                text(s, x, y, ZONE_LABEL, name);
            }
            _ => {}
        }
    }

    fn scale_bar_and_north(&self, s: &mut String) {
        // About a fifth of the drawing wide, rounded down to 1, 2 or 5 times a power of ten.
        let metres = nice_length((WIDTH - 2.0 * (PAD + INSET)) / 5.0 / self.scale);
        let half = metres * self.scale / 2.0;
        let (x, y, xh) = (PAD + 14.0, TITLE_H + self.frame_h - 14.0, PAD + 14.0 + half);
        let bar = format!(r#"y="{y}" width="{half:.1}" height="5" {OUTLINE}"#);
        let _ = write!(s, r##"<rect x="{x}" {bar} fill="#000000"/>"##);
        let _ = write!(s, r##"<rect x="{xh:.1}" {bar} fill="#ffffff"/>"##);
        let _ = write!(s, r#"<text class="scale" x="{x}" y="{}" {LABEL}>"#, y - 6.0);
        let _ = writeln!(s, "{}</text>", format_length(metres));
        let (x, y) = (WIDTH - PAD - 26.0, TITLE_H + 12.0);
        let (l, r, b, m) = (x - 8.0, x + 8.0, y + 24.0, y + 18.0);
        let d = format!("M{x},{y} L{r},{b} L{x},{m} L{l},{b} Z");
        let _ = write!(s, r#"<path class="north" d="{d}"/>"#);
        text(s, x, y + 38.0, SYMBOL, "N");
    }
}

impl Preview {
    pub fn new(title: &str) -> Self {
        let title = title.to_string();
        Self {
            title,
            ..Self::default()
        }
    }

    pub fn zones(&mut self, zones: &[Zone]) -> &mut Self {
        self.zones.extend_from_slice(zones);
        self
    }

    pub fn fence(&mut self, fence: &GeoFence) -> &mut Self {
        self.fences.push(fence.clone());
        self
    }

    /// Camera footprints on the ground, corner by corner.
    pub fn footprints(&mut self, quads: &[[LatLon; 4]]) -> &mut Self {
        self.footprints.extend_from_slice(quads);
        self
    }

    /// One flight path; each call adds another.
    pub fn route(&mut self, points: &[LatLon]) -> &mut Self {
        self.routes.push(points.to_vec());
        self
    }

    pub fn lanes(&mut self, lanes: &[(LatLon, LatLon)]) -> &mut Self {
        self.lanes.extend_from_slice(lanes);
        self
    }

    pub fn triggers(&mut self, pts: &[LatLon]) -> &mut Self {
        self.triggers.extend_from_slice(pts);
        self
    }

    /// A symbol with a label beside it (an empty label draws none).
    pub fn marker(&mut self, at: LatLon, label: &str, kind: MarkerKind) -> &mut Self {
        self.markers.push((at, label.to_string(), kind));
        self
    }

    /// One line of the caption box.
    pub fn note(&mut self, line: &str) -> &mut Self {
        self.notes.push(line.to_string());
        self
    }

    /// The route from home through every item that flies somewhere (back home on return to
    /// launch), the fence, rally points, numbered stand-alone waypoints and home.
    pub fn plan(&mut self, plan: &Plan) -> &mut Self {
        let home = plan.home.horizontal();
        let (mut route, mut numbered, mut seq) = (vec![home], Vec::new(), 0);
        for element in &plan.elements {
            for item in element.items() {
                seq += 1;
                let at = match item {
                    MissionItem::ReturnToLaunch => Some(home),
                    MissionItem::Land { position } => *position,
                    _ => item.target().map(|(p, _)| p),
                };
                route.extend(at);
                // Survey transects have hundreds of points; numbering them would bury the picture.
                if let (PlanElement::Item(_), Some((at, _))) = (element, item.target()) {
                    numbered.push((at, seq));
                }
            }
        }
        self.route(&route).fence(&plan.fence);
        for (i, rally) in plan.rally.iter().enumerate() {
            let label = format!("Rally {}", i + 1);
            self.marker(rally.position, &label, MarkerKind::Rally);
        }
        for (at, n) in numbered {
            self.marker(at, "", MarkerKind::Waypoint(n));
        }
        self.marker(home, "Home", MarkerKind::Launch)
    }

    /// Everything to draw, bottom layer first.
    fn items(&self) -> Vec<Item> {
        let mut out = Vec::new();
        let mut add = |class, style, legend: &str, geom| {
            let legend = legend.to_string();
            out.push(Item {
                class,
                style,
                legend,
                geom,
            });
        };
        let mut zones: Vec<&Zone> = self.zones.iter().collect();
        zones.sort_by_key(|z| zone_layer(&z.kind));
        for z in &zones {
            let (style, legend) = (zone_style(&z.kind), z.kind.as_str().replace('_', " "));
            match &z.shape {
                ZoneShape::Polygons(mp) => mp.iter().for_each(|p| {
                    let rings = std::iter::once(p.exterior()).chain(p.interiors());
                    let rings = rings.map(|r| r.coords().map(|c| LatLon::from_coord(*c)).collect());
                    add("zone", style, &legend, Geom::Rings(rings.collect()))
                }),
                ZoneShape::Circle { center, radius_m } => {
                    let circle = Geom::Circle(*center, *radius_m);
                    add("zone", style, &legend, circle)
                }
            }
        }
        // Labels after every zone, so that no later zone covers one.
        for z in zones.iter().filter(|z| !z.name.is_empty()) {
            let at = match &z.shape {
                ZoneShape::Polygons(mp) => mp.interior_point().map(|p| LatLon::new(p.y(), p.x())),
                ZoneShape::Circle { center, .. } => Some(*center),
            };
            if let Some(at) = at {
                add("label", "", "", Geom::Label(at, z.name.clone()));
            }
        }
        if !self.footprints.is_empty() {
            let quads = Geom::Rings(self.footprints.iter().map(|q| q.to_vec()).collect());
            add("footprints", FOOTPRINT, "camera footprint", quads);
        }
        let fence_style = |inclusion| match inclusion {
            true => (INCLUSION, "fence (stay inside)"),
            false => (EXCLUSION, "fence (keep out)"),
        };
        for f in &self.fences {
            for p in &f.polygons {
                let (style, legend) = fence_style(p.inclusion);
                let geom = Geom::Rings(vec![p.vertices.clone()]);
                add("fence", style, legend, geom);
            }
            for c in &f.circles {
                let (style, legend) = fence_style(c.inclusion);
                let geom = Geom::Circle(c.center, c.radius_m);
                add("fence", style, legend, geom);
            }
        }
        for (a, b) in &self.lanes {
            add("lane", LANE, "photo lane", Geom::Line(vec![*a, *b]));
        }
        for r in &self.routes {
            add("route", ROUTE, "flight path", Geom::Line(r.clone()));
        }
        if !self.triggers.is_empty() {
            let dots = Geom::Dots(self.triggers.clone());
            add("triggers", "", "camera trigger", dots);
        }
        for (at, label, kind) in &self.markers {
            let legend = match kind {
                MarkerKind::Launch => "launch",
                MarkerKind::Rally => "rally point",
                MarkerKind::Vessel => "vessel",
                MarkerKind::Entry => "entry",
                MarkerKind::Exit => "exit",
                MarkerKind::Waypoint(_) => "waypoint",
            };
            let geom = Geom::Marker(*at, *kind, label.clone());
            add("marker", "", legend, geom);
        }
        out
    }

    /// The complete SVG document.
    pub fn render(&self) -> String {
        let items = self.items();
        // Frame the plan, not the whole port: zones reaching far beyond it (an airport's
        // control zone) are clipped to the frame instead of shrinking the plan to a speck.
        let is_zone = |i: &&Item| matches!(i.class, "zone" | "label") || i.style == EXCLUSION;
        let framed: Vec<&Item> = match items.iter().any(|i| !is_zone(&i)) {
            true => items.iter().filter(|i| !is_zone(i)).collect(),
            false => items.iter().collect(),
        };
        let extent: Vec<_> = framed.iter().flat_map(|i| i.extent()).collect();
        let valid: Vec<_> = extent.into_iter().filter(|(p, _)| p.is_valid()).collect();
        let view = View::fit(&valid);
        let mut body = String::new();
        if let Some(v) = &view {
            let (c, w, h) = (v.frame.origin(), WIDTH - 2.0 * PAD, v.frame_h);
            let centre = format!("centre {:.5}°, {:.5}°", c.lat, c.lon);
            let end = r##"font-size="11" fill="#666666" text-anchor="end""##;
            text(&mut body, WIDTH - PAD, 32.0, end, &centre);
            let at = format!(r#"x="{PAD}" y="{TITLE_H}" width="{w}" height="{h:.1}""#);
            let _ = writeln!(
                body,
                "{DEFS}<clipPath id=\"map\"><rect {at}/></clipPath><rect {at} {FRAME}/>"
            );
            let _ = writeln!(body, r#"<g clip-path="url(#map)">"#);
            items.iter().for_each(|item| v.draw(item, &mut body));
            body.push_str("</g>\n");
            v.scale_bar_and_north(&mut body);
        }
        // The legend lists what is drawn, once per kind, with the symbol it is drawn with.
        let mut legend: Vec<&Item> = Vec::new();
        for item in items.iter().filter(|i| !i.legend.is_empty()) {
            if !legend.iter().any(|l| l.legend == item.legend) {
                legend.push(item);
            }
        }
        let top = TITLE_H + view.as_ref().map_or(0.0, |v| v.frame_h + 16.0);
        for (i, item) in legend.iter().enumerate() {
            let x = PAD + (i % LEGEND_COLS) as f64 * LEGEND_COL_W;
            let (y, style) = (top + (i / LEGEND_COLS) as f64 * 20.0, item.style);
            let (xm, x2, ym) = (x + 12.0, x + 24.0, y + 6.5);
            let line = format!(r#"x1="{x}" y1="{ym}" x2="{x2}" y2="{ym}""#);
            let swatch = match &item.geom {
                Geom::Line(_) => format!(r#"<line {line} {style}/>"#),
                Geom::Dots(_) => format!(r#"<circle cx="{xm}" cy="{ym}" r="2" {DOT}/>"#),
                Geom::Marker(_, kind, _) => marker_symbol(*kind, xm, ym),
                _ => format!(r#"<rect x="{x}" y="{y}" width="24" height="13" {style}/>"#),
            };
            body.push_str(&swatch);
            text(&mut body, x + 32.0, y + 11.0, TEXT, &item.legend);
        }
        let lines = self.notes.len() as f64;
        // 12 px of padding round the lines, and no box at all without notes.
        let notes_h = lines * 16.0 + 12.0 * lines.min(1.0);
        if lines > 0.0 {
            let x = match legend.is_empty() {
                true => PAD,
                false => PAD + LEGEND_COLS as f64 * LEGEND_COL_W + 20.0,
            };
            let (w, h) = (WIDTH - PAD - x, notes_h);
            let at = format!(r#"x="{x}" y="{top}" width="{w}" height="{h}""#);
            let _ = writeln!(body, r#"<rect class="caption" {at} {CAPTION}/>"#);
            for (i, line) in self.notes.iter().enumerate() {
                let y = top + 20.0 + i as f64 * 16.0;
                text(&mut body, x + 10.0, y, TEXT, line);
            }
        }
        let legend_h = legend.len().div_ceil(LEGEND_COLS) as f64 * 20.0;
        let height = (top + legend_h.max(notes_h) + PAD).round();
        let size = format!(r#"width="{WIDTH}" height="{height}""#);
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = write!(s, r#"<svg xmlns="http://www.w3.org/2000/svg" {size} "#);
        let _ = writeln!(s, r#"viewBox="0 0 {WIDTH} {height}" {DOCUMENT}>"#);
        let title = esc(&self.title);
        let _ = writeln!(s, r##"<title>{title}</title><rect {size} fill="#fff"/>"##);
        text(&mut s, PAD, 32.0, TITLE, &self.title);
        s + &body + "</svg>\n"
    }
}

/// An arrowhead at the middle of each leg long enough to hold one, pointing the way flown.
fn arrows(pts: &[(f64, f64)], s: &mut String) {
    let mut d = String::new();
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let len = (x1 - x0).hypot(y1 - y0);
        if len >= 40.0 {
            let (ux, uy) = ((x1 - x0) / len, (y1 - y0) / len);
            let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let (bx, by) = (mx - 5.0 * ux, my - 5.0 * uy);
            let (tx, ty) = (mx + 6.0 * ux, my + 6.0 * uy);
            let (lx, ly, rx, ry) = (bx - 5.0 * uy, by + 5.0 * ux, bx + 5.0 * uy, by - 5.0 * ux);
            let _ = write!(d, "M{tx:.1},{ty:.1} L{lx:.1},{ly:.1} L{rx:.1},{ry:.1} Z ");
        }
    }
    if !d.is_empty() {
        let d = d.trim_end();
        let _ = writeln!(s, r##"<path class="arrows" d="{d}" fill="#0b3d91"/>"##);
    }
}

/// Broad areas at the bottom, so that berths, restrictions and fences on them stay visible.
fn zone_layer(kind: &ZoneKind) -> u8 {
    match kind {
        ZoneKind::Area | ZoneKind::Other(_) => 0,
        ZoneKind::Anchorage => 1,
        ZoneKind::ContainerYard => 2,
        ZoneKind::Berth | ZoneKind::Quay => 3,
        ZoneKind::Restricted => 4,
        ZoneKind::Exclusion => 5,
        ZoneKind::Fence => 6,
    }
}

fn zone_style(kind: &ZoneKind) -> &'static str {
    match kind {
        ZoneKind::Area => r##"fill="#d9d9d9" fill-opacity="0.6" stroke="#9e9e9e""##,
        ZoneKind::Anchorage => r##"fill="#a6cee3" fill-opacity="0.6" stroke="#5b9bd5""##,
        ZoneKind::Berth | ZoneKind::Quay => r##"fill="#5a5a5a" fill-opacity="0.85" stroke="#333""##,
        ZoneKind::ContainerYard => r##"fill="#d2b48c" fill-opacity="0.8" stroke="#a0825a""##,
        ZoneKind::Restricted => r##"fill="url(#hatch)" stroke="#ff8c00" stroke-width="1.5""##,
        ZoneKind::Exclusion => EXCLUSION,
        ZoneKind::Fence => INCLUSION,
        ZoneKind::Other(_) => r##"fill="#c9b8e0" fill-opacity="0.5" stroke="#8c6bb1""##,
    }
}

fn marker_symbol(kind: MarkerKind, x: f64, y: f64) -> String {
    let (l, r, t, b) = (x - 6.0, x + 6.0, y - 6.0, y + 6.0);
    let (fill, letter) = match kind {
        MarkerKind::Launch => ("#ffd400", "H".to_string()),
        MarkerKind::Rally => ("#ff9f40", "R".to_string()),
        MarkerKind::Waypoint(n) => ("#ffffff", n.to_string()),
        MarkerKind::Vessel => {
            // A hull: wide deck, narrower keel.
            let (dl, dr, k) = (x - 9.0, x + 9.0, y + 5.0);
            let d = format!("M{dl:.1},{t:.1} L{dr:.1},{t:.1} L{r:.1},{k:.1} L{l:.1},{k:.1} Z");
            return format!(r##"<path class="marker" d="{d}" fill="#1a237e"/>"##);
        }
        MarkerKind::Entry => {
            let d = format!("M{l:.1},{t:.1} L{:.1},{y:.1} L{l:.1},{b:.1} Z", r + 2.0);
            return format!(r##"<path class="marker" d="{d}" {OUTLINE} fill="#2ca02c"/>"##);
        }
        MarkerKind::Exit => {
            let at = format!(r#"x="{l:.1}" y="{t:.1}" width="12" height="12""#);
            return format!(r##"<rect class="marker" {at} {OUTLINE} fill="#d62728"/>"##);
        }
    };
    let at = format!(r#"cx="{x:.1}" cy="{y:.1}" r="8""#);
    let mut s = format!(r#"<circle class="marker" {at} {OUTLINE} fill="{fill}"/>"#);
    // Numbers of three digits and more get a smaller font to stay inside the circle.
    let (size, dy) = [(10, 3.5), (7, 2.5)][usize::from(letter.len() > 2)];
    let attrs = format!(r#"font-size="{size}" font-weight="bold" text-anchor="middle""#);
    text(&mut s, x, y + dy, &attrs, &letter);
    s
}

/// A `<text>` element; empty text writes nothing.
fn text(s: &mut String, x: f64, y: f64, attrs: &str, content: &str) {
    if !content.is_empty() {
        let content = esc(content);
        let _ = writeln!(s, r#"<text x="{x:.1}" y="{y:.1}" {attrs}>{content}</text>"#);
    }
}

/// The largest 1, 2 or 5 × 10ⁿ metres not over `max_m`.
fn nice_length(max_m: f64) -> f64 {
    if !(max_m.is_finite() && max_m > 0.0) {
        return 1.0;
    }
    let pow = 10f64.powf(max_m.log10().floor());
    let nice = [5.0, 2.0, 1.0].map(|m| m * pow);
    nice.into_iter().find(|&l| l <= max_m).unwrap_or(pow)
}

fn format_length(m: f64) -> String {
    match m >= 1000.0 {
        true => format!("{} km", m / 1000.0),
        false => format!("{m} m"),
    }
}

/// XML escaping. Characters XML 1.0 forbids outright are dropped: no escape makes them legal,
/// and one stray control character in a zone name would make the whole file unreadable.
fn esc(text: &str) -> String {
    let forbidden = |c: &char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let legal: String = text.chars().filter(|c| !forbidden(c)).collect();
    quick_xml::escape::escape(legal).into_owned()
}

#[cfg(test)]
mod tests;
