//! Helpers for the TUI tests: an `App` on a `TestBackend`, driven by keys through the same
//! keymap → `App::update` → `runtime::execute` → `App::on_answer` path the event loop uses.
// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

#[path = "../common/mod.rs"]
mod common;
pub mod workspace18;

#[allow(unused_imports)]
pub use common::{copy_dir, workspace_copy};

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use interbot::Engine;
use interbot::tui::action::{Answer, Effect};
use interbot::tui::app::App;
use interbot::tui::eval::EvalReport;
use interbot::tui::theme::Theme;
use interbot::tui::{runtime, ui};
use interbot::workspace::recovery::RecoveryStore;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

/// The Botpress interbot example (master, sub1, sub2).
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/botpress-interbot")
}

/// The bundled demo workspace.
pub fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace")
}

/// The routed question of Botpress's example.
pub const ROUTED: &str = "I have a question about my pay check";

/// What a test's `$EDITOR` does to the text it is given.
pub type EditorStandIn = fn(&str) -> Result<String, String>;

/// An app over a workspace, on a test terminal.
pub struct Harness {
    /// The engine the app's effects run on.
    pub engine: Engine,
    /// The app.
    pub app: App,
    /// The test terminal.
    pub terminal: Terminal<TestBackend>,
    /// Whether an action asked to quit.
    pub quit: bool,
    /// Where [`Effect::SaveHistory`] saves (nowhere when `None`).
    pub history_path: Option<PathBuf>,
    /// How many history saves the app asked for.
    pub history_saves: usize,
    /// The QnA view's entry finders, as the event loop keeps them.
    pub finders: runtime::Finders,
    /// What `$EDITOR` does to the text it is given (the real editor when `None`).
    pub editor: Option<EditorStandIn>,
    /// The workspace's recovery folder (recovered drafts are taken out of it here).
    pub recovery: RecoveryStore,
}

impl Harness {
    /// A `NO_COLOR` app on `workspace` at `width`×`height`.
    pub fn new(workspace: &Path, width: u16, height: u16) -> Self {
        Self::with_theme(workspace, width, height, Theme::no_color())
    }

    /// An app with a given theme.
    pub fn with_theme(workspace: &Path, width: u16, height: u16, theme: Theme) -> Self {
        let engine = Engine::load(workspace).expect("workspace loads");
        let app = App::from_engine(&engine, theme, Rect::new(0, 0, width, height));
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        Self {
            engine,
            app,
            terminal,
            quit: false,
            history_path: None,
            history_saves: 0,
            finders: runtime::Finders::default(),
            editor: None,
            recovery: RecoveryStore::new(workspace),
        }
    }

    /// Keeps the input history at `path`: loads it now, as start-up does, and saves it
    /// whenever the app asks, with the runtime's own functions.
    pub fn with_history(mut self, path: &Path) -> Self {
        let (history, note) = runtime::load_history(path);
        self.app.history = history;
        self.app.status = note;
        self.history_path = Some(path.to_path_buf());
        self
    }

