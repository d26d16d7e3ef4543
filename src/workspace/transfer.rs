//! QnA import and export in Botpress 12's own formats, and CSV.
//!
//! - **JSON**, as Botpress 12's QnA module exports it (`exportQnAs` in its `transfer.ts`):
//!   `{"qnas": [{"id", "data"}…], "contentElements": [{"id", "contentType", "formData"…}…]}`,
//!   the content elements being those the answers name with `#!`. A plain array of
//!   `{"id", "data"}` items (older exports) is read too (`prepareImport`).
//! - **CSV**: one row per entry, columns `id,enabled,contexts,questions,answers`; a cell that
//!   holds several values (question variants, answers, contexts) has one per line. It holds
//!   the bot's default language.
//!
//! An import checks every item before it writes anything: the problems come back together,
//! each with its line, and nothing is written; then every entry is written through the same
//! save as an edit (atomic, its Botpress 12 intent kept in step) under the bot's lock.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::{Bot, QnaEntry, QnaForm, Workspace, intents, json, lock_bot, save, write_entry};
use crate::error::Error;

/// The file formats of `interbot qna import/export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferFormat {
    /// Botpress 12's export (`{qnas, contentElements}`, or a plain array on import).
    Json,
    /// One row per entry (see the module docs).
    Csv,
}

/// One reason an import item cannot be imported, at its line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The 1-based line where the item starts.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Why an import or export failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// Items that cannot be imported; nothing was written.
    #[error("{}", .problems.iter().map(|p| format!("{}:{}: {}", .file.display(), p.line, p.reason)).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file imported.
        file: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<RowProblem>,
    },
    /// Reading, locking or writing the workspace failed.
    #[error(transparent)]
    Workspace(#[from] Error),
    /// Writing CSV failed.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Entries written as new files.
    pub added: usize,
    /// Existing entries replaced or changed.
    pub updated: usize,
    /// Entries removed (`replace`).
    pub removed: usize,
    /// Content elements added or replaced.
    pub elements: usize,
}

/// One item read from an import file, checked.
#[derive(Debug, Clone)]
struct Item {
    line: usize,
    entry: QnaEntry,
}

/// Botpress 12's export object; the items stay raw so each keeps its place in the text.
#[derive(Deserialize)]
struct JsonExport<'a> {
    #[serde(borrow)]
    qnas: Vec<&'a RawValue>,
    #[serde(default, rename = "contentElements", borrow)]
    content_elements: Vec<&'a RawValue>,
}

/// The 1-based line of `part`, a slice of `text`.
fn line_of(text: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

fn has_text(value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(items)) => items.iter().any(|v| has_text(Some(v))),
        Some(Value::Object(map)) => map.values().any(|v| has_text(Some(v))),
        _ => false,
    }
}

/// Checks one `{id, data}` item as Botpress's QnA schema would: an object with a `data`
/// object holding at least one question and (unless it only redirects) one answer, an
/// `enabled` flag that is a boolean when present, and an id that is a safe file name.
fn check_item(bot: &Bot, raw: &Value) -> Result<QnaEntry, String> {
    let data = raw
        .get("data")
        .filter(|d| d.is_object())
        .ok_or("an item needs a `data` object")?;
    let id = match raw.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        None | Some(Value::Null) => String::new(),
        Some(Value::String(_)) => String::new(),
        Some(_) => return Err("`id` must be a string".into()),
    };
    if !id.is_empty() && !save::is_safe_id(&id) {
        return Err(format!(
            "`{id}` is not a valid id (letters, digits, `_`, `-` and `.` only)"
        ));
    }
    if !has_text(data.get("questions")) {
        return Err("the entry has no question".into());
    }
    let redirect_only = data.get("action").and_then(Value::as_str) == Some("redirect");
    if !redirect_only && !has_text(data.get("answers")) && !has_text(data.get("answer")) {
        return Err("the entry has no answer".into());
    }
    if data.get("enabled").is_some_and(|e| !e.is_boolean()) {
        return Err("`enabled` must be true or false".into());
    }
    let file = bot.dir.join("qna").join(format!("{id}.json"));
    let text = raw.to_string();
    let mut entry = QnaEntry::parse(&file, &text, &bot.config.default_language)
        .map_err(|p| p.message.clone())?;
    entry.id = id;
    Ok(entry)
}

