//! QnA entries in both Botpress forms, read leniently and written back losslessly.
//!
//! Botpress 11: `{"id", "data": {"questions": [..], "answers": [..], "category", "enabled",
//! "action", "redirectFlow", "redirectNode"}}` (older files carry one `answer` string).
//! Botpress 12: questions and answers keyed by language (`{"en": [..]}`) and `contexts: [..]`
//! instead of `category`. Every field interbot does not know stays in [`QnaEntry::raw`], and
//! [`QnaEntry::to_json`] writes the entry back in the form it came in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{self, JsonText};
use super::json_match;
use super::read::{self, MAX_FILE_BYTES, ReadError};
use crate::error::LoadProblem;
use crate::template;
use crate::version::FileVersion;

/// Which Botpress version's file shape an entry uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum QnaForm {
    /// Plain arrays, `category`.
    V11,
    /// Arrays keyed by language, `contexts`.
    V12,
}

/// What Botpress does when the entry matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QnaAction {
    /// Say the answer.
    Text,
    /// Jump to a flow node without saying anything.
    Redirect,
    /// Say the answer, then jump.
    TextRedirect,
}

impl QnaAction {
    fn parse(action: Option<&str>) -> Self {
        match action {
            Some("redirect") => Self::Redirect,
            Some("text_redirect") => Self::TextRedirect,
            _ => Self::Text,
        }
    }
}

/// Where a redirecting entry sends the conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Redirect {
    /// `redirectFlow`, e.g. `main.flow.json`.
    pub flow: String,
    /// `redirectNode`, a node name in that flow.
    pub node: String,
}

/// One QnA entry: the question variants that ask for it and the answers it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct QnaEntry {
    /// The entry id (the file's `id`, or its name without `.json`).
    pub id: String,
    /// The file the entry was read from (and is saved to).
    pub file: PathBuf,
    /// The file shape, kept for saving.
    pub form: QnaForm,
    /// Language of `questions`/`answers` (Botpress 12 keys them by language).
    pub language: String,
    /// Question variants, blank ones removed.
    pub questions: Vec<String>,
    /// Answers; the first is the one a bot says. May start with `#!` (a content element).
    pub answers: Vec<String>,
    /// Contexts the entry belongs to (Botpress 11's `category` as one context).
    pub contexts: Vec<String>,
    /// Disabled entries are kept on disk but never answered.
    pub enabled: bool,
    /// What happens when the entry matches.
    pub action: QnaAction,
    /// The redirect target of `redirect`/`text_redirect` entries.
    pub redirect: Option<Redirect>,
    /// Questions and answers in the file's other languages (Botpress 12), by language, as
    /// read; edits change [`QnaEntry::language`]'s texts only, and saves keep the others as
    /// they are on disk.
    pub translations: BTreeMap<String, Translation>,
    /// The whole file as read, so saving keeps every field interbot does not know; `Null`
    /// when the file holds exactly the fields above in Botpress's own layout (as Botpress
    /// writes most entries), which [`QnaEntry::to_json`] then rebuilds. Keeping such files
    /// as read held a second copy of every question and cost about 2 KB an entry.
    pub raw: Value,
    /// The version of the file's bytes when read (or last saved by interbot); `None` for a
    /// new entry not saved yet. Saves compare it with the file on disk to detect conflicts.
    pub version: Option<FileVersion>,
}

/// An entry's questions and answers in one language other than its bot's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Translation {
    /// Question variants in that language, blank ones removed.
    pub questions: Vec<String>,
    /// Answers in that language.
    pub answers: Vec<String>,
}

/// Question or answer lists: plain (Botpress 11) or keyed by language (Botpress 12).
#[derive(Debug)]
enum Texts {
    Plain(Vec<Option<String>>),
    ByLanguage(BTreeMap<String, Option<Vec<Option<String>>>>),
}

