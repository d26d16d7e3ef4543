//! The NLU intents Botpress 12 trains QnA from, kept in step with the QnA files.
//!
//! Botpress 12's QnA module does not train on `qna/<id>.json` itself: for each enabled entry
//! it saves an NLU intent named `__qna__<id>` (`getIntentId` in the QnA module's
//! `storage.ts`), which the NLU module writes to `intents/<name>.json`
//! (`saveIntent` in the NLU module's `storage.ts`, file name through
//! `sanitizeFilenameNoExt`: lower-cased, every character but `a-z0-9-_.` replaced by `_`).
//! `update` saves the intent when the entry is enabled and deletes it when it is disabled
//! (`deleteMatchingIntent`); `delete` deletes it with the entry. The intent holds
//! `{name, contexts, utterances, slots, filename}` (`_makeIntent`, the NLU service keeping
//! the file name, as the Botpress 12 fixture's `intents/` shows): the entry's `contexts`
//! (a Botpress 11 entry's `category || 'global'`), its questions per language through
//! `normalizeQuestions` (line breaks and runs of whitespace to one space, trimmed, blank
//! ones dropped), no slots, and no `entities`.
//!
//! interbot does the same on every save and removal of a Botpress 12 entry — and of a
//! Botpress 11-shaped entry whose intent file is already there (a Botpress 12 server ran on
//! the bot) — so a Botpress server started on the workspace afterwards answers the questions
//! as edited.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::json;
use crate::error::Error;

/// The prefix of the intents the QnA module owns (`NLU_PREFIX`).
pub const QNA_INTENT_PREFIX: &str = "__qna__";

/// The intent name of entry `entry_id`: `__qna__<id>`.
pub fn intent_name(entry_id: &str) -> String {
    format!("{QNA_INTENT_PREFIX}{entry_id}")
}

/// The file of entry `entry_id`'s intent in the bot folder `bot_dir`.
pub fn intent_path(bot_dir: &Path, entry_id: &str) -> PathBuf {
    bot_dir.join("intents").join(intent_file_name(entry_id))
}

/// `<sanitized intent name>.json`, the intent's file name (and its `filename` field).
fn intent_file_name(entry_id: &str) -> String {
    let file: String = intent_name(entry_id)
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{file}.json")
}

/// One question as Botpress's `normalizeQuestions` leaves it: every run of whitespace
/// (line breaks included) one space, trimmed.
fn normalize_question(question: &str) -> String {
    question.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The intent Botpress 12 keeps for a QnA file's JSON `entry` (`{id, data}`), or `None`
/// when it keeps none (the entry is disabled). Plain (Botpress 11) question lists count as
/// `language`'s.
pub fn intent_for(entry_id: &str, language: &str, entry: &Value) -> Option<Value> {
    let data = entry.get("data")?;
    if data.get("enabled").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    let normalized = |texts: &Value| -> Value {
        let texts: Vec<String> = texts
            .as_array()
            .map(|texts| {
                texts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(normalize_question)
                    .filter(|q| !q.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        json!(texts)
    };
    let utterances: Map<String, Value> = match data.get("questions") {
        Some(Value::Object(by_language)) => by_language
            .iter()
            .map(|(language, texts)| (language.clone(), normalized(texts)))
            .collect(),
        Some(plain) => std::iter::once((language.to_string(), normalized(plain))).collect(),
        None => Map::new(),
    };
    let contexts = match (data.get("contexts"), data.get("category")) {
        (Some(Value::Array(contexts)), _) => Value::Array(contexts.clone()),
        (_, Some(Value::String(category))) if !category.is_empty() => json!([category]),
        _ => json!(["global"]),
    };
    Some(json!({
        "name": intent_name(entry_id),
        "contexts": contexts,
        "utterances": utterances,
        "slots": [],
        "filename": intent_file_name(entry_id),
    }))
}

/// Brings entry `entry_id`'s intent file in `bot_dir` in line with the entry's JSON as just
/// saved: written (in its file's layout, Botpress's for a new one) when Botpress would keep
/// an intent and the file differs, removed when it would not. A Botpress 11-shaped entry
/// (plain question lists) with no intent file leaves the intents folder alone. Call it
/// under the bot's lock.
pub fn sync(bot_dir: &Path, entry_id: &str, language: &str, entry: &Value) -> Result<(), Error> {
    let path = intent_path(bot_dir, entry_id);
    let by_language = entry
        .get("data")
        .and_then(|d| d.get("questions"))
        .is_some_and(Value::is_object);
    if !by_language && std::fs::symlink_metadata(&path).is_err() {
        return Ok(());
    }
    let Some(intent) = intent_for(entry_id, language, entry) else {
        return remove(bot_dir, entry_id);
    };
    let current = json::read(&path).ok().map(|file| file.value);
    if current.as_ref() == Some(&intent) {
        return Ok(());
    }
    json::write_atomic(&path, &intent)
        .map(|_| ())
        .map_err(|source| Error::Save { path, source })
}

/// Removes entry `entry_id`'s intent file from `bot_dir`, if there is one (Botpress's
/// `deleteMatchingIntent`). Call it under the bot's lock.
pub fn remove(bot_dir: &Path, entry_id: &str) -> Result<(), Error> {
    let path = intent_path(bot_dir, entry_id);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Save { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intent_is_the_one_botpress_writes() {
        let entry = json!({"id": "a1_hi", "data": {
            "questions": {"en": ["  hi\r\nthere ", "", "yo"], "fr": ["salut"]},
            "answers": {"en": ["hello"]}, "contexts": ["global", "x"], "enabled": true}});
        let intent = intent_for("a1_hi", "en", &entry);
        assert_eq!(
            intent,
            Some(json!({"name": "__qna__a1_hi", "contexts": ["global", "x"],
                "utterances": {"en": ["hi there", "yo"], "fr": ["salut"]}, "slots": [],
                "filename": "__qna__a1_hi.json"}))
        );
        let disabled =
            json!({"id": "a1_hi", "data": {"questions": {"en": ["hi"]}, "enabled": false}});
        assert_eq!(intent_for("a1_hi", "en", &disabled), None);
        let v11 = json!({"id": "b", "data": {"questions": ["q"], "category": ""}});
        let intent = intent_for("b", "fr", &v11).unwrap_or_default();
        assert_eq!(intent["utterances"], json!({"fr": ["q"]}));
        assert_eq!(intent["contexts"], json!(["global"]));
        assert!(
            intent_path(Path::new("b"), "Ab$c").ends_with("intents/__qna__ab_c.json"),
            "sanitizeFilenameNoExt"
        );
    }
}
