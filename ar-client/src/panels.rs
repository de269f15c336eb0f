//! What the inspector sees about a container, as text panels placed around its door.
//!
//! Pure: a packet (and the examination so far) in, panels of lines out, each with its place on
//! the door in metres. The renderer draws them; tests read them without a GPU.

use customs::InspectionPacket;
use customs::inspection::{AnswerValue, RiskLevel, Role};

use crate::checklist::ChecklistSession;

/// How a line should stand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Heading,
    Muted,
    Warning,
    Alert,
    Good,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub tone: Tone,
}

fn line(text: impl Into<String>, tone: Tone) -> Line {
    Line {
        text: plain(&text.into()),
        tone,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelKind {
    Container,
    Seals,
    Goods,
    PartiesRoute,
    Risk,
    Evidence,
    Checklist,
}

/// Where a panel hangs, in the door's frame: metres right of the door's centre line, metres
/// above the ground, and its size in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub kind: PanelKind,
    pub title: String,
    pub lines: Vec<Line>,
    pub placement: Placement,
}

impl Panel {
    /// All its text, for logs and tests.
    pub fn text(&self) -> String {
        let mut out = self.title.clone();
        for l in &self.lines {
            out.push('\n');
            out.push_str(&l.text);
        }
        out
    }
}

/// Panels around a door 2.34 m wide and 2.28 m high (ISO door opening): the container and risk
/// on the doors at eye height, goods and parties to the right, seals and evidence to the left,
/// the checklist below the risk.
pub fn layout(kind: PanelKind) -> Placement {
    let p = |x, y, width, height| Placement { x, y, width, height };
    match kind {
        PanelKind::Container => p(-0.60, 2.10, 1.14, 0.58),
        PanelKind::Seals => p(0.60, 2.10, 1.14, 0.58),
        PanelKind::Risk => p(0.0, 1.38, 2.34, 0.80),
        PanelKind::Checklist => p(0.0, 0.52, 2.34, 0.86),
        PanelKind::Goods => p(2.05, 1.62, 1.60, 1.36),
        PanelKind::PartiesRoute => p(2.05, 0.50, 1.60, 0.84),
        PanelKind::Evidence => p(-2.05, 1.40, 1.60, 1.10),
    }
}

/// The panel font covers ASCII and Latin-1: typographic signs the station writes become their
/// plain forms instead of empty boxes.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '×' => 'x',
            '–' | '—' | '−' => '-',
            '‘' | '’' => '\'',
            '“' | '”' => '"',
            '≥' => '>',
            '≤' => '<',
            c => c,
        })
        .collect()
}

fn kg(v: Option<f64>) -> String {
    v.map(|k| format!("{k:.0} kg")).unwrap_or_else(|| "? kg".into())
}

/// Every panel for the packet, filled with the examination's state.
pub fn panels(session: &ChecklistSession) -> Vec<Panel> {
    let p = session.packet();
    [
        container_panel(p),
        risk_panel(p),
        checklist_panel(session),
        seals_panel(session),
        goods_panel(p),
        parties_panel(p),
        evidence_panel(p),
    ]
    .into_iter()
    .map(|(kind, title, lines)| Panel {
        kind,
        title,
        lines,
        placement: layout(kind),
    })
    .collect()
}

type Content = (PanelKind, String, Vec<Line>);

fn container_panel(p: &InspectionPacket) -> Content {
    let c = &p.container;
    let mut lines = vec![line(c.number.clone(), Tone::Heading)];
    if let Some(problem) = &c.number_problem {
        lines.push(line(format!("check digit: {problem}"), Tone::Alert));
    }
    // The description starts with the code itself ("45G1: 40 ft long, ...").
    lines.push(line(
        c.size_type_description
            .clone()
            .or_else(|| c.size_type.clone())
            .unwrap_or_else(|| "size/type unknown".into()),
        Tone::Normal,
    ));
    lines.push(line(
        format!("tare {}  gross {}", kg(c.tare_kg), kg(c.gross_kg)),
        Tone::Muted,
    ));
    (PanelKind::Container, "CONTAINER".into(), lines)
}

fn risk_panel(p: &InspectionPacket) -> Content {
    let Some(risk) = &p.risk else {
        return (
            PanelKind::Risk,
            "RISK".into(),
            vec![line("No risk assessment for this container", Tone::Muted)],
        );
    };
    let (level, tone) = match risk.level {
        RiskLevel::High => ("HIGH", Tone::Alert),
        RiskLevel::Medium => ("MEDIUM", Tone::Warning),
        RiskLevel::Low => ("LOW", Tone::Good),
    };
    let mut lines = vec![line(format!("Risk {:.0}/100 {level}", risk.score), tone)];
    // Three reasons fit at a readable size; the packet lists them largest first.
    for r in risk.reasons.iter().take(3) {
        let tone = if r.weight > 0.0 { Tone::Warning } else { Tone::Muted };
        lines.push(line(format!("- {}", r.text), tone));
    }
    (PanelKind::Risk, "RISK".into(), lines)
}

