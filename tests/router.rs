//! The master's bot router (`index::router`; `interbot eval` routes through it): which bot a
//! question is like, learnt from the bots' variants; the confidences it weighs; and its
//! leave-one-out runs, each of which must be the workspace without the bot left out, router
//! included.

mod common;

use assert_cmd::Command;
use common::{TempWorkspace, best_guess, demo_workspace};
use interbot::Engine;
use interbot::eval::{self, Labelled, LabelledSet, leave_out};
use interbot::index::router::routed_confidence;
use interbot::index::{BotRouter, NoRouter};

/// The variants of hr's `payslip` entry in [`nlu_workspace`].
const PAYSLIP: [&str; 6] = [
    "where can I find my payslip",
    "I did not get my payslip this month",
    "show me my salary statement",
    "how do I download my pay statement",
    "my payslip is missing",
    "when are salaries paid",
];

/// Three NLU-style bots (six variants an entry), written for this test.
fn nlu_workspace() -> TempWorkspace {
    let ws = TempWorkspace::new();
    ws.bot("master", "Master").bot("hr", "HR").bot("it", "IT");
    ws.bot("facilities", "Facilities");
    let entries: [(&str, &str, [&str; 6]); 6] = [
        ("hr", "payslip", PAYSLIP),
        (
            "hr",
            "holidays",
            [
                "how many holidays do I have left",
                "I want to book a vacation",
                "request annual leave for next week",
                "how do I take a day off",
                "can I carry over my vacation days",
                "who approves my leave request",
            ],
        ),
        (
            "it",
            "password",
            [
                "I forgot my password",
                "reset my password please",
                "my account is locked after too many attempts",
                "how do I change my login password",
                "the password expired this morning",
                "I cannot sign in to my laptop",
            ],
        ),
        (
            "it",
            "printer",
            [
                "the printer is jammed",
                "my document will not print",
                "how do I add the office printer",
                "printer says out of toner",
                "the printer on the third floor is offline",
                "printing takes forever",
            ],
        ),
        (
            "facilities",
            "heating",
            [
                "the office is too cold",
                "can someone turn up the heating",
                "the radiator in my room is broken",
                "it is freezing in the meeting room",
                "the air conditioning is too strong",
                "who controls the building temperature",
            ],
        ),
        (
            "facilities",
            "parking",
            [
                "where can I park my car",
                "how do I get a parking permit",
                "the garage gate does not open",
                "is there parking for visitors",
                "someone parked in my spot",
                "are there charging points for electric cars",
            ],
        ),
    ];
    for (bot, id, questions) in entries {
        ws.qna(bot, id, &questions, &format!("{bot} answers {id}"));
    }
    ws
}

fn labelled(engine: &Engine, lines: &[(&str, Option<&str>)]) -> Vec<Labelled> {
    let text: String = lines
        .iter()
        .map(|(text, bot)| serde_json::json!({"text": text, "bot": bot}).to_string() + "\n")
        .collect();
    LabelledSet::parse(&text, engine.workspace(), false)
        .expect("a valid labelled set")
        .questions
}

