//! Watching a workspace: a change to a bot's files is one debounced event for that bot;
//! interbot's own temporary files, editor litter, `.interbot/` and interbot's own saves are not
//! reported. Absence is checked against a later "sentinel" change, never by sleeping: events
//! are reported in order, so anything not filtered would arrive with or before the sentinel.

mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use common::TempWorkspace;
use interbot::Workspace;
use interbot::workspace::watch::{Watcher, WorkspaceEvent};

/// Long enough for any loaded machine; a passing test returns as soon as the event is in.
const PATIENCE: Duration = Duration::from_secs(10);

fn watch(root: &Path) -> (Watcher, Receiver<WorkspaceEvent>) {
    watch_with(root, Watcher::DEBOUNCE)
}

fn watch_with(root: &Path, debounce: Duration) -> (Watcher, Receiver<WorkspaceEvent>) {
    let (sender, events) = channel();
    let watcher = Watcher::with_debounce(root, debounce, move |event| {
        let _ = sender.send(event);
    })
    .expect("the workspace can be watched");
    (watcher, events)
}

/// Every event up to and including the first `BotChanged` of `bot` (panics after
/// [`PATIENCE`]).
fn events_until_bot(events: &Receiver<WorkspaceEvent>, bot: &str) -> Vec<WorkspaceEvent> {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(event) => {
                let done =
                    matches!(&event, WorkspaceEvent::BotChanged { bot_id, .. } if bot_id == bot);
                seen.push(event);
                if done {
                    return seen;
                }
            }
            Err(e) => panic!("no event for {bot} ({e}); saw {seen:?}"),
        }
    }
}

