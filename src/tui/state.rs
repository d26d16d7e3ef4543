//! What the terminal app holds: every tab, the mode, the popup, the input line, the screen
//! size. Plain data with read-only queries; how actions change it is [`super::app`], and
//! drawing ([`super::ui`]) reads it without changing it. Keeping the state below both lets the
//! update logic measure what the drawing will show (to scroll) without an import circle.

use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

use crate::history::History;

use super::eval::EvalView;
use super::keymap::Mode;
use super::qna::QnaView;
use super::record::RecordPrompt;
use super::recovery::RecoveryPrompt;
use super::tab::BotTab;
use super::theme::Theme;

/// An open popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    /// Every key.
    Help,
    /// The workspace's load problems.
    Problems,
    /// The bot picker.
    Picker,
    /// What the last re-read of the workspace changed.
    Changes,
}

/// Which pane the movement keys (`j`/`k`, PgUp/PgDn, `g`/`G`) act on in normal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    /// The conversation scrolls.
    #[default]
    Conversation,
    /// The trace pane's selection moves.
    Trace,
}

/// The bot picker's state: what was typed and which match is highlighted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PickerState {
    /// The filter typed so far.
    pub query: String,
    /// The highlighted match (an index into the matches, best first).
    pub highlighted: usize,
}

/// Where the input line is in this tab's history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recall {
    /// How many questions back from the newest (1 is the newest); 0 is not recalling.
    pub back: usize,
    /// What was typed before recalling started (restored past the newest).
    pub draft: String,
}

/// The whole state of the terminal UI.
#[derive(Debug)]
pub struct App {
    /// One tab per bot, master first.
    pub tabs: Vec<BotTab>,
    /// The selected tab.
    pub active: usize,
    /// Typing or normal mode (popups are on top of either).
    pub mode: Mode,
    /// The open popup.
    pub popup: Option<Popup>,
    /// How far the popup is scrolled.
    pub popup_scroll: usize,
    /// The pane normal-mode movement acts on.
    pub focus: Focus,
    /// The bot picker (meaningful while [`Popup::Picker`] is open).
    pub picker: PickerState,
    /// Questions asked before, per bot (loaded at start-up, saved by the runtime).
    pub history: History,
    /// Where Up/Down are in the history.
    pub recall: Recall,
    /// The input line.
    pub input: TextArea<'static>,
    /// The workspace's load problems (sanitized, one line each).
    pub problems: Vec<String>,
    /// What the last re-read of the workspace changed (sanitized, one line each).
    pub changes: Vec<String>,
    /// A one-off message for the footer (cleared by the next action).
    pub status: Option<String>,
    /// The terminal's size.
    pub size: Rect,
    /// The look.
    pub theme: Theme,
    /// The QnA view, when open (it takes the conversation's and the trace's place).
    pub qna: Option<QnaView>,
    /// Drafts an earlier session left unsaved, offered at start.
    pub recovery: Option<RecoveryPrompt>,
    /// The evaluation view (kept when closed, so its last run is there when it is opened
    /// again).
    pub eval: Option<EvalView>,
    /// Whether the evaluation view is on screen.
    pub eval_shown: bool,
    /// The prompt recording a turn as a test case, when open.
    pub record: Option<RecordPrompt>,
    /// The id the next question gets (answers are matched to questions by it).
    pub(super) next_id: u64,
}

impl App {
    /// The selected tab.
    pub fn tab(&self) -> Option<&BotTab> {
        self.tabs.get(self.active)
    }

    /// The mode keys are looked up in.
    pub fn key_mode(&self) -> Mode {
        if self.qna.as_ref().is_some_and(|q| q.confirm.is_some())
            || (self.eval_shown && self.eval.as_ref().is_some_and(|e| e.confirm_write))
        {
            return Mode::Confirm;
        }
        if self.record.is_some() {
            return Mode::Record;
        }
        if self.recovery_shown() && self.popup.is_none() {
            return Mode::Recovery;
        }
        if self.eval_shown && self.qna.is_none() && self.popup.is_none() {
            return Mode::Eval;
        }
        match (self.popup, &self.qna) {
            (Some(Popup::Picker), _) => Mode::Picker,
            (Some(_), _) => Mode::Popup,
            (None, Some(qna)) if qna.editing() => Mode::Editor,
            (None, Some(qna)) if qna.filtering => Mode::Filter,
            (None, Some(_)) => Mode::Qna,
            (None, None) => self.mode,
        }
    }

    /// Whether the trace pane has the focus (normal mode only: typing owns the keys).
    pub fn trace_focused(&self) -> bool {
        self.focus == Focus::Trace && self.mode == Mode::Normal
    }

    /// The text of the input line.
    pub fn input_text(&self) -> String {
        self.input.lines().join(" ")
    }
}
