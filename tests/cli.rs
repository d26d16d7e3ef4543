//! The `interbot` binary: exit codes, the `--json` contract, JSONL over stdin, help.

mod common;

use assert_cmd::Command;
use common::{TempWorkspace, botpress_fixture, demo_workspace};
use predicates::prelude::*;
use serde_json::Value;

fn interbot() -> Command {
    Command::cargo_bin("interbot").expect("the interbot binary")
}

/// Runs `command`, expects success, and parses its stdout as one JSON value.
fn json_of(command: &mut Command) -> Value {
    let output = command.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).expect("valid JSON")
}

#[test]
fn ask_json_follows_the_contract() {
    let turn = json_of(
        interbot()
            .args(["ask", "--json", "I have a question about my pay check"])
            .arg("-w")
            .arg(botpress_fixture()),
    );
    assert_eq!(turn["bot"], "master");
    assert_eq!(turn["question"], "I have a question about my pay check");
    assert_eq!(turn["minConfidence"], 0.5);
    assert!(
        turn["replies"][0]
            .as_str()
            .is_some_and(|r| r.starts_with("The chatbot sub1 can help"))
    );
    let delegation = turn["delegation"].as_array().expect("delegation array");
    assert_eq!(delegation.len(), 1);
    let keys: Vec<&str> = delegation[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["botId", "confidence", "botUrl", "answer"]);
    assert_eq!(delegation[0]["botUrl"], "http://localhost:3000/s/sub1");
    let trace = turn["trace"].as_array().expect("trace array");
    assert_eq!(trace.len(), 2);
    for row in trace {
        for key in [
            "botId",
            "entryId",
            "question",
            "score",
            "confidence",
            "passed",
            "botUrl",
            "answer",
            "micros",
        ] {
            assert!(row.get(key).is_some(), "trace row lacks {key}: {row}");
        }
    }
    assert_eq!(
        trace[0]["entryId"],
        "0ab47mj3e3_i_have_a_question_about_my_pay_check"
    );
    assert_eq!(trace[0]["passed"], true);
    assert_eq!(trace[1]["passed"], false);
}

#[test]
fn ask_prints_the_reply_then_the_trace() {
    interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "how do I reset my password"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "The chatbot sub2 can help you with that question.",
        ))
        .stdout(predicate::str::contains("Trace (minConfidence 0.25)"))
        .stdout(predicate::str::is_match(r"(?m)^sub2 +\d\.\d\d +\d+\.\d\d +yes").expect("regex"));
}

#[test]
fn ask_from_stdin_prints_one_json_object_per_line() {
    let output = interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--json", "-"])
        .write_stdin(
            "how do I reset my password\n\nwhat is the capital of peru\nbook a meeting room\n",
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("utf-8");
    let turns: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one object a line"))
        .collect();
    assert_eq!(turns.len(), 4, "one output line per input line");
    assert_eq!(turns[1]["line"], 2, "a blank line is named, not skipped");
    assert!(turns[1]["error"].is_string());
    assert_eq!(turns[2]["question"], "what is the capital of peru");
    assert_eq!(turns[2]["delegation"], Value::Array(Vec::new()));
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("interbot"))
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("interbot starts");
    let mut stdin = child.stdin.take().expect("stdin");
    // Far more output than a pipe buffers, so the writer meets the closed pipe.
    let writer = std::thread::spawn(move || {
        for _ in 0..3_000 {
            if writeln!(stdin, "how do I reset my password").is_err() {
                break;
            }
        }
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a first line");
    assert!(first.starts_with("{\"bot\":\"master\""), "{first}");
    // Dropping the reader closes the pipe, like `interbot ask --json - | head -1`.
    let output = child.wait_with_output().expect("interbot ends");
    writer.join().expect("writer thread");
    assert!(output.status.success(), "status {:?}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn ask_a_sub_bot_directly() {
    let turn = json_of(interbot().arg("-w").arg(demo_workspace()).args([
        "ask",
        "--bot",
        "sub2",
        "--json",
        "how do I reset my password",
    ]));
    assert_eq!(turn["bot"], "sub2");
    assert_eq!(turn["delegation"], Value::Array(Vec::new()));
    assert!(turn["trace"].as_array().is_some_and(|t| t.len() >= 5));
}

#[test]
fn external_url_flag_overrides_the_config() {
    interbot()
        .arg("-w")
        .arg(botpress_fixture())
        .args([
            "--external-url",
            "https://chat.example.org",
            "ask",
            "I have a question about my pay check",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "[Talk to sub1](https://chat.example.org/s/sub1)",
        ));
}

#[test]
fn check_exits_0_when_clean_and_1_with_problems() {
    interbot()
        .arg("-w")
        .arg(demo_workspace())
        .arg("check")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "4 bots, 96 QnA entries, 0 problems",
        ));
    let ws = TempWorkspace::hr_and_it();
    ws.write(
        "bots/hr/qna/broken.json",
        "{\n  \"id\": \"x\",\n  \"data\": {\"questions\": [\"a\",]}\n}",
    );
    interbot()
        .arg("-w")
        .arg(ws.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "bots/hr/qna/broken.json:3:30: error: trailing comma",
        ))
        .stdout(predicate::str::contains("1 problem"));
}

