//! How actions change the QnA view ([`super::qna`]): opening it, filtering, moving, the entry
//! editor, saving, deleting, confirmations, and what finished QnA work reports. No drawing
//! and no I/O: saving, searching and indexing are [`Effect`]s the runtime carries out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::text::sanitize_line;

use super::action::{Action, Choice, Effect, QnaReport, SaveEntry};
use super::qna::{
    Confirm, ElementEditor, EntryEditor, EntryFields, Field, PreviewTurn, QnaView, Showing,
};
use super::state::{App, Focus};
use super::tab::Reply;
use super::ui;

impl App {
    /// Handles `action` when the QnA view is open; `None` leaves it to the rest of the app.
    pub(super) fn qna_update(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let view = self.qna.as_mut()?;
        if view.confirm.is_some() {
            return match action {
                Action::Answer(choice) => Some(self.answer(*choice)),
                Action::Resize(..) => None,
                Action::Quit => Some(vec![Effect::Quit]),
                _ => Some(Vec::new()),
            };
        }
        if self.popup.is_some() {
            return None;
        }
        if view.showing == Showing::Replies
            && let Some(effects) = self.replies_update(action)
        {
            return Some(effects);
        }
        let view = self.qna.as_mut()?;
        let effects = match action {
            Action::ShowReplies => {
                if !view.editing() {
                    view.showing = match view.showing {
                        Showing::Entries => Showing::Replies,
                        Showing::Replies => Showing::Entries,
                    };
                    view.detail_scroll = 0;
                }
                Vec::new()
            }
            Action::Quit if view.has_unsaved_changes() => {
                view.confirm = Some(Confirm::Quit);
                Vec::new()
            }
            Action::CloseQna => {
                if view.has_unsaved_changes() {
                    view.confirm = Some(Confirm::CloseView);
                } else {
                    self.qna = None;
                }
                Vec::new()
            }
            Action::Filter => {
                view.filtering = true;
                Vec::new()
            }
            Action::FilterDone => {
                view.filtering = false;
                Vec::new()
            }
            Action::FilterClear => {
                view.filtering = false;
                view.filter.clear();
                self.refilter()
            }
            Action::ScrollUp(_)
            | Action::ScrollDown(_)
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
                if view.editor.is_none() =>
            {
                self.move_entry_selection(action);
                Vec::new()
            }
            Action::DetailScroll(step) => {
                view.detail_scroll = view.detail_scroll.saturating_add_signed(*step as isize);
                Vec::new()
            }
            Action::EditEntry => {
                self.edit_selected();
                Vec::new()
            }
            Action::AddEntry => {
                self.add_entry();
                Vec::new()
            }
            Action::DeleteEntry => {
                self.ask_delete();
                Vec::new()
            }
            Action::ToggleEnabled => self.toggle_enabled(),
            Action::NextField | Action::PrevField => {
                if let Some(editor) = view.editor.as_mut() {
                    editor.field = editor.field.step(*action == Action::NextField);
                }
                Vec::new()
            }
            Action::SaveEntry => self.save_draft(false),
            Action::CloseEditor => {
                if view.has_unsaved_changes() {
                    view.confirm = Some(Confirm::DiscardDraft);
                } else {
                    view.editor = None;
                    view.element_editor = None;
                }
                Vec::new()
            }
            Action::ExternalEditor => match &view.editor {
                Some(editor) => {
                    let id = editor.entry_id.clone().unwrap_or_else(|| "(new)".into());
                    vec![Effect::ExternalEdit(editor.fields().to_document(
                        &view.bot_id,
                        &id,
                        &view.language,
                    ))]
                }
                None => Vec::new(),
            },
            Action::Reask => self.reask(),
            Action::Edit(key) => {
                self.qna_key(*key);
                return Some(self.refilter_if_typing());
            }
            Action::Paste(text) => {
                self.qna_paste(text);
                return Some(self.refilter_if_typing());
            }
            _ => return None,
        };
        Some(effects)
    }

