//! The QnA view of the terminal app: browse, filter, edit, add, delete, enable/disable, the
//! conflict and unsaved-changes questions, `$EDITOR`, and the loop the view exists for — a
//! question goes nowhere, a variant is added, saved, the bot re-indexed, the question asked
//! again and routed. Driven by keys through the app's own update path and runtime functions
//! (`tests/tui_support`), drawn on ratatui's `TestBackend`, with insta snapshots at 80×24 and
//! 40×12.

mod tui_support;

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyModifiers};
use interbot::tui::keymap::Mode;
use tui_support::{Harness, workspace_copy};

/// The sub2 entry about printers in the bundled workspace.
const PRINTER_ENTRY: &str = "3who6ahkix_the_printer_is_not_working";
/// A question no bot of the bundled workspace takes.
const NOWHERE: &str = "paper stuck in the copier";

fn entry_file(root: &Path, bot: &str, id: &str) -> PathBuf {
    root.join("bots")
        .join(bot)
        .join("qna")
        .join(format!("{id}.json"))
}

/// An app on `root` with sub2's QnA view open, the entries read.
async fn sub2_qna(root: &Path, width: u16, height: u16) -> Harness {
    let mut h = Harness::new(root, width, height);
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('3')).await;
    h.press(KeyCode::Char('e')).await;
    assert_eq!(h.app.key_mode(), Mode::Qna);
    h
}

async fn ctrl(h: &mut Harness, c: char) {
    h.press_with(KeyCode::Char(c), KeyModifiers::CONTROL).await;
}

#[tokio::test]
async fn snapshots_of_the_list_and_details_at_80x24_and_40x12() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    insta::assert_snapshot!("qna_list_80x24", h.screen());
    h.resize(40, 12);
    insta::assert_snapshot!("qna_list_40x12", h.screen());
}

#[tokio::test]
async fn help_in_the_qna_view_lists_its_keys_and_fits_80x24() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Char('?')).await;
    let screen = h.screen();
    assert!(!screen.contains("more"), "the help fits 80×24:\n{screen}");
    insta::assert_snapshot!("qna_help_80x24", screen);
}

#[tokio::test]
async fn the_filter_narrows_as_you_type_through_the_index() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    let all = h.app.qna.as_ref().map_or(0, |q| q.shown.len());
    h.press(KeyCode::Char('/')).await;
    assert_eq!(h.app.key_mode(), Mode::Filter);
    h.type_text("prin").await;
    let view = h.app.qna.as_ref().expect("view open");
    assert!(!view.shown.is_empty() && view.shown.len() < all);
    assert_eq!(
        view.selected_entry().map(|e| e.id.as_str()),
        Some(PRINTER_ENTRY)
    );
    insta::assert_snapshot!("qna_filter_80x24", h.screen());
    h.resize(40, 12);
    insta::assert_snapshot!("qna_filter_40x12", h.screen());
    h.resize(80, 24);
    // Enter keeps the filter and gives the keys back to the list; Esc in the filter clears it.
    h.press(KeyCode::Enter).await;
    assert_eq!(h.app.key_mode(), Mode::Qna);
    h.press(KeyCode::Char('/')).await;
    h.type_text("zzqq").await;
    assert!(h.screen().contains("No entry matches"));
    h.press(KeyCode::Esc).await;
    assert_eq!(h.app.qna.as_ref().map_or(0, |q| q.shown.len()), all);
}