#[test]
fn a_router_learns_which_bot_a_question_is_like() {
    let ws = nlu_workspace();
    let engine = Engine::load(ws.path()).expect("the workspace loads");
    let bots = engine.workspace().asked_bots();
    let router = BotRouter::train(engine.workspace(), &bots).expect("a router");
    assert_eq!(router.bots().len(), 3);
    for (question, bot) in [
        ("my payslip did not arrive", "hr"),
        ("the printer will not print my document", "it"),
        ("it is too cold in my office", "facilities"),
    ] {
        let probabilities = router.probabilities(question);
        let sum: f32 = probabilities.iter().sum();
        assert!(
            (sum - 1.0).abs() < 1e-4,
            "{question}: probabilities sum to {sum}"
        );
        let best = router
            .bots()
            .iter()
            .max_by(|a, b| {
                let p = |bot: &str| router.probability_of(&probabilities, bot).unwrap_or(0.0);
                p(a).total_cmp(&p(b))
            })
            .expect("three bots");
        assert_eq!(best, bot, "{question}");
    }
    // One class per entry, each counted for its bot.
    assert_eq!(router.classes(), 6);
    // Questions that share no word with any variant reach their bot by what they mean
    // (the built-in English word vectors).
    for (question, bot) in [
        ("wages", "hr"),
        ("copier broken", "it"),
        ("chilly", "facilities"),
    ] {
        let probabilities = router.probabilities(question);
        let p = |bot: &str| router.probability_of(&probabilities, bot).unwrap_or(0.0);
        let others = ["hr", "it", "facilities"].into_iter().filter(|&b| b != bot);
        for other in others {
            assert!(
                p(bot) > p(other),
                "{question}: {bot} {} ≤ {other} {}",
                p(bot),
                p(other)
            );
        }
    }
    // A bot it was not trained on is not weighed.
    assert_eq!(
        router.probability_of(&router.probabilities("hello"), "remote"),
        None
    );
    // Trained twice on the same files, the same router.
    let again = BotRouter::train(engine.workspace(), &bots).expect("a router");
    assert_eq!(
        router.probabilities("book a day off"),
        again.probabilities("book a day off")
    );
}

#[test]
fn a_router_too_large_for_a_class_per_entry_has_a_class_per_bot() {
    let ws = nlu_workspace();
    let engine = Engine::load(ws.path()).expect("the workspace loads");
    let bots = engine.workspace().asked_bots();
    // Budgets doubling from far too small to ample: no router, then a class per bot (a
    // budget between 3 and 6 times a pass's features, which one of them is), then a class
    // per entry.
    let mut seen = Vec::new();
    for budget in (0..24).map(|i| 1_000usize << i) {
        let classes = match BotRouter::train_within(engine.workspace(), &bots, budget) {
            Ok(router) => {
                let p = router.probabilities("my payslip is missing");
                assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
                assert_eq!(
                    router.probability_of(&p, "hr"),
                    p.iter().copied().reduce(f32::max)
                );
                router.classes()
            }
            Err(why) => {
                assert_eq!(why, NoRouter::TooLarge);
                0
            }
        };
        if seen.last() != Some(&classes) {
            seen.push(classes);
        }
    }
    assert_eq!(seen, [0, 3, 6]);
}

#[test]
fn workspaces_without_enough_to_learn_from_get_no_router() {
    let demo = Engine::load(demo_workspace()).expect("the bundled workspace loads");
    let bots = demo.workspace().asked_bots();
    assert_eq!(
        BotRouter::train(demo.workspace(), &bots).err(),
        Some(NoRouter::FewVariants),
        "the bundled bots hold two to five variants an entry"
    );
    let ws = nlu_workspace();
    let engine = Engine::load(ws.path()).expect("the workspace loads");
    let one = ["hr".to_string(), "remote-bot".to_string()];
    assert_eq!(
        BotRouter::train(engine.workspace(), &one).err(),
        Some(NoRouter::TooFewBots)
    );
}

#[test]
fn a_routed_confidence_stays_in_range_and_never_rises() {
    for confidence in [0.0, 0.2, 0.5, 1.0] {
        for probability in [0.0_f32, 0.01, 0.3, 1.0, 1.5, -0.5, f32::NAN, f32::INFINITY] {
            let routed = routed_confidence(confidence, probability);
            assert!(
                (0.0..=confidence).contains(&routed),
                "{confidence} {probability}"
            );
        }
        assert_eq!(routed_confidence(confidence, 1.0), confidence);
        assert_eq!(routed_confidence(confidence, f32::NAN), confidence);
    }
}

