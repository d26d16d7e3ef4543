//! Saving as Botpress saves (issue 14, point 1): nothing a Botpress file holds is changed
//! unless the user changed it, files keep Botpress's own layout, and a Botpress 12 bot's
//! NLU intents (`intents/__qna__<id>.json`, which Botpress 12 trains QnA from) follow every
//! add, edit, disable and removal, as the QnA module's `storage.ts` keeps them.

mod common;

use common::TempWorkspace;
use interbot::Workspace;
use interbot::workspace::intents::intent_path;
use serde_json::{Value, json};

/// A Botpress 12 bot `b` (config with `languages`) with one entry `e1`, written as Botpress
/// writes it.
fn botpress_12_bot() -> TempWorkspace {
    let ws = TempWorkspace::new();
    ws.write(
        "bots/b/bot.config.json",
        r#"{"id": "b", "name": "B", "defaultLanguage": "en", "languages": ["en", "fr"]}"#,
    );
    ws.write(
        "bots/b/qna/e1.json",
        stringify(
            &json!({"id": "e1", "data": {"action": "text", "contexts": ["global"],
            "enabled": true, "answers": {"en": ["hello"], "fr": ["bonjour"]},
            "questions": {"en": ["hi"], "fr": ["salut"]}, "redirectFlow": "", "redirectNode": ""}}),
        ),
    );
    ws
}

/// `JSON.stringify(value, undefined, 2)`.
fn stringify(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("json")
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("the file")).expect("json")
}

#[test]
fn a_botpress_11_entry_with_an_empty_category_keeps_it() {
    let ws = TempWorkspace::new();
    ws.bot("b", "B");
    let file = ws.write(
        "bots/b/qna/e1.json",
        r#"{"id":"e1","data":{"questions":["hi"],"answers":["hello"],"category":"","enabled":true,"action":"text","redirectFlow":"","redirectNode":""}}"#,
    );
    let workspace = Workspace::load(ws.path()).expect("loads");
    let saved = workspace
        .update_entry::<interbot::Error>("b", "e1", |e| {
            e.questions.push("hey".into());
            Ok(())
        })
        .expect("saved");
    assert!(saved.written);
    assert_eq!(read_json(&file)["data"]["category"], "");
    assert_eq!(
        saved.entry.contexts,
        ["global"],
        "read as global, as Botpress does"
    );
}

#[test]
fn a_file_botpress_wrote_is_written_back_in_its_layout_without_a_final_newline() {
    let ws = botpress_12_bot();
    let file = ws.path().join("bots/b/qna/e1.json");
    let workspace = Workspace::load(ws.path()).expect("loads");
    workspace
        .update_entry::<interbot::Error>("b", "e1", |e| {
            e.answers = vec!["hello there".into()];
            Ok(())
        })
        .expect("saved");
    let text = std::fs::read_to_string(&file).expect("the file");
    assert!(!text.ends_with('\n'), "Botpress writes no final newline");
    assert_eq!(text, stringify(&read_json(&file)));
}