fn paths_of(event: &WorkspaceEvent) -> Vec<PathBuf> {
    match event {
        WorkspaceEvent::BotChanged { paths, .. } => paths.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn a_write_in_a_bot_is_one_event_for_that_bot() {
    let ws = TempWorkspace::hr_and_it();
    let (_watcher, events) = watch(ws.path());
    ws.qna("hr", "x", &["Where is the canteen"], "Ground floor.");
    let seen = events_until_bot(&events, "hr");
    assert_eq!(seen.len(), 1, "{seen:?}");
    let root = std::fs::canonicalize(ws.path()).expect("a root");
    assert_eq!(paths_of(&seen[0]), [root.join("bots/hr/qna/x.json")]);
    assert_eq!(
        events.recv_timeout(Watcher::DEBOUNCE * 3),
        Err(RecvTimeoutError::Timeout),
        "exactly one event"
    );
}

#[test]
fn a_burst_of_writes_is_one_event_per_bot() {
    let ws = TempWorkspace::hr_and_it();
    // A quiet time well above the few milliseconds the burst takes, even on a busy machine.
    let (_watcher, events) = watch_with(ws.path(), Duration::from_secs(1));
    for i in 0..20 {
        ws.qna(
            "hr",
            &format!("e{i}"),
            &[&format!("question {i}")],
            "answer",
        );
    }
    ws.qna("it", "printer", &["The printer is jammed"], "Open tray 2.");
    let mut seen = events_until_bot(&events, "it");
    if !seen
        .iter()
        .any(|e| matches!(e, WorkspaceEvent::BotChanged { bot_id, .. } if bot_id == "hr"))
    {
        seen.extend(events_until_bot(&events, "hr"));
    }
    let hr: Vec<&WorkspaceEvent> = seen
        .iter()
        .filter(|e| matches!(e, WorkspaceEvent::BotChanged { bot_id, .. } if bot_id == "hr"))
        .collect();
    assert_eq!(hr.len(), 1, "{seen:?}");
    assert_eq!(paths_of(hr[0]).len(), 20);
}

#[test]
fn temporary_files_editor_litter_and_interbot_folder_are_ignored() {
    let ws = TempWorkspace::hr_and_it();
    let (_watcher, events) = watch(ws.path());
    for litter in [
        "bots/hr/qna/.pay.json.interbot-4242.tmp",
        "bots/hr/qna/.pay.json.swp",
        "bots/hr/qna/pay.json~",
        "bots/hr/qna/4913",
        "bots/hr/qna/.#pay.json",
        ".interbot/recovery/draft.json",
        ".interbot/history",
        "notes.txt",
        "bots/README.md",
    ] {
        ws.write(litter, "litter");
    }
    ws.qna("it", "sentinel", &["sentinel"], "sentinel");
    let seen = events_until_bot(&events, "it");
    assert_eq!(seen.len(), 1, "only the sentinel: {seen:?}");
    assert_eq!(paths_of(&seen[0]).len(), 1, "{seen:?}");
}

#[test]
fn settings_and_new_bot_folders_are_reported() {
    let ws = TempWorkspace::hr_and_it();
    let (_watcher, events) = watch(ws.path());
    ws.write("interbot.json", r#"{"minConfidence": 0.4}"#);
    ws.bot("travel", "Travel");
    let seen = events_until_bot(&events, "travel");
    assert!(seen.contains(&WorkspaceEvent::SettingsChanged), "{seen:?}");
}

#[test]
fn own_saves_are_not_reported_but_later_outside_edits_are() -> anyhow::Result<()> {
    let ws = TempWorkspace::hr_and_it();
    let loaded = Workspace::load(ws.path())?;
    let (watcher, events) = watch(ws.path());
    let mut pay = loaded
        .bot("hr")
        .expect("hr")
        .entry("pay")
        .expect("pay")
        .clone();
    pay.questions.push("Where is my payslip".into());
    let saved = loaded.save_entry_checked("hr", &pay, pay.version)?;
    watcher.expect_own_write(&saved.path, saved.entry.version.expect("a version"));
    let leave = loaded.bot("hr").expect("hr").entry("leave").expect("leave");
    loaded.remove_entry_checked("hr", "leave", leave.version.expect("a version"))?;
    watcher.expect_own_removal(&leave.file);
    ws.qna("it", "sentinel", &["sentinel"], "sentinel");
    let seen = events_until_bot(&events, "it");
    assert_eq!(
        seen.len(),
        1,
        "interbot's own save is not reported: {seen:?}"
    );

    std::fs::write(
        &saved.path,
        r#"{"id": "pay", "data": {"questions": ["outside"]}}"#,
    )?;
    let seen = events_until_bot(&events, "hr");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(paths_of(&seen[0]).len(), 1, "{seen:?}");
    Ok(())
}

#[test]
fn dropping_the_watcher_stops_it() {
    let ws = TempWorkspace::hr_and_it();
    let (watcher, events) = watch(ws.path());
    drop(watcher);
    ws.qna("hr", "after", &["after the drop"], "nothing");
    // The callback (and its sender) is released by the time `drop` returns.
    match events.recv_timeout(PATIENCE) {
        Err(RecvTimeoutError::Disconnected) => {}
        Ok(event) => panic!("an event after drop: {event:?}"),
        Err(RecvTimeoutError::Timeout) => panic!("the callback was not released"),
    }
}

#[test]
fn a_missing_workspace_cannot_be_watched() {
    let error = Watcher::new("/definitely/not/here", |_| {}).expect_err("no such folder");
    assert!(
        error.to_string().contains("/definitely/not/here"),
        "{error}"
    );
}

#[test]
fn the_apps_saves_of_a_botpress_12_entry_and_its_intent_are_not_reported() -> anyhow::Result<()> {
    let ws = TempWorkspace::new();
    ws.write(
        "bots/b/bot.config.json",
        r#"{"id": "b", "name": "B", "defaultLanguage": "en", "languages": ["en"]}"#,
    );
    ws.write(
        "bots/b/qna/e1.json",
        r#"{"id": "e1", "data": {"questions": {"en": ["hi"]}, "answers": {"en": ["hello"]}, "contexts": ["global"], "enabled": true}}"#,
    );
    // A Botpress 12 bot has its `intents/` folder (the NLU module makes it); creating that
    // folder itself would be reported once, as any new folder in a bot is.
    std::fs::create_dir_all(ws.path().join("bots/b/intents"))?;
    ws.bot("other", "Other");
    let engine = interbot::Engine::load(ws.path())?;
    let (watcher, events) = watch(ws.path());
    let request = interbot::tui::action::SaveEntry {
        bot: "b".into(),
        entry_id: Some("e1".into()),
        fields: interbot::tui::qna::EntryFields {
            questions: vec!["hi".into(), "hey".into()],
            answers: vec!["hello".into()],
            contexts: vec!["global".into()],
            enabled: true,
        },
        expected: None,
        overwrite: false,
    };
    interbot::tui::runtime::save_entry(&engine, &request, Some(&watcher));
    assert!(ws.path().join("bots/b/intents/__qna__e1.json").exists());
    let engine = interbot::Engine::load(ws.path())?;
    interbot::tui::runtime::delete_entry(&engine, "b", "e1", Some(&watcher));
    assert!(!ws.path().join("bots/b/intents/__qna__e1.json").exists());
    ws.qna("other", "sentinel", &["sentinel"], "sentinel");
    let seen = events_until_bot(&events, "other");
    assert_eq!(
        seen.len(),
        1,
        "the entry and its intent are interbot's own: {seen:?}"
    );
    Ok(())
}
