//! Flows through `Engine::ask`: Botpress's interbot example unchanged, the fallback,
//! conditions on the delegation, flows in the shape of Botpress 12's bot templates (what
//! interbot does not run is a named warning and a note, never a failure), sub-bots asked
//! directly running their own flow, and every failure mode as a clear problem.

mod common;

use common::{TempWorkspace, botpress_fixture, runtime, template_flows_fixture};
use interbot::session::{BUILTIN_NONE_TEXT, SUB_BOT_FALLBACK};
use interbot::{Engine, Severity};

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
fn a_condition_outside_the_subset_is_a_warning_naming_file_and_node_and_is_never_taken()
-> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": [], "next": [{"condition": "event.nlu.intent.name.startsWith('x')", "node": "said"}, {"condition": "true", "node": "said"}]},
           {"id": "s", "name": "said", "onEnter": ["say #!ok"], "next": []}"#,
    ))
    .elements(&[("ok", "fine")]);
    let engine = Engine::load(ws.path())?;
    let problems = engine.problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].severity, Severity::Warning);
    let text = problems[0].to_string();
    assert!(text.contains("main.flow.json"), "{text}");
    assert!(
        text.contains(
            "node \"entry\": condition \"event.nlu.intent.name.startsWith('x')\" is not supported"
        ),
        "{text}"
    );
    let turn = ask(&engine, "master", "I forgot my password");
    assert_eq!(
        turn.replies,
        ["fine"],
        "the flow runs, the next transition is taken"
    );
    assert!(
        turn.problems[0].contains("its transition was not taken"),
        "{:?}",
        turn.problems
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

fn template_engine() -> Engine {
    Engine::load(template_flows_fixture()).expect("the fixture loads")
}

#[test]
fn botpress_template_shaped_flows_load_with_a_named_warning_for_each_thing_interbot_does_not_run() {
    let engine = template_engine();
    let problems = engine.problems();
    let errors: Vec<_> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let master_flow = template_flows_fixture().join("bots/master/flows/main.flow.json");
    let expected = [
        "node \"route\": action `builtin/setVariable` is not run by interbot",
        "node \"route\": condition \"event.nlu.intent.name.startsWith('goodbye')\" is not supported",
        "node \"route\": transition to flow `farewell.flow.json`",
        "node \"Offer_topics\": transition to flow `farewell.flow.json`",
        "node \"Offer_topics\": calls skill `choice` (flow `skills/choice-7d0e91.flow.json`)",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for start in expected {
        assert!(
            problems
                .iter()
                .any(|p| p.file == master_flow && p.message.starts_with(start)),
            "{start}: {problems:#?}"
        );
    }
    let helpdesk = engine.workspace().bot("helpdesk").expect("helpdesk");
    assert!(helpdesk.flow.is_some(), "a sub-bot's flow is loaded");
}

#[test]
fn botpress_ends_the_flow_on_an_empty_destination_after_a_last_node_condition() {
    let engine = template_engine();
    let turn = ask(&engine, "master", "My laptop will not start");
    assert_eq!(
        turn.replies,
        [
            "helpdesk knows this one: Hold the power button for ten seconds, then plug in the charger."
        ]
    );
    assert_eq!(turn.nodes, ["route", "matched"]);
    assert_eq!(turn.problems.len(), 1, "{:?}", turn.problems);
    assert!(turn.problems[0].contains("builtin/setVariable"));
}

#[test]
fn botpress_enters_a_skill_call_node_s_sub_flow_which_interbot_does_not_run_so_the_turn_ends_there()
{
    let engine = template_engine();
    let turn = ask(&engine, "master", "zebra migration patterns");
    assert_eq!(turn.replies, ["None of the team bots knows that yet."]);
    assert_eq!(turn.nodes, ["route", "nobody", "Offer_topics"]);
    let notes = turn.problems.join("\n");
    assert!(
        notes.contains("startsWith('goodbye')") && notes.contains("not taken"),
        "{notes}"
    );
    assert!(
        notes.contains("node `Offer_topics` calls skill `choice`"),
        "{notes}"
    );
}

#[test]
fn botpress_sends_an_elected_qna_answer_of_a_sub_bot_and_skips_its_flow() {
    let engine = template_engine();
    let turn = ask(&engine, "helpdesk", "How do I add a printer");
    assert_eq!(turn.replies, ["Open Settings, then Printers, then Add."]);
    assert!(turn.nodes.is_empty(), "the flow did not run");
    assert!(turn.delegation.is_empty());
    assert!(turn.trace[0].passed, "its candidates, as before");
    assert!(turn.trace.iter().all(|row| row.bot_id == "helpdesk"));
}

#[test]
fn botpress_runs_a_sub_bot_s_own_flow_when_no_qna_answer_is_elected() {
    let engine = template_engine();
    let turn = ask(&engine, "helpdesk", "zebra migration patterns");
    assert_eq!(
        turn.replies,
        [
            "The help desk bot did not get “zebra migration patterns”.",
            "Try asking about laptops or printers."
        ],
        "the flow's fallback, not interbot's"
    );
    assert_eq!(turn.nodes, ["entry", "not_understood"]);
    assert!(turn.problems.is_empty(), "{:?}", turn.problems);
    assert!(
        turn.trace
            .iter()
            .all(|row| row.bot_id == "helpdesk" && !row.passed)
    );
    let without_flow = ask(&engine, "canteen", "zebra migration patterns");
    assert_eq!(without_flow.replies, [SUB_BOT_FALLBACK]);
    assert!(without_flow.nodes.is_empty());
}

#[test]
fn botpress_jumps_to_the_node_a_sub_bot_s_elected_qna_answer_redirects_to() -> anyhow::Result<()> {
    let engine = template_engine();
    let turn = ask(&engine, "helpdesk", "My screen is cracked");
    assert_eq!(
        turn.replies,
        [
            "A cracked screen needs a repair.",
            "I have opened a repair ticket for you."
        ],
        "text_redirect: the text, then the flow from the node"
    );
    assert_eq!(turn.nodes, ["open_ticket"]);
    assert!(turn.problems.is_empty(), "{:?}", turn.problems);

    let ws = TempWorkspace::hr_and_it();
    ws.write_json(
        "bots/hr/qna/moved.json",
        &serde_json::json!({"id": "moved", "data": {"questions": ["Where is the payroll office"],
            "answers": ["unused"], "category": "global", "enabled": true, "action": "redirect",
            "redirectFlow": "offices.flow.json", "redirectNode": "payroll"}}),
    );
    ws.write(
        "bots/hr/flows/main.flow.json",
        r#"{"startNode": "entry", "nodes": [{"name": "entry", "onEnter": [], "next": []}]}"#,
    );
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "hr", "Where is the payroll office");
    assert!(
        turn.replies.is_empty(),
        "a redirect says no text: {:?}",
        turn.replies
    );
    assert!(
        turn.problems[0].contains("redirects to flow `offices.flow.json`, node `payroll`"),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn a_sub_bot_whose_flow_does_not_load_says_the_built_in_fallback_and_why() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.write("bots/hr/flows/main.flow.json", "{\"startNode\": ");
    let engine = Engine::load(ws.path())?;
    let turn = ask(&engine, "hr", "zebra migration patterns");
    assert_eq!(turn.replies, [SUB_BOT_FALLBACK]);
    assert!(
        turn.problems[0].starts_with("hr's flow was not loaded")
            && turn.problems[0].ends_with("said the built-in fallback instead"),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn a_sub_bot_s_flow_does_not_delegate() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.write(
        "bots/hr/flows/main.flow.json",
        r#"{"startNode": "entry", "nodes": [{"name": "entry", "onEnter": ["delegate_to_bots {\"bots\":\"it\"}"], "next": []}]}"#,
    );
    let engine = Engine::load(ws.path())?;
    let problems = engine.problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].to_string().contains("hr/flows/main.flow.json: warning: node \"entry\": delegate_to_bots is the master's action"),
        "{problems:#?}"
    );
    let turn = ask(&engine, "hr", "zebra migration patterns");
    assert!(turn.replies.is_empty(), "{:?}", turn.replies);
    assert!(turn.trace.iter().all(|row| row.bot_id == "hr"));
    assert!(
        turn.problems[0].contains("delegate_to_bots is the master's action"),
        "{:?}",
        turn.problems
    );
    Ok(())
}

#[test]
fn botpress_fails_to_render_a_say_of_a_missing_element_so_check_reports_it() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(&flow(
        r#"{"id": "entry", "name": "entry", "onEnter": ["say #!builtin_text-gone", "say #!builtin_image-pic1", "say #!builtin_card-none", "say #!ok"], "next": [{"condition": "true", "node": "skills/ask.flow.json"}]}"#,
    ))
    .elements(&[("ok", "still said")]);
    ws.write(
        "bots/master/content-elements/builtin_image.json",
        r#"[{"id": "builtin_image-pic1", "formData": {"image": "/x.png"}}]"#,
    );
    let engine = Engine::load(ws.path())?;
    let problems: Vec<String> = engine.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 5, "{problems:#?}");
    for (fragment, level) in [
        (
            "says `#!builtin_text-gone`, a content element this bot does not have",
            "error",
        ),
        (
            "says `#!builtin_card-none`, a content element this bot does not have",
            "error",
        ),
        (
            "says `#!builtin_image-pic1`, a `builtin_image` element, which interbot does not say",
            "warning",
        ),
        (
            "names flow `skills/ask.flow.json`, which is not in flows/",
            "warning",
        ),
    ] {
        assert!(
            problems.iter().any(|p| p.contains("main.flow.json")
                && p.contains(&format!("{level}: node \"entry\": {fragment}"))),
            "{fragment}: {problems:#?}"
        );
    }
    let turn = ask(&engine, "master", "anything");
    assert_eq!(turn.replies, ["still said"]);
    let check = |strict: bool| {
        let mut command = assert_cmd::Command::cargo_bin("interbot").expect("the binary");
        command.arg("-w").arg(ws.path()).arg("check");
        if strict {
            command.arg("--strict");
        }
        command.output().expect("check runs")
    };
    let output = check(false);
    assert_eq!(output.status.code(), Some(1), "errors fail the check");
    assert!(String::from_utf8_lossy(&output.stdout).contains("builtin_text-gone"));
    Ok(())
}

#[test]
fn check_passes_a_botpress_template_shaped_workspace_unless_strict() {
    let check = |strict: bool| {
        let mut command = assert_cmd::Command::cargo_bin("interbot").expect("the binary");
        command.arg("-w").arg(template_flows_fixture()).arg("check");
        if strict {
            command.arg("--strict");
        }
        command.output().expect("check runs")
    };
    let output = check(false);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(0), "warnings alone: {stdout}");
    assert!(
        stdout.contains("warning: node \"Offer_topics\": calls skill"),
        "{stdout}"
    );
    assert!(stdout.contains("5 problems"), "{stdout}");
    assert_eq!(check(true).status.code(), Some(1));
}
