//! Workspace loading: both Botpress QnA forms, lossless saves, and every broken-file case
//! reported with its file (and line/column) while the rest still loads.

mod common;

use common::{TempWorkspace, demo_workspace};
use interbot::workspace::{QnaAction, QnaForm};
use interbot::{FileVersion, Severity, Workspace};
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
            "expected a list of texts",
            Some((1, 46)),
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

/// Files a test reads back, as bytes.
fn bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).expect("the file")
}

fn conflict_versions(error: &interbot::Error) -> (Option<FileVersion>, Option<FileVersion>) {
    match error {
        interbot::Error::Conflict {
            expected, on_disk, ..
        } => (*expected, *on_disk),
        other => panic!("expected a conflict, got {other}"),
    }
}

#[test]
fn loaded_entries_carry_the_version_of_their_bytes() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let pay = loaded.bot("hr").expect("hr").entry("pay").expect("pay");
    assert_eq!(pay.version, Some(FileVersion::of(&bytes(&pay.file))));
    let fresh = loaded.new_entry("hr", vec!["q".into()], vec!["a".into()])?;
    assert_eq!(fresh.version, None, "a new entry has not been saved");
    Ok(())
}

#[test]
fn a_checked_save_refuses_a_file_changed_on_disk_since_it_was_read() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let mut pay = loaded
        .bot("hr")
        .expect("hr")
        .entry("pay")
        .expect("pay")
        .clone();
    let read = pay.version;
    // Someone else edits the file (another editor, a `git pull`).
    let outside =
        br#"{"id": "pay", "data": {"questions": ["changed elsewhere"], "answers": ["x"]}}"#;
    std::fs::write(&pay.file, outside)?;
    pay.questions.push("mine".into());
    let error = loaded
        .save_entry_checked("hr", &pay, read)
        .expect_err("the file changed since it was read");
    assert_eq!(
        conflict_versions(&error),
        (read, Some(FileVersion::of(outside)))
    );
    assert!(error.to_string().contains("changed on disk"), "{error}");
    assert_eq!(bytes(&pay.file), outside, "nothing was written");
    Ok(())
}

#[test]
fn a_checked_save_of_an_unchanged_file_writes_and_returns_the_new_version() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let mut pay = loaded
        .bot("hr")
        .expect("hr")
        .entry("pay")
        .expect("pay")
        .clone();
    let read = pay.version;
    pay.questions.push("Where is my payslip".into());
    let saved = loaded.save_entry_checked("hr", &pay, read)?;
    assert!(saved.written);
    assert_eq!(saved.path, pay.file);
    let now = FileVersion::of(&bytes(&pay.file));
    assert_eq!(saved.entry.version, Some(now), "the version written");
    assert_ne!(Some(now), read);
    // The next save expects the new version; the old one is now a conflict.
    let mut again = saved.entry.clone();
    again.answers = vec!["Payroll, second floor.".into()];
    let stale = loaded.save_entry_checked("hr", &again, read);
    assert_eq!(
        conflict_versions(&stale.expect_err("stale")),
        (read, Some(now))
    );
    loaded.save_entry_checked("hr", &again, Some(now))?;
    let reloaded = Workspace::load(ws.path())?;
    let entry = reloaded.bot("hr").expect("hr").entry("pay").expect("pay");
    assert_eq!(entry.answers, ["Payroll, second floor."]);
    assert!(entry.questions.iter().any(|q| q == "Where is my payslip"));
    Ok(())
}

