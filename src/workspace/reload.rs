//! Reading one bot again after its files changed on disk, and saying what changed: which QnA
//! entries were added, removed or edited, and whether anything else of the bot changed.
//!
//! [`Workspace::reload_bot`] re-reads only `bots/<id>/` (the folder may have appeared or gone
//! since); `interbot.json` is not re-read (reload the whole workspace with
//! [`Workspace::load`] for that, and compare with [`WorkspaceChanges::between`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Component;

use serde::Serialize;

use super::{Bot, MASTER_ID, Workspace, delegation_problems};
use crate::error::Error;

/// What changed in one bot between two loads. Entries are compared by their JSON (what
/// would be written), so a file re-formatted without a change in content is not edited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BotChanges {
    /// The bot.
    pub bot_id: String,
    /// Ids of entries that are new, sorted.
    pub added: Vec<String>,
    /// Ids of entries that are gone, sorted.
    pub removed: Vec<String>,
    /// Ids of entries whose content changed, sorted.
    pub edited: Vec<String>,
    /// Whether something besides the QnA entries changed: `bot.config.json`, the content
    /// elements or the flow.
    pub other_files: bool,
}

impl BotChanges {
    /// The changes from `before` to `after` (`None`: the bot does not exist on that side).
    pub fn between(bot_id: &str, before: Option<&Bot>, after: Option<&Bot>) -> BotChanges {
        let entries = |bot: Option<&Bot>| -> BTreeMap<String, serde_json::Value> {
            bot.map(|b| b.qna.iter().map(|e| (e.id.clone(), e.to_json())).collect())
                .unwrap_or_default()
        };
        let (old, new) = (entries(before), entries(after));
        let added = new.keys().filter(|id| !old.contains_key(*id)).cloned();
        let removed = old.keys().filter(|id| !new.contains_key(*id)).cloned();
        let edited = new
            .iter()
            .filter(|(id, json)| old.get(*id).is_some_and(|was| was != *json))
            .map(|(id, _)| id.clone());
        let other_files = match (before, after) {
            (Some(a), Some(b)) => {
                a.config != b.config
                    || a.flow != b.flow
                    || a.elements.len() != b.elements.len()
                    || a.elements
                        .iter()
                        .zip(&b.elements)
                        .any(|(x, y)| x.raw != y.raw)
            }
            (None, None) => false,
            _ => true,
        };
        BotChanges {
            bot_id: bot_id.to_string(),
            added: added.collect(),
            removed: removed.collect(),
            edited: edited.collect(),
            other_files,
        }
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.edited.is_empty()
            && !self.other_files
    }
}

/// What changed in a whole workspace between two loads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceChanges {
    /// Bots that are new, sorted.
    pub bots_added: Vec<String>,
    /// Bots that are gone, sorted.
    pub bots_removed: Vec<String>,
    /// The changes of every bot that changed (added and removed bots included), by id.
    pub bots: Vec<BotChanges>,
    /// Whether `interbot.json`'s settings changed.
    pub settings_changed: bool,
}

impl WorkspaceChanges {
    /// The changes from `before` to `after`.
    pub fn between(before: &Workspace, after: &Workspace) -> WorkspaceChanges {
        let ids: BTreeSet<&str> = before
            .bots
            .iter()
            .chain(&after.bots)
            .map(|b| b.id.as_str())
            .collect();
        let mut changes = WorkspaceChanges {
            settings_changed: before.settings != after.settings,
            ..WorkspaceChanges::default()
        };
        for id in ids {
            let (old, new) = (before.bot(id), after.bot(id));
            match (old, new) {
                (None, Some(_)) => changes.bots_added.push(id.to_string()),
                (Some(_), None) => changes.bots_removed.push(id.to_string()),
                _ => {}
            }
            let bot = BotChanges::between(id, old, new);
            if !bot.is_empty() {
                changes.bots.push(bot);
            }
        }
        changes
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.bots.is_empty() && !self.settings_changed
    }
}

impl Bot {
    /// Whether a search index built for this bot serves `other` unchanged: same id,
    /// languages (default first) and entries (in the same order, since an index refers to
    /// entries by
    /// position), so a reload can keep it instead of indexing again.
    pub fn indexes_like(&self, other: &Bot) -> bool {
        self.id == other.id
            && self.config.languages().eq(other.config.languages())
            && self.qna.len() == other.qna.len()
            && self
                .qna
                .iter()
                .zip(&other.qna)
                .all(|(x, y)| x.id == y.id && x.to_json() == y.to_json())
    }
}

/// Whether `id` can name a folder directly in `bots/`: one plain, visible path component.
fn is_bot_folder_name(id: &str) -> bool {
    let mut components = std::path::Path::new(id).components();
    matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
        && !id.starts_with('.')
        && !id.contains(['/', '\\'])
}

impl Workspace {
    /// This workspace with bot `bot_id` read again from `bots/<bot_id>/` (added when the
    /// folder is new, left out when it is gone), and what changed in it. The other bots are
    /// kept as they are; the load problems of that bot and the master flow's delegation
    /// problems (which depend on which bots exist) are recomputed.
    pub fn reload_bot(&self, bot_id: &str) -> Result<(Workspace, BotChanges), Error> {
        if !is_bot_folder_name(bot_id) {
            return Err(Error::InvalidId(bot_id.to_string()));
        }
        let bots_dir = self.root.join("bots");
        let dir = bots_dir.join(bot_id);
        let before = self.bot(bot_id);
        let mut bot_problems = Vec::new();
        let after = std::fs::metadata(&dir)
            .is_ok_and(|meta| meta.is_dir())
            .then(|| {
                Bot::load(
                    &dir,
                    bot_id,
                    true,
                    self.snapshots.as_ref(),
                    &mut bot_problems,
                )
            });
        if before.is_none() && after.is_none() {
            return Err(Error::UnknownBot(bot_id.to_string()));
        }
        let changes = BotChanges::between(bot_id, before, after.as_ref());
        let stale_delegation = delegation_problems(&self.bots, &self.settings.remote_bots);
        let mut problems: Vec<_> = self
            .problems
            .iter()
            .filter(|p| !p.file.starts_with(&dir) && !stale_delegation.contains(p))
            .cloned()
            .collect();
        problems.extend(bot_problems);
        let mut bots: Vec<Bot> = self
            .bots
            .iter()
            .filter(|b| b.id != bot_id)
            .cloned()
            .collect();
        bots.extend(after);
        bots.sort_by(|a, b| (a.id != MASTER_ID, &a.id).cmp(&(b.id != MASTER_ID, &b.id)));
        problems.extend(delegation_problems(&bots, &self.settings.remote_bots));
        let workspace = Workspace {
            root: self.root.clone(),
            bots,
            settings: self.settings.clone(),
            problems,
            snapshots: self.snapshots.clone(),
        };
        Ok((workspace, changes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_folder_names_name_bots() {
        for good in ["sub1", "my bot", "é"] {
            assert!(is_bot_folder_name(good), "{good:?}");
        }
        for bad in ["", ".", "..", "../x", "a/b", "/etc", ".hidden", "a\\b"] {
            assert!(!is_bot_folder_name(bad), "{bad:?}");
        }
    }
}
