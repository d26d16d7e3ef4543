//! The QnA view's state: one bot's entries, the filter over them, the selected entry, and the
//! entry editor with its draft. Plain data with read-only queries, like [`super::state`]; how
//! actions change it is [`super::qna_update`], drawing is [`super::ui::qna`].

use ratatui_textarea::TextArea;
use serde_json::Value;

use crate::workspace::{ContentElement, FileVersion, QnaEntry, QnaForm};

/// The most a reply's preview renders, in bytes (a template that multiplies stops there).
pub const PREVIEW_LIMIT: usize = 64 * 1024;

/// Which list the view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Showing {
    /// QnA entries.
    #[default]
    Entries,
    /// Content elements: the texts the bot says (the master's found / none replies).
    Replies,
}

/// The turn a reply's preview is rendered against: its question and dialog state.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewTurn {
    /// The question of the turn (`None`: no turn yet, a sample state).
    pub question: Option<String>,
    /// `event`, `temp.delegation` … as the templates of that turn saw them.
    pub state: Value,
}

/// A line holding only this separates alternative answers in the answers field.
pub const ANSWER_SEPARATOR: &str = "---";

/// One bot's QnA, as the view shows it.
#[derive(Debug)]
pub struct QnaView {
    /// The bot whose entries these are.
    pub bot_id: String,
    /// The tab the view was opened from (its conversation is re-asked after a save).
    pub from_tab: usize,
    /// The language edited (the bot's default language).
    pub language: String,
    /// The entries, in file order; `None` while they are being read and indexed.
    pub entries: Option<Vec<QnaEntry>>,
    /// The entry to select once the entries arrive (opened from a trace row).
    pub select_id: Option<String>,
    /// The filter typed so far.
    pub filter: String,
    /// Whether keys go to the filter.
    pub filtering: bool,
    /// The entries the filter selects (positions in `entries`), best first.
    pub shown: Vec<usize>,
    /// The number of the latest filter search; older results are dropped.
    pub find_seq: u64,
    /// The highlighted row (an index into `shown`).
    pub selected: usize,
    /// The first list row on screen.
    pub list_top: usize,
    /// How far the detail pane is scrolled.
    pub detail_scroll: usize,
    /// The entry being edited.
    pub editor: Option<EntryEditor>,
    /// A question waiting for an answer.
    pub confirm: Option<Confirm>,
    /// A save or re-index is running.
    pub busy: Option<String>,
    /// Whether an entry was saved since the view opened (re-asking then makes sense).
    pub saved_since_open: bool,
    /// Entries or replies.
    pub showing: Showing,
    /// The bot's content elements, in file order.
    pub elements: Vec<ContentElement>,
    /// The highlighted content element.
    pub element_selected: usize,
    /// The reply being edited.
    pub element_editor: Option<ElementEditor>,
    /// What replies are previewed against: the turn the tab's trace showed when the view
    /// opened.
    pub preview: PreviewTurn,
    /// A recovered draft to put in an editor once the entries are read.
    pub restore: Option<crate::workspace::recovery::Draft>,
}

impl QnaView {
    /// A view of `bot_id` whose entries are on their way.
    pub fn opening(
        bot_id: &str,
        from_tab: usize,
        select_id: Option<String>,
        preview: PreviewTurn,
    ) -> Self {
        Self {
            bot_id: bot_id.to_string(),
            from_tab,
            language: String::new(),
            entries: None,
            select_id,
            filter: String::new(),
            filtering: false,
            shown: Vec::new(),
            find_seq: 0,
            selected: 0,
            list_top: 0,
            detail_scroll: 0,
            editor: None,
            confirm: None,
            busy: None,
            saved_since_open: false,
            showing: Showing::Entries,
            elements: Vec::new(),
            element_selected: 0,
            element_editor: None,
            preview,
            restore: None,
        }
    }

    /// The highlighted content element.
    pub fn selected_element(&self) -> Option<&ContentElement> {
        self.elements.get(self.element_selected)
    }

