//! How actions change the app's state ([`super::state`]). No drawing and no I/O:
//! [`App::update`] takes an [`Action`] and returns [`Effect`]s for the runtime;
//! [`App::on_answer`] takes what a finished job reported. To scroll, it measures with the
//! same pure row and layout functions the drawing uses ([`super::ui`]).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

pub use super::state::{App, Popup};
pub use super::tab::{BotTab, Exchange, Reply, Scroll};

use crate::Engine;
use crate::text::sanitize_line;

use super::action::{Action, Answer, Ask, Effect};
use super::keymap::{self, Mode};
use super::theme::{Role, Theme};
use super::ui;

impl App {
    /// An app with these tabs and problems, for a terminal of `size`.
    pub fn new(tabs: Vec<BotTab>, problems: Vec<String>, theme: Theme, size: Rect) -> Self {
        let mut app = Self {
            tabs,
            active: 0,
            mode: Mode::Typing,
            popup: None,
            popup_scroll: 0,
            input: TextArea::default(),
            problems,
            status: None,
            size,
            theme,
            next_id: 1,
        };
        app.reset_input();
        app
    }

    /// An app with one tab per bot of `engine`'s workspace and its problems.
    pub fn from_engine(engine: &Engine, theme: Theme, size: Rect) -> Self {
        let tabs = engine
            .workspace()
            .bots
            .iter()
            .map(|bot| {
                BotTab::new(
                    &bot.id,
                    bot.name(),
                    bot.qna.len(),
                    bot.id == crate::workspace::MASTER_ID,
                )
            })
            .collect();
        let problems = engine
            .problems()
            .iter()
            .map(|p| sanitize_line(&p.to_string()))
            .collect();
        Self::new(tabs, problems, theme, size)
    }

