//! The report's map: survey area, fences, imaged coverage and gaps, planned route, flown track, photos, detections, alerts.
//!
//! Drawn in the style of `mission::preview` (same palette, halo labels, scale bar and north
//! arrow), north up and to scale, in one self-contained SVG document. `mission::preview` has no
//! way to add layers of its own (a flown track beside the planned route, coverage rasters,
//! detection and alert markers), so the drawing is done here with the same conventions. Every
//! layer is a `<g>` with an `id`, which the console can toggle and the tests check.

use std::fmt::Write as _;

use geo::Coord;
use mission::geodesy::LatLon;

use super::{Prepared, ReportSummary};
use crate::store::Severity;

const WIDTH: f64 = 1200.0;
const PAD: f64 = 20.0;
const TITLE_H: f64 = 48.0;
const INSET: f64 = 40.0;
const MAX_MAP_H: f64 = 800.0;
const MIN_EXTENT_M: f64 = 100.0;
/// Raster bands drawn at most: finer adds bytes, not information.
const MAX_BANDS: usize = 250;
const LEGEND_COLS: usize = 3;
const LEGEND_COL_W: f64 = 210.0;

const AREA: &str = r##"fill="#a6cee3" fill-opacity="0.35" stroke="#5b9bd5" stroke-width="2""##;
const INCLUSION: &str = r##"fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="8 5""##;
const EXCLUSION: &str = r##"fill="#e31a1c" fill-opacity="0.3" stroke="#e31a1c" stroke-width="2""##;
const COVERED: &str = r##"fill="#33a02c" fill-opacity="0.45""##;
const GAP: &str = r##"fill="#e31a1c" fill-opacity="0.55""##;
const PLANNED: &str =
    r##"fill="none" stroke="#0b3d91" stroke-width="2" stroke-dasharray="6 4" stroke-linejoin="round""##;
const FLOWN: &str = r##"fill="none" stroke="#ff7f00" stroke-width="2.5" stroke-linejoin="round""##;
const PHOTO: &str = r##"fill="#c2185b""##;
const DETECTION: &str = r##"fill="#6a3d9a" stroke="#ffffff" stroke-width="1.5""##;
const LABEL: &str = r##"font-size="11" paint-order="stroke" stroke="#ffffff" stroke-width="3""##;
const TEXT: &str = r#"font-size="12""#;

struct View {
    centre: Coord<f64>,
    scale: f64,
    frame_h: f64,
}

impl View {
    fn fit(points: &[Coord<f64>]) -> View {
        let (mut lo, mut hi) = (
            Coord {
                x: f64::MAX,
                y: f64::MAX,
            },
            Coord {
                x: f64::MIN,
                y: f64::MIN,
            },
        );
        for c in points.iter().filter(|c| c.x.is_finite() && c.y.is_finite()) {
            lo = Coord {
                x: lo.x.min(c.x),
                y: lo.y.min(c.y),
            };
            hi = Coord {
                x: hi.x.max(c.x),
                y: hi.y.max(c.y),
            };
        }
        if lo.x > hi.x {
            (lo, hi) = (Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 });
        }
        let ext = Coord {
            x: (hi.x - lo.x).max(MIN_EXTENT_M),
            y: (hi.y - lo.y).max(MIN_EXTENT_M),
        };
        let scale = ((WIDTH - 2.0 * (PAD + INSET)) / ext.x).min(MAX_MAP_H / ext.y);
        View {
            centre: Coord {
                x: (lo.x + hi.x) / 2.0,
                y: (lo.y + hi.y) / 2.0,
            },
            scale,
            frame_h: (hi.y - lo.y).max(MIN_EXTENT_M) * scale + 2.0 * INSET,
        }
    }

    fn px(&self, c: Coord<f64>) -> (f64, f64) {
        (
            WIDTH / 2.0 + (c.x - self.centre.x) * self.scale,
            TITLE_H + self.frame_h / 2.0 - (c.y - self.centre.y) * self.scale,
        )
    }
}

