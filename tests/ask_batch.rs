//! `interbot ask --json -` answers lines concurrently but in input order, and answers a line
//! as soon as it arrives (a script can write a question and wait for its answer).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{demo_workspace, strip_timings};
use serde_json::Value;

/// A batch with `extra` arguments before `-` (`--jobs 1` takes another way through: each
/// line read, asked and printed on one thread).
fn batch(extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_interbot"))
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--json"])
        .args(extra)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("interbot starts")
}

#[test]
fn a_question_is_answered_before_the_next_line_is_written() {
    for extra in [&[][..], &["--jobs", "1"]] {
        answered_before_the_next_line(extra);
    }
}

fn answered_before_the_next_line(extra: &[&str]) {
    let mut child = batch(extra);
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    for question in [
        "How do I reset my password",
        "When is payday",
        "hello there",
    ] {
        writeln!(stdin, "{question}").expect("write a line");
        stdin.flush().expect("flush");
        let mut answer = String::new();
        stdout.read_line(&mut answer).expect("an answer line");
        let turn: Value = serde_json::from_str(&answer).expect("one JSON object");
        assert_eq!(turn["question"], question, "{extra:?}");
    }
    drop(stdin);
    assert!(child.wait().expect("interbot exits").success());
}

#[test]
fn many_lines_come_back_in_their_order_with_bad_lines_in_place() {
    for extra in [&[][..], &["--jobs", "1"]] {
        in_order_with_bad_lines_in_place(extra);
    }
}

fn in_order_with_bad_lines_in_place(extra: &[&str]) {
    let mut child = batch(extra);
    let mut stdin = child.stdin.take().expect("stdin");
    let mut input = Vec::new();
    for n in 0..300 {
        match n % 50 {
            7 => input.extend_from_slice(b"\n"),
            13 => input.extend_from_slice(b"\xff\xfe not UTF-8\n"),
            _ => input.extend_from_slice(format!("question {n} about the vpn\n").as_bytes()),
        }
    }
    let writer = std::thread::spawn(move || {
        stdin.write_all(&input).expect("write the batch");
    });
    let output = child.wait_with_output().expect("interbot exits");
    writer.join().expect("the writer");
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 300, "{extra:?}");
    for (n, line) in lines.iter().enumerate() {
        match n % 50 {
            7 | 13 => assert_eq!(line["line"], n + 1, "{extra:?}: {line}"),
            _ => assert_eq!(line["question"], format!("question {n} about the vpn")),
        }
    }
    // An undecodable line is a failure; a blank one is not.
    assert_eq!(output.status.code(), Some(1), "{extra:?}");
}

/// The batch's answers with every timing removed (`micros` differ from run to run).
fn answers_without_timings(jobs: Option<&str>, input: &str) -> Vec<Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interbot"));
    command
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--json"]);
    if let Some(jobs) = jobs {
        command.args(["--jobs", jobs]);
    }
    let mut child = command
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("interbot starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("interbot exits");
    writer.join().expect("the writer").expect("write the batch");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).expect("one JSON object a line");
            strip_timings(&mut value);
            value
        })
        .collect()
}

#[test]
fn jobs_one_answers_one_line_at_a_time_with_the_same_answers() {
    let questions = [
        "How do I reset my password",
        "When is payday",
        "my vpn keeps disconnecting",
        "what is the capital of peru",
        "where can I park my bike",
    ];
    let input: String = questions
        .iter()
        .cycle()
        .take(40)
        .map(|q| format!("{q}\n"))
        .collect();
    let sequential = answers_without_timings(Some("1"), &input);
    assert_eq!(sequential.len(), 40);
    assert_eq!(sequential, answers_without_timings(None, &input));
    assert_eq!(sequential, answers_without_timings(Some("7"), &input));
    let zero = Command::new(env!("CARGO_BIN_EXE_interbot"))
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--jobs", "0", "-"])
        .output()
        .expect("interbot runs");
    assert_eq!(zero.status.code(), Some(2), "--jobs 0 is a usage error");
}
