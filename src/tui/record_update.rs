//! How actions change the prompt recording a turn as a test case ([`super::record`]), and
//! what recording reports.

use crate::eval::record::Case;
use crate::text::sanitize_line;
use crate::workspace::MASTER_ID;

use super::action::{Action, Effect};
use super::record::{CHATS_FILE, Candidate, RecordPrompt};
use super::state::App;
use super::tab::Reply;

impl App {
    /// Opens the prompt for the turn the master's trace shows.
    pub(super) fn open_record(&mut self) -> Vec<Effect> {
        let Some(tab) = self.tab() else {
            return Vec::new();
        };
        if tab.bot_id != MASTER_ID {
            self.status = Some("Cases are recorded from the master's conversation (tab 1).".into());
            return Vec::new();
        }
        let Some(exchange) = tab.trace_index().and_then(|i| tab.exchanges.get(i)) else {
            self.status = Some("Ask the master a question first.".into());
            return Vec::new();
        };
        let Reply::Answered(turn) = &exchange.reply else {
            self.status = Some("This turn has no answer to record yet.".into());
            return Vec::new();
        };
        let routed = turn.delegation.first().map(|best| {
            let entry = turn
                .trace
                .iter()
                .find(|row| row.bot_id == best.bot_id)
                .and_then(|row| row.entry_id.clone());
            (best.bot_id.clone(), entry)
        });
        let mut candidates: Vec<Candidate> = turn
            .trace
            .iter()
            .filter(|row| row.error.is_none())
            .map(|row| Candidate {
                bot: row.bot_id.clone(),
                entry: row.entry_id.clone(),
                confidence: row.confidence,
            })
            .collect();
        candidates.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        self.record = Some(RecordPrompt {
            question: exchange.question.clone(),
            routed,
            candidates,
            selected: 0,
        });
        Vec::new()
    }

    /// Handles `action` while the prompt is open.
    pub(super) fn record_update(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let prompt = self.record.as_mut()?;
        let case = match action {
            Action::ScrollDown(_) => {
                prompt.selected =
                    (prompt.selected + 1).min(prompt.candidates.len().saturating_sub(1));
                return Some(Vec::new());
            }
            Action::ScrollUp(_) => {
                prompt.selected = prompt.selected.saturating_sub(1);
                return Some(Vec::new());
            }
            Action::RecordAsRouted => Case {
                text: prompt.question.clone(),
                bot: prompt.routed.as_ref().map(|(bot, _)| bot.clone()),
                qna: prompt.routed.as_ref().and_then(|(_, entry)| entry.clone()),
            },
            Action::RecordNoBot => Case {
                text: prompt.question.clone(),
                bot: None,
                qna: None,
            },
            Action::RecordPicked { with_entry } => {
                let Some(picked) = prompt.candidates.get(prompt.selected) else {
                    return Some(Vec::new());
                };
                Case {
                    text: prompt.question.clone(),
                    bot: Some(picked.bot.clone()),
                    qna: picked.entry.clone().filter(|_| *with_entry),
                }
            }
            Action::ClosePopup => {
                self.record = None;
                return Some(Vec::new());
            }
            Action::Quit => return Some(vec![Effect::Quit]),
            Action::Resize(..) => return None,
            _ => return Some(Vec::new()),
        };
        self.record = None;
        self.status = Some(format!(
            "Recording “{}” in tests/{CHATS_FILE}…",
            sanitize_line(&case.text)
        ));
        Some(vec![Effect::RecordCase {
            file: CHATS_FILE.to_string(),
            case,
        }])
    }

    /// Takes what recording a case did (a line for the user).
    pub fn on_recorded(&mut self, outcome: Result<String, String>) {
        self.status = Some(sanitize_line(match &outcome {
            Ok(line) | Err(line) => line,
        }));
    }
}