    /// Runs effects as the event loop does, but in line: asks are answered before returning
    /// (with timings zeroed so snapshots are stable).
    pub async fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            let report = match effect {
                Effect::OpenQna { bot } => {
                    Some(runtime::open_qna(&self.engine, &self.finders, &bot))
                }
                Effect::FindEntries { bot, filter, seq } => Some(runtime::find_entries(
                    &self.engine,
                    &self.finders,
                    &bot,
                    &filter,
                    seq,
                )),
                Effect::SaveEntry(request) => {
                    let report = runtime::save_entry(&self.engine, &request, None);
                    queue.extend(self.after_change(&request.bot, report));
                    None
                }
                Effect::SaveElement {
                    bot,
                    element_id,
                    text,
                    expected,
                    overwrite,
                } => {
                    let report = runtime::save_element(
                        &self.engine,
                        &bot,
                        &element_id,
                        &text,
                        expected,
                        overwrite,
                        None,
                    );
                    queue.extend(self.after_change(&bot, report));
                    None
                }
                Effect::DeleteEntry { bot, entry_id } => {
                    let report = runtime::delete_entry(&self.engine, &bot, &entry_id, None);
                    queue.extend(self.after_change(&bot, report));
                    None
                }
                Effect::ReloadBot { bot } => {
                    queue.extend(self.reindex(&bot, false));
                    None
                }
                Effect::ReloadAll => {
                    queue.extend(self.reload_all());
                    None
                }
                Effect::ExternalEdit(text) => {
                    let edited = match self.editor {
                        Some(edit) => edit(&text),
                        None => runtime::external_edit(&text),
                    };
                    Some(interbot::tui::action::QnaReport::Edited(edited))
                }
                Effect::RecordCase { file, case } => {
                    let outcome = interbot::tui::eval_jobs::record_case(&self.engine, &file, &case);
                    self.app.on_recorded(outcome);
                    None
                }
                Effect::ListSets => {
                    let report = interbot::tui::eval_jobs::list_sets(&self.engine);
                    queue.extend(self.app.on_eval_report(report));
                    None
                }
                Effect::RunEval { file } => {
                    let run = interbot::tui::eval_jobs::run(&self.engine, &file, &|_, _| {});
                    let report = EvalReport::Done(run.map(|mut run| {
                        run.millis = 0;
                        Box::new(run)
                    }));
                    queue.extend(self.app.on_eval_report(report));
                    None
                }
                Effect::WriteThreshold(hundredths) => {
                    let report = interbot::tui::eval_jobs::write_threshold(
                        &self.engine,
                        f64::from(hundredths) / 100.0,
                    );
                    queue.extend(self.app.on_eval_report(report));
                    None
                }
                other => {
                    self.run_plain(other).await;
                    None
                }
            };
            if let Some(report) = report {
                queue.extend(self.app.on_qna_report(report));
            }
        }
    }

    /// Hands a save's report to the app and, when it saved, re-indexes the bot as the event
    /// loop does; returns the follow-up effects.
    fn after_change(&mut self, bot: &str, report: interbot::tui::action::QnaReport) -> Vec<Effect> {
        let saved = matches!(
            &report,
            interbot::tui::action::QnaReport::Saved { outcome: Ok(_), .. }
        );
        let mut effects = self.app.on_qna_report(report);
        if saved {
            effects.extend(self.reindex(bot, false));
        }
        effects
    }

    /// Re-reads and re-indexes `bot` as the event loop does after a save (or, `outside`,
    /// when the watcher saw its files change); returns the follow-up effects.
    pub fn reindex(&mut self, bot: &str, outside: bool) -> Vec<Effect> {
        self.finders.forget(bot);
        let (engine, mut report) = runtime::reload_bot(&self.engine, bot, outside);
        if let Some(engine) = engine {
            self.engine = engine;
        }
        if let interbot::tui::action::QnaReport::Reindexed { millis, .. } = &mut report {
            *millis = 0;
        }
        self.app.on_qna_report(report)
    }

    /// Re-reads the whole workspace as the event loop does on `R`; returns the follow-up
    /// effects.
    pub fn reload_all(&mut self) -> Vec<Effect> {
        let reloaded = runtime::reload_all(&self.engine);
        let changes = match reloaded {
            Ok((engine, lines)) => {
                self.engine = engine;
                Ok(lines)
            }
            Err(error) => Err(error),
        };
        self.app.on_workspace_reloaded(&self.engine, changes)
    }

    async fn run_plain(&mut self, effect: Effect) {
        {
            match effect {
                Effect::Ask(ask) => {
                    let mut answer = runtime::execute(&self.engine, ask).await;
                    zero_timings(&mut answer);
                    self.app.on_answer(answer);
                }
                Effect::Quit => self.quit = true,
                Effect::ForgetDraft { session, draft } => {
                    self.recovery
                        .remove(&session, &draft)
                        .expect("draft taken out");
                }
                Effect::SaveHistory(history) => {
                    self.history_saves += 1;
                    if let Some(path) = &self.history_path {
                        runtime::save_history(&history, path).expect("history saved");
                    }
                }
                _ => {}
            }
        }
    }

    /// Presses one key (with modifiers) and runs what it asks for.
    pub async fn press_with(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        let effects = self.app.handle_key(KeyEvent::new(code, modifiers));
        self.run(effects).await;
    }

    /// Presses one key; upper-case letters and symbols come with Shift as terminals send them.
    pub async fn press(&mut self, code: KeyCode) {
        let modifiers = match code {
            KeyCode::Char(c) if c.is_uppercase() => KeyModifiers::SHIFT,
            KeyCode::BackTab => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        self.press_with(code, modifiers).await;
    }

    /// Presses several keys.
    pub async fn keys(&mut self, codes: &[KeyCode]) {
        for code in codes {
            self.press(*code).await;
        }
    }

    /// Types text key by key.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// Types a question and sends it (typing mode).
    pub async fn ask(&mut self, question: &str) {
        self.type_text(question).await;
        self.press(KeyCode::Enter).await;
    }

    /// Resizes the terminal and tells the app, as a resize event does.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.app
            .update(interbot::tui::action::Action::Resize(width, height));
    }

    /// Draws the app and returns the screen's buffer.
    pub fn draw(&mut self) -> Buffer {
        let app = &self.app;
        self.terminal
            .draw(|frame| ui::draw(frame, app))
            .expect("draw");
        self.terminal.backend().buffer().clone()
    }

    /// Draws the app and returns the screen as text.
    pub fn screen(&mut self) -> String {
        screen_text(&self.draw())
    }
}

/// Sets every timing of an answer to zero.
pub fn zero_timings(answer: &mut Answer) {
    if let Ok(turn) = &mut answer.result {
        turn.micros = 0;
        for row in &mut turn.trace {
            row.micros = 0;
        }
    }
}

/// A buffer as text: one line per row, wide characters once, trailing spaces trimmed.
pub fn screen_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = symbol.width().saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The first cell whose symbol is `symbol`, searching rows top to bottom.
pub fn find_cell(buffer: &Buffer, symbol: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if buffer[(x, y)].symbol() == symbol {
                return Some((x, y));
            }
        }
    }
    None
}

/// The position of `text` on the screen (column in cells, row), if shown on one row.
pub fn find_text(buffer: &Buffer, text: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let mut cells = Vec::new();
        let mut row = String::new();
        for x in area.left()..area.right() {
            cells.push((row.len(), x));
            row.push_str(buffer[(x, y)].symbol());
        }
        if let Some(byte) = row.find(text) {
            let x = cells
                .iter()
                .rev()
                .find(|(start, _)| *start <= byte)
                .map_or(0, |(_, x)| *x);
            return Some((x, y));
        }
    }
    None
}
