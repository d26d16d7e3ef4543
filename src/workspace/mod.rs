//! The workspace: a folder of bots in Botpress's own layout (`bots/<id>/…`), plus interbot's
//! own optional `interbot.json`.
//!
//! Loading never fails because of one bad file: each problem is recorded in
//! [`Workspace::problems`] (naming the file, line and column) and the rest loads.

mod bot;
mod content;
mod edit;
mod entries;
mod entry_codec;
pub mod flow_edit;
mod folder;
pub mod intents;
pub mod json;
mod json_match;
mod json_splice;
mod json_style;
pub mod lock;
mod qna;
pub mod read;
mod reading;
pub mod recovery;
mod reload;
pub mod remote;
pub mod save;
mod snapshot;
pub mod transfer;
pub mod version;
pub mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use bot::BotReading;
pub use bot::{Bot, BotConfig};
pub use content::{ContentElement, ELEMENTS_FILE, SavedFile};
pub use edit::entry_id;
pub use entries::{EncodedEntries, EntryView, QnaEntries, Texts};
pub use lock::BotLock;
pub use qna::{QnaAction, QnaEntry, QnaForm, Redirect};
pub use reload::{BotChanges, WorkspaceChanges};
pub use remote::RemoteBotConfig;
pub use snapshot::QnaSnapshots;

pub use crate::version::FileVersion;

use crate::error::{Error, LoadProblem};
use crate::parallel;

/// The id of the bot that delegates.
pub const MASTER_ID: &str = "master";

/// Botpress's default external URL.
pub const DEFAULT_EXTERNAL_URL: &str = "http://localhost:3000";

/// Botpress's default `minConfidence` (defined by the flow model, where `delegate_to_bots`
/// falls back to it).
pub use crate::flow::DEFAULT_MIN_CONFIDENCE;

/// interbot's own settings, from `interbot.json` at the workspace root (all optional).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Base of every `botUrl` (`<externalUrl>/s/<botId>`).
    pub external_url: String,
    /// Threshold a sub-bot addressed directly must pass to answer.
    pub min_confidence: f64,
    /// Contexts whose entries are matched (Botpress's `includedContexts`).
    pub included_contexts: Vec<String>,
    /// Sub-bots on other machines, by id (see [`remote`]).
    pub remote_bots: BTreeMap<String, RemoteBotConfig>,
    /// Whose reading of a delegation the trace and `temp.delegation` follow (`"compat":
    /// "botpress"` reproduces Botpress's, see [`Compat`]).
    pub compat: Compat,
    /// With a seed, an entry with several answers gives one picked at random (reproducibly
    /// for a seed, question and entry), as Botpress picks; without, its first answer.
    pub answer_seed: Option<u64>,
    /// The user's language (`userLanguage`), what Botpress reads as
    /// `event.state.user.language`: a bot answers in it when the question's language is not
    /// one of its own and it speaks this one (see `language`).
    pub user_language: Option<String>,
    /// Whether the master routes through its bot router when its sub-bots get one
    /// (`index::router`); `"router": false` or `--no-router` leaves it out.
    pub router: bool,
}

/// Whose reading of a delegation counts where interbot and Botpress differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    /// interbot's: a bot that matched nothing reports confidence 0, and the trace notes
    /// where Botpress would read the row otherwise.
    #[default]
    Interbot,
    /// Botpress 12's, exactly: a bot that matched nothing reports confidence 1 ("no
    /// suggestion matched", `decision-engine.ts`), a `oneflow` (NDU) bot 0 whatever it holds.
    Botpress,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            external_url: DEFAULT_EXTERNAL_URL.to_string(),
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            included_contexts: vec!["global".to_string()],
            remote_bots: BTreeMap::new(),
            compat: Compat::default(),
            answer_seed: None,
            router: true,
            user_language: None,
        }
    }
}

