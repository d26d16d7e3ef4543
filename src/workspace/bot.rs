//! One bot folder: `bot.config.json`, `qna/*.json`, content elements and its main flow, with
//! what the flow refers to checked: the content elements it says, the flows and skill
//! sub-flows (`flows/skills/…`) it names.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use foldhash::{HashSet, HashSetExt};
use serde::Deserialize;
use serde_json::Value;

use super::content::{self, ContentElement};
use super::entries::{Item, QnaEntries, Source};
use super::folder;
use super::json;
use super::lock::BotLock;
use super::qna::QnaEntry;
use super::reading::{self, QnaFolder, ReadFiles};
use super::save;
use super::snapshot::{LoadedFile, QnaSnapshots};
use crate::error::{Error, LoadProblem};
use crate::flow::{Flow, FlowError, Instruction, Target};
use crate::template::{self, Rendered};

/// The fields of `bot.config.json` interbot reads; the file itself is kept in `raw`.
#[derive(Debug, Clone, PartialEq)]
pub struct BotConfig {
    /// Display name (`name`), the bot id when missing.
    pub name: String,
    /// `description`, if any.
    pub description: Option<String>,
    /// `defaultLanguage` (Botpress 12), `en` otherwise.
    pub default_language: String,
    /// `oneflow` (Botpress 12's NDU bots): such a bot's converse answer carries an empty
    /// `decision`, which `delegate_to_bots` reads as confidence 0.
    pub oneflow: bool,
    /// The file as read (empty object when missing or broken).
    pub raw: Value,
}

impl BotConfig {
    /// The configuration of a bot whose `bot.config.json` is missing or broken: named after
    /// its folder, English.
    pub fn fallback(id: &str) -> BotConfig {
        BotConfig {
            name: id.to_string(),
            description: None,
            default_language: "en".to_string(),
            oneflow: false,
            raw: Value::Object(Default::default()),
        }
    }

    /// The languages the bot speaks: `defaultLanguage` first, then the other codes of
    /// Botpress 12's `languages` in their order (entries that are not strings skipped). A bot
    /// without `languages` (Botpress 11) speaks its default language only. Read from
    /// [`BotConfig::raw`], so the file's own field stays the one truth.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        let default = self.default_language.as_str();
        let declared = self
            .raw
            .get("languages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(move |language| *language != default && !language.trim().is_empty());
        std::iter::once(default).chain(declared)
    }

    /// Whether `language` is one of the bot's [`languages`](BotConfig::languages).
    pub fn speaks(&self, language: &str) -> bool {
        self.languages().any(|l| l == language)
    }

