//! `interbot qna export` / `import` (issue 14, point 8): Botpress 12's own export format
//! (`{qnas, contentElements}`, or the plain array older exports are) and CSV, lossless both
//! ways for what each format holds; a bad row is reported as `FILE:LINE: reason` and then
//! nothing at all is imported.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{TempWorkspace, copy_dir, demo_workspace};
use predicates::prelude::*;
use serde_json::{Value, json};

fn interbot(root: &Path) -> Command {
    let mut command = Command::cargo_bin("interbot").expect("the interbot binary");
    command.arg("-w").arg(root);
    command
}

/// Every file under `dir`, relative path → bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("a folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string();
                files.push((name, std::fs::read(&path).expect("a file")));
            }
        }
    }
    files.sort();
    files
}

fn botpress_12_bot() -> TempWorkspace {
    let ws = TempWorkspace::new();
    ws.write(
        "bots/b/bot.config.json",
        r#"{"id": "b", "name": "B", "defaultLanguage": "en", "languages": ["en"]}"#,
    );
    ws.write(
        "bots/b/qna/e1.json",
        serde_json::to_string_pretty(&json!({"id": "e1", "data": {"action": "text",
            "contexts": ["global"], "enabled": true, "answers": {"en": ["#!builtin_text-a1"]},
            "questions": {"en": ["hi"]}, "redirectFlow": "", "redirectNode": ""}}))
        .expect("json"),
    );
    ws.write(
        "bots/b/content-elements/builtin_text.json",
        r#"[{"id": "builtin_text-a1", "formData": {"text$en": "Hello!", "typing$en": true}, "createdBy": "admin"}]"#,
    );
    ws
}

#[test]
fn a_botpress_12_export_imported_back_changes_no_byte() {
    for format in ["json", "csv"] {
        let dir = tempfile::tempdir().expect("tmp");
        copy_dir(&demo_workspace(), dir.path());
        let before = snapshot(dir.path());
        let export = dir.path().join(format!("sub1.{format}"));
        interbot(dir.path())
            .args([
                "qna", "export", "--bot", "sub1", "--format", format, "--out",
            ])
            .arg(&export)
            .assert()
            .success();
        interbot(dir.path())
            .args(["qna", "import", "--bot", "sub1"])
            .arg(&export)
            .assert()
            .success()
            .stderr(predicate::str::contains("0 added"));
        std::fs::remove_file(&export).expect("remove the export");
        assert!(before == snapshot(dir.path()), "{format}: files changed");
    }
}

