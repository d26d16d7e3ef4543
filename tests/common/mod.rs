//! Shared helpers for the integration tests: paths to the bundled workspaces and a builder
//! for throwaway workspaces in a temporary folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The bundled demo workspace.
pub fn demo_workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace")
}

/// Copies the folder `from` into `to` (created), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a listing") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}

/// A copy of the bundled demo workspace that a test may change: the temporary folder (keep
/// it alive) and the workspace root inside it.
pub fn workspace_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("workspace");
    copy_dir(&demo_workspace(), &root);
    (dir, root)
}

/// The Botpress `examples/interbot` look-alike fixture.
pub fn botpress_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/botpress-interbot")
}

/// The workspace written in the shape of Botpress 12's own bot templates
/// (`tests/fixtures/template-flows/README.md`).
pub fn template_flows_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/template-flows")
}

/// A file under `tests/data/`.
pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The questions of the demo's labelled set (`tests/data/demo_routing.jsonl`), one per line.
pub fn demo_questions() -> String {
    let text = std::fs::read_to_string(data_file("demo_routing.jsonl")).expect("labelled set");
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|case| case["text"].as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removes every `micros` (timings differ from run to run) from a JSON turn, at any depth.
pub fn strip_timings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("micros");
            map.values_mut().for_each(strip_timings);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_timings),
        _ => {}
    }
}

/// A multi-threaded tokio runtime for calling the async core.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A workspace in a temporary folder, written file by file.
pub struct TempWorkspace {
    dir: tempfile::TempDir,
}

impl TempWorkspace {
    /// An empty workspace (just `bots/`).
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("bots")).expect("bots folder");
        Self { dir }
    }

    /// The workspace root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes raw bytes to `relative` (creating folders).
    pub fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(&path, bytes).expect("write");
        path
    }

    /// Writes a JSON value, pretty-printed.
    pub fn write_json(&self, relative: &str, value: &Value) -> PathBuf {
        self.write(relative, serde_json::to_string_pretty(value).expect("json"))
    }

    /// A bot with a Botpress 11 config.
    pub fn bot(&self, id: &str, name: &str) -> &Self {
        self.write_json(
            &format!("bots/{id}/bot.config.json"),
            &json!({"id": id, "name": name}),
        );
        self
    }

    /// A Botpress 11 QnA entry.
    pub fn qna(&self, bot: &str, id: &str, questions: &[&str], answer: &str) -> &Self {
        self.write_json(
            &format!("bots/{bot}/qna/{id}.json"),
            &json!({"id": id, "data": {"questions": questions, "answers": [answer],
                "category": "global", "enabled": true, "action": "text",
                "redirectFlow": "", "redirectNode": ""}}),
        );
        self
    }

    /// A master flow file (raw JSON text).
    pub fn flow(&self, text: &str) -> &Self {
        self.write("bots/master/flows/main.flow.json", text);
        self
    }

    /// The master's content elements: (id, text) pairs in Botpress 11 form.
    pub fn elements(&self, elements: &[(&str, &str)]) -> &Self {
        let array: Vec<Value> = elements
            .iter()
            .map(|(id, text)| json!({"id": id, "formData": {"text": text, "typing": true}}))
            .collect();
        self.write_json(
            "bots/master/content-elements/builtin_text.json",
            &Value::Array(array),
        );
        self
    }

    /// A small HR/IT workspace with a master and no flow.
    pub fn hr_and_it() -> Self {
        let ws = Self::new();
        ws.bot("master", "Master")
            .bot("hr", "Human Resources")
            .qna(
                "hr",
                "pay",
                &["I have a question about my pay check", "When is payday"],
                "Payroll can help.",
            )
            .qna(
                "hr",
                "leave",
                &["How many vacation days do I have", "Book time off"],
                "See People > Time off.",
            )
            .bot("it", "IT")
            .qna(
                "it",
                "password",
                &["How do I reset my password", "I forgot my password"],
                "Use the reset page.",
            )
            .qna(
                "it",
                "vpn",
                &["The VPN does not connect", "How do I set up the VPN"],
                "Install the VPN client.",
            );
        ws
    }
}

/// An evaluation outcome's best guess as (bot, entry, confidence), to compare outcomes
/// reached two ways.
pub fn best_guess(outcome: &interbot::eval::Outcome) -> Option<(String, String, f64)> {
    outcome
        .top
        .first()
        .map(|guess| (guess.bot.clone(), guess.entry.clone(), guess.confidence))
}