#[test]
fn a_missing_workspace_is_a_one_line_error_with_exit_2() {
    for command in [&["ask", "hello"][..], &["check"][..]] {
        let output = interbot()
            .args(["-w", "/no/such/workspace"])
            .args(command)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let stderr = String::from_utf8(output).expect("utf-8");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("/no/such/workspace"), "{stderr}");
    }
}

#[test]
fn an_unknown_bot_is_an_error() {
    interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--bot", "nobody", "hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no bot `nobody`"));
}

#[test]
fn every_command_has_help() {
    for command in ["ask", "check", "render", "eval", "qna", "qna add"] {
        interbot()
            .args(command.split_whitespace())
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage: interbot"));
    }
    interbot()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Commands:"));
}

#[test]
fn render_previews_an_element_and_a_template_file() {
    interbot()
        .arg("-w")
        .arg(botpress_fixture())
        .args(["render", "builtin_text-8mwYrq", "--data"])
        .arg(r#"{"temp":{"delegation":[{"botId":"sub2","botUrl":"http://x/s/sub2","answer":"<b>hi</b>"}]}}"#)
        .assert()
        .success()
        .stdout(predicate::str::contains("The chatbot sub2 can help you"))
        .stdout(predicate::str::contains("> <b>hi</b>"));
    let ws = TempWorkspace::new();
    let template = ws.write("t.mustache", "{{x}} & {{{x}}}");
    interbot()
        .args(["render", "--template"])
        .arg(&template)
        .args(["--data", r#"{"x": "<b>"}"#])
        .assert()
        .success()
        .stdout("&lt;b&gt; & <b>");
    interbot()
        .args(["render", "--template"])
        .arg(ws.write("bad.mustache", "Hello {{name"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unclosed"));
}

#[test]
fn render_keeps_tabs_crlf_and_the_last_byte_when_stdout_is_not_a_terminal() {
    let ws = TempWorkspace::new();
    let template = ws.write("t.mustache", "a\t{{x}}\r\n\tb {{{x}}}");
    interbot()
        .args(["render", "--template"])
        .arg(&template)
        .args(["--data", r#"{"x": "1\t2"}"#])
        .assert()
        .success()
        .stdout("a\t1\t2\r\n\tb 1\t2")
        .stderr("");
}

#[test]
fn render_sanitizes_its_output_only_when_stdout_is_a_terminal() {
    // `script` gives the command a pseudo-terminal (util-linux; skipped where absent).
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: `script` is not installed");
        return;
    }
    let ws = TempWorkspace::new();
    let template = ws.write("t.mustache", "a\t{{{x}}}");
    let binary = assert_cmd::cargo::cargo_bin("interbot");
    let command = format!(
        "{} render --template {} --data '{{\"x\": \"\\u001b[2J\"}}'",
        binary.display(),
        template.display()
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script runs");
    let seen = String::from_utf8_lossy(&output.stdout);
    assert!(seen.contains("a    ^[[2J"), "{seen:?}");
    assert!(!seen.contains('\u{1b}'), "{seen:?}");
}

#[test]
fn render_template_works_outside_any_workspace() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("t.mustache"), "Hi {{who}}").expect("written");
    std::fs::write(dir.path().join("data.json"), r#"{"who": "Ann"}"#).expect("written");
    interbot()
        .current_dir(dir.path())
        .args(["render", "--template", "t.mustache", "--data", "@data.json"])
        .assert()
        .success()
        .stdout("Hi Ann");
    interbot()
        .current_dir(dir.path())
        .args([
            "render",
            "--template",
            "t.mustache",
            "--data",
            "@nowhere.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nowhere.json"));
}

#[test]
fn render_list_names_the_workspace_content_elements() {
    interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["render", "--list"])
        .assert()
        .success()
        .stdout("builtin_text-8mwYrq\nbuiltin_text-JqYzWM\n");
    interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["render", "--list", "--bot", "nobody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no bot `nobody`"));
}

#[test]
fn render_without_data_says_which_variables_were_missing() {
    let output = interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["render", "builtin_text-8mwYrq"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("missing: temp.delegation.0.botId"),
        "{stderr}"
    );
    assert!(stderr.contains("temp.delegation.0.answer"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("missing"),
        "stdout stays the rendered text: {stdout}"
    );
    interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["render", "builtin_text-8mwYrq", "--strict"])
        .assert()
        .code(1);
    interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["render", "builtin_text-JqYzWM", "--strict"])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn render_of_an_element_nests_as_botpress_does_and_a_template_only_with_nested() {
    let ws = TempWorkspace::new();
    let template = ws.write("t.mustache", "{{{a}}}");
    let data = r#"{"a": "{{b}}", "b": "B"}"#;
    for (nested, expected) in [(false, "{{b}}"), (true, "B")] {
        let mut command = interbot();
        command
            .args(["render", "--template"])
            .arg(&template)
            .args(["--data", data]);
        if nested {
            command.arg("--nested");
        }
        command.assert().success().stdout(expected);
    }
}
