//! Reloading after files change on disk: one bot re-read and re-indexed while the others keep
//! their indexes (the same allocations), or the whole workspace with only changed bots
//! re-indexed, each saying which entries were added, removed or edited.

mod common;

use std::path::Path;

use common::{demo_workspace, runtime};
use interbot::{BotIndex, Engine, Error};
use serde_json::json;

const PAY: &str = "0ab47mj3e3_i_have_a_question_about_my_pay_check";
const W2: &str = "1ukbdzgrjq_where_can_i_find_my_w_2_form";

/// A copy of the bundled demo workspace in a temporary folder (the folder is the root).
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    common::copy_dir(&demo_workspace(), dir.path());
    dir
}

fn write_json(path: &Path, value: &serde_json::Value) {
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("folders");
    std::fs::write(path, serde_json::to_string_pretty(value).expect("json")).expect("write");
}

fn reply(engine: &Engine, bot: &str, question: &str) -> String {
    let turn = runtime()
        .block_on(engine.ask(bot, question))
        .expect("a turn");
    turn.replies.join("\n")
}

fn same_index(a: &Engine, b: &Engine, bot: &str) -> bool {
    match (a.index(bot), b.index(bot)) {
        (Some(x), Some(y)) => std::ptr::eq::<BotIndex>(x, y),
        _ => false,
    }
}

#[test]
fn reloading_one_bot_reindexes_it_alone_and_says_what_changed() -> anyhow::Result<()> {
    let dir = demo_copy();
    let engine = Engine::load(dir.path())?;
    let question = "Where do I get a zebra parking permit";
    assert!(!reply(&engine, "sub1", question).contains("Ask at reception"));

    let qna = dir.path().join("bots/sub1/qna");
    write_json(
        &qna.join("zebra.json"),
        &json!({"id": "zebra", "data": {"questions": ["zebra parking permit"],
            "answers": ["Ask at reception."], "category": "global", "enabled": true}}),
    );
    let mut pay: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(qna.join(format!("{PAY}.json")))?)?;
    pay["data"]["answers"] = json!(["Payroll moved to the third floor."]);
    write_json(&qna.join(format!("{PAY}.json")), &pay);
    std::fs::remove_file(qna.join(format!("{W2}.json")))?;

    let (reloaded, changes) = engine.reload_bot("sub1")?;
    assert_eq!(changes.bot_id, "sub1");
    assert_eq!(changes.added, ["zebra"]);
    assert_eq!(changes.removed, [W2]);
    assert_eq!(changes.edited, [PAY]);
    assert!(!changes.other_files);

    assert!(reply(&reloaded, "sub1", question).contains("Ask at reception"));
    assert!(
        reply(&reloaded, "sub1", "I have a question about my pay check").contains("third floor")
    );
    assert!(reply(&reloaded, "master", question).contains("sub1"));
    assert!(
        !same_index(&engine, &reloaded, "sub1"),
        "sub1 is indexed again"
    );
    for other in ["master", "sub2", "sub3"] {
        assert!(
            same_index(&engine, &reloaded, other),
            "{other} keeps its index"
        );
    }
    // The engine it came from still answers from what it had loaded.
    assert!(!reply(&engine, "sub1", question).contains("Ask at reception"));
    Ok(())
}

#[test]
fn reloading_an_unchanged_bot_keeps_its_index() -> anyhow::Result<()> {
    let dir = demo_copy();
    let engine = Engine::load(dir.path())?;
    // Re-formatting a file changes its bytes, not its content.
    let file = dir.path().join(format!("bots/sub1/qna/{PAY}.json"));
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
    std::fs::write(&file, serde_json::to_string(&value)?)?;
    let (reloaded, changes) = engine.reload_bot("sub1")?;
    assert!(changes.is_empty(), "{changes:?}");
    for bot in ["master", "sub1", "sub2", "sub3"] {
        assert!(same_index(&engine, &reloaded, bot), "{bot}");
    }
    Ok(())
}

