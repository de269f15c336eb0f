//! UN/EDIFACT reading: syntax (UNA, segments with positions), the envelope (UNB/UNH/UNT/UNZ
//! with control checks), and mappers for CUSCAR (→ [`crate::manifest::Manifest`]), COPRAR and
//! BAPLIE (→ [`ContainerList`]).
//!
//! Errors name the segment tag, its position (ordinal, line, column, byte offset, and its
//! index in the message) and the element. Control problems (a wrong UNT segment count or
//! reference, a wrong UNZ count) are [`Warning`]s, because real messages carry them and are
//! still readable; [`Interchange::strict`] turns them into errors.

mod containers;
mod cuscar;
mod envelope;
mod error;
mod syntax;
mod values;

pub use containers::{ContainerEntry, ContainerList, Stowage, container_list, parse_container_lists};
pub use cuscar::{CuscarReport, manifest_from_message, manifests, parse_cuscar};
pub use envelope::{Interchange, Message, MessageId};
pub use error::{EdiError, ElementRef, Warning};
pub use syntax::{Delimiters, Lexed, Position, Segment, decode, lex};
pub use values::parse_imo;