/// Every bot of a workspace folder, and what went wrong reading it.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The folder holding `bots/`.
    pub root: PathBuf,
    /// The bots, master first, then by id.
    pub bots: Vec<Bot>,
    /// interbot's settings.
    pub settings: Settings,
    /// Every problem found while loading, in the order found.
    pub problems: Vec<LoadProblem>,
    /// Where the QnA folders' snapshots are kept when loading uses them (reloads use the
    /// same); `None` reads every file.
    pub snapshots: Option<QnaSnapshots>,
}

impl Workspace {
    /// Loads the workspace at `root` (the folder that holds `bots/`), reading every file.
    ///
    /// Fails only when the folder itself cannot be used; problems with individual files are
    /// collected in [`Workspace::problems`].
    pub fn load(root: impl AsRef<Path>) -> Result<Workspace, Error> {
        Self::load_with(root, None)
    }

    /// [`Workspace::load`], taking the QnA files unchanged since the last load from
    /// `snapshots` (and keeping them up to date); the workspace is the same either way. Its
    /// reloads use the same snapshots.
    pub fn load_with(
        root: impl AsRef<Path>,
        snapshots: Option<QnaSnapshots>,
    ) -> Result<Workspace, Error> {
        let root = root.as_ref().to_path_buf();
        let unusable = |reason: String| Error::Workspace {
            path: root.clone(),
            reason,
        };
        let meta = std::fs::metadata(&root).map_err(|e| unusable(e.to_string()))?;
        if !meta.is_dir() {
            return Err(unusable("not a folder".to_string()));
        }
        let bots_dir = root.join("bots");
        let listing = std::fs::read_dir(&bots_dir)
            .map_err(|e| unusable(format!("cannot read its bots/ folder: {e}")))?;
        let mut problems = Vec::new();
        let settings = load_settings(&root, &mut problems);
        let mut ids: Vec<String> = Vec::new();
        for entry in listing.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            // Every path skipped is named, so `check` shows why a bot is missing.
            let skipped = match (std::fs::metadata(&path), name.to_str()) {
                (Ok(meta), Some(id)) if meta.is_dir() => {
                    ids.push(id.to_string());
                    continue;
                }
                (Ok(meta), Some(_)) if meta.is_file() => continue, // a README or the like
                (Ok(_), Some(_)) => "not a folder".to_string(),
                (Ok(_), None) => "its name is not valid UTF-8".to_string(),
                (Err(e), _) => match read::resolve(&path) {
                    Err(reason) => format!("it {reason}"),
                    Ok(_) => format!("cannot be read: {e}"),
                },
            };
            problems.push(LoadProblem::warning(
                &path,
                format!("skipped as a bot: {skipped}"),
            ));
        }
        ids.sort_by(|a, b| (a != MASTER_ID, a).cmp(&(b != MASTER_ID, b)));
        // Every bot's configuration and listing, then every bot's QnA files, then every
        // bot's checks and flow, each step on every core.
        let readings = parallel::map(ids.clone(), |id| {
            BotReading::start(&bots_dir.join(&id), &id, true, snapshots.as_ref())
        });
        let files = BotReading::read_files(&readings);
        let loaded = parallel::map(
            readings.into_iter().zip(files).collect(),
            |(reading, files)| reading.finish(files),
        );
        let mut bots: Vec<Bot> = Vec::with_capacity(loaded.len());
        for (bot, found) in loaded {
            problems.extend(found);
            bots.push(bot);
        }
        let mut settings = settings;
        remote::validate(
            &mut settings.remote_bots,
            &ids,
            &root.join("interbot.json"),
            &mut problems,
        );
        problems.extend(delegation_problems(&bots, &settings.remote_bots));
        Ok(Workspace {
            root,
            bots,
            settings,
            problems,
            snapshots,
        })
    }

    /// The workspace as it is on disk now, loaded as this one was (with its snapshots).
    pub fn load_again(&self) -> Result<Workspace, Error> {
        Self::load_with(&self.root, self.snapshots.clone())
    }

    /// The bot with this id.
    pub fn bot(&self, id: &str) -> Option<&Bot> {
        self.bots.iter().find(|b| b.id == id)
    }

    /// Whether some bot speaks more than its default language (then each turn detects the
    /// question's language, and the trace records the language of each row).
    pub fn is_multilingual(&self) -> bool {
        self.bots.iter().any(|bot| bot.config.is_multilingual())
    }

    /// Every bot but the master, in workspace order, then the remote bots by id.
    pub fn sub_bot_ids(&self) -> Vec<String> {
        self.bots
            .iter()
            .filter(|b| b.id != MASTER_ID)
            .map(|b| b.id.clone())
            .chain(self.settings.remote_bots.keys().cloned())
            .collect()
    }

    /// The sub-bots the master asks, in its order: those its flow's `delegate_to_bots` names
    /// (the start node's, else the first in the flow), or every sub-bot when the flow names
    /// none or there is no flow, as the master itself does.
    pub fn asked_bots(&self) -> Vec<String> {
        let flow = self.bot(MASTER_ID).and_then(|bot| bot.flow.as_ref());
        let named = flow.and_then(|flow| {
            let delegations = |node: &crate::flow::Node| {
                node.on_enter
                    .iter()
                    .find_map(|instruction| match instruction {
                        crate::flow::Instruction::Delegate(args) => Some(args.bots.clone()),
                        _ => None,
                    })
            };
            flow.start()
                .and_then(delegations)
                .or_else(|| flow.nodes.iter().find_map(delegations))
        });
        match named {
            Some(bots) if !bots.is_empty() => bots,
            _ => self.sub_bot_ids(),
        }
    }

    /// The remote bot `id`, if `interbot.json` declares one.
    pub fn remote_bot(&self, id: &str) -> Option<&RemoteBotConfig> {
        self.settings.remote_bots.get(id)
    }

    /// `<externalUrl>/s/<botId>`, as Botpress's `delegate_to_bots` builds it.
    pub fn bot_url(&self, bot_id: &str) -> String {
        format!(
            "{}/s/{bot_id}",
            self.settings.external_url.trim_end_matches('/')
        )
    }

    /// Saves one QnA entry of `bot_id` atomically, in the form it came in, keeping unknown
    /// fields, while holding the bot folder's lock. A new entry is written to
    /// `qna/<id>.json`; its id must be a safe file name.
    ///
    /// This writes `entry` as given: to change an entry that may be edited by someone else
    /// at the same time, use [`Workspace::update_entry`], which re-reads it under the lock.
    pub fn save_entry(&self, bot_id: &str, entry: &QnaEntry) -> Result<PathBuf, Error> {
        let bot = self
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let path = entry_path(bot, entry)?;
        let _lock = lock_bot(bot)?;
        write_entry(bot, &path, entry)?;
        Ok(path)
    }

    /// Changes one saved entry without losing anyone else's change: under the bot folder's
    /// lock, the entry is re-read from its file, `change` is applied to that fresh copy, and
    /// the file is written only if the entry's JSON changed.
    pub fn update_entry<E: From<Error>>(
        &self,
        bot_id: &str,
        entry_id: &str,
        change: impl FnOnce(&mut QnaEntry) -> Result<(), E>,
    ) -> Result<Saved, E> {
        self.update_entry_expecting(bot_id, entry_id, None, change)
    }
}

