//! Workspace loading: both Botpress QnA forms, lossless saves, and every broken-file case
//! reported with its file (and line/column) while the rest still loads.

mod common;

use common::{TempWorkspace, demo_workspace};
use interbot::workspace::{QnaAction, QnaForm};
use interbot::{Severity, Workspace};
use serde_json::json;

#[test]
fn demo_loads_both_botpress_forms_without_problems() -> anyhow::Result<()> {
    let ws = Workspace::load(demo_workspace())?;
    assert!(ws.problems.is_empty(), "{:#?}", ws.problems);
    let ids: Vec<&str> = ws.bots.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        ["master", "sub1", "sub2", "sub3"],
        "master first, then by id"
    );
    let hr = ws.bot("sub1").expect("sub1");
    assert_eq!(hr.name(), "Human Resources");
    assert!(hr.qna.len() >= 30);
    assert!(hr.qna.iter().all(|e| e.form == QnaForm::V11));
    let pay = hr
        .entry("0ab47mj3e3_i_have_a_question_about_my_pay_check")
        .expect("pay entry");
    assert_eq!(
        pay.first_answer(),
        Some("I can help you answer payroll questions")
    );
    let facilities = ws.bot("sub3").expect("sub3");
    assert!(facilities.qna.iter().all(|e| e.form == QnaForm::V12));
    assert!(
        facilities
            .qna
            .iter()
            .all(|e| !e.questions.is_empty() && !e.answers.is_empty())
    );
    let master = ws.bot("master").expect("master");
    assert!(master.flow.is_some());
    assert_eq!(master.elements.len(), 2);
    Ok(())
}

#[test]
fn demo_has_the_variants_botpress_allows() -> anyhow::Result<()> {
    let ws = Workspace::load(demo_workspace())?;
    let entries: Vec<_> = ws.bots.iter().flat_map(|b| &b.qna).collect();
    assert!(entries.iter().any(|e| !e.enabled), "a disabled entry");
    assert!(
        entries.iter().any(|e| e.contexts != ["global"]),
        "an entry outside `global`"
    );
    assert!(
        entries
            .iter()
            .any(|e| e.action == QnaAction::TextRedirect && e.redirect.is_some())
    );
    assert!(
        entries
            .iter()
            .any(|e| e.raw["data"].get("answer").is_some()),
        "an old single-answer entry"
    );
    Ok(())
}

#[test]
fn v12_entry_with_several_languages_uses_the_bot_language() -> anyhow::Result<()> {
    let ws = TempWorkspace::new();
    ws.write_json(
        "bots/fr/bot.config.json",
        &json!({"id": "fr", "name": "Français", "defaultLanguage": "fr", "languages": ["fr", "en"]}),
    );
    ws.write_json(
        "bots/fr/qna/salut.json",
        &json!({"id": "salut", "data": {"questions": {"en": ["hello"], "fr": ["bonjour"]},
            "answers": {"en": ["hi"], "fr": ["salut"]}, "contexts": ["global"], "enabled": true}}),
    );
    let loaded = Workspace::load(ws.path())?;
    let entry = &loaded.bot("fr").expect("fr").qna[0];
    assert_eq!(entry.questions, ["bonjour"]);
    assert_eq!(entry.answers, ["salut"]);
    Ok(())
}

#[test]
fn saving_an_entry_keeps_unknown_fields_and_its_form() -> anyhow::Result<()> {
    let ws = TempWorkspace::new();
    ws.bot("hr", "HR");
    let original = json!({"id": "e1", "data": {"questions": {"en": ["old"], "de": ["alt"]},
        "answers": {"en": ["a"]}, "contexts": ["global"], "enabled": true,
        "lastModified": "2026-01-01", "custom": {"keep": [1, 2, 3]}}, "extra": true});
    let path = ws.write_json("bots/hr/qna/e1.json", &original);
    let loaded = Workspace::load(ws.path())?;
    let mut entry = loaded.bot("hr").expect("hr").qna[0].clone();
    entry.questions.push("new question".into());
    loaded.save_entry("hr", &entry)?;
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    assert_eq!(
        saved["data"]["questions"]["en"],
        json!(["old", "new question"])
    );
    assert_eq!(saved["data"]["questions"]["de"], json!(["alt"]));
    assert_eq!(saved["data"]["custom"], json!({"keep": [1, 2, 3]}));
    assert_eq!(saved["data"]["lastModified"], "2026-01-01");
    assert_eq!(saved["extra"], true);
    Ok(())
}

#[test]
fn a_new_entry_id_cannot_escape_the_bot_folder() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let mut entry = loaded.bot("hr").expect("hr").qna[0].clone();
    entry.id = "../../../evil".into();
    entry.file = ws.path().join("elsewhere.json");
    let error = loaded
        .save_entry("hr", &entry)
        .expect_err("a path id is refused");
    assert!(error.to_string().contains("not a valid id"), "{error}");
    assert!(!ws.path().join("evil.json").exists());
    Ok(())
}

