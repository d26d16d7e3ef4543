//! The evaluation view (`E`): the bundled labelled set run off the UI task, its figures,
//! sweep chart, confusion grid, confidence histograms and misrouted questions at a threshold
//! marker moved with the keys; `w` writes the marker into the master's flow; `r` runs again
//! and compares. Driven by keys through the app's own update path (`tests/tui_support`),
//! drawn on ratatui's `TestBackend` under `NO_COLOR`, with insta snapshots at 80×24 and
//! 40×12.

mod tui_support;

use std::path::Path;

use crossterm::event::KeyCode;
use interbot::eval::metrics::Figures;
use interbot::tui::eval::{EvalPage, EvalState};
use interbot::tui::keymap::Mode;
use tui_support::{Harness, workspace_copy};

/// An app on `root` with the evaluation view open on the bundled set's run.
async fn evaluated(root: &Path, width: u16, height: u16) -> Harness {
    let mut h = Harness::new(root, width, height);
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('E')).await;
    assert_eq!(h.app.key_mode(), Mode::Eval);
    let view = h.app.eval.as_ref().expect("the view");
    assert_eq!(view.state, EvalState::Shown, "the only set runs at once");
    h
}

fn marker(h: &Harness) -> f64 {
    h.app.eval.as_ref().map_or(f64::NAN, |v| v.threshold)
}

#[tokio::test]
async fn e_runs_the_labelled_set_and_draws_every_page_at_80x24_and_40x12() {
    let (_dir, root) = workspace_copy();
    let mut h = evaluated(&root, 80, 24).await;
    let screen = h.screen();
    assert!(screen.contains("routing.jsonl"), "{screen}");
    assert!(screen.contains("routing accuracy"), "{screen}");
    assert!(screen.contains("threshold 0.25"), "{screen}");
    assert!(screen.contains("out-of-scope recall"), "{screen}");
    insta::assert_snapshot!("eval_overview_80x24", screen);
    h.resize(40, 12);
    insta::assert_snapshot!("eval_overview_40x12", h.screen());
    h.resize(80, 24);
    for (page, name) in [
        (EvalPage::Confusion, "eval_confusion"),
        (EvalPage::Confidences, "eval_confidences"),
        (EvalPage::Misrouted, "eval_misrouted"),
    ] {
        h.press(KeyCode::Tab).await;
        assert_eq!(h.app.eval.as_ref().map(|v| v.page), Some(page));
        insta::assert_snapshot!(format!("{name}_80x24"), h.screen());
        h.resize(40, 12);
        insta::assert_snapshot!(format!("{name}_40x12"), h.screen());
        h.resize(80, 24);
    }
    // Esc goes back to the conversation; E shows the same run again without re-running.
    h.press(KeyCode::Esc).await;
    assert_ne!(h.app.key_mode(), Mode::Eval);
}

#[tokio::test]
async fn the_marker_moves_with_the_keys_and_the_figures_follow_the_sweep() {
    let (_dir, root) = workspace_copy();
    let mut h = evaluated(&root, 80, 24).await;
    assert!((marker(&h) - 0.25).abs() < 1e-9);
    h.press(KeyCode::Right).await;
    assert!((marker(&h) - 0.26).abs() < 1e-9);
    h.press(KeyCode::Char('H')).await;
    assert!((marker(&h) - 0.21).abs() < 1e-9);
    let view = h.app.eval.as_ref().expect("view");
    let run = view.run.as_ref().expect("run");
    let expected = Figures::at(&run.outcomes, 0.21);
    assert_eq!(view.figures(), Some(expected.clone()));
    assert_eq!(
        view.misrouted().len(),
        run.outcomes.iter().filter(|o| !o.right(0.21)).count()
    );
    let shown = format!(
        "{:.1} %",
        100.0 * expected.routing_accuracy.expect("accuracy")
    );
    assert!(h.screen().contains(&shown), "{}", h.screen());
    // a: the recommended threshold.
    h.press(KeyCode::Char('a')).await;
    let recommended = h
        .app
        .eval
        .as_ref()
        .and_then(|v| v.run.as_ref())
        .and_then(|r| r.recommended.threshold)
        .expect("a recommendation");
    assert!((marker(&h) - recommended).abs() < 1e-9);
}

