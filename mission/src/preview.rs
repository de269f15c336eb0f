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
const HALO: &str =
    r##"paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round""##;
const DEFS: &str = r##"<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#ff8c00" fill-opacity="0.15"/><line x1="0" y1="0" x2="0" y2="8" stroke="#ff8c00" stroke-width="2.5" stroke-opacity="0.7"/></pattern></defs>"##;
const ROUTE_COLOUR: &str = "#0b3d91";
const ROUTE_STYLE: &str =
    r##"fill="none" stroke="#0b3d91" stroke-width="2.5" stroke-linejoin="round""##;
const LANE_STYLE: &str = r##"fill="none" stroke="#ffd92f" stroke-opacity="0.8" stroke-width="9" stroke-linecap="round""##;
const FOOTPRINT_STYLE: &str = r##"fill="#1f77b4" fill-opacity="0.08" stroke="#1f77b4" stroke-opacity="0.25" stroke-width="0.5""##;
const INCLUSION_STYLE: &str =
    r##"fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="8 5""##;
const EXCLUSION_STYLE: &str =
    r##"fill="#e31a1c" fill-opacity="0.3" stroke="#e31a1c" stroke-width="2""##;

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
    fn new(class: &'static str, style: &'static str, legend: &str, geom: Geom) -> Self {
        let legend = legend.to_string();
        Self {
            class,
            style,
            legend,
            geom,
        }
    }

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
        Some(View {
            frame,
            centre: (min + max) / 2.0,
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
        pts.iter()
            .filter(|p| p.is_valid())
            .map(|p| self.px(*p))
            .collect()
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
                let d = d.trim_end();
                let _ = writeln!(
                    s,
                    r#"<path class="{class}" fill-rule="evenodd" d="{d}" {style}/>"#
                );
            }
            Geom::Circle(c, r) if c.is_valid() && r.is_finite() => {
                let ((x, y), r) = (self.px(*c), r.max(0.0) * self.scale);
                let _ = writeln!(
                    s,
                    r#"<circle class="{class}" cx="{x:.1}" cy="{y:.1}" r="{r:.1}" {style}/>"#
                );
            }
            Geom::Line(pts) => {
                let pts = self.pxs(pts);
                let points: Vec<_> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let points = points.join(" ");
                let _ = writeln!(
                    s,
                    r#"<polyline class="{class}" points="{points}" {style}/>"#
                );
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
                marker_symbol(*kind, x, y, s);
                text(
                    s,
                    x + 12.0,
                    y + 4.0,
                    &format!(r#"font-size="11" {HALO}"#),
                    label,
                );
            }
            Geom::Label(at, name) if at.is_valid() => {
                let (x, y) = self.px(*at);
                let attrs =
                    format!(r#"class="{class}" font-size="11" text-anchor="middle" {HALO}"#);
                text(s, x, y, &attrs, name);
            }
            _ => {}
        }
    }

    fn scale_bar_and_north(&self, s: &mut String) {
        // About a fifth of the drawing wide, rounded down to 1, 2 or 5 times a power of ten.
        let metres = nice_length((WIDTH - 2.0 * (PAD + INSET)) / 5.0 / self.scale);
        let half = metres * self.scale / 2.0;
        let (x, y, xh) = (PAD + 14.0, TITLE_H + self.frame_h - 14.0, PAD + 14.0 + half);
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{half:.1}" height="5" fill="#000000"/><rect x="{xh:.1}" y="{y}" width="{half:.1}" height="5" fill="#ffffff" stroke="#000000"/>"##
        );
        let attrs = format!(r#"class="scale" font-size="12" {HALO}"#);
        text(s, x, y - 6.0, &attrs, &format_length(metres));
        let (x, y) = (WIDTH - PAD - 26.0, TITLE_H + 12.0);
        let (l, r, b) = (x - 8.0, x + 8.0, y + 24.0);
        let _ = write!(
            s,
            r##"<path class="north" d="M{x},{y} L{r},{b} L{x},{} L{l},{b} Z" fill="#222222"/>"##,
            y + 18.0
        );
        text(
            s,
            x,
            y + 38.0,
            r#"font-size="13" font-weight="bold" text-anchor="middle""#,
            "N",
        );
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
            self.marker(
                rally.position,
                &format!("Rally {}", i + 1),
                MarkerKind::Rally,
            );
        }
        for (at, n) in numbered {
            self.marker(at, "", MarkerKind::Waypoint(n));
        }
        self.marker(home, "Home", MarkerKind::Launch)
    }

    /// Everything to draw, bottom layer first.
    fn items(&self) -> Vec<Item> {
        let mut out = Vec::new();
        let mut zones: Vec<&Zone> = self.zones.iter().collect();
        zones.sort_by_key(|z| zone_layer(&z.kind));
        for z in &zones {
            let (style, legend) = (zone_style(&z.kind), z.kind.as_str().replace('_', " "));
            match &z.shape {
                ZoneShape::Polygons(mp) => out.extend(mp.iter().map(|p| {
                    let rings = std::iter::once(p.exterior()).chain(p.interiors());
                    let rings = rings.map(|r| r.coords().map(|c| LatLon::from_coord(*c)).collect());
                    Item::new("zone", style, &legend, Geom::Rings(rings.collect()))
                })),
                ZoneShape::Circle { center, radius_m } => {
                    out.push(Item::new(
                        "zone",
                        style,
                        &legend,
                        Geom::Circle(*center, *radius_m),
                    ));
                }
            }
        }
        // Labels after every zone, so that no later zone covers one.
        for z in zones.iter().filter(|z| !z.name.is_empty()) {
            let at = match &z.shape {
                ZoneShape::Polygons(mp) => mp.interior_point().map(|p| LatLon::new(p.y(), p.x())),
                ZoneShape::Circle { center, .. } => Some(*center),
            };
            out.extend(at.map(|at| Item::new("label", "", "", Geom::Label(at, z.name.clone()))));
        }
        if !self.footprints.is_empty() {
            let quads = self.footprints.iter().map(|q| q.to_vec()).collect();
            out.push(Item::new(
                "footprints",
                FOOTPRINT_STYLE,
                "camera footprint",
                Geom::Rings(quads),
            ));
        }
        for f in &self.fences {
            let style = |inclusion| match inclusion {
                true => (INCLUSION_STYLE, "fence (stay inside)"),
                false => (EXCLUSION_STYLE, "fence (keep out)"),
            };
            for p in &f.polygons {
                let ((style, legend), geom) =
                    (style(p.inclusion), Geom::Rings(vec![p.vertices.clone()]));
                out.push(Item::new("fence", style, legend, geom));
            }
            for c in &f.circles {
                let ((style, legend), geom) =
                    (style(c.inclusion), Geom::Circle(c.center, c.radius_m));
                out.push(Item::new("fence", style, legend, geom));
            }
        }
        for (a, b) in &self.lanes {
            out.push(Item::new(
                "lane",
                LANE_STYLE,
                "photo lane",
                Geom::Line(vec![*a, *b]),
            ));
        }
        for r in &self.routes {
            out.push(Item::new(
                "route",
                ROUTE_STYLE,
                "flight path",
                Geom::Line(r.clone()),
            ));
        }
        if !self.triggers.is_empty() {
            let dots = Geom::Dots(self.triggers.clone());
            out.push(Item::new("triggers", "", "camera trigger", dots));
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
            out.push(Item::new(
                "marker",
                "",
                legend,
                Geom::Marker(*at, *kind, label.clone()),
            ));
        }
        out
    }

    /// The complete SVG document.
    pub fn render(&self) -> String {
        let items = self.items();
        let extent: Vec<_> = items
            .iter()
            .flat_map(Item::extent)
            .filter(|(p, _)| p.is_valid())
            .collect();
        let mut body = String::new();
        let view = View::fit(&extent);
        if let Some(v) = &view {
            let (c, w, h) = (v.frame.origin(), WIDTH - 2.0 * PAD, v.frame_h);
            let centre = format!("centre {:.5}°, {:.5}°", c.lat, c.lon);
            text(
                &mut body,
                WIDTH - PAD,
                32.0,
                r##"font-size="11" fill="#666666" text-anchor="end""##,
                &centre,
            );
            let _ = writeln!(
                body,
                r##"{DEFS}<rect x="{PAD}" y="{TITLE_H}" width="{w}" height="{h:.1}" fill="#f4f8fb" stroke="#bbbbbb"/>"##
            );
            items.iter().for_each(|item| v.draw(item, &mut body));
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
            let x = PAD + (i % LEGEND_COLS) as f64 * 210.0;
            let (y, style) = (top + (i / LEGEND_COLS) as f64 * 20.0, item.style);
            let (x2, ym) = (x + 24.0, y + 6.5);
            let _ = match &item.geom {
                Geom::Line(_) => write!(
                    body,
                    r#"<line x1="{x}" y1="{ym}" x2="{x2}" y2="{ym}" {style}/>"#
                ),
                Geom::Dots(_) => write!(
                    body,
                    r##"<circle cx="{}" cy="{ym}" r="2" fill="#c2185b"/>"##,
                    x + 12.0
                ),
                Geom::Marker(_, kind, _) => Ok(marker_symbol(*kind, x + 12.0, ym, &mut body)),
                _ => write!(
                    body,
                    r#"<rect x="{x}" y="{y}" width="24" height="13" {style}/>"#
                ),
            };
            text(
                &mut body,
                x + 32.0,
                y + 11.0,
                r#"font-size="12""#,
                &item.legend,
            );
        }
        let notes_h = if self.notes.is_empty() {
            0.0
        } else {
            self.notes.len() as f64 * 16.0 + 12.0
        };
        if !self.notes.is_empty() {
            let x = if legend.is_empty() {
                PAD
            } else {
                PAD + LEGEND_COLS as f64 * 210.0 + 20.0
            };
            let w = WIDTH - PAD - x;
            let _ = writeln!(
                body,
                r##"<rect class="caption" x="{x}" y="{top}" width="{w}" height="{notes_h}" rx="4" fill="#fafafa" stroke="#999999"/>"##
            );
            for (i, line) in self.notes.iter().enumerate() {
                text(
                    &mut body,
                    x + 10.0,
                    top + 20.0 + i as f64 * 16.0,
                    r#"font-size="12""#,
                    line,
                );
            }
        }
        let legend_h = legend.len().div_ceil(LEGEND_COLS) as f64 * 20.0;
        let height = (top + legend_h.max(notes_h) + PAD).round();
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" fill=\"#222222\">\n<title>{}</title>\n<rect width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>\n",
            esc(&self.title)
        );
        text(
            &mut s,
            PAD,
            32.0,
            r#"font-size="20" font-weight="bold""#,
            &self.title,
        );
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
            let (ux, uy, mx, my) = (
                (x1 - x0) / len,
                (y1 - y0) / len,
                (x0 + x1) / 2.0,
                (y0 + y1) / 2.0,
            );
            let (bx, by) = (mx - 5.0 * ux, my - 5.0 * uy);
            let (tx, ty) = (mx + 6.0 * ux, my + 6.0 * uy);
            let (lx, ly, rx, ry) = (bx - 5.0 * uy, by + 5.0 * ux, bx + 5.0 * uy, by - 5.0 * ux);
            let _ = write!(d, "M{tx:.1},{ty:.1} L{lx:.1},{ly:.1} L{rx:.1},{ry:.1} Z ");
        }
    }
    if !d.is_empty() {
        let d = d.trim_end();
        let _ = writeln!(s, r#"<path class="arrows" d="{d}" fill="{ROUTE_COLOUR}"/>"#);
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
        ZoneKind::Area => {
            r##"fill="#d9d9d9" fill-opacity="0.6" stroke="#9e9e9e" stroke-width="1""##
        }
        ZoneKind::Anchorage => {
            r##"fill="#a6cee3" fill-opacity="0.6" stroke="#5b9bd5" stroke-width="1""##
        }
        ZoneKind::Berth | ZoneKind::Quay => {
            r##"fill="#5a5a5a" fill-opacity="0.85" stroke="#333333" stroke-width="1""##
        }
        ZoneKind::ContainerYard => {
            r##"fill="#d2b48c" fill-opacity="0.8" stroke="#a0825a" stroke-width="1""##
        }
        ZoneKind::Restricted => r##"fill="url(#hatch)" stroke="#ff8c00" stroke-width="1.5""##,
        ZoneKind::Exclusion => EXCLUSION_STYLE,
        ZoneKind::Fence => INCLUSION_STYLE,
        ZoneKind::Other(_) => {
            r##"fill="#c9b8e0" fill-opacity="0.5" stroke="#8c6bb1" stroke-width="1""##
        }
    }
}

