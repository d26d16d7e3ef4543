//! `interbot ask --explain`: every trace row's raw score broken down term by term, from the
//! scoring model itself, so the parts add up to the score the trace reports.

mod common;

use assert_cmd::Command;
use common::{demo_questions, demo_workspace};
use serde_json::Value;

fn interbot() -> Command {
    Command::cargo_bin("interbot").expect("the interbot binary")
}

fn number(value: &Value) -> f64 {
    value.as_f64().expect("a number")
}

#[test]
fn explanations_add_up_to_every_trace_rows_score() {
    let questions = demo_questions();
    let mut explained = 0;
    for bot in ["master", "sub1", "sub2", "sub3"] {
        let output = interbot()
            .arg("-w")
            .arg(demo_workspace())
            .args(["ask", "--json", "--explain", "--bot", bot, "-"])
            .write_stdin(questions.clone())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        for line in String::from_utf8(output).expect("UTF-8").lines() {
            let turn: Value = serde_json::from_str(line).expect("one JSON object per line");
            for row in turn["trace"].as_array().expect("trace") {
                let Some(explain) = row.get("explain") else {
                    assert!(
                        row["entryId"].is_null(),
                        "a matched row is explained: {row}"
                    );
                    continue;
                };
                assert_eq!(explain["entryId"], row["entryId"]);
                let terms = explain["terms"].as_array().expect("terms");
                assert!(!terms.is_empty());
                let sum: f64 = terms.iter().map(|t| number(&t["contribution"])).sum();
                let adjustment = explain["classifier"].get("adjustment").map_or(0.0, number);
                // A bot weighed by meaning multiplies the sum by max(0, cosine).
                let factor = explain
                    .get("meaning")
                    .filter(|m| !m.is_null())
                    .map_or(1.0, |m| number(m).clamp(0.0, 1.0));
                let row_meaning = row
                    .get("meaning")
                    .map_or(1.0, |m| number(m).clamp(0.0, 1.0));
                assert!((factor - row_meaning).abs() < 1e-5, "{row}");
                let score = number(&row["score"]);
                assert!(
                    ((sum - adjustment) * factor - score).abs() <= 1e-3,
                    "{bot}, {}: terms add up to {sum}, trace says {score}",
                    turn["question"]
                );
                let ideal: f64 = terms.iter().map(|t| number(&t["ideal"])).sum();
                assert!((ideal - number(&explain["ideal"])).abs() <= 1e-3);
                assert!((number(&explain["confidence"]) - number(&row["confidence"])).abs() < 1e-5);
                for term in terms {
                    for field in [
                        "term", "bigram", "count", "weight", "tf", "matched", "pEntry", "pBot",
                    ] {
                        assert!(term.get(field).is_some(), "{field} in {term}");
                    }
                }
                explained += 1;
            }
        }
    }
    assert!(explained > 300, "explained {explained} rows");
}

#[test]
fn ask_explain_in_text_shows_the_best_the_runner_up_and_what_tipped_it() {
    let output = interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--explain", "I have a question about my pay check"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("UTF-8");
    assert!(text.contains("Explain (best) sub1"), "{text}");
    assert!(text.contains("Explain (runner-up) "), "{text}");
    assert!(text.contains("confidence = min(1, "), "{text}");
    assert!(text.contains("Why sub1 over "), "{text}");
    assert!(text.contains("pay "), "{text}");
}

#[test]
fn without_explain_the_json_has_no_explain_field() {
    let output = interbot()
        .arg("-w")
        .arg(demo_workspace())
        .args(["ask", "--json", "wifi"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let turn: Value = serde_json::from_slice(&output).expect("JSON");
    assert!(
        turn["trace"]
            .as_array()
            .expect("trace")
            .iter()
            .all(|row| row.get("explain").is_none())
    );
}
