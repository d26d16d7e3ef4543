//! Watching a workspace for changes made outside interbot's editor (another editor,
//! `interbot qna`, `git pull`), so the app can re-read and re-index the bot that changed.
//!
//! A [`Watcher`] watches `bots/` recursively and the workspace root itself (for
//! `interbot.json`; not recursively, so `.interbot/` and anything else beside `bots/` is never
//! looked at) through the `notify` crate's recommended watcher. Events are debounced: after
//! the first one, the watcher waits until [`Watcher::DEBOUNCE`] passes without another (but
//! no longer than [`Watcher::MAX_DELAY`]), so a burst such as a `git pull` becomes one
//! [`WorkspaceEvent::BotChanged`] per bot, with every path that changed.
//!
//! Ignored: reads (access events); interbot's own temporary files; anything hidden below
//! `bots/` (`.git/`, Vim's `.x.json.swp`, Emacs's `.#x.json`); backup and lock files (`x~`,
//! `*.swp`, `*.lock`) and Vim's `4913` probe. A path names a bot only when it is a folder
//! directly in `bots/` or lies inside one (a `bots/README.md` is no bot).
//!
//! **Own saves.** The app's own saves change files too. After a save, tell the watcher what
//! was written ([`Watcher::expect_own_write`] with the version the save returned, or
//! [`Watcher::expect_own_removal`]); a path whose content on disk is exactly what interbot
//! last wrote there is then left out of the events (a bot whose every changed path is such
//! is not reported). The comparison is by content, so it holds however the events are
//! grouped, and an outside change after the save is still reported.
//!
//! Events are delivered to a callback on the watcher's own thread; the app forwards them
//! into its event loop (a tokio channel's `send` is fine there). Dropping the [`Watcher`]
//! stops it: no callback runs after `drop` returns.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

use super::save::is_interbot_temp;
use super::version;
use crate::error::Error;
use crate::version::FileVersion;

/// What changed in a watched workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceEvent {
    /// Files of one bot changed (or its folder appeared or went): re-read that bot
    /// ([`crate::Engine::reload_bot`]).
    BotChanged {
        /// The bot: the name of its folder in `bots/`.
        bot_id: String,
        /// The paths that changed, sorted (files and folders, some possibly gone by now).
        paths: Vec<PathBuf>,
    },
    /// `interbot.json` changed: re-read the whole workspace.
    SettingsChanged,
    /// The system dropped events (its queue overflowed): anything may have changed, so re-read
    /// the whole workspace.
    Rescan,
    /// The watcher reported an error (for example the system's limit of watched folders was
    /// reached); changes may go unnoticed.
    Failed {
        /// The watcher's message.
        reason: String,
    },
}

/// Watches one workspace until dropped; see the [module](self) documentation.
pub struct Watcher {
    /// The OS watcher, dropped first on drop.
    watcher: Option<notify::RecommendedWatcher>,
    stop: Sender<Message>,
    worker: Option<JoinHandle<()>>,
    paths: Arc<Paths>,
    own: Arc<Mutex<OwnWrites>>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("root", &self.paths.root)
            .finish_non_exhaustive()
    }
}

/// The workspace root as given and as resolved (events name resolved paths).
#[derive(Debug)]
struct Paths {
    given: PathBuf,
    root: PathBuf,
}

impl Paths {
    /// `path` as events name it: under the resolved root.
    fn normalize(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.given) {
            Ok(rest) => self.root.join(rest),
            Err(_) => path.to_path_buf(),
        }
    }
}

/// What interbot last wrote to each path (`None`: it removed the file).
type OwnWrites = HashMap<PathBuf, Option<FileVersion>>;

enum Message {
    Event(notify::Result<notify::Event>),
    Stop,
}

impl Watcher {
    /// How long the workspace must be quiet before the events so far are reported.
    pub const DEBOUNCE: Duration = Duration::from_millis(200);

    /// The longest an event waits for the workspace to be quiet.
    pub const MAX_DELAY: Duration = Duration::from_secs(2);

    /// Starts watching the workspace at `root` (the folder holding `bots/`), calling
    /// `on_event` on the watcher's thread for each batch of changes.
    pub fn new(
        root: impl AsRef<Path>,
        on_event: impl Fn(WorkspaceEvent) + Send + 'static,
    ) -> Result<Watcher, Error> {
        Self::with_debounce(root, Self::DEBOUNCE, on_event)
    }

