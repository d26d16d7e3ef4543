//! Issue 15, reliability and security: each defect found by reading the workspace as a hostile
//! user would has a regression test here, named after it.

mod common;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use common::{TempWorkspace, demo_workspace};
use interbot::{Severity, Workspace};
use serde_json::{Value, json};

fn interbot(ws: &Path) -> Command {
    let mut command = Command::cargo_bin("interbot").expect("the interbot binary");
    command.arg("-w").arg(ws).timeout(Duration::from_secs(60));
    command
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::fs::create_dir_all(link.parent().expect("a parent")).expect("folders");
    std::os::unix::fs::symlink(target, link).expect("a symlink");
}

/// Every problem message naming `file`.
fn problems_of(ws: &Workspace, file: &Path) -> Vec<String> {
    ws.problems
        .iter()
        .filter(|p| p.file == file)
        .map(|p| p.message.clone())
        .collect()
}

#[test]
fn dev_zero_as_a_workspace_file_is_refused_not_read() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let files = [
        "bots/hr/bot.config.json",
        "bots/master/flows/main.flow.json",
        "bots/master/content-elements/builtin_text.json",
        "interbot.json",
    ];
    for file in files {
        let path = ws.path().join(file);
        let _ = std::fs::remove_file(&path);
        symlink("/dev/zero", &path);
    }
    let loaded = Workspace::load(ws.path())?;
    for file in files {
        let messages = problems_of(&loaded, &ws.path().join(file));
        assert_eq!(messages.len(), 1, "{file}: {messages:?}");
        assert!(messages[0].contains("character device"), "{messages:?}");
    }
    assert_eq!(loaded.bot("hr").map(|b| b.qna.len()), Some(2));
    Ok(())
}

#[test]
fn fifo_workspace_files_do_not_hang() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    for file in [
        "bots/it/bot.config.json",
        "bots/master/flows/main.flow.json",
        "bots/master/content-elements/builtin_text.json",
        "interbot.json",
        "bots/it/qna/pipe.json",
    ] {
        let path = ws.path().join(file);
        let _ = std::fs::remove_file(&path);
        std::fs::create_dir_all(path.parent().expect("parent"))?;
        mkfifo(&path);
    }
    // In a child process with a timeout: a hang fails the test instead of stalling it.
    let output = interbot(ws.path()).arg("check").output()?;
    let stdout = String::from_utf8(output.stdout)?;
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(stdout.matches("named pipe (FIFO)").count(), 5, "{stdout}");
    Ok(())
}

#[test]
fn skipped_qna_paths_are_named_problems() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let qna = ws.path().join("bots/hr/qna");
    std::fs::create_dir(qna.join("folder.json"))?;
    symlink(qna.join("missing.json"), &qna.join("dangling.json"));
    symlink(qna.join("loop-b.json"), &qna.join("loop-a.json"));
    symlink(qna.join("loop-a.json"), &qna.join("loop-b.json"));
    let loaded = Workspace::load(ws.path())?;
    let cases = [
        ("folder.json", "is a folder"),
        ("dangling.json", "dangling symbolic link"),
        ("loop-a.json", "symbolic links (a link loop?)"),
        ("loop-b.json", "symbolic links (a link loop?)"),
    ];
    for (name, expected) in cases {
        let messages = problems_of(&loaded, &qna.join(name));
        assert!(
            messages.len() == 1 && messages[0].contains(expected),
            "{name}: {messages:?}"
        );
    }
    assert!(
        loaded
            .problems
            .iter()
            .all(|p| p.severity == Severity::Error)
    );
    Ok(())
}

#[test]
fn skipped_bot_folders_are_named_problems() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let bots = ws.path().join("bots");
    symlink(bots.join("gone"), &bots.join("dangling"));
    mkfifo(&bots.join("pipe"));
    ws.write("bots/README.md", "notes");
    let loaded = Workspace::load(ws.path())?;
    let dangling = problems_of(&loaded, &bots.join("dangling"));
    assert!(
        dangling[0].contains("dangling symbolic link"),
        "{dangling:?}"
    );
    let pipe = problems_of(&loaded, &bots.join("pipe"));
    assert!(pipe[0].contains("not a folder"), "{pipe:?}");
    assert_eq!(loaded.problems.len(), 2, "a plain file is not a problem");
    Ok(())
}