/// What [`Workspace::update_entry`] and the checked saves ([`Workspace::save_entry_checked`]
/// …) did.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The entry's file.
    pub path: PathBuf,
    /// Whether the file was written (false when the change changed nothing).
    pub written: bool,
    /// The entry as saved, its [`QnaEntry::version`] the version now on disk.
    pub entry: QnaEntry,
}

/// The file an entry is saved to: its own file when it lies in the bot folder, else
/// `qna/<id>.json` for a safe id.
fn entry_path(bot: &Bot, entry: &QnaEntry) -> Result<PathBuf, Error> {
    let in_bot = entry.file.starts_with(&bot.dir)
        && std::fs::symlink_metadata(&entry.file).is_ok()
        && entry.file.parent() == Some(bot.dir.join("qna").as_path());
    if in_bot {
        return Ok(entry.file.clone());
    }
    if !save::is_safe_id(&entry.id) {
        return Err(Error::InvalidId(entry.id.clone()));
    }
    Ok(bot.dir.join("qna").join(format!("{}.json", entry.id)))
}

fn lock_bot(bot: &Bot) -> Result<BotLock, Error> {
    BotLock::acquire(&bot.dir).map_err(|source| Error::Lock {
        path: bot.dir.clone(),
        source,
    })
}

/// Writes `entry` atomically in its file's layout (Botpress's for a new file), then brings
/// its Botpress 12 NLU intent in line ([`intents::sync`]); returns the version written.
/// Call it under the bot's lock.
fn write_entry(bot: &Bot, path: &Path, entry: &QnaEntry) -> Result<FileVersion, Error> {
    let value = entry.to_json();
    let version = json::write_atomic(path, &value).map_err(|source| Error::Save {
        path: path.to_path_buf(),
        source,
    })?;
    intents::sync(&bot.dir, &entry.id, &entry.language, &value)?;
    Ok(version)
}