#[tokio::test]
async fn a_variant_added_in_the_editor_is_saved_as_one_line_reindexed_and_reasked() {
    let (_dir, root) = workspace_copy();
    let file = entry_file(&root, "sub2", PRINTER_ENTRY);
    let before = std::fs::read_to_string(&file).expect("entry file");

    let mut h = Harness::new(&root, 80, 24);
    h.ask(NOWHERE).await;
    assert!(h.screen().contains("I'm sorry"), "{}", h.screen());
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('3')).await;
    h.press(KeyCode::Char('e')).await;
    h.press(KeyCode::Char('/')).await;
    h.type_text("printer not working").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Enter).await;
    assert_eq!(h.app.key_mode(), Mode::Editor);
    h.type_text(NOWHERE).await;
    h.press(KeyCode::Enter).await;
    insta::assert_snapshot!("qna_editor_80x24", h.screen());
    h.resize(40, 12);
    insta::assert_snapshot!("qna_editor_40x12", h.screen());
    h.resize(80, 24);
    assert!(
        h.screen().contains('*'),
        "the tab and the title mark the draft"
    );
    ctrl(&mut h, 's').await;

    let after = std::fs::read_to_string(&file).expect("entry file");
    let added: Vec<&str> = after
        .lines()
        .filter(|line| !before.lines().any(|b| b == *line))
        .collect();
    assert_eq!(added, vec![format!("      \"{NOWHERE}\",")]);
    assert_eq!(after.lines().count(), before.lines().count() + 1);
    assert_eq!(
        h.app.key_mode(),
        Mode::Qna,
        "the editor closes after a save"
    );
    let status = h.app.status.clone().unwrap_or_default();
    assert!(status.contains("re-indexed"), "{status}");

    // r: back to the master's conversation, the same question asked again, now routed.
    h.press(KeyCode::Char('r')).await;
    assert!(h.app.qna.is_none());
    let master = &h.app.tabs[0];
    assert_eq!(
        master.exchanges.len(),
        2,
        "the earlier turn stays for comparison"
    );
    let screen = h.screen();
    assert!(screen.contains("The chatbot sub2 can help you"), "{screen}");
    assert!(screen.contains("I'm sorry"), "{screen}");
}

#[tokio::test]
async fn a_new_entry_gets_a_botpress_id_and_answers_at_once() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Char('a')).await;
    assert_eq!(h.app.key_mode(), Mode::Editor);
    // An entry without an answer is refused, the draft stays.
    h.type_text("Where is the plotter").await;
    ctrl(&mut h, 's').await;
    assert!(h.screen().contains("at least one answer"), "{}", h.screen());
    h.press(KeyCode::Tab).await;
    h.type_text("The plotter is in room 4.12.").await;
    ctrl(&mut h, 's').await;
    let qna = root.join("bots/sub2/qna");
    let created: Vec<String> = std::fs::read_dir(&qna)
        .expect("qna dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with("_where_is_the_plotter.json"))
        .collect();
    assert_eq!(created.len(), 1, "{created:?}");
    let turn = h
        .engine
        .ask("sub2", "where is the plotter")
        .await
        .expect("answered");
    assert_eq!(turn.replies, vec!["The plotter is in room 4.12."]);
}

#[tokio::test]
async fn delete_asks_first_and_space_toggles_enabled_on_disk() {
    let (_dir, root) = workspace_copy();
    let file = entry_file(&root, "sub2", PRINTER_ENTRY);
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Char('/')).await;
    h.type_text("printer").await;
    h.press(KeyCode::Enter).await;

    h.press(KeyCode::Char(' ')).await;
    let text = std::fs::read_to_string(&file).expect("entry file");
    assert!(text.contains("\"enabled\": false"), "{text}");
    assert!(h.screen().contains('○'), "a disabled entry is marked");

    h.press(KeyCode::Char('d')).await;
    assert_eq!(h.app.key_mode(), Mode::Confirm);
    insta::assert_snapshot!("qna_delete_confirm_80x24", h.screen());
    h.resize(40, 12);
    insta::assert_snapshot!("qna_delete_confirm_40x12", h.screen());
    h.resize(80, 24);
    h.press(KeyCode::Char('n')).await;
    assert!(file.exists(), "n keeps the entry");
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Char('y')).await;
    assert!(!file.exists(), "y deletes the entry's file");
    let entries = h.app.qna.as_ref().and_then(|q| q.entries.as_ref());
    assert!(entries.is_some_and(|e| e.iter().all(|e| e.id != PRINTER_ENTRY)));
}

