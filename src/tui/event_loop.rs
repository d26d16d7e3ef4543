//! The one event loop: a `tokio::select!` over terminal events, finished jobs and signals.
//! It sleeps until one of them arrives (no ticking), drains whatever else is already queued,
//! and redraws once if anything changed. Before it, [`wait_for_engine`] shows the start-up
//! screen while the workspace is indexed off the UI task.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::task::Poll;

use anyhow::Context;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::Engine;
use crate::workspace::watch::{Watcher, WorkspaceEvent};

use super::action::{Action, Answer, Effect, QnaReport};
use super::app::App;
use super::drafts::DraftKeeper;
use super::loading::{Loading, StartUpStep};
use super::theme::Theme;
use super::{runtime, terminal, ui};

/// At most this many queued events are handled before a redraw.
const MAX_BATCH: usize = 256;

/// Whether to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

struct Loop {
    app: App,
    /// The engine new questions go to; replaced when a bot is indexed again.
    engine: Engine,
    finders: runtime::Finders,
    history: Option<runtime::HistoryWriter>,
    done: mpsc::UnboundedSender<Answer>,
    qna_done: mpsc::UnboundedSender<runtime::Finished>,
    /// The workspace watcher (told of the app's own saves), when watching.
    watcher: Option<Arc<Watcher>>,
    /// Keeps unsaved drafts on disk for recovery.
    drafts: Option<DraftKeeper>,
    /// Text to edit in `$EDITOR` once the current batch of events is handled.
    pending_edit: Option<String>,
    dirty: bool,
}

impl Loop {
    fn apply(&mut self, effects: Vec<Effect>) -> Flow {
        let mut flow = Flow::Continue;
        for effect in effects {
            match effect {
                Effect::Ask(ask) => runtime::spawn(&self.engine, ask, self.done.clone()),
                Effect::Quit => flow = Flow::Quit,
                Effect::SaveHistory(history) => {
                    if let Some(writer) = &self.history {
                        writer.save(history);
                    }
                }
                Effect::ExternalEdit(text) => self.pending_edit = Some(text),
                eval @ (Effect::ListSets
                | Effect::RunEval { .. }
                | Effect::WriteThreshold(_)
                | Effect::RecordCase { .. }) => {
                    super::eval_jobs::spawn(&self.engine, eval, self.qna_done.clone());
                }
                Effect::ForgetDraft { session, draft } => {
                    if let Some(keeper) = &self.drafts {
                        keeper.forget(session, draft);
                    }
                }
                qna @ (Effect::OpenQna { .. }
                | Effect::FindEntries { .. }
                | Effect::SaveEntry(_)
                | Effect::SaveElement { .. }
                | Effect::DeleteEntry { .. }
                | Effect::ReloadBot { .. }
                | Effect::ReloadAll) => {
                    runtime::spawn_qna(
                        &self.engine,
                        &self.finders,
                        self.watcher.clone(),
                        qna,
                        self.qna_done.clone(),
                    );
                }
            }
        }
        flow
    }

    fn on_qna(&mut self, finished: runtime::Finished) -> Flow {
        let effects = match finished {
            runtime::Finished::Report(report) => self.app.on_qna_report(report),
            runtime::Finished::Reloaded(engine, report) => {
                self.engine = *engine;
                self.app.on_qna_report(report)
            }
            runtime::Finished::ReloadedAll(Ok((engine, lines))) => {
                self.engine = *engine;
                self.app.on_workspace_reloaded(&self.engine, Ok(lines))
            }
            runtime::Finished::ReloadedAll(Err(error)) => {
                self.app.on_workspace_reloaded(&self.engine, Err(error))
            }
            runtime::Finished::Eval(report) => self.app.on_eval_report(report),
            runtime::Finished::Recorded(outcome) => {
                self.app.on_recorded(outcome);
                Vec::new()
            }
        };
        self.dirty = true;
        self.apply(effects)
    }

