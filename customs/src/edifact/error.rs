//! Errors and warnings of the EDIFACT reader, each naming the segment and where it is.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::syntax::Position;

/// Something that stops the input from being read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EdiError {
    #[error("empty input: no EDIFACT segment found")]
    Empty,
    #[error("UNA service string advice at byte {offset}: {reason}")]
    BadUna { offset: usize, reason: String },
    #[error("{pos}: {found:?} is not a segment tag (three upper-case letters or digits)")]
    BadTag { found: String, pos: Position },
    #[error("{tag} at {pos}: segment not terminated before the end of the input")]
    Unterminated { tag: String, pos: Position },
    #[error("{tag} at {pos}: release character at the end of the input, with nothing to release")]
    ReleaseAtEnd { tag: String, pos: Position },
    #[error("{0} is missing")]
    MissingElement(Box<ElementRef>),
    #[error("{at} {value:?}: {reason}")]
    BadElement {
        at: Box<ElementRef>,
        value: String,
        reason: String,
    },
    #[error("{tag} at {pos}: unexpected here ({reason})")]
    UnexpectedSegment { tag: String, pos: Position, reason: String },
    #[error("message {reference:?} (UNH at {start}) has no UNT trailer: {found}")]
    MissingTrailer {
        reference: String,
        start: Position,
        found: String,
    },
    #[error("expected a {expected} message, found {found} (UNH at {pos})")]
    WrongMessageType {
        expected: &'static str,
        found: String,
        pos: Position,
    },
    #[error("control check failed (strict mode): {0}")]
    Control(Box<Warning>),
}

/// A data element of a segment: the segment's tag and position, the element and component
/// numbers (1-based, as EDIFACT documentation counts them) and what the element holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementRef {
    pub tag: String,
    pub pos: Position,
    pub element: usize,
    pub component: usize,
    pub what: &'static str,
}

impl fmt::Display for ElementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}: element {}.{} ({})",
            self.tag, self.pos, self.element, self.component, self.what
        )
    }
}

impl EdiError {
    /// The position the error points at, when it points at a segment.
    pub fn position(&self) -> Option<Position> {
        match self {
            EdiError::BadTag { pos, .. }
            | EdiError::Unterminated { pos, .. }
            | EdiError::ReleaseAtEnd { pos, .. }
            | EdiError::UnexpectedSegment { pos, .. }
            | EdiError::WrongMessageType { pos, .. } => Some(*pos),
            EdiError::MissingElement(at) | EdiError::BadElement { at, .. } => Some(at.pos),
            EdiError::MissingTrailer { start, .. } => Some(*start),
            EdiError::Control(w) => w.position(),
            EdiError::Empty | EdiError::BadUna { .. } => None,
        }
    }
}

/// Something wrong or skipped that does not stop the reading; flagged, never silent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// UNT's segment count differs from the segments between UNH and UNT inclusive.
    SegmentCount {
        reference: String,
        declared: String,
        actual: usize,
        pos: Position,
    },
    /// UNT's message reference differs from its UNH's.
    TrailerReference {
        header: String,
        trailer: String,
        pos: Position,
    },
    /// UNZ's message count or control reference differs from the interchange's.
    InterchangeControl {
        what: String,
        declared: String,
        actual: String,
        pos: Position,
    },
    /// No UNB header (bare messages), or no UNZ trailer after a UNB.
    Envelope { what: String },
    /// A qualifier the mapper does not know: the segment was skipped.
    UnknownQualifier {
        tag: String,
        qualifier: String,
        pos: Position,
    },
    /// A segment the mapper does not use, or cannot place: skipped.
    Unmapped { tag: String, pos: Position, reason: String },
    /// A value kept as given although it fails a check (a UN/LOCODE, an IMO number...).
    Suspicious {
        tag: String,
        pos: Position,
        what: String,
        value: String,
        reason: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::SegmentCount {
                reference,
                declared,
                actual,
                pos,
            } => write!(
                f,
                "UNT at {pos}: message {reference:?} declares {declared} segments but has {actual}"
            ),
            Warning::TrailerReference { header, trailer, pos } => write!(
                f,
                "UNT at {pos}: message reference {trailer:?} differs from its UNH's {header:?}"
            ),
            Warning::InterchangeControl {
                what,
                declared,
                actual,
                pos,
            } => write!(f, "UNZ at {pos}: {what} is {declared:?} but should be {actual:?}"),
            Warning::Envelope { what } => write!(f, "envelope: {what}"),
            Warning::UnknownQualifier { tag, qualifier, pos } => {
                write!(
                    f,
                    "{tag} at {pos}: qualifier {qualifier:?} not known here; segment skipped"
                )
            }
            Warning::Unmapped { tag, pos, reason } => write!(f, "{tag} at {pos}: skipped ({reason})"),
            Warning::Suspicious {
                tag,
                pos,
                what,
                value,
                reason,
            } => write!(f, "{tag} at {pos}: {what} {value:?} kept as given: {reason}"),
        }
    }
}

impl Warning {
    /// Where the warning points, when it points at a segment.
    pub fn position(&self) -> Option<Position> {
        match self {
            Warning::SegmentCount { pos, .. }
            | Warning::TrailerReference { pos, .. }
            | Warning::InterchangeControl { pos, .. }
            | Warning::UnknownQualifier { pos, .. }
            | Warning::Unmapped { pos, .. }
            | Warning::Suspicious { pos, .. } => Some(*pos),
            Warning::Envelope { .. } => None,
        }
    }

    /// Whether this is a control-total or envelope problem (as opposed to a skipped segment).
    pub fn is_control(&self) -> bool {
        matches!(
            self,
            Warning::SegmentCount { .. } | Warning::TrailerReference { .. } | Warning::InterchangeControl { .. }
        )
    }
}
