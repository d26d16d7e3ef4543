//! Running effects off the UI task: asking the engine, saving the input history, and the QnA
//! view's work (reading, filtering, saving, deleting, re-indexing, `$EDITOR`). The
//! event loop and the tests use the same [`execute`] and [`save_history`], so what tests
//! check is what the app does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::{self, UnboundedSender};

use crate::history::{History, HistoryError};
use crate::workspace::watch::Watcher;
use crate::workspace::{BotChanges, ELEMENTS_FILE, FileVersion, QnaEntry};
use crate::{Engine, EntryFinder, Error};

use super::action::{Answer, Ask, Effect, QnaReport, SaveEntry, SaveFailure};
use super::qna::EntryFields;

/// Asks the engine (the same [`Engine::ask`] the CLI uses) and wraps the outcome.
pub async fn execute(engine: &Engine, ask: Ask) -> Answer {
    tracing::debug!(bot = %ask.bot, id = ask.id, "asking");
    let result = engine
        .ask(&ask.bot, &ask.question)
        .await
        .map(|mut turn| {
            // Every row explained, so the trace can expand any of them at once.
            engine.explain(&mut turn);
            turn
        })
        .map_err(|e| e.to_string());
    match &result {
        Ok(turn) => tracing::info!(bot = %ask.bot, micros = turn.micros, "answered"),
        Err(error) => tracing::warn!(bot = %ask.bot, %error, "ask failed"),
    }
    Answer {
        tab: ask.tab,
        id: ask.id,
        result,
    }
}

/// Runs [`execute`] on its own task and sends the answer to `done` (also when the task
/// fails, so no turn stays "thinking" forever).
pub fn spawn(engine: &Engine, ask: Ask, done: UnboundedSender<Answer>) {
    let engine = engine.clone();
    tokio::spawn(async move {
        let (tab, id) = (ask.tab, ask.id);
        let job = tokio::spawn(async move { execute(&engine, ask).await });
        let answer = job.await.unwrap_or_else(|e| Answer {
            tab,
            id,
            result: Err(format!("the job failed: {e}")),
        });
        // The receiver is gone only when the app is quitting.
        let _ = done.send(answer);
    });
}

/// Saves `history` at `path` (the core's atomic save), logging the outcome.
pub fn save_history(history: &History, path: &Path) -> Result<(), HistoryError> {
    let result = history.save(path);
    match &result {
        Ok(()) => tracing::debug!(entries = history.entries().len(), "history saved"),
        Err(error) => tracing::warn!(%error, "history not saved"),
    }
    result
}

/// Reads the history at `path` for start-up: an unreadable history is an empty one and a
/// message for the footer.
pub fn load_history(path: &Path) -> (History, Option<String>) {
    match History::load(path) {
        Ok(history) => {
            let note = (history.skipped() > 0).then(|| {
                format!(
                    "{} unreadable line(s) of {} skipped.",
                    history.skipped(),
                    crate::history::FILE
                )
            });
            (history, note)
        }
        Err(error) => {
            tracing::warn!(%error, "history not read");
            (
                History::default(),
                Some(crate::text::sanitize_line(&format!(
                    "History not read: {error}"
                ))),
            )
        }
    }
}

/// Saves the input history off the UI task, one save at a time; when saves queue up only the
/// latest is written. [`HistoryWriter::finish`] waits for the last one.
#[derive(Debug)]
pub struct HistoryWriter {
    queue: Option<UnboundedSender<History>>,
    task: tokio::task::JoinHandle<()>,
}

impl HistoryWriter {
    /// A writer saving to `path` (must run inside a tokio runtime).
    pub fn spawn(path: PathBuf) -> Self {
        let (queue, mut saves) = mpsc::unbounded_channel::<History>();
        let task = tokio::spawn(async move {
            while let Some(mut history) = saves.recv().await {
                while let Ok(newer) = saves.try_recv() {
                    history = newer;
                }
                let path = path.clone();
                let saved =
                    tokio::task::spawn_blocking(move || save_history(&history, &path)).await;
                if let Err(error) = saved {
                    tracing::warn!(%error, "the history save job failed");
                }
            }
        });
        Self {
            queue: Some(queue),
            task,
        }
    }