#[tokio::test]
async fn an_outside_change_is_a_conflict_to_reload_or_overwrite() {
    let (_dir, root) = workspace_copy();
    let file = entry_file(&root, "sub2", PRINTER_ENTRY);
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Char('/')).await;
    h.type_text("printer").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Enter).await;
    h.type_text("mine ").await;

    // Someone else edits the same entry meanwhile.
    let outside = std::fs::read_to_string(&file)
        .expect("entry file")
        .replace("The printer is not working", "The printer is broken");
    std::fs::write(&file, &outside).expect("outside edit");
    ctrl(&mut h, 's').await;
    assert_eq!(h.app.key_mode(), Mode::Confirm);
    insta::assert_snapshot!("qna_conflict_80x24", h.screen());
    h.resize(40, 12);
    insta::assert_snapshot!("qna_conflict_40x12", h.screen());
    h.resize(80, 24);
    assert_eq!(
        std::fs::read_to_string(&file).expect("entry file"),
        outside,
        "nothing is written before the user chooses"
    );

    // o: the draft wins.
    h.press(KeyCode::Char('o')).await;
    let text = std::fs::read_to_string(&file).expect("entry file");
    assert!(text.contains("mine The printer is not working"), "{text}");

    // Again, and r: the file wins and the view shows it.
    h.press(KeyCode::Enter).await;
    h.type_text("again ").await;
    std::fs::write(&file, &outside).expect("outside edit");
    ctrl(&mut h, 's').await;
    h.press(KeyCode::Char('r')).await;
    assert_eq!(std::fs::read_to_string(&file).expect("entry file"), outside);
    let view = h.app.qna.as_ref().expect("view");
    assert!(view.editor.is_none());
    assert_eq!(
        view.selected_entry().map(|e| e.questions[0].as_str()),
        Some("The printer is broken")
    );
}

#[tokio::test]
async fn unsaved_drafts_are_asked_about_before_leaving_or_quitting() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Enter).await;
    h.type_text("draft").await;
    h.press(KeyCode::Esc).await;
    assert_eq!(h.app.key_mode(), Mode::Confirm);
    h.press(KeyCode::Esc).await;
    assert_eq!(h.app.key_mode(), Mode::Editor, "no: back to the draft");
    ctrl(&mut h, 'c').await;
    assert!(!h.quit, "quitting with a draft asks first");
    assert_eq!(h.app.key_mode(), Mode::Confirm);
    h.press(KeyCode::Char('y')).await;
    assert!(h.quit);
}

#[tokio::test]
async fn a_failed_save_says_why_and_keeps_the_draft() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Char('a')).await;
    h.type_text("Where is the plotter").await;
    h.press(KeyCode::Tab).await;
    h.type_text("Room 4.12.").await;
    // The qna folder is replaced by a file: no entry can be written into it.
    let qna = root.join("bots/sub2/qna");
    std::fs::rename(&qna, root.join("qna-moved")).expect("move qna");
    std::fs::write(&qna, "not a folder").expect("file in its place");
    ctrl(&mut h, 's').await;
    let view = h.app.qna.as_ref().expect("view");
    let editor = view.editor.as_ref().expect("the draft stays in the editor");
    let error = editor.error.clone().unwrap_or_default();
    assert!(error.contains("Not saved"), "{error}");
    assert_eq!(editor.fields().answers, vec!["Room 4.12."]);
}

#[tokio::test]
async fn the_external_editor_replaces_the_draft_and_a_failing_one_keeps_it() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Enter).await;
    h.editor =
        Some(|text| Ok(text.replacen("# answers\n", "# answers\nFrom the editor.\n---\n", 1)));
    ctrl(&mut h, 'o').await;
    let answers = h
        .app
        .qna
        .as_ref()
        .and_then(|q| q.editor.as_ref())
        .map(|e| e.fields().answers)
        .unwrap_or_default();
    assert_eq!(
        answers.first().map(String::as_str),
        Some("From the editor.")
    );
    h.editor = Some(|_| Err("the editor `false` failed (exit status: 1)".into()));
    ctrl(&mut h, 'o').await;
    let editor = h
        .app
        .qna
        .as_ref()
        .and_then(|q| q.editor.as_ref())
        .expect("editor");
    assert_eq!(
        editor.fields().answers.first().map(String::as_str),
        Some("From the editor.")
    );
    assert!(
        editor
            .error
            .as_deref()
            .is_some_and(|e| e.contains("failed"))
    );
}

#[tokio::test]
async fn e_on_a_trace_row_opens_that_bots_qna_at_that_entry() {
    let (_dir, root) = workspace_copy();
    let mut h = Harness::new(&root, 100, 30);
    h.ask("my printer is not working").await;
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Tab).await;
    h.press(KeyCode::Char('e')).await;
    let view = h.app.qna.as_ref().expect("view");
    assert_eq!(view.bot_id, "sub2");
    assert_eq!(
        view.selected_entry().map(|e| e.id.as_str()),
        Some(PRINTER_ENTRY)
    );
}