    /// [`Watcher::new`] with another quiet time than [`Watcher::DEBOUNCE`].
    pub fn with_debounce(
        root: impl AsRef<Path>,
        debounce: Duration,
        on_event: impl Fn(WorkspaceEvent) + Send + 'static,
    ) -> Result<Watcher, Error> {
        let given = root.as_ref().to_path_buf();
        let failed = |path: &Path, source: notify::Error| Error::Watch {
            path: path.to_path_buf(),
            source,
        };
        let resolved =
            std::fs::canonicalize(&given).map_err(|e| failed(&given, notify::Error::io(e)))?;
        let bots = resolved.join("bots");
        let (sender, receiver) = mpsc::channel();
        let events = sender.clone();
        let mut watcher = notify::recommended_watcher(move |event| {
            // The worker is gone only once the watcher is being dropped.
            let _ = events.send(Message::Event(event));
        })
        .map_err(|e| failed(&resolved, e))?;
        watcher
            .watch(&resolved, RecursiveMode::NonRecursive)
            .map_err(|e| failed(&resolved, e))?;
        watcher
            .watch(&bots, RecursiveMode::Recursive)
            .map_err(|e| failed(&bots, e))?;
        let paths = Arc::new(Paths {
            given,
            root: resolved,
        });
        let own = Arc::new(Mutex::new(OwnWrites::new()));
        let mut worker = Worker {
            bots_dir: bots.clone(),
            settings: paths.root.join("interbot.json"),
            known_bots: bot_folders(&bots),
            own: own.clone(),
            pending: Pending::default(),
            debounce,
        };
        let worker = std::thread::Builder::new()
            .name("interbot-watch".to_string())
            .spawn(move || worker.run(&receiver, &on_event))
            .map_err(|e| failed(&bots, notify::Error::io(e)))?;
        Ok(Watcher {
            watcher: Some(watcher),
            stop: sender,
            worker: Some(worker),
            paths,
            own,
        })
    }

    /// The workspace root watched (resolved: symbolic links followed).
    pub fn root(&self) -> &Path {
        &self.paths.root
    }

    /// Tells the watcher that interbot itself just wrote `version` to `path` (what a save
    /// returned), so that change is not reported as an outside one.
    pub fn expect_own_write(&self, path: &Path, version: FileVersion) {
        self.remember(path, Some(version));
    }

    /// Tells the watcher that interbot itself just removed `path`.
    pub fn expect_own_removal(&self, path: &Path) {
        self.remember(path, None);
    }

    fn remember(&self, path: &Path, version: Option<FileVersion>) {
        let path = self.paths.normalize(path);
        self.own
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path, version);
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.watcher.take());
        let _ = self.stop.send(Message::Stop);
        if let Some(worker) = self.worker.take()
            && worker.thread().id() != std::thread::current().id()
        {
            let _ = worker.join();
        }
    }
}

/// The changes gathered since the last report.
#[derive(Debug, Default)]
struct Pending {
    bots: BTreeMap<String, BTreeSet<PathBuf>>,
    settings: bool,
    rescan: bool,
    failures: Vec<String>,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.bots.is_empty() && !self.settings && !self.rescan && self.failures.is_empty()
    }
}

/// The watcher's thread: gathers events, and reports them once the workspace is quiet.
struct Worker {
    bots_dir: PathBuf,
    settings: PathBuf,
    known_bots: HashSet<String>,
    own: Arc<Mutex<OwnWrites>>,
    pending: Pending,
    debounce: Duration,
}

