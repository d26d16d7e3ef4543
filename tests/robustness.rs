//! Property tests: text a user or a file controls (templates, flow conditions, questions, QnA
//! and flow files) never panics the core, whatever it holds. Each property runs proptest's
//! default 256 generated cases; a failure prints the smallest input that still fails.

mod common;

use common::{TempWorkspace, demo_workspace};
use interbot::flow::Condition;
use interbot::{BotIndex, Engine, Workspace, template};
use proptest::prelude::*;
use serde_json::json;

/// Text built from the pieces a template parser cares about, so most cases reach deep into it.
fn template_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{{".to_string()),
        Just("}}".to_string()),
        Just("{{{".to_string()),
        Just("}}}".to_string()),
        Just("{{#".to_string()),
        Just("{{/".to_string()),
        Just("{{^".to_string()),
        Just("{{&".to_string()),
        Just("{{!".to_string()),
        Just("{{=<% %>=}}".to_string()),
        Just("temp.delegation.0.botId".to_string()),
        Just(".".to_string()),
        "[a-z0-9 .\n]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// Text built from the condition language's tokens and a few it does not have.
fn condition_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("temp.delegation".to_string()),
        Just(".length".to_string()),
        Just("[0]".to_string()),
        Just(".0".to_string()),
        prop::sample::select(vec![
            "!", "&&", "||", "==", "!=", "===", "<", "<=", ">", ">=", "(", ")", "'", "\"", " ",
            "true", "false", "null", "1e309", "-", "+", "x => x", ";",
        ])
        .prop_map(String::from),
        "[a-z0-9_.'\"]{0,5}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..20).prop_map(|pieces| pieces.concat())
}

/// JSON-like bytes: fragments of Botpress files mixed with arbitrary bytes.
fn json_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\"",
            "\"id\"",
            "\"data\"",
            "\"questions\"",
            "\"answers\"",
            "\"en\"",
            "\"enabled\"",
            "\"category\"",
            "\"contexts\"",
            "true",
            "null",
            "1",
            "\"x\"",
            "\\u0000",
            "\\ud800",
            "\u{feff}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..4),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn state() -> serde_json::Value {
    json!({
        "temp": {"delegation": [{"botId": "sub1", "confidence": 0.9, "botUrl": "u",
                                 "answer": "a"}], "n": 2, "flag": true},
        "user": {}, "session": {}, "event": {"text": "hi"}
    })
}

fn demo_index() -> &'static BotIndex {
    static INDEX: std::sync::OnceLock<BotIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let workspace = Workspace::load(demo_workspace()).expect("demo workspace");
        BotIndex::build(workspace.bot("sub2").expect("sub2")).expect("index")
    })
}

proptest! {
    #[test]
    fn any_template_renders_or_errors(text in template_text()) {
        // `check` and the flow loader call `validate`: what it accepts must render.
        let valid = template::validate(&text);
        let rendered = template::render(&text, &state());
        prop_assert_eq!(valid.is_ok(), rendered.is_ok(), "{:?} / {:?}", valid, rendered);
        if !text.contains('{') {
            prop_assert_eq!(rendered.ok(), Some(text.clone()));
        }
    }

    #[test]
    fn any_condition_parses_or_errors(text in condition_text()) {
        if let Ok(condition) = Condition::parse(&text) {
            let _ = condition.eval(&state());
            prop_assert_eq!(condition.source(), text.as_str());
        }
    }

    #[test]
    fn any_question_gets_sorted_confidences_in_range(question in any::<String>()) {
        let global = ["global".to_string()];
        let hits = demo_index().top(&question, &global, 5).expect("a search never errors");
        for hit in &hits {
            prop_assert!((0.0..=1.0).contains(&hit.confidence));
        }
        for pair in hits.windows(2) {
            prop_assert!(pair[0].score >= pair[1].score);
        }
    }

    #[test]
    fn any_bot_files_load_or_name_the_broken_file(
        qna in json_like_bytes(),
        config in json_like_bytes(),
        flow in json_like_bytes(),
        elements in json_like_bytes(),
    ) {
        let workspace = TempWorkspace::new();
        workspace.write("bots/master/bot.config.json", &config);
        workspace.write("bots/master/flows/main.flow.json", &flow);
        workspace.write("bots/master/content-elements/builtin_text.json", &elements);
        workspace.write("bots/sub1/bot.config.json", r#"{"id": "sub1", "name": "HR"}"#);
        workspace.write("bots/sub1/qna/fuzzed.json", &qna);
        let engine = Engine::load(workspace.path()).expect("the workspace folder exists");
        // The intact bot still loads, and every problem names a file of the workspace.
        prop_assert!(engine.workspace().bot("sub1").is_some());
        for problem in engine.problems() {
            prop_assert!(problem.file.starts_with(workspace.path()), "{}", problem);
        }
        let runtime = common::runtime();
        let turn = runtime.block_on(engine.ask("master", "how do I reset my password"));
        prop_assert!(turn.is_ok());
    }
}

/// Found by `cargo fuzz run template` (a 1 s timeout on a loaded machine, sanitizer build):
/// sections over a three-item list nested a dozen deep multiply their bodies, and the
/// rendering must stop at the output limit with an error naming the place, not run on.
#[test]
fn fuzz_regression_nested_sections_over_a_list_stop_at_the_output_limit() {
    let input = std::fs::read(common::data_file("fuzz/template-sections-multiply.bin"))
        .expect("the fuzz artifact");
    let (source, _) = input.split_at(input.iter().position(|b| *b == 0).unwrap_or(input.len()));
    let source = String::from_utf8_lossy(source);
    let state = json!({"temp": {"delegation": [{"botId": "sub1", "botUrl": "http://x/s/sub1",
        "answer": "<b>hi</b>", "confidence": 0.9}]}, "a": [1, 2, 3], "s": "x"});
    let error = template::render(&source, &state).expect_err("over the output limit");
    assert!(
        matches!(
            error.kind,
            template::TemplateErrorKind::OutputTooLarge { .. }
                | template::TemplateErrorKind::TooMuchWork
        ),
        "{error}"
    );
    assert!(
        template::validate(&source).is_ok(),
        "it is a valid template"
    );
}