pub(super) fn render(p: &Prepared, summary: &ReportSummary) -> String {
    let local_ring = |r: &[LatLon]| {
        r.iter()
            .filter(|c| c.is_valid())
            .map(|c| p.local(*c))
            .collect::<Vec<_>>()
    };
    let areas: Vec<Vec<Vec<Coord<f64>>>> = p
        .area
        .iter()
        .map(|a| {
            std::iter::once(&a.exterior)
                .chain(&a.holes)
                .map(|r| local_ring(r))
                .collect()
        })
        .collect();
    let planned = local_ring(&p.planned_route);
    let flown: Vec<Coord<f64>> = p.track.iter().map(|t| p.local(t.lat_lon())).collect();
    let detections: Vec<(Coord<f64>, &str)> = p
        .input
        .detections
        .iter()
        .filter_map(|d| {
            d.position
                .filter(LatLon::is_valid)
                .map(|at| (p.local(at), d.class.as_str()))
        })
        .collect();
    let alerts: Vec<(Coord<f64>, Severity, &str, &str)> = p
        .input
        .alerts
        .iter()
        .filter(|a| a.position.is_valid())
        .map(|a| (p.local(a.position), a.severity, a.rule.as_str(), a.message.as_str()))
        .collect();
    // Frame what was planned and flown; fences reaching far beyond are clipped.
    let mut extent: Vec<Coord<f64>> = areas.iter().flatten().flatten().copied().collect();
    extent.extend(&planned);
    extent.extend(&flown);
    extent.extend(detections.iter().map(|d| d.0));
    extent.extend(alerts.iter().map(|a| a.0));
    let v = View::fit(&extent);

    let mut b = String::new();
    let (w, h) = (WIDTH - 2.0 * PAD, v.frame_h);
    let at = format!(r#"x="{PAD}" y="{TITLE_H}" width="{w}" height="{h:.1}""#);
    let _ = writeln!(
        b,
        r##"<clipPath id="map"><rect {at}/></clipPath><rect {at} fill="#f4f8fb" stroke="#bbbbbb"/>"##
    );
    let _ = writeln!(b, r#"<g clip-path="url(#map)">"#);
    layer(&mut b, "area", |s| {
        for rings in &areas {
            path(s, &v, rings, AREA);
        }
    });
    let fence = &p.input.plan.fence;
    layer(&mut b, "fence", |s| {
        for f in &fence.polygons {
            let style = if f.inclusion { INCLUSION } else { EXCLUSION };
            path(s, &v, &[local_ring(&f.vertices)], style);
        }
        for c in fence
            .circles
            .iter()
            .filter(|c| c.center.is_valid() && c.radius_m.is_finite())
        {
            let ((x, y), r) = (v.px(p.local(c.center)), c.radius_m.max(0.0) * v.scale);
            let style = if c.inclusion { INCLUSION } else { EXCLUSION };
            let _ = writeln!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" {style}/>"#);
        }
    });
    if let Some(r) = &p.raster {
        let k = r.ny.div_ceil(MAX_BANDS).max(1);
        for (id, covered, style) in [("coverage", true, COVERED), ("gaps", false, GAP)] {
            layer(&mut b, id, |s| {
                let _ = write!(s, "<path {style} d=\"");
                for j0 in (0..r.ny).step_by(k) {
                    let rows = k.min(r.ny - j0);
                    for (i0, i1) in r.runs(j0 + rows / 2, covered) {
                        let lo = r.cell_centre(i0, j0);
                        let (x0, y0) = v.px(Coord {
                            x: lo.x - r.cell_m / 2.0,
                            y: lo.y - r.cell_m / 2.0 + rows as f64 * r.cell_m,
                        });
                        let (wx, hy) = ((i1 - i0) as f64 * r.cell_m * v.scale, rows as f64 * r.cell_m * v.scale);
                        let _ = write!(s, "M{x0:.1},{y0:.1}h{wx:.1}v{hy:.1}h{:.1}z", -wx);
                    }
                }
                s.push_str("\"/>\n");
            });
        }
    }
    layer(&mut b, "planned-route", |s| polyline(s, &v, &planned, PLANNED));
    layer(&mut b, "flown-track", |s| polyline(s, &v, &flown, FLOWN));
    layer(&mut b, "photos", |s| {
        for ph in &p.photos {
            let (x, y) = v.px(p.local(LatLon::new(ph.lat, ph.lon)));
            let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="1.8" {PHOTO}/>"#);
        }
        s.push('\n');
    });
    layer(&mut b, "detections", |s| {
        for (at, class) in &detections {
            let (x, y) = v.px(*at);
            let _ = writeln!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="5" {DETECTION}><title>{}</title></circle>"#,
                esc(class)
            );
        }
    });
    layer(&mut b, "alerts", |s| {
        for (at, severity, rule, message) in &alerts {
            let (x, y) = v.px(*at);
            // The message shows on hover; the rule is written beside the symbol.
            let _ = write!(s, "<g><title>{}</title>", esc(message));
            s.push_str(&alert_symbol(x, y, *severity));
            text(s, x + 12.0, y + 4.0, LABEL, rule);
            s.push_str("</g>\n");
        }
    });
    layer(&mut b, "home", |s| {
        let (x, y) = v.px(p.local(p.input.plan.home.horizontal()));
        s.push_str(&home_symbol(x, y));
    });
    b.push_str("</g>\n");
    scale_bar_and_north(&mut b, &v);

    // The legend lists what this map shows, and nothing else.
    let gaps = p
        .raster
        .as_ref()
        .is_some_and(|r| (0..r.ny).any(|j| !r.runs(j, false).is_empty()));
    let imaged = p.raster.as_ref().is_some_and(|r| r.covered_fraction() > 0.0);
    let legend: Vec<(&str, String)> = [
        (
            !areas.is_empty(),
            "survey area",
            format!(r#"<rect width="24" height="13" {AREA}/>"#),
        ),
        (imaged, "imaged", format!(r#"<rect width="24" height="13" {COVERED}/>"#)),
        (gaps, "not imaged", format!(r#"<rect width="24" height="13" {GAP}/>"#)),
        (
            planned.len() > 1,
            "planned route",
            format!(r#"<line x1="0" y1="6.5" x2="24" y2="6.5" {PLANNED}/>"#),
        ),
        (
            true,
            "flown track",
            format!(r#"<line x1="0" y1="6.5" x2="24" y2="6.5" {FLOWN}/>"#),
        ),
        (
            !p.photos.is_empty(),
            "photo",
            format!(r#"<circle cx="12" cy="6.5" r="2" {PHOTO}/>"#),
        ),
        (
            !detections.is_empty(),
            "detection",
            format!(r#"<circle cx="12" cy="6.5" r="5" {DETECTION}/>"#),
        ),
        (!alerts.is_empty(), "alert", alert_symbol(12.0, 6.5, Severity::Critical)),
        (
            has_fence(fence, true),
            "fence (stay inside)",
            format!(r#"<rect width="24" height="13" {INCLUSION}/>"#),
        ),
        (
            has_fence(fence, false),
            "fence (keep out)",
            format!(r#"<rect width="24" height="13" {EXCLUSION}/>"#),
        ),
    ]
    .into_iter()
    .filter(|(shown, ..)| *shown)
    .map(|(_, label, swatch)| (label, swatch))
    .collect();
    let top = TITLE_H + v.frame_h + 16.0;
    let _ = writeln!(b, r#"<g id="legend">"#);
    for (i, (label, swatch)) in legend.iter().enumerate() {
        let x = PAD + (i % LEGEND_COLS) as f64 * LEGEND_COL_W;
        let y = top + (i / LEGEND_COLS) as f64 * 20.0;
        let _ = write!(b, r#"<g transform="translate({x},{y})">{swatch}</g>"#);
        text(&mut b, x + 32.0, y + 11.0, TEXT, label);
    }
    b.push_str("</g>\n");
    let notes = notes(summary);
    let nx = PAD + LEGEND_COLS as f64 * LEGEND_COL_W + 20.0;
    let notes_h = notes.len() as f64 * 16.0 + 12.0;
    let _ = writeln!(
        b,
        r##"<g id="summary"><rect x="{nx}" y="{top}" width="{:.0}" height="{notes_h}" rx="4" fill="#fafafa" stroke="#999999"/>"##,
        WIDTH - PAD - nx
    );
    for (i, line) in notes.iter().enumerate() {
        text(&mut b, nx + 10.0, top + 20.0 + i as f64 * 16.0, TEXT, line);
    }
    b.push_str("</g>\n");
    let legend_h = legend.len().div_ceil(LEGEND_COLS) as f64 * 20.0;
    let height = (top + legend_h.max(notes_h) + PAD).round();
    let size = format!(r#"width="{WIDTH}" height="{height}""#);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" {size} viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" fill="#222222">"##
    );
    let title = esc(&summary.title);
    let _ = writeln!(s, r##"<title>{title}</title><rect {size} fill="#ffffff"/>"##);
    text(
        &mut s,
        PAD,
        32.0,
        r#"font-size="20" font-weight="bold""#,
        &summary.title,
    );
    s + &b + "</svg>\n"
}

fn has_fence(fence: &mission::plan::GeoFence, inclusion: bool) -> bool {
    fence.polygons.iter().any(|f| f.inclusion == inclusion) || fence.circles.iter().any(|c| c.inclusion == inclusion)
}

fn notes(s: &ReportSummary) -> Vec<String> {
    let mut out = vec![
        format!(
            "Duration {} · distance {:.2} km",
            duration(s.duration_s),
            s.distance_m / 1000.0
        ),
        match s.coverage_pct {
            Some(c) => format!("Coverage {c:.1} % of {:.2} km² ({} photos)", s.area_m2 / 1e6, s.photos),
            None => format!("Coverage: no survey area ({} photos)", s.photos),
        },
    ];
    if let Some(used) = s.battery_used_pct {
        out.push(format!("Battery used {used:.0} %"));
    }
    out.push(format!(
        "{} detections · {} alerts ({} not acknowledged)",
        s.detections, s.alerts, s.alerts_unacknowledged
    ));
    out
}

fn duration(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn layer(b: &mut String, id: &str, draw: impl FnOnce(&mut String)) {
    let _ = writeln!(b, r#"<g id="{id}" class="layer">"#);
    draw(b);
    b.push_str("</g>\n");
}

fn path(s: &mut String, v: &View, rings: &[Vec<Coord<f64>>], style: &str) {
    let mut d = String::new();
    for ring in rings.iter().filter(|r| !r.is_empty()) {
        for (i, c) in ring.iter().enumerate() {
            let (x, y) = v.px(*c);
            let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
        }
        d.push_str("Z ");
    }
    if !d.is_empty() {
        let _ = writeln!(s, r#"<path fill-rule="evenodd" d="{}" {style}/>"#, d.trim_end());
    }
}

fn polyline(s: &mut String, v: &View, pts: &[Coord<f64>], style: &str) {
    if pts.is_empty() {
        return;
    }
    let p: Vec<String> = pts
        .iter()
        .map(|c| v.px(*c))
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = writeln!(s, r#"<polyline points="{}" {style}/>"#, p.join(" "));
}

fn alert_symbol(x: f64, y: f64, severity: Severity) -> String {
    let fill = match severity {
        Severity::Critical => "#d62728",
        Severity::Warning => "#ff9f40",
        Severity::Info => "#1f77b4",
    };
    let d = format!(
        "M{x:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z",
        y - 8.0,
        x + 8.0,
        y + 6.0,
        x - 8.0,
        y + 6.0
    );
    let mark = format!(
        r##"<text x="{x:.1}" y="{:.1}" font-size="10" font-weight="bold" text-anchor="middle" fill="#ffffff">!</text>"##,
        y + 4.5
    );
    format!(r##"<path d="{d}" fill="{fill}" stroke="#000000"/>{mark}"##)
}

fn home_symbol(x: f64, y: f64) -> String {
    format!(
        r##"<circle cx="{x:.1}" cy="{y:.1}" r="8" stroke="#000000" fill="#ffd400"/><text x="{x:.1}" y="{:.1}" font-size="10" font-weight="bold" text-anchor="middle">H</text>"##,
        y + 3.5
    )
}

fn scale_bar_and_north(s: &mut String, v: &View) {
    let metres = nice_length((WIDTH - 2.0 * (PAD + INSET)) / 5.0 / v.scale);
    let half = metres * v.scale / 2.0;
    let (x, y) = (PAD + 14.0, TITLE_H + v.frame_h - 14.0);
    let bar = format!(r##"y="{y}" width="{half:.1}" height="5" stroke="#000000""##);
    let _ = write!(s, r##"<g id="scale-bar"><rect x="{x}" {bar} fill="#000000"/>"##);
    let _ = write!(s, r##"<rect x="{:.1}" {bar} fill="#ffffff"/>"##, x + half);
    let label = if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    };
    text(s, x, y - 6.0, LABEL, &label);
    s.push_str("</g>\n");
    let (x, y) = (WIDTH - PAD - 26.0, TITLE_H + 12.0);
    let d = format!(
        "M{x},{y} L{},{} L{x},{} L{},{} Z",
        x + 8.0,
        y + 24.0,
        y + 18.0,
        x - 8.0,
        y + 24.0
    );
    let _ = write!(s, r#"<g id="north"><path d="{d}"/>"#);
    text(
        s,
        x,
        y + 38.0,
        r#"font-size="10" font-weight="bold" text-anchor="middle""#,
        "N",
    );
    s.push_str("</g>\n");
}

/// The largest 1, 2 or 5 × 10ⁿ metres not over `max_m`.
fn nice_length(max_m: f64) -> f64 {
    if !(max_m.is_finite() && max_m > 0.0) {
        return 1.0;
    }
    let pow = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .map(|m| m * pow)
        .into_iter()
        .find(|&l| l <= max_m)
        .unwrap_or(pow)
}

fn text(s: &mut String, x: f64, y: f64, attrs: &str, content: &str) {
    if !content.is_empty() {
        let _ = writeln!(s, r#"<text x="{x:.1}" y="{y:.1}" {attrs}>{}</text>"#, esc(content));
    }
}

/// XML escaping; characters XML 1.0 forbids are dropped (no escape makes them legal).
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
