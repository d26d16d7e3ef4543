//! One bot's tab: its conversation (questions and replies), scroll position and the turn its
//! trace pane shows.

use crate::Turn;
use crate::text::sanitize_line;

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
    /// The conversation, oldest first.
    pub exchanges: Vec<Exchange>,
    /// The scroll position.
    pub scroll: Scroll,
    /// The turn the trace shows; `None` is the latest.
    pub selected: Option<usize>,
}

impl BotTab {
    /// A tab with an empty conversation. `id` and `name` are sanitized here.
    pub fn new(id: &str, name: &str, entries: usize, is_master: bool) -> Self {
        Self {
            bot_id: sanitize_line(id),
            name: sanitize_line(name),
            entries,
            is_master,
            exchanges: Vec::new(),
            scroll: Scroll::Follow,
            selected: None,
        }
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