    /// Queues a save.
    pub fn save(&self, history: History) {
        if let Some(queue) = &self.queue {
            // The writer ends only after `finish`; nothing is lost before.
            let _ = queue.send(history);
        }
    }

    /// Waits until every queued save is written.
    pub async fn finish(mut self) {
        self.queue = None;
        if let Err(error) = (&mut self.task).await {
            tracing::warn!(%error, "the history writer failed");
        }
    }
}

/// The entry finders of the bots browsed so far, built on first use and dropped when their
/// bot is indexed again.
#[derive(Debug, Clone, Default)]
pub struct Finders(Arc<Mutex<HashMap<String, Arc<EntryFinder>>>>);

impl Finders {
    /// The finder of `bot`, built now if there is none.
    fn get(&self, engine: &Engine, bot: &str) -> Result<Arc<EntryFinder>, String> {
        if let Some(finder) = self.lock().get(bot) {
            return Ok(Arc::clone(finder));
        }
        let bot_files = engine
            .workspace()
            .bot(bot)
            .ok_or_else(|| format!("there is no bot {bot}"))?;
        let finder = Arc::new(EntryFinder::build(bot_files).map_err(|e| e.to_string())?);
        self.lock().insert(bot.to_string(), Arc::clone(&finder));
        Ok(finder)
    }