impl Worker {
    fn run(&mut self, messages: &mpsc::Receiver<Message>, on_event: &dyn Fn(WorkspaceEvent)) {
        loop {
            let message = match self.deadline() {
                None => messages.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(at) => messages.recv_timeout(at.saturating_duration_since(Instant::now())),
            };
            match message {
                Ok(Message::Event(event)) => self.gather(event),
                Err(RecvTimeoutError::Timeout) => self.report(on_event),
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// When the pending events are due, if there are any.
    fn deadline(&self) -> Option<Instant> {
        let (first, last) = (self.pending.first?, self.pending.last?);
        Some((last + self.debounce).min(first + Watcher::MAX_DELAY))
    }

    fn gather(&mut self, event: notify::Result<notify::Event>) {
        let before = !self.pending.is_empty();
        match event {
            Err(error) => self.pending.failures.push(error.to_string()),
            Ok(event) if event.need_rescan() => self.pending.rescan = true,
            Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
            Ok(event) => {
                for path in event.paths {
                    self.classify(path);
                }
            }
        }
        if self.pending.is_empty() {
            return;
        }
        let now = Instant::now();
        if !before {
            self.pending.first = Some(now);
        }
        self.pending.last = Some(now);
    }

    /// Adds `path` to the pending changes of its bot, or of the settings, or drops it.
    fn classify(&mut self, path: PathBuf) {
        if path == self.settings {
            self.pending.settings = true;
            return;
        }
        let Ok(relative) = path.strip_prefix(&self.bots_dir) else {
            return; // beside bots/ (`.interbot/`, …) or outside the workspace
        };
        let mut names = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(name) => match name.to_str() {
                    Some(name) => names.push(name),
                    None => return,
                },
                _ => return,
            }
        }
        let Some((bot, inside)) = names.split_first() else {
            return; // bots/ itself
        };
        if names.iter().any(|name| is_ignored(name)) {
            return;
        }
        let is_bot = if inside.is_empty() {
            // bots/<name>: a bot when it is a folder, or was one we knew.
            let is_folder = std::fs::metadata(&path).is_ok_and(|m| m.is_dir());
            if is_folder {
                self.known_bots.insert((*bot).to_string());
                true
            } else {
                self.known_bots.remove(*bot)
            }
        } else {
            self.known_bots.insert((*bot).to_string());
            true
        };
        if is_bot {
            self.pending
                .bots
                .entry((*bot).to_string())
                .or_default()
                .insert(path);
        }
    }

    /// Reports the pending changes, leaving out paths that hold what interbot wrote itself.
    fn report(&mut self, on_event: &dyn Fn(WorkspaceEvent)) {
        let pending = std::mem::take(&mut self.pending);
        for reason in pending.failures {
            on_event(WorkspaceEvent::Failed { reason });
        }
        if pending.rescan {
            on_event(WorkspaceEvent::Rescan);
            return;
        }
        if pending.settings {
            on_event(WorkspaceEvent::SettingsChanged);
        }
        for (bot_id, paths) in pending.bots {
            let paths: Vec<PathBuf> = paths.into_iter().filter(|p| !self.is_own(p)).collect();
            if !paths.is_empty() {
                on_event(WorkspaceEvent::BotChanged { bot_id, paths });
            }
        }
    }

    /// Whether `path` holds exactly what interbot last wrote there (or is gone as interbot
    /// left it). A path that moved on since is forgotten.
    fn is_own(&self, path: &Path) -> bool {
        let mut own = self.own.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(expected) = own.get(path).copied() else {
            return false;
        };
        let same = version::on_disk(path).is_ok_and(|now| now == expected);
        if !same {
            own.remove(path);
        }
        same
    }
}

/// Whether a file or folder name below `bots/` is never part of a bot: hidden (version
/// control, editor swap and lock files, interbot's temporary files), a backup (`x~`), a swap
/// or lock file, or Vim's write probe `4913`.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || is_interbot_temp(name)
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swo", ".swx", ".lock"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// The folders directly in `bots/` now (the bots a removal event may name).
fn bot_folders(bots: &Path) -> HashSet<String> {
    std::fs::read_dir(bots)
        .map(|listing| {
            listing
                .filter_map(Result::ok)
                .filter(|entry| std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()))
                .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
                .filter(|name| !is_ignored(name))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_and_interbot_litter_is_ignored() {
        for name in [
            ".x.json.swp",
            "x.json.swp",
            "x.json~",
            "4913",
            ".#x.json",
            ".x.json.interbot-12.tmp",
            ".git",
            "index.lock",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["x.json", "qna", "bot.config.json", "sub1", "4914"] {
            assert!(!is_ignored(name), "{name}");
        }
    }

    fn worker(root: &Path) -> Worker {
        Worker {
            bots_dir: root.join("bots"),
            settings: root.join("interbot.json"),
            known_bots: bot_folders(&root.join("bots")),
            own: Arc::new(Mutex::new(OwnWrites::new())),
            pending: Pending::default(),
            debounce: Watcher::DEBOUNCE,
        }
    }

    #[test]
    fn paths_name_bots_only_for_folders_in_bots() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        std::fs::create_dir_all(root.join("bots/sub1/qna"))?;
        std::fs::write(root.join("bots/README.md"), "hi")?;
        let mut worker = worker(root);
        for path in [
            "bots/README.md",
            "bots",
            ".interbot/history",
            "elsewhere.json",
            "bots/sub1/qna/.x.json.swp",
            "bots/.git/HEAD",
        ] {
            worker.classify(root.join(path));
        }
        worker.classify(PathBuf::from("/etc/passwd"));
        assert!(worker.pending.is_empty(), "{:?}", worker.pending);
        worker.classify(root.join("bots/sub1/qna/x.json"));
        worker.classify(root.join("bots/sub1"));
        worker.classify(root.join("interbot.json"));
        assert!(worker.pending.settings);
        let sub1: Vec<&PathBuf> = worker.pending.bots["sub1"].iter().collect();
        assert_eq!(
            sub1,
            [&root.join("bots/sub1"), &root.join("bots/sub1/qna/x.json")]
        );
        // A bot folder that went is still a bot; a file that went never was.
        std::fs::remove_dir_all(root.join("bots/sub1"))?;
        std::fs::remove_file(root.join("bots/README.md"))?;
        let mut worker = self::worker(root);
        worker.known_bots.insert("sub1".to_string());
        worker.classify(root.join("bots/sub1"));
        worker.classify(root.join("bots/README.md"));
        assert_eq!(worker.pending.bots.keys().collect::<Vec<_>>(), ["sub1"]);
        Ok(())
    }
}