#[test]
fn a_compact_file_stays_compact_and_a_final_newline_stays() {
    let ws = TempWorkspace::new();
    ws.bot("b", "B");
    let compact = ws.write(
        "bots/b/qna/e1.json",
        r#"{"id":"e1","data":{"questions":["hi"],"answers":["hello"],"category":"global","enabled":true}}"#,
    );
    let newline = ws.write(
        "bots/b/qna/e2.json",
        "{\n    \"id\": \"e2\",\n    \"data\": {\n        \"questions\": [\n            \"yo\"\n        ],\n        \"answers\": [\n            \"hey\"\n        ]\n    }\n}\n",
    );
    let workspace = Workspace::load(ws.path()).expect("loads");
    for id in ["e1", "e2"] {
        workspace
            .update_entry::<interbot::Error>("b", id, |e| {
                e.enabled = false;
                Ok(())
            })
            .expect("saved");
    }
    let text = std::fs::read_to_string(&compact).expect("e1");
    assert!(!text.contains('\n'), "{text}");
    assert!(text.contains(r#""enabled":false"#));
    let text = std::fs::read_to_string(&newline).expect("e2");
    assert!(
        text.ends_with("}\n") && text.contains("\n        \"enabled\": false"),
        "{text}"
    );
}

#[test]
fn a_new_entry_is_written_as_botpress_writes_it_with_its_intent() {
    let ws = botpress_12_bot();
    let workspace = Workspace::load(ws.path()).expect("loads");
    let entry = workspace
        .new_entry(
            "b",
            vec!["  Where is   the office?".into()],
            vec!["Here".into()],
        )
        .expect("an entry");
    let (prefix, slug) = entry.id.split_once('_').expect("prefix_slug");
    assert_eq!(
        slug, "where_is___the_office",
        "makeID: one _ per character, none leading or trailing"
    );
    assert!(
        prefix
            .bytes()
            .all(|b| b"1234567890abcdefghijklmnopqrsuvwxyz".contains(&b))
    );
    let saved = workspace
        .add_entry::<interbot::Error>("b", &entry, |_| Ok(()))
        .expect("added");
    let text = std::fs::read_to_string(&saved.path).expect("the file");
    assert_eq!(text, stringify(&read_json(&saved.path)));
    let intent_file = intent_path(&ws.path().join("bots/b"), &entry.id);
    let intent_text = std::fs::read_to_string(&intent_file).expect("the intent");
    assert!(!intent_text.ends_with('\n'));
    assert_eq!(
        read_json(&intent_file),
        json!({"name": format!("__qna__{}", entry.id), "contexts": ["global"],
            "utterances": {"en": ["Where is the office?"]}, "slots": [],
            "filename": format!("__qna__{}.json", entry.id)})
    );
}

#[test]
fn editing_a_botpress_12_entry_updates_its_intent_with_every_language() {
    let ws = botpress_12_bot();
    let workspace = Workspace::load(ws.path()).expect("loads");
    workspace
        .update_entry::<interbot::Error>("b", "e1", |e| {
            e.questions.push("good\nmorning".into());
            Ok(())
        })
        .expect("saved");
    let intent = read_json(&intent_path(&ws.path().join("bots/b"), "e1"));
    assert_eq!(
        intent["utterances"],
        json!({"en": ["hi", "good morning"], "fr": ["salut"]})
    );
}

#[test]
fn disabling_a_botpress_12_entry_removes_its_intent_and_enabling_brings_it_back() {
    let ws = botpress_12_bot();
    let workspace = Workspace::load(ws.path()).expect("loads");
    let intent = intent_path(&ws.path().join("bots/b"), "e1");
    let set = |on: bool| {
        workspace
            .update_entry::<interbot::Error>("b", "e1", |e| {
                e.enabled = on;
                Ok(())
            })
            .expect("saved");
    };
    set(true);
    assert!(!intent.exists(), "nothing changed, nothing written");
    set(false);
    assert!(!intent.exists());
    set(true);
    assert!(intent.exists());
    set(false);
    assert!(!intent.exists(), "deleteMatchingIntent");
}

#[test]
fn removing_an_entry_removes_its_intent() {
    let ws = botpress_12_bot();
    let intent = ws.write(
        "bots/b/intents/__qna__e1.json",
        r#"{"name":"__qna__e1","contexts":["global"],"utterances":{"en":["hi"]},"slots":[]}"#,
    );
    let other = ws.write("bots/b/intents/greeting.json", r#"{"name":"greeting"}"#);
    let workspace = Workspace::load(ws.path()).expect("loads");
    workspace.remove_entry("b", "e1").expect("removed");
    assert!(!intent.exists());
    assert!(other.exists(), "the bot's own intents are left alone");
}

#[test]
fn a_botpress_11_entry_leaves_the_intents_alone_unless_botpress_12_made_one() {
    let ws = TempWorkspace::new();
    ws.bot("b", "B")
        .qna("b", "e1", &["hi"], "hello")
        .qna("b", "e2", &["yo"], "hey");
    let stale = ws.write(
        "bots/b/intents/__qna__e2.json",
        stringify(&json!({"name": "__qna__e2", "contexts": ["global"],
            "utterances": {"en": ["yo"]}, "slots": [], "filename": "__qna__e2.json"})),
    );
    let workspace = Workspace::load(ws.path()).expect("loads");
    for id in ["e1", "e2"] {
        workspace
            .update_entry::<interbot::Error>("b", id, |e| {
                e.questions.push("and more".into());
                Ok(())
            })
            .expect("saved");
    }
    assert!(!intent_path(&ws.path().join("bots/b"), "e1").exists());
    assert_eq!(
        read_json(&stale)["utterances"],
        json!({"en": ["yo", "and more"]})
    );
}

#[test]
fn a_one_line_file_written_by_hand_keeps_its_spacing_where_nothing_changed() {
    let ws = TempWorkspace::new();
    ws.bot("b", "B");
    let file = ws.write(
        "bots/b/qna/e1.json",
        r#"{"id": "e1", "data": {"questions": ["hi", "hey"], "answers": ["hello"], "category": "global", "enabled": true}}"#,
    );
    let workspace = Workspace::load(ws.path()).expect("loads");
    workspace
        .update_entry::<interbot::Error>("b", "e1", |e| {
            e.enabled = false;
            Ok(())
        })
        .expect("saved");
    assert_eq!(
        std::fs::read_to_string(&file).expect("e1"),
        r#"{"id": "e1", "data": {"questions": ["hi", "hey"], "answers": ["hello"], "category": "global", "enabled": false, "action": "text"}}"#,
        "only the change, and the `action` Botpress needs (`qnaEntry.action.includes('text')`)"
    );
}

#[test]
fn one_line_arrays_in_a_pretty_file_are_not_reflowed() {
    let ws = TempWorkspace::new();
    ws.bot("b", "B");
    let text = "{\n  \"id\": \"e1\",\n  \"data\": {\n    \"action\": \"text\",\n    \"questions\": [\"hi\", \"hey\"],\n    \"answers\": [\"hello\"],\n    \"category\": \"global\",\n    \"enabled\": true\n  }\n}";
    let file = ws.write("bots/b/qna/e1.json", text);
    let workspace = Workspace::load(ws.path()).expect("loads");
    workspace
        .update_entry::<interbot::Error>("b", "e1", |e| {
            e.answers = vec!["hello there".into()];
            Ok(())
        })
        .expect("saved");
    assert_eq!(
        std::fs::read_to_string(&file).expect("e1"),
        text.replace("[\"hello\"]", "[\"hello there\"]")
    );
}

#[test]
fn a_field_a_save_adds_goes_after_the_others_without_reflowing_them() {
    let ws = TempWorkspace::new();
    ws.bot("b", "B");
    let text = "{\n  \"id\": \"e1\",\n  \"data\": {\n    \"questions\": [\"hi\", \"hey\"],\n    \"answers\": [\"hello\"],\n    \"category\": \"global\",\n    \"enabled\": true\n  }\n}\n";
    let file = ws.write("bots/b/qna/e1.json", text);
    let workspace = Workspace::load(ws.path()).expect("loads");
    workspace
        .update_entry::<interbot::Error>("b", "e1", |e| {
            e.enabled = false;
            Ok(())
        })
        .expect("saved");
    assert_eq!(
        std::fs::read_to_string(&file).expect("e1"),
        text.replace(
            "\"enabled\": true\n",
            "\"enabled\": false,\n    \"action\": \"text\"\n"
        )
    );
}
