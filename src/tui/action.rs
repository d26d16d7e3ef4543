//! What the user can ask the app to do ([`Action`]), what the app asks the runtime to do in
//! return ([`Effect`]), and what the runtime reports back ([`Answer`]).

use crossterm::event::KeyEvent;

use crate::Turn;

/// One thing the user asked for. Keys map to actions through the keymap; tests send actions
/// (or keys) through the same [`App::update`](super::app::App::update) path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Leave the app.
    Quit,
    /// Open the help popup.
    Help,
    /// Open the list of workspace problems.
    Problems,
    /// Close the open popup.
    ClosePopup,
    /// Switch to normal mode (single-key commands).
    NormalMode,
    /// Switch to typing mode (the input line).
    TypingMode,
    /// Send the input line to the current tab's bot.
    Submit,
    /// Edit the input line with this key (typing mode's unbound keys).
    Edit(KeyEvent),
    /// Insert pasted text into the input line.
    Paste(String),
    /// Next tab.
    NextTab,
    /// Previous tab.
    PrevTab,
    /// The tab at this index (0-based).
    SelectTab(usize),
    /// Scroll up this many rows (the conversation, or the open popup).
    ScrollUp(usize),
    /// Scroll down this many rows.
    ScrollDown(usize),
    /// Scroll up a page.
    PageUp,
    /// Scroll down a page.
    PageDown,
    /// Scroll to the top.
    Top,
    /// Scroll to the bottom and follow new messages.
    Bottom,
    /// Show the trace of the turn before the selected one.
    OlderTurn,
    /// Show the trace of the turn after the selected one.
    NewerTurn,
    /// Hand off: switch to the best delegated bot's tab and ask it the same question.
    TalkTo,
    /// The terminal now has this size (columns, rows).
    Resize(u16, u16),
}

/// Work the app wants done outside itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask a bot a question (runs off the UI task; reports an [`Answer`]).
    Ask(Ask),
    /// Leave the app, restoring the terminal.
    Quit,
}

/// One question for one bot, on behalf of one conversation turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// The tab whose conversation asked.
    pub tab: usize,
    /// The turn waiting for the answer (unique in the app).
    pub id: u64,
    /// The bot to ask.
    pub bot: String,
    /// The question.
    pub question: String,
}

/// What came back for an [`Ask`].
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The tab that asked.
    pub tab: usize,
    /// The turn it answers.
    pub id: u64,
    /// The turn, or why there is none.
    pub result: Result<Turn, String>,
}