fn checklist_panel(s: &ChecklistSession) -> Content {
    let (done, required) = s.progress();
    let mut lines = Vec::new();
    // A window of three items around the cursor: the panel stays readable at arm's length.
    let start = s.cursor().saturating_sub(1);
    for (i, item) in s.items().iter().enumerate().skip(start).take(3) {
        let answer = match s.answer_of(&item.id) {
            Some(AnswerValue::YesNo(true)) => "yes".to_string(),
            Some(AnswerValue::YesNo(false)) => "no".to_string(),
            Some(AnswerValue::Count(n)) => n.to_string(),
            Some(AnswerValue::Text(t)) if t.is_empty() => "-".to_string(),
            Some(AnswerValue::Text(t)) => t.clone(),
            None => "...".to_string(),
        };
        let marker = if i == s.cursor() { ">" } else { " " };
        let tone = if i == s.cursor() { Tone::Heading } else { Tone::Normal };
        lines.push(line(format!("{marker} {} [{answer}]", item.question), tone));
    }
    (PanelKind::Checklist, format!("CHECKLIST {done}/{required}"), lines)
}

fn seals_panel(s: &ChecklistSession) -> Content {
    let p = s.packet();
    let mut lines: Vec<Line> = p
        .seals_declared
        .iter()
        .map(|seal| {
            let seen = s.observed_seals.iter().any(|o| o.eq_ignore_ascii_case(&seal.number));
            let state = if s.observed_seals.is_empty() {
                "not checked"
            } else if seen {
                "seen"
            } else {
                "NOT SEEN"
            };
            line(
                format!("{} ({state})", seal.number),
                if seen || s.observed_seals.is_empty() {
                    Tone::Normal
                } else {
                    Tone::Alert
                },
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push(line("none declared", Tone::Muted));
    }
    for o in &s.observed_seals {
        if !p.seals_declared.iter().any(|d| d.number.eq_ignore_ascii_case(o)) {
            lines.push(line(format!("{o} on door, not declared"), Tone::Alert));
        }
    }
    (PanelKind::Seals, "SEALS".into(), lines)
}

fn goods_panel(p: &InspectionPacket) -> Content {
    let mut lines = Vec::new();
    for g in &p.goods {
        let hs =
            g.hs.as_ref()
                .map(|h| format!("HS {} {}", h.display, h.description))
                .or_else(|| g.hs_problem.clone().map(|e| format!("HS ? ({e})")))
                .unwrap_or_else(|| "HS not declared".into());
        let packages = g
            .packages
            .as_ref()
            .map(|p| {
                format!(
                    "{} {}",
                    p.count,
                    p.kind_text.clone().or(p.kind.clone()).unwrap_or_default()
                )
            })
            .unwrap_or_default();
        lines.push(line(g.description.clone(), Tone::Heading));
        lines.push(line(hs, if g.hs.is_some() { Tone::Normal } else { Tone::Warning }));
        lines.push(line(format!("{packages}  {}", kg(g.gross_kg)), Tone::Muted));
        if let Some(d) = &g.dangerous {
            lines.push(line(format!("dangerous goods: {d:?}"), Tone::Alert));
        }
    }
    if lines.is_empty() {
        lines.push(line("no goods declared (empty?)", Tone::Warning));
    }
    (PanelKind::Goods, "GOODS".into(), lines)
}

fn parties_panel(p: &InspectionPacket) -> Content {
    let mut lines = Vec::new();
    for party in &p.parties {
        let role = match party.role {
            Role::Carrier => "carrier",
            Role::Consignor => "consignor",
            Role::Consignee => "consignee",
            Role::NotifyParty => "notify",
        };
        let country = party.party.country.clone().unwrap_or_default();
        lines.push(line(format!("{role}: {} {country}", party.party.name), Tone::Normal));
    }
    let vessel = p.vessel.name.clone().unwrap_or_else(|| "vessel ?".into());
    let ports = |l: &Option<customs::manifest::UnLocode>| l.as_ref().map(|u| u.0.clone()).unwrap_or("?".into());
    lines.push(line(
        format!(
            "{vessel} {}: {} -> {}",
            p.voyage_number.clone().unwrap_or_default(),
            ports(&p.departure_port),
            ports(&p.arrival_port)
        ),
        Tone::Muted,
    ));
    for r in &p.routes {
        lines.push(line(
            format!(
                "{}: {} -> {}",
                r.bill_of_lading,
                ports(&r.route.loading),
                ports(&r.route.delivery.clone().or(r.route.discharge.clone()))
            ),
            Tone::Muted,
        ));
    }
    (PanelKind::PartiesRoute, "PARTIES AND ROUTE".into(), lines)
}

fn evidence_panel(p: &InspectionPacket) -> Content {
    let mut lines = Vec::new();
    for e in p.evidence.iter().take(5) {
        let age = crate::now_ms().saturating_sub(e.time) / 60_000;
        lines.push(line(
            format!(
                "{} by {} {age} min ago at {:.5}, {:.5}{}",
                e.class,
                e.drone_id.clone().unwrap_or_else(|| "drone".into()),
                e.lat,
                e.lon,
                if e.snapshot_id.is_some() { " (photo)" } else { "" }
            ),
            Tone::Normal,
        ));
    }
    if lines.is_empty() {
        lines.push(line("no drone observation near the stack", Tone::Muted));
    }
    (PanelKind::Evidence, "DRONE EVIDENCE".into(), lines)
}