    /// A change the watcher saw: the bot it names is re-read off the UI task; a change of
    /// settings (or events the system dropped) re-reads everything.
    fn on_workspace_event(&mut self, event: WorkspaceEvent) -> Flow {
        match event {
            WorkspaceEvent::BotChanged { bot_id, paths } => {
                tracing::info!(bot = %bot_id, paths = paths.len(), "changed outside interbot");
                runtime::spawn_outside_change(
                    &self.engine,
                    &self.finders,
                    bot_id,
                    self.qna_done.clone(),
                );
                Flow::Continue
            }
            WorkspaceEvent::SettingsChanged | WorkspaceEvent::Rescan => {
                self.apply(vec![Effect::ReloadAll])
            }
            WorkspaceEvent::Failed { reason } => {
                self.app.status = Some(crate::text::sanitize_line(&format!(
                    "Watching the workspace failed ({reason}); R re-reads it by hand."
                )));
                self.dirty = true;
                Flow::Continue
            }
        }
    }

    fn on_event(&mut self, event: Event) -> Flow {
        let effects = match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => self.app.handle_key(key),
            Event::Paste(text) => self.app.update(Action::Paste(text)),
            Event::Resize(width, height) => self.app.update(Action::Resize(width, height)),
            _ => return Flow::Continue,
        };
        self.dirty = true;
        self.apply(effects)
    }

    fn on_answer(&mut self, answer: Answer) {
        self.app.on_answer(answer);
        self.dirty = true;
    }
}

/// The workspace watcher and the changes it reports, for [`run`].
#[derive(Debug)]
pub struct Watching {
    /// The watcher (own saves are told to it).
    pub watcher: Arc<Watcher>,
    /// Its events.
    pub events: mpsc::UnboundedReceiver<WorkspaceEvent>,
}

impl Watching {
    /// Starts watching the workspace at `root`, or says why it cannot.
    pub fn start(root: &std::path::Path) -> Result<Self, crate::Error> {
        let (send, events) = mpsc::unbounded_channel();
        let watcher = Watcher::new(root, move |event| {
            // The receiver is gone only when the app has quit.
            let _ = send.send(event);
        })?;
        Ok(Self {
            watcher: Arc::new(watcher),
            events,
        })
    }
}

/// What runs beside the UI, each optional.
#[derive(Debug, Default)]
pub struct Services {
    /// Where the input history is saved as questions are sent.
    pub history: Option<PathBuf>,
    /// The workspace watcher: changes made outside the app re-index their bot as they
    /// happen.
    pub watching: Option<Watching>,
    /// Keeps the editors' unsaved drafts on disk, so a signal or a panic loses none.
    pub drafts: Option<DraftKeeper>,
}

/// Runs the UI on `terminal` until the user quits, a signal arrives or input ends, with
/// `services`; the last history save and draft write are waited for before returning
/// (drafts still unsaved then stay on disk for the next start; after a panic too).
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    engine: &Engine,
    app: App,
    services: Services,
    typed_ahead: Vec<Event>,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let Services {
        history,
        watching,
        drafts,
    } = services;
    let (done, mut answers) = mpsc::unbounded_channel();
    let (qna_done, mut qna_reports) = mpsc::unbounded_channel();
    let (watcher, mut changes) = match watching {
        Some(Watching { watcher, events }) => (Some(watcher), events),
        // A channel nobody sends on: its branch of the loop never fires.
        None => (None, mpsc::unbounded_channel().1),
    };
    let mut state = Loop {
        app,
        engine: engine.clone(),
        finders: runtime::Finders::default(),
        history: history.map(runtime::HistoryWriter::spawn),
        done,
        qna_done,
        watcher,
        drafts,
        pending_edit: None,
        dirty: false,
    };
    let running = AssertUnwindSafe(run_loop(
        terminal,
        &mut state,
        typed_ahead,
        &mut answers,
        &mut qna_reports,
        &mut changes,
    ))
    .catch_unwind()
    .await;
    let result = match running {
        Ok(result) => result,
        Err(panic) => {
            // The app's state may be half-changed: keep the drafts as last seen whole.
            if let Some(keeper) = &state.drafts {
                keeper.write_now();
            }
            std::panic::resume_unwind(panic);
        }
    };
    if let Some(keeper) = state.drafts.take() {
        keeper.finish(state.app.drafts()).await;
    }
    if let Some(writer) = state.history.take() {
        writer.finish().await;
    }
    result
}