    /// Whether an editor (entry or reply) is open.
    pub fn editing(&self) -> bool {
        self.editor.is_some() || self.element_editor.is_some()
    }

    /// The highlighted entry.
    pub fn selected_entry(&self) -> Option<&QnaEntry> {
        let pos = *self.shown.get(self.selected)?;
        self.entries.as_ref()?.get(pos)
    }

    /// Whether the editor holds changes not saved yet.
    pub fn has_unsaved_changes(&self) -> bool {
        self.editor.as_ref().is_some_and(EntryEditor::is_dirty)
            || self
                .element_editor
                .as_ref()
                .is_some_and(ElementEditor::is_dirty)
    }
}

/// Which field of the editor has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    /// Question variants, one per line.
    #[default]
    Questions,
    /// Answers, alternatives separated by a `---` line.
    Answers,
    /// Contexts, comma-separated.
    Contexts,
}

impl Field {
    /// The next field (`forward`) or the previous one, cycling.
    pub fn step(self, forward: bool) -> Field {
        match (self, forward) {
            (Field::Questions, true) | (Field::Contexts, false) => Field::Answers,
            (Field::Answers, true) | (Field::Questions, false) => Field::Contexts,
            (Field::Contexts, true) | (Field::Answers, false) => Field::Questions,
        }
    }
}

/// What an entry's fields hold, as plain values: what the editor shows and what is saved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryFields {
    /// Question variants.
    pub questions: Vec<String>,
    /// Alternative answers.
    pub answers: Vec<String>,
    /// Contexts.
    pub contexts: Vec<String>,
    /// Whether the entry is answered.
    pub enabled: bool,
}

impl EntryFields {
    /// The fields of a saved entry.
    pub fn of(entry: &QnaEntry) -> Self {
        Self {
            questions: entry.questions.clone(),
            answers: entry.answers.clone(),
            contexts: entry.contexts.clone(),
            enabled: entry.enabled,
        }
    }

    /// The fields of a new entry.
    pub fn blank() -> Self {
        Self {
            contexts: vec!["global".to_string()],
            enabled: true,
            ..Self::default()
        }
    }

    /// The entry as a plain-text document (for `$EDITOR`): a header of `key: value` lines,
    /// then questions, then answers, under `# questions` / `# answers` headings.
    pub fn to_document(&self, bot_id: &str, entry_id: &str, language: &str) -> String {
        format!(
            "# interbot QnA entry {entry_id} of bot {bot_id}, language {language}.\n\
             # Lines starting with # are ignored. One question per line; answers are\n\
             # separated by a line holding only {ANSWER_SEPARATOR}.\n{}",
            self.to_bare_document()
        )
    }

    /// [`EntryFields::to_document`] without its explanatory header (what recovery keeps and
    /// shows); [`EntryFields::from_document`] reads both.
    pub fn to_bare_document(&self) -> String {
        let mut doc = format!(
            "enabled: {}\ncontexts: {}\n# questions\n",
            self.enabled,
            self.contexts.join(", ")
        );
        for question in &self.questions {
            doc.push_str(question);
            doc.push('\n');
        }
        doc.push_str("# answers\n");
        doc.push_str(&join_answers(&self.answers));
        doc.push('\n');
        doc
    }

    /// Reads back a document written by [`EntryFields::to_document`] (and edited).
    pub fn from_document(text: &str) -> Result<Self, String> {
        let mut fields = Self::blank();
        fields.contexts.clear();
        let mut section = None;
        let mut answers = Vec::new();
        for line in text.lines() {
            if let Some(heading) = line.strip_prefix('#') {
                match heading.trim() {
                    "questions" => section = Some(Field::Questions),
                    "answers" => section = Some(Field::Answers),
                    _ => {}
                }
                continue;
            }
            match section {
                None => {
                    let Some((key, value)) = line.split_once(':') else {
                        if line.trim().is_empty() {
                            continue;
                        }
                        return Err(format!(
                            "expected `key: value` before `# questions`: {line}"
                        ));
                    };
                    match key.trim() {
                        "enabled" => {
                            fields.enabled = match value.trim() {
                                "true" | "yes" => true,
                                "false" | "no" => false,
                                other => {
                                    return Err(format!("enabled: `{other}` is not true/false"));
                                }
                            }
                        }
                        "contexts" => fields.contexts = split_contexts(value),
                        other => return Err(format!("unknown header `{other}`")),
                    }
                }
                Some(Field::Questions) => {
                    if !line.trim().is_empty() {
                        fields.questions.push(line.trim().to_string());
                    }
                }
                Some(_) => answers.push(line),
            }
        }
        fields.answers = split_answers(&answers.join("\n"));
        if fields.contexts.is_empty() {
            fields.contexts.push("global".to_string());
        }
        Ok(fields)
    }
}