#[test]
fn a_file_over_the_size_limit_is_refused_on_the_handle() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let big = ws.path().join("bots/hr/qna/big.json");
    let file = std::fs::File::create(&big)?;
    file.set_len(interbot::workspace::read::MAX_FILE_BYTES + 1)?;
    let loaded = Workspace::load(ws.path())?;
    let messages = problems_of(&loaded, &big);
    assert!(messages[0].contains("too large"), "{messages:?}");
    Ok(())
}

#[test]
fn render_template_from_dev_zero_or_a_fifo_is_refused() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let pipe = ws.path().join("pipe.mustache");
    mkfifo(&pipe);
    for source in [Path::new("/dev/zero"), pipe.as_path()] {
        let output = interbot(ws.path())
            .args(["render", "--template"])
            .arg(source)
            .output()?;
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8(output.stderr)?;
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
    Ok(())
}

#[test]
fn render_template_that_multiplies_stops_at_the_output_limit() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let template = ws.write(
        "big.mustache",
        "{{#a}}{{#a}}{{#a}}XXXXXXXXXX{{/a}}{{/a}}{{/a}}",
    );
    let list: Vec<u32> = (0..1000).collect();
    let output = interbot(ws.path())
        .args(["render", "--template"])
        .arg(&template)
        .args(["--data", &json!({ "a": list }).to_string()])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr)?;
    assert!(
        stderr.contains("output is larger than 1048576 bytes") && stderr.contains("column 13"),
        "{stderr}"
    );
    Ok(())
}

fn ask_batch(ws: &Path, input: Vec<u8>) -> anyhow::Result<(Option<i32>, Vec<Value>)> {
    let output = interbot(ws)
        .args(["ask", "--json", "-"])
        .write_stdin(input)
        .output()?;
    let lines = String::from_utf8(output.stdout)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<Vec<Value>, _>>()?;
    Ok((output.status.code(), lines))
}

#[test]
fn ask_batch_keeps_one_output_line_per_input_line() -> anyhow::Result<()> {
    let mut input = b"how do I reset my password\n\n".to_vec();
    input.extend_from_slice(b"bad \xff utf-8\n");
    input.extend_from_slice(&vec![b'a'; interbot::session::MAX_QUESTION_BYTES + 1]);
    input.extend_from_slice(b"\n   \nwhat is the capital of peru");
    let (code, lines) = ask_batch(&demo_workspace(), input)?;
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert_eq!(
        code,
        Some(1),
        "undecodable and over-long lines are failures"
    );
    assert!(lines[0]["replies"].is_array());
    for (i, expected) in [(1, "blank"), (2, "UTF-8"), (3, "longer than"), (4, "blank")] {
        assert_eq!(lines[i]["line"], i + 1, "{}", lines[i]);
        let error = lines[i]["error"].as_str().unwrap_or_default();
        assert!(error.contains(expected), "line {}: {error}", i + 1);
    }
    assert_eq!(lines[5]["question"], "what is the capital of peru");
    Ok(())
}

#[test]
fn a_huge_one_line_question_is_refused_and_the_batch_goes_on() -> anyhow::Result<()> {
    let mut input = vec![b'x'; 20 * 1024 * 1024];
    input.extend_from_slice(b"\nbook a meeting room\n");
    let (code, lines) = ask_batch(&demo_workspace(), input)?;
    assert_eq!(code, Some(1));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 1);
    assert_eq!(lines[1]["question"], "book a meeting room");
    let output = interbot(&demo_workspace())
        .args([
            "ask",
            &"y".repeat(interbot::session::MAX_QUESTION_BYTES + 1),
        ])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)?.contains("question is too long"));
    Ok(())
}

#[test]
fn ask_json_escapes_c1_and_bidi_controls() -> anyhow::Result<()> {
    let ws = TempWorkspace::new();
    ws.bot("master", "Master").bot("hr", "HR").qna(
        "hr",
        "pay",
        &["pay check \u{9b}31m \u{202e}gnp.exe"],
        "Payroll \u{9b}2J\u{85}\u{202e}evil\u{7f}",
    );
    let output = interbot(ws.path())
        .args(["ask", "--json", "pay check \u{9b}31m \u{202e}gnp.exe"])
        .output()?;
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout)?;
    assert_no_unsafe_chars("ask --json", &text);
    assert!(text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\u0085"));
    let turn: Value = serde_json::from_str(&text)?;
    assert_eq!(turn["question"], "pay check \u{9b}31m \u{202e}gnp.exe");
    assert!(
        turn["delegation"][0]["answer"]
            .as_str()
            .is_some_and(|a| a.contains('\u{202e}')),
        "the value is unchanged, only its encoding: {turn}"
    );
    Ok(())
}

