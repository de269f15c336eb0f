//! The report as one HTML page (summary table and the map inline), for the console to link to.

use std::fmt::Write as _;

use super::ReportSummary;
use super::map::esc;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}\
th{background:#f4f8fb}svg{max-width:100%;height:auto}.warn{color:#b00}";

/// A self-contained page: no script, no stylesheet or picture fetched from anywhere.
pub fn html_page(summary: &ReportSummary, svg: &str) -> String {
    let title = esc(&summary.title);
    let mut rows: Vec<(&str, String)> = vec![
        (
            "Duration",
            format!("{:.0} s ({:.1} min)", summary.duration_s, summary.duration_s / 60.0),
        ),
        (
            "Distance flown",
            format!(
                "{:.2} km (planned {:.2} km)",
                summary.distance_m / 1000.0,
                summary.planned_distance_m / 1000.0
            ),
        ),
        (
            "Coverage",
            match summary.coverage_pct {
                Some(c) => format!(
                    "{c:.1} % of {:.3} km² ({:?})",
                    summary.area_m2 / 1e6,
                    summary.coverage_source
                ),
                None => "no survey area".to_string(),
            },
        ),
        ("Photos", summary.photos.to_string()),
        ("Highest", format!("{:.0} m above home", summary.max_alt_m)),
    ];
    let pct = |v: Option<f64>| v.map_or("unknown".to_string(), |v| format!("{v:.0} %"));
    rows.push((
        "Battery",
        format!(
            "{} → {} (used {})",
            pct(summary.battery_start_pct),
            pct(summary.battery_end_pct),
            pct(summary.battery_used_pct)
        ),
    ));
    let classes: Vec<String> = summary
        .detections_by_class
        .iter()
        .map(|(c, n)| format!("{c}: {n}"))
        .collect();
    rows.push(("Detections", format!("{} ({})", summary.detections, classes.join(", "))));
    rows.push((
        "Alerts",
        format!(
            "{} ({} not acknowledged)",
            summary.alerts, summary.alerts_unacknowledged
        ),
    ));
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head>\n<body>\n<h1>{title}</h1>\n<table id=\"summary\">\n"
    );
    for (k, v) in rows {
        let _ = writeln!(page, "<tr><th>{k}</th><td>{}</td></tr>", esc(&v));
    }
    page.push_str("</table>\n");
    for w in &summary.warnings {
        let _ = writeln!(page, "<p class=\"warn\">{}</p>", esc(w));
    }
    // Inline SVG: the XML declaration is only allowed at the start of a document.
    let body = svg
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .unwrap_or(svg);
    page.push_str("<figure id=\"map\">\n");
    page.push_str(body);
    page.push_str("</figure>\n");
    let json = serde_json::to_string_pretty(summary).unwrap_or_default();
    let _ = write!(
        page,
        "<details><summary>Summary as JSON</summary><pre id=\"summary-json\">{}</pre></details>\n</body></html>\n",
        esc(&json)
    );
    page
}
