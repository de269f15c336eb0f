//! The inspector's keys at the door, as a plain state machine over the checklist session: the
//! window (and a controller's buttons, mapped to the same presses) only translate events.
//!
//! Up/Down move through the checklist; Y/N answer a yes/no item; digits then Enter give a
//! package count; on a text item, typing then Enter gives the text; `O` starts typing a seal
//! number read on the doors and `T` a free note (Enter keeps it, Esc drops it); `S` asks for the
//! finding to be saved, F5 for a sync.

use customs::inspection::{AnswerKind, AnswerValue};

use crate::checklist::ChecklistSession;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    Up,
    Down,
    Enter,
    Backspace,
    Escape,
    Space,
    F5,
    /// Printable text, as the keyboard layout gives it.
    Text(String),
}

/// What typed characters go into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Typing {
    /// Answers to the current item (counts, text items).
    #[default]
    Answer,
    Seal,
    Note,
}

/// What the shell should do after a press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Nothing,
    SaveFinding,
    Sync,
    /// Something to tell the inspector.
    Say(String),
}

#[derive(Debug, Clone, Default)]
pub struct DoorKeys {
    pub typed: String,
    pub typing: Typing,
}

impl DoorKeys {
    /// What the overlay shows of the typing in progress.
    pub fn prompt(&self) -> Option<String> {
        match self.typing {
            Typing::Seal => Some(format!("seal on the door: {}_", self.typed)),
            Typing::Note => Some(format!("note: {}_", self.typed)),
            Typing::Answer if !self.typed.is_empty() => Some(format!("> {}_", self.typed)),
            Typing::Answer => None,
        }
    }

    pub fn press(&mut self, session: &mut ChecklistSession, press: Press) -> Effect {
        if self.typing != Typing::Answer {
            return self.type_free(session, press);
        }
        let kind = session.current().map(|i| i.kind);
        let answered = |r: Result<(), crate::checklist::AnswerError>| match r {
            Ok(()) => Effect::Nothing,
            Err(e) => Effect::Say(e.to_string()),
        };
        match (press, kind) {
            (Press::Down, _) => {
                session.next();
                Effect::Nothing
            }
            (Press::Up, _) => {
                session.previous();
                Effect::Nothing
            }
            (Press::Backspace, _) => {
                self.typed.pop();
                Effect::Nothing
            }
            (Press::Escape, _) => {
                self.typed.clear();
                Effect::Nothing
            }
            (Press::F5, _) => Effect::Sync,
            (Press::Enter, Some(AnswerKind::Count)) => match self.typed.trim().parse::<u32>() {
                Ok(n) => {
                    self.typed.clear();
                    answered(session.answer(AnswerValue::Count(n)))
                }
                Err(_) => Effect::Say(format!(
                    "{:?} is not a package count: type digits, then Enter",
                    self.typed
                )),
            },
            (Press::Enter, Some(AnswerKind::Text)) => {
                let text = std::mem::take(&mut self.typed);
                answered(session.answer(AnswerValue::Text(text)))
            }
            (Press::Space, Some(AnswerKind::Text)) => {
                self.typed.push(' ');
                Effect::Nothing
            }
            (Press::Text(t), Some(AnswerKind::Text)) => {
                self.typed.push_str(&t);
                Effect::Nothing
            }
            (Press::Text(t), Some(AnswerKind::Count)) if t.chars().all(|c| c.is_ascii_digit()) => {
                self.typed.push_str(&t);
                Effect::Nothing
            }
            (Press::Text(t), kind) => match (t.to_ascii_lowercase().as_str(), kind) {
                ("y", Some(AnswerKind::YesNo)) => answered(session.answer(AnswerValue::YesNo(true))),
                ("n", Some(AnswerKind::YesNo)) => answered(session.answer(AnswerValue::YesNo(false))),
                ("o", _) => {
                    self.typing = Typing::Seal;
                    self.typed.clear();
                    Effect::Nothing
                }
                ("t", _) => {
                    self.typing = Typing::Note;
                    self.typed.clear();
                    Effect::Nothing
                }
                ("s", _) => Effect::SaveFinding,
                _ => Effect::Nothing,
            },
            _ => Effect::Nothing,
        }
    }

    fn type_free(&mut self, session: &mut ChecklistSession, press: Press) -> Effect {
        match press {
            Press::Text(t) => self.typed.push_str(&t),
            Press::Space => self.typed.push(' '),
            Press::Backspace => {
                self.typed.pop();
            }
            Press::Escape => {
                self.typed.clear();
                self.typing = Typing::Answer;
            }
            Press::Enter => {
                let text = std::mem::take(&mut self.typed).trim().to_string();
                let typing = std::mem::take(&mut self.typing);
                if text.is_empty() {
                    return Effect::Nothing;
                }
                return match typing {
                    Typing::Seal => {
                        let seal = text.to_ascii_uppercase().replace(' ', "");
                        let declared = session
                            .packet()
                            .seals_declared
                            .iter()
                            .any(|s| s.number.eq_ignore_ascii_case(&seal));
                        session.observed_seals.push(seal.clone());
                        Effect::Say(if declared {
                            format!("Seal {seal} matches the declaration.")
                        } else {
                            format!("Seal {seal} is NOT a declared seal.")
                        })
                    }
                    Typing::Note => {
                        if !session.notes.is_empty() {
                            session.notes.push_str("; ");
                        }
                        session.notes.push_str(&text);
                        Effect::Say("Note kept.".into())
                    }
                    Typing::Answer => Effect::Nothing,
                };
            }
            Press::Up | Press::Down | Press::F5 => {}
        }
        Effect::Nothing
    }
}
