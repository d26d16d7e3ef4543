//! Chats become tests: on a turn of the master's conversation, `L` opens a prompt that records
//! the turn's question as a labelled case — right as routed, no bot should answer, or the right
//! bot (and its entry in this turn's trace) picked from a list — appended to the workspace's
//! `tests/chats.jsonl` by the core (`eval::record`), which the evaluation view and `interbot
//! eval` replay. State only: how actions change it is [`super::record_update`]; drawing is
//! [`super::ui::record`].

/// The labelled set the prompt appends to, in `tests/`.
pub const CHATS_FILE: &str = "chats.jsonl";

/// One bot the question can be labelled with: its best entry in the turn and confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The sub-bot.
    pub bot: String,
    /// Its best entry for the question, when one matched.
    pub entry: Option<String>,
    /// Its confidence.
    pub confidence: f64,
}

/// The prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPrompt {
    /// The question of the turn.
    pub question: String,
    /// Where the master routed it (bot and entry), if anywhere.
    pub routed: Option<(String, Option<String>)>,
    /// Every sub-bot of the turn's trace, best first.
    pub candidates: Vec<Candidate>,
    /// The highlighted candidate.
    pub selected: usize,
}