/// A list is [`Texts::Plain`], an object [`Texts::ByLanguage`], told apart by the first token
/// (serde's `untagged` buffers the whole value to try each form in turn: a sixth of reading
/// 100,000 QnA files), and a wrong value inside either is an error at its own place.
impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Texts, D::Error> {
        use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};

        struct TextsVisitor;

        impl<'de> serde::de::Visitor<'de> for TextsVisitor {
            type Value = Texts;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of texts, or lists of texts by language")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Texts, A::Error> {
                Deserialize::deserialize(SeqAccessDeserializer::new(seq)).map(Texts::Plain)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Texts, A::Error> {
                Deserialize::deserialize(MapAccessDeserializer::new(map)).map(Texts::ByLanguage)
            }
        }

        deserializer.deserialize_any(TextsVisitor)
    }
}

impl Texts {
    /// The texts by language, blank ones removed; a plain list is in `language` (the bot's
    /// default). A language keyed with no texts is left out. Texts in a language are only
    /// that language's: an entry whose file has none in `language` has none there (Botpress
    /// trains each language from its own questions, `storage.ts`'s intents, and answers from
    /// the default language's when the chosen one has none, `getQnaEntryPayloads`).
    fn by_language(self, language: &str) -> BTreeMap<String, Vec<String>> {
        let keep = |texts: Vec<Option<String>>| -> Vec<String> {
            texts
                .into_iter()
                .flatten()
                .filter(|t| !t.trim().is_empty())
                .collect()
        };
        match self {
            Texts::Plain(texts) => BTreeMap::from([(language.to_string(), keep(texts))]),
            Texts::ByLanguage(by_language) => by_language
                .into_iter()
                .filter_map(|(language, texts)| Some((language, keep(texts?))))
                .filter(|(_, texts)| !texts.is_empty())
                .collect(),
        }
    }
}

/// Splits `questions` and `answers` by language into the default language's (`language`)
/// and the [`Translation`]s of the others.
fn split_languages(
    language: &str,
    mut questions: BTreeMap<String, Vec<String>>,
    mut answers: BTreeMap<String, Vec<String>>,
) -> (Vec<String>, Vec<String>, BTreeMap<String, Translation>) {
    let default_questions = questions.remove(language).unwrap_or_default();
    let default_answers = answers.remove(language).unwrap_or_default();
    let mut translations: BTreeMap<String, Translation> = BTreeMap::new();
    for (other, texts) in questions {
        translations.entry(other).or_default().questions = texts;
    }
    for (other, texts) in answers {
        translations.entry(other).or_default().answers = texts;
    }
    (default_questions, default_answers, translations)
}

#[derive(Debug, Deserialize)]
struct FileShape {
    id: Option<String>,
    data: DataShape,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataShape {
    questions: Option<Texts>,
    answers: Option<Texts>,
    answer: Option<String>,
    category: Option<String>,
    contexts: Option<Vec<String>>,
    enabled: Option<bool>,
    action: Option<String>,
    redirect_flow: Option<String>,
    redirect_node: Option<String>,
}

impl QnaEntry {
    /// Reads one QnA file. `language` is the bot's default language.
    pub fn load(path: &Path, language: &str) -> Result<(QnaEntry, Vec<LoadProblem>), LoadProblem> {
        Self::load_read(path, read::read_bytes(path, MAX_FILE_BYTES), language)
    }

    /// [`QnaEntry::load`] of the file at `path` from its bytes as read already (or why they
    /// could not be).
    pub(super) fn load_read(
        path: &Path,
        bytes: Result<Vec<u8>, ReadError>,
        language: &str,
    ) -> Result<(QnaEntry, Vec<LoadProblem>), LoadProblem> {
        let JsonText {
            text,
            warnings,
            version,
        } = json::text_of(path, bytes)?;
        let mut entry = Self::parse(path, &text, language)?;
        entry.version = Some(version);
        Ok((entry, warnings))
    }

