//! `interbot qna`: entries added, edited and removed from the command line are saved in the
//! bot's own Botpress form, keep what interbot does not know, and are answered at once.

mod common;

use assert_cmd::Command;
use common::TempWorkspace;
use predicates::prelude::*;
use serde_json::{Value, json};

fn interbot(ws: &TempWorkspace) -> Command {
    let mut command = Command::cargo_bin("interbot").expect("the interbot binary");
    command.arg("-w").arg(ws.path());
    command
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the file")).expect("JSON")
}

#[test]
fn an_added_entry_is_saved_in_the_bots_form_and_answered() {
    let ws = TempWorkspace::hr_and_it();
    let output = interbot(&ws)
        .args([
            "qna",
            "add",
            "--bot",
            "hr",
            "-q",
            "Where is the parental leave form",
            "-a",
            "People > Forms > Parental leave.",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let id = String::from_utf8(output).expect("utf-8").trim().to_string();
    assert!(
        id.ends_with("_where_is_the_parental_leave_form") && id.len() == 10 + 1 + 32,
        "{id}"
    );
    let file = read_json(&ws.path().join(format!("bots/hr/qna/{id}.json")));
    assert_eq!(
        file["data"]["questions"],
        json!(["Where is the parental leave form"])
    );
    assert_eq!(
        file["data"]["category"], "global",
        "Botpress 11 form, like the bot's entries"
    );
    interbot(&ws)
        .args(["ask", "--json", "parental leave form"])
        .assert()
        .success()
        .stdout(predicate::str::contains("People > Forms > Parental leave."));
}

#[test]
fn a_botpress_12_bot_gets_botpress_12_entries() {
    let ws = TempWorkspace::new();
    ws.write_json(
        "bots/fac/bot.config.json",
        &json!({"id": "fac", "name": "Facilities", "defaultLanguage": "en", "languages": ["en"]}),
    );
    let id = String::from_utf8(
        interbot(&ws)
            .args([
                "qna",
                "add",
                "--bot",
                "fac",
                "-q",
                "Book a room",
                "-a",
                "Use the Rooms app.",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .expect("utf-8");
    let file = read_json(&ws.path().join(format!("bots/fac/qna/{}.json", id.trim())));
    assert_eq!(file["data"]["questions"], json!({"en": ["Book a room"]}));
    assert_eq!(file["data"]["contexts"], json!(["global"]));
}

#[test]
fn editing_keeps_unknown_fields_and_disabling_stops_answers() {
    let ws = TempWorkspace::hr_and_it();
    let path = ws.write_json(
        "bots/it/qna/printer.json",
        &json!({"id": "printer", "data": {"questions": ["The printer is jammed"], "answers": ["Open tray 2."],
            "category": "global", "enabled": true, "action": "text", "redirectFlow": "", "redirectNode": "",
            "reviewedBy": "ops-team"}, "botpressVersion": "11.9"}),
    );
    interbot(&ws)
        .args([
            "qna",
            "edit",
            "--bot",
            "it",
            "printer",
            "--add-question",
            "paper stuck in the printer",
            "--answer",
            "Open tray 2, then tray 3.",
        ])
        .assert()
        .success();
    let file = read_json(&path);
    assert_eq!(
        file["data"]["questions"],
        json!(["The printer is jammed", "paper stuck in the printer"])
    );
    assert_eq!(
        file["data"]["answers"],
        json!(["Open tray 2, then tray 3."])
    );
    assert_eq!(file["data"]["reviewedBy"], "ops-team");
    assert_eq!(file["botpressVersion"], "11.9");
    interbot(&ws)
        .args(["ask", "--bot", "it", "paper stuck in the printer"])
        .assert()
        .stdout(predicate::str::contains("tray 3"));
    interbot(&ws)
        .args(["qna", "edit", "--bot", "it", "printer", "--disable"])
        .assert()
        .success();
    assert_eq!(read_json(&path)["data"]["enabled"], false);
    interbot(&ws)
        .args(["ask", "--bot", "it", "paper stuck in the printer"])
        .assert()
        .stdout(predicate::str::contains("tray 3").not());
}

#[test]
fn removing_deletes_the_file_and_mistakes_are_errors() {
    let ws = TempWorkspace::hr_and_it();
    interbot(&ws)
        .args(["qna", "remove", "--bot", "hr", "pay"])
        .assert()
        .success();
    assert!(!ws.path().join("bots/hr/qna/pay.json").exists());
    interbot(&ws)
        .args(["qna", "remove", "--bot", "hr", "pay"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no QnA entry `pay`"));
    interbot(&ws)
        .args(["qna", "show", "--bot", "nobody", "x"])
        .assert()
        .code(2);
    interbot(&ws)
        .args(["qna", "add", "--bot", "hr", "-q", "  ", "-a", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("non-blank question"));
    interbot(&ws)
        .args([
            "qna",
            "edit",
            "--bot",
            "hr",
            "leave",
            "--remove-question",
            "not there",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no question"));
    interbot(&ws)
        .args(["qna", "list", "--bot", "hr"])
        .assert()
        .success()
        .stdout(predicate::str::contains("leave").and(predicate::str::contains("pay").not()));
}

/// The version `qna list --json` gives an entry.
fn listed_version(ws: &TempWorkspace, bot: &str, entry: &str) -> String {
    let output = interbot(ws)
        .args(["qna", "list", "--json", "--bot", bot])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Value = serde_json::from_slice(&output).expect("JSON rows");
    rows.as_array()
        .expect("a list")
        .iter()
        .find(|row| row["id"] == entry)
        .and_then(|row| row["version"].as_str())
        .expect("the entry's version")
        .to_string()
}

#[test]
fn an_edit_expecting_another_version_changes_nothing_and_exits_3() {
    let ws = TempWorkspace::hr_and_it();
    let path = ws.path().join("bots/hr/qna/pay.json");
    let version = listed_version(&ws, "hr", "pay");
    assert_eq!(
        version,
        interbot::FileVersion::of(&std::fs::read(&path).expect("pay")).to_string()
    );
    interbot(&ws)
        .args(["qna", "show", "--bot", "hr", "pay"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("version: {version}")));
    // Someone else changes the file after the version was read.
    let mut changed = read_json(&path);
    changed["data"]["answers"] = json!(["Ask payroll on the 2nd floor."]);
    std::fs::write(&path, serde_json::to_string(&changed).expect("json")).expect("write");
    let outside = std::fs::read(&path).expect("pay");
    interbot(&ws)
        .args([
            "qna",
            "edit",
            "--bot",
            "hr",
            "pay",
            "--add-question",
            "payslip",
        ])
        .args(["--expect-version", &version])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("changed on disk since it was read")
                .and(predicate::str::contains(&version)),
        );
    assert_eq!(
        std::fs::read(&path).expect("pay"),
        outside,
        "file unchanged"
    );
    interbot(&ws)
        .args([
            "qna",
            "remove",
            "--bot",
            "hr",
            "pay",
            "--expect-version",
            &version,
        ])
        .assert()
        .code(3);
    assert!(path.exists());

    // With the version on disk now, the edit goes through and prints the next version.
    let current = listed_version(&ws, "hr", "pay");
    let output = interbot(&ws)
        .args([
            "qna",
            "edit",
            "--bot",
            "hr",
            "pay",
            "--add-question",
            "payslip",
        ])
        .args(["--expect-version", &current])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let next = String::from_utf8(output).expect("utf-8");
    assert_eq!(next.trim(), listed_version(&ws, "hr", "pay"));
    assert_eq!(
        read_json(&path)["data"]["answers"],
        json!(["Ask payroll on the 2nd floor."]),
        "the outside change is kept"
    );
    interbot(&ws)
        .args(["qna", "edit", "--bot", "hr", "pay", "--disable"])
        .args(["--expect-version", "not-a-version"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("16 hexadecimal digits"));
}

#[test]
fn adding_a_question_another_process_just_added_is_refused() {
    let ws = TempWorkspace::hr_and_it();
    let add = |answer: &str| {
        interbot(&ws)
            .args([
                "qna",
                "add",
                "--bot",
                "it",
                "-q",
                "Where is the printer",
                "-a",
                answer,
            ])
            .assert()
    };
    add("Room 12.").success();
    add("Room 13.")
        .code(2)
        .stderr(predicate::str::contains("already has the question"));
    let files = std::fs::read_dir(ws.path().join("bots/it/qna"))
        .expect("qna folder")
        .count();
    assert_eq!(files, 3, "two entries of the workspace and the one added");
}

#[test]
fn concurrent_adds_of_one_question_keep_exactly_one() {
    let ws = TempWorkspace::hr_and_it();
    let children: Vec<std::process::Child> = (0..6)
        .map(|i| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("interbot"))
                .arg("-w")
                .arg(ws.path())
                .args(["qna", "add", "--bot", "it", "-q", "Where is the printer"])
                .args(["-a", &format!("Room {i}.")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("interbot runs")
        })
        .collect();
    let succeeded = children
        .into_iter()
        .map(|mut child| child.wait().expect("interbot exits"))
        .filter(|status| status.success())
        .count();
    assert_eq!(
        succeeded, 1,
        "the duplicate check runs under the bot's lock"
    );
    let files = std::fs::read_dir(ws.path().join("bots/it/qna"))
        .expect("qna folder")
        .count();
    assert_eq!(files, 3);
}