async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut Loop,
    typed_ahead: Vec<Event>,
    answers: &mut mpsc::UnboundedReceiver<Answer>,
    qna_reports: &mut mpsc::UnboundedReceiver<runtime::Finished>,
    changes: &mut mpsc::UnboundedReceiver<WorkspaceEvent>,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut events = EventStream::new();
    let mut signals = Signals::new()?;
    // What was typed during start-up, as if typed now.
    for event in typed_ahead {
        if state.on_event(event) == Flow::Quit {
            return Ok(());
        }
    }
    terminal
        .draw(|frame| ui::draw(frame, &state.app))
        .context("cannot draw")?;
    loop {
        let mut flow = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => state.on_event(event),
                Some(Err(e)) => return Err(e).context("cannot read terminal events"),
                None => Flow::Quit,
            },
            Some(answer) = answers.recv() => {
                state.on_answer(answer);
                Flow::Continue
            }
            Some(finished) = qna_reports.recv() => state.on_qna(finished),
            Some(change) = changes.recv() => state.on_workspace_event(change),
            name = signals.recv() => {
                tracing::info!(signal = name, "quitting on signal");
                Flow::Quit
            }
        };
        // Drain what is already queued, then draw once.
        for _ in 0..MAX_BATCH {
            if flow == Flow::Quit {
                break;
            }
            match poll_once(&mut events).await {
                Poll::Ready(Some(Ok(event))) => flow = state.on_event(event),
                Poll::Ready(Some(Err(e))) => {
                    return Err(e).context("cannot read terminal events");
                }
                Poll::Ready(None) => flow = Flow::Quit,
                Poll::Pending => match answers.try_recv() {
                    Ok(answer) => state.on_answer(answer),
                    Err(_) => break,
                },
            }
        }
        if terminal::panicked() {
            anyhow::bail!("a panic restored the terminal; interbot stopped");
        }
        if flow == Flow::Quit {
            return Ok(());
        }
        if let Some(text) = state.pending_edit.take() {
            // The editor owns the terminal meanwhile: no event reader may compete for its
            // keys, and the screen is drawn anew afterwards.
            drop(events);
            let edited = terminal::suspended(|| runtime::external_edit(&text));
            events = EventStream::new();
            terminal.clear().context("cannot redraw after the editor")?;
            terminal
                .hide_cursor()
                .context("cannot redraw after the editor")?;
            let effects = state.app.on_qna_report(QnaReport::Edited(edited));
            state.dirty = true;
            if state.apply(effects) == Flow::Quit {
                return Ok(());
            }
        }
        if std::mem::take(&mut state.dirty) {
            if let Some(keeper) = &state.drafts {
                keeper.update(state.app.drafts());
            }
            terminal
                .draw(|frame| ui::draw(frame, &state.app))
                .context("cannot draw")?;
        }
    }
}

/// At most this many keys and pastes typed during start-up are kept for the app.
const MAX_TYPED_AHEAD: usize = 4096;

/// Shows the start-up screen until `indexing` yields the engine (or fails to read the
/// workspace), updating it from `progress`. What the user types meanwhile (keys and pastes,
/// up to `MAX_TYPED_AHEAD`) is kept and returned with the engine, for [`run`] to apply as
/// if typed once the app is up: a question typed during a long start-up is not lost, and a
/// `q` in it does not quit. `None` when the user quits (Ctrl-C), a signal arrives or input
/// ends first.
pub async fn wait_for_engine<B: Backend>(
    terminal: &mut Terminal<B>,
    mut loading: Loading,
    theme: Theme,
    mut progress: mpsc::UnboundedReceiver<StartUpStep>,
    indexing: tokio::task::JoinHandle<anyhow::Result<Engine>>,
) -> anyhow::Result<Option<(Engine, Vec<Event>)>>
where
    B::Error: Send + Sync + 'static,
{
    let mut events = EventStream::new();
    let mut signals = Signals::new()?;
    let mut indexing = std::pin::pin!(indexing);
    let mut typed = Vec::new();
    loop {
        terminal
            .draw(|frame| ui::loading::draw(frame, &loading, &theme))
            .context("cannot draw")?;
        tokio::select! {
            engine = &mut indexing => {
                let engine = engine.context("loading stopped")??;
                return Ok(Some((engine, typed)));
            }
            Some(step) = progress.recv() => {
                loading.on_step(step);
                while let Ok(step) = progress.try_recv() {
                    loading.on_step(step);
                }
            }
            event = events.next() => match event {
                Some(Ok(event)) => {
                    if typed_ahead(event, &mut typed) == Flow::Quit {
                        return Ok(None);
                    }
                }
                Some(Err(e)) => return Err(e).context("cannot read terminal events"),
                None => return Ok(None),
            },
            name = signals.recv() => {
                tracing::info!(signal = name, "quitting on signal while indexing");
                return Ok(None);
            }
        }
    }
}