#[tokio::test]
async fn w_writes_the_marker_into_the_masters_flow_after_asking() {
    let (_dir, root) = workspace_copy();
    let flow = root.join("bots/master/flows/main.flow.json");
    let before = std::fs::read_to_string(&flow).expect("flow");
    let mut h = evaluated(&root, 80, 24).await;
    h.keys(&[KeyCode::Left, KeyCode::Left, KeyCode::Char('w')])
        .await;
    assert_eq!(h.app.key_mode(), Mode::Confirm);
    insta::assert_snapshot!("eval_write_confirm_80x24", h.screen());
    h.press(KeyCode::Char('n')).await;
    assert_eq!(std::fs::read_to_string(&flow).expect("flow"), before);
    h.keys(&[KeyCode::Char('w'), KeyCode::Char('y')]).await;
    let after = std::fs::read_to_string(&flow).expect("flow");
    assert!(after.contains(r#"\"minConfidence\":\"0.23\""#), "{after}");
    assert!(
        h.screen().contains("minConfidence 0.23 written"),
        "{}",
        h.screen()
    );
    // The master was read again: a new question delegates with the new threshold.
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('i')).await;
    h.ask("I have a question about my pay check").await;
    let turn = match &h.app.tabs[0].exchanges.last().expect("a turn").reply {
        interbot::tui::tab::Reply::Answered(turn) => turn.clone(),
        other => panic!("{other:?}"),
    };
    assert!((turn.min_confidence - 0.23).abs() < 1e-9);
}

#[tokio::test]
async fn enter_on_a_misrouted_question_asks_it_in_the_masters_conversation() {
    let (_dir, root) = workspace_copy();
    let mut h = evaluated(&root, 80, 24).await;
    // Somewhere with misrouted questions.
    h.keys(&[KeyCode::Char('L'), KeyCode::Char('L'), KeyCode::Char('L')])
        .await;
    let question = h
        .app
        .eval
        .as_ref()
        .and_then(|v| v.misrouted().first().map(|o| o.question.text.clone()))
        .expect("a misrouted question at a high threshold");
    h.press(KeyCode::Char('j')).await;
    h.press(KeyCode::Char('k')).await;
    h.press(KeyCode::Enter).await;
    assert!(!h.app.eval_shown);
    assert_eq!(h.app.active, 0);
    let master = &h.app.tabs[0];
    assert_eq!(
        master.exchanges.last().map(|e| e.question.as_str()),
        Some(question.as_str())
    );
    assert!(h.app.trace_focused(), "its trace has the focus");
}

#[tokio::test]
async fn r_after_a_qna_edit_runs_again_and_counts_the_fixed_questions() {
    let (_dir, root) = workspace_copy();
    let mut h = evaluated(&root, 80, 24).await;
    let (misrouted, entry) = h
        .app
        .eval
        .as_ref()
        .and_then(|v| {
            v.misrouted()
                .iter()
                .find(|o| o.question.bot.as_deref() == Some("sub2") && o.question.qna.is_some())
                .map(|o| {
                    (
                        o.question.text.clone(),
                        o.question.qna.clone().unwrap_or_default(),
                    )
                })
        })
        .expect("a misrouted sub2 question labelled with its entry");
    // The question becomes a variant of its entry (as the QnA view would save it).
    let file = root.join(format!("bots/sub2/qna/{entry}.json"));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("entry")).expect("json");
    let questions = &mut json["data"]["questions"];
    let list = match questions {
        serde_json::Value::Array(list) => list,
        other => other["en"].as_array_mut().expect("questions"),
    };
    list.push(serde_json::Value::String(misrouted.clone()));
    std::fs::write(&file, serde_json::to_string_pretty(&json).expect("json")).expect("edit");
    let effects = h.reindex("sub2", true);
    h.run(effects).await;
    h.press(KeyCode::Char('r')).await;
    let view = h.app.eval.as_ref().expect("view");
    let comparison = view.comparison.as_ref().expect("a comparison");
    assert!(
        comparison.fixed.iter().any(|c| c.text == misrouted),
        "{comparison:?}"
    );
    assert!(h.screen().contains("since the last run:"), "{}", h.screen());
}

#[tokio::test]
async fn l_records_a_turn_as_a_test_case_that_the_evaluation_replays() {
    let (_dir, root) = workspace_copy();
    let mut h = Harness::new(&root, 80, 24);
    h.ask("paper stuck in the copier").await;
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('L')).await;
    assert_eq!(h.app.key_mode(), Mode::Record);
    let screen = h.screen();
    assert!(screen.contains("right as routed (no bot)"), "{screen}");
    insta::assert_snapshot!("record_prompt_80x24", screen);
    h.resize(40, 12);
    insta::assert_snapshot!("record_prompt_40x12", h.screen());
    h.resize(80, 24);
    // The right bot is sub2 (picked from the list, with its entry of this turn).
    let sub2 = h
        .app
        .record
        .as_ref()
        .and_then(|p| p.candidates.iter().position(|c| c.bot == "sub2"))
        .expect("sub2 in the turn");
    for _ in 0..sub2 {
        h.press(KeyCode::Char('j')).await;
    }
    h.press(KeyCode::Char('b')).await;
    let chats = root.join("tests/chats.jsonl");
    let text = std::fs::read_to_string(&chats).expect("tests/chats.jsonl created");
    assert_eq!(
        text,
        "{\"text\":\"paper stuck in the copier\",\"bot\":\"sub2\"}\n"
    );
    assert!(h.screen().contains("Recorded as line 1"), "{}", h.screen());
    // Again: no duplicate. As "no bot": refused, the file keeps its label.
    h.keys(&[KeyCode::Char('L'), KeyCode::Char('j')]).await;
    for _ in 1..sub2 {
        h.press(KeyCode::Char('j')).await;
    }
    h.press(KeyCode::Char('b')).await;
    assert!(h.screen().contains("not added"), "{}", h.screen());
    h.keys(&[KeyCode::Char('L'), KeyCode::Char('n')]).await;
    assert!(h.screen().contains("Not recorded"), "{}", h.screen());
    assert_eq!(std::fs::read_to_string(&chats).expect("file"), text);

    // The evaluation view now has two sets to pick from, and replays the new case.
    h.press(KeyCode::Char('E')).await;
    let view = h.app.eval.as_ref().expect("view");
    assert_eq!(view.state, EvalState::Picking);
    assert_eq!(view.files, ["chats.jsonl", "routing.jsonl"]);
    h.press(KeyCode::Enter).await;
    let run = h
        .app
        .eval
        .as_ref()
        .and_then(|v| v.run.as_ref())
        .expect("a run");
    assert_eq!(run.file, "chats.jsonl");
    assert_eq!(run.outcomes.len(), 1);
}
