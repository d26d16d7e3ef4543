//! Delegation as Botpress 12's `delegate_to_bots` reads it, each test named after the
//! Botpress behaviour it pins down: `Number(minConfidence)`, threshold 0, "no suggestion
//! matched" reported as 1, oneflow (NDU) bots as 0, the converse API's 360-character limit,
//! alternative answers picked at random, and redirect entries.

mod common;

use common::{TempWorkspace, runtime};
use interbot::Engine;
use interbot::session::Turn;
use serde_json::json;

fn ask(ws: &TempWorkspace, bot: &str, question: &str) -> Turn {
    let engine = Engine::load(ws.path()).expect("the workspace loads");
    runtime()
        .block_on(engine.ask(bot, question))
        .expect("the turn runs")
}

fn with_threshold(ws: &TempWorkspace, min_confidence: &str) {
    let action = format!(
        r#"delegate_to_bots {{"bots":"hr,it","minConfidence":{}}}"#,
        json!(min_confidence)
    );
    ws.flow(
        &json!({"startNode": "entry", "nodes": [{"id": "e", "name": "entry",
            "onEnter": [action], "next": []}]})
        .to_string(),
    );
}

fn row<'a>(turn: &'a Turn, bot: &str) -> &'a interbot::delegation::TraceRow {
    turn.trace
        .iter()
        .find(|row| row.bot_id == bot)
        .unwrap_or_else(|| panic!("no row for {bot}: {:?}", turn.trace))
}

#[test]
fn botpress_reads_an_empty_min_confidence_as_0_and_then_every_bot_passes() {
    let ws = TempWorkspace::hr_and_it();
    with_threshold(&ws, "");
    let turn = ask(&ws, "master", "When is payday");
    assert_eq!(turn.min_confidence, 0.0);
    // `it` matched nothing (confidence 0), and 0 >= 0: Botpress keeps it too.
    assert!(row(&turn, "it").passed, "{:?}", turn.trace);
    let kept: Vec<&str> = turn.delegation.iter().map(|m| m.bot_id.as_str()).collect();
    assert_eq!(kept, ["hr", "it"]);
}

#[test]
fn botpress_reads_a_hex_min_confidence_with_number() {
    let ws = TempWorkspace::hr_and_it();
    with_threshold(&ws, "0x1");
    let turn = ask(&ws, "master", "When is payday");
    assert_eq!(turn.min_confidence, 1.0);
}

#[test]
fn botpress_reports_confidence_1_when_no_suggestion_matched_and_the_trace_says_so() {
    let ws = TempWorkspace::hr_and_it();
    let turn = ask(&ws, "master", "When is payday");
    let it = row(&turn, "it");
    assert_eq!((it.confidence, it.passed), (0.0, false));
    let note = it.note.as_deref().unwrap_or_default();
    assert!(note.starts_with("Botpress: 1.0, would pass"), "{note}");
    // The bot that matched has no such note.
    assert_eq!(row(&turn, "hr").note, None);
}

#[test]
fn with_compat_botpress_a_bot_that_matched_nothing_passes_with_confidence_1() {
    let ws = TempWorkspace::hr_and_it();
    ws.write_json("interbot.json", &json!({"compat": "botpress"}));
    let turn = ask(&ws, "master", "When is payday");
    let it = row(&turn, "it");
    assert_eq!((it.confidence, it.passed), (1.0, true));
    // Best first, as Botpress's `_.orderBy(matches, 'confidence', 'desc')`.
    assert_eq!(
        turn.delegation.first().map(|m| m.bot_id.as_str()),
        Some("it")
    );
    assert!(
        it.note
            .as_deref()
            .is_some_and(|n| n.starts_with("Botpress reading"))
    );
}

#[test]
fn a_oneflow_bot_reads_as_0_in_botpress_whatever_it_matches() {
    let ws = TempWorkspace::hr_and_it();
    ws.write_json(
        "bots/hr/bot.config.json",
        &json!({"id": "hr", "name": "HR", "oneflow": true}),
    );
    let turn = ask(&ws, "master", "When is payday");
    let hr = row(&turn, "hr");
    assert!(hr.passed, "interbot reads the match");
    assert!(
        hr.note
            .as_deref()
            .is_some_and(|n| n.starts_with("Botpress: 0.0, would not pass")),
        "{:?}",
        hr.note
    );
    ws.write_json("interbot.json", &json!({"compat": "botpress"}));
    let turn = ask(&ws, "master", "When is payday");
    let hr = row(&turn, "hr");
    assert_eq!((hr.confidence, hr.passed), (0.0, false));
}

#[test]
fn botpress_rejects_a_question_over_360_characters_and_the_trace_says_so() {
    let ws = TempWorkspace::hr_and_it();
    let long = format!("When is payday {}", "please ".repeat(50));
    assert!(long.len() > 360);
    let turn = ask(&ws, "master", &long);
    for row in &turn.trace {
        assert!(
            row.note
                .as_deref()
                .is_some_and(|n| n.contains("Botpress would reject this question")),
            "{row:?}"
        );
    }
    // 360 characters exactly are accepted (Botpress checks `length > 360`).
    let exact = format!("{:x<360}", "When is payday ");
    let turn = ask(&ws, "master", &exact);
    assert!(
        turn.trace
            .iter()
            .all(|row| !row.note.as_deref().unwrap_or("").contains("reject"))
    );
}