#[test]
fn the_export_is_botpress_12_qnas_with_the_content_elements_their_answers_name() {
    let ws = botpress_12_bot();
    let out = interbot(ws.path())
        .args(["qna", "export", "--bot", "b"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let export: Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(export["qnas"][0]["id"], "e1");
    assert_eq!(export["qnas"][0]["data"]["questions"]["en"][0], "hi");
    assert_eq!(export["contentElements"][0]["id"], "builtin_text-a1");
    assert_eq!(export["contentElements"][0]["contentType"], "builtin_text");
}

#[test]
fn a_plain_array_export_merges_by_id_and_new_items_get_botpress_ids_and_intents() {
    let ws = botpress_12_bot();
    let file = ws.write(
        "import.json",
        r#"[
  {"id": "e1", "data": {"questions": {"en": ["hello"]}, "answers": {"en": ["hey"]}, "contexts": ["global"], "enabled": true}},
  {"data": {"questions": {"en": ["Where is it?"]}, "answers": {"en": ["There"]}, "contexts": ["global"], "enabled": true}}
]"#,
    );
    interbot(ws.path())
        .args(["qna", "import", "--bot", "b"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("1 added, 1 updated"));
    let qna = ws.path().join("bots/b/qna");
    let e1: Value =
        serde_json::from_slice(&std::fs::read(qna.join("e1.json")).expect("e1")).expect("json");
    assert_eq!(e1["data"]["questions"]["en"], json!(["hello"]));
    let new: Vec<String> = std::fs::read_dir(&qna)
        .expect("qna")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "e1.json")
        .collect();
    assert_eq!(new.len(), 1);
    let id = new[0].trim_end_matches(".json");
    assert!(id.ends_with("_where_is_it"), "{id}");
    assert!(
        ws.path()
            .join(format!("bots/b/intents/__qna__{id}.json"))
            .exists()
    );
    let intent: Value = serde_json::from_slice(
        &std::fs::read(ws.path().join("bots/b/intents/__qna__e1.json")).expect("intent"),
    )
    .expect("json");
    assert_eq!(intent["utterances"]["en"], json!(["hello"]));
}

#[test]
fn bad_rows_are_reported_by_line_and_nothing_is_imported() {
    let ws = botpress_12_bot();
    let csv = ws.write(
        "in.csv",
        "id,enabled,contexts,questions,answers\nok1,true,global,hello,hi\n../x,true,global,q,a\nz,maybe,global,q,a\nw,true,global,\"\n\",a\n",
    );
    let before_csv = snapshot(ws.path());
    interbot(ws.path())
        .args(["qna", "import", "--bot", "b"])
        .arg(&csv)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "in.csv:3: `../x` is not a valid id",
        ))
        .stderr(predicate::str::contains("in.csv:4: `enabled` is \"maybe\""))
        .stderr(predicate::str::contains(
            "in.csv:5: the entry has no question",
        ));
    assert!(before_csv == snapshot(ws.path()), "nothing written");
    let json = ws.write(
        "in.json",
        "{\"qnas\": [\n  {\"id\": \"ok\", \"data\": {\"questions\": {\"en\": [\"a\"]}, \"answers\": {\"en\": [\"b\"]}}},\n  {\"id\": \"no\", \"data\": {\"questions\": {\"en\": [\"a\"]}}}\n]}",
    );
    interbot(ws.path())
        .args(["qna", "import", "--bot", "b"])
        .arg(&json)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "in.json:3: the entry has no answer",
        ));
    assert!(!ws.path().join("bots/b/qna/ok.json").exists());
}

#[test]
fn replace_removes_the_entries_the_file_does_not_have_with_their_intents() {
    let ws = botpress_12_bot();
    ws.write(
        "bots/b/intents/__qna__e1.json",
        r#"{"name":"__qna__e1","contexts":["global"],"utterances":{"en":["hi"]},"slots":[]}"#,
    );
    let csv = ws.write(
        "in.csv",
        "id,enabled,contexts,questions,answers\nn1,true,global,\"one\ntwo\",\"uno\ndos\"\n",
    );
    interbot(ws.path())
        .args(["qna", "import", "--bot", "b", "--replace"])
        .arg(&csv)
        .assert()
        .success()
        .stderr(predicate::str::contains("1 added, 0 updated, 1 removed"));
    assert!(!ws.path().join("bots/b/qna/e1.json").exists());
    assert!(!ws.path().join("bots/b/intents/__qna__e1.json").exists());
    let n1: Value =
        serde_json::from_slice(&std::fs::read(ws.path().join("bots/b/qna/n1.json")).expect("n1"))
            .expect("json");
    assert_eq!(n1["data"]["questions"]["en"], json!(["one", "two"]));
    assert_eq!(n1["data"]["answers"]["en"], json!(["uno", "dos"]));
}

#[test]
fn imported_content_elements_are_merged_by_id_into_their_content_type_file() {
    let ws = botpress_12_bot();
    let file = ws.write(
        "in.json",
        r#"{"qnas": [], "contentElements": [
  {"id": "builtin_text-a1", "contentType": "builtin_text", "formData": {"text$en": "Hi again"}},
  {"id": "builtin_image-x", "contentType": "builtin_image", "formData": {"image$en": "a.png"}}
]}"#,
    );
    interbot(ws.path())
        .args(["qna", "import", "--bot", "b"])
        .arg(&file)
        .assert()
        .success();
    let texts: Value = serde_json::from_slice(
        &std::fs::read(ws.path().join("bots/b/content-elements/builtin_text.json")).expect("f"),
    )
    .expect("json");
    assert_eq!(texts.as_array().map(Vec::len), Some(1));
    assert_eq!(texts[0]["formData"]["text$en"], "Hi again");
    assert!(texts[0].get("contentType").is_none(), "the file had none");
    assert!(
        ws.path()
            .join("bots/b/content-elements/builtin_image.json")
            .exists()
    );
}