    /// Opens the QnA view of this tab's bot, or of the selected trace row's bot at its entry.
    pub(super) fn open_qna(&mut self) -> Vec<Effect> {
        let Some(tab) = self.tab() else {
            return Vec::new();
        };
        let (bot, entry) = match tab.selected_trace_row() {
            Some(row) if self.focus == Focus::Trace => (row.bot_id.clone(), row.entry_id.clone()),
            _ => (tab.bot_id.clone(), None),
        };
        let remote = self
            .tabs
            .iter()
            .find(|t| t.bot_id == bot)
            .is_some_and(|t| t.remote.is_some());
        if remote {
            self.status = Some(format!(
                "{} is a remote bot: its QnA lives on its own machine.",
                sanitize_line(&bot)
            ));
            return Vec::new();
        }
        let preview = self.preview_turn();
        self.qna = Some(QnaView::opening(&bot, self.active, entry, preview));
        vec![Effect::OpenQna { bot }]
    }

    /// Takes what finished QnA work reported; returns follow-up work.
    pub fn on_qna_report(&mut self, report: QnaReport) -> Vec<Effect> {
        let report = match report {
            QnaReport::Reindexed {
                bot,
                outside,
                changes,
                entries,
                elements,
                millis,
            } => return self.on_reindexed(&bot, outside, &changes, entries, elements, millis),
            QnaReport::Reindexing { bot, step } => {
                self.on_reindexing(&bot, step);
                return Vec::new();
            }
            report => report,
        };
        let Some(view) = self.qna.as_mut() else {
            return Vec::new();
        };
        match report {
            QnaReport::Opened {
                bot,
                language,
                entries,
                elements,
            } if bot == view.bot_id => {
                view.language = language;
                let no_entries = entries.as_ref().is_ok_and(Vec::is_empty);
                if no_entries && !elements.is_empty() {
                    // The master usually has no QnA: its replies are what there is to edit.
                    view.showing = Showing::Replies;
                }
                view.elements = elements;
                let effects = self.take_entries(entries);
                self.apply_restored_draft();
                return effects;
            }
            QnaReport::Found {
                bot,
                seq,
                positions,
            } if bot == view.bot_id && seq == view.find_seq => match positions {
                Ok(positions) => {
                    let keep = view.selected_entry().map(|e| e.id.clone());
                    view.shown = positions;
                    view.selected = keep
                        .and_then(|id| view.position_of(&id))
                        .unwrap_or_default();
                    view.list_top = 0;
                    view.detail_scroll = 0;
                    self.keep_selection_in_view();
                }
                Err(error) => self.status = Some(sanitize_line(&error)),
            },
            QnaReport::Saved { bot, outcome } if bot == view.bot_id => match outcome {
                Ok(entry_id) => {
                    view.editor = None;
                    view.element_editor = None;
                    view.select_id = Some(entry_id.clone());
                    view.saved_since_open = true;
                    view.busy = Some(format!("re-indexing {}…", view.bot_id));
                    self.status = Some(format!("Saved {}.", sanitize_line(&entry_id)));
                }
                Err(failure) => {
                    view.busy = None;
                    let message = sanitize_line(&failure.message);
                    if failure.conflict && view.editing() {
                        view.confirm = Some(Confirm::Conflict { message });
                    } else if let Some(editor) = view.editor.as_mut() {
                        editor.error = Some(message);
                    } else if let Some(editor) = view.element_editor.as_mut() {
                        editor.error = Some(message);
                    } else {
                        self.status = Some(message);
                    }
                }
            },
            QnaReport::Edited(result) if view.element_editor.is_some() => {
                let state = view.preview.state.clone();
                if let Some(editor) = view.element_editor.as_mut() {
                    match result {
                        Ok(text) => {
                            let text = text.strip_suffix('\n').unwrap_or(&text);
                            editor.text = ratatui_textarea::TextArea::new(
                                text.lines().map(String::from).collect(),
                            );
                            editor.render(&state);
                            editor.error = None;
                        }
                        Err(error) => editor.error = Some(sanitize_line(&error)),
                    }
                }
            }
            QnaReport::Edited(result) => match (result, view.editor.as_mut()) {
                (Ok(text), Some(editor)) => match EntryFields::from_document(&text) {
                    Ok(fields) => {
                        editor.set_fields(&fields);
                        editor.error = None;
                    }
                    Err(error) => {
                        editor.error = Some(sanitize_line(&format!(
                            "the edited text was not used: {error}"
                        )))
                    }
                },
                (Err(error), Some(editor)) => editor.error = Some(sanitize_line(&error)),
                _ => {}
            },
            _ => {}
        }
        Vec::new()
    }