    /// Whether the bot speaks more than its default language.
    pub fn is_multilingual(&self) -> bool {
        self.languages().nth(1).is_some()
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigShape {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    default_language: Option<String>,
}

/// A bot: its id (the folder name), configuration, QnA, content elements and flow.
#[derive(Debug, Clone)]
pub struct Bot {
    /// The bot id: the folder name under `bots/`.
    pub id: String,
    /// The bot folder.
    pub dir: PathBuf,
    /// `bot.config.json`.
    pub config: BotConfig,
    /// QnA entries, in file-name order (disabled ones included): those a QnA snapshot
    /// served are decoded when first needed ([`QnaEntries`]).
    pub qna: QnaEntries,
    /// `content-elements/builtin_text.json`.
    pub elements: Vec<ContentElement>,
    /// `flows/main.flow.json`: the master's runs every turn; a sub-bot's runs when none of
    /// its QnA entries answers (as Botpress's decision engine runs the flow when no QnA
    /// suggestion is elected).
    pub flow: Option<Flow>,
}

impl Bot {
    /// Display name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The content element with this id.
    pub fn element(&self, id: &str) -> Option<&ContentElement> {
        self.elements.iter().find(|e| e.id == id)
    }

    /// The text the bot says for `answer`, rendered against `state` as Botpress renders it:
    /// see [`Bot::say`].
    pub fn answer_text(&self, answer: &str, state: &Value) -> Result<String, Error> {
        self.say(answer, state).map(|rendered| rendered.text)
    }

    /// [`Bot::answer_text`] in `language` (see [`Bot::say_in`]).
    pub fn answer_text_in(
        &self,
        answer: &str,
        state: &Value,
        language: &str,
    ) -> Result<String, Error> {
        self.say_in(answer, state, language)
            .map(|rendered| rendered.text)
    }

    /// What the bot says for `answer` (a QnA answer or `#!<element>`), and the names its
    /// template missed. Botpress says both through `cms.renderElement`, which renders the
    /// text with `renderRecursive` (`src/bp/core/misc/templating.ts`): a mustache template
    /// over `state`, rendered again while it still holds tags, at most three times
    /// ([`template::render_nested`]). So a plain answer is a template too (`{{event.preview}}`);
    /// one without tags is said as is. `#!<element>` says that content element of this bot.
    pub fn say(&self, answer: &str, state: &Value) -> Result<Rendered, Error> {
        self.say_in(answer, state, &self.config.default_language)
    }

    /// Whether the bot says `answer` exactly as written, whatever the turn's state: not a
    /// content element (`#!`) and no template tag ([`template::renders_as_written`]), so
    /// [`Bot::say`] would give it back unchanged.
    pub fn says_as_written(answer: &str) -> bool {
        !answer.starts_with("#!") && template::renders_as_written(answer)
    }

    /// [`Bot::say`] in `language`: a content element's `text$<language>`, else its default
    /// language's text ([`ContentElement::text_in`]).
    pub fn say_in(&self, answer: &str, state: &Value, language: &str) -> Result<Rendered, Error> {
        let Some(element_id) = answer.strip_prefix("#!") else {
            return Ok(template::render_nested(answer, state)?);
        };
        let element_id = element_id.split_whitespace().next().unwrap_or_default();
        let failure = |reason: &str| Error::Element {
            bot: self.id.clone(),
            element: element_id.to_string(),
            reason: reason.to_string(),
        };
        let element = self
            .element(element_id)
            .ok_or_else(|| failure("does not exist"))?;
        let text = if language == self.config.default_language {
            element.text.as_deref()
        } else {
            element.text_in(language)
        };
        let text = text.ok_or_else(|| failure("has no text"))?;
        template::render_nested(text, state).map_err(|e| {
            Error::from(template::TemplateError {
                element: Some(element_id.to_string()),
                ..e
            })
        })
    }

    /// The QnA entry with this id.
    pub fn entry(&self, id: &str) -> Option<&QnaEntry> {
        self.qna.iter().find(|e| e.id == id)
    }

    /// Reads a bot folder; every file that cannot be read becomes a problem, the rest loads.
    ///
    /// interbot's temporary files left by saves that were killed half-way are removed first,
    /// when no other interbot process holds the bot's save lock.
    /// `read_flow` false skips the flow (a re-read of the QnA alone). With `snapshots`, QnA
    /// files unchanged since the folder's snapshot was stored are taken from it, and the
    /// snapshot is brought up to date.
    pub fn load(
        dir: &Path,
        id: &str,
        read_flow: bool,
        snapshots: Option<&QnaSnapshots>,
        problems: &mut Vec<LoadProblem>,
    ) -> Bot {
        let reading = BotReading::start(dir, id, read_flow, snapshots);
        let files = BotReading::read_files(std::slice::from_ref(&reading))
            .pop()
            .unwrap_or(ReadFiles::Read(Vec::new()));
        let (bot, found) = reading.finish(files);
        problems.extend(found);
        bot
    }
}

/// A bot folder read up to its QnA files: its configuration and which QnA files it has.
/// Loading takes three steps, so that a workspace runs the first and the last for several
/// bots at once, on every core, and the middle one ([`BotReading::read_files`]) for the
/// files of every bot as one pool of chunks on every core (the snapshots of the few bots
/// being read in memory at a time).
#[derive(Debug)]
pub(super) struct BotReading {
    dir: PathBuf,
    id: String,
    read_flow: bool,
    config: BotConfig,
    files: Vec<PathBuf>,
    snapshots: Option<QnaSnapshots>,
    /// The problems found so far, in the order found.
    problems: Vec<LoadProblem>,
}

impl BotReading {
    /// The first step: the configuration read, the QnA files listed, stale temporary files
    /// removed.
    pub(super) fn start(
        dir: &Path,
        id: &str,
        read_flow: bool,
        snapshots: Option<&QnaSnapshots>,
    ) -> BotReading {
        let mut problems = Vec::new();
        let config = load_config(dir, id, &mut problems);
        let (files, temporary) = qna_files(&dir.join("qna"), &mut problems);
        remove_stale_temp_files(dir, &temporary);
        BotReading {
            dir: dir.to_path_buf(),
            id: id.to_string(),
            read_flow,
            config,
            files,
            snapshots: snapshots.cloned(),
            problems,
        }
    }

    /// The second step for every one of `readings`: their QnA files read (or taken from
    /// their snapshots, which are then brought up to date) on every core
    /// ([`reading::read_all`]); per reading, its files in order (and the snapshot the
    /// entries it served stay encoded in).
    pub(super) fn read_files(readings: &[BotReading]) -> Vec<ReadFiles> {
        let qna_dirs: Vec<PathBuf> = readings.iter().map(|r| r.dir.join("qna")).collect();
        let folders: Vec<QnaFolder<'_>> = readings
            .iter()
            .zip(&qna_dirs)
            .map(|(reading, dir)| QnaFolder {
                dir,
                files: &reading.files,
                language: &reading.config.default_language,
                snapshots: reading.snapshots.as_ref(),
            })
            .collect();
        reading::read_all(&folders)
    }

    /// The last step: the entries checked (duplicate ids, answer templates, untrained
    /// entries), the content elements and the flow read. Returns the bot and every problem
    /// found loading it, in the order found.
    pub(super) fn finish(self, loaded: ReadFiles) -> (Bot, Vec<LoadProblem>) {
        let BotReading {
            dir,
            id,
            read_flow,
            config,
            files,
            snapshots: _,
            mut problems,
        } = self;
        let (qna, to_check) = match loaded {
            ReadFiles::Read(loaded) => {
                let (entries, to_check) = checked_entries(files, loaded, None, &mut problems);
                (QnaEntries::from(entries), to_check)
            }
            ReadFiles::Kept(loaded, source) => {
                let (items, to_check) =
                    checked_entries(files, loaded, Some(&source), &mut problems);
                (QnaEntries::loaded(items, Some(source)), to_check)
            }
        };
        let language = &config.default_language;
        problems.extend(untrained_entry_problems(&config, &qna, &to_check));
        let elements_file = dir.join("content-elements").join("builtin_text.json");
        let elements = if is_present(&elements_file) {
            match content::load(&elements_file, language) {
                Ok((elements, warnings)) => {
                    problems.extend(warnings);
                    problems.extend(content::template_problems(&elements_file, &elements));
                    elements
                }
                Err(problem) => {
                    problems.push(problem);
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let flow_file = dir.join("flows").join("main.flow.json");
        let flow = if read_flow && is_present(&flow_file) {
            load_flow(&flow_file, &mut problems)
        } else {
            None
        };
        if let Some(flow) = &flow {
            problems.extend(flow_reference_problems(&dir, &flow_file, flow, &elements));
        }
        let bot = Bot {
            id,
            dir,
            config,
            qna,
            elements,
            flow,
        };
        (bot, problems)
    }
}

/// Whether anything is at `path` (a dangling link counts, so that reading it reports it).
fn is_present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Removes stale temporary files of interbot's saves in the bot folder and `in_qna` (those
/// its `qna/` listing found), but only when no save is under way (the bot's lock is free):
/// one listed before the lock was taken belonged to a save that has ended, and is gone or
/// stale.
fn remove_stale_temp_files(dir: &Path, in_qna: &[PathBuf]) {
    if let Ok(Some(_lock)) = BotLock::try_acquire(dir) {
        save::remove_stale_temp_files(dir);
        save::remove_temp_files(in_qna);
    }
}

fn load_config(dir: &Path, id: &str, problems: &mut Vec<LoadProblem>) -> BotConfig {
    let fallback = BotConfig::fallback(id);
    let path = dir.join("bot.config.json");
    if !is_present(&path) {
        problems.push(LoadProblem::warning(
            &path,
            "missing; using the folder name as the bot's name",
        ));
        return fallback;
    }
    let file = match json::read(&path) {
        Ok(file) => file,
        Err(problem) => {
            problems.push(problem);
            return fallback;
        }
    };
    problems.extend(file.warnings);
    let shape: ConfigShape = match json::parse(&path, &file.text) {
        Ok(shape) => shape,
        Err(problem) => {
            problems.push(problem);
            return fallback;
        }
    };
    if let Some(config_id) = shape.id.as_deref().filter(|c| *c != id) {
        problems.push(LoadProblem::warning(
            &path,
            format!(
                "`id` is \"{config_id}\" but the folder is \"{id}\"; interbot uses the folder name"
            ),
        ));
    }
    BotConfig {
        name: shape
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| id.to_string()),
        description: shape.description,
        default_language: shape.default_language.unwrap_or_else(|| "en".to_string()),
        // Read apart from the typed fields: a non-boolean `oneflow` must not lose the rest.
        oneflow: file
            .value
            .get("oneflow")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        raw: file.value,
    }
}

/// The entries of the QnA `files` as `loaded`, each file's problems in turn: a file whose
/// id an earlier file has is skipped, and answers that do not parse as templates are named
/// (found when the file was loaded, [`LoadedFile::template_problems`]). With them, the
/// places of the entries whose languages need a check
/// ([`LoadedFile::needs_language_check`]).
fn checked_entries<T: LoadedEntry>(
    files: Vec<PathBuf>,
    loaded: Vec<LoadedFile<T>>,
    source: Option<&Source>,
    problems: &mut Vec<LoadProblem>,
) -> (Vec<T>, Vec<usize>) {
    // Which files' ids are new: a set of the ids seen so far, so checking each entry for a
    // duplicate costs O(1) and loading stays linear in the number of entries. A folder whose
    // snapshot served every file, and told when it was written that their ids differ, has
    // none to look for (looking read every entry's record again: 0.85 ms a bot of 10,000).
    let served_whole = source.and_then(|source| source.distinct_records) == Some(loaded.len())
        && loaded.iter().all(LoadedFile::came_from_snapshot);
    let first: Vec<bool> = if served_whole {
        vec![true; loaded.len()]
    } else {
        let mut seen = HashSet::with_capacity(loaded.len());
        loaded
            .iter()
            .map(|file| match &file.result {
                Ok((item, _)) => seen.insert(item.id(source)),
                Err(_) => false,
            })
            .collect()
    };
    // Collected into `loaded`'s own allocation (std collects a `Vec`'s `into_iter` through
    // `zip` and `filter_map` in place): into a new one, the moves touched 33 MB of fresh
    // memory in a cached start of 100,000 entries.
    let mut to_check = Vec::new();
    let mut kept = 0;
    let items = loaded
        .into_iter()
        .zip(files.into_iter().zip(first))
        .filter_map(|(loaded, (path, first))| match loaded.result {
            Ok((item, warnings)) => {
                problems.extend(warnings);
                if first {
                    problems.extend(loaded.template_problems);
                    if loaded.needs_language_check {
                        to_check.push(kept);
                    }
                    kept += 1;
                    Some(item.placed(path))
                } else {
                    let id = item.id(source);
                    problems.push(LoadProblem::error(
                        &path,
                        format!("duplicate QnA id \"{id}\"; this file was skipped"),
                    ));
                    None
                }
            }
            Err(problem) => {
                problems.push(problem);
                None
            }
        })
        .collect();
    (items, to_check)
}

/// An entry as loading holds it: whole, or an [`Item`] (boxed, or left encoded).
trait LoadedEntry {
    /// Its id (read in place from `source` when it is encoded there).
    fn id<'a>(&'a self, source: Option<&'a Source>) -> &'a str;
    /// The entry with `path`, the listing's own path of its file, as its file when it has
    /// none of its own (one left encoded: copying the path per entry was a heap allocation
    /// for each of 100,000 files).
    fn placed(self, path: PathBuf) -> Self;
}

impl LoadedEntry for QnaEntry {
    fn id<'a>(&'a self, _source: Option<&'a Source>) -> &'a str {
        &self.id
    }

    fn placed(self, _path: PathBuf) -> Self {
        self
    }
}

impl LoadedEntry for Item {
    fn id<'a>(&'a self, source: Option<&'a Source>) -> &'a str {
        Item::id(self, source)
    }

    fn placed(self, path: PathBuf) -> Self {
        match self {
            Item::Encoded(mut encoded) => {
                encoded.file = path;
                Item::Encoded(encoded)
            }
            read => read,
        }
    }
}

/// A warning for each enabled entry whose questions are all in languages the bot does not
/// speak: Botpress trains a bot's NLU per language of its `languages` from that language's
/// questions only (the QnA module's `__qna__` intents carry `utterances` by language), so
/// such an entry is never trained, and interbot does not answer it either.
///
/// Only the entries at `to_check` are looked at: the others are disabled or have questions
/// in their own language, the bot's default (every entry of a bot is read in it), so they
/// are trained. Nearly every entry is such, which loading told as it took each.
fn untrained_entry_problems(
    config: &BotConfig,
    qna: &QnaEntries,
    to_check: &[usize],
) -> Vec<LoadProblem> {
    let speaks: Vec<&str> = config.languages().collect();
    to_check
        .iter()
        .filter_map(|&pos| {
            let entry = qna.entry(pos)?;
            let mut written = entry.question_languages().peekable();
            written.peek()?;
            if written.any(|language| speaks.contains(&language)) {
                return None;
            }
            let written: Vec<&str> = entry.question_languages().collect();
            Some(LoadProblem::warning(
                &entry.file,
                format!(
                    "QnA entry {} has questions only in {}, none of the bot's languages ({}); Botpress would not train it, so it is never answered",
                    entry.id,
                    written.join(", "),
                    speaks.join(", ")
                ),
            ))
        })
        .collect()
}

fn load_flow(path: &Path, problems: &mut Vec<LoadProblem>) -> Option<Flow> {
    let file = match json::read(path) {
        Ok(file) => file,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    problems.extend(file.warnings);
    match Flow::parse(&file.text) {
        Ok(flow) => {
            problems.extend(
                flow.warnings
                    .iter()
                    .map(|warning| LoadProblem::warning(path, warning.clone())),
            );
            Some(flow)
        }
        Err(FlowError::Json {
            line,
            column,
            message,
        }) => {
            problems.push(LoadProblem::error(path, message).at(line, column));
            None
        }
        Err(error) => {
            problems.push(LoadProblem::error(path, error.to_string()));
            None
        }
    }
}

/// A problem for each thing `flow` (read from `path`) refers to that is not there: a `say
/// #!<element>` of a `builtin_text` element the bot does not have is an error (Botpress's
/// `cms.renderElement` fails on it at that point of every turn); one of another content type
/// is a warning (interbot says only `builtin_text` elements), unless its type's file does not
/// hold it either, an error again. A flow named by a transition or a `skill-call` node that is
/// not in `flows/` is a warning (Botpress's `DialogEngine._findFlow` fails on it, and interbot
/// ends the turn there anyway).
fn flow_reference_problems(
    dir: &Path,
    path: &Path,
    flow: &Flow,
    elements: &[ContentElement],
) -> Vec<LoadProblem> {
    let mut problems = Vec::new();
    for node in &flow.nodes {
        let named = |message: String| format!("node {:?}: {message}", node.name);
        for instruction in &node.on_enter {
            let Instruction::Say { element_id } = instruction else {
                continue;
            };
            if elements.iter().any(|e| &e.id == element_id) {
                continue;
            }
            let kind = element_id
                .rsplit_once('-')
                .map_or("builtin_text", |(kind, _)| kind);
            let found = kind != "builtin_text" && other_element_exists(dir, kind, element_id);
            problems.push(if found {
                LoadProblem::warning(
                    path,
                    named(format!(
                        "says `#!{element_id}`, a `{kind}` element, which interbot does not say (only builtin_text); a turn skips it"
                    )),
                )
            } else {
                LoadProblem::error(
                    path,
                    named(format!(
                        "says `#!{element_id}`, a content element this bot does not have"
                    )),
                )
            });
        }
        let skill_flow = node.skill.as_ref().map(|call| call.flow.as_str());
        let flows = node
            .next
            .iter()
            .filter_map(|t| match &t.target {
                Target::Flow(name) => Some(name.as_str()),
                _ => None,
            })
            .chain(skill_flow);
        for name in flows {
            if !flow_exists(dir, name) {
                problems.push(LoadProblem::warning(
                    path,
                    named(format!("names flow `{name}`, which is not in flows/")),
                ));
            }
        }
    }
    problems
}

/// Whether `flows/<name>` is there; a name that would leave `flows/` is not.
fn flow_exists(dir: &Path, name: &str) -> bool {
    let relative = Path::new(name);
    let inside = relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    inside && !name.is_empty() && is_present(&dir.join("flows").join(relative))
}

/// Whether `content-elements/<kind>.json` holds an element `id` (a bounded read; a type name
/// that is no plain file name is not looked up).
fn other_element_exists(dir: &Path, kind: &str, id: &str) -> bool {
    if !super::save::is_safe_id(kind) {
        return false;
    }
    let file = dir.join("content-elements").join(format!("{kind}.json"));
    json::read(&file).is_ok_and(|file| {
        file.value
            .as_array()
            .is_some_and(|items| items.iter().any(|item| item["id"] == id))
    })
}

/// The `*.json` files directly in `dir` by name, hidden ones left out, and interbot's own
/// temporary files there (one listing gives both: listing 10,000 files again for the
/// temporary files was a tenth of a cached start); a missing folder is no files. Whatever
/// they are (folders, pipes, links) the `*.json` ones are listed, so that reading each one
/// reports why it cannot be read instead of skipping it silently.
fn qna_files(dir: &Path, problems: &mut Vec<LoadProblem>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut names = Names::default();
    let mut temporary = Vec::new();
    let listed = folder::each_name(dir, |name| {
        let bytes = name.as_encoded_bytes();
        if bytes.starts_with(b".") {
            if std::str::from_utf8(bytes).is_ok_and(save::is_interbot_temp) {
                temporary.push(path_in(dir, name));
            }
        } else if bytes.ends_with(b".json") && bytes.len() > ".json".len() {
            names.push(bytes);
        }
    });
    match listed {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(e) => {
            problems.push(LoadProblem::error(dir, format!("cannot list folder: {e}")));
            return (Vec::new(), Vec::new());
        }
    }
    (names.sorted_paths(dir), temporary)
}

/// The path of `name` in `dir`, made with room for both at once: `DirEntry::path` joins them
/// growing a copy of the folder's path, which was a third of listing a QnA folder.
fn path_in(dir: &Path, name: &OsStr) -> PathBuf {
    let mut path = PathBuf::with_capacity(dir.as_os_str().len() + 1 + name.len());
    path.push(dir);
    path.push(name);
    path
}

/// A folder's names as listed, one after another in one buffer (each name's bytes as
/// [`OsStr::as_encoded_bytes`] gives them).
#[derive(Debug, Default)]
struct Names {
    joined: Vec<u8>,
    ends: Vec<usize>,
}

impl Names {
    fn push(&mut self, name: &[u8]) {
        self.joined.extend_from_slice(name);
        self.ends.push(self.joined.len());
    }

    fn get(&self, i: usize) -> &[u8] {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1],
        };
        &self.joined[start..self.ends[i]]
    }

    /// The names' paths in `dir`, by name. The paths are made in that order, one after
    /// another: made as listed and then sorted, reading a path as loading took the files in
    /// order reached memory all over the heap (a tenth of the files' step of a cached start
    /// of 100,000 entries, perf). To sort, the eight bytes of each name past the start all
    /// names share are read once into a number (big-endian, zeros past a name's end, so
    /// numbers order as the bytes do), the numbers and the names' places are sorted
    /// together, and only a tie compares two whole names.
    fn sorted_paths(&self, dir: &Path) -> Vec<PathBuf> {
        let count = self.ends.len();
        if count == 0 {
            return Vec::new();
        }
        let first = self.get(0);
        let shared = (1..count).fold(first.len(), |shared, i| {
            first[..shared]
                .iter()
                .zip(self.get(i))
                .take_while(|(a, b)| a == b)
                .count()
        });
        let key = |name: &[u8]| {
            let mut bytes = [0u8; 8];
            for (slot, byte) in bytes.iter_mut().zip(name.get(shared..).unwrap_or_default()) {
                *slot = *byte;
            }
            u64::from_be_bytes(bytes)
        };
        let mut order: Vec<(u64, usize)> = (0..count).map(|i| (key(self.get(i)), i)).collect();
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| self.get(a.1).cmp(self.get(b.1))));
        order
            .iter()
            .map(|&(_, i)| path_in(dir, os_str(self.get(i))))
            .collect()
    }
}

/// The name whose bytes [`OsStr::as_encoded_bytes`] gave.
#[cfg(unix)]
fn os_str(bytes: &[u8]) -> &OsStr {
    std::os::unix::ffi::OsStrExt::from_bytes(bytes)
}

/// The name whose bytes [`OsStr::as_encoded_bytes`] gave.
#[cfg(not(unix))]
fn os_str(bytes: &[u8]) -> &OsStr {
    // SAFETY: `bytes` are one whole name as `as_encoded_bytes` gave it, kept unchanged and
    // cut where it ended ([`Names`]), which is what `from_encoded_bytes_unchecked` asks.
    unsafe { OsStr::from_encoded_bytes_unchecked(bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_as_their_bytes_do() {
        let folder = Path::new("/some/bots/sub1/qna");
        let sorted = |names: &[String]| {
            let mut listed = Names::default();
            for name in names {
                listed.push(name.as_bytes());
            }
            listed.sorted_paths(folder)
        };
        let mut names: Vec<String> = vec![
            "bot00_000010.json".into(),
            "bot00_000001.json".into(),
            "bot00_00000.json".into(),
            "bot00_000001.jsonx".into(),
            "a.json".into(),
            "b".into(),
            "bot00_0000011.json".into(),
            "éclair.json".into(),
            "Zebra.json".into(),
            "bot00_000001.json.json".into(),
        ];
        // Many that share a long start and differ far past eight bytes.
        names.extend((0..300).map(|i| format!("same_prefix_for_all_{:05}.json", (i * 7919) % 300)));
        let mut expected: Vec<PathBuf> = names.iter().map(|name| folder.join(name)).collect();
        expected.sort_by(|a, b| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        assert_eq!(sorted(&names), expected);
        // Names that all share their whole start but one's end.
        let names = ["ab.json", "ab.jso", "ab.json"].map(String::from);
        let files = sorted(&names);
        let names: Vec<_> = files.iter().filter_map(|p| p.file_name()).collect();
        assert_eq!(names, ["ab.jso", "ab.json", "ab.json"]);
        assert!(sorted(&[]).is_empty());
    }
}
