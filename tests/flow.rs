//! The master's flow through `Engine::ask`: Botpress's interbot example unchanged, the
//! fallback, conditions on the delegation, and every failure mode as a clear problem.

mod common;

use common::{TempWorkspace, botpress_fixture, runtime};
use interbot::Engine;
use interbot::session::{BUILTIN_NONE_TEXT, SUB_BOT_FALLBACK};

const SUCCESS: &str = "The chatbot sub1 can help you with that question.\n\n[Talk to sub1](http://localhost:3000/s/sub1)\n\nBy the way, sub1 is telling you:\n> I can help you answer payroll questions";
const FALLBACK: &str = "I'm sorry, I don't know any bot that can help you with that question.";

fn ask(engine: &Engine, bot: &str, question: &str) -> interbot::Turn {
    runtime()
        .block_on(engine.ask(bot, question))
        .expect("the bot exists")
}

#[test]
fn botpress_example_loads_unchanged_and_renders_the_success_text() -> anyhow::Result<()> {
    let engine = Engine::load(botpress_fixture())?;
    assert!(engine.problems().is_empty(), "{:#?}", engine.problems());
    let turn = ask(&engine, "master", "I have a question about my pay check");
    assert_eq!(turn.replies, [SUCCESS]);
    assert_eq!(turn.delegation.len(), 1);
    assert_eq!(turn.delegation[0].bot_id, "sub1");
    assert_eq!(turn.nodes, ["entry", "node-a65a"]);
    assert!(turn.problems.is_empty(), "{:?}", turn.problems);
    Ok(())
}

#[test]
fn an_unrelated_question_gets_the_fallback_element() -> anyhow::Result<()> {
    let engine = Engine::load(botpress_fixture())?;
    let turn = ask(&engine, "master", "what is the weather on mars");
    assert_eq!(turn.replies, [FALLBACK]);
    assert!(turn.delegation.is_empty());
    assert_eq!(turn.trace.len(), 2, "both sub-bots were asked");
    assert_eq!(turn.nodes, ["entry", "node-351e"]);
    Ok(())
}

#[test]
fn the_external_url_comes_from_interbot_json() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.write(
        "interbot.json",
        r#"{"externalUrl": "https://bots.example.com/"}"#,
    );
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "master", "I forgot my password");
    assert_eq!(turn.delegation[0].bot_url, "https://bots.example.com/s/it");
    assert!(
        turn.replies[0].contains("(https://bots.example.com/s/it)"),
        "{}",
        turn.replies[0]
    );
    Ok(())
}

#[test]
fn a_master_without_a_flow_delegates_to_every_other_bot() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "master", "When is payday");
    let asked: Vec<&str> = turn.trace.iter().map(|r| r.bot_id.as_str()).collect();
    assert_eq!(asked, ["hr", "it"]);
    assert_eq!(turn.min_confidence, 0.5);
    assert!(
        turn.replies[0].starts_with("The chatbot hr can help you"),
        "{}",
        turn.replies[0]
    );
    assert!(
        turn.replies[0].ends_with("> Payroll can help."),
        "{}",
        turn.replies[0]
    );
    let none = ask(&engine, "master", "zebra migration patterns");
    assert_eq!(none.replies, [BUILTIN_NONE_TEXT]);
    Ok(())
}

#[test]
fn a_sub_bot_answers_directly_with_its_top_candidates() -> anyhow::Result<()> {
    let engine = Engine::load(common::demo_workspace())?;
    let turn = ask(&engine, "sub2", "How do I reset my password");
    assert_eq!(turn.bot, "sub2");
    assert!(turn.replies[0].contains("reset"), "{:?}", turn.replies);
    assert!(turn.delegation.is_empty());
    assert_eq!(turn.trace.len(), 5, "top five candidates");
    assert!(turn.trace.iter().all(|r| r.bot_id == "sub2"));
    assert!(turn.trace[0].passed);
    let unsure = ask(&engine, "sub2", "zebra migration patterns");
    assert_eq!(unsure.replies, [SUB_BOT_FALLBACK]);
    Ok(())
}

const FLOW_HEAD: &str = r#"{"version": "0.0.1", "startNode": "entry", "nodes": ["#;

fn flow(nodes: &str) -> String {
    format!("{FLOW_HEAD}{nodes}]}}")
}