/// A problem for each bot the master's flow delegates to that is the master itself or not a
/// bot of the workspace (the flow module knows nothing of bots, so this is checked here), and
/// a warning for each `delegate_to_bots` in a sub-bot's flow (not run there).
fn delegation_problems(
    bots: &[Bot],
    remote: &BTreeMap<String, RemoteBotConfig>,
) -> Vec<LoadProblem> {
    let mut problems = Vec::new();
    // A sub-bot's own flow runs when it is asked directly, without delegation.
    for bot in bots.iter().filter(|b| b.id != MASTER_ID) {
        let Some(flow) = &bot.flow else { continue };
        for node in &flow.nodes {
            let delegates = node
                .on_enter
                .iter()
                .any(|i| matches!(i, crate::flow::Instruction::Delegate(_)));
            if delegates {
                problems.push(LoadProblem::warning(
                    bot.dir.join("flows").join("main.flow.json"),
                    format!(
                        "node {:?}: delegate_to_bots is the master's action; interbot does not run it in a sub-bot's flow",
                        node.name
                    ),
                ));
            }
        }
    }
    let Some(master) = bots.iter().find(|b| b.id == MASTER_ID) else {
        return problems;
    };
    let Some(flow) = &master.flow else {
        return problems;
    };
    let path = master.dir.join("flows").join("main.flow.json");
    for node in &flow.nodes {
        for instruction in &node.on_enter {
            let crate::flow::Instruction::Delegate(args) = instruction else {
                continue;
            };
            for bot in &args.bots {
                let why = if bot == MASTER_ID {
                    "the master itself (it would answer its own question)"
                } else if !bots.iter().any(|b| &b.id == bot) && !remote.contains_key(bot) {
                    "a bot this workspace does not have"
                } else {
                    continue;
                };
                problems.push(LoadProblem::error(
                    &path,
                    format!(
                        "node {:?}: delegate_to_bots names `{bot}`, {why}",
                        node.name
                    ),
                ));
            }
        }
    }
    problems
}

fn load_settings(root: &Path, problems: &mut Vec<LoadProblem>) -> Settings {
    let path = root.join("interbot.json");
    if std::fs::symlink_metadata(&path).is_err() {
        return Settings::default();
    }
    let parsed = json::read(&path).and_then(|file| {
        problems.extend(file.warnings);
        json::parse::<Settings>(&path, &file.text)
    });
    match parsed {
        Ok(settings) if (0.0..=1.0).contains(&settings.min_confidence) => settings,
        Ok(settings) => {
            problems.push(LoadProblem::error(
                &path,
                format!(
                    "minConfidence {} is outside [0, 1]; using 0.5",
                    settings.min_confidence
                ),
            ));
            Settings {
                min_confidence: DEFAULT_MIN_CONFIDENCE,
                ..settings
            }
        }
        Err(problem) => {
            problems.push(problem);
            Settings::default()
        }
    }
}
