//! The workspace: a folder of bots in Botpress's own layout (`bots/<id>/…`), plus interbot's
//! own optional `interbot.json`.
//!
//! Loading never fails because of one bad file: each problem is recorded in
//! [`Workspace::problems`] (naming the file, line and column) and the rest loads.

mod bot;
mod content;
mod edit;
pub mod json;
mod qna;
pub mod remote;
pub mod save;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use bot::{Bot, BotConfig};
pub use content::ContentElement;
pub use edit::entry_id;
pub use qna::{QnaAction, QnaEntry, QnaForm, Redirect};
pub use remote::RemoteBotConfig;

use crate::error::{Error, LoadProblem};

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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            external_url: DEFAULT_EXTERNAL_URL.to_string(),
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            included_contexts: vec!["global".to_string()],
            remote_bots: BTreeMap::new(),
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
}

impl Workspace {
    /// Loads the workspace at `root` (the folder that holds `bots/`).
    ///
    /// Fails only when the folder itself cannot be used; problems with individual files are
    /// collected in [`Workspace::problems`].
    pub fn load(root: impl AsRef<Path>) -> Result<Workspace, Error> {
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
        let mut ids: Vec<String> = listing
            .filter_map(Result::ok)
            .filter(|entry| entry.path().is_dir())
            .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
            .filter(|id| !id.starts_with('.'))
            .collect();
        ids.sort_by(|a, b| (a != MASTER_ID, a).cmp(&(b != MASTER_ID, b)));
        let bots = ids
            .iter()
            .map(|id| Bot::load(&bots_dir.join(id), id, id == MASTER_ID, &mut problems))
            .collect();
        let mut settings = settings;
        remote::validate(
            &mut settings.remote_bots,
            &ids,
            &root.join("interbot.json"),
            &mut problems,
        );
        Ok(Workspace {
            root,
            bots,
            settings,
            problems,
        })
    }

    /// The bot with this id.
    pub fn bot(&self, id: &str) -> Option<&Bot> {
        self.bots.iter().find(|b| b.id == id)
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
    /// fields. A new entry is written to `qna/<id>.json`; its id must be a safe file name.
    pub fn save_entry(&self, bot_id: &str, entry: &QnaEntry) -> Result<PathBuf, Error> {
        let bot = self
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let path = if entry.file.starts_with(&bot.dir) && entry.file.exists() {
            entry.file.clone()
        } else {
            if !save::is_safe_id(&entry.id) {
                return Err(Error::InvalidId(entry.id.clone()));
            }
            bot.dir.join("qna").join(format!("{}.json", entry.id))
        };
        json::write_atomic(&path, &entry.to_json()).map_err(|source| Error::Save {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }
}

fn load_settings(root: &Path, problems: &mut Vec<LoadProblem>) -> Settings {
    let path = root.join("interbot.json");
    if !path.exists() {
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