    /// Handles a key event the way the event loop does: presses only, through the keymap.
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind != KeyEventKind::Press {
            return Vec::new();
        }
        match keymap::action_for(self.key_mode(), &key) {
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    /// Applies one action; returns the work it needs done.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if !matches!(action, Action::Resize(..)) {
            self.status = None;
        }
        match action {
            Action::Quit => return vec![Effect::Quit],
            Action::Help => self.open(Popup::Help),
            Action::Problems => self.open(Popup::Problems),
            Action::ClosePopup => self.popup = None,
            Action::NormalMode => self.set_mode(Mode::Normal),
            Action::TypingMode => self.set_mode(Mode::Typing),
            Action::Submit => return self.submit(),
            Action::Edit(key) => self.edit(key),
            Action::Paste(text) => self.paste(&text),
            Action::NextTab => self.switch(1),
            Action::PrevTab => self.switch(self.tabs.len().saturating_sub(1)),
            Action::SelectTab(index) if index < self.tabs.len() => self.active = index,
            Action::SelectTab(index) => {
                self.status = Some(format!("There is no tab {}.", index + 1))
            }
            Action::ScrollUp(_)
            | Action::ScrollDown(_)
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.scroll(&action),
            Action::OlderTurn => self.select_turn(false),
            Action::NewerTurn => self.select_turn(true),
            Action::TalkTo => return self.talk_to(),
            Action::Resize(width, height) => self.size = Rect::new(0, 0, width, height),
        }
        Vec::new()
    }

    /// Takes a finished job's answer.
    pub fn on_answer(&mut self, answer: Answer) {
        let reply = match answer.result {
            Ok(turn) => Reply::Answered(Box::new(turn)),
            Err(error) => Reply::Failed(sanitize_line(&error)),
        };
        let exchange = self
            .tabs
            .get_mut(answer.tab)
            .and_then(|tab| tab.exchanges.iter_mut().find(|e| e.id == answer.id));
        match exchange {
            Some(exchange) => exchange.reply = reply,
            None => tracing::warn!(
                tab = answer.tab,
                id = answer.id,
                "answer for an unknown turn"
            ),
        }
    }

    fn open(&mut self, popup: Popup) {
        self.popup = Some(popup);
        self.popup_scroll = 0;
    }

    fn switch(&mut self, step: usize) {
        if !self.tabs.is_empty() {
            self.active = (self.active + step) % self.tabs.len();
        }
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        self.style_input();
    }

    fn reset_input(&mut self) {
        self.input = TextArea::default();
        self.input
            .set_cursor_line_style(self.theme.style(Role::Text));
        self.input.set_style(self.theme.style(Role::Text));
        self.input
            .set_placeholder_style(self.theme.style(Role::Placeholder));
        self.input
            .set_selection_style(self.theme.style(Role::Cursor));
        self.style_input();
    }

    fn style_input(&mut self) {
        if self.mode == Mode::Typing {
            self.input.set_cursor_style(self.theme.style(Role::Cursor));
            self.input
                .set_placeholder_text("Type a question; Enter sends it");
        } else {
            self.input.set_cursor_style(self.theme.style(Role::Text));
            self.input.set_placeholder_text("Press i to type");
        }
    }

    fn edit(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let newline = matches!(key.code, KeyCode::Enter)
            || (ctrl && matches!(key.code, KeyCode::Char('m' | 'j')));
        if self.mode != Mode::Typing || newline {
            return;
        }
        self.input.input(key);
        if self.input.lines().len() > 1 {
            let text = self.input_text();
            self.reset_input();
            self.input.insert_str(text);
        }
    }

    fn paste(&mut self, text: &str) {
        let clean: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        self.set_mode(Mode::Typing);
        self.input.insert_str(clean);
    }

    fn submit(&mut self) -> Vec<Effect> {
        let question = self.input_text().trim().to_string();
        if question.is_empty() {
            return Vec::new();
        }
        self.reset_input();
        self.ask(self.active, question)
    }

    /// Adds a pending turn to tab `index` and returns the job that answers it.
    fn ask(&mut self, index: usize, question: String) -> Vec<Effect> {
        let id = self.next_id;
        self.next_id += 1;
        let Some(tab) = self.tabs.get_mut(index) else {
            return Vec::new();
        };
        tab.exchanges.push(Exchange {
            id,
            question: question.clone(),
            reply: Reply::Thinking,
        });
        tab.selected = None;
        tab.scroll = Scroll::Follow;
        vec![Effect::Ask(Ask {
            tab: index,
            id,
            bot: tab.bot_id.clone(),
            question,
        })]
    }

    fn talk_to(&mut self) -> Vec<Effect> {
        let Some(tab) = self.tab() else {
            return Vec::new();
        };
        let Some(exchange) = tab.trace_index().and_then(|i| tab.exchanges.get(i)) else {
            self.status = Some("Ask a question first; talk to follows its routing.".into());
            return Vec::new();
        };
        let turn = match &exchange.reply {
            Reply::Answered(turn) => turn,
            Reply::Thinking => {
                self.status = Some(format!("{} is still thinking…", tab.name));
                return Vec::new();
            }
            Reply::Failed(_) => {
                self.status = Some("That turn failed; there is nobody to talk to.".into());
                return Vec::new();
            }
        };
        let Some(best) = turn.delegation.first() else {
            self.status = Some(if tab.is_master {
                format!(
                    "No bot passed the threshold ({:.2}); nobody to talk to.",
                    turn.min_confidence
                )
            } else {
                format!(
                    "This is {}'s own tab; talk to follows the master's routing.",
                    tab.bot_id
                )
            });
            return Vec::new();
        };
        let question = exchange.question.clone();
        let Some(target) = self.tabs.iter().position(|t| t.bot_id == best.bot_id) else {
            self.status = Some(format!(
                "There is no tab for {}.",
                sanitize_line(&best.bot_id)
            ));
            return Vec::new();
        };
        self.active = target;
        self.status = Some(format!(
            "Talking to {}: same question asked here.",
            self.tabs[target].bot_id
        ));
        self.ask(target, question)
    }

    /// The conversation pane's text size (columns, rows) at the current terminal size.
    fn conversation_size(&self) -> (usize, usize) {
        let area = ui::areas(self, self.size).conversation_text;
        (usize::from(area.width), usize::from(area.height))
    }

    fn scroll(&mut self, action: &Action) {
        if self.popup.is_some() {
            let page = usize::from(self.size.height.saturating_sub(6)).max(1);
            let max = ui::popup::max_scroll(self, self.size);
            self.popup_scroll = match action {
                Action::ScrollUp(n) => self.popup_scroll.saturating_sub(*n),
                Action::ScrollDown(n) => self.popup_scroll + n,
                Action::PageUp => self.popup_scroll.saturating_sub(page),
                Action::PageDown => self.popup_scroll + page,
                Action::Top => 0,
                _ => max,
            }
            .min(max);
            return;
        }
        let (width, height) = self.conversation_size();
        let Some(tab) = self.tabs.get_mut(self.active) else {
            return;
        };
        let total = ui::conversation::transcript(tab, width).rows.len();
        let max_top = total.saturating_sub(height);
        let top = match tab.scroll {
            Scroll::Follow => max_top,
            Scroll::Top(row) => row.min(max_top),
        };
        let page = height.saturating_sub(1).max(1);
        let new_top = match action {
            Action::ScrollUp(n) => top.saturating_sub(*n),
            Action::ScrollDown(n) => top + n,
            Action::PageUp => top.saturating_sub(page),
            Action::PageDown => top + page,
            Action::Top => 0,
            _ => max_top,
        };
        tab.scroll = if new_top >= max_top {
            Scroll::Follow
        } else {
            Scroll::Top(new_top)
        };
    }

    fn select_turn(&mut self, newer: bool) {
        let (width, height) = self.conversation_size();
        let Some(tab) = self.tabs.get_mut(self.active) else {
            return;
        };
        let Some(current) = tab.trace_index() else {
            self.status = Some("No turns yet.".into());
            return;
        };
        let last = tab.exchanges.len() - 1;
        let next = if newer {
            (current + 1).min(last)
        } else {
            current.saturating_sub(1)
        };
        tab.selected = (next != last).then_some(next);
        // Bring the selected turn into view.
        let transcript = ui::conversation::transcript(tab, width);
        let max_top = transcript.rows.len().saturating_sub(height);
        let top = match tab.scroll {
            Scroll::Follow => max_top,
            Scroll::Top(row) => row.min(max_top),
        };
        if let Some(&start) = transcript.starts.get(next) {
            if start < top || start >= top + height {
                tab.scroll = if start >= max_top {
                    Scroll::Follow
                } else {
                    Scroll::Top(start)
                };
            }
        }
    }
}