    /// Parses the text of a QnA file as if read from `path` (which names the entry when the
    /// file has no `id`); the disk is not touched. Fuzzed by `fuzz/fuzz_targets/qna_file.rs`.
    pub fn parse(path: &Path, text: &str, language: &str) -> Result<QnaEntry, LoadProblem> {
        if let Some(entry) = Self::in_botpress_layout(path, text, language) {
            return Ok(entry);
        }
        let value = json::parse::<Value>(path, text)?;
        Self::from_text(path, text, value, language)
    }

    /// The entry of a file written exactly in Botpress's own layout (as Botpress writes
    /// most), read straight into its fields: the text is parsed once, into the file's shape,
    /// and compared with the layout those fields give, without building the document as a
    /// JSON value (at 100,000 files, building and dropping those values was a fifth of
    /// loading). `None` for any other file, which [`QnaEntry::from_text`] reads whole.
    fn in_botpress_layout(path: &Path, text: &str, language: &str) -> Option<QnaEntry> {
        let shape: FileShape = serde_json::from_str(text).ok()?;
        let entry = Self::from_shape(path, shape, language);
        json_match::is_serialized_form(text, &entry.layout()).then_some(entry)
    }

    fn from_text(
        path: &Path,
        text: &str,
        value: Value,
        language: &str,
    ) -> Result<QnaEntry, LoadProblem> {
        // Read the shape from the parsed value (no second parse of the text); only when it
        // does not fit is the text parsed again, for an error with a line and column.
        let shape = match FileShape::deserialize(&value) {
            Ok(shape) => shape,
            Err(_) => json::parse::<FileShape>(path, text)?,
        };
        let mut entry = Self::from_shape(path, shape, language);
        if !same_document(&value, &entry.botpress_layout()) {
            entry.raw = value;
        }
        Ok(entry)
    }

    /// The entry a file of this shape holds, kept as [`Value::Null`] (rebuilt from the
    /// fields when saved): the caller keeps the document when it is not Botpress's layout.
    fn from_shape(path: &Path, shape: FileShape, language: &str) -> QnaEntry {
        let data = shape.data;
        let form = if matches!(data.questions, Some(Texts::ByLanguage(_)))
            || matches!(data.answers, Some(Texts::ByLanguage(_)))
            || data.contexts.is_some()
        {
            QnaForm::V12
        } else {
            QnaForm::V11
        };
        let id = shape
            .id
            .filter(|id| !id.trim().is_empty())
            .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let (questions, mut answers, translations) = split_languages(
            language,
            data.questions
                .map(|q| q.by_language(language))
                .unwrap_or_default(),
            data.answers
                .map(|a| a.by_language(language))
                .unwrap_or_default(),
        );
        if answers.is_empty()
            && let Some(answer) = data.answer.filter(|a| !a.trim().is_empty())
        {
            answers.push(answer);
        }
        let contexts = match (data.contexts, data.category) {
            (Some(contexts), _) => contexts,
            (None, Some(category)) if !category.is_empty() => vec![category],
            _ => vec!["global".to_string()],
        };
        let action = QnaAction::parse(data.action.as_deref());
        let redirect = match (action, data.redirect_flow, data.redirect_node) {
            (QnaAction::Text, _, _) => None,
            (_, flow, node) => Some(Redirect {
                flow: flow.unwrap_or_default(),
                node: node.unwrap_or_default(),
            }),
        };
        QnaEntry {
            id,
            file: path.to_path_buf(),
            form,
            language: language.to_string(),
            questions,
            answers,
            contexts,
            enabled: data.enabled.unwrap_or(true),
            action,
            redirect,
            translations,
            raw: Value::Null,
            version: None,
        }
    }

    /// The file Botpress would write for the entry's fields, in its key order.
    fn botpress_layout(&self) -> Value {
        // Strings, booleans and string lists: serializing them cannot fail.
        serde_json::to_value(self.layout()).unwrap_or_else(|_| json!({}))
    }

