//! Recovering drafts: what the app's editors hold unsaved (`App::drafts`, kept on disk as
//! they change by the runtime's draft keeper), and the prompt that offers, at the next start,
//! each draft an earlier session left (restore, discard, or show the difference with the file
//! as it is now). State only: how actions change it is [`super::recovery_update`]; drawing is
//! [`super::ui::recovery`], reading and writing the drafts is the runtime's.

use crate::workspace::recovery::{DiffLine, DraftTarget, StoredDraft, diff_lines};

/// A draft found at start-up, with what its target holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The draft and the session that left it.
    pub stored: StoredDraft,
    /// The target as it is now, in the draft's form (an entry's document, an element's
    /// text); `None` for a new entry, or when the entry, element or bot is gone.
    pub current: Option<String>,
    /// Whether the file changed since the draft's editing began (saving it then asks
    /// whether to overwrite).
    pub changed_since: bool,
}

impl Recovered {
    /// The difference from the target now to the draft.
    pub fn diff(&self) -> Vec<DiffLine> {
        diff_lines(
            self.current.as_deref().unwrap_or_default(),
            &self.stored.draft.text,
        )
    }

    /// Where the target stands, in a few words.
    pub fn standing(&self) -> &'static str {
        match (&self.stored.draft.target, &self.current) {
            (DraftTarget::Entry { id: None }, _) => "new entry",
            (_, None) => "gone from the workspace",
            (_, Some(_)) if self.changed_since => "file changed since",
            (_, Some(_)) => "file unchanged",
        }
    }
}

/// The prompt offering recovered drafts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecoveryPrompt {
    /// The drafts not yet restored or discarded.
    pub drafts: Vec<Recovered>,
    /// The highlighted draft.
    pub selected: usize,
    /// Whether the difference is shown (the draft's text otherwise).
    pub showing_diff: bool,
    /// How far the text or difference is scrolled.
    pub scroll: usize,
    /// Whether the prompt is up: it comes back when the QnA view of a restored draft closes,
    /// until the user puts it off (`Esc`).
    pub shown: bool,
}

impl RecoveryPrompt {
    /// The highlighted draft.
    pub fn selected_draft(&self) -> Option<&Recovered> {
        self.drafts.get(self.selected)
    }
}
