//! Bots with several languages (issue 14, point 6), on `tests/fixtures/languages/`: master and
//! `rh` speak English (default) and French, `it` speaks French (default) and English. Each bot
//! answers in the language Botpress's NLU predictor would pick (`predictor.ts`: the detected
//! language, then the user's, then `defaultLanguage`, the first the bot speaks), searches that
//! language's questions with that language's stemmer, and answers (QnA answers, content
//! elements) in it, falling back to its default language as Botpress does.

// The TUI helpers bring the shared test helpers (`common`) with them.
mod tui_support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use interbot::{AskOptions, Engine, Turn, Workspace};
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/languages")
}

fn engine() -> Engine {
    Engine::load(fixture()).expect("the languages fixture loads")
}

fn ask_with(engine: &Engine, bot: &str, question: &str, language: Option<&str>) -> Turn {
    let options = AskOptions {
        language: language.map(str::to_string),
    };
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(engine.ask_with(bot, question, &options))
        .expect("a turn")
}

fn ask(engine: &Engine, bot: &str, question: &str) -> Turn {
    ask_with(engine, bot, question, None)
}

fn row<'a>(turn: &'a Turn, bot: &str) -> &'a interbot::TraceRow {
    turn.trace
        .iter()
        .find(|row| row.bot_id == bot)
        .expect("a row for the bot")
}

fn cli() -> Command {
    let mut command = Command::cargo_bin("interbot").expect("the interbot binary");
    command.arg("--workspace").arg(fixture());
    command
}

#[test]
fn a_french_question_is_answered_from_the_french_questions() {
    let turn = ask(&engine(), "master", "Quand mon salaire est-il versé");
    let rh = row(&turn, "rh");
    assert!(rh.passed);
    assert_eq!(rh.entry_id.as_deref(), Some("p4y5l1p8k2_payslip"));
    assert_eq!(
        rh.question.as_deref(),
        Some("Quand mon salaire est-il versé")
    );
    assert_eq!(rh.language.as_deref(), Some("fr"));
    assert_eq!(
        rh.answer.as_deref(),
        Some("Le service paie répond à vos questions de fiche de paie.")
    );
    // The master says its element in French too.
    assert_eq!(turn.language.as_deref(), Some("fr"));
    assert_eq!(
        turn.replies,
        ["rh peut vous aider : Le service paie répond à vos questions de fiche de paie."]
    );
}

#[test]
fn a_french_default_bot_answers_an_english_question_in_english() {
    let turn = ask(&engine(), "it", "I forgot my password");
    assert_eq!(turn.language.as_deref(), Some("en"));
    assert_eq!(turn.replies, ["Reset your password on the portal."]);
    assert_eq!(
        turn.trace[0].question.as_deref(),
        Some("I forgot my password")
    );
    // And a French one in French, its default.
    let turn = ask(&engine(), "it", "J'ai oublié mon mot de passe");
    assert_eq!(turn.language.as_deref(), Some("fr"));
    assert_eq!(
        turn.replies,
        ["Réinitialisez votre mot de passe sur le portail."]
    );
}

#[test]
fn each_sub_bot_chooses_among_its_own_languages() {
    // Not detected ("wifi" is a word of both languages): every bot answers in its own
    // default, the master and `rh` in English, `it` in French.
    let turn = ask(&engine(), "master", "wifi");
    assert_eq!(turn.language.as_deref(), Some("en"));
    assert_eq!(row(&turn, "it").language.as_deref(), Some("fr"));
    assert_eq!(row(&turn, "rh").language.as_deref(), Some("en"));
}

#[test]
fn each_language_is_searched_with_its_own_stemmer() {
    // French stemming makes "réinitialisez" and "réinitialiser" one word; English does not.
    let stem = |language: &str, word: &str| {
        let mut analyzer = interbot::index::analyzer_for(language);
        let mut stream = analyzer.token_stream(word);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().text.clone());
        }
        tokens
    };
    assert_eq!(stem("fr", "réinitialisez"), stem("fr", "réinitialiser"));
    assert_ne!(stem("en", "réinitialisez"), stem("en", "réinitialiser"));
    let engine = engine();
    let index = engine.index("rh").expect("rh is indexed");
    assert_eq!(index.language(), "en");
    assert_eq!(index.in_language("fr").language(), "fr");
    assert_eq!(
        index.in_language("de").language(),
        "en",
        "rh does not speak de"
    );
    let turn = ask_with(&engine, "it", "réinitialisez mot de passe", Some("fr"));
    assert_eq!(
        turn.trace[0].question.as_deref(),
        Some("Comment réinitialiser mon mot de passe")
    );
}

#[test]
fn an_entry_with_no_text_in_the_bot_languages_is_not_trained() {
    let engine = engine();
    let canteen = "k4nt1n3x7q_canteen";
    for language in [None, Some("de"), Some("en"), Some("fr")] {
        let turn = ask_with(&engine, "rh", "Wann öffnet die Kantine heute", language);
        assert!(
            turn.trace
                .iter()
                .all(|row| row.entry_id.as_deref() != Some(canteen)),
            "{language:?}: {:?}",
            turn.trace
        );
    }
    let warning = engine
        .problems()
        .into_iter()
        .find(|p| p.message.contains(canteen))
        .expect("a warning for the entry");
    assert!(warning.file.ends_with(format!("rh/qna/{canteen}.json")));
    assert!(warning.message.contains("would not train it"));
    // `interbot check` names the file.
    let output = cli().arg("check").output().expect("check runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{canteen}.json: warning")),
        "{stdout}"
    );
}