    /// [`QnaEntry::botpress_layout`], borrowed from the entry's fields.
    fn layout(&self) -> Layout<'_> {
        let action = match self.action {
            QnaAction::Text => "text",
            QnaAction::Redirect => "redirect",
            QnaAction::TextRedirect => "text_redirect",
        };
        let (redirect_flow, redirect_node) = self
            .redirect
            .as_ref()
            .map_or(("", ""), |r| (r.flow.as_str(), r.node.as_str()));
        let data = match self.form {
            QnaForm::V11 => LayoutData::V11 {
                action,
                answers: &self.answers,
                category: self.contexts.first().map_or("", String::as_str),
                enabled: self.enabled,
                questions: &self.questions,
                redirect_flow,
                redirect_node,
            },
            QnaForm::V12 => LayoutData::V12 {
                action,
                contexts: &self.contexts,
                enabled: self.enabled,
                answers: InLanguage(&self.language, &self.answers),
                questions: InLanguage(&self.language, &self.questions),
                redirect_flow,
                redirect_node,
            },
        };
        Layout { id: &self.id, data }
    }

    /// A new Botpress 11 entry (as a fresh Botpress 11 bot would write it).
    pub fn new_v11(id: &str, file: PathBuf, questions: Vec<String>, answers: Vec<String>) -> Self {
        Self::new(id, file, QnaForm::V11, "en", questions, answers)
    }

    /// A new entry in either form, with every field Botpress writes, in Botpress's order.
    pub fn new(
        id: &str,
        file: PathBuf,
        form: QnaForm,
        language: &str,
        questions: Vec<String>,
        answers: Vec<String>,
    ) -> Self {
        let raw = match form {
            QnaForm::V11 => json!({"id": id, "data": {
                "action": "text", "answers": answers, "category": "global", "enabled": true,
                "questions": questions, "redirectFlow": "", "redirectNode": ""}}),
            QnaForm::V12 => json!({"id": id, "data": {
                "action": "text", "contexts": ["global"], "enabled": true,
                "answers": {language: answers}, "questions": {language: questions},
                "redirectFlow": "", "redirectNode": ""}}),
        };
        QnaEntry {
            id: id.to_string(),
            file,
            form,
            language: language.to_string(),
            questions,
            answers,
            contexts: vec!["global".to_string()],
            enabled: true,
            action: QnaAction::Text,
            redirect: None,
            translations: BTreeMap::new(),
            raw,
            version: None,
        }
    }

    /// The first answer, the one a bot says.
    pub fn first_answer(&self) -> Option<&str> {
        self.answers.first().map(String::as_str)
    }

    /// The question variants in `language` (the default language's are
    /// [`QnaEntry::questions`]); none when the entry has no text in it.
    pub fn questions_in(&self, language: &str) -> &[String] {
        if language == self.language {
            return &self.questions;
        }
        self.translations
            .get(language)
            .map_or(&[], |t| t.questions.as_slice())
    }

    /// The answers the entry gives in `language`: its answers in that language, else the
    /// default language's, as Botpress's QnA module falls back (`getQnaEntryPayloads`,
    /// `modules/qna/src/backend/utils.ts`: no answers in the language → the default
    /// language's).
    pub fn answers_in(&self, language: &str) -> &[String] {
        match self.translations.get(language) {
            Some(t) if language != self.language && !t.answers.is_empty() => &t.answers,
            _ => &self.answers,
        }
    }

    /// Whether the entry is trained in `language` (indexed in that language's index): it is
    /// enabled, and it has questions in that language, or `language` is its default (where an
    /// entry is always indexed, as before languages were read). Botpress trains each language
    /// from that language's questions only.
    pub fn trained_in(&self, language: &str) -> bool {
        self.enabled && (language == self.language || !self.questions_in(language).is_empty())
    }

    /// A warning for each answer that is not a valid template: answers are rendered as
    /// templates (as Botpress renders them), so such an answer is said as written, with the
    /// error in the trace. Only answers holding `{{` can fail, so the rest are not parsed.
    pub fn answer_template_problems(&self) -> Vec<LoadProblem> {
        answer_template_problems(
            &self.file,
            &self.id,
            self.answers.iter().map(String::as_str),
        )
    }

