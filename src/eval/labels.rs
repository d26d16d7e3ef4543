//! Labelled sets: which questions should go to which bot (and entry), read from JSONL.
//!
//! One JSON object per line:
//!
//! ```text
//! {"text": "how do I reset my password", "bot": "sub2"}
//! {"text": "where is my W-2", "bot": "sub1", "qna": "1ukbdzgrjq_where_can_i_find_my_w_2_form"}
//! {"text": "what is the capital of peru", "bot": null}
//! ```
//!
//! - `text` (string, required): the question as a user would type it;
//! - `bot` (string or `null`, required): the sub-bot that should answer, or `null` for a
//!   question no bot should take (out of scope);
//! - `qna` (string, optional): the entry of that bot that should answer it.
//!
//! Blank lines are skipped; other fields are ignored. A label naming a bot that is not a
//! sub-bot of the workspace, or an entry the bot does not have (or has disabled), is an error
//! naming the line; read leniently, such lines are set apart as [`Rejected`] and left out
//! of every figure. A set without a usable question is an error.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::EvalError;
use crate::workspace::{MASTER_ID, Workspace};

/// One labelled question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labelled {
    /// 1-based line in the file.
    pub line: usize,
    /// The question.
    pub text: String,
    /// The sub-bot that should answer it; `None` when no bot should (out of scope).
    pub bot: Option<String>,
    /// The entry that should answer it, where labelled.
    pub qna: Option<String>,
}

impl Labelled {
    /// Whether some bot should answer the question.
    pub fn in_scope(&self) -> bool {
        self.bot.is_some()
    }
}

/// A line left out of a lenient read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// 1-based line in the file.
    pub line: usize,
    /// The question, when the line had one.
    pub text: Option<String>,
    /// Why it was left out.
    pub reason: String,
}

/// A labelled set checked against a workspace.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelledSet {
    /// The usable questions, in file order.
    pub questions: Vec<Labelled>,
    /// Lines left out (lenient reads only).
    pub rejected: Vec<Rejected>,
}

/// The fields of one line, checked for shape (not yet against the workspace).
struct Line {
    text: String,
    bot: Option<String>,
    qna: Option<String>,
}

impl Line {
    /// Reads one JSONL line; `bot` must be present (a string, or `null` for out of scope).
    fn parse(raw: &str) -> Result<Line, String> {
        let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
        let object = value
            .as_object()
            .ok_or_else(|| "not a JSON object".to_string())?;
        let text = match object.get("text") {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(_) => return Err("`text` is not a string".into()),
            None => return Err("no `text`".into()),
        };
        let bot = match object.get("bot") {
            Some(serde_json::Value::String(bot)) => Some(bot.clone()),
            Some(serde_json::Value::Null) => None,
            Some(_) => return Err("`bot` is neither a string nor null".into()),
            None => {
                return Err(
                    "no `bot` (use \"bot\": null for a question no bot should take)".into(),
                );
            }
        };
        let qna = match object.get("qna") {
            Some(serde_json::Value::String(qna)) => Some(qna.clone()),
            Some(serde_json::Value::Null) | None => None,
            Some(_) => return Err("`qna` is not a string".into()),
        };
        Ok(Line { text, bot, qna })
    }
}

impl LabelledSet {
    /// Parses `text` (JSONL) and checks every label against `workspace`. Strict: the first
    /// bad line is an error naming it. Lenient: bad lines are collected in `rejected`.
    pub fn parse(text: &str, workspace: &Workspace, lenient: bool) -> Result<Self, EvalError> {
        let bots: HashSet<&str> = workspace
            .bots
            .iter()
            .filter(|bot| bot.id != MASTER_ID)
            .map(|bot| bot.id.as_str())
            .collect();
        let mut set = LabelledSet::default();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            if raw.trim().is_empty() {
                continue;
            }
            match check_line(raw, line, workspace, &bots) {
                Ok(labelled) => set.questions.push(labelled),
                Err(error) if lenient => set.rejected.push(Rejected {
                    line,
                    text: Line::parse(raw).ok().map(|l| l.text),
                    reason: error.reason(),
                }),
                Err(error) => return Err(error),
            }
        }
        if set.questions.is_empty() {
            return Err(EvalError::Empty {
                rejected: set.rejected.len(),
            });
        }
        Ok(set)
    }

    /// How many questions should be answered by some bot.
    pub fn in_scope(&self) -> usize {
        self.questions.iter().filter(|q| q.in_scope()).count()
    }
}

fn check_line(
    raw: &str,
    line: usize,
    workspace: &Workspace,
    bots: &HashSet<&str>,
) -> Result<Labelled, EvalError> {
    let parsed = Line::parse(raw).map_err(|message| EvalError::Syntax { line, message })?;
    match (&parsed.bot, &parsed.qna) {
        (None, Some(qna)) => {
            return Err(EvalError::EntryWithoutBot {
                line,
                entry: qna.clone(),
            });
        }
        (Some(bot), _) if !bots.contains(bot.as_str()) => {
            return Err(EvalError::UnknownBot {
                line,
                bot: bot.clone(),
            });
        }
        (Some(bot), Some(qna)) => {
            let entry = workspace
                .bot(bot)
                .and_then(|b| b.qna.iter().find(|e| &e.id == qna));
            match entry {
                None => {
                    return Err(EvalError::UnknownEntry {
                        line,
                        bot: bot.clone(),
                        entry: qna.clone(),
                    });
                }
                Some(entry) if !entry.enabled => {
                    return Err(EvalError::DisabledEntry {
                        line,
                        bot: bot.clone(),
                        entry: qna.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        _ => {}
    }
    Ok(Labelled {
        line,
        text: parsed.text,
        bot: parsed.bot,
        qna: parsed.qna,
    })
}