#[test]
fn each_routed_leave_one_out_run_is_the_workspace_without_that_bot() {
    let ws = nlu_workspace();
    let engine = Engine::load(ws.path()).expect("the workspace loads");
    let questions = labelled(
        &engine,
        &[
            ("my salary statement is wrong", Some("hr")),
            ("I need a parking permit for my car", Some("facilities")),
            ("the printer in my room is offline", Some("it")),
            ("can I take a day off on friday", Some("hr")),
            ("what is the capital of peru", None),
        ],
    );
    let bots = engine.workspace().asked_bots();
    let guesses = eval::every_guess(&engine, &questions, &|_| {});
    for left_out in &bots {
        let copy = nlu_workspace();
        std::fs::remove_dir_all(copy.path().join("bots").join(left_out)).expect("remove");
        let without = Engine::load(copy.path()).expect("the copy loads");
        let rest = without.workspace().asked_bots();
        let router = BotRouter::train(without.workspace(), &rest).expect("a router of two");
        let really: Vec<eval::Outcome> = eval::every_guess(&without, &questions, &|_| {})
            .iter()
            .zip(&questions)
            .map(|(guesses, question)| eval::outcome(question, guesses, Some(&router)))
            .collect();
        let run = leave_out::routed_run(engine.workspace(), &questions, &guesses, &bots, left_out);
        assert_eq!(run.len(), really.len());
        for (run, really) in run.iter().zip(&really) {
            assert_eq!(
                best_guess(run),
                best_guess(really),
                "{left_out} left out: {:?}",
                run.question.text
            );
        }
    }
    let report = eval::leave_one_out_routed(
        engine.workspace(),
        &questions,
        &guesses,
        &bots,
        leave_out::TOLERANCE,
    );
    assert_eq!(report.runs.len(), bots.len());
}

#[test]
fn eval_says_whether_it_routed_through_the_router() {
    let ws = nlu_workspace();
    let file = ws.write(
        "tests/labelled.jsonl",
        "{\"text\": \"the printer is jammed again\", \"bot\": \"it\"}\n\
         {\"text\": \"what is the capital of peru\", \"bot\": null}\n",
    );
    let eval = |extra: &[&str]| {
        let output = Command::cargo_bin("interbot")
            .expect("the binary")
            .args(["--no-cache", "-w"])
            .arg(ws.path())
            .arg("eval")
            .arg(&file)
            .args(extra)
            .output()
            .expect("eval runs");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let routed = "Routed through the master's bot router over 3 bots";
    assert!(eval(&[]).contains(routed));
    assert!(!eval(&["--no-router"]).contains(routed));
    assert!(eval(&["--leave-one-out"]).contains("Each run routes through the master's bot router"));

    let output = Command::cargo_bin("interbot")
        .expect("the binary")
        .args(["--no-cache", "eval", "workspace/tests/routing.jsonl"])
        .output()
        .expect("eval runs");
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stdout).contains("bot router"));
}