/// A broken file: its name, its bytes, a word the problem must say, and where (line, column).
type BrokenCase = (&'static str, Vec<u8>, &'static str, Option<(usize, usize)>);

/// Each broken file gives one problem naming it; the other bot and files still load.
#[test]
fn broken_files_are_problems_and_the_rest_loads() -> anyhow::Result<()> {
    let cases: Vec<BrokenCase> = vec![
        (
            "invalid.json",
            b"{\n  \"id\": \"x\",\n  \"data\": {\"questions\": [\"a\",]}\n}".to_vec(),
            "trailing comma",
            Some((3, 30)),
        ),
        (
            "types.json",
            b"{\"id\": \"x\", \"data\": {\"questions\": \"not a list\"}}".to_vec(),
            "did not match",
            Some((1, 47)),
        ),
        ("empty.json", Vec::new(), "empty", None),
        (
            "nonutf8.json",
            b"{\"id\": \"x\", \"data\": {\"questions\": [\"caf\xe9\"]}}".to_vec(),
            "UTF-8",
            Some((1, 40)),
        ),
        ("huge.json", huge_file(), "too large", None),
        (
            "truncated.json",
            b"{\"id\": \"x\", \"data\": {\"questions\": [\"a\"".to_vec(),
            "EOF",
            Some((1, 38)),
        ),
    ];
    for (name, bytes, expected, position) in cases {
        let ws = TempWorkspace::hr_and_it();
        let broken = ws.write(&format!("bots/hr/qna/{name}"), &bytes);
        let loaded = Workspace::load(ws.path())?;
        assert_eq!(loaded.problems.len(), 1, "{name}: {:#?}", loaded.problems);
        let problem = &loaded.problems[0];
        assert_eq!(problem.file, broken, "{name}");
        assert_eq!(problem.severity, Severity::Error, "{name}");
        assert!(
            problem.message.contains(expected),
            "{name}: {}",
            problem.message
        );
        if let Some((line, column)) = position {
            assert_eq!(
                (problem.line, problem.column),
                (Some(line), Some(column)),
                "{name}"
            );
        }
        assert!(
            problem.to_string().contains(name),
            "{name}: display names the file"
        );
        assert_eq!(
            loaded.bot("hr").expect("hr").qna.len(),
            2,
            "{name}: the other HR entries load"
        );
        assert_eq!(
            loaded.bot("it").expect("it").qna.len(),
            2,
            "{name}: the other bot loads"
        );
    }
    Ok(())
}

fn huge_file() -> Vec<u8> {
    let question = format!("\"{}\",", "x".repeat(1000));
    let mut text = String::from("{\"id\": \"huge\", \"data\": {\"questions\": [");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&question);
    }
    text.push_str("\"end\"]}}");
    text.into_bytes()
}

#[test]
fn a_bom_is_a_warning_and_the_file_still_loads() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(
        br#"{"id": "bom", "data": {"questions": ["with bom"], "answers": ["yes"]}}"#,
    );
    let path = ws.write("bots/hr/qna/bom.json", &bytes);
    let loaded = Workspace::load(ws.path())?;
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(loaded.problems[0].file, path);
    assert_eq!(loaded.problems[0].severity, Severity::Warning);
    assert!(loaded.problems[0].message.contains("byte order mark"));
    assert!(loaded.bot("hr").expect("hr").entry("bom").is_some());
    Ok(())
}

#[test]
fn broken_config_flow_and_elements_are_problems() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.write("bots/hr/bot.config.json", "{\"id\": \"hr\", \"name\": 5}");
    ws.write(
        "bots/master/flows/main.flow.json",
        "{\"startNode\": \"entry\", \"nodes\": [",
    );
    ws.write(
        "bots/master/content-elements/builtin_text.json",
        "[{\"formData\": {}}]",
    );
    let loaded = Workspace::load(ws.path())?;
    let files: Vec<String> = loaded
        .problems
        .iter()
        .map(|p| {
            p.file
                .strip_prefix(ws.path())
                .unwrap_or(&p.file)
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        files,
        [
            "bots/master/content-elements/builtin_text.json",
            "bots/master/flows/main.flow.json",
            "bots/hr/bot.config.json"
        ],
        "master first, then the others by id"
    );
    assert!(
        loaded.problems.iter().all(|p| p.line.is_some()),
        "{:#?}",
        loaded.problems
    );
    assert_eq!(
        loaded.bot("hr").expect("hr").name(),
        "hr",
        "falls back to the id"
    );
    assert_eq!(
        loaded.bot("hr").expect("hr").qna.len(),
        2,
        "QnA still loads"
    );
    Ok(())
}

#[test]
fn a_missing_or_unusable_folder_is_an_error() {
    let missing = Workspace::load("/definitely/not/here").expect_err("missing folder");
    assert!(missing.to_string().contains("/definitely/not/here"));
    let ws = TempWorkspace::new();
    let no_bots = Workspace::load(ws.path().join("bots/..").join("nothing"));
    assert!(no_bots.is_err());
}