fn marker_symbol(kind: MarkerKind, x: f64, y: f64, s: &mut String) {
    let (fill, letter) = match kind {
        MarkerKind::Launch => ("#ffd400", "H".to_string()),
        MarkerKind::Rally => ("#ff9f40", "R".to_string()),
        MarkerKind::Waypoint(n) => ("#ffffff", n.to_string()),
        MarkerKind::Vessel => {
            let (l, r, t, b) = (x - 9.0, x + 9.0, y - 3.0, y + 5.0);
            let (bl, br) = (x - 5.0, x + 5.0);
            let d = format!("M{l:.1},{t:.1} L{r:.1},{t:.1} L{br:.1},{b:.1} L{bl:.1},{b:.1} Z");
            let _ = write!(
                s,
                r##"<path class="marker" d="{d}" fill="#1a237e" stroke="#ffffff"/>"##
            );
            return;
        }
        MarkerKind::Entry => {
            let (l, r, t, b) = (x - 6.0, x + 8.0, y - 7.0, y + 7.0);
            let d = format!("M{l:.1},{t:.1} L{r:.1},{y:.1} L{l:.1},{b:.1} Z");
            let _ = write!(
                s,
                r##"<path class="marker" d="{d}" fill="#2ca02c" stroke="#000000"/>"##
            );
            return;
        }
        MarkerKind::Exit => {
            let (l, t) = (x - 6.0, y - 6.0);
            let _ = write!(
                s,
                r##"<rect class="marker" x="{l:.1}" y="{t:.1}" width="12" height="12" fill="#d62728" stroke="#000000"/>"##
            );
            return;
        }
    };
    let _ = write!(
        s,
        r##"<circle class="marker" cx="{x:.1}" cy="{y:.1}" r="8" fill="{fill}" stroke="#000000"/>"##
    );
    // Numbers of three digits and more get a smaller font to stay inside the circle.
    let size = if letter.len() > 2 { 7.0 } else { 10.0 };
    let attrs = format!(r#"font-size="{size}" font-weight="bold" text-anchor="middle""#);
    text(s, x, y + size * 0.35, &attrs, &letter);
}

/// A `<text>` element; empty text writes nothing.
fn text(s: &mut String, x: f64, y: f64, attrs: &str, content: &str) {
    if !content.is_empty() {
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{y:.1}" {attrs}>{}</text>"#,
            esc(content)
        );
    }
}

