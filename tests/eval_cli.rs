//! `interbot eval`, `check --overlaps` and `--min-confidence` as a user runs them: honest
//! errors for bad labels, JSON and nothing else on stdout, sanitized text, saved runs
//! compared, a planted overlap found, thresholds that never disagree silently.

mod common;

use assert_cmd::Command;
use common::{TempWorkspace, demo_workspace};
use predicates::prelude::*;
use serde_json::Value;

fn interbot() -> Command {
    Command::cargo_bin("interbot").expect("the interbot binary")
}

fn eval_in(ws: &TempWorkspace, labels: &str) -> Command {
    let file = ws.write("labels.jsonl", labels);
    let mut command = interbot();
    command.arg("-w").arg(ws.path()).arg("eval").arg(file);
    command
}

const LABELS: &str = r#"{"text": "How do I reset my password", "bot": "it", "qna": "password"}
{"text": "When is payday", "bot": "hr", "qna": "pay"}
{"text": "the vpn does not connect", "bot": "it"}
{"text": "what is the capital of peru", "bot": null}
"#;

#[test]
fn a_label_naming_an_unknown_bot_is_an_error_naming_the_line() {
    let ws = TempWorkspace::hr_and_it();
    eval_in(
        &ws,
        "{\"text\": \"When is payday\", \"bot\": \"hr\"}\n{\"text\": \"x\", \"bot\": \"payroll\"}\n",
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("line 2: no sub-bot `payroll`"));
}

#[test]
fn a_label_naming_an_unknown_entry_is_an_error_or_set_apart_when_lenient() {
    let ws = TempWorkspace::hr_and_it();
    let labels = format!("{LABELS}{{\"text\": \"x\", \"bot\": \"hr\", \"qna\": \"nope\"}}\n");
    eval_in(&ws, &labels)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 5: bot `hr` has no QnA entry `nope`",
        ));
    eval_in(&ws, &labels)
        .arg("--lenient")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 line left out (--lenient)"))
        .stdout(predicate::str::contains(
            "line 5: bot `hr` has no QnA entry `nope`",
        ))
        .stdout(predicate::str::contains("4 questions from"));
}