/// Fails if `text` holds a byte or character that a terminal could act on: C0 controls but
/// newline and tab, DEL, C1 controls, bidi overrides and isolates.
fn assert_no_unsafe_chars(what: &str, text: &str) {
    if let Some((at, c)) = text
        .char_indices()
        .find(|(_, c)| interbot::text::is_terminal_unsafe(*c))
    {
        panic!("{what}: U+{:04X} at byte {at} in {text:?}", c as u32);
    }
}

/// A workspace whose ids, names, questions, answers and file names are all hostile.
fn hostile_workspace() -> TempWorkspace {
    let evil = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{85}\u{202e}\u{2066}\x7f\r";
    let ws = TempWorkspace::new();
    ws.bot("master", &format!("Master{evil}"));
    let bot = format!("hr{evil}");
    ws.write_json(
        &format!("bots/{bot}/bot.config.json"),
        &json!({"id": "other", "name": evil}),
    );
    ws.write_json(
        &format!("bots/{bot}/qna/pay{evil}.json"),
        &json!({"id": format!("pay{evil}"), "data": {
            "questions": [format!("pay check {evil}")], "answers": [format!("Payroll {evil}")],
            "category": format!("ctx{evil}"), "enabled": true}}),
    );
    ws.write(&format!("bots/{bot}/qna/broken{evil}.json"), "{\"id\": 3");
    ws.write(
        "bots/master/flows/main.flow.json",
        json!({"startNode": "entry", "nodes": [{"id": "e", "name": format!("entry{evil}"),
            "onEnter": [format!("delegate_to_bots {{\"bots\":\"{}\"}}", bot.replace('\x1b', "\\u001b").replace('\x07', "\\u0007").replace('\r', "\\r"))],
            "next": []}]})
        .to_string(),
    );
    ws.elements(&[(
        &format!("builtin_text-{evil}"),
        &format!("{evil}{{{{temp.delegation.0.answer}}}}"),
    )]);
    ws
}