#[test]
fn an_answer_missing_in_the_chosen_language_falls_back_to_the_default_language() {
    // `holidays` has French questions but only an English answer (`getQnaEntryPayloads`).
    let turn = ask(&engine(), "rh", "Combien de jours de congés me reste-t-il");
    assert_eq!(turn.language.as_deref(), Some("fr"));
    assert_eq!(
        turn.trace[0].entry_id.as_deref(),
        Some("h0l1d4y5x9_holidays")
    );
    assert_eq!(turn.replies, ["Book your leave in the staff portal."]);
}

#[test]
fn content_element_falls_back_to_the_default_language() {
    // `wifi` answers with an element that has only `text$fr` (`it`'s default).
    let turn = ask(&engine(), "it", "What is the wifi code");
    assert_eq!(turn.language.as_deref(), Some("en"));
    assert_eq!(
        turn.replies,
        ["Le mot de passe du wifi est affiché à l'accueil."]
    );
    // The master's `none01` has an empty `text$fr`: `||` reads it as missing.
    let turn = ask_with(&engine(), "master", "zyx wvu", Some("fr"));
    assert_eq!(turn.language.as_deref(), Some("fr"));
    assert_eq!(
        turn.replies,
        ["Sorry, no bot can help you with that question."]
    );
}

#[test]
fn ask_lang_overrides_detection() {
    let json = |args: &[&str]| -> Value {
        let output = cli()
            .args(["ask", "--bot", "it", "--json"])
            .args(args)
            .output()
            .expect("ask runs");
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).expect("one JSON turn")
    };
    let detected = json(&["I forgot my password"]);
    assert_eq!(detected["language"], "en");
    assert_eq!(detected["trace"][0]["language"], "en");
    assert_eq!(detected["trace"][0]["passed"], true);
    // Asked in French, the English question is searched among the French questions.
    let forced = json(&["--lang", "fr", "I forgot my password"]);
    assert_eq!(forced["language"], "fr");
    assert!(
        forced["trace"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|row| row["passed"] == false)),
        "{forced}"
    );
    // A language the bot does not speak: the next one Botpress would try, said so.
    let unknown = json(&["--lang", "de", "I forgot my password"]);
    assert_eq!(unknown["language"], "fr");
    assert!(
        unknown["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains("does not speak `de`")),
        "{unknown}"
    );
}

#[test]
fn ask_lang_applies_to_every_line_of_a_batch() {
    let output = cli()
        .args(["ask", "--json", "--lang", "fr", "-"])
        .write_stdin("I forgot my password\nWhen is my salary paid\n")
        .output()
        .expect("ask runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let turns: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(turns.len(), 2);
    for turn in turns {
        assert_eq!(turn["language"], "fr", "{turn}");
    }
}

#[test]
fn the_users_language_comes_after_the_questions() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("languages");
    tui_support::copy_dir(&fixture(), &root);
    std::fs::write(root.join("interbot.json"), r#"{"userLanguage": "fr"}"#).expect("settings");
    let engine = Engine::load(&root).expect("loads");
    // "wifi" is not detected: the user's language (French) comes next, for every bot.
    let turn = ask(&engine, "master", "wifi");
    assert_eq!(turn.language.as_deref(), Some("fr"));
    assert_eq!(row(&turn, "rh").language.as_deref(), Some("fr"));
    assert_eq!(
        turn.replies,
        ["it peut vous aider : Le mot de passe du wifi est affiché à l'accueil."]
    );
    // A detected language still wins over the user's.
    let turn = ask(&engine, "master", "What is the wifi code");
    assert_eq!(turn.language.as_deref(), Some("en"));
}

#[test]
fn a_single_language_workspace_records_no_language() {
    let engine = Engine::load(tui_support::bundled()).expect("the demo loads");
    let turn = ask(&engine, "master", "I forgot my password");
    assert_eq!(turn.language, None);
    assert!(turn.trace.iter().all(|row| row.language.is_none()));
    let json = serde_json::to_value(&turn).expect("json");
    assert!(json.get("language").is_none());
}

#[test]
fn saving_an_entry_keeps_its_other_languages() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("languages");
    tui_support::copy_dir(&fixture(), &root);
    let workspace = Workspace::load(&root).expect("loads");
    let mut entry = workspace
        .bot("rh")
        .and_then(|bot| bot.entry("p4y5l1p8k2_payslip"))
        .cloned()
        .expect("the payslip entry");
    entry.questions.push("Where is my payslip".to_string());
    workspace.save_entry("rh", &entry).expect("saved");
    let file: Value =
        serde_json::from_slice(&std::fs::read(&entry.file).expect("the file")).expect("json");
    assert_eq!(file["data"]["questions"]["en"][3], "Where is my payslip");
    assert_eq!(
        file["data"]["questions"]["fr"][0],
        "J'ai une question sur ma fiche de paie"
    );
    assert_eq!(
        file["data"]["answers"]["fr"][0],
        "Le service paie répond à vos questions de fiche de paie."
    );
}

#[tokio::test]
async fn the_trace_pane_shows_the_language_each_bot_answered_in() {
    let mut ui = tui_support::Harness::new(&fixture(), 100, 30);
    ui.ask("Quand mon salaire est-il versé").await;
    let screen = ui.screen();
    assert!(screen.contains("rh·fr"), "{screen}");
    assert!(screen.contains("it·fr"), "{screen}");
}
