//! Writing a threshold into the master's flow: the `minConfidence` argument of every
//! `delegate_to_bots` call in `bots/master/flows/main.flow.json`, the way a user tuning
//! delegation in Botpress's flow editor would set it.
//!
//! The edit is as small as the change: under the master folder's lock the file is read
//! again, each call's argument object gets the new value (its other keys, their order and
//! their values kept; Botpress's action reads the value as `Number(arg)`, so it is written as
//! the string Botpress's own examples use, `"0.42"`), and only the JSON string literal of each
//! call is replaced in the file's text, so every other byte stays — a one-line `git diff`.
//! The file is then replaced atomically.

use std::path::PathBuf;

use serde_json::Value;

use super::read::{self, MAX_FILE_BYTES};
use super::save::write_atomic;
use super::{BotLock, MASTER_ID, Workspace};
use crate::error::Error;
use crate::version::FileVersion;

/// The action that delegates, as it starts an `onEnter`/`onReceive` instruction.
const DELEGATE: &str = "delegate_to_bots";

/// What [`Workspace::set_min_confidence`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdWritten {
    /// The flow file.
    pub path: PathBuf,
    /// The file's version now.
    pub version: FileVersion,
    /// How many `delegate_to_bots` calls now have the threshold.
    pub calls: usize,
}

/// The value as written in the flow: at most two decimals (the sweep's step), no trailing
/// zeros beyond one (`0.5`, `0.42`, `1`).
pub fn format_threshold(value: f64) -> String {
    let text = format!("{:.2}", value.clamp(0.0, 1.0));
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').unwrap_or(text).to_string()
}

impl Workspace {
    /// Sets `minConfidence` (in [0, 1]) of every `delegate_to_bots` call of the master's
    /// main flow; see the [module](self) documentation. A flow with no such call, a value out
    /// of range, or a file that cannot be read or written is an error and nothing changes.
    pub fn set_min_confidence(&self, value: f64) -> Result<ThresholdWritten, Error> {
        let dir = self.root.join("bots").join(MASTER_ID);
        let path = dir.join("flows").join("main.flow.json");
        let invalid = |reason: String| Error::Workspace {
            path: path.clone(),
            reason,
        };
        if !(0.0..=1.0).contains(&value) {
            return Err(invalid(format!(
                "a threshold must be in [0, 1], not {value}"
            )));
        }
        let _lock = BotLock::acquire(&dir).map_err(|source| Error::Lock {
            path: dir.clone(),
            source,
        })?;
        let text = read::read_text(&path, MAX_FILE_BYTES).map_err(|e| invalid(e.to_string()))?;
        let mut flow: Value = serde_json::from_str(&text)
            .map_err(|e| invalid(format!("line {}, column {}: {e}", e.line(), e.column())))?;
        let wanted = format_threshold(value);
        let mut edits: Vec<(String, String)> = Vec::new();
        for node in flow
            .get_mut("nodes")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            for hook in ["onEnter", "onReceive"] {
                for instruction in node
                    .get_mut(hook)
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    let Some(old) = instruction.as_str() else {
                        continue;
                    };
                    if let Some(new) = with_threshold(old, &wanted) {
                        edits.push((old.to_string(), new.clone()));
                        *instruction = Value::String(new);
                    }
                }
            }
        }
        if edits.is_empty() {
            return Err(invalid(format!(
                "the flow has no `{DELEGATE}` call to set the threshold of"
            )));
        }
        let bytes = replace_literals(&text, &edits).unwrap_or_else(|| {
            // A literal written another way (escaped slashes, unicode escapes): the whole
            // file is written again, two-space indented as Botpress writes it.
            serde_json::to_string_pretty(&flow).unwrap_or_else(|_| text.clone())
        });
        write_atomic(&path, bytes.as_bytes()).map_err(|source| Error::Save {
            path: path.clone(),
            source,
        })?;
        Ok(ThresholdWritten {
            version: FileVersion::of(bytes.as_bytes()),
            path,
            calls: edits.len(),
        })
    }
}

/// `instruction` with `minConfidence` set to `wanted`, if it is a `delegate_to_bots` call
/// whose arguments are a JSON object.
fn with_threshold(instruction: &str, wanted: &str) -> Option<String> {
    let args = instruction.strip_prefix(DELEGATE)?;
    if !args.is_empty() && !args.starts_with(char::is_whitespace) {
        return None;
    }
    let mut object = match args.trim() {
        "" => serde_json::Map::new(),
        text => match serde_json::from_str::<Value>(text).ok()? {
            Value::Object(object) => object,
            _ => return None,
        },
    };
    object.insert("minConfidence".into(), Value::String(wanted.to_string()));
    Some(format!("{DELEGATE} {}", Value::Object(object)))
}

/// `text` with each old instruction's JSON string literal replaced by the new one's; `None`
/// when a literal is not in the text exactly as serde writes it.
fn replace_literals(text: &str, edits: &[(String, String)]) -> Option<String> {
    let mut out = text.to_string();
    for (old, new) in edits {
        let old = serde_json::to_string(old).ok()?;
        let new = serde_json::to_string(new).ok()?;
        if !out.contains(&old) {
            return None;
        }
        out = out.replacen(&old, &new, 1);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_written_as_botpress_examples_write_them() {
        assert_eq!(format_threshold(0.5), "0.5");
        assert_eq!(format_threshold(0.42), "0.42");
        assert_eq!(format_threshold(1.0), "1");
        assert_eq!(format_threshold(0.0), "0");
        assert_eq!(format_threshold(0.305), "0.3");
    }

    #[test]
    fn only_delegate_calls_get_the_threshold_and_other_arguments_stay() {
        assert_eq!(
            with_threshold(
                r#"delegate_to_bots {"bots":"sub1,sub2","minConfidence":"0.5","x":1}"#,
                "0.42"
            )
            .as_deref(),
            Some(r#"delegate_to_bots {"bots":"sub1,sub2","minConfidence":"0.42","x":1}"#)
        );
        assert_eq!(
            with_threshold("delegate_to_bots", "0.3").as_deref(),
            Some(r#"delegate_to_bots {"minConfidence":"0.3"}"#)
        );
        assert_eq!(with_threshold("delegate_to_botsX {}", "0.3"), None);
        assert_eq!(with_threshold("say #!builtin_text-x", "0.3"), None);
        assert_eq!(with_threshold("delegate_to_bots [1]", "0.3"), None);
    }
}