#[test]
fn bot_folders_that_appear_or_go_are_added_or_left_out() -> anyhow::Result<()> {
    let dir = demo_copy();
    let engine = Engine::load(dir.path())?;
    let new_bot = dir.path().join("bots/sub4");
    write_json(
        &new_bot.join("bot.config.json"),
        &json!({"id": "sub4", "name": "Travel"}),
    );
    std::fs::create_dir_all(new_bot.join("qna"))?;
    write_json(
        &new_bot.join("qna/visa.json"),
        &json!({"id": "visa", "data": {"questions": ["Do I need a visa for the offsite"],
            "answers": ["Travel desk handles visas."]}}),
    );
    let (added, changes) = engine.reload_bot("sub4")?;
    assert_eq!(changes.added, ["visa"]);
    assert!(changes.other_files, "a new bot is more than its entries");
    assert!(reply(&added, "sub4", "Do I need a visa for the offsite").contains("Travel desk"));
    let ids: Vec<&str> = added
        .workspace()
        .bots
        .iter()
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(ids, ["master", "sub1", "sub2", "sub3", "sub4"]);

    std::fs::remove_dir_all(dir.path().join("bots/sub3"))?;
    let (without, changes) = added.reload_bot("sub3")?;
    assert!(!changes.removed.is_empty() && changes.added.is_empty());
    assert!(without.workspace().bot("sub3").is_none());
    assert!(without.index("sub3").is_none());
    assert!(
        without.problems().iter().any(|p| p
            .message
            .contains("`sub3`, a bot this workspace does not have")),
        "the master's flow still delegates to sub3: {:#?}",
        without.problems()
    );

    for bad in ["../sub1", "", "..", "sub1/qna", ".interbot"] {
        assert!(
            matches!(engine.reload_bot(bad), Err(Error::InvalidId(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        engine.reload_bot("nobody"),
        Err(Error::UnknownBot(_))
    ));
    Ok(())
}

#[test]
fn a_broken_file_is_a_problem_after_a_reload_and_gone_once_fixed() -> anyhow::Result<()> {
    let dir = demo_copy();
    let engine = Engine::load(dir.path())?;
    assert!(engine.problems().is_empty());
    let file = dir.path().join("bots/sub2/qna/broken.json");
    std::fs::write(&file, "{\"id\": \"broken\", \"data\": ")?;
    let (broken, _) = engine.reload_bot("sub2")?;
    let problems = broken.problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].file, file);
    std::fs::remove_file(&file)?;
    let (fixed, changes) = broken.reload_bot("sub2")?;
    assert!(fixed.problems().is_empty(), "{:#?}", fixed.problems());
    assert!(changes.is_empty());
    Ok(())
}

#[test]
fn reloading_everything_reindexes_only_the_bots_that_changed() -> anyhow::Result<()> {
    let dir = demo_copy();
    let engine = Engine::load(dir.path())?;
    let file = dir.path().join(format!("bots/sub1/qna/{PAY}.json"));
    let mut pay: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
    pay["data"]["enabled"] = json!(false);
    write_json(&file, &pay);
    write_json(
        &dir.path().join("interbot.json"),
        &json!({"externalUrl": "http://bots.example"}),
    );
    let indexed = std::sync::Mutex::new(Vec::new());
    let (reloaded, changes) = engine.reload_all_with_progress(&|p| {
        indexed
            .lock()
            .expect("a lock")
            .push((p.bot_id, p.done, p.total));
    })?;
    assert_eq!(
        indexed.into_inner().expect("a lock"),
        [("sub1".to_string(), 1, 1)]
    );
    assert!(changes.settings_changed);
    assert!(changes.bots_added.is_empty() && changes.bots_removed.is_empty());
    assert_eq!(changes.bots.len(), 1, "{changes:?}");
    assert_eq!(changes.bots[0].edited, [PAY]);
    assert!(!same_index(&engine, &reloaded, "sub1"));
    for other in ["master", "sub2", "sub3"] {
        assert!(same_index(&engine, &reloaded, other), "{other}");
    }
    assert_eq!(
        reloaded.workspace().bot_url("sub1"),
        "http://bots.example/s/sub1"
    );
    let (again, nothing) = reloaded.reload_all()?;
    assert!(nothing.is_empty(), "{nothing:?}");
    assert!(same_index(&reloaded, &again, "sub1"));
    Ok(())
}

#[test]
fn a_reload_runs_on_a_blocking_task() -> anyhow::Result<()> {
    fn sendable<T: Send + Sync + 'static>(_: &T) {}
    let dir = demo_copy();
    let engine = Engine::load(dir.path())?;
    sendable(&engine);
    let (reloaded, changes) = runtime().block_on(async move {
        tokio::task::spawn_blocking(move || engine.reload_bot("sub2")).await
    })??;
    assert!(changes.is_empty());
    assert!(reloaded.index("sub2").is_some());
    Ok(())
}

#[test]
fn re_indexing_a_large_bot_reports_its_progress_as_it_goes() -> anyhow::Result<()> {
    let dir = demo_copy();
    let engine = Engine::load(dir.path())?;
    let qna = dir.path().join("bots/sub3/qna");
    for n in 0..2_500 {
        write_json(
            &qna.join(format!("generated{n:04}.json")),
            &json!({"id": format!("generated{n:04}"), "data": {
                "questions": [format!("Where is meeting room {n}")],
                "answers": [format!("Meeting room {n} is on floor {}.", n % 9)],
                "enabled": true}}),
        );
    }
    let steps = std::sync::Mutex::new(Vec::new());
    let (reloaded, changes) = engine.reload_bot_with_progress("sub3", &|step| {
        steps.lock().expect("steps").push(step);
    })?;
    assert_eq!(changes.added.len(), 2_500);
    let steps = steps.into_inner().expect("steps");
    let entries = reloaded.workspace().bot("sub3").map_or(0, |b| b.qna.len());
    let enabled = reloaded
        .workspace()
        .bot("sub3")
        .map_or(0, |b| b.qna.iter().filter(|e| e.enabled).count());
    use interbot::ReindexStep::{Indexing, Read};
    assert_eq!(steps.first(), Some(&Read { entries }));
    let indexing: Vec<_> = steps[1..].to_vec();
    assert_eq!(
        indexing,
        [1_000, 2_000, enabled]
            .map(|done| Indexing {
                done,
                total: enabled
            })
            .to_vec(),
    );
    assert!(reply(&reloaded, "sub3", "Where is meeting room 1234").contains("floor 1"));
    Ok(())
}