#[test]
fn no_command_prints_control_bytes_with_hostile_input() -> anyhow::Result<()> {
    let evil = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{85}\u{202e}\u{2066}\x7f\r";
    let ws = hostile_workspace();
    let bot = format!("hr{evil}");
    let entry = format!("pay{evil}");
    let question = format!("pay check {evil}");
    let element = format!("builtin_text-{evil}");
    let runs: Vec<Vec<String>> = vec![
        vec!["check".into()],
        vec!["ask".into(), question.clone()],
        vec!["ask".into(), "--json".into(), question.clone()],
        vec!["ask".into(), "--bot".into(), bot.clone(), question.clone()],
        vec![
            "ask".into(),
            "--bot".into(),
            bot.clone(),
            "--json".into(),
            question.clone(),
        ],
        vec![
            "ask".into(),
            "--bot".into(),
            format!("nobody{evil}"),
            "x".into(),
        ],
        vec!["qna".into(), "list".into()],
        vec!["qna".into(), "list".into(), "--json".into()],
        vec![
            "qna".into(),
            "show".into(),
            "--bot".into(),
            bot.clone(),
            entry.clone(),
        ],
        vec![
            "qna".into(),
            "show".into(),
            "--bot".into(),
            bot.clone(),
            entry.clone(),
            "--json".into(),
        ],
        vec![
            "qna".into(),
            "show".into(),
            "--bot".into(),
            bot.clone(),
            evil.into(),
        ],
        vec![
            "qna".into(),
            "edit".into(),
            "--bot".into(),
            bot.clone(),
            entry.clone(),
            "--add-question".into(),
            format!("another {evil}"),
        ],
        vec![
            "qna".into(),
            "add".into(),
            "--bot".into(),
            bot.clone(),
            "-q".into(),
            format!("new {evil}"),
            "-a".into(),
            evil.into(),
        ],
        vec![
            "render".into(),
            element.clone(),
            "--data".into(),
            json!({"temp": {"delegation": [{"answer": evil}]}}).to_string(),
        ],
        vec!["render".into(), format!("missing{evil}")],
        vec!["render".into(), "--list".into()],
        vec!["render".into(), element.clone()],
        vec![
            "render".into(),
            "--template".into(),
            format!("/nowhere/{evil}"),
        ],
        vec![format!("--bogus{evil}")],
        vec![format!("sub{evil}")],
        vec!["ask".into(), "--json".into(), "-".into()],
        vec!["ask".into(), "-".into()],
    ];
    for args in runs {
        let output = interbot(ws.path())
            .args(&args)
            .write_stdin(format!("{question}\n\n\u{9b}\n"))
            .output()?;
        let what = format!("{args:?}");
        assert!(output.status.code().is_some(), "{what}: no crash");
        // `render`'s stdout is the rendered bytes themselves when it is not a terminal (as
        // `cat` prints a file); in a terminal it is sanitized (tests/cli.rs:
        // `render_sanitizes_its_output_only_when_stdout_is_a_terminal`).
        let rendered_bytes = args[0] == "render" && args.get(1) == Some(&element);
        if !rendered_bytes {
            assert_no_unsafe_chars(&what, &String::from_utf8_lossy(&output.stdout));
        }
        assert_no_unsafe_chars(&what, &String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}

#[test]
fn concurrent_qna_edits_keep_every_variant() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let binary = assert_cmd::cargo::cargo_bin("interbot");
    let children = (0..20)
        .map(|i| {
            std::process::Command::new(&binary)
                .arg("-w")
                .arg(ws.path())
                .args(["qna", "edit", "--bot", "hr", "pay", "--add-question"])
                .arg(format!("concurrent variant number {i}"))
                .stderr(std::process::Stdio::null())
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()?;
    for mut child in children {
        assert!(child.wait()?.success());
    }
    let loaded = Workspace::load(ws.path())?;
    let pay = loaded
        .bot("hr")
        .and_then(|b| b.entry("pay"))
        .expect("pay entry");
    for i in 0..20 {
        let variant = format!("concurrent variant number {i}");
        assert!(pay.questions.contains(&variant), "{variant} lost");
    }
    assert_eq!(pay.questions.len(), 22);
    Ok(())
}

#[test]
fn stale_temp_files_of_killed_saves_are_removed_at_load() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let stale = ws.write("bots/hr/qna/.pay.json.interbot-4242.tmp", "{\"id\":");
    let stale_root = ws.write("bots/hr/.bot.config.json.interbot-17.tmp", "{");
    let mine = ws.write("bots/hr/qna/.notes.tmp", "keep me");
    let loaded = Workspace::load(ws.path())?;
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert!(!stale.exists() && !stale_root.exists());
    assert!(mine.exists(), "only interbot's own temp names are removed");
    Ok(())
}

#[test]
fn a_save_waits_for_the_bot_lock_and_load_keeps_temp_files_under_it() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let temp = ws.write("bots/hr/qna/.pay.json.interbot-4242.tmp", "{");
    let lock = interbot::workspace::BotLock::acquire(&ws.path().join("bots/hr"))?;
    Workspace::load(ws.path())?;
    assert!(
        temp.exists(),
        "a save may be writing it: not removed while locked"
    );
    let path = ws.path().to_path_buf();
    let saver = std::thread::spawn(move || -> anyhow::Result<bool> {
        let loaded = Workspace::load(&path)?;
        let saved = loaded.update_entry("hr", "pay", |e| -> anyhow::Result<()> {
            e.questions.push("added while locked".into());
            Ok(())
        })?;
        Ok(saved.written)
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(!saver.is_finished(), "the save waits for the lock");
    drop(lock);
    assert!(saver.join().map_err(|_| anyhow::anyhow!("panicked"))??);
    Ok(())
}

#[test]
fn qna_add_and_edit_refuse_a_variant_the_entry_already_has() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let edit = interbot(ws.path())
        .args(["qna", "edit", "--bot", "hr", "pay", "--add-question"])
        .arg("  when IS   payday ")
        .output()?;
    assert_eq!(edit.status.code(), Some(2));
    assert!(String::from_utf8(edit.stderr)?.contains("already has the question"));
    let add = interbot(ws.path())
        .args([
            "qna",
            "add",
            "--bot",
            "hr",
            "-q",
            "When is payday",
            "-a",
            "x",
        ])
        .output()?;
    assert_eq!(add.status.code(), Some(2));
    assert!(String::from_utf8(add.stderr)?.contains("entry pay of bot hr already has"));
    let twice = interbot(ws.path())
        .args([
            "qna", "add", "--bot", "hr", "-q", "New one", "-q", "new  ONE",
        ])
        .args(["-a", "x"])
        .output()?;
    assert_eq!(twice.status.code(), Some(2));
    assert_eq!(
        std::fs::read_dir(ws.path().join("bots/hr/qna"))?.count(),
        2,
        "nothing was written"
    );
    Ok(())
}

#[test]
fn an_edit_that_changes_nothing_writes_nothing() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let file = ws.path().join("bots/hr/qna/pay.json");
    // Extra blank lines, which a save would not write: if they survive, nothing was written.
    let mut before = std::fs::read(&file)?;
    before.extend_from_slice(b"\n\n\n");
    std::fs::write(&file, &before)?;
    let output = interbot(ws.path())
        .args(["qna", "edit", "--bot", "hr", "pay", "--enable"])
        .output()?;
    assert!(output.status.success());
    assert!(String::from_utf8(output.stderr)?.contains("nothing changed"));
    assert_eq!(std::fs::read(&file)?, before);
    Ok(())
}

#[test]
fn broken_flow_condition_is_a_problem_in_the_turn() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(
        &json!({"startNode": "entry", "nodes": [{"id": "e", "name": "entry",
            "onEnter": ["delegate_to_bots {\"bots\":\"hr,it\"}"],
            "next": [{"condition": "temp.delegation.length +", "node": "END"}]}]})
        .to_string(),
    );
    let output = interbot(ws.path())
        .args(["ask", "--json", "When is payday"])
        .output()?;
    let turn: Value = serde_json::from_slice(&output.stdout)?;
    let problems = turn["problems"].as_array().cloned().unwrap_or_default();
    assert_eq!(problems.len(), 1, "{turn}");
    assert!(
        problems[0]
            .as_str()
            .is_some_and(|p| p.contains("condition") && p.contains("not taken")),
        "{problems:?}"
    );
    Ok(())
}