    /// Shows how far re-indexing `bot` has come: in its QnA view's busy line, or (for a bot
    /// large enough to take a while) in the footer.
    fn on_reindexing(&mut self, bot: &str, step: crate::ReindexStep) {
        let (text, large) = match step {
            crate::ReindexStep::Read { entries } => (
                format!("{entries} entries read, indexing…"),
                entries >= crate::index::PROGRESS_EVERY,
            ),
            crate::ReindexStep::Indexing { done, total } => (
                format!("indexed {done}/{total}…"),
                total >= crate::index::PROGRESS_EVERY,
            ),
            // Seconds on an NLU-style workspace: always worth a line.
            crate::ReindexStep::TrainingRouter => {
                ("indexed, training the bot router…".to_string(), true)
            }
        };
        match self.qna.as_mut().filter(|v| v.bot_id == bot) {
            Some(view) => view.busy = Some(text),
            None if large => {
                self.status = Some(format!("Re-indexing {}: {text}", sanitize_line(bot)));
            }
            None => {}
        }
    }

    /// Takes a bot indexed again, after a save of the app's own or a change on disk
    /// (`outside`): the tab's count, the tab's ↻ mark for outside changes, and the open QnA
    /// view of that bot (its drafts are kept: saving them then meets the version check).
    fn on_reindexed(
        &mut self,
        bot: &str,
        outside: bool,
        changes: &str,
        entries: Result<Vec<crate::workspace::QnaEntry>, String>,
        elements: Vec<crate::workspace::ContentElement>,
        millis: u64,
    ) -> Vec<Effect> {
        let active_bot = self.tab().map(|t| t.bot_id.clone());
        if let Some(tab) = self.tabs.iter_mut().find(|t| t.bot_id == bot) {
            if let Ok(list) = &entries {
                tab.entries = list.len();
            }
            tab.changed_on_disk = outside && active_bot.as_deref() != Some(bot);
        }
        let bot = sanitize_line(bot);
        let in_view = self.qna.as_ref().is_some_and(|v| v.bot_id == bot);
        if entries.is_ok() {
            if outside {
                self.status = Some(format!(
                    "{bot} changed on disk ({}): re-indexed in {millis} ms.",
                    sanitize_line(changes)
                ));
            } else if in_view {
                self.status = Some(format!(
                    "{bot} re-indexed in {millis} ms; r re-asks the last question."
                ));
            } else if self.status.is_none() {
                self.status = Some(format!("{bot} re-indexed in {millis} ms."));
            }
        }
        let Some(view) = self.qna.as_mut().filter(|v| v.bot_id == bot) else {
            if let Err(error) = entries {
                self.status = Some(sanitize_line(&error));
            }
            return Vec::new();
        };
        if !outside {
            view.busy = None;
        }
        if entries.is_ok() {
            view.elements = elements;
            view.element_selected = view
                .element_selected
                .min(view.elements.len().saturating_sub(1));
        }
        self.take_entries(entries)
    }