    /// The languages the entry has questions in, the default language's first.
    pub fn question_languages(&self) -> impl Iterator<Item = &str> {
        let default = (!self.questions.is_empty()).then_some(self.language.as_str());
        default.into_iter().chain(
            self.translations
                .iter()
                .filter(|(_, t)| !t.questions.is_empty())
                .map(|(language, _)| language.as_str()),
        )
    }

    /// Whether the entry is in one of `included` contexts.
    pub fn in_contexts(&self, included: &[String]) -> bool {
        self.contexts.iter().any(|c| included.contains(c))
    }

    /// The entry as JSON in the form it came in, every unknown field kept where it was.
    pub fn to_json(&self) -> Value {
        let mut root = if self.raw.is_null() {
            self.botpress_layout()
        } else {
            self.raw.clone()
        };
        if !root.is_object() {
            root = json!({});
        }
        root["id"] = json!(self.id);
        if !root["data"].is_object() {
            root["data"] = json!({});
        }
        let data = &mut root["data"];
        match self.form {
            QnaForm::V11 => {
                data["questions"] = json!(self.questions);
                let single_answer_file =
                    data.get("answer").is_some() && data.get("answers").is_none();
                if single_answer_file && self.answers.len() <= 1 {
                    data["answer"] = json!(self.first_answer().unwrap_or_default());
                } else {
                    if let Some(map) = data.as_object_mut() {
                        map.remove("answer");
                    }
                    data["answers"] = json!(self.answers);
                }
                // Botpress 11 reads an empty category as `global`
                // (`question.data.category || 'global'` in the QnA module's `storage.ts`
                // `syncQnaToNlu`) but never rewrites it: a `""` stays `""` while the entry
                // is still in `global` alone.
                let empty_kept = data.get("category").and_then(Value::as_str) == Some("")
                    && self.contexts == ["global"];
                if !empty_kept && (data.get("category").is_some() || self.contexts != ["global"]) {
                    data["category"] = json!(self.contexts.first().cloned().unwrap_or_default());
                }
            }
            QnaForm::V12 => {
                set_localized(data, "questions", &self.language, &self.questions);
                set_localized(data, "answers", &self.language, &self.answers);
                data["contexts"] = json!(self.contexts);
            }
        }
        data["enabled"] = json!(self.enabled);
        if data.get("action").is_none() {
            data["action"] = json!("text");
        }
        root
    }
}

/// A QnA file as Botpress writes it, fields in its order, borrowed from a [`QnaEntry`].
#[derive(serde::Serialize)]
struct Layout<'a> {
    id: &'a str,
    data: LayoutData<'a>,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum LayoutData<'a> {
    #[serde(rename_all = "camelCase")]
    V11 {
        action: &'a str,
        answers: &'a [String],
        category: &'a str,
        enabled: bool,
        questions: &'a [String],
        redirect_flow: &'a str,
        redirect_node: &'a str,
    },
    #[serde(rename_all = "camelCase")]
    V12 {
        action: &'a str,
        contexts: &'a [String],
        enabled: bool,
        answers: InLanguage<'a>,
        questions: InLanguage<'a>,
        redirect_flow: &'a str,
        redirect_node: &'a str,
    },
}

/// Texts keyed by their one language (`{"en": [..]}`).
struct InLanguage<'a>(&'a str, &'a [String]);

impl serde::Serialize for InLanguage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, self.1)?;
        map.end()
    }
}

/// Whether `a` and `b` are the same QnA document, key order included (`Value`'s equality
/// ignores the order of keys; a QnA file's objects nest two deep, below them only arrays,
/// strings and one-language maps).
fn same_document(a: &Value, b: &Value) -> bool {
    let same_keys = |a: &Value, b: &Value| match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => a.keys().eq(b.keys()),
        (None, None) => true,
        _ => false,
    };
    a == b && same_keys(a, b) && same_keys(&a["data"], &b["data"])
}