#[test]
fn content_element_whose_template_does_not_parse_fails_check() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.elements(&[
        ("builtin_text-ok", "hi {{name}}"),
        ("builtin_text-bad", "hi {{#a}}"),
    ]);
    let output = interbot(ws.path()).arg("check").output()?;
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout)?;
    assert!(
        stdout.contains(
            "content element builtin_text-bad: template does not parse: unclosed section `a`"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("builtin_text-ok"));
    Ok(())
}

#[test]
fn invalid_flow_min_confidence_is_reported() -> anyhow::Result<()> {
    // Botpress reads `Number(minConfidence)` (NaN → 0.5): "abc" is 0.5, "-1" lets every bot
    // pass, "2" none; each is reported, and `null` (0) is a valid threshold.
    for (given, reported) in [
        (r#""abc""#, Some("is not a number")),
        (r#""-1""#, Some("below 0")),
        (r#""2""#, Some("above 1")),
        ("null", None),
    ] {
        let ws = TempWorkspace::hr_and_it();
        let action = format!(r#"delegate_to_bots {{"bots":"hr,it","minConfidence":{given}}}"#);
        ws.flow(
            &json!({"startNode": "entry", "nodes": [{"id": "e", "name": "entry",
                "onEnter": [action], "next": []}]})
            .to_string(),
        );
        let loaded = Workspace::load(ws.path())?;
        match reported {
            Some(words) => {
                assert_eq!(loaded.problems.len(), 1, "{given}: {:?}", loaded.problems);
                assert!(loaded.problems[0].message.contains(words), "{given}");
            }
            None => assert!(loaded.problems.is_empty(), "{given}: {:?}", loaded.problems),
        }
        assert!(loaded.bot("master").is_some_and(|m| m.flow.is_some()));
    }
    Ok(())
}

#[test]
fn master_delegating_to_itself_a_missing_bot_or_twice_is_reported() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    ws.flow(
        &json!({"startNode": "entry", "nodes": [{"id": "e", "name": "entry",
            "onEnter": ["delegate_to_bots {\"bots\":\"hr,master,ghost,hr\"}"], "next": []}]})
        .to_string(),
    );
    let loaded = Workspace::load(ws.path())?;
    let messages: Vec<&str> = loaded.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("`hr` more than once")));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`master`, the master itself"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`ghost`, a bot this workspace does not have"))
    );
    let output = interbot(ws.path())
        .args(["ask", "--json", "When is payday"])
        .output()?;
    let turn: Value = serde_json::from_slice(&output.stdout)?;
    let hr_rows = turn["delegation"]
        .as_array()
        .map_or(0, |d| d.iter().filter(|m| m["botId"] == "hr").count());
    assert_eq!(hr_rows, 1, "no duplicate temp.delegation rows: {turn}");
    Ok(())
}