#[test]
fn check_says_whether_the_master_has_a_router_and_where_it_came_from() {
    let ws = nlu_workspace();
    let cache = tempfile::tempdir().expect("a cache folder");
    let check = |workspace: &std::path::Path| {
        let output = Command::cargo_bin("interbot")
            .expect("the binary")
            .arg("--cache")
            .arg(cache.path())
            .arg("-w")
            .arg(workspace)
            .arg("check")
            .output()
            .expect("check runs");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let first = check(ws.path());
    assert!(
        first.contains("bot router over 3 bots (6 classes, one per entry; trained in"),
        "{first}"
    );
    let again = check(ws.path());
    assert!(again.contains("one per entry; from the cache)"), "{again}");
    assert!(!check(&demo_workspace()).contains("bot router"));
}

#[test]
fn delegation_weighs_each_local_bots_confidence_by_the_router() {
    let ws = nlu_workspace();
    let engine = Engine::load(ws.path()).expect("the workspace loads");
    let router = engine
        .router()
        .expect("an NLU-style workspace gets a router");
    let question = "the printer in my office is jammed";
    let turn = common::runtime()
        .block_on(engine.ask("master", question))
        .expect("a turn");
    let probabilities = router.probabilities(question);
    let contexts = &engine.workspace().settings.included_contexts;
    for row in &turn.trace {
        let Some(p) = row.router else {
            assert!(row.entry_id.is_none(), "{row:?}");
            continue;
        };
        assert_eq!(
            Some(p as f32),
            router.probability_of(&probabilities, &row.bot_id)
        );
        let index = engine.index(&row.bot_id).expect("a local bot");
        let hit = index
            .best(question, contexts)
            .expect("search")
            .expect("a hit");
        let own = f64::from(hit.confidence);
        assert!((row.confidence - routed_confidence(own, p as f32)).abs() < 1e-9);
        assert!(row.confidence <= own);
    }
    assert_eq!(
        turn.trace.first().map(|row| row.bot_id.as_str()),
        Some("it")
    );

    // Botpress reads confidences as they come: no router under compat botpress.
    ws.write_json("interbot.json", &serde_json::json!({"compat": "botpress"}));
    let botpress = Engine::load(ws.path()).expect("the workspace loads");
    let turn = common::runtime()
        .block_on(botpress.ask("master", question))
        .expect("a turn");
    assert!(turn.trace.iter().all(|row| row.router.is_none()));

    // Left out by the settings (`--no-router` sets the same).
    ws.write_json("interbot.json", &serde_json::json!({"router": false}));
    let unrouted = Engine::load(ws.path()).expect("the workspace loads");
    assert!(unrouted.router().is_none());
}

#[test]
fn the_router_is_kept_in_the_cache_and_a_damaged_one_is_trained_again() {
    let ws = nlu_workspace();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let cache = interbot::IndexCache::at(cache_dir.path());
    let workspace = interbot::Workspace::load(ws.path()).expect("the workspace loads");
    let bots = workspace.asked_bots();
    let question = "can I park my car here";
    let trained = BotRouter::cached(&workspace, &bots, Some(&cache), None).expect("trained");
    assert!(trained.training_seconds() > 0.0);
    let files: Vec<_> = std::fs::read_dir(cache_dir.path().join("router"))
        .expect("a router folder")
        .flatten()
        .map(|item| item.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let reread = BotRouter::cached(&workspace, &bots, Some(&cache), None).expect("from the cache");
    assert_eq!(reread.training_seconds(), 0.0);
    assert_eq!(
        reread.probabilities(question),
        trained.probabilities(question)
    );

    // One byte changed: the file is rejected and the router trained again, the same.
    let mut bytes = std::fs::read(&files[0]).expect("the router file");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&files[0], &bytes).expect("damage it");
    let again = BotRouter::cached(&workspace, &bots, Some(&cache), None).expect("trained again");
    assert!(again.training_seconds() > 0.0);
    assert_eq!(
        again.probabilities(question),
        trained.probabilities(question)
    );

    // Another variant: another key, trained anew.
    ws.qna(
        "it",
        "printer",
        &["the printer is jammed", "a new printer question"],
        "ok",
    );
    let changed = interbot::Workspace::load(ws.path()).expect("the workspace loads");
    let retrained = BotRouter::cached(&changed, &bots, Some(&cache), None).expect("trained");
    assert!(retrained.training_seconds() > 0.0);
}

/// The stages a start of `workspace` reports, through `cache`.
fn start_up_stages(
    workspace: &std::path::Path,
    cache: Option<&std::path::Path>,
) -> Vec<interbot::IndexStage> {
    let stages = std::sync::Mutex::new(Vec::new());
    Engine::with_cache(
        interbot::Workspace::load(workspace).expect("the workspace loads"),
        cache.map(interbot::IndexCache::at),
        &|step| stages.lock().expect("not poisoned").push(step.stage),
    );
    stages.into_inner().expect("not poisoned")
}

#[test]
fn a_start_says_when_it_trains_the_router_and_only_then() {
    use interbot::IndexStage::{Bots, TrainingRouter};
    let ws = nlu_workspace();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let first = start_up_stages(ws.path(), Some(cache_dir.path()));
    assert_eq!(first.last(), Some(&TrainingRouter), "{first:?}");
    assert_eq!(first.iter().filter(|s| **s == TrainingRouter).count(), 1);
    assert!(first[..first.len() - 1].iter().all(|s| *s == Bots));
    // From the cache: no training, so no such report.
    let cached = start_up_stages(ws.path(), Some(cache_dir.path()));
    assert!(cached.iter().all(|s| *s == Bots), "{cached:?}");
    // The bundled bots get no router at all.
    let demo = start_up_stages(&demo_workspace(), None);
    assert!(
        !demo.is_empty() && demo.iter().all(|s| *s == Bots),
        "{demo:?}"
    );
}

#[test]
fn a_router_file_altered_behind_its_hash_never_panics_a_start_or_a_turn() {
    let ws = nlu_workspace();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let cache = interbot::IndexCache::at(cache_dir.path());
    let workspace = interbot::Workspace::load(ws.path()).expect("the workspace loads");
    let bots = workspace.asked_bots();
    BotRouter::cached(&workspace, &bots, Some(&cache), None).expect("trained and stored");
    let file = std::fs::read_dir(cache_dir.path().join("router"))
        .expect("a router folder")
        .flatten()
        .map(|item| item.path())
        .next()
        .expect("one router file");
    let original = std::fs::read(&file).expect("the router file");
    let body = original.len() - blake3::OUT_LEN;
    // Bytes flipped all along the body (the bots, the columns, the weights), the hash made
    // to agree each time, as a writer who knows the format could.
    for position in (0..body).step_by(body / 97 + 1) {
        let mut bytes = original[..body].to_vec();
        bytes[position] ^= 0xa5;
        let hash = blake3::hash(&bytes);
        bytes.extend_from_slice(hash.as_bytes());
        std::fs::write(&file, &bytes).expect("alter it");
        let engine = Engine::with_cache(
            interbot::Workspace::load(ws.path()).expect("the workspace loads"),
            Some(interbot::IndexCache::at(cache_dir.path())),
            &|_| {},
        );
        let turn = common::runtime()
            .block_on(engine.ask("master", "the heating is broken in my office"))
            .expect("a turn");
        for row in &turn.trace {
            assert!(
                (0.0..=1.0).contains(&row.confidence),
                "byte {position}: {row:?}"
            );
            assert!(
                row.router.is_none_or(|p| (0.0..=1.0).contains(&p)),
                "{row:?}"
            );
        }
    }
}

#[test]
fn a_reloaded_engine_keeps_its_router_unless_a_variant_changed() {
    let ws = nlu_workspace();
    // No cache: a router that is not kept would be trained again.
    let engine = Engine::load(ws.path()).expect("the workspace loads");
    let first = engine.router().expect("a router");

    // An answer edited: the variants are the same, so the router is the same one.
    ws.qna("hr", "payslip", &PAYSLIP, "a new answer");
    let (reloaded, _) = engine.reload_bot("hr").expect("reloads");
    assert!(std::ptr::eq(first, reloaded.router().expect("a router")));
    let (all, _) = reloaded.reload_all().expect("reloads");
    assert!(std::ptr::eq(first, all.router().expect("a router")));

    // A variant edited: a router trained on the new variants.
    let mut edited = PAYSLIP;
    edited[1] = "my payslip never came";
    ws.qna("hr", "payslip", &edited, "a new answer");
    let (changed, _) = all.reload_bot("hr").expect("reloads");
    let router = changed.router().expect("a router");
    assert!(!std::ptr::eq(first, router));
    assert!(router.training_seconds() > 0.0);
}
