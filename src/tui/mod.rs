//! The terminal UI: one tab per bot, a conversation and a trace pane, a handoff key.
//!
//! The only part of interbot that knows ratatui or crossterm. It drives the core through the
//! same [`Engine::ask`] the CLI uses. How it is put together (see STYLE.md, "The terminal
//! app"):
//!
//! - [`state`]: all state ([`state::App`]), plain data; [`tab`]: one bot's conversation;
//! - [`app`]: [`app::App::update`] turns an [`action::Action`] into state changes and
//!   [`action::Effect`]s; [`app::App::on_answer`] takes finished work;
//! - [`keymap`]: keys → actions per mode, also the source of footer hints and the help popup;
//! - [`ui`]: drawing, a pure function of `&App` (one file per pane);
//! - views beside the conversation, each a state module and an `_update` module: [`qna`]
//!   (browse and edit QnA and replies), [`eval`] (the evaluation view), [`record`] (a turn
//!   recorded as a test case), [`recovery`] (drafts an earlier session left);
//! - [`runtime`]: runs effects off the UI task (asking, saving the input history, QnA reads
//!   and saves), with [`eval_jobs`] (evaluation runs, threshold writes) and [`drafts`]
//!   (unsaved drafts kept on disk); [`event_loop`]: the one `tokio::select!` loop, which also
//!   takes the workspace watcher's events;
//! - [`terminal`]: raw mode / alternate screen guard, restored on drop, panic and signals;
//! - [`markdown`], [`wrap`], [`theme`]: reply text → styled, wrapped rows in semantic roles;
//! - [`picker`]: which bots the bot picker's fuzzy filter selects.

pub mod action;
pub mod app;
pub mod drafts;
pub mod eval;
pub mod eval_jobs;
pub mod eval_update;
pub mod event_loop;
pub mod keymap;
pub mod loading;
pub mod markdown;
pub mod picker;
pub mod qna;
pub mod qna_update;
pub mod record;
pub mod record_update;
pub mod recovery;
pub mod recovery_update;
pub mod runtime;
pub mod state;
pub mod tab;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod wrap;

use std::path::Path;

use anyhow::Context;
use ratatui::layout::Rect;

use crate::workspace::recovery::{RecoveryStore, new_session_name};
use crate::{Engine, Workspace};

use self::app::App;
use self::loading::{Loading, StartUpStep};
use self::terminal::TerminalGuard;
use self::theme::Theme;

/// How the UI looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// No colours, modifiers only (`NO_COLOR`).
    pub no_color: bool,
}

impl Options {
    /// Options from the environment: `NO_COLOR` set to anything but the empty string turns
    /// colours off (<https://no-color.org>).
    pub fn from_env() -> Self {
        Self {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }

    /// The theme these options ask for.
    pub fn theme(&self) -> Theme {
        if self.no_color {
            Theme::no_color()
        } else {
            Theme::colored()
        }
    }
}

/// Opens the UI on the workspace at `root`: `load` reads it (files, overrides) and the
/// engine indexes it (through `cache`, when given) on a blocking thread behind the start-up
/// screen, which quits on Ctrl-C at any moment and keeps what is typed meanwhile for the
/// app; then the UI runs until the user quits. Must be called inside a tokio runtime;
/// loading may still be running on a blocking thread when the user quits during start-up.
/// The terminal is restored however this returns.
pub async fn run(
    root: &Path,
    load: impl FnOnce() -> anyhow::Result<Workspace> + Send + 'static,
    cache: Option<crate::IndexCache>,
    options: Options,
) -> anyhow::Result<()> {
    let history_path = crate::history::History::path(root);
    let (history, history_note) = runtime::load_history(&history_path);
    let mut guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    let loading = Loading::reading(root.display().to_string());
    let (report, progress) = tokio::sync::mpsc::unbounded_channel();
    let indexing = tokio::task::spawn_blocking(move || {
        let workspace = load()?;
        // The receiver is gone only when the UI has quit; nothing is left to tell.
        let _ = report.send(StartUpStep::Read {
            bots: workspace.bots.len(),
        });
        Ok(Engine::with_cache(workspace, cache, &|step| {
            let _ = report.send(StartUpStep::Indexed(step));
        }))
    });
    let engine = event_loop::wait_for_engine(
        &mut guard.terminal,
        loading,
        options.theme(),
        progress,
        indexing,
    )
    .await?;
    let Some((engine, typed_ahead)) = engine else {
        drop(guard);
        tracing::info!("quit while loading");
        return Ok(());
    };
    let size = guard
        .terminal
        .size()
        .context("cannot read the terminal size")?;
    let mut app = App::from_engine(
        &engine,
        options.theme(),
        Rect::new(0, 0, size.width, size.height),
    );
    app.history = history;
    app.status = history_note;
    // Outside edits (another editor, `interbot qna`, `git pull`) re-index their bot live.
    let watching = match event_loop::Watching::start(root) {
        Ok(watching) => Some(watching),
        Err(error) => {
            tracing::warn!(%error, "not watching the workspace");
            app.status = Some(crate::text::sanitize_line(&format!(
                "Not watching the workspace for outside edits ({error}); R re-reads it."
            )));
            None
        }
    };
    // Drafts an earlier session left unsaved (a dropped SSH connection, a panic) are offered
    // first; this session's own are kept as they change.
    let store = RecoveryStore::new(root);
    let keeper = drafts::DraftKeeper::spawn(store.clone(), new_session_name());
    let (recovered, unreadable) = drafts::load_recovered(&engine, &store, keeper.session());
    if let Some(problem) = unreadable.first() {
        app.status = Some(crate::text::sanitize_line(problem));
    }
    app.offer_recovery(recovered);
    tracing::info!(bots = app.tabs.len(), "terminal UI started");
    let services = event_loop::Services {
        history: Some(history_path),
        watching,
        drafts: Some(keeper),
    };
    let result = event_loop::run(&mut guard.terminal, &engine, app, services, typed_ahead).await;
    drop(guard);
    tracing::info!("terminal UI stopped");
    result
}
