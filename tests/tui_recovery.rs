//! No edit is lost: the drafts the app's editors hold are what the recovery folder keeps
//! (`App::drafts`, written by the runtime's draft keeper), and the next start offers each
//! draft an earlier session left — restore into its editor, discard, or show the difference
//! with the file now. Driven by keys through the app's own update path (`tests/tui_support`),
//! drawn on ratatui's `TestBackend`, with insta snapshots at 80×24 and 40×12. The real
//! binary killed in tmux is `tests/tui_tmux.rs`.

mod tui_support;

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyModifiers};
use interbot::tui::drafts::load_recovered;
use interbot::tui::keymap::Mode;
use interbot::workspace::recovery::{DraftTarget, RecoveryStore};
use tui_support::{Harness, workspace_copy};

const PRINTER_ENTRY: &str = "3who6ahkix_the_printer_is_not_working";
/// The session the "earlier" app wrote its drafts as.
const EARLIER: &str = "4242-1000";

fn entry_file(root: &Path) -> PathBuf {
    root.join(format!("bots/sub2/qna/{PRINTER_ENTRY}.json"))
}

async fn ctrl(h: &mut Harness, c: char) {
    h.press_with(KeyCode::Char(c), KeyModifiers::CONTROL).await;
}

/// An app that edits sub2's printer entry (a variant typed in front of the first question)
/// and "dies": its drafts are written to the recovery folder as the keeper writes them.
async fn earlier_session_with_a_draft(root: &Path) {
    let mut h = Harness::new(root, 80, 24);
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('3')).await;
    h.press(KeyCode::Char('e')).await;
    h.press(KeyCode::Char('/')).await;
    h.type_text("printer").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Enter).await;
    h.type_text("toner everywhere").await;
    h.press(KeyCode::Enter).await;
    let drafts = h.app.drafts();
    assert_eq!(drafts.len(), 1, "the open editor's draft");
    assert_eq!(
        drafts[0].target,
        DraftTarget::Entry {
            id: Some(PRINTER_ENTRY.into())
        }
    );
    assert!(
        drafts[0].text.contains("toner everywhere\n"),
        "{}",
        drafts[0].text
    );
    RecoveryStore::new(root)
        .write(EARLIER, &drafts)
        .expect("drafts written");
}

/// A new app on `root`, offered what the recovery folder holds, as start-up does.
fn next_start(root: &Path, width: u16, height: u16) -> Harness {
    let mut h = Harness::new(root, width, height);
    let (recovered, problems) = load_recovered(&h.engine, &h.recovery, "9999-2000");
    assert!(problems.is_empty(), "{problems:?}");
    h.app.offer_recovery(recovered);
    h
}

#[tokio::test]
async fn an_app_with_no_open_editor_has_no_drafts_and_an_unchanged_editor_neither() {
    let (_dir, root) = workspace_copy();
    let mut h = Harness::new(&root, 80, 24);
    assert!(h.app.drafts().is_empty());
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('3')).await;
    h.press(KeyCode::Char('e')).await;
    h.press(KeyCode::Enter).await;
    assert_eq!(h.app.key_mode(), Mode::Editor);
    assert!(h.app.drafts().is_empty(), "nothing typed yet");
}

#[tokio::test]
async fn the_next_start_offers_the_draft_and_restoring_it_saves_the_edit() {
    let (_dir, root) = workspace_copy();
    earlier_session_with_a_draft(&root).await;
    let mut h = next_start(&root, 80, 24);
    assert_eq!(h.app.key_mode(), Mode::Recovery);
    let screen = h.screen();
    assert!(screen.contains("sub2 · entry 3who6ahkix"), "{screen}");
    assert!(screen.contains("file unchanged"), "{screen}");
    insta::assert_snapshot!("recovery_prompt_80x24", screen);
    h.resize(40, 12);
    insta::assert_snapshot!("recovery_prompt_40x12", h.screen());
    h.resize(80, 24);

    // v: the difference with the file now.
    h.press(KeyCode::Char('v')).await;
    let screen = h.screen();
    assert!(screen.contains("+ toner everywhere"), "{screen}");
    insta::assert_snapshot!("recovery_diff_80x24", screen);

    // r: the draft is in sub2's editor, unsaved, and out of the recovery folder.
    h.press(KeyCode::Char('r')).await;
    assert_eq!(h.app.key_mode(), Mode::Editor);
    let editor = h
        .app
        .qna
        .as_ref()
        .and_then(|q| q.editor.as_ref())
        .expect("the editor");
    assert_eq!(editor.fields().questions[0], "toner everywhere");
    assert!(editor.is_dirty());
    assert!(h.screen().contains("Restored the draft"), "{}", h.screen());
    assert!(h.recovery.load("none").0.is_empty());

    ctrl(&mut h, 's').await;
    let saved = std::fs::read_to_string(entry_file(&root)).expect("entry file");
    assert!(saved.contains("\"toner everywhere\""), "{saved}");
    assert!(h.app.drafts().is_empty(), "saved: nothing left to recover");
}