#[tokio::test]
async fn the_masters_reply_is_edited_with_a_live_preview_of_the_selected_turn() {
    let (_dir, root) = workspace_copy();
    let file = root.join("bots/master/content-elements/builtin_text.json");
    let before = std::fs::read_to_string(&file).expect("elements file");
    let mut h = Harness::new(&root, 80, 24);
    h.ask("I have a question about my pay check").await;
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('e')).await;
    // The master has no QnA: its replies are shown.
    assert!(h.screen().contains("Replies of master"), "{}", h.screen());
    h.press(KeyCode::Enter).await;
    assert_eq!(h.app.key_mode(), Mode::Editor);
    h.press(KeyCode::End).await;
    h.type_text(" (edited)").await;
    let screen = h.screen();
    assert!(screen.contains("as said to “I have a question"), "{screen}");
    assert!(
        screen.contains("The chatbot sub1 can help you with that"),
        "{screen}"
    );
    insta::assert_snapshot!("reply_editor_80x24", screen);
    h.resize(40, 12);
    insta::assert_snapshot!("reply_editor_40x12", h.screen());
    h.resize(80, 24);

    // A template error says where it is, and is not saved.
    h.type_text(" {{#open").await;
    let preview = h
        .app
        .qna
        .as_ref()
        .and_then(|q| q.element_editor.as_ref())
        .map(|e| e.preview.clone());
    let error = preview.and_then(Result::err).unwrap_or_default();
    assert!(error.contains("line 1, column"), "{error}");
    ctrl(&mut h, 's').await;
    assert_eq!(
        std::fs::read_to_string(&file).expect("elements file"),
        before
    );
    for _ in 0.." {{#open".len() {
        h.press(KeyCode::Backspace).await;
    }

    ctrl(&mut h, 's').await;
    let after = std::fs::read_to_string(&file).expect("elements file");
    let changed: Vec<&str> = after
        .lines()
        .filter(|line| !before.lines().any(|b| b == *line))
        .collect();
    assert_eq!(changed.len(), 1, "one line changes: {changed:?}");
    assert!(
        changed[0].contains("with that question. (edited)"),
        "{changed:?}"
    );
    h.press(KeyCode::Char('r')).await;
    let master = &h.app.tabs[0];
    let last = master.exchanges.last().expect("the question asked again");
    let said = match &last.reply {
        interbot::tui::app::Reply::Answered(turn) => turn.replies.join("\n"),
        other => panic!("{other:?}"),
    };
    assert!(said.contains("with that question. (edited)"), "{said}");
}

/// Adds `question` as a variant of `entry` the way another editor would: the file's text
/// changed by hand, nothing else touched.
fn add_variant_on_disk(root: &Path, bot: &str, entry: &str, question: &str) {
    let file = entry_file(root, bot, entry);
    let text = std::fs::read_to_string(&file).expect("entry file");
    let changed = text.replacen(
        "\"The printer is not working\"",
        &format!("\"The printer is not working\", \"{question}\""),
        1,
    );
    assert_ne!(text, changed, "the entry has the question to extend");
    std::fs::write(&file, changed).expect("outside edit");
}

#[tokio::test]
async fn a_change_made_outside_the_app_re_indexes_its_bot_and_marks_its_tab() {
    let (_dir, root) = workspace_copy();
    let mut h = Harness::new(&root, 80, 24);
    h.ask(NOWHERE).await;
    assert!(h.screen().contains("I'm sorry"), "{}", h.screen());

    // `interbot qna`, an editor or `git pull` changes sub2 while the app is open; the
    // watcher's event re-reads and re-indexes only sub2.
    add_variant_on_disk(&root, "sub2", PRINTER_ENTRY, NOWHERE);
    let effects = h.reindex("sub2", true);
    h.run(effects).await;
    let screen = h.screen();
    assert!(
        screen.contains("sub2 changed on disk (1 edited): re-indexed"),
        "{screen}"
    );
    assert!(screen.contains("↻"), "the tab says so:\n{screen}");

    // The same question now goes to sub2, with no restart.
    h.ask(NOWHERE).await;
    let screen = h.screen();
    assert!(screen.contains("The chatbot sub2 can help you"), "{screen}");

    // Looking at the tab clears its mark.
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('3')).await;
    assert!(!h.app.tabs[2].changed_on_disk);
    assert!(!h.screen().contains("↻"));
}

