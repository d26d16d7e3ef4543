//! How actions change the app's state ([`super::state`]). No drawing and no I/O:
//! [`App::update`] takes an [`Action`] and returns [`Effect`]s for the runtime;
//! [`App::on_answer`] takes what a finished job reported. To scroll, it measures with the
//! same pure row and layout functions the drawing uses ([`super::ui`]).
//!
//! Slightly over the ~600 lines the codebase aims for: [`App::update`] and the small handler
//! each action calls (input, picker, focus, scroll, handoff) are one state machine, kept in
//! one file.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

pub use super::state::{App, Focus, PickerState, Popup, Recall};
pub use super::tab::{BotTab, Exchange, Reply, Scroll};

use crate::Engine;
use crate::history::History;
use crate::text::sanitize_line;

use super::action::{Action, Answer, Ask, Effect, LineEdit};
use super::keymap::{self, Mode};
use super::picker;
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
            focus: Focus::Conversation,
            picker: PickerState::default(),
            history: History::default(),
            recall: Recall::default(),
            input: TextArea::default(),
            problems,
            changes: Vec::new(),
            status: None,
            size,
            theme,
            qna: None,
            recovery: None,
            eval: None,
            eval_shown: false,
            record: None,
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
            .chain(engine.delegator().remote_bots().map(|remote| BotTab {
                remote: Some(sanitize_line(&remote.base_url)),
                ..BotTab::new(&remote.id, &remote.name, 0, false)
            }))
            .collect();
        let problems = engine
            .problems()
            .iter()
            .map(|p| sanitize_line(&p.to_string()))
            .collect();
        Self::new(tabs, problems, theme, size)
    }

    /// Handles a key event the way the event loop does: presses only, through the keymap.
    ///
    /// An Alt-modified key that no binding takes is Esc followed by that key: terminals send
    /// Alt-x as Esc then x, and crossterm reads an Esc quickly followed by a key as Alt-key,
    /// so `Esc` then `2` typed fast must still leave typing mode and select tab 2.
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind != KeyEventKind::Press {
            return Vec::new();
        }
        let alt = key.modifiers.contains(KeyModifiers::ALT)
            && !key.modifiers.contains(KeyModifiers::CONTROL);
        let action = keymap::action_for(self.key_mode(), &key);
        if alt && matches!(action, None | Some(Action::Edit(_))) {
            let mut effects = self.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            let mut plain = key;
            plain.modifiers.remove(KeyModifiers::ALT);
            effects.extend(self.handle_key(plain));
            return effects;
        }
        match action {
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    /// Applies one action; returns the work it needs done.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if !matches!(action, Action::Resize(..)) {
            self.status = None;
        }
        if self.key_mode() == Mode::Record
            && let Some(effects) = self.record_update(&action)
        {
            return effects;
        }
        if self.key_mode() == Mode::Recovery
            && let Some(effects) = self.recovery_update(&action)
        {
            return effects;
        }
        if self.eval_shown
            && self.qna.is_none()
            && self.popup.is_none()
            && let Some(effects) = self.eval_update(&action)
        {
            return effects;
        }
        if let Some(effects) = self.qna_update(&action) {
            return effects;
        }
        match action {
            Action::Quit => return vec![Effect::Quit],
            Action::Help => self.open(Popup::Help),
            Action::Problems => self.open(Popup::Problems),
            Action::ClosePopup => self.popup = None,
            Action::ToggleFocus => self.toggle_focus(),
            Action::Picker => {
                self.picker = PickerState::default();
                self.popup = Some(Popup::Picker);
            }
            Action::Pick => self.pick(),
            Action::Line(edit) => self.line_edit(edit),
            Action::HistoryPrev => self.recall(true),
            Action::HistoryNext => self.recall(false),
            Action::NormalMode => self.set_mode(Mode::Normal),
            Action::TypingMode => self.set_mode(Mode::Typing),
            Action::Submit => return self.submit(),
            Action::Edit(key) => self.edit(key),
            Action::Paste(text) => self.paste(&text),
            Action::NextTab => self.switch(1),
            Action::PrevTab => self.switch(self.tabs.len().saturating_sub(1)),
            Action::SelectTab(index) if index < self.tabs.len() => self.select_tab(index),
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
            Action::OpenQna => return self.open_qna(),
            Action::ReloadAll => return self.reload_all(),
            Action::Explain => self.toggle_explain(),
            Action::OpenEval => return self.open_eval(),
            Action::OpenRecord => return self.open_record(),
            Action::RecordAsRouted | Action::RecordNoBot | Action::RecordPicked { .. } => {}
            Action::CloseEval
            | Action::EvalPage(_)
            | Action::EvalThreshold(_)
            | Action::EvalRecommended
            | Action::EvalWrite
            | Action::EvalRerun
            | Action::EvalOpen => {}
            // The QnA view's own actions do nothing while it is closed.
            Action::CloseQna
            | Action::Filter
            | Action::FilterDone
            | Action::FilterClear
            | Action::EditEntry
            | Action::AddEntry
            | Action::DeleteEntry
            | Action::ToggleEnabled
            | Action::NextField
            | Action::PrevField
            | Action::SaveEntry
            | Action::CloseEditor
            | Action::ExternalEditor
            | Action::Reask
            | Action::DetailScroll(_)
            | Action::ShowReplies
            | Action::RecoverRestore
            | Action::RecoverDiscard
            | Action::RecoverDiff
            | Action::RecoverLater
            | Action::Answer(_) => {}
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

    /// Asks for the whole workspace to be read again (what changed is shown when it is).
    pub(super) fn reload_all(&mut self) -> Vec<Effect> {
        self.status = Some("Re-reading the workspace…".to_string());
        vec![Effect::ReloadAll]
    }

    /// Takes the re-read workspace (`engine`, already in use for new questions) and what
    /// changed: counts and tabs follow it, the changes popup lists what changed, and an open
    /// QnA view reads its bot again (its drafts are kept).
    pub fn on_workspace_reloaded(
        &mut self,
        engine: &Engine,
        changes: Result<Vec<String>, String>,
    ) -> Vec<Effect> {
        let lines = match changes {
            Ok(lines) => lines,
            Err(error) => {
                self.status = Some(sanitize_line(&error));
                return Vec::new();
            }
        };
        for bot in &engine.workspace().bots {
            match self
                .tabs
                .iter_mut()
                .find(|t| t.bot_id == sanitize_line(&bot.id))
            {
                Some(tab) => tab.entries = bot.qna.len(),
                None => self.tabs.push(BotTab::new(
                    &bot.id,
                    bot.name(),
                    bot.qna.len(),
                    bot.id == crate::workspace::MASTER_ID,
                )),
            }
        }
        self.problems = engine
            .problems()
            .iter()
            .map(|p| sanitize_line(&p.to_string()))
            .collect();
        self.changes = lines.iter().map(|l| sanitize_line(l)).collect();
        self.status = Some("The workspace was read again.".to_string());
        self.open(Popup::Changes);
        match &self.qna {
            Some(view) => vec![Effect::OpenQna {
                bot: view.bot_id.clone(),
            }],
            None => Vec::new(),
        }
    }

    fn open(&mut self, popup: Popup) {
        self.popup = Some(popup);
        self.popup_scroll = 0;
    }

    fn switch(&mut self, step: usize) {
        if !self.tabs.is_empty() {
            self.select_tab((self.active + step) % self.tabs.len());
        }
    }

    fn select_tab(&mut self, index: usize) {
        self.active = index;
        if let Some(tab) = self.tabs.get_mut(index) {
            tab.changed_on_disk = false;
        }
        // History is per bot: Up starts again from this bot's newest question.
        self.recall = Recall::default();
    }

    /// Expands the selected trace row into its explanation (focusing the trace first), or
    /// folds it.
    fn toggle_explain(&mut self) {
        if self.tab().is_none_or(|t| t.trace_rows().is_empty()) {
            self.status = Some("The trace is empty: ask a question first.".into());
            return;
        }
        let focused = self.trace_focused();
        self.focus = Focus::Trace;
        if let Some(tab) = self.tabs.get_mut(self.active) {
            tab.explained = !(focused && tab.explained);
        }
    }

    fn toggle_focus(&mut self) {
        self.focus = match self.focus {
            Focus::Conversation => Focus::Trace,
            Focus::Trace => Focus::Conversation,
        };
        if self.focus == Focus::Trace && self.tab().is_some_and(|t| t.trace_rows().is_empty()) {
            self.status = Some("The trace is empty: ask a question first.".into());
        }
    }

    fn pick(&mut self) {
        let matches = picker::matches(&self.tabs, &self.picker.query);
        if let Some(&index) =
            matches.get(self.picker.highlighted.min(matches.len().saturating_sub(1)))
        {
            self.popup = None;
            self.select_tab(index);
        }
    }

    fn move_picker(&mut self, down: bool) {
        let count = picker::matches(&self.tabs, &self.picker.query).len();
        if count == 0 {
            return;
        }
        let current = self.picker.highlighted.min(count - 1);
        self.picker.highlighted = if down {
            (current + 1) % count
        } else {
            (current + count - 1) % count
        };
    }

    fn edit_picker(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Backspace => {
                self.picker.query.pop();
            }
            KeyCode::Char('u') if ctrl => self.picker.query.clear(),
            KeyCode::Char('w') if ctrl => {
                let kept = self.picker.query.trim_end();
                let cut = kept.rfind(char::is_whitespace).map_or(0, |i| i + 1);
                self.picker.query.truncate(cut);
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => self.picker.query.push(c),
            _ => return,
        }
        self.picker.highlighted = 0;
    }

    fn line_edit(&mut self, edit: LineEdit) {
        use ratatui_textarea::CursorMove;
        if self.mode != Mode::Typing {
            return;
        }
        match edit {
            LineEdit::ClearToStart => {
                self.input.delete_line_by_head();
            }
            LineEdit::KillToEnd => {
                self.input.delete_line_by_end();
            }
            LineEdit::DeleteWordBack => {
                self.input.delete_word();
            }
            LineEdit::Start => self.input.move_cursor(CursorMove::Head),
            LineEdit::End => self.input.move_cursor(CursorMove::End),
            LineEdit::Yank => {
                self.input.paste();
            }
            LineEdit::Undo => {
                self.input.undo();
            }
            LineEdit::Redo => {
                self.input.redo();
            }
        }
    }

    /// Up (`older`) or Down through this tab's bot's earlier questions; past the newest, what
    /// was being typed comes back.
    fn recall(&mut self, older: bool) {
        if self.mode != Mode::Typing {
            return;
        }
        let Some(bot) = self.tab().map(|t| t.bot_id.clone()) else {
            return;
        };
        let questions: Vec<String> = self.history.for_bot(&bot).map(String::from).collect();
        let back = if older {
            if questions.is_empty() || self.recall.back >= questions.len() {
                self.status = Some(if questions.is_empty() {
                    format!("No earlier questions to {bot}.")
                } else {
                    "That is the oldest question.".into()
                });
                return;
            }
            if self.recall.back == 0 {
                self.recall.draft = self.input_text();
            }
            self.recall.back + 1
        } else {
            if self.recall.back == 0 {
                return;
            }
            self.recall.back - 1
        };
        self.recall.back = back;
        let text = match back {
            0 => std::mem::take(&mut self.recall.draft),
            n => questions[questions.len() - n].clone(),
        };
        let clean: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        self.reset_input();
        self.input.insert_str(clean);
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
        if self.popup == Some(Popup::Picker) {
            self.edit_picker(key);
            return;
        }
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
        if self.popup == Some(Popup::Picker) {
            self.picker.query.push_str(&clean);
            self.picker.highlighted = 0;
            return;
        }
        self.set_mode(Mode::Typing);
        self.input.insert_str(clean);
    }

    fn submit(&mut self) -> Vec<Effect> {
        let question = self.input_text().trim().to_string();
        if question.is_empty() {
            return Vec::new();
        }
        self.reset_input();
        self.recall = Recall::default();
        let bot = self.tab().map(|t| t.bot_id.clone()).unwrap_or_default();
        let recorded = self.history.push(&bot, &question);
        let mut effects = self.ask(self.active, question);
        if recorded {
            effects.push(Effect::SaveHistory(self.history.clone()));
        }
        effects
    }

    /// Adds a pending turn to tab `index` and returns the job that answers it.
    pub(super) fn ask(&mut self, index: usize, question: String) -> Vec<Effect> {
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
        tab.trace_selected = 0;
        tab.trace_top = 0;
        vec![Effect::Ask(Ask {
            tab: index,
            id,
            bot: tab.bot_id.clone(),
            question,
        })]
    }

    fn talk_to(&mut self) -> Vec<Effect> {
        if self.focus == Focus::Trace {
            return self.talk_to_selected();
        }
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
        let bot = best.bot_id.clone();
        self.hand_off(&bot, question)
    }

    /// `t` with the trace focused: hand off to the selected row's bot, passed or not.
    fn talk_to_selected(&mut self) -> Vec<Effect> {
        let Some(tab) = self.tab() else {
            return Vec::new();
        };
        let Some(row) = tab.selected_trace_row() else {
            self.status = Some("Select a trace row first (ask a question, then Tab).".into());
            return Vec::new();
        };
        if !tab.is_master || row.bot_id == tab.bot_id {
            self.status = Some(format!(
                "This is {}'s own tab; its rows are its own entries.",
                tab.bot_id
            ));
            return Vec::new();
        }
        let bot = row.bot_id.clone();
        let question = tab
            .trace_index()
            .and_then(|i| tab.exchanges.get(i))
            .map(|e| e.question.clone())
            .unwrap_or_default();
        self.hand_off(&bot, question)
    }

    /// Switches to `bot`'s tab and asks it `question` there.
    fn hand_off(&mut self, bot: &str, question: String) -> Vec<Effect> {
        let Some(target) = self.tabs.iter().position(|t| t.bot_id == bot) else {
            self.status = Some(format!("There is no tab for {}.", sanitize_line(bot)));
            return Vec::new();
        };
        self.select_tab(target);
        self.focus = Focus::Conversation;
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
        if self.popup == Some(Popup::Picker) {
            match action {
                Action::ScrollDown(_) | Action::PageDown => self.move_picker(true),
                _ => self.move_picker(false),
            }
            return;
        }
        if self.trace_focused() {
            self.move_trace_selection(action);
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

    /// Moves the trace selection (`j`/`k` a row, PgUp/PgDn a pane, `g`/`G` first/last) and
    /// scrolls the pane just enough to keep it in view.
    fn move_trace_selection(&mut self, action: &Action) {
        let area = ui::areas(self, self.size).trace_text.unwrap_or_default();
        let view = ui::trace::view(self, usize::from(area.width));
        let height = usize::from(area.height).max(1);
        let Some(tab) = self.tabs.get_mut(self.active) else {
            return;
        };
        let count = view.items.len();
        if count == 0 {
            self.status = Some("The trace is empty: ask a question first.".into());
            return;
        }
        let current = tab.trace_selected.min(count - 1);
        // A page is as many rows as fit: items are a few rows each.
        let per_page = {
            let rows = view.items.get(current).map_or(1, |r| r.len().max(1));
            (height / rows.min(4)).max(1)
        };
        let next = match action {
            Action::ScrollUp(n) => current.saturating_sub(*n),
            Action::ScrollDown(n) => current + n,
            Action::PageUp => current.saturating_sub(per_page),
            Action::PageDown => current + per_page,
            Action::Top => 0,
            _ => count - 1,
        }
        .min(count - 1);
        tab.trace_selected = next;
        // The selected item grows (full texts): measure again with the new selection.
        let view = ui::trace::view(self, usize::from(area.width));
        let Some(tab) = self.tabs.get_mut(self.active) else {
            return;
        };
        if next == 0 {
            // The first row: show what is above it too (question, summary).
            tab.trace_top = 0;
        }
        if let Some(item) = view.items.get(next) {
            tab.trace_top =
                ui::trace::scroll_into_view(tab.trace_top, item.clone(), height, view.rows.len());
        }
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
        tab.trace_selected = 0;
        tab.trace_top = 0;
        // Bring the selected turn into view.
        let transcript = ui::conversation::transcript(tab, width);
        let max_top = transcript.rows.len().saturating_sub(height);
        let top = match tab.scroll {
            Scroll::Follow => max_top,
            Scroll::Top(row) => row.min(max_top),
        };
        if let Some(&start) = transcript.starts.get(next)
            && (start < top || start >= top + height)
        {
            tab.scroll = if start >= max_top {
                Scroll::Follow
            } else {
                Scroll::Top(start)
            };
        }
    }
}