#[test]
fn a_hostile_label_in_an_error_reaches_stderr_sanitized() {
    let ws = TempWorkspace::hr_and_it();
    let output = eval_in(
        &ws,
        "{\"text\": \"x\", \"bot\": \"\\u001b]0;pwned\\u0007\\u009b\\u202e\"}\n",
    )
    .assert()
    .code(2)
    .get_output()
    .stderr
    .clone();
    let stderr = String::from_utf8(output).expect("UTF-8");
    assert!(
        stderr.contains("line 1: no sub-bot `^[]0;pwned^G<U+009B><U+202E>`"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{9b}'));
}

#[test]
#[cfg(unix)]
fn a_labelled_set_that_is_not_a_regular_file_is_refused() {
    let ws = TempWorkspace::hr_and_it();
    interbot()
        .arg("-w")
        .arg(ws.path())
        .args(["eval", "/dev/zero"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/dev/zero is not a regular file"));
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let ws = TempWorkspace::hr_and_it();
    let labels = "{\"text\": \"When is payday\", \"bot\": \"hr\"}\n".repeat(400);
    eval_in(&ws, &labels)
        .assert()
        .success()
        .stderr(predicate::str::is_empty())
        .stdout(predicate::str::contains("400 questions from"));
}

#[test]
fn an_empty_set_and_a_missing_bot_field_are_errors() {
    let ws = TempWorkspace::hr_and_it();
    eval_in(&ws, "\n\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no usable question"));
    eval_in(&ws, "{\"text\": \"When is payday\"}\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1").and(predicate::str::contains("no `bot`")));
}

#[test]
fn json_has_the_documented_fields_and_nothing_else_on_stdout() {
    let ws = TempWorkspace::hr_and_it();
    let output = eval_in(&ws, LABELS)
        .args(["--json", "--errors"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&output).expect("stdout is one JSON value");
    for key in [
        "total",
        "routing_accuracy",
        "entry_accuracy",
        "oos_recall",
        "per_bot",
        "confusion",
        "sweep",
        "recommended",
        "threshold",
        "errors",
    ] {
        assert!(report.get(key).is_some(), "no `{key}` in {report}");
    }
    assert_eq!(report["total"], 4);
    assert_eq!(report["sweep"].as_array().map(Vec::len), Some(101));
    assert_eq!(
        report["confusion"]["labels"],
        serde_json::json!(["hr", "it", "none"])
    );
    // The two exact variants reach their entries; the unrelated question reaches nobody.
    assert_eq!(report["entry_accuracy"], 1.0);
    assert_eq!(report["oos_recall"], 1.0);
}

#[test]
fn undefined_figures_show_a_dash_and_columns_say_what_they_count() {
    let ws = TempWorkspace::hr_and_it();
    let output = eval_in(&ws, "{\"text\": \"When is payday\", \"bot\": \"hr\"}\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("UTF-8");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no `{name}` line in\n{text}"))
            .to_string()
    };
    assert!(line("entry accuracy").contains('—'), "{text}");
    assert!(line("out-of-scope recall").contains('—'), "{text}");
    assert!(line("routing accuracy").contains("1 of 1 questions for a bot routed to it"));
    assert!(text.contains("questions for it  routed to it"), "{text}");
}

#[test]
fn errors_list_answered_out_of_scope_and_below_threshold_questions() {
    let ws = TempWorkspace::hr_and_it();
    // At 0.05 the unrelated question that shares "password" is answered; at 0.99 the
    // paraphrase falls below the threshold.
    let labels = "{\"text\": \"my password and the weather\", \"bot\": null}\n{\"text\": \"payday when\", \"bot\": \"hr\"}\n";
    eval_in(&ws, labels)
        .args(["--errors", "--min-confidence", "0.05"])
        .assert()
        .success()
        .stdout(predicate::str::contains("out of scope, answered"));
    eval_in(&ws, labels)
        .args(["--errors", "--min-confidence", "0.99"])
        .assert()
        .success()
        .stdout(predicate::str::contains("below threshold"))
        .stdout(predicate::str::contains(
            "from --min-confidence (the workspace's is 0.50",
        ));
}

#[test]
fn label_text_is_sanitized_in_text_and_escaped_in_json() {
    let ws = TempWorkspace::hr_and_it();
    let labels = "{\"text\": \"payday \\u001b[2J \\u009b31m \\u202e\", \"bot\": null}\n";
    let output = eval_in(&ws, labels)
        .args(["--errors", "--min-confidence", "0"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("UTF-8");
    assert!(text.contains("^[[2J <U+009B>31m <U+202E>"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{202e}'));
    let output = eval_in(&ws, labels)
        .args(["--errors", "--json", "--min-confidence", "0"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = String::from_utf8(output).expect("UTF-8");
    assert!(!json.contains('\u{9b}') && !json.contains('\u{202e}'));
    assert!(json.contains("\\u009b") && json.contains("\\u202e"));
    let value: Value = serde_json::from_str(&json).expect("still valid JSON");
    assert_eq!(
        value["errors"][0]["question"]["text"],
        "payday \u{1b}[2J \u{9b}31m \u{202e}"
    );
}

#[test]
fn a_saved_run_compared_after_a_qna_edit_shows_what_it_fixed() {
    let ws = TempWorkspace::hr_and_it();
    let labels = "{\"text\": \"when do I get my salary\", \"bot\": \"hr\", \"qna\": \"pay\"}\n{\"text\": \"How do I reset my password\", \"bot\": \"it\"}\n";
    let saved = ws.path().join("run.json");
    eval_in(&ws, labels)
        .arg("--save")
        .arg(&saved)
        .assert()
        .success()
        .stdout(predicate::str::contains("routing accuracy         50.0 %"));
    ws.qna(
        "hr",
        "pay",
        &[
            "I have a question about my pay check",
            "When is payday",
            "When do I get my salary",
        ],
        "Payroll can help.",
    );
    let output = eval_in(&ws, labels)
        .arg("--compare")
        .arg(&saved)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&output).expect("JSON");
    let comparison = &report["comparison"];
    assert_eq!(comparison["fixed"][0]["text"], "when do I get my salary");
    assert_eq!(comparison["broken"], serde_json::json!([]));
    let routing = comparison["figures"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "routing_accuracy"))
        .expect("routing accuracy compared");
    assert_eq!(routing["before"], 0.5);
    assert_eq!(routing["after"], 1.0);
    eval_in(&ws, labels)
        .arg("--compare")
        .arg(&saved)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 fixed, 0 broken, 0 moved"))
        .stdout(predicate::str::contains("+50.0 points"));
}

#[test]
fn the_bundled_labelled_set_is_valid_and_large_enough() {
    let set = demo_workspace().join("tests/routing.jsonl");
    let output = interbot()
        .arg("-w")
        .arg(demo_workspace())
        .arg("eval")
        .arg(&set)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&output).expect("JSON");
    assert!(report["total"].as_u64() >= Some(100));
    assert!(report["out_of_scope"].as_u64() >= Some(25));
    // Paraphrases, not copies: no labelled question is a variant of the bundled QnA.
    let workspace = interbot::Workspace::load(demo_workspace()).expect("the demo loads");
    let variants: std::collections::HashSet<String> = workspace
        .bots
        .iter()
        .flat_map(|b| b.qna.iter().flat_map(|e| e.questions.iter()))
        .map(|q| q.trim().to_lowercase())
        .collect();
    let text = std::fs::read_to_string(set).expect("the set");
    for line in text.lines() {
        let question: Value = serde_json::from_str(line).expect("JSON line");
        let question = question["text"].as_str().expect("text").to_lowercase();
        assert!(!variants.contains(question.trim()), "{question} is copied");
    }
}

#[test]
fn check_overlaps_finds_a_planted_conflict_and_duplicates() {
    let ws = TempWorkspace::hr_and_it();
    // Planted: an HR entry about the benefits portal password that IT's password entry
    // would take, and a question written twice in HR.
    ws.qna(
        "hr",
        "portal",
        &[
            "How do I reset my password for the benefits portal",
            "When is payday",
        ],
        "Use the portal's own reset link.",
    );
    let output = interbot()
        .arg("-w")
        .arg(ws.path())
        .args(["check", "--overlaps", "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&output).expect("JSON");
    let overlaps = report["overlaps"].as_array().expect("overlaps");
    let planted = overlaps
        .iter()
        .find(|o| {
            o["bot_a"] == "hr"
                && o["entry_a"] == "portal"
                && o["bot_b"] == "it"
                && o["entry_b"] == "password"
        })
        .unwrap_or_else(|| panic!("the planted pair is not found in {overlaps:?}"));
    assert!(
        planted["shared_words"].as_array().is_some_and(
            |w| w.contains(&Value::from("password")) && w.contains(&Value::from("reset"))
        )
    );
    let duplicates = report["duplicates"].as_array().expect("duplicates");
    assert!(
        duplicates.iter().any(|d| d["bot"] == "hr"
            && d["question"] == "When is payday"
            && d["entries"] == serde_json::json!(["pay", "portal"])),
        "{duplicates:?}"
    );
    interbot()
        .arg("-w")
        .arg(ws.path())
        .args(["check", "--overlaps"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("hr portal"))
        .stdout(predicate::str::contains("it password"))
        .stdout(predicate::str::contains("shared words: password, reset"))
        .stdout(predicate::str::contains("Questions repeated within a bot"));
}

#[test]
fn check_warns_when_interbot_json_and_the_flow_disagree() {
    let ws = TempWorkspace::hr_and_it();
    ws.write("interbot.json", r#"{"minConfidence": 0.3}"#);
    ws.elements(&[
        ("builtin_text-found", "found"),
        ("builtin_text-none", "none"),
    ]);
    ws.flow(
        r#"{"startNode": "entry", "nodes": [
            {"id": "entry", "name": "entry",
             "onEnter": ["delegate_to_bots {\"bots\":\"hr,it\",\"minConfidence\":\"0.7\"}"],
             "next": [{"condition": "temp.delegation.length", "node": "found"},
                      {"condition": "true", "node": "none"}]},
            {"id": "found", "name": "found", "onEnter": ["say #!builtin_text-found"], "next": []},
            {"id": "none", "name": "none", "onEnter": ["say #!builtin_text-none"], "next": []}
        ]}"#,
    );
    for (strict, code) in [(false, 0), (true, 1)] {
        let extra: &[&str] = if strict { &["--strict"] } else { &[] };
        interbot()
            .arg("-w")
            .arg(ws.path())
            .arg("check")
            .args(extra)
            .assert()
            .code(code)
            .stdout(predicate::str::contains(
                "warning: minConfidence 0.3 differs from the master flow's delegate_to_bots minConfidence 0.7",
            ));
    }
    // The flow's value wins for the master; --min-confidence overrides both.
    let ask = |extra: &[&str]| {
        let output = interbot()
            .arg("-w")
            .arg(ws.path())
            .args(extra)
            .args(["ask", "--json", "When is payday"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<Value>(&output).expect("JSON")
    };
    assert_eq!(ask(&[])["minConfidence"], 0.7);
    assert_eq!(ask(&["--min-confidence", "0.2"])["minConfidence"], 0.2);
    interbot()
        .arg("-w")
        .arg(ws.path())
        .args(["--min-confidence", "1.5", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a number between 0 and 1"));
}

#[test]
fn eval_asks_the_bots_the_master_flow_names() {
    let ws = TempWorkspace::hr_and_it();
    ws.elements(&[("builtin_text-found", "found")]);
    ws.flow(
        r#"{"startNode": "entry", "nodes": [
            {"id": "entry", "name": "entry",
             "onEnter": ["delegate_to_bots {\"bots\":\"hr\",\"minConfidence\":\"0.5\"}"],
             "next": [{"condition": "true", "node": "found"}]},
            {"id": "found", "name": "found", "onEnter": ["say #!builtin_text-found"], "next": []}
        ]}"#,
    );
    let labels = "{\"text\": \"How do I reset my password\", \"bot\": \"it\"}\n";
    let output = eval_in(&ws, labels)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&output).expect("JSON");
    assert_eq!(report["asked"], serde_json::json!(["hr"]));
    // The master never asks `it`, so its question cannot reach it.
    assert_eq!(report["routing_accuracy"], 0.0);
    eval_in(&ws, labels)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Asked the bots the master's delegate_to_bots names: hr",
        ));
}

#[test]
fn a_master_without_a_flow_uses_interbot_json_threshold() {
    let ws = TempWorkspace::hr_and_it();
    ws.write("interbot.json", r#"{"minConfidence": 0.25}"#);
    let output = interbot()
        .arg("-w")
        .arg(ws.path())
        .args(["ask", "--json", "When is payday"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let turn: Value = serde_json::from_slice(&output).expect("JSON");
    assert_eq!(turn["minConfidence"], 0.25);
    // No flow, so nothing to disagree with: check stays clean.
    interbot()
        .arg("-w")
        .arg(ws.path())
        .arg("check")
        .assert()
        .success();
}