#[tokio::test]
async fn an_outside_change_refreshes_the_open_view_and_keeps_the_draft() {
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Char('a')).await;
    h.type_text("Where is the plotter").await;
    add_variant_on_disk(&root, "sub2", PRINTER_ENTRY, NOWHERE);
    let effects = h.reindex("sub2", true);
    h.run(effects).await;
    let view = h.app.qna.as_ref().expect("view");
    let printer = view
        .entries
        .as_ref()
        .and_then(|entries| entries.iter().find(|e| e.id == PRINTER_ENTRY))
        .expect("printer entry");
    assert!(printer.questions.iter().any(|q| q == NOWHERE));
    let editor = view.editor.as_ref().expect("the draft stays open");
    assert_eq!(editor.fields().questions, vec!["Where is the plotter"]);
}

#[tokio::test]
async fn capital_r_re_reads_the_workspace_and_lists_what_changed() {
    let (_dir, root) = workspace_copy();
    let mut h = Harness::new(&root, 80, 24);
    h.press(KeyCode::Esc).await;
    add_variant_on_disk(&root, "sub2", PRINTER_ENTRY, NOWHERE);
    // And another entry (the first by name) goes.
    let mut names: Vec<_> = std::fs::read_dir(root.join("bots/sub2/qna"))
        .expect("qna dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p != &entry_file(&root, "sub2", PRINTER_ENTRY))
        .collect();
    names.sort();
    std::fs::remove_file(&names[0]).expect("remove an entry");
    let before = h.app.tabs[2].entries;
    h.press(KeyCode::Char('R')).await;
    let screen = h.screen();
    assert!(screen.contains("Changes on disk"), "{screen}");
    assert!(screen.contains("sub2: 1 removed, 1 edited"), "{screen}");
    assert!(screen.contains(&format!("~ {PRINTER_ENTRY}")), "{screen}");
    assert_eq!(h.app.tabs[2].entries, before - 1);
    insta::assert_snapshot!("changes_80x24", screen);
    h.press(KeyCode::Esc).await;
    assert!(h.app.popup.is_none());

    // Nothing changed since: R says so.
    h.press(KeyCode::Char('R')).await;
    assert!(
        h.screen().contains("Nothing changed on disk."),
        "{}",
        h.screen()
    );
}

#[tokio::test]
async fn a_draft_open_while_its_file_is_re_indexed_from_outside_still_meets_the_conflict() {
    let (_dir, root) = workspace_copy();
    let file = entry_file(&root, "sub2", PRINTER_ENTRY);
    let mut h = sub2_qna(&root, 80, 24).await;
    h.press(KeyCode::Char('/')).await;
    h.type_text("printer").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Enter).await;
    h.type_text("mine ").await;
    // The watcher sees the outside edit and the app re-indexes sub2 (its engine now holds
    // the new version) while the draft is open.
    add_variant_on_disk(&root, "sub2", PRINTER_ENTRY, NOWHERE);
    let outside = std::fs::read_to_string(&file).expect("entry file");
    let effects = h.reindex("sub2", true);
    h.run(effects).await;
    ctrl(&mut h, 's').await;
    assert_eq!(
        h.app.key_mode(),
        Mode::Confirm,
        "the save meets the change:\n{}",
        h.screen()
    );
    assert_eq!(std::fs::read_to_string(&file).expect("entry file"), outside);
}

#[tokio::test]
async fn re_indexing_progress_shows_in_the_view_and_for_a_large_bot_in_the_footer() {
    use interbot::ReindexStep;
    use interbot::tui::action::QnaReport;
    let (_dir, root) = workspace_copy();
    let mut h = sub2_qna(&root, 80, 24).await;
    h.app.on_qna_report(QnaReport::Reindexing {
        bot: "sub2".into(),
        step: ReindexStep::Indexing {
            done: 12_000,
            total: 50_000,
        },
    });
    let screen = h.screen();
    assert!(screen.contains("indexed 12000/50000…"), "{screen}");
    // With the view closed, a large bot's progress goes to the footer; a small one's not.
    h.press(KeyCode::Esc).await;
    h.app.on_qna_report(QnaReport::Reindexing {
        bot: "sub3".into(),
        step: ReindexStep::Read { entries: 40 },
    });
    assert!(h.app.status.is_none());
    h.app.on_qna_report(QnaReport::Reindexing {
        bot: "sub3".into(),
        step: ReindexStep::Read { entries: 40_000 },
    });
    assert!(
        h.screen()
            .contains("Re-indexing sub3: 40000 entries read, indexing…")
    );
}