#[tokio::test]
async fn a_draft_whose_file_changed_since_says_so_and_restoring_it_meets_the_conflict() {
    let (_dir, root) = workspace_copy();
    earlier_session_with_a_draft(&root).await;
    let file = entry_file(&root);
    let outside = std::fs::read_to_string(&file)
        .expect("entry file")
        .replace("The printer is not working", "The printer is broken");
    std::fs::write(&file, &outside).expect("outside edit");
    let mut h = next_start(&root, 80, 24);
    assert!(h.screen().contains("file changed since"), "{}", h.screen());
    h.press(KeyCode::Char('v')).await;
    let screen = h.screen();
    assert!(screen.contains("- The printer is broken"), "{screen}");
    assert!(screen.contains("+ The printer is not working"), "{screen}");
    h.press(KeyCode::Enter).await;
    ctrl(&mut h, 's').await;
    assert_eq!(h.app.key_mode(), Mode::Confirm, "{}", h.screen());
    assert_eq!(std::fs::read_to_string(&file).expect("entry file"), outside);
}

#[tokio::test]
async fn discard_and_later_leave_the_folder_as_chosen() {
    let (_dir, root) = workspace_copy();
    earlier_session_with_a_draft(&root).await;
    let mut h = next_start(&root, 80, 24);
    h.press(KeyCode::Esc).await;
    assert_ne!(h.app.key_mode(), Mode::Recovery);
    assert!(h.screen().contains("for the next start"), "{}", h.screen());
    assert_eq!(h.recovery.load("none").0.len(), 1, "later keeps it");

    let mut h = next_start(&root, 80, 24);
    h.press(KeyCode::Char('d')).await;
    assert_ne!(h.app.key_mode(), Mode::Recovery);
    assert!(h.recovery.load("none").0.is_empty(), "discarded");
    assert!(
        !RecoveryStore::new(&root)
            .dir()
            .join(format!("{EARLIER}.json"))
            .exists()
    );
}

#[tokio::test]
async fn quitting_after_agreeing_to_lose_the_draft_leaves_nothing_to_recover() {
    let (_dir, root) = workspace_copy();
    let mut h = Harness::new(&root, 80, 24);
    h.press(KeyCode::Esc).await;
    h.press(KeyCode::Char('3')).await;
    h.press(KeyCode::Char('e')).await;
    h.press(KeyCode::Enter).await;
    h.type_text("half a thought").await;
    assert_eq!(h.app.drafts().len(), 1);
    ctrl(&mut h, 'c').await;
    assert_eq!(h.app.key_mode(), Mode::Confirm);
    h.press(KeyCode::Char('y')).await;
    assert!(h.quit);
    assert!(h.app.drafts().is_empty());
}

#[tokio::test]
async fn help_over_the_recovery_prompt_lists_its_keys() {
    let (_dir, root) = workspace_copy();
    earlier_session_with_a_draft(&root).await;
    let mut h = next_start(&root, 80, 24);
    h.press(KeyCode::Char('?')).await;
    let screen = h.screen();
    assert!(screen.contains("Help: unsaved drafts"), "{screen}");
    assert!(screen.contains("restore into its editor"), "{screen}");
    h.press(KeyCode::Esc).await;
    assert_eq!(h.app.key_mode(), Mode::Recovery, "Esc closes the help only");
}