/// What the start-up screen does with a terminal event: Ctrl-C quits; a key press or a paste
/// is kept in `typed` (up to [`MAX_TYPED_AHEAD`]) for the app; anything else (a resize, a
/// key release) is dropped, the app drawing for its size when it starts.
fn typed_ahead(event: Event, typed: &mut Vec<Event>) -> Flow {
    let keep = match &event {
        Event::Key(key) if key.kind == KeyEventKind::Press => {
            let ctrl_c =
                key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl_c {
                return Flow::Quit;
            }
            true
        }
        Event::Paste(_) => true,
        _ => false,
    };
    if keep && typed.len() < MAX_TYPED_AHEAD {
        typed.push(event);
    }
    Flow::Continue
}

/// Polls `stream` once with this task's waker: an item if one is ready, never waiting.
///
/// (Not `now_or_never`: crossterm's `EventStream` keeps the first waker it is polled with
/// while it waits, so polling it with a no-op waker would leave the loop asleep.)
async fn poll_once<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    std::future::poll_fn(|cx| Poll::Ready(stream.poll_next_unpin(cx))).await
}

/// SIGHUP (the SSH connection dropped) and SIGTERM.
struct Signals {
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            hangup: signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?,
            terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> anyhow::Result<Self> {
        Ok(Self {})
    }

    #[cfg(unix)]
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.hangup.recv() => "SIGHUP",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) -> &'static str {
        std::future::pending().await
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyEvent, KeyEventState};

    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers, kind: KeyEventKind) -> Event {
        Event::Key(KeyEvent {
            code,
            modifiers,
            kind,
            state: KeyEventState::NONE,
        })
    }

    fn press(c: char) -> Event {
        key(KeyCode::Char(c), KeyModifiers::NONE, KeyEventKind::Press)
    }

    #[test]
    fn keys_typed_during_start_up_are_kept_and_only_ctrl_c_quits() {
        let mut typed = Vec::new();
        // A question with a `q` in it, Esc and Enter: all kept, in order, nothing quits.
        for event in "quick q".chars().map(press).chain([
            key(KeyCode::Esc, KeyModifiers::NONE, KeyEventKind::Press),
            key(KeyCode::Enter, KeyModifiers::NONE, KeyEventKind::Press),
            Event::Paste("pasted text".to_string()),
        ]) {
            assert_eq!(typed_ahead(event, &mut typed), Flow::Continue);
        }
        assert_eq!(typed.len(), 10);
        assert_eq!(typed[0], press('q'));
        assert_eq!(typed[9], Event::Paste("pasted text".to_string()));
        // Releases and resizes are not typing.
        let release = key(
            KeyCode::Char('x'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        );
        assert_eq!(typed_ahead(release, &mut typed), Flow::Continue);
        assert_eq!(
            typed_ahead(Event::Resize(80, 24), &mut typed),
            Flow::Continue
        );
        assert_eq!(typed.len(), 10);
        let ctrl_c = key(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
            KeyEventKind::Press,
        );
        assert_eq!(typed_ahead(ctrl_c, &mut typed), Flow::Quit);
    }

    #[test]
    fn what_is_typed_during_start_up_is_bounded() {
        let mut typed = Vec::new();
        for _ in 0..MAX_TYPED_AHEAD + 10 {
            typed_ahead(press('a'), &mut typed);
        }
        assert_eq!(typed.len(), MAX_TYPED_AHEAD);
    }
}
