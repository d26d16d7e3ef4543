//! Delegation over the demo workspace: labelled paraphrases reach the right sub-bot,
//! unrelated questions reach none, and the trace covers every bot asked.

mod common;

use common::{TempWorkspace, data_file, demo_workspace, runtime};
use interbot::Engine;
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    text: String,
    bot: Option<String>,
}

fn labelled() -> Vec<Labelled> {
    let text = std::fs::read_to_string(data_file("demo_routing.jsonl")).expect("routing data");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a labelled line"))
        .collect()
}

/// The bundled master flow's `minConfidence` (a little above the 0.22 `interbot eval`
/// recommends for the bundled labelled set: README, "Scoring").
const FLOW_THRESHOLD: f64 = 0.25;

/// Every labelled paraphrase ranks its sub-bot first; at least 90 % pass the flow's threshold
/// and are delegated to it (the rest fall back, never to a wrong bot).
#[test]
fn labelled_questions_are_delegated_to_the_right_sub_bot() -> anyhow::Result<()> {
    let engine = Engine::load(demo_workspace())?;
    let bots = engine.workspace().sub_bot_ids();
    let rt = runtime();
    let questions: Vec<Labelled> = labelled().into_iter().filter(|l| l.bot.is_some()).collect();
    assert!(questions.len() >= 30);
    let mut delegated = 0;
    for q in &questions {
        let delegation = rt.block_on(engine.delegator().delegate(&q.text, &bots, FLOW_THRESHOLD));
        let top = &delegation.trace[0];
        assert_eq!(
            Some(&top.bot_id),
            q.bot.as_ref(),
            "{:?} ranked {top:?} first",
            q.text
        );
        if let Some(first) = delegation.matches.first() {
            assert_eq!(
                Some(&first.bot_id),
                q.bot.as_ref(),
                "{:?} delegated to {first:?}",
                q.text
            );
            delegated += 1;
        }
    }
    assert!(
        delegated * 10 >= questions.len() * 9,
        "only {delegated} of {} delegated at {FLOW_THRESHOLD}",
        questions.len()
    );
    Ok(())
}

#[test]
fn unrelated_questions_are_delegated_to_no_bot() -> anyhow::Result<()> {
    let engine = Engine::load(demo_workspace())?;
    let bots = engine.workspace().sub_bot_ids();
    let rt = runtime();
    let unrelated: Vec<Labelled> = labelled().into_iter().filter(|l| l.bot.is_none()).collect();
    assert!(unrelated.len() >= 10);
    for q in &unrelated {
        let delegation = rt.block_on(engine.delegator().delegate(&q.text, &bots, FLOW_THRESHOLD));
        assert!(
            delegation.matches.is_empty(),
            "{:?} was delegated: {:?}",
            q.text,
            delegation.matches
        );
        assert_eq!(delegation.trace.len(), bots.len(), "every bot is traced");
    }
    Ok(())
}

#[test]
fn the_trace_covers_every_bot_and_matches_are_sorted() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let engine = Engine::load(ws.path())?;
    let rt = runtime();
    let bots = ["it", "ghost", "hr"].map(String::from);
    let delegation = rt.block_on(
        engine
            .delegator()
            .delegate("I forgot my password", &bots, 0.5),
    );
    assert_eq!(delegation.trace.len(), 3);
    assert!(
        delegation
            .trace
            .iter()
            .filter(|r| r.bot_id != "ghost")
            .all(|r| r.micros > 0),
        "every bot searched reports its time, matched or not: {:?}",
        delegation.trace
    );
    let unmatched = rt.block_on(engine.delegator().delegate("zebra", &bots, 0.5));
    assert!(
        unmatched
            .trace
            .iter()
            .filter(|r| r.bot_id != "ghost")
            .all(|r| r.entry_id.is_none() && r.micros > 0),
        "a bot with no match still reports its time: {:?}",
        unmatched.trace
    );
    let ghost = delegation
        .trace
        .iter()
        .find(|r| r.bot_id == "ghost")
        .expect("unknown bot traced");
    assert!(
        ghost.error.as_deref().is_some_and(|e| e.contains("no bot")),
        "{ghost:?}"
    );
    assert!(!ghost.passed);
    let it = &delegation.trace[0];
    assert_eq!(it.bot_id, "it");
    assert_eq!(it.entry_id.as_deref(), Some("password"));
    assert!(it.passed && it.confidence >= 0.5);
    assert_eq!(it.bot_url, "http://localhost:3000/s/it");
    assert_eq!(it.answer.as_deref(), Some("Use the reset page."));
    assert_eq!(delegation.matches.len(), 1);
    assert_eq!(delegation.matches[0].bot_id, "it");
    assert!(
        delegation
            .trace
            .windows(2)
            .all(|w| w[0].confidence >= w[1].confidence)
    );
    Ok(())
}

#[test]
fn ties_keep_the_order_the_bots_were_listed_in() -> anyhow::Result<()> {
    let ws = TempWorkspace::new();
    ws.bot("a", "A")
        .qna("a", "same", &["where is the printer"], "A's printer.");
    ws.bot("b", "B")
        .qna("b", "same", &["where is the printer"], "B's printer.");
    let engine = Engine::load(ws.path())?;
    let rt = runtime();
    for order in [["a", "b"], ["b", "a"]] {
        let bots = order.map(String::from);
        let delegation = rt.block_on(engine.delegator().delegate(
            "where is the printer",
            &bots,
            0.5,
        ));
        let got: Vec<&str> = delegation
            .matches
            .iter()
            .map(|m| m.bot_id.as_str())
            .collect();
        assert_eq!(got, order, "equal confidence keeps list order");
    }
    Ok(())
}

/// Every fan-out strategy gives the same delegation (timings aside): where the searches run
/// is a matter of speed only.
#[test]
fn every_fan_out_delegates_alike() -> anyhow::Result<()> {
    use interbot::delegation::FanOut;
    let engine = Engine::load(demo_workspace())?;
    let bots = engine.workspace().sub_bot_ids();
    let rt = runtime();
    let without_timings = |fan_out: FanOut, question: &str| -> anyhow::Result<serde_json::Value> {
        let delegator = engine.delegator().clone().with_fan_out(fan_out);
        let mut delegation = rt.block_on(delegator.delegate(question, &bots, 0.3));
        for row in &mut delegation.trace {
            row.micros = 0;
        }
        Ok(serde_json::to_value(&delegation)?)
    };
    for labelled in labelled() {
        let auto = without_timings(FanOut::Auto, &labelled.text)?;
        for fan_out in [FanOut::Inline, FanOut::OneTask, FanOut::TaskPerBot] {
            assert_eq!(
                without_timings(fan_out, &labelled.text)?,
                auto,
                "{fan_out:?}: {}",
                labelled.text
            );
        }
    }
    Ok(())
}