    /// Forgets `bot`'s finder (its entries changed).
    pub fn forget(&self, bot: &str) {
        self.lock().remove(bot);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<EntryFinder>>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a QnA job reports to the event loop.
#[derive(Debug)]
pub enum Finished {
    /// For the app.
    Report(QnaReport),
    /// A bot was indexed again: the new engine, and the report for the app.
    Reloaded(Box<Engine>, QnaReport),
    /// The whole workspace was read again: the new engine and what changed, or why not.
    ReloadedAll(Result<(Box<Engine>, Vec<String>), String>),
    /// Evaluation work reported.
    Eval(super::eval::EvalReport),
    /// A case was recorded (a line for the user), or why not.
    Recorded(Result<String, String>),
}

/// Reads `bot`'s entries (as loaded) and builds its finder, so the first filter is instant.
pub fn open_qna(engine: &Engine, finders: &Finders, bot: &str) -> QnaReport {
    let found = engine.workspace().bot(bot).map(|b| {
        (
            b.config.default_language.clone(),
            b.qna.to_vec(),
            b.elements.clone(),
        )
    });
    let Some((language, entries, elements)) = found else {
        return QnaReport::Opened {
            bot: bot.to_string(),
            language: String::new(),
            entries: Err(format!("{bot} has no QnA here")),
            elements: Vec::new(),
        };
    };
    let entries = finders.get(engine, bot).map(|_| entries);
    QnaReport::Opened {
        bot: bot.to_string(),
        language,
        entries,
        elements,
    }
}

/// Filters `bot`'s entries through its finder (the core's tantivy index, ranked).
pub fn find_entries(
    engine: &Engine,
    finders: &Finders,
    bot: &str,
    filter: &str,
    seq: u64,
) -> QnaReport {
    let positions = finders.get(engine, bot).and_then(|finder| {
        finder
            .find(filter, finder.len().max(1))
            .map_err(|e| e.to_string())
    });
    QnaReport::Found {
        bot: bot.to_string(),
        seq,
        positions,
    }
}

/// Saves one entry through the core's lossless, locked save: under the bot folder's lock
/// the entry is read again and only the edited fields change, so fields interbot does not
/// edit keep what the file holds now. When the file changed on disk since the view read it
/// (its version differs), nothing is written and the failure is a conflict, unless
/// `overwrite`. A new entry gets a Botpress-style id and must not collide with a file
/// written meanwhile.
pub fn save_entry(engine: &Engine, request: &SaveEntry, watcher: Option<&Watcher>) -> QnaReport {
    let workspace = engine.workspace();
    let bot = request.bot.as_str();
    let fields = &request.fields;
    let outcome = match &request.entry_id {
        Some(id) => {
            let expected = request.expected.or_else(|| {
                workspace
                    .bot(bot)
                    .and_then(|b| b.entry(id))
                    .and_then(|e| e.version)
            });
            let change = |entry: &mut QnaEntry| -> Result<(), Error> {
                apply(entry, fields);
                Ok(())
            };
            match expected {
                Some(version) if !request.overwrite => {
                    workspace.update_entry_checked(bot, id, version, change)
                }
                _ => workspace.update_entry(bot, id, change),
            }
        }
        None => workspace
            .new_entry(bot, fields.questions.clone(), fields.answers.clone())
            .and_then(|mut entry| {
                apply(&mut entry, fields);
                workspace.add_entry(bot, &entry, |_| Ok::<(), Error>(()))
            }),
    }
    .map(|saved| {
        if let (Some(watcher), Some(version)) = (watcher, saved.entry.version) {
            watcher.expect_own_write(&saved.path, version);
            expect_own_intent(workspace, watcher, bot, &saved.entry.id);
        }
        saved.entry.id
    });
    QnaReport::Saved {
        bot: bot.to_string(),
        outcome: outcome.map_err(failure),
    }
}

/// Tells the watcher that the entry's Botpress 12 intent file, which the core's save just
/// wrote or removed with the entry, is interbot's own change (as it is now on disk).
fn expect_own_intent(workspace: &crate::Workspace, watcher: &Watcher, bot: &str, entry_id: &str) {
    let Some(bot) = workspace.bot(bot) else {
        return;
    };
    let intent = crate::workspace::intents::intent_path(&bot.dir, entry_id);
    match crate::workspace::version::on_disk(&intent) {
        Ok(Some(version)) => watcher.expect_own_write(&intent, version),
        Ok(None) => watcher.expect_own_removal(&intent),
        Err(_) => {}
    }
}

/// Saves the text of one content element (in the bot's default language) through the core:
/// every other element, field and key order stay; a file changed on disk since it was read
/// is a conflict unless `overwrite`.
pub fn save_element(
    engine: &Engine,
    bot: &str,
    element_id: &str,
    text: &str,
    expected: Option<FileVersion>,
    overwrite: bool,
    watcher: Option<&Watcher>,
) -> QnaReport {
    let workspace = engine.workspace();
    let outcome = workspace
        .bot(bot)
        .ok_or_else(|| Error::UnknownBot(bot.to_string()))
        .and_then(|b| {
            let expected = if overwrite {
                crate::workspace::version::on_disk(&b.dir.join(ELEMENTS_FILE))?
            } else {
                expected.or_else(|| b.element(element_id).and_then(|e| e.version))
            };
            workspace.save_content_text(bot, element_id, &b.config.default_language, text, expected)
        })
        .map(|saved| {
            if let Some(watcher) = watcher {
                watcher.expect_own_write(&saved.path, saved.version);
            }
            element_id.to_string()
        });
    QnaReport::Saved {
        bot: bot.to_string(),
        outcome: outcome.map_err(failure),
    }
}

/// Deletes one entry's file through the core (under the bot's lock), unless it changed on
/// disk since the view read it.
pub fn delete_entry(
    engine: &Engine,
    bot: &str,
    entry_id: &str,
    watcher: Option<&Watcher>,
) -> QnaReport {
    let workspace = engine.workspace();
    let version = workspace
        .bot(bot)
        .and_then(|b| b.entry(entry_id))
        .and_then(|e| e.version);
    let removed = match version {
        Some(version) => workspace.remove_entry_checked(bot, entry_id, version),
        None => workspace.remove_entry(bot, entry_id),
    };
    let outcome = removed.map(|path| {
        if let Some(watcher) = watcher {
            watcher.expect_own_removal(&path);
            expect_own_intent(workspace, watcher, bot, entry_id);
        }
        entry_id.to_string()
    });
    QnaReport::Saved {
        bot: bot.to_string(),
        outcome: outcome.map_err(failure),
    }
}

/// Reads `bot`'s folder from disk again and indexes only it (the core's
/// [`Engine::reload_bot`]); the new engine and what the app shows of it.
pub fn reload_bot(engine: &Engine, bot: &str, outside: bool) -> (Option<Engine>, QnaReport) {
    reload_bot_reporting(engine, bot, outside, &|_| {})
}

/// [`reload_bot`], telling `report` how far it has come ([`QnaReport::Reindexing`]), so a
/// large bot shows progress.
pub fn reload_bot_reporting(
    engine: &Engine,
    bot: &str,
    outside: bool,
    report: &dyn Fn(QnaReport),
) -> (Option<Engine>, QnaReport) {
    let started = std::time::Instant::now();
    let reloaded = engine.reload_bot_with_progress(bot, &|step| {
        report(QnaReport::Reindexing {
            bot: bot.to_string(),
            step,
        });
    });
    let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match reloaded {
        Ok((engine, changes)) => {
            let found = engine.workspace().bot(bot);
            let report = QnaReport::Reindexed {
                bot: bot.to_string(),
                outside,
                changes: describe(&changes),
                entries: found
                    .map(|b| b.qna.to_vec())
                    .ok_or_else(|| format!("{bot} is gone from the workspace")),
                elements: found.map(|b| b.elements.clone()).unwrap_or_default(),
                millis,
            };
            (Some(engine), report)
        }
        Err(error) => (
            None,
            QnaReport::Reindexed {
                bot: bot.to_string(),
                outside,
                changes: String::new(),
                entries: Err(format!("re-indexing failed: {error}")),
                elements: Vec::new(),
                millis,
            },
        ),
    }
}

/// What changed in one bot, in a few words ("1 added, 2 edited").
pub fn describe(changes: &BotChanges) -> String {
    let mut parts = Vec::new();
    for (count, what) in [
        (changes.added.len(), "added"),
        (changes.removed.len(), "removed"),
        (changes.edited.len(), "edited"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {what}"));
        }
    }
    if changes.other_files {
        parts.push("other files changed".to_string());
    }
    if parts.is_empty() {
        "nothing changed".to_string()
    } else {
        parts.join(", ")
    }
}

/// Reads the whole workspace again (the core's [`Engine::reload_all`]: only bots whose
/// entries changed are indexed again); the new engine and a line per change, for the user.
pub fn reload_all(engine: &Engine) -> Result<(Engine, Vec<String>), String> {
    let (engine, changes) = engine
        .reload_all()
        .map_err(|e| format!("the workspace was not read again: {e}"))?;
    let mut lines = Vec::new();
    if changes.settings_changed {
        lines.push("interbot.json: settings changed".to_string());
    }
    for id in &changes.bots_added {
        lines.push(format!("{id}: new bot (its tab is added at the end)"));
    }
    for id in &changes.bots_removed {
        lines.push(format!(
            "{id}: gone (asking it fails until a restart drops its tab)"
        ));
    }
    for bot in &changes.bots {
        if changes.bots_added.contains(&bot.bot_id) || changes.bots_removed.contains(&bot.bot_id) {
            continue;
        }
        lines.push(format!("{}: {}", bot.bot_id, describe(bot)));
        for (ids, sign) in [(&bot.added, '+'), (&bot.removed, '-'), (&bot.edited, '~')] {
            lines.extend(ids.iter().map(|id| format!("  {sign} {id}")));
        }
    }
    if lines.is_empty() {
        lines.push("Nothing changed on disk.".to_string());
    }
    Ok((engine, lines))
}

/// Copies the editable fields into an entry (the rest of it stays as read).
fn apply(entry: &mut QnaEntry, fields: &EntryFields) {
    entry.questions = fields.questions.clone();
    entry.answers = fields.answers.clone();
    entry.contexts = fields.contexts.clone();
    entry.enabled = fields.enabled;
}

/// What the app is told of a failed save: a conflict (reload or overwrite) or why not.
fn failure(error: Error) -> SaveFailure {
    match error {
        Error::Conflict { path, on_disk, .. } => {
            // Named inside its bot folder (`qna/x.json`): the rest of the path is noise here.
            let parts: Vec<String> = path
                .iter()
                .rev()
                .take(2)
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            let name = parts.into_iter().rev().collect::<Vec<_>>().join("/");
            let what = if on_disk.is_some() {
                "changed on disk"
            } else {
                "was removed"
            };
            SaveFailure {
                message: format!("{name} {what} since it was read."),
                conflict: true,
            }
        }
        other => SaveFailure {
            message: format!("Not saved: {other}. The draft is kept."),
            conflict: false,
        },
    }
}

/// Runs a QnA effect on the blocking pool and sends what it reports (a save is followed by
/// re-indexing its bot, reported separately). Saves are told to `watcher`, so they do not
/// come back as outside changes.
pub fn spawn_qna(
    engine: &Engine,
    finders: &Finders,
    watcher: Option<Arc<Watcher>>,
    effect: Effect,
    done: UnboundedSender<Finished>,
) {
    let engine = engine.clone();
    let finders = finders.clone();
    tokio::task::spawn_blocking(move || {
        let watcher = watcher.as_deref();
        // The receiver is gone only when the app is quitting: sends may fail then.
        let report = |report: QnaReport| {
            let saved = matches!(&report, QnaReport::Saved { outcome: Ok(_), .. });
            let _ = done.send(Finished::Report(report));
            saved
        };
        let changed_bot = match &effect {
            Effect::OpenQna { bot } => {
                report(open_qna(&engine, &finders, bot));
                None
            }
            Effect::FindEntries { bot, filter, seq } => {
                report(find_entries(&engine, &finders, bot, filter, *seq));
                None
            }
            Effect::SaveEntry(request) => {
                report(save_entry(&engine, request, watcher)).then(|| request.bot.clone())
            }
            Effect::SaveElement {
                bot,
                element_id,
                text,
                expected,
                overwrite,
            } => report(save_element(
                &engine, bot, element_id, text, *expected, *overwrite, watcher,
            ))
            .then(|| bot.clone()),
            Effect::DeleteEntry { bot, entry_id } => {
                report(delete_entry(&engine, bot, entry_id, watcher)).then(|| bot.clone())
            }
            Effect::ReloadBot { bot } => Some(bot.clone()),
            Effect::ReloadAll => {
                let reloaded = reload_all(&engine).map(|(e, lines)| (Box::new(e), lines));
                for (id, _) in finders.lock().drain() {
                    tracing::debug!(bot = %id, "finder dropped after a workspace re-read");
                }
                let _ = done.send(Finished::ReloadedAll(reloaded));
                None
            }
            _ => None,
        };
        if let Some(bot) = changed_bot {
            send_reindexed(&engine, &finders, &bot, false, &done);
        }
    });
}

/// Re-reads and re-indexes one bot whose files changed outside interbot (the watcher said
/// so), off the UI task.
pub fn spawn_outside_change(
    engine: &Engine,
    finders: &Finders,
    bot: String,
    done: UnboundedSender<Finished>,
) {
    let engine = engine.clone();
    let finders = finders.clone();
    tokio::task::spawn_blocking(move || send_reindexed(&engine, &finders, &bot, true, &done));
}

fn send_reindexed(
    engine: &Engine,
    finders: &Finders,
    bot: &str,
    outside: bool,
    done: &UnboundedSender<Finished>,
) {
    finders.forget(bot);
    let progress = |report: QnaReport| {
        // The receiver is gone only when the app is quitting.
        let _ = done.send(Finished::Report(report));
    };
    let (engine, report) = reload_bot_reporting(engine, bot, outside, &progress);
    let _ = done.send(match engine {
        Some(engine) => Finished::Reloaded(Box::new(engine), report),
        None => Finished::Report(report),
    });
}

/// Edits `text` in the user's editor (`$EDITOR`, then `$VISUAL`, then `vi`) through a
/// private temporary file, and returns what the file holds afterwards. The caller suspends
/// the UI around it.
pub fn external_edit(text: &str) -> Result<String, String> {
    let editor = ["EDITOR", "VISUAL"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().into_owned())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi").to_string();
    let args: Vec<String> = words.map(String::from).collect();
    let file = tempfile::Builder::new()
        .prefix("interbot-entry-")
        .suffix(".txt")
        .tempfile()
        .map_err(|e| format!("cannot create a file to edit: {e}"))?;
    std::fs::write(file.path(), text).map_err(|e| format!("cannot write the file to edit: {e}"))?;
    let status = std::process::Command::new(&program)
        .args(&args)
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot start the editor `{program}`: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the editor `{program}` failed ({status}); the draft is unchanged"
        ));
    }
    crate::workspace::read::read_text(file.path(), crate::workspace::read::MAX_FILE_BYTES)
        .map_err(|e| format!("cannot read the edited file back: {e}"))
}
