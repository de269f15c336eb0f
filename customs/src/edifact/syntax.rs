//! UN/EDIFACT syntax: the service string advice (UNA), and segments split into elements and
//! components, each segment with where it was found.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{EdiError, ElementRef};

/// The six service characters. Defaults are ISO 9735's (`UNA:+.? '`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delimiters {
    pub component: char,
    pub element: char,
    pub decimal: char,
    /// None when the UNA gives a space here: no release character.
    pub release: Option<char>,
    /// The reserved (syntax version 4: repetition) character; kept, not interpreted.
    pub reserved: char,
    pub segment: char,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            component: ':',
            element: '+',
            decimal: '.',
            release: Some('?'),
            reserved: ' ',
            segment: '\'',
        }
    }
}

/// Where a segment starts: its ordinal in the input (1 = first segment after any UNA), its
/// index in its message (UNH = 1, as UNT counts; set when the envelope is read, None for
/// UNB/UNZ), the byte offset, and the 1-based line and column (in characters) of its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub ordinal: usize,
    pub index: Option<usize>,
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {}", self.ordinal)?;
        if let Some(i) = self.index {
            write!(f, " (segment {i} of its message")?;
        } else {
            write!(f, " (")?;
        }
        let sep = if self.index.is_some() { ", " } else { "" };
        write!(
            f,
            "{sep}line {}, column {}, byte {})",
            self.line, self.column, self.offset
        )
    }
}

/// One segment: its tag, its data elements (each a list of components, release characters
/// already removed) and its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub tag: String,
    pub elements: Vec<Vec<String>>,
    pub pos: Position,
}

impl Segment {
    /// Component `component` of element `element` (both 0-based; element 0 is the first after
    /// the tag), or None when absent or empty.
    pub fn get(&self, element: usize, component: usize) -> Option<&str> {
        self.elements
            .get(element)
            .and_then(|e| e.get(component))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// All non-empty components of an element, in order (for repeated text such as C108).
    pub fn components(&self, element: usize) -> impl Iterator<Item = &str> {
        self.elements
            .get(element)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Like [`Segment::get`] but a missing value is an error naming the segment, its position
    /// and the element (1-based, EDIFACT style: "element 2.1").
    pub fn require(&self, element: usize, component: usize, what: &'static str) -> Result<&str, EdiError> {
        self.get(element, component)
            .ok_or_else(|| EdiError::MissingElement(self.element_ref(element, component, what)))
    }

    fn element_ref(&self, element: usize, component: usize, what: &'static str) -> Box<ElementRef> {
        Box::new(ElementRef {
            tag: self.tag.clone(),
            pos: self.pos,
            element: element + 1,
            component: component + 1,
            what,
        })
    }

    /// An error about the value at `element`.`component` (0-based here, 1-based in the text).
    pub fn bad(&self, element: usize, component: usize, what: &'static str, reason: impl Into<String>) -> EdiError {
        EdiError::BadElement {
            at: self.element_ref(element, component, what),
            value: self.get(element, component).unwrap_or("").to_string(),
            reason: reason.into(),
        }
    }
}

/// Input split into segments, with the delimiters in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed {
    pub delimiters: Delimiters,
    /// Whether the input began with a UNA service string advice.
    pub una: bool,
    pub segments: Vec<Segment>,
}

/// Turns byte offsets into lines and columns, walking forward only (offsets asked for never
/// decrease), so the whole input is scanned once however long its lines are.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    column: usize,
}

impl LineCounter<'_> {
    fn at(&mut self, offset: usize, ordinal: usize) -> Position {
        for c in self.text.get(self.offset..offset).unwrap_or("").chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset = offset.max(self.offset);
        Position {
            ordinal,
            index: None,
            offset,
            line: self.line,
            column: self.column,
        }
    }
}

/// Reads the UNA service string advice if the input starts with one (after an optional
/// byte-order mark and blank lines).
fn read_una(text: &str) -> Result<(Delimiters, bool, usize), EdiError> {
    let start = text.len() - text.trim_start_matches(['\u{feff}', '\r', '\n', ' ', '\t']).len();
    let rest = &text[start..];
    if !rest.starts_with("UNA") {
        return Ok((Delimiters::default(), false, start));
    }
    let chars: Vec<(usize, char)> = rest.char_indices().skip(3).take(6).collect();
    if chars.len() < 6 {
        return Err(EdiError::BadUna {
            offset: start,
            reason: format!("needs 6 service characters after UNA, found {}", chars.len()),
        });
    }
    let c = |i: usize| chars[i].1;
    let d = Delimiters {
        component: c(0),
        element: c(1),
        decimal: c(2),
        release: (c(3) != ' ').then_some(c(3)),
        reserved: c(4),
        segment: c(5),
    };
    let mut specials = vec![d.component, d.element, d.segment];
    specials.extend(d.release);
    for (i, a) in specials.iter().enumerate() {
        if a.is_alphanumeric() || a.is_whitespace() || specials[i + 1..].contains(a) {
            return Err(EdiError::BadUna {
                offset: start,
                reason: format!(
                    "service characters must be distinct punctuation: component {:?}, element {:?}, \
                     release {:?}, segment {:?}",
                    d.component, d.element, d.release, d.segment
                ),
            });
        }
    }
    let end = start + chars[5].0 + chars[5].1.len_utf8();
    Ok((d, true, end))
}

