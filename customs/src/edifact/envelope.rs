//! The EDIFACT envelope: the interchange (UNB ... UNZ) and its messages (UNH ... UNT), with
//! their control counts and references checked.

use serde::{Deserialize, Serialize};

use super::error::{EdiError, Warning};
use super::syntax::{Delimiters, Position, Segment, lex};

/// The message identifier of a UNH (S009): type, version, release, agency, association code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageId {
    pub message_type: String,
    pub version: String,
    pub release: String,
    pub agency: String,
    pub association: Option<String>,
}

impl MessageId {
    /// Directory as usually written, e.g. `D95B`.
    pub fn directory(&self) -> String {
        format!("{}{}", self.version, self.release)
    }
}

/// One message: its header, body segments (between UNH and UNT) and trailer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub reference: String,
    pub id: MessageId,
    pub header: Segment,
    pub body: Vec<Segment>,
    pub trailer: Segment,
}

/// A whole interchange; bare messages without UNB/UNZ are accepted with a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interchange {
    pub delimiters: Delimiters,
    /// UNB, when present.
    pub header: Option<Segment>,
    pub messages: Vec<Message>,
    /// Control problems (UNT/UNZ counts and references) and envelope gaps; never silent.
    pub warnings: Vec<Warning>,
}

impl Interchange {
    /// Reads and checks the envelope. Control-count and reference mismatches are warnings
    /// (a real sample has a wrong UNT count); [`Interchange::strict`] turns them into errors.
    pub fn parse(text: &str) -> Result<Interchange, EdiError> {
        let lexed = lex(text)?;
        if lexed.segments.is_empty() {
            return Err(EdiError::Empty);
        }
        let mut warnings = Vec::new();
        let mut header = None;
        let mut trailer: Option<Segment> = None;
        let mut messages = Vec::new();
        let mut open: Option<(Segment, Vec<Segment>)> = None;
        for mut seg in lexed.segments {
            if let Some(unz) = &trailer {
                return Err(EdiError::UnexpectedSegment {
                    tag: seg.tag,
                    pos: seg.pos,
                    reason: format!("after the UNZ at {}", unz.pos),
                });
            }
            match (seg.tag.as_str(), open.as_mut()) {
                ("UNH", Some((unh, _))) => {
                    return Err(EdiError::MissingTrailer {
                        reference: unh.get(0, 0).unwrap_or("").to_string(),
                        start: unh.pos,
                        found: format!("another UNH at {}", seg.pos),
                    });
                }
                ("UNZ", Some((unh, _))) => {
                    return Err(EdiError::MissingTrailer {
                        reference: unh.get(0, 0).unwrap_or("").to_string(),
                        start: unh.pos,
                        found: format!("UNZ at {}", seg.pos),
                    });
                }
                ("UNT", Some(_)) => {
                    if let Some((unh, body)) = open.take() {
                        seg.pos.index = Some(body.len() + 2);
                        messages.push(close_message(unh, body, seg, &mut warnings)?);
                    }
                }
                (_, Some((_, body))) => {
                    seg.pos.index = Some(body.len() + 2);
                    body.push(seg);
                }
                ("UNB", None) if header.is_none() && messages.is_empty() => header = Some(seg),
                ("UNH", None) => {
                    seg.pos.index = Some(1);
                    seg.require(0, 0, "message reference number")?;
                    seg.require(1, 0, "message type")?;
                    open = Some((seg, Vec::new()));
                }
                ("UNZ", None) => trailer = Some(seg),
                // Functional groups carry no data of their own here; they are passed over.
                ("UNG" | "UNE", None) => {}
                (_, None) => {
                    return Err(EdiError::UnexpectedSegment {
                        tag: seg.tag,
                        pos: seg.pos,
                        reason: "outside any message (expected UNB, UNH or UNZ)".into(),
                    });
                }
            }
        }
        if let Some((unh, _)) = open {
            return Err(EdiError::MissingTrailer {
                reference: unh.get(0, 0).unwrap_or("").to_string(),
                start: unh.pos,
                found: "the end of the input".into(),
            });
        }
        check_interchange(header.as_ref(), trailer.as_ref(), messages.len(), &mut warnings);
        for w in &warnings {
            tracing::debug!("EDIFACT: {w}");
        }
        Ok(Interchange {
            delimiters: lexed.delimiters,
            header,
            messages,
            warnings,
        })
    }

    /// Fails on the first control warning (UNT count or reference, UNZ count or reference).
    pub fn strict(self) -> Result<Interchange, EdiError> {
        match self.warnings.iter().find(|w| w.is_control()) {
            Some(w) => Err(EdiError::Control(Box::new(w.clone()))),
            None => Ok(self),
        }
    }

    /// The interchange control reference (UNB element 5), when there is a UNB.
    pub fn control_reference(&self) -> Option<&str> {
        self.header.as_ref().and_then(|h| h.get(4, 0))
    }
}

fn close_message(
    unh: Segment,
    body: Vec<Segment>,
    unt: Segment,
    warnings: &mut Vec<Warning>,
) -> Result<Message, EdiError> {
    let reference = unh.require(0, 0, "message reference number")?.to_string();
    let id = MessageId {
        message_type: unh.require(1, 0, "message type")?.to_string(),
        version: unh.get(1, 1).unwrap_or("").to_string(),
        release: unh.get(1, 2).unwrap_or("").to_string(),
        agency: unh.get(1, 3).unwrap_or("").to_string(),
        association: unh.get(1, 4).map(str::to_string),
    };
    let actual = body.len() + 2;
    let declared = unt.require(0, 0, "number of segments in the message")?;
    if declared.trim().parse::<usize>().ok() != Some(actual) {
        warnings.push(Warning::SegmentCount {
            reference: reference.clone(),
            declared: declared.to_string(),
            actual,
            pos: unt.pos,
        });
    }
    let trailer_ref = unt.get(1, 0).unwrap_or("");
    if trailer_ref != reference {
        warnings.push(Warning::TrailerReference {
            header: reference.clone(),
            trailer: trailer_ref.to_string(),
            pos: unt.pos,
        });
    }
    Ok(Message {
        reference,
        id,
        header: unh,
        body,
        trailer: unt,
    })
}

fn check_interchange(unb: Option<&Segment>, unz: Option<&Segment>, messages: usize, warnings: &mut Vec<Warning>) {
    match (unb, unz) {
        (None, None) => warnings.push(Warning::Envelope {
            what: "no UNB/UNZ interchange envelope: bare message(s)".into(),
        }),
        (Some(b), None) => warnings.push(Warning::Envelope {
            what: format!("the interchange opened by the UNB at {} has no UNZ", b.pos),
        }),
        (None, Some(z)) => warnings.push(Warning::Envelope {
            what: format!("UNZ at {} without a UNB", z.pos),
        }),
        (Some(b), Some(z)) => {
            let count = z.get(0, 0).unwrap_or("");
            if count.trim().parse::<usize>().ok() != Some(messages) {
                warnings.push(interchange_warning(
                    "message count",
                    count,
                    &messages.to_string(),
                    z.pos,
                ));
            }
            let (declared, expected) = (z.get(1, 0).unwrap_or(""), b.get(4, 0).unwrap_or(""));
            if declared != expected {
                warnings.push(interchange_warning(
                    "interchange control reference",
                    declared,
                    expected,
                    z.pos,
                ));
            }
        }
    }
}

fn interchange_warning(what: &str, declared: &str, actual: &str, pos: Position) -> Warning {
    Warning::InterchangeControl {
        what: what.into(),
        declared: declared.into(),
        actual: actual.into(),
        pos,
    }
}
