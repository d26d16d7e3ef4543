//! One bot's tab: its conversation (questions and replies), scroll position and the turn its
//! trace pane shows.

use crate::text::sanitize_line;
use crate::{TraceRow, Turn};

/// Where a conversation is scrolled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scroll {
    /// Show the bottom and follow new messages.
    #[default]
    Follow,
    /// This row is at the top (the user scrolled; new messages do not move the view).
    Top(usize),
}

/// What a bot has said to one question so far.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The question is being answered.
    Thinking,
    /// The bot answered.
    Answered(Box<Turn>),
    /// The question could not be answered.
    Failed(String),
}

/// One question in a conversation and its reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Unique in the app; names the job answering it.
    pub id: u64,
    /// The question as sent.
    pub question: String,
    /// The reply.
    pub reply: Reply,
}

/// One bot's tab: its conversation, scroll position and the turn its trace shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BotTab {
    /// The bot id.
    pub bot_id: String,
    /// The bot's display name (sanitized).
    pub name: String,
    /// How many QnA entries the bot has.
    pub entries: usize,
    /// Whether this is the master (which delegates).
    pub is_master: bool,
    /// For a bot on another machine, its converse URL (its QnA is not here to count or edit).
    pub remote: Option<String>,
    /// The conversation, oldest first.
    pub exchanges: Vec<Exchange>,
    /// The scroll position.
    pub scroll: Scroll,
    /// The turn the trace shows; `None` is the latest.
    pub selected: Option<usize>,
    /// The selected row of the trace shown (an index into [`BotTab::trace_rows`]).
    pub trace_selected: usize,
    /// The first trace-pane row shown (kept so the selection moves without the view jumping).
    pub trace_top: usize,
    /// The bot's files changed outside interbot and it was indexed again since the tab was
    /// last looked at (the tab shows ↻ until it is selected).
    pub changed_on_disk: bool,
    /// Whether the selected trace row is expanded into the explanation of its score.
    pub explained: bool,
}

/// What a trace row did for the turn: the mark the trace pane gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// This row's bot (master) or entry (sub-bot) is the one that answers.
    Answers,
    /// Over the threshold, but another row answers.
    OverThreshold,
    /// Below the threshold.
    Below,
    /// The bot could not be asked.
    Failed,
}

impl BotTab {
    /// A tab with an empty conversation. `id` and `name` are sanitized here.
    pub fn new(id: &str, name: &str, entries: usize, is_master: bool) -> Self {
        Self {
            bot_id: sanitize_line(id),
            name: sanitize_line(name),
            entries,
            is_master,
            remote: None,
            exchanges: Vec::new(),
            scroll: Scroll::Follow,
            selected: None,
            trace_selected: 0,
            trace_top: 0,
            changed_on_disk: false,
            explained: false,
        }
    }

    /// The turn the trace shows, once answered.
    pub fn shown_turn(&self) -> Option<&Turn> {
        match &self.exchanges.get(self.trace_index()?)?.reply {
            Reply::Answered(turn) => Some(turn),
            _ => None,
        }
    }

    /// The trace rows of the shown turn in the order the trace pane lists them: best
    /// confidence first (ties keep the core's order).
    pub fn trace_rows(&self) -> Vec<&TraceRow> {
        let Some(turn) = self.shown_turn() else {
            return Vec::new();
        };
        let mut rows: Vec<&TraceRow> = turn.trace.iter().collect();
        rows.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        rows
    }

    /// The selected trace row, if the shown turn has any.
    pub fn selected_trace_row(&self) -> Option<&TraceRow> {
        let rows = self.trace_rows();
        rows.get(self.trace_selected.min(rows.len().saturating_sub(1)))
            .copied()
    }

    /// The index of the exchange the trace shows.
    pub fn trace_index(&self) -> Option<usize> {
        self.selected
            .or_else(|| self.exchanges.len().checked_sub(1))
    }

    /// Whether a question of this tab is being answered.
    pub fn thinking(&self) -> bool {
        self.exchanges.iter().any(|e| e.reply == Reply::Thinking)
    }
}

/// What each row of `turn`'s trace (in `rows` order) did. On the master, the answering row is
/// the bot the reply names (`temp.delegation.0`); on a sub-bot, its best entry when it
/// passed (the sub-bot answers with it). Every other passing row is only over the threshold.
pub fn standings(turn: &Turn, rows: &[&TraceRow], is_master: bool) -> Vec<Standing> {
    let answering = if is_master {
        turn.delegation.first().and_then(|best| {
            rows.iter()
                .position(|r| r.passed && r.error.is_none() && r.bot_id == best.bot_id)
        })
    } else {
        rows.first()
            .filter(|r| r.passed && r.error.is_none())
            .map(|_| 0)
    };
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            if row.error.is_some() {
                Standing::Failed
            } else if Some(i) == answering {
                Standing::Answers
            } else if row.passed {
                Standing::OverThreshold
            } else {
                Standing::Below
            }
        })
        .collect()
}