#[test]
fn conditions_choose_the_node_from_the_delegation() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": ["delegate_to_bots {\"bots\":\"hr,it\",\"minConfidence\":\"0.3\"}"],
            "next": [{"condition": "temp.delegation.length > 0 && temp.delegation.0.botId == \"it\"", "node": "it-node"},
                     {"condition": "temp.delegation && temp.delegation.length", "node": "other"},
                     {"condition": "true", "node": "none"}]},
           {"id": "n1", "name": "it-node", "onEnter": ["say #!it-text"], "next": []},
           {"id": "n2", "name": "other", "onEnter": ["say #!other-text"], "next": []},
           {"id": "n3", "name": "none", "onEnter": ["say #!none-text"], "next": [{"condition": "true", "node": "END"}]}"#,
    ))
    .elements(&[
        ("it-text", "IT ({{temp.delegation.0.confidence}}) says: {{{temp.delegation.0.answer}}}"),
        ("other-text", "{{#temp.delegation}}{{botId}};{{/temp.delegation}}"),
        ("none-text", "{{^temp.delegation}}nobody{{/temp.delegation}}{{^temp.delegation.length}}!{{/temp.delegation.length}}"),
    ]);
    let engine = Engine::load(ws.path())?;
    assert!(engine.problems().is_empty(), "{:#?}", engine.problems());
    let it = ask(&engine, "master", "I forgot my password");
    assert!(
        it.replies[0].starts_with("IT (") && it.replies[0].ends_with("says: Use the reset page."),
        "{:?}",
        it.replies
    );
    assert_eq!(it.min_confidence, 0.3);
    let hr = ask(&engine, "master", "how many vacation days");
    assert_eq!(hr.replies, ["hr;"]);
    let none = ask(&engine, "master", "zebra migration patterns");
    assert_eq!(
        none.replies,
        ["nobody!"],
        "inverted sections render for an empty array and for 0"
    );
    Ok(())
}

#[test]
fn an_unsupported_condition_is_a_load_problem_naming_file_and_node() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": [], "next": [{"condition": "event.nlu.intent.name.startsWith('x')", "node": "entry"}]}"#,
    ));
    let engine = Engine::load(ws.path())?;
    let problems = engine.problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let text = problems[0].to_string();
    assert!(text.contains("main.flow.json"), "{text}");
    assert!(text.contains("entry"), "{text}");
    let turn = ask(&engine, "master", "I forgot my password");
    assert!(
        !turn.replies.is_empty(),
        "without its flow the master still delegates"
    );
    Ok(())
}

#[test]
fn saying_an_unknown_element_is_a_problem_in_the_reply() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(r#"{"id": "entry", "name": "entry", "onEnter": ["say #!builtin_text-missing", "say #!ok"], "next": []}"#))
        .elements(&[("ok", "still here")]);
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "master", "anything");
    assert_eq!(turn.replies, ["still here"]);
    assert_eq!(turn.problems.len(), 1);
    assert!(
        turn.problems[0].contains("builtin_text-missing"),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn a_template_error_names_the_element() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": ["say #!broken"], "next": []}"#,
    ))
    .elements(&[("broken", "Hello {{name")]);
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "master", "anything");
    assert!(turn.replies.is_empty());
    assert!(
        turn.problems[0].contains("broken") && turn.problems[0].contains("unclosed"),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn a_flow_cycle_stops_with_a_clear_problem() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "a", "name": "entry", "onEnter": ["say #!ping"], "next": [{"condition": "true", "node": "b"}]},
           {"id": "b", "name": "b", "onEnter": [], "next": [{"condition": "true", "node": "entry"}]}"#,
    ))
    .elements(&[("ping", "ping")]);
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "master", "anything");
    assert_eq!(turn.replies, ["ping"], "said once, not forever");
    assert!(
        turn.problems
            .iter()
            .any(|p| p.contains("loops") && p.contains("entry → b → entry")),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn unsupported_actions_are_skipped_with_a_problem() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": ["builtin/setVariable {\"type\":\"temp\",\"name\":\"x\",\"value\":\"1\"}", "say #!ok"], "next": []}"#,
    ))
    .elements(&[("ok", "done")]);
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "master", "anything");
    assert_eq!(turn.replies, ["done"]);
    assert!(
        turn.problems[0].contains("builtin/setVariable"),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn botpress_renders_a_qna_answer_as_mustache_against_the_turn_state() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.qna(
        "hr",
        "echo",
        &["Can I expense my train ticket"],
        "You asked “{{event.preview}}”: {{^temp.delegation}}yes{{/temp.delegation}}.",
    );
    let engine = Engine::load(ws.path())?;
    let question = "Can I expense my train ticket";
    let direct = ask(&engine, "hr", question);
    let said = format!("You asked “{question}”: yes.");
    assert_eq!(direct.replies, [said.as_str()], "{:?}", direct.problems);
    let delegated = ask(&engine, "master", question);
    assert_eq!(
        delegated.delegation[0].answer.as_deref(),
        Some(said.as_str()),
        "as the sub-bot says it"
    );
    Ok(())
}

