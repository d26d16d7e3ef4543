//! Content elements (`content-elements/builtin_text.json`): the texts a bot can say.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Workspace, json, lock_bot, version};
use crate::error::{Error, LoadProblem};
use crate::version::FileVersion;

/// One `builtin_text` element.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentElement {
    /// The element id, e.g. `builtin_text-8mwYrq` (said as `#!builtin_text-8mwYrq`).
    pub id: String,
    /// The mustache text in the bot's language (`text`, or Botpress 12's `text$en`).
    pub text: Option<String>,
    /// The element as read.
    pub raw: Value,
    /// The version of the file the element was read from (every element of one file has the
    /// same); saving an element's text expects it ([`crate::Workspace::save_content_text`]).
    pub version: Option<FileVersion>,
}

impl ContentElement {
    /// The element's text in `language`: `text$<language>`, else the default language's
    /// ([`ContentElement::text`]), as Botpress's CMS translates an element's form data
    /// (`formData["text$" + lang] || formData["text$" + defaultLanguage]`, `getOriginalProps`
    /// in `src/bp/core/services/cms.ts`). An empty text counts as none, as `||` reads it.
    pub fn text_in(&self, language: &str) -> Option<&str> {
        self.raw
            .get("formData")
            .and_then(|form| form.get(format!("text${language}")))
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
            .or(self.text.as_deref())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ElementShape {
    id: String,
    #[serde(default)]
    form_data: Map<String, Value>,
}

/// Reads a content-element file: a JSON array of elements.
pub fn load(
    path: &Path,
    language: &str,
) -> Result<(Vec<ContentElement>, Vec<LoadProblem>), LoadProblem> {
    let file = json::read(path)?;
    let shapes: Vec<ElementShape> = json::parse(path, &file.text)?;
    let raws = file.value.as_array().cloned().unwrap_or_default();
    let elements = shapes
        .into_iter()
        .zip(raws)
        .map(|(shape, raw)| ContentElement {
            text: text_in(&shape.form_data, language),
            id: shape.id,
            raw,
            version: Some(file.version),
        })
        .collect();
    Ok((elements, file.warnings))
}

/// A problem for each element whose text is not a valid template (it would fail every time
/// it is said), naming the element, with the line and column inside its text.
pub fn template_problems(path: &Path, elements: &[ContentElement]) -> Vec<LoadProblem> {
    elements
        .iter()
        .filter_map(|element| {
            let text = element.text.as_deref()?;
            let error = crate::template::validate(text).err()?;
            Some(LoadProblem::error(
                path,
                format!(
                    "content element {}: template does not parse: {} at line {}, column {} of its text",
                    element.id, error.kind, error.line, error.column
                ),
            ))
        })
        .collect()
}

/// `text$<language>` first (Botpress 12), then plain `text` (11), then any `text$…`.
fn text_in(form_data: &Map<String, Value>, language: &str) -> Option<String> {
    let localized = format!("text${language}");
    form_data
        .get(&localized)
        .or_else(|| form_data.get("text"))
        .or_else(|| {
            form_data
                .iter()
                .find(|(key, _)| key.starts_with("text$"))
                .map(|(_, value)| value)
        })
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The content-element file of a bot folder, relative to it.
pub const ELEMENTS_FILE: &str = "content-elements/builtin_text.json";

/// What [`Workspace::save_content_text`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFile {
    /// The file.
    pub path: PathBuf,
    /// Whether it was written (false when the text was already that).
    pub written: bool,
    /// Its version now, to expect at the next save.
    pub version: FileVersion,
}

impl Workspace {
    /// Sets the text of content element `element_id` of `bot_id` in `language` and saves
    /// its file atomically under the bot folder's lock, changing nothing else: every other
    /// element, field and key order stay as they are. The text goes where the element keeps
    /// it: `text$<language>` when it has that key, else `text` when it has that, else
    /// `text$<language>` when its form data uses `$<language>` keys (Botpress 12), else
    /// `text`.
    ///
    /// The file must still be version `expected` (an element's [`ContentElement::version`]),
    /// else nothing is written and the error is [`Error::Conflict`]. Setting the text the
    /// element already has writes nothing.
    pub fn save_content_text(
        &self,
        bot_id: &str,
        element_id: &str,
        language: &str,
        text: &str,
        expected: Option<FileVersion>,
    ) -> Result<SavedFile, Error> {
        let bot = self
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let path = bot.dir.join(ELEMENTS_FILE);
        let missing = |reason: &str| Error::Element {
            bot: bot_id.to_string(),
            element: element_id.to_string(),
            reason: reason.to_string(),
        };
        let _lock = lock_bot(bot)?;
        let current = version::read_current(&path)?;
        version::check(&path, expected, current.as_ref().map(|(_, v)| *v))?;
        let Some((bytes, on_disk)) = current else {
            return Err(missing("does not exist (the bot has no content elements)"));
        };
        let unreadable = |message: String| Error::Reload(LoadProblem::error(&path, message));
        let text_read = std::str::from_utf8(&bytes)
            .map_err(|_| unreadable("file is not valid UTF-8".to_string()))?;
        let mut elements: Value =
            json::parse(&path, text_read.trim_start_matches('\u{feff}')).map_err(Error::Reload)?;
        let element = elements
            .as_array_mut()
            .ok_or_else(|| unreadable("is not a list of content elements".to_string()))?
            .iter_mut()
            .find(|e| e.get("id").and_then(Value::as_str) == Some(element_id))
            .ok_or_else(|| missing("does not exist"))?;
        if !element["formData"].is_object() {
            element["formData"] = Value::Object(Map::new());
        }
        let Some(form_data) = element["formData"].as_object_mut() else {
            return Err(missing("has no form data"));
        };
        let key = text_key(form_data, language);
        if form_data.get(&key).and_then(Value::as_str) == Some(text) {
            return Ok(SavedFile {
                path,
                written: false,
                version: on_disk,
            });
        }
        form_data.insert(key, Value::String(text.to_string()));
        let version = json::write_atomic(&path, &elements).map_err(|source| Error::Save {
            path: path.clone(),
            source,
        })?;
        Ok(SavedFile {
            path,
            written: true,
            version,
        })
    }
}

/// The form-data key that holds an element's text in `language` (see
/// [`Workspace::save_content_text`]); reading prefers the same keys ([`text_in`]).
fn text_key(form_data: &Map<String, Value>, language: &str) -> String {
    let localized = format!("text${language}");
    if form_data.contains_key(&localized) {
        localized
    } else if form_data.contains_key("text") || !form_data.keys().any(|k| k.contains('$')) {
        "text".to_string()
    } else {
        localized
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_text_is_written_where_it_is_read() {
        let key = |form: Value| text_key(form.as_object().unwrap_or(&Map::new()), "en");
        assert_eq!(key(json!({"text": "hi", "typing": true})), "text");
        assert_eq!(key(json!({"text$en": "hi", "typing$en": true})), "text$en");
        assert_eq!(
            key(json!({"text$fr": "salut", "typing$fr": true})),
            "text$en"
        );
        assert_eq!(key(json!({"text": "hi", "text$en": "hello"})), "text$en");
        assert_eq!(key(json!({"typing": true})), "text");
    }

    #[test]
    fn both_text_forms_are_read() {
        let v11 = json!({"text": "hi", "typing": true});
        let v12 = json!({"text$en": "hello", "typing$en": true});
        let other = json!({"text$fr": "salut"});
        assert_eq!(
            text_in(v11.as_object().unwrap_or(&Map::new()), "en").as_deref(),
            Some("hi")
        );
        assert_eq!(
            text_in(v12.as_object().unwrap_or(&Map::new()), "en").as_deref(),
            Some("hello")
        );
        assert_eq!(
            text_in(other.as_object().unwrap_or(&Map::new()), "en").as_deref(),
            Some("salut")
        );
    }
}