    /// Puts freshly read entries in the view, keeps the selection on the same entry, and
    /// filters again.
    fn take_entries(
        &mut self,
        entries: Result<Vec<crate::workspace::QnaEntry>, String>,
    ) -> Vec<Effect> {
        let Some(view) = self.qna.as_mut() else {
            return Vec::new();
        };
        match entries {
            Ok(entries) => {
                let keep = view
                    .select_id
                    .take()
                    .or_else(|| view.selected_entry().map(|e| e.id.clone()));
                view.shown = (0..entries.len()).collect();
                view.entries = Some(entries);
                view.selected = keep
                    .and_then(|id| view.position_of(&id))
                    .unwrap_or_default();
                if !view.filter.trim().is_empty() {
                    view.select_id = view.selected_entry().map(|e| e.id.clone());
                    return self.refilter();
                }
                self.keep_selection_in_view();
            }
            Err(error) => {
                view.entries.get_or_insert_with(Vec::new);
                self.status = Some(sanitize_line(&error));
            }
        }
        Vec::new()
    }

    /// Searches the entries for the filter again (through the core's finder).
    fn refilter(&mut self) -> Vec<Effect> {
        let Some(view) = self.qna.as_mut() else {
            return Vec::new();
        };
        view.find_seq += 1;
        if view.filter.trim().is_empty() {
            let keep = view.selected_entry().map(|e| e.id.clone());
            view.shown = (0..view.entries.as_ref().map_or(0, Vec::len)).collect();
            view.selected = keep
                .and_then(|id| view.position_of(&id))
                .unwrap_or_default();
            self.keep_selection_in_view();
            return Vec::new();
        }
        vec![Effect::FindEntries {
            bot: view.bot_id.clone(),
            filter: view.filter.clone(),
            seq: view.find_seq,
        }]
    }

    fn refilter_if_typing(&mut self) -> Vec<Effect> {
        if self.qna.as_ref().is_some_and(|v| v.filtering) {
            self.refilter()
        } else {
            Vec::new()
        }
    }