fn entry_with_answers(ws: &TempWorkspace, answers: &[&str]) {
    ws.write_json(
        "bots/hr/qna/pay.json",
        &json!({"id": "pay", "data": {"questions": ["When is payday"], "answers": answers,
            "category": "global", "enabled": true, "action": "text",
            "redirectFlow": "", "redirectNode": ""}}),
    );
}

#[test]
fn botpress_picks_an_alternative_answer_at_random_interbot_the_first_unless_seeded() {
    let ws = TempWorkspace::hr_and_it();
    let answers = [
        "On the 25th.",
        "The 25th of each month.",
        "Payday is the 25th.",
    ];
    entry_with_answers(&ws, &answers);
    let turn = ask(&ws, "master", "When is payday");
    let hr = row(&turn, "hr");
    assert_eq!(hr.answer.as_deref(), Some(answers[0]));
    assert!(
        hr.note
            .as_deref()
            .is_some_and(|n| n.starts_with("answer 1 of 3"))
    );
    // With a seed: picked at random, the same for the same seed, and over seeds every
    // answer comes up.
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..40 {
        ws.write_json("interbot.json", &json!({"answerSeed": seed}));
        let first = ask(&ws, "master", "When is payday");
        let again = ask(&ws, "master", "When is payday");
        let answer = row(&first, "hr").answer.clone();
        assert_eq!(answer, row(&again, "hr").answer, "seed {seed}");
        seen.insert(answer.unwrap_or_default());
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[test]
fn a_botpress_redirect_entry_says_no_text_and_a_text_redirect_entry_both() {
    let ws = TempWorkspace::hr_and_it();
    let entry = |action: &str| {
        json!({"id": "pay", "data": {"questions": ["When is payday"],
            "answers": ["On the 25th."], "category": "global", "enabled": true,
            "action": action, "redirectFlow": "payroll.flow.json", "redirectNode": "start"}})
    };
    ws.write_json("bots/hr/qna/pay.json", &entry("redirect"));
    let turn = ask(&ws, "master", "When is payday");
    let hr = row(&turn, "hr");
    assert_eq!(hr.answer, None);
    assert!(hr.redirect.is_some());
    ws.write_json("bots/hr/qna/pay.json", &entry("text_redirect"));
    let turn = ask(&ws, "master", "When is payday");
    let hr = row(&turn, "hr");
    assert_eq!(hr.answer.as_deref(), Some("On the 25th."));
    assert!(hr.redirect.is_some());
}

/// The files under `bots/` of Botpress's `examples/interbot` (v12 era), which the look-alike
/// fixture reproduces name for name with texts written for this project.
const EXAMPLE_BOT_FILES: &[&str] = &[
    "master/actions/delegate_to_bots.js",
    "master/bot.config.json",
    "master/content-elements/builtin_text.json",
    "master/flows/main.flow.json",
    "master/flows/main.ui.json",
    "sub1/bot.config.json",
    "sub1/intents/__qna__0ab47mj3e3_i_have_a_question_about_my_pay_check.json",
    "sub1/intents/__qna__fykxrppmzm_i_have_a_complaint_to_do_about_an_employee.json",
    "sub1/qna/0ab47mj3e3_i_have_a_question_about_my_pay_check.json",
    "sub1/qna/fykxrppmzm_i_have_a_complaint_to_do_about_an_employee.json",
    "sub2/bot.config.json",
    "sub2/intents/__qna__7ngev07hx1_i_want_to_post_a_new_blog_article.json",
    "sub2/intents/__qna__9vxvyollze_where_is_our_website_hosted.json",
    "sub2/qna/7ngev07hx1_i_want_to_post_a_new_blog_article.json",
    "sub2/qna/9vxvyollze_where_is_our_website_hosted.json",
];

#[test]
fn the_example_look_alike_has_the_botpress_examples_files_flow_and_element() {
    let bots = common::botpress_fixture().join("bots");
    let mut found = Vec::new();
    let mut folders = vec![bots.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(relative) = path.strip_prefix(&bots) {
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    assert_eq!(found, EXAMPLE_BOT_FILES);
    // The flow and the content elements the example's master uses, by the same ids.
    let engine = Engine::load(common::botpress_fixture()).expect("the fixture loads");
    let master = engine.workspace().bot("master").expect("a master");
    for element in ["builtin_text-8mwYrq", "builtin_text-JqYzWM"] {
        assert!(master.element(element).is_some(), "{element}");
    }
    let flow = master.flow.as_ref().expect("the master's flow");
    for node in ["entry", "node-a65a", "node-351e"] {
        assert!(flow.node_by_name(node).is_some(), "{node}");
    }
}
