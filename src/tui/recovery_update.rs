//! How actions change the recovery prompt ([`super::recovery`]): restore, discard, show the
//! difference, later; and the drafts the app's editors hold ([`App::drafts`]).

use crate::text::sanitize_line;
use crate::workspace::recovery::{Draft, DraftTarget, StoredDraft};

use super::action::{Action, Effect};
use super::qna::{ElementEditor, EntryEditor, EntryFields, QnaView, Showing};
use super::recovery::{Recovered, RecoveryPrompt};
use super::state::App;

impl App {
    /// Offers `drafts` an earlier session left (nothing when there are none).
    pub fn offer_recovery(&mut self, drafts: Vec<Recovered>) {
        if drafts.is_empty() {
            return;
        }
        self.recovery = Some(RecoveryPrompt {
            drafts,
            shown: true,
            ..RecoveryPrompt::default()
        });
    }

    /// Whether the recovery prompt has the keys.
    pub fn recovery_shown(&self) -> bool {
        self.qna.is_none() && self.recovery.as_ref().is_some_and(|r| r.shown)
    }

    /// Every unsaved draft of the app's editors, as the recovery folder keeps it.
    pub fn drafts(&self) -> Vec<Draft> {
        let Some(view) = &self.qna else {
            return Vec::new();
        };
        let mut drafts = Vec::new();
        if let Some(editor) = view.editor.as_ref().filter(|e| e.is_dirty()) {
            let id = editor.entry_id.clone();
            drafts.push(Draft {
                bot: view.bot_id.clone(),
                text: editor.fields().to_bare_document(),
                target: DraftTarget::Entry { id },
                base_version: editor.base_version,
                written: 0,
            });
        }
        if let Some(editor) = view.element_editor.as_ref().filter(|e| e.is_dirty()) {
            drafts.push(Draft {
                bot: view.bot_id.clone(),
                target: DraftTarget::Element {
                    id: editor.element_id.clone(),
                },
                text: editor.current(),
                base_version: editor.base_version,
                written: 0,
            });
        }
        drafts
    }

    /// Handles `action` while the recovery prompt is up.
    pub(super) fn recovery_update(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let prompt = self.recovery.as_mut()?;
        let count = prompt.drafts.len();
        match action {
            Action::ScrollDown(_) => {
                prompt.selected = (prompt.selected + 1).min(count.saturating_sub(1));
                prompt.scroll = 0;
            }
            Action::ScrollUp(_) => {
                prompt.selected = prompt.selected.saturating_sub(1);
                prompt.scroll = 0;
            }
            Action::DetailScroll(step) => {
                prompt.scroll = prompt.scroll.saturating_add_signed(*step as isize);
            }
            Action::RecoverDiff => {
                prompt.showing_diff = !prompt.showing_diff;
                prompt.scroll = 0;
            }
            Action::RecoverLater => {
                prompt.shown = false;
                self.status = Some("Drafts kept in .interbot/recovery/ for the next start.".into());
            }
            Action::RecoverDiscard => return Some(self.take_recovered(false)),
            Action::RecoverRestore => return Some(self.take_recovered(true)),
            Action::Quit => return Some(vec![Effect::Quit]),
            Action::Resize(..) | Action::Help => return None,
            _ => {}
        }
        Some(Vec::new())
    }

    /// Takes the highlighted draft out of the prompt (and the recovery folder): discarded, or
    /// restored into the editor of its bot's QnA view.
    fn take_recovered(&mut self, restore: bool) -> Vec<Effect> {
        let Some(prompt) = self.recovery.as_mut() else {
            return Vec::new();
        };
        if prompt.selected >= prompt.drafts.len() {
            return Vec::new();
        }
        let bot = prompt.drafts[prompt.selected].stored.draft.bot.clone();
        let tab = self.tabs.iter().position(|t| t.bot_id == bot);
        if restore && tab.is_none() {
            self.status = Some(format!(
                "{} is not in the workspace: the draft cannot be restored (d discards it).",
                sanitize_line(&bot)
            ));
            return Vec::new();
        }
        let recovered = prompt.drafts.remove(prompt.selected);
        prompt.selected = prompt.selected.min(prompt.drafts.len().saturating_sub(1));
        prompt.scroll = 0;
        if prompt.drafts.is_empty() {
            self.recovery = None;
        }
        let StoredDraft { session, draft } = recovered.stored;
        let mut effects = vec![Effect::ForgetDraft {
            session,
            draft: draft.clone(),
        }];
        match tab {
            Some(tab) if restore => {
                self.active = tab;
                let select = match &draft.target {
                    DraftTarget::Entry { id } => id.clone(),
                    DraftTarget::Element { .. } => None,
                };
                let preview = self.preview_turn();
                let mut view = QnaView::opening(&bot, tab, select, preview);
                view.restore = Some(draft);
                self.qna = Some(view);
                effects.push(Effect::OpenQna { bot });
            }
            _ => {
                self.status = Some(format!(
                    "Discarded the draft of {}.",
                    sanitize_line(&draft.describe())
                ));
            }
        }
        effects
    }

    /// Puts a restored draft in an editor once its bot's entries and replies are read. The
    /// editor's base is the target as it is now and its version the one the draft began
    /// from, so saving a draft whose file changed since asks first.
    pub(super) fn apply_restored_draft(&mut self) {
        let Some(view) = self.qna.as_mut() else {
            return;
        };
        let Some(draft) = view.restore.take() else {
            return;
        };
        let what = sanitize_line(&draft.describe());
        match &draft.target {
            DraftTarget::Entry { id } => {
                let fields = match EntryFields::from_document(&draft.text) {
                    Ok(fields) => fields,
                    Err(error) => {
                        self.status = Some(sanitize_line(&format!(
                            "The draft of {what} could not be read back: {error}"
                        )));
                        return;
                    }
                };
                let existing = id.as_ref().and_then(|id| {
                    view.entries
                        .as_ref()
                        .and_then(|entries| entries.iter().find(|e| &e.id == id))
                });
                let form = existing
                    .or_else(|| view.entries.as_ref().and_then(|e| e.first()))
                    .map_or(crate::workspace::QnaForm::V11, |e| e.form);
                let mut editor = match existing {
                    Some(entry) => {
                        EntryEditor::new(Some(entry.id.clone()), form, EntryFields::of(entry))
                    }
                    None => EntryEditor::new(None, form, EntryFields::blank()),
                };
                editor.base_version = existing.and(draft.base_version);
                editor.set_fields(&fields);
                view.editor = Some(editor);
                self.status = Some(if id.is_some() && existing.is_none() {
                    format!("{what} is gone: the draft is a new entry now; Ctrl-S saves it.")
                } else {
                    format!("Restored the draft of {what}: Ctrl-S saves it, Esc drops it.")
                });
            }
            DraftTarget::Element { id } => {
                let Some(position) = view.elements.iter().position(|e| &e.id == id) else {
                    self.status = Some(format!(
                        "{what} is gone from the bot's replies: nothing to restore it into."
                    ));
                    return;
                };
                view.showing = Showing::Replies;
                view.element_selected = position;
                let element = &view.elements[position];
                let state = view.preview.state.clone();
                let mut editor =
                    ElementEditor::new(id, &element.text.clone().unwrap_or_default(), &state);
                editor.base_version = draft.base_version;
                editor.set_text(&draft.text, &state);
                view.element_editor = Some(editor);
                self.status = Some(format!(
                    "Restored the draft of {what}: Ctrl-S saves it, Esc drops it."
                ));
            }
        }
    }
}
