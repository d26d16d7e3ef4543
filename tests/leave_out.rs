//! The leave-one-out out-of-scope check (`interbot eval --leave-one-out`): setting a bot's
//! answers aside is the same as removing the bot from the workspace, and the report is what
//! a user reads (text and JSON).

mod common;

use assert_cmd::Command;
use common::{best_guess, demo_workspace, workspace_copy};
use interbot::Engine;
use interbot::eval::{self, LabelledSet, leave_out};
use serde_json::Value;

fn labelled(engine: &Engine) -> LabelledSet {
    let text = std::fs::read_to_string(demo_workspace().join("tests/routing.jsonl"))
        .expect("the bundled labelled set");
    LabelledSet::parse(&text, engine.workspace(), false).expect("a valid labelled set")
}

#[test]
fn leaving_a_bot_out_by_its_answers_is_the_same_as_removing_it_from_the_workspace() {
    let engine = Engine::load(demo_workspace()).expect("the bundled workspace loads");
    let set = labelled(&engine);
    let outcomes = eval::evaluate(&engine, &set.questions, &|_| {});
    for bot in engine.workspace().sub_bot_ids() {
        let (_dir, copy) = workspace_copy();
        std::fs::remove_dir_all(copy.join("bots").join(&bot)).expect("remove the bot");
        let without_bot = Engine::load(&copy).expect("the copy loads");
        assert!(without_bot.workspace().bot(&bot).is_none());
        // The copy's labels name a bot it no longer has: ask its questions as they are.
        let really = eval::evaluate(&without_bot, &set.questions, &|_| {});
        let set_aside = leave_out::without(&outcomes, &bot);
        for (really, set_aside) in really.iter().zip(&set_aside) {
            assert_eq!(
                best_guess(really),
                best_guess(set_aside),
                "{bot} left out, question {:?}",
                really.question.text
            );
        }
    }
}

#[test]
fn the_report_keeps_in_scope_accuracy_within_two_points_and_counts_every_question() {
    let engine = Engine::load(demo_workspace()).expect("the bundled workspace loads");
    let set = labelled(&engine);
    let outcomes = eval::evaluate(&engine, &set.questions, &|_| {});
    let bots = engine.workspace().asked_bots();
    let report = eval::leave_one_out(&outcomes, &bots, leave_out::TOLERANCE);
    assert_eq!(report.runs.len(), bots.len());
    for run in &report.runs {
        assert_eq!(run.in_scope + run.out_of_scope, set.questions.len());
        assert!(run.accuracy >= run.accuracy_without_threshold - 0.02 - 1e-9);
        assert!((0.0..=1.0).contains(&run.oos_recall));
    }
    let overall = &report.overall;
    assert!(overall.accuracy >= overall.accuracy_without_threshold - 0.02 - 1e-9);
    // A threshold one step higher would break the tolerance (or the sweep ends there).
    assert!(overall.threshold <= 1.0);
}

#[test]
fn eval_leave_one_out_prints_a_row_per_bot_and_json_on_request() {
    let file = demo_workspace().join("tests/routing.jsonl");
    let run = |json: bool| {
        let mut command = Command::cargo_bin("interbot").expect("the interbot binary");
        command
            .arg("-w")
            .arg(demo_workspace())
            .arg("eval")
            .arg(&file)
            .arg("--leave-one-out");
        if json {
            command.arg("--json");
        }
        let output = command.output().expect("interbot runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let text = run(false);
    assert!(text.contains("pooled: threshold"), "{text}");
    for bot in ["sub1", "sub2", "sub3"] {
        assert!(
            text.lines().any(|line| line.starts_with(bot)),
            "no row for {bot}:\n{text}"
        );
    }
    let json: Value = serde_json::from_str(&run(true)).expect("one JSON object");
    let report = &json["leave_one_out"];
    assert_eq!(report["runs"].as_array().map(Vec::len), Some(3));
    assert!(report["overall"]["oos_recall"].as_f64().is_some());
    assert_eq!(json["questions"], 126);
}

#[test]
fn leave_one_out_cannot_be_combined_with_a_saved_run() {
    let file = demo_workspace().join("tests/routing.jsonl");
    Command::cargo_bin("interbot")
        .expect("the interbot binary")
        .arg("-w")
        .arg(demo_workspace())
        .arg("eval")
        .arg(&file)
        .args(["--leave-one-out", "--save", "/nonexistent/run.json"])
        .assert()
        .code(2);
}