#[test]
fn a_new_entry_never_replaces_a_file_that_appeared_meanwhile() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let entry = loaded.new_entry("hr", vec!["Parking".into()], vec!["Level -2.".into()])?;
    let theirs = b"{\"id\": \"theirs\", \"data\": {\"questions\": [\"q\"]}}";
    std::fs::write(&entry.file, theirs)?;
    let error = loaded
        .save_entry_checked("hr", &entry, None)
        .expect_err("a file is in the way");
    assert_eq!(
        conflict_versions(&error),
        (None, Some(FileVersion::of(theirs)))
    );
    assert!(error.to_string().contains("already exists"), "{error}");
    assert_eq!(bytes(&entry.file), theirs);
    std::fs::remove_file(&entry.file)?;
    let saved = loaded.save_entry_checked("hr", &entry, None)?;
    assert_eq!(
        saved.entry.version,
        Some(FileVersion::of(&bytes(&entry.file)))
    );
    Ok(())
}

#[test]
fn a_checked_save_of_a_removed_file_is_a_conflict_and_recreates_nothing() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let pay = loaded
        .bot("hr")
        .expect("hr")
        .entry("pay")
        .expect("pay")
        .clone();
    std::fs::remove_file(&pay.file)?;
    let error = loaded
        .save_entry_checked("hr", &pay, pay.version)
        .expect_err("removed meanwhile");
    assert_eq!(conflict_versions(&error), (pay.version, None));
    assert!(!pay.file.exists());
    Ok(())
}

#[test]
fn checked_updates_and_removals_refuse_other_versions() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let leave = loaded
        .bot("hr")
        .expect("hr")
        .entry("leave")
        .expect("leave")
        .clone();
    let read = leave.version.expect("a loaded entry has a version");
    let wrong = FileVersion::of(b"something else");
    let mut called = false;
    let refused = loaded.update_entry_checked("hr", "leave", wrong, |e| {
        called = true;
        e.enabled = false;
        Ok::<(), interbot::Error>(())
    });
    assert_eq!(
        conflict_versions(&refused.expect_err("wrong version")),
        (Some(wrong), Some(read))
    );
    assert!(!called, "the change is not applied to a conflicting file");
    let saved = loaded.update_entry_checked("hr", "leave", read, |e| {
        e.enabled = false;
        Ok::<(), interbot::Error>(())
    })?;
    assert!(saved.written);
    let now = saved.entry.version.expect("the version written");
    assert_eq!(now, FileVersion::of(&bytes(&leave.file)));
    let refused = loaded.remove_entry_checked("hr", "leave", read);
    assert_eq!(
        conflict_versions(&refused.expect_err("stale version")),
        (Some(read), Some(now))
    );
    assert!(leave.file.exists());
    loaded.remove_entry_checked("hr", "leave", now)?;
    assert!(!leave.file.exists());
    Ok(())
}

#[test]
fn adding_checks_the_entries_on_disk_not_those_loaded() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    // Another process adds an entry after this workspace was loaded.
    ws.qna("hr", "parking", &["Where do I park"], "Level -2.");
    let entry = loaded.new_entry("hr", vec!["Where do I park".into()], vec!["P2".into()])?;
    let mut seen = Vec::new();
    let refused = loaded.add_entry("hr", &entry, |fresh| {
        seen = fresh.iter().map(|e| e.id.clone()).collect();
        if fresh
            .iter()
            .any(|e| e.questions.contains(&entry.questions[0]))
        {
            return Err(anyhow::anyhow!("already asked"));
        }
        Ok(())
    });
    assert!(refused.is_err());
    assert!(seen.contains(&"parking".to_string()), "{seen:?}");
    assert!(!entry.file.exists());
    let saved = loaded.add_entry("hr", &entry, |_| Ok::<(), interbot::Error>(()))?;
    assert_eq!(saved.path, entry.file);
    assert_eq!(
        saved.entry.version,
        Some(FileVersion::of(&bytes(&entry.file)))
    );
    Ok(())
}