/// Answers as the answers field shows them: alternatives separated by a `---` line.
pub fn join_answers(answers: &[String]) -> String {
    answers.join(&format!("\n{ANSWER_SEPARATOR}\n"))
}

/// The alternatives of the answers field: split at `---` lines, trimmed, blank ones dropped.
pub fn split_answers(text: &str) -> Vec<String> {
    let mut answers = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().chain([ANSWER_SEPARATOR]) {
        if line.trim() == ANSWER_SEPARATOR {
            let answer = current.join("\n").trim().to_string();
            if !answer.is_empty() {
                answers.push(answer);
            }
            current.clear();
        } else {
            current.push(line);
        }
    }
    answers
}

/// Contexts typed as `a, b c`: split at commas and spaces, blank ones dropped.
pub fn split_contexts(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// The entry editor: a text widget per field and the enabled flag.
#[derive(Debug)]
pub struct EntryEditor {
    /// The entry's id; `None` for a new entry (it gets one when saved).
    pub entry_id: Option<String>,
    /// The file form of the entry (Botpress 11 or 12).
    pub form: QnaForm,
    /// The entry as last read or saved, to tell whether the draft changed it.
    pub base: EntryFields,
    /// The version of the entry's file when editing began: a save expects it, so a change
    /// made on disk meanwhile (even one the app re-indexed) is a conflict, not overwritten.
    pub base_version: Option<FileVersion>,
    /// Question variants, one per line.
    pub questions: TextArea<'static>,
    /// Answers, alternatives separated by `---` lines.
    pub answers: TextArea<'static>,
    /// Contexts, comma-separated.
    pub contexts: TextArea<'static>,
    /// Whether the entry is answered.
    pub enabled: bool,
    /// The field with the keys.
    pub field: Field,
    /// Why the last save failed (the draft stays).
    pub error: Option<String>,
}

impl EntryEditor {
    /// An editor over `fields` (of entry `entry_id`, or a new one).
    pub fn new(entry_id: Option<String>, form: QnaForm, fields: EntryFields) -> Self {
        let mut editor = Self {
            entry_id,
            form,
            base: fields.clone(),
            base_version: None,
            questions: TextArea::default(),
            answers: TextArea::default(),
            contexts: TextArea::default(),
            enabled: fields.enabled,
            field: Field::Questions,
            error: None,
        };
        editor.set_fields(&fields);
        editor
    }

    /// Puts `fields` in the widgets (the base stays: the draft may now differ from it).
    pub fn set_fields(&mut self, fields: &EntryFields) {
        self.questions = TextArea::new(lines_of(&fields.questions.join("\n")));
        self.answers = TextArea::new(lines_of(&join_answers(&fields.answers)));
        self.contexts = TextArea::new(vec![fields.contexts.join(", ")]);
        self.enabled = fields.enabled;
    }

    /// What the widgets hold now.
    pub fn fields(&self) -> EntryFields {
        EntryFields {
            questions: self
                .questions
                .lines()
                .iter()
                .map(|q| q.trim())
                .filter(|q| !q.is_empty())
                .map(String::from)
                .collect(),
            answers: split_answers(&self.answers.lines().join("\n")),
            contexts: split_contexts(&self.contexts.lines().join(" ")),
            enabled: self.enabled,
        }
    }

    /// Whether the draft differs from the entry as read.
    pub fn is_dirty(&self) -> bool {
        self.fields() != self.base
    }

    /// The widget of the focused field.
    pub fn focused_mut(&mut self) -> &mut TextArea<'static> {
        match self.field {
            Field::Questions => &mut self.questions,
            Field::Answers => &mut self.answers,
            Field::Contexts => &mut self.contexts,
        }
    }
}

