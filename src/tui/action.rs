//! What the user can ask the app to do ([`Action`]), what the app asks the runtime to do in
//! return ([`Effect`]), and what the runtime reports back ([`Answer`]).

use crossterm::event::KeyEvent;

use crate::Turn;
use crate::history::History;

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
    /// Move the focus between the conversation and the trace pane.
    ToggleFocus,
    /// Open the bot picker (fuzzy, by id or name).
    Picker,
    /// In the bot picker: switch to the highlighted bot.
    Pick,
    /// A readline command on the input line.
    Line(LineEdit),
    /// The previous question asked of this tab's bot (input history).
    HistoryPrev,
    /// The next question in the input history (or back to what was being typed).
    HistoryNext,
}

/// Readline commands on the input line (the rest of its keys are the textarea's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEdit {
    /// Delete from the start of the line to the cursor (kept for [`LineEdit::Yank`]).
    ClearToStart,
    /// Delete from the cursor to the end of the line (kept for [`LineEdit::Yank`]).
    KillToEnd,
    /// Delete the word before the cursor.
    DeleteWordBack,
    /// Cursor to the start of the line.
    Start,
    /// Cursor to the end of the line.
    End,
    /// Insert the text deleted last.
    Yank,
    /// Undo the last edit.
    Undo,
    /// Redo what was undone.
    Redo,
}

/// Work the app wants done outside itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask a bot a question (runs off the UI task; reports an [`Answer`]).
    Ask(Ask),
    /// Leave the app, restoring the terminal.
    Quit,
    /// Save the input history (the whole of it; runs off the UI task, latest save wins).
    SaveHistory(History),
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