#[test]
fn a_content_text_edit_changes_only_that_line() -> anyhow::Result<()> {
    let ws = TempWorkspace::new();
    ws.bot("master", "Master");
    let path = ws
        .path()
        .join("bots/master/content-elements/builtin_text.json");
    std::fs::create_dir_all(path.parent().expect("a folder"))?;
    std::fs::copy(
        demo_workspace().join("bots/master/content-elements/builtin_text.json"),
        &path,
    )?;
    let original = std::fs::read_to_string(&path)?;
    let loaded = Workspace::load(ws.path())?;
    let master = loaded.bot("master").expect("master");
    let none = master
        .element("builtin_text-JqYzWM")
        .expect("the none element");
    let read = none.version;
    assert_eq!(read, Some(FileVersion::of(original.as_bytes())));

    // The same text: nothing written, the file byte for byte as it was.
    let same = loaded.save_content_text(
        "master",
        "builtin_text-JqYzWM",
        "en",
        none.text.as_deref().expect("a text"),
        read,
    )?;
    assert!(!same.written);
    assert_eq!(std::fs::read_to_string(&path)?, original);

    let saved = loaded.save_content_text(
        "master",
        "builtin_text-JqYzWM",
        "en",
        "No bot knows that one, sorry.",
        read,
    )?;
    assert!(saved.written);
    let edited = std::fs::read_to_string(&path)?;
    assert_eq!(saved.version, FileVersion::of(edited.as_bytes()));
    let before: Vec<&str> = original.lines().collect();
    let after: Vec<&str> = edited.lines().collect();
    assert_eq!(before.len(), after.len());
    let changed: Vec<(&&str, &&str)> = before.iter().zip(&after).filter(|(a, b)| a != b).collect();
    assert_eq!(
        changed,
        [(
            &"      \"text\": \"I'm sorry, I don't know any bot that can help you with that question.\",",
            &"      \"text\": \"No bot knows that one, sorry.\","
        )]
    );
    // A stale version is a conflict; the right one writes the original back byte for byte.
    let stale = loaded.save_content_text("master", "builtin_text-JqYzWM", "en", "x", read);
    assert_eq!(
        conflict_versions(&stale.expect_err("stale")),
        (read, Some(saved.version))
    );
    loaded.save_content_text(
        "master",
        "builtin_text-JqYzWM",
        "en",
        "I'm sorry, I don't know any bot that can help you with that question.",
        Some(saved.version),
    )?;
    assert_eq!(std::fs::read_to_string(&path)?, original);
    Ok(())
}

#[test]
fn a_botpress_12_element_keeps_its_languages_and_unknown_elements_are_errors() -> anyhow::Result<()>
{
    let ws = TempWorkspace::new();
    ws.write_json(
        "bots/master/bot.config.json",
        &json!({"id": "master", "name": "Master", "defaultLanguage": "en", "languages": ["en", "fr"]}),
    );
    let path = ws.write_json(
        "bots/master/content-elements/builtin_text.json",
        &json!([{"id": "builtin_text-a", "formData": {"text$fr": "Bonjour", "typing$fr": true,
            "text$en": "Hello", "typing$en": true}, "createdBy": "admin"}]),
    );
    let loaded = Workspace::load(ws.path())?;
    let read = loaded.bot("master").expect("master").elements[0].version;
    let saved_file =
        loaded.save_content_text("master", "builtin_text-a", "en", "Hi there", read)?;
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    assert_eq!(
        saved,
        json!([{"id": "builtin_text-a", "formData": {"text$fr": "Bonjour", "typing$fr": true,
            "text$en": "Hi there", "typing$en": true}, "createdBy": "admin"}])
    );
    let keys: Vec<&String> = saved[0]["formData"]
        .as_object()
        .expect("form data")
        .keys()
        .collect();
    assert_eq!(
        keys,
        ["text$fr", "typing$fr", "text$en", "typing$en"],
        "key order kept"
    );
    let missing = loaded.save_content_text(
        "master",
        "builtin_text-zz",
        "en",
        "x",
        Some(saved_file.version),
    );
    assert!(
        missing
            .expect_err("no such element")
            .to_string()
            .contains("does not exist"),
    );
    Ok(())
}