fn lines_of(text: &str) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    }
}

/// The editor of one content element's text, with its preview.
#[derive(Debug)]
pub struct ElementEditor {
    /// The element id (`builtin_text-…`).
    pub element_id: String,
    /// The text as read.
    pub base: String,
    /// The version of the elements file when editing began (a save expects it).
    pub base_version: Option<FileVersion>,
    /// The mustache text.
    pub text: TextArea<'static>,
    /// What the text renders to against the preview turn, or where its template is wrong.
    pub preview: Result<String, String>,
    /// Why the last save failed (the draft stays).
    pub error: Option<String>,
}

impl ElementEditor {
    /// An editor over element `element_id`'s `text`, previewed against `state`.
    pub fn new(element_id: &str, text: &str, state: &Value) -> Self {
        let mut editor = Self {
            element_id: element_id.to_string(),
            base: text.to_string(),
            base_version: None,
            text: TextArea::new(lines_of(text)),
            preview: Ok(String::new()),
            error: None,
        };
        editor.render(state);
        editor
    }

    /// The text as typed.
    pub fn current(&self) -> String {
        self.text.lines().join("\n")
    }

    /// Whether the text differs from the element as read.
    pub fn is_dirty(&self) -> bool {
        self.current() != self.base
    }

    /// Replaces the text (and renders the preview of it).
    pub fn set_text(&mut self, text: &str, state: &Value) {
        self.text = TextArea::new(lines_of(text));
        self.render(state);
    }

    /// Renders the preview again, as the element will be said (the core's mustache renderer,
    /// nested as Botpress does, with an output limit).
    pub fn render(&mut self, state: &Value) {
        self.preview =
            crate::template::render_nested_limited(&self.current(), state, PREVIEW_LIMIT)
                .map(|rendered| rendered.text)
                .map_err(|e| e.to_string());
    }
}

/// A question the view asks before doing something that cannot be undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Delete this entry (id, first question).
    Delete {
        /// The entry id.
        entry_id: String,
        /// Its first question, to name it.
        question: String,
    },
    /// Close the editor and lose the draft.
    DiscardDraft,
    /// Close the QnA view (and lose the draft).
    CloseView,
    /// Quit the app (and lose the draft).
    Quit,
    /// The file changed on disk since it was read: reload it or overwrite it.
    Conflict {
        /// What the save said.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_split_at_separator_lines_only() {
        let answers = vec![
            "One\n\nstill one".to_string(),
            "Two --- not a break".to_string(),
        ];
        assert_eq!(split_answers(&join_answers(&answers)), answers);
        assert!(split_answers("\n---\n  \n---").is_empty());
    }

    #[test]
    fn a_document_round_trips_the_fields() {
        let fields = EntryFields {
            questions: vec!["How do I reset it?".into(), "reset password".into()],
            answers: vec!["Go to the portal.".into(), "Line one\nline two".into()],
            contexts: vec!["global".into(), "it".into()],
            enabled: false,
        };
        let doc = fields.to_document("sub2", "abc_reset", "en");
        assert_eq!(EntryFields::from_document(&doc), Ok(fields));
        assert!(EntryFields::from_document("enabled: maybe\n").is_err());
    }

    #[test]
    fn the_editor_is_dirty_only_when_a_field_changed() {
        let fields = EntryFields {
            questions: vec!["a".into()],
            answers: vec!["b".into()],
            ..EntryFields::blank()
        };
        let mut editor = EntryEditor::new(Some("x".into()), QnaForm::V11, fields);
        assert!(!editor.is_dirty());
        editor.questions.insert_str("z");
        assert!(editor.is_dirty());
        editor.questions.undo();
        assert!(!editor.is_dirty());
        editor.enabled = false;
        assert!(editor.is_dirty());
    }
}