/// Reads a Botpress 12 JSON export for `bot`: the entries and the content elements, or
/// every problem.
fn read_json(bot: &Bot, text: &str) -> Result<(Vec<Item>, Vec<Value>), Vec<RowProblem>> {
    let (qnas, elements) = match serde_json::from_str::<Vec<&RawValue>>(text) {
        Ok(qnas) => (qnas, Vec::new()),
        Err(_) => {
            let export: JsonExport = serde_json::from_str(text).map_err(|e| {
                vec![RowProblem {
                    line: e.line().max(1),
                    reason: format!(
                        "not a Botpress QnA export (`{{\"qnas\": [..], \"contentElements\": [..]}}` or `[..]`): {e}"
                    ),
                }]
            })?;
            (export.qnas, export.content_elements)
        }
    };
    let mut problems = Vec::new();
    let mut items = Vec::new();
    for raw in qnas {
        let line = line_of(text, raw.get());
        let checked = serde_json::from_str::<Value>(raw.get())
            .map_err(|e| e.to_string())
            .and_then(|value| check_item(bot, &value));
        match checked {
            Ok(entry) => items.push(Item { line, entry }),
            Err(reason) => problems.push(RowProblem { line, reason }),
        }
    }
    let mut checked_elements = Vec::new();
    for raw in elements {
        let line = line_of(text, raw.get());
        let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
        let id_ok = value
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(save::is_safe_id);
        let type_ok = value
            .get("contentType")
            .and_then(Value::as_str)
            .is_none_or(save::is_safe_id);
        if id_ok && type_ok && value.get("formData").is_some_and(Value::is_object) {
            checked_elements.push(value);
        } else {
            problems.push(RowProblem {
                line,
                reason: "a content element needs a safe `id`, a `formData` object and a safe `contentType`".into(),
            });
        }
    }
    if problems.is_empty() {
        Ok((items, checked_elements))
    } else {
        Err(problems)
    }
}