/// Sets `data[key][language]`, keeping the other languages; an empty list is not added where
/// the file has no such language (an entry written in other languages only stays so).
fn set_localized(data: &mut Value, key: &str, language: &str, texts: &[String]) {
    if texts.is_empty() && data[key].get(language).is_none() {
        return;
    }
    if !data[key].is_object() {
        data[key] = json!({});
    }
    data[key][language] = json!(texts);
}

/// [`QnaEntry::answer_template_problems`] of the entry `id` read from `file`, whose answers
/// are `answers` (read in place, for an entry a snapshot served).
pub(super) fn answer_template_problems<'a>(
    file: &Path,
    id: &str,
    answers: impl Iterator<Item = &'a str>,
) -> Vec<LoadProblem> {
    answers
        .filter(|answer| answer.contains("{{") && !answer.starts_with("#!"))
        .filter_map(|answer| {
            let error = template::validate(answer).err()?;
            Some(LoadProblem::warning(
                file,
                format!(
                    "QnA entry {id}: answer does not parse as a template (it is said as written): {} at line {}, column {} of the answer",
                    error.kind, error.line, error.column
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<QnaEntry, LoadProblem> {
        let dir = tempfile::tempdir().map_err(|e| LoadProblem::error("tmp", e.to_string()))?;
        let path = dir.path().join("e1.json");
        std::fs::write(&path, text).map_err(|e| LoadProblem::error(&path, e.to_string()))?;
        QnaEntry::load(&path, "en").map(|(entry, _)| entry)
    }

    #[test]
    fn v11_round_trip_keeps_unknown_fields_and_order() -> Result<(), LoadProblem> {
        let text = r#"{"id":"e1","data":{"questions":["a?"],"answers":["b"],"category":"global","enabled":true,"action":"text","redirectFlow":"","redirectNode":"","custom":{"x":1}},"extra":[1,2]}"#;
        let entry = load_text(text)?;
        assert_eq!(entry.form, QnaForm::V11);
        let written = serde_json::to_string(&entry.to_json()).unwrap_or_default();
        assert_eq!(written, text);
        Ok(())
    }

    /// A file in Botpress's own layout is not kept as read (`raw` is `Null`), yet written
    /// back byte for byte; any other file is kept as read; either way an entry is written
    /// exactly as it was with every file kept as read.
    #[test]
    fn files_in_botpress_layout_are_rebuilt_identically() -> Result<(), LoadProblem> {
        let cases = [
            (
                r#"{"id":"e1","data":{"action":"text","answers":["b"],"category":"global","enabled":true,"questions":["a?","c?"],"redirectFlow":"","redirectNode":""}}"#,
                true,
            ),
            (
                r#"{"id":"e1","data":{"action":"text_redirect","answers":["b"],"category":"hr","enabled":false,"questions":["a?"],"redirectFlow":"main.flow.json","redirectNode":"n"}}"#,
                true,
            ),
            (
                r#"{"id":"e1","data":{"action":"text","contexts":["global"],"enabled":true,"answers":{"en":["b"]},"questions":{"en":["a?"]},"redirectFlow":"","redirectNode":""}}"#,
                true,
            ),
            // Keys in another order, a blank question, an empty category, another language.
            (
                r#"{"id":"e1","data":{"questions":["a?"],"answers":["b"],"category":"global","enabled":true,"action":"text","redirectFlow":"","redirectNode":""}}"#,
                false,
            ),
            (
                r#"{"id":"e1","data":{"action":"text","answers":["b"],"category":"global","enabled":true,"questions":["a?"," "],"redirectFlow":"","redirectNode":""}}"#,
                false,
            ),
            (
                r#"{"id":"e1","data":{"action":"text","answers":["b"],"category":"","enabled":true,"questions":["a?"],"redirectFlow":"","redirectNode":""}}"#,
                false,
            ),
            (
                r#"{"id":"e1","data":{"action":"text","contexts":["global"],"enabled":true,"answers":{"en":["b"]},"questions":{"en":["a?"],"fr":["b?"]},"redirectFlow":"","redirectNode":""}}"#,
                false,
            ),
        ];
        let to_string = |entry: &QnaEntry| serde_json::to_string(&entry.to_json());
        for (text, rebuilt) in cases {
            let entry = load_text(text)?;
            assert_eq!(entry.raw.is_null(), rebuilt, "{text}");
            // Written back exactly as with the file kept as read.
            let mut kept = entry.clone();
            kept.raw = serde_json::from_str(text).expect("valid JSON");
            let written = to_string(&entry).expect("serializable");
            assert_eq!(written, to_string(&kept).expect("serializable"));
            if rebuilt {
                assert_eq!(written, text);
            }
            // The direct read of Botpress's layout and the whole-document read agree, field
            // for field, pretty-printed or not.
            let path = Path::new("e1.json");
            let pretty = serde_json::to_string_pretty(
                &serde_json::from_str::<Value>(text).expect("valid JSON"),
            )
            .expect("serializable");
            for text in [text, pretty.as_str()] {
                let whole = QnaEntry::from_text(
                    path,
                    text,
                    serde_json::from_str(text).expect("valid JSON"),
                    "en",
                )?;
                let direct = QnaEntry::parse(path, text, "en")?;
                assert_eq!(format!("{direct:?}"), format!("{whole:?}"), "{text}");
                assert_eq!(
                    QnaEntry::in_botpress_layout(path, text, "en").is_some(),
                    rebuilt,
                    "{text}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn v12_reads_language_and_contexts() -> Result<(), LoadProblem> {
        let entry = load_text(
            r#"{"id":"e1","data":{"questions":{"fr":["bonjour"],"en":["hello"]},"answers":{"en":["hi"]},"contexts":["global","x"],"enabled":false}}"#,
        )?;
        assert_eq!(entry.form, QnaForm::V12);
        assert_eq!(entry.questions, ["hello"]);
        assert_eq!(entry.contexts, ["global", "x"]);
        assert!(!entry.enabled);
        let json = entry.to_json();
        assert_eq!(
            json["data"]["questions"]["fr"][0], "bonjour",
            "other languages kept"
        );
        Ok(())
    }

    #[test]
    fn each_language_keeps_its_own_texts() -> Result<(), LoadProblem> {
        let entry = load_text(
            r#"{"id":"e1","data":{"questions":{"fr":["bonjour"],"de":["hallo"]},"answers":{"en":["hi"],"fr":[]},"contexts":["global"]}}"#,
        )?;
        // No English question: none is borrowed from another language.
        assert!(entry.questions.is_empty());
        assert_eq!(entry.questions_in("fr"), ["bonjour"]);
        assert!(entry.questions_in("es").is_empty());
        // French has no answer: the default language's.
        assert_eq!(entry.answers_in("fr"), ["hi"]);
        assert!(entry.trained_in("en") && entry.trained_in("fr") && !entry.trained_in("es"));
        assert_eq!(entry.question_languages().collect::<Vec<_>>(), ["de", "fr"]);
        // Written back, no empty English questions appear.
        let json = entry.to_json();
        assert!(json["data"]["questions"].get("en").is_none());
        Ok(())
    }

    #[test]
    fn single_answer_string_is_read_and_written_back() -> Result<(), LoadProblem> {
        let entry = load_text(r#"{"id":"e1","data":{"questions":["q"],"answer":"only"}}"#)?;
        assert_eq!(entry.answers, ["only"]);
        let json = entry.to_json();
        assert_eq!(json["data"]["answer"], "only");
        assert!(json["data"].get("answers").is_none());
        Ok(())
    }

    #[test]
    fn wrong_types_name_line_and_column() {
        let problem = load_text("{\n  \"id\": \"e1\",\n  \"data\": {\"questions\": 5}\n}").err();
        let problem = problem.expect("a number is not a question list");
        assert_eq!(problem.line, Some(3));
        assert!(problem.column.is_some());
    }
}