/// The largest 1, 2 or 5 × 10ⁿ metres not over `max_m`.
fn nice_length(max_m: f64) -> f64 {
    if !(max_m.is_finite() && max_m > 0.0) {
        return 1.0;
    }
    let pow = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|&l| l <= max_m)
        .unwrap_or(pow)
}

fn format_length(m: f64) -> String {
    if m >= 1000.0 {
        format!("{} km", m / 1000.0)
    } else {
        format!("{m} m")
    }
}

/// XML text and attribute escaping; characters XML 1.0 forbids outright are dropped, because
/// no escape makes them legal and one stray control character would make the file unreadable.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use geo::{LineString, MultiPolygon, Polygon};
    use quick_xml::Reader;
    use quick_xml::events::Event;

    use super::*;
    use crate::geodesy::Geodetic;
    use crate::plan::{FenceCircle, FencePolygon, RallyPoint};

    type Element = (String, Vec<(String, String)>);

    const BASE: LatLon = LatLon::new(51.95, 4.05);

    fn at(east: f64, north: f64) -> LatLon {
        LocalFrame::at(BASE).from_local(Vector2::new(east, north))
    }

    fn square(x: f64, y: f64, size: f64) -> Vec<LatLon> {
        let corners = [(x, y), (x + size, y), (x + size, y + size), (x, y + size)];
        corners.iter().map(|&(e, n)| at(e, n)).collect()
    }

    fn poly(outer: Vec<LatLon>, holes: Vec<Vec<LatLon>>) -> Polygon<f64> {
        let ring =
            |r: Vec<LatLon>| LineString::from_iter(r.iter().chain(&r[..1]).map(|p| p.to_coord()));
        Polygon::new(ring(outer), holes.into_iter().map(ring).collect())
    }

    fn zone(name: &str, kind: ZoneKind, shape: ZoneShape) -> Zone {
        let properties = serde_json::Map::new();
        Zone {
            name: name.into(),
            kind,
            shape,
            properties,
        }
    }

    /// Every layer; four zone shapes: an area with a hole, two berths and a circle.
    fn sample() -> Preview {
        let area = poly(square(0.0, 0.0, 1000.0), vec![square(400.0, 400.0, 200.0)]);
        let berths = vec![
            poly(square(100.0, 100.0, 100.0), vec![]),
            poly(square(700.0, 100.0, 100.0), vec![]),
        ];
        let jetty = ZoneShape::Circle {
            center: at(800.0, 800.0),
            radius_m: 80.0,
        };
        let zones = [
            zone(
                "Port area",
                ZoneKind::Area,
                ZoneShape::Polygons(MultiPolygon::new(vec![area])),
            ),
            zone(
                "A & B <1>",
                ZoneKind::Berth,
                ZoneShape::Polygons(MultiPolygon::new(berths)),
            ),
            zone("Fuel jetty", ZoneKind::Exclusion, jetty),
        ];
        let fence = GeoFence {
            polygons: vec![FencePolygon {
                inclusion: true,
                vertices: square(-100.0, -100.0, 1200.0),
            }],
            circles: vec![FenceCircle {
                inclusion: false,
                center: at(200.0, 800.0),
                radius_m: 50.0,
            }],
            max_alt_m: Some(120.0),
        };
        let legs = [
            (0.0, 0.0),
            (100.0, 300.0),
            (900.0, 300.0),
            (900.0, 500.0),
            (100.0, 500.0),
            (0.0, 0.0),
        ];
        let route: Vec<LatLon> = legs.iter().map(|&(e, n)| at(e, n)).collect();
        let mut p = Preview::new("Harbour <patrol> & survey");
        p.zones(&zones)
            .footprints(&[[
                at(100.0, 280.0),
                at(140.0, 280.0),
                at(140.0, 320.0),
                at(100.0, 320.0),
            ]])
            .fence(&fence)
            .lanes(&[(route[1], route[2]), (route[3], route[4])])
            .route(&route)
            .triggers(&[at(300.0, 300.0), at(500.0, 300.0)])
            .marker(at(0.0, 0.0), "Launch", MarkerKind::Launch)
            .marker(at(950.0, 950.0), "MV \"Ever\" 's", MarkerKind::Vessel)
            .marker(at(600.0, -50.0), "Gate", MarkerKind::Entry)
            .marker(at(1000.0, -50.0), "Out", MarkerKind::Exit)
            .note("Path 2.4 km & 3 min");
        p
    }

    /// Every element with its attributes, failing the test on the first XML error.
    fn elements(svg: &str) -> Vec<Element> {
        let (mut reader, mut out) = (Reader::from_str(svg), Vec::new());
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => return out,
                Ok(Event::Start(e) | Event::Empty(e)) => {
                    let attrs = e.attributes().map(|a| {
                        let a = a.expect("attribute");
                        let value = a.unescape_value().expect("value").into_owned();
                        (String::from_utf8_lossy(a.key.as_ref()).into_owned(), value)
                    });
                    out.push((
                        String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                        attrs.collect(),
                    ));
                }
                Ok(_) => {}
                Err(e) => panic!("invalid XML at {}: {e}\n{svg}", reader.buffer_position()),
            }
        }
    }

    fn attr<'a>(el: &'a Element, key: &str) -> Option<&'a str> {
        el.1.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn class<'a>(els: &'a [Element], class: &str) -> Vec<&'a Element> {
        els.iter()
            .filter(|e| attr(e, "class") == Some(class))
            .collect()
    }

    fn numbers(text: &str) -> Vec<f64> {
        let tokens = text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'));
        tokens
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().expect("number"))
            .collect()
    }

    #[test]
    fn parses_as_xml_with_title_and_escaped_names() {
        let svg = sample().render();
        assert_eq!(elements(&svg)[0].0, "svg");
        assert!(svg.contains("<title>Harbour &lt;patrol&gt; &amp; survey</title>"));
        assert!(svg.contains("A &amp; B &lt;1&gt;") && !svg.contains("A & B"));
        assert!(
            svg.contains("MV &quot;Ever&quot; &apos;s") && svg.contains("Path 2.4 km &amp; 3 min")
        );
        assert_eq!(esc("a\u{1}b\tc"), "ab\tc");
    }

    #[test]
    fn one_shape_per_zone_polygon_with_holes_and_a_legend_of_what_is_present() {
        let svg = sample().render();
        let els = elements(&svg);
        let zones = class(&els, "zone");
        assert_eq!(zones.len(), 4);
        assert_eq!(zones.iter().filter(|e| e.0 == "circle").count(), 1);
        // The area's hole is a second ring of the same even-odd path.
        let area = zones
            .iter()
            .find(|e| attr(e, "fill") == Some("#d9d9d9"))
            .expect("area");
        assert_eq!(attr(area, "d").map(|d| d.matches('M').count()), Some(2));
        assert_eq!(attr(area, "fill-rule"), Some("evenodd"));
        assert_eq!(class(&els, "label").len(), 3);
        for present in [
            "berth",
            "fence (keep out)",
            "photo lane",
            "vessel",
            "exit",
            "camera trigger",
        ] {
            assert!(svg.contains(&format!(">{present}</text>")), "{present}");
        }
        assert!(!svg.contains(">anchorage</text>") && !svg.contains(">rally point</text>"));
    }

    #[test]
    fn route_has_one_pair_per_point_and_direction_arrows() {
        let els = elements(&sample().render());
        let route = class(&els, "route");
        let pairs: Vec<_> = attr(route[0], "points")
            .expect("points")
            .split_whitespace()
            .collect();
        assert_eq!(pairs.len(), 6);
        assert!(
            pairs
                .iter()
                .all(|p| p.split(',').filter_map(|n| n.parse::<f64>().ok()).count() == 2)
        );
        // All five legs are long enough for an arrowhead.
        let arrows = class(&els, "arrows");
        assert_eq!(
            attr(arrows[0], "d").map(|d| d.matches('M').count()),
            Some(5)
        );
    }

    #[test]
    fn scale_bar_is_a_round_length() {
        let els = elements(&sample().render());
        assert_eq!(class(&els, "scale").len(), 1);
        let svg = sample().render();
        let label = svg
            .split("class=\"scale\"")
            .nth(1)
            .and_then(|t| t.split(['>', '<']).nth(1));
        assert_eq!(label, Some("200 m"), "1080 px for 1.2 km: a fifth is 240 m");
        assert_eq!(
            [730.0, 1999.0, 2000.0, 0.3].map(nice_length),
            [500.0, 1000.0, 2000.0, 0.2]
        );
        assert_eq!(
            (format_length(2000.0), format_length(50.0)),
            ("2 km".into(), "50 m".into())
        );
    }

    #[test]
    fn coordinates_lie_inside_the_view_box() {
        let mut p = sample();
        // A marker far to the north makes the picture tall and narrow; it must still fit.
        p.marker(at(0.0, 20_000.0), "far", MarkerKind::Rally);
        let els = elements(&p.render());
        let view_box = numbers(attr(&els[0], "viewBox").expect("viewBox"));
        let (w, h, mut checked) = (view_box[2], view_box[3], 0);
        for (k, v) in els.iter().flat_map(|e| &e.1) {
            let pairs = match k.as_str() {
                "x" | "cx" | "x1" | "x2" => vec![numbers(v)[0], 0.0],
                "y" | "cy" | "y1" | "y2" => vec![0.0, numbers(v)[0]],
                "points" | "d" => numbers(v),
                _ => continue,
            };
            for xy in pairs.chunks(2) {
                assert!(
                    (0.0..=w).contains(&xy[0]) && (0.0..=h).contains(&xy[1]),
                    "{k}={v}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn empty_preview_is_just_the_title_and_bad_points_are_skipped() {
        let svg = Preview::new("Nothing yet").render();
        let els = elements(&svg);
        assert!(
            els.iter()
                .all(|e| ["svg", "title", "rect", "text"].contains(&e.0.as_str()))
        );
        assert_eq!(els.iter().filter(|e| e.0 == "text").count(), 1);
        assert!(svg.contains(">Nothing yet</text>"));
        let mut p = Preview::new("bad");
        p.route(&[BASE, LatLon::new(f64::NAN, 4.0), at(500.0, 0.0)]);
        let svg = p
            .marker(LatLon::new(95.0, 0.0), "off the globe", MarkerKind::Entry)
            .render();
        let els = elements(&svg);
        assert_eq!(
            attr(class(&els, "route")[0], "points").map(|p| p.split(' ').count()),
            Some(2)
        );
        assert!(!svg.contains("NaN") && !svg.contains("inf") && !svg.contains("off the globe"));
    }

    #[test]
    fn plan_draws_route_fence_rally_and_home() {
        let mut plan = Plan::new(Geodetic::new(BASE.lat, BASE.lon, 5.0));
        plan.elements = vec![
            PlanElement::Item(MissionItem::Takeoff {
                position: None,
                alt_m: 30.0,
            }),
            PlanElement::Item(MissionItem::waypoint(at(400.0, 0.0), 30.0)),
            PlanElement::Item(MissionItem::waypoint(at(400.0, 400.0), 30.0)),
            PlanElement::Item(MissionItem::ReturnToLaunch),
        ];
        plan.rally = vec![RallyPoint {
            position: at(-100.0, 100.0),
            alt_m: 30.0,
        }];
        plan.fence.circles.push(FenceCircle {
            inclusion: true,
            center: BASE,
            radius_m: 800.0,
        });
        let svg = Preview::new("Patrol").plan(&plan).render();
        let els = elements(&svg);
        let points = attr(class(&els, "route")[0], "points").map(|p| p.split(' ').count());
        assert_eq!(points, Some(4), "home, two waypoints, home again");
        assert!(svg.contains(">Home</text>") && svg.contains(">Rally 1</text>"));
        assert!(
            svg.contains(">2</text>") && svg.contains(">3</text>"),
            "numbered as mission items"
        );
        assert_eq!(class(&els, "fence").len(), 1);
    }
}