/// The values of a multi-value CSV cell: one per line, blank lines dropped.
fn cell_values(cell: &str) -> Vec<String> {
    cell.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

const CSV_HEADER: [&str; 5] = ["id", "enabled", "contexts", "questions", "answers"];

/// Reads the CSV form for `bot`: an entry per row, or every problem.
fn read_csv(bot: &Bot, text: &str) -> Result<Vec<Item>, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header_ok = reader
        .headers()
        .map(|h| h.iter().map(str::trim).eq(CSV_HEADER))
        .unwrap_or(false);
    if !header_ok {
        return Err(vec![RowProblem {
            line: 1,
            reason: format!("the header must be `{}`", CSV_HEADER.join(",")),
        }]);
    }
    let form = bot_form(bot);
    let language = &bot.config.default_language;
    let mut problems = Vec::new();
    let mut items = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(1, |p| p.line() as usize);
                problems.push(RowProblem {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map_or(1, |p| p.line() as usize);
        if record.len() != CSV_HEADER.len() {
            problems.push(RowProblem {
                line,
                reason: format!("{} cells, expected {}", record.len(), CSV_HEADER.len()),
            });
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or_default();
        let id = cell(0).trim().to_string();
        let enabled = match cell(1).trim().to_ascii_lowercase().as_str() {
            "" | "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            other => {
                problems.push(RowProblem {
                    line,
                    reason: format!("`enabled` is {other:?}; write true or false"),
                });
                continue;
            }
        };
        let contexts = cell_values(cell(2));
        let questions = cell_values(cell(3));
        let answers = cell_values(cell(4));
        let reason = if !id.is_empty() && !save::is_safe_id(&id) {
            Some(format!(
                "`{id}` is not a valid id (letters, digits, `_`, `-` and `.` only)"
            ))
        } else if questions.is_empty() {
            Some("the entry has no question".to_string())
        } else if answers.is_empty() {
            Some("the entry has no answer".to_string())
        } else {
            None
        };
        if let Some(reason) = reason {
            problems.push(RowProblem { line, reason });
            continue;
        }
        let mut entry = match bot.entry(&id) {
            Some(known) => known.clone(),
            None => QnaEntry::new(
                &id,
                bot.dir.join("qna").join(format!("{id}.json")),
                form,
                language,
                Vec::new(),
                Vec::new(),
            ),
        };
        entry.questions = questions;
        entry.answers = answers;
        entry.enabled = enabled;
        if !contexts.is_empty() {
            entry.contexts = contexts;
        }
        items.push(Item { line, entry });
    }
    if problems.is_empty() {
        Ok(items)
    } else {
        Err(problems)
    }
}

/// The form a bot's new entries take (as [`Workspace::new_entry`] decides).
fn bot_form(bot: &Bot) -> QnaForm {
    let v12 = bot.qna.iter().any(|e| e.form == QnaForm::V12)
        || (bot.qna.is_empty() && bot.config.raw.get("languages").is_some());
    if v12 { QnaForm::V12 } else { QnaForm::V11 }
}

impl Workspace {
    /// `bot_id`'s QnA in `format`: Botpress 12's export (`{qnas, contentElements}`,
    /// `JSON.stringify(x, undefined, 2)`) or CSV.
    pub fn export_qna(
        &self,
        bot_id: &str,
        format: TransferFormat,
    ) -> Result<String, TransferError> {
        let bot = self
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        match format {
            TransferFormat::Json => {
                let qnas: Vec<Value> = bot.qna.iter().map(QnaEntry::to_json).collect();
                let named: Vec<&str> = bot
                    .qna
                    .iter()
                    .flat_map(|e| e.answers.iter())
                    .filter_map(|a| a.strip_prefix("#!"))
                    .collect();
                let elements: Vec<Value> = bot
                    .elements
                    .iter()
                    .filter(|e| named.contains(&e.id.as_str()))
                    .map(|e| {
                        let mut raw = e.raw.clone();
                        if let Some(map) = raw.as_object_mut() {
                            map.entry("contentType")
                                .or_insert_with(|| json!("builtin_text"));
                        }
                        raw
                    })
                    .collect();
                let export = json!({"qnas": qnas, "contentElements": elements});
                json::JsonStyle::botpress()
                    .render(&export)
                    .map_err(|source| {
                        TransferError::Workspace(Error::Save {
                            path: PathBuf::from("-"),
                            source,
                        })
                    })
            }
            TransferFormat::Csv => {
                let mut writer = csv::Writer::from_writer(Vec::new());
                writer.write_record(CSV_HEADER)?;
                for entry in &bot.qna {
                    writer.write_record([
                        entry.id.as_str(),
                        if entry.enabled { "true" } else { "false" },
                        &entry.contexts.join("\n"),
                        &entry.questions.join("\n"),
                        &entry.answers.join("\n"),
                    ])?;
                }
                let bytes = writer
                    .into_inner()
                    .map_err(|e| TransferError::Csv(e.into_error().into()))?;
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            }
        }
    }

    /// Imports `text` (read from `file`, named in problems) into `bot_id`: every item is
    /// checked first, and if any cannot be imported nothing is written and every problem is
    /// returned with its line. Otherwise, under the bot's lock, an item whose id the bot has
    /// replaces that entry (merge by id, as Botpress's `upsertItem`), an item without an id
    /// gets a new one (`makeID`), and with `replace` every entry the file does not name is
    /// removed (with its intent). Content elements of a JSON export are merged by id into
    /// `content-elements/<contentType>.json`.
    pub fn import_qna(
        &self,
        bot_id: &str,
        file: &Path,
        text: &str,
        format: TransferFormat,
        replace: bool,
    ) -> Result<ImportReport, TransferError> {
        let bot = self
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let text = text.trim_start_matches('\u{feff}');
        let parsed = match format {
            TransferFormat::Json => read_json(bot, text),
            TransferFormat::Csv => read_csv(bot, text).map(|items| (items, Vec::new())),
        };
        let invalid = |problems| TransferError::Invalid {
            file: file.to_path_buf(),
            problems,
        };
        let (mut items, elements) = parsed.map_err(invalid)?;
        let mut problems = Vec::new();
        for i in 0..items.len() {
            let id = &items[i].entry.id;
            if !id.is_empty() && items[..i].iter().any(|other| &other.entry.id == id) {
                problems.push(RowProblem {
                    line: items[i].line,
                    reason: format!("the id `{id}` is imported twice"),
                });
            }
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        for item in &mut items {
            if item.entry.id.is_empty() {
                let fresh = self.new_entry(bot_id, item.entry.questions.clone(), Vec::new())?;
                item.entry.id = fresh.id;
            }
            item.entry.file = bot.dir.join("qna").join(format!("{}.json", item.entry.id));
        }
        let _lock = lock_bot(bot)?;
        let mut report = ImportReport::default();
        for item in &items {
            let known = bot.entry(&item.entry.id).is_some();
            let path = match bot.entry(&item.entry.id) {
                Some(existing) => existing.file.clone(),
                None => item.entry.file.clone(),
            };
            write_entry(bot, &path, &item.entry)?;
            if known {
                report.updated += 1;
            } else {
                report.added += 1;
            }
        }
        if replace {
            for old in &bot.qna {
                if items.iter().any(|i| i.entry.id == old.id) {
                    continue;
                }
                std::fs::remove_file(&old.file).map_err(|source| Error::Save {
                    path: old.file.clone(),
                    source,
                })?;
                intents::remove(&bot.dir, &old.id)?;
                report.removed += 1;
            }
        }
        report.elements = merge_elements(&bot.dir, &elements)?;
        Ok(report)
    }
}

/// Merges imported content elements by id into `content-elements/<contentType>.json`
/// (`builtin_text` when none is named), each file in its layout; returns how many.
fn merge_elements(bot_dir: &Path, elements: &[Value]) -> Result<usize, Error> {
    let mut by_type: Map<String, Value> = Map::new();
    for element in elements {
        let kind = element
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("builtin_text")
            .to_string();
        let list = by_type.entry(kind).or_insert_with(|| json!([]));
        if let Some(list) = list.as_array_mut() {
            list.push(element.clone());
        }
    }
    let mut count = 0;
    for (kind, imported) in by_type {
        let path = bot_dir
            .join("content-elements")
            .join(format!("{kind}.json"));
        let mut current = match json::read(&path) {
            Ok(file) => file.value,
            Err(_) if std::fs::symlink_metadata(&path).is_err() => json!([]),
            Err(problem) => return Err(Error::Reload(problem)),
        };
        let Some(list) = current.as_array_mut() else {
            return Err(Error::Reload(crate::error::LoadProblem::error(
                &path,
                "is not a list of content elements",
            )));
        };
        for element in imported.as_array().into_iter().flatten() {
            let mut element = element.clone();
            let had_type = list.iter().any(|e| e.get("contentType").is_some());
            if !had_type && let Some(map) = element.as_object_mut() {
                map.remove("contentType");
            }
            let id = element.get("id").cloned();
            match list.iter_mut().find(|e| e.get("id") == id.as_ref()) {
                Some(existing) => *existing = element,
                None => list.push(element),
            }
            count += 1;
        }
        json::write_atomic(&path, &current).map_err(|source| Error::Save { path, source })?;
    }
    Ok(count)
}