#[test]
fn botpress_renders_content_elements_again_while_they_hold_tags_up_to_three_times()
-> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.elements(&[("nested", "{{{temp.delegation.0.answer}}}")]);
    let engine = Engine::load(ws.path())?;
    let master = engine.workspace().bot("master").expect("the master");
    let state = serde_json::json!({"temp": {"delegation": [{"answer": "{{{temp.a}}}"}],
        "a": "{{temp.b}}", "b": "deep"}});
    assert_eq!(master.say("#!nested", &state)?.text, "deep", "three passes");
    let deeper = serde_json::json!({"temp": {"delegation": [{"answer": "{{{temp.a}}}"}],
        "a": "{{{temp.b}}}", "b": "{{temp.c}}", "c": "deep"}});
    assert_eq!(
        master.say("#!nested", &deeper)?.text,
        "{{temp.c}}",
        "Botpress stops after three passes (MAX_NESTING_LEVEL)"
    );
    Ok(())
}

#[test]
fn botpress_renders_delegate_to_bots_arguments_against_the_state_before_the_action_runs()
-> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": ["delegate_to_bots {\"bots\":\"hr,it\",\"minConfidence\":\"0.3\"}", "delegate_to_bots {\"bots\":\"{{temp.delegation.0.botId}}\",\"minConfidence\":\"{{temp.delegation.0.confidence}}\"}"], "next": []}"#,
    ));
    let engine = Engine::load(ws.path())?;
    assert!(engine.problems().is_empty(), "{:#?}", engine.problems());
    let turn = ask(&engine, "master", "I forgot my password");
    assert!(turn.problems.is_empty(), "{:?}", turn.problems);
    let asked: Vec<&str> = turn.trace.iter().map(|row| row.bot_id.as_str()).collect();
    assert_eq!(asked, ["it"], "only the bot the first delegation found");
    assert_eq!(
        turn.min_confidence, turn.trace[0].confidence,
        "the threshold is the confidence the first delegation rendered"
    );
    assert_eq!(
        turn.delegation.len(),
        1,
        "the same score passes its own threshold"
    );
    Ok(())
}

#[test]
fn a_qna_answer_that_is_no_valid_template_is_said_as_written_with_a_warning() -> anyhow::Result<()>
{
    let ws = TempWorkspace::hr_and_it();
    ws.qna(
        "hr",
        "braces",
        &["How do I write a placeholder"],
        "Type {{name without closing it.",
    );
    let engine = Engine::load(ws.path())?;
    let problems: Vec<String> = engine.problems().iter().map(|p| p.to_string()).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("QnA entry braces") && p.contains("unclosed tag")),
        "{problems:?}"
    );
    let turn = ask(&engine, "hr", "How do I write a placeholder");
    assert_eq!(turn.replies, ["Type {{name without closing it."]);
    assert!(
        turn.problems.iter().any(|p| p.contains("unclosed")),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn a_rendered_delegate_to_bots_that_names_the_master_does_not_ask_it() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": ["delegate_to_bots {\"bots\":\"{{event.preview}}\"}"], "next": []}"#,
    ));
    let engine = Engine::load(ws.path())?;
    assert!(engine.problems().is_empty(), "{:#?}", engine.problems());
    let turn = ask(&engine, "master", "master");
    assert!(turn.trace.is_empty(), "{:?}", turn.trace);
    assert!(
        turn.problems[0].contains("names `master`"),
        "{:?}",
        turn.problems
    );
    let hr = ask(&engine, "master", "hr");
    let asked: Vec<&str> = hr.trace.iter().map(|row| row.bot_id.as_str()).collect();
    assert_eq!(asked, ["hr"]);
    Ok(())
}