/// Splits EDIFACT text into segments. Line breaks and blanks between segments are skipped
/// (many senders put each segment on its own line). Errors: a bad UNA, a tag that is not three
/// letters or digits, a segment without its terminator at the end of the input, and a release
/// character with nothing after it.
pub fn lex(text: &str) -> Result<Lexed, EdiError> {
    let (d, una, skip) = read_una(text)?;
    let mut lines = LineCounter {
        text,
        offset: 0,
        line: 1,
        column: 1,
    };
    let mut chars = text[skip..].char_indices().map(|(i, c)| (i + skip, c)).peekable();
    let mut segments = Vec::new();
    loop {
        while chars
            .next_if(|&(_, c)| matches!(c, '\r' | '\n' | ' ' | '\t' | '\u{feff}'))
            .is_some()
        {}
        let Some(&(start, _)) = chars.peek() else { break };
        let pos = lines.at(start, segments.len() + 1);
        let mut tag_end = start;
        while let Some((i, c)) = chars.next_if(|&(_, c)| c != d.element && c != d.segment && c != d.component) {
            tag_end = i + c.len_utf8();
            if tag_end - start > 8 {
                break;
            }
        }
        let tag = &text[start..tag_end];
        if tag.len() != 3 || !tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(EdiError::BadTag {
                found: tag.chars().take(20).collect(),
                pos,
            });
        }
        let tag = tag.to_string();
        let mut elements: Vec<Vec<String>> = Vec::new();
        let mut terminated = false;
        match chars.next() {
            Some((_, c)) if c == d.segment => terminated = true,
            Some((i, c)) if c == d.element => {
                let mut element = Vec::new();
                let mut component = String::new();
                // Text between delimiters is copied a run at a time; `run` is where it starts.
                let mut run = i + c.len_utf8();
                while let Some((i, c)) = chars.next() {
                    if Some(c) == d.release {
                        component.push_str(&text[run..i]);
                        match chars.next() {
                            Some((j, escaped)) => {
                                component.push(escaped);
                                run = j + escaped.len_utf8();
                            }
                            None => return Err(EdiError::ReleaseAtEnd { tag, pos }),
                        }
                    } else if c == d.component || c == d.element || c == d.segment {
                        component.push_str(&text[run..i]);
                        run = i + c.len_utf8();
                        element.push(std::mem::take(&mut component));
                        if c != d.component {
                            elements.push(std::mem::take(&mut element));
                        }
                        if c == d.segment {
                            terminated = true;
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
        if !terminated {
            return Err(EdiError::Unterminated { tag, pos });
        }
        segments.push(Segment { tag, elements, pos });
    }
    Ok(Lexed {
        delimiters: d,
        una,
        segments,
    })
}

/// Decodes bytes as UTF-8, or, when they are not UTF-8, as ISO 8859-1 (UNOC/UNOD
/// interchanges), where every byte is a character, so nothing is lost.
pub fn decode(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_elements_components_and_releases() {
        let l = lex("UNA:+.? '\nFTX+AAA+++PLASTICS?:ARTICLES?'S'\nCNT+16:5'").unwrap();
        assert!(l.una);
        assert_eq!(l.segments.len(), 2);
        let ftx = &l.segments[0];
        assert_eq!(ftx.tag, "FTX");
        assert_eq!(ftx.get(3, 0), Some("PLASTICS:ARTICLES'S"));
        assert_eq!(ftx.get(1, 0), None);
        assert_eq!(ftx.pos.line, 2);
        assert_eq!(ftx.pos.offset, 10);
        let cnt = &l.segments[1];
        assert_eq!((cnt.get(0, 0), cnt.get(0, 1)), (Some("16"), Some("5")));
        assert_eq!(cnt.pos.ordinal, 2);
        assert_eq!(cnt.pos.line, 3);
    }

    #[test]
    fn custom_separators_from_una() {
        let l = lex("UNA>*,! ~BGM*85*A!*B*9~MEA*AAE*G*KGM>12,5~").unwrap();
        assert_eq!(l.delimiters.element, '*');
        assert_eq!(l.delimiters.decimal, ',');
        assert_eq!(l.segments[0].get(1, 0), Some("A*B"));
        assert_eq!(l.segments[1].get(2, 1), Some("12,5"));
    }

    #[test]
    fn positioned_errors() {
        match lex("BGM+85+X'\nFTX+AAA+++TEXT") {
            Err(EdiError::Unterminated { tag, pos }) => {
                assert_eq!(tag, "FTX");
                assert_eq!((pos.ordinal, pos.line, pos.column, pos.offset), (2, 2, 1, 10));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(lex("BGM+85+X?"), Err(EdiError::ReleaseAtEnd { .. })));
        assert!(matches!(lex("bgm+85'"), Err(EdiError::BadTag { .. })));
        assert!(matches!(lex("UNA:+"), Err(EdiError::BadUna { .. })));
        assert!(matches!(lex("UNA:::? '"), Err(EdiError::BadUna { .. })));
    }

    #[test]
    fn latin1_fallback_keeps_every_byte() {
        let bytes = b"NAD+CN+++M\xdcLLER'";
        let text = decode(bytes);
        let l = lex(&text).unwrap();
        assert_eq!(l.segments[0].get(3, 0), Some("MÜLLER"));
    }
}