    /// A key for the filter or the editor's focused field.
    fn qna_key(&mut self, key: KeyEvent) {
        let Some(view) = self.qna.as_mut() else {
            return;
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(editor) = view.editor.as_mut() {
            let newline = key.code == KeyCode::Enter
                || (ctrl && matches!(key.code, KeyCode::Char('m' | 'j')));
            if newline && editor.field == Field::Contexts {
                return;
            }
            editor.focused_mut().input(key);
            editor.error = None;
            return;
        }
        if view.filtering {
            match key.code {
                KeyCode::Backspace => {
                    view.filter.pop();
                }
                KeyCode::Char('u') if ctrl => view.filter.clear(),
                KeyCode::Char('w') if ctrl => {
                    let kept = view.filter.trim_end();
                    let cut = kept.rfind(char::is_whitespace).map_or(0, |i| i + 1);
                    view.filter.truncate(cut);
                }
                KeyCode::Char(c) if !ctrl && !c.is_control() => view.filter.push(c),
                _ => {}
            }
        }
    }

    fn qna_paste(&mut self, text: &str) {
        let Some(view) = self.qna.as_mut() else {
            return;
        };
        if let Some(editor) = view.editor.as_mut() {
            let multi_line = editor.field != Field::Contexts;
            let clean: String = text
                .replace("\r\n", "\n")
                .chars()
                .map(|c| match c {
                    '\n' if multi_line => '\n',
                    '\n' | '\t' | '\r' => ' ',
                    c => c,
                })
                .filter(|c| *c == '\n' || !c.is_control())
                .collect();
            editor.focused_mut().insert_str(clean);
            return;
        }
        if view.filtering {
            view.filter.extend(
                text.chars()
                    .map(|c| if c.is_whitespace() { ' ' } else { c })
                    .filter(|c| !c.is_control()),
            );
        }
    }

    fn move_entry_selection(&mut self, action: &Action) {
        let page = ui::qna::list_height(self.size).max(1);
        let Some(view) = self.qna.as_mut() else {
            return;
        };
        let count = view.shown.len();
        if count == 0 {
            return;
        }
        let current = view.selected.min(count - 1);
        view.selected = match action {
            Action::ScrollUp(n) => current.saturating_sub(*n),
            Action::ScrollDown(n) => current + n,
            Action::PageUp => current.saturating_sub(page),
            Action::PageDown => current + page,
            Action::Top => 0,
            _ => count - 1,
        }
        .min(count - 1);
        view.detail_scroll = 0;
        self.keep_selection_in_view();
    }

    /// Scrolls the entry list just enough to show the selected row.
    fn keep_selection_in_view(&mut self) {
        let height = ui::qna::list_height(self.size).max(1);
        if let Some(view) = self.qna.as_mut() {
            if view.selected < view.list_top {
                view.list_top = view.selected;
            } else if view.selected >= view.list_top + height {
                view.list_top = view.selected + 1 - height;
            }
        }
    }

    fn edit_selected(&mut self) {
        let Some(view) = self.qna.as_mut() else {
            return;
        };
        let Some(entry) = view.selected_entry() else {
            self.status = Some("No entry selected; a adds one.".into());
            return;
        };
        let mut editor =
            EntryEditor::new(Some(entry.id.clone()), entry.form, EntryFields::of(entry));
        editor.base_version = entry.version;
        view.editor = Some(editor);
    }

    fn add_entry(&mut self) {
        let Some(view) = self.qna.as_mut() else {
            return;
        };
        if view.entries.is_none() {
            self.status = Some("The entries are still being read.".into());
            return;
        }
        let form = view
            .entries
            .as_ref()
            .and_then(|e| e.first())
            .map_or(crate::workspace::QnaForm::V11, |e| e.form);
        view.editor = Some(EntryEditor::new(None, form, EntryFields::blank()));
    }

    fn ask_delete(&mut self) {
        let Some(view) = self.qna.as_mut() else {
            return;
        };
        let Some(entry) = view.selected_entry() else {
            self.status = Some("No entry selected.".into());
            return;
        };
        view.confirm = Some(Confirm::Delete {
            entry_id: entry.id.clone(),
            question: entry.questions.first().cloned().unwrap_or_default(),
        });
    }

    fn toggle_enabled(&mut self) -> Vec<Effect> {
        let Some(view) = self.qna.as_mut() else {
            return Vec::new();
        };
        if let Some(editor) = view.editor.as_mut() {
            editor.enabled = !editor.enabled;
            return Vec::new();
        }
        let Some(entry) = view.selected_entry() else {
            return Vec::new();
        };
        let mut fields = EntryFields::of(entry);
        fields.enabled = !fields.enabled;
        let request = SaveEntry {
            bot: view.bot_id.clone(),
            entry_id: Some(entry.id.clone()),
            fields,
            expected: entry.version,
            overwrite: false,
        };
        view.busy = Some("saving…".into());
        vec![Effect::SaveEntry(request)]
    }

    /// Saves the editor's draft (`overwrite`: even over a file changed on disk).
    fn save_draft(&mut self, overwrite: bool) -> Vec<Effect> {
        let Some(view) = self.qna.as_mut() else {
            return Vec::new();
        };
        let Some(editor) = view.editor.as_mut() else {
            return Vec::new();
        };
        let fields = editor.fields();
        let missing = match (fields.questions.is_empty(), fields.answers.is_empty()) {
            (true, _) => Some("An entry needs at least one question."),
            (_, true) => Some("An entry needs at least one answer."),
            _ => None,
        };
        if let Some(missing) = missing {
            editor.error = Some(missing.into());
            return Vec::new();
        }
        if !overwrite && editor.entry_id.is_some() && !editor.is_dirty() {
            view.editor = None;
            self.status = Some("Nothing changed.".into());
            return Vec::new();
        }
        editor.error = None;
        let request = SaveEntry {
            bot: view.bot_id.clone(),
            entry_id: editor.entry_id.clone(),
            fields,
            expected: editor.base_version,
            overwrite,
        };
        view.busy = Some("saving…".into());
        vec![Effect::SaveEntry(request)]
    }

    fn answer(&mut self, choice: Choice) -> Vec<Effect> {
        let Some(view) = self.qna.as_mut() else {
            return Vec::new();
        };
        let Some(confirm) = view.confirm.take() else {
            return Vec::new();
        };
        match (confirm, choice) {
            (Confirm::Delete { entry_id, .. }, Choice::Yes) => {
                view.busy = Some("deleting…".into());
                vec![Effect::DeleteEntry {
                    bot: view.bot_id.clone(),
                    entry_id,
                }]
            }
            (Confirm::DiscardDraft, Choice::Yes) => {
                view.editor = None;
                view.element_editor = None;
                Vec::new()
            }
            (Confirm::CloseView, Choice::Yes) => {
                self.qna = None;
                Vec::new()
            }
            (Confirm::Quit, Choice::Yes) => {
                // The user chose to lose the draft: it is not kept for recovery either.
                view.editor = None;
                view.element_editor = None;
                vec![Effect::Quit]
            }
            (Confirm::Conflict { .. }, Choice::Overwrite) if view.element_editor.is_some() => {
                self.save_element(true)
            }
            (Confirm::Conflict { .. }, Choice::Overwrite) => self.save_draft(true),
            (Confirm::Conflict { .. }, Choice::Reload) => {
                view.editor = None;
                view.element_editor = None;
                view.busy = Some(format!("reading {} again…", view.bot_id));
                vec![Effect::ReloadBot {
                    bot: view.bot_id.clone(),
                }]
            }
            (confirm @ Confirm::Conflict { .. }, Choice::Yes) => {
                // Enter does not pick for the user: reload and overwrite both lose something.
                view.confirm = Some(confirm);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Closes the view and asks the last question of the conversation it was opened from
    /// again; the earlier turn stays above for comparison.
    fn reask(&mut self) -> Vec<Effect> {
        let Some(view) = self.qna.as_ref() else {
            return Vec::new();
        };
        if view.busy.is_some() {
            self.status = Some("Still re-indexing; r again in a moment.".into());
            return Vec::new();
        }
        // The tab the view was opened from, else the master's conversation.
        let last_question = |index: usize| {
            self.tabs.get(index).and_then(|tab| {
                tab.exchanges
                    .iter()
                    .rev()
                    .find(|e| !matches!(e.reply, Reply::Thinking))
                    .map(|e| (index, e.question.clone()))
            })
        };
        let master = self.tabs.iter().position(|t| t.is_master);
        let found = last_question(view.from_tab).or_else(|| master.and_then(last_question));
        let Some((from, question)) = found else {
            self.status = Some("That conversation has no question to ask again.".into());
            return Vec::new();
        };
        if view.has_unsaved_changes() {
            self.status = Some("Save (Ctrl-S) or close (Esc) the draft first.".into());
            return Vec::new();
        }
        self.qna = None;
        self.active = from;
        self.status = Some("Asked again with the new index.".into());
        self.ask(from, question)
    }
}

impl App {
    /// The QnA view's keys while it shows replies; `None` leaves the action to the entries'
    /// handling (keys both lists share: leaving, help, quitting).
    fn replies_update(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let view = self.qna.as_mut()?;
        let effects = match action {
            Action::ScrollUp(_)
            | Action::ScrollDown(_)
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
                if view.element_editor.is_none() =>
            {
                let count = view.elements.len();
                if count > 0 {
                    let current = view.element_selected.min(count - 1);
                    view.element_selected = match action {
                        Action::ScrollUp(n) => current.saturating_sub(*n),
                        Action::ScrollDown(n) => current + n,
                        Action::PageUp | Action::Top => 0,
                        _ => count - 1,
                    }
                    .min(count - 1);
                    view.detail_scroll = 0;
                }
                Vec::new()
            }
            Action::EditEntry => {
                let state = view.preview.state.clone();
                match view.selected_element() {
                    Some(element) => {
                        let text = element.text.clone().unwrap_or_default();
                        let mut editor = ElementEditor::new(&element.id, &text, &state);
                        editor.base_version = element.version;
                        view.element_editor = Some(editor);
                    }
                    None => self.status = Some("This bot has no content elements.".into()),
                }
                Vec::new()
            }
            Action::AddEntry | Action::DeleteEntry | Action::ToggleEnabled | Action::Filter => {
                self.status = Some(
                    "Replies are edited here, not added or removed; c shows the entries.".into(),
                );
                Vec::new()
            }
            Action::SaveEntry => self.save_element(false),
            Action::Edit(key) if view.element_editor.is_some() => {
                let state = view.preview.state.clone();
                if let Some(editor) = view.element_editor.as_mut() {
                    editor.text.input(*key);
                    editor.error = None;
                    editor.render(&state);
                }
                Vec::new()
            }
            Action::Paste(text) if view.element_editor.is_some() => {
                let state = view.preview.state.clone();
                if let Some(editor) = view.element_editor.as_mut() {
                    let clean: String = text
                        .replace("\r\n", "\n")
                        .chars()
                        .filter(|c| *c == '\n' || !c.is_control())
                        .collect();
                    editor.text.insert_str(clean);
                    editor.render(&state);
                }
                Vec::new()
            }
            Action::ExternalEditor => match &view.element_editor {
                Some(editor) => vec![Effect::ExternalEdit(editor.current() + "\n")],
                None => Vec::new(),
            },
            Action::NextField | Action::PrevField => Vec::new(),
            _ => return None,
        };
        Some(effects)
    }

    /// Saves the reply being edited (`overwrite`: even over a file changed on disk).
    fn save_element(&mut self, overwrite: bool) -> Vec<Effect> {
        let Some(view) = self.qna.as_mut() else {
            return Vec::new();
        };
        let Some(editor) = view.element_editor.as_mut() else {
            return Vec::new();
        };
        if let Err(error) = crate::template::validate(&editor.current()) {
            editor.error = Some(format!("Not saved: the template does not parse: {error}"));
            return Vec::new();
        }
        if !overwrite && !editor.is_dirty() {
            view.element_editor = None;
            self.status = Some("Nothing changed.".into());
            return Vec::new();
        }
        editor.error = None;
        view.busy = Some("saving…".into());
        vec![Effect::SaveElement {
            bot: view.bot_id.clone(),
            element_id: editor.element_id.clone(),
            text: editor.current(),
            expected: editor.base_version,
            overwrite,
        }]
    }

    /// What replies are previewed against: the turn the master's trace shows (the current
    /// tab's when it is the master), else a sample state with no delegation.
    pub(super) fn preview_turn(&self) -> PreviewTurn {
        let master = self
            .tab()
            .filter(|t| t.is_master)
            .or_else(|| self.tabs.iter().find(|t| t.is_master));
        match master.and_then(|t| t.shown_turn()) {
            Some(turn) => PreviewTurn {
                question: Some(turn.question.clone()),
                state: crate::session::turn_state(turn),
            },
            None => PreviewTurn {
                question: None,
                state: serde_json::json!({
                    "user": {}, "session": {}, "temp": {"delegation": []},
                    "event": {"type": "text", "preview": "", "payload": {"type": "text", "text": ""}},
                }),
            },
        }
    }
}

impl QnaView {
    /// Where the entry with `id` is in the shown list.
    pub fn position_of(&self, id: &str) -> Option<usize> {
        let entries = self.entries.as_ref()?;
        self.shown
            .iter()
            .position(|&pos| entries.get(pos).is_some_and(|e| e.id == id))
    }
}
