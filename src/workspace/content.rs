//! Content elements (`content-elements/builtin_text.json`): the texts a bot can say.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::json;
use crate::error::LoadProblem;

/// One `builtin_text` element.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentElement {
    /// The element id, e.g. `builtin_text-8mwYrq` (said as `#!builtin_text-8mwYrq`).
    pub id: String,
    /// The mustache text in the bot's language (`text`, or Botpress 12's `text$en`).
    pub text: Option<String>,
    /// The element as read.
    pub raw: Value,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
