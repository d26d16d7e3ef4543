//! What the terminal app holds: every tab, the mode, the popup, the input line, the screen
//! size. Plain data with read-only queries; how actions change it is [`super::app`], and
//! drawing ([`super::ui`]) reads it without changing it. Keeping the state below both lets the
//! update logic measure what the drawing will show (to scroll) without an import circle.

use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

use super::keymap::Mode;
use super::tab::BotTab;
use super::theme::Theme;

/// An open popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    /// Every key.
    Help,
    /// The workspace's load problems.
    Problems,
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
    /// The input line.
    pub input: TextArea<'static>,
    /// The workspace's load problems (sanitized, one line each).
    pub problems: Vec<String>,
    /// A one-off message for the footer (cleared by the next action).
    pub status: Option<String>,
    /// The terminal's size.
    pub size: Rect,
    /// The look.
    pub theme: Theme,
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
        if self.popup.is_some() {
            Mode::Popup
        } else {
            self.mode
        }
    }

    /// The text of the input line.
    pub fn input_text(&self) -> String {
        self.input.lines().join(" ")
    }
}
