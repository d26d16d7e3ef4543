//! Saving loses nothing: every QnA entry file and content-element file of the bundled
//! workspace and of the Botpress look-alike fixture, loaded and written back through the save
//! path with nothing changed, is byte-identical to what was read (so an edit in the app or `interbot qna` shows in
//! `git diff` as the lines it changed, and nothing else).

mod common;

use std::path::Path;

use common::{botpress_fixture, copy_dir, demo_workspace};
use interbot::Workspace;

/// Writes every entry of every bot of a copy of `source` back as it was loaded and returns
/// the files whose bytes changed.
fn rewritten_files(source: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_dir(source, dir.path());
    let workspace = Workspace::load(dir.path()).expect("the workspace loads");
    let mut changed = Vec::new();
    let mut seen = 0;
    for bot in &workspace.bots {
        for entry in &bot.qna {
            let before = std::fs::read(&entry.file).expect("the entry file");
            workspace
                .save_entry_checked(&bot.id, entry, entry.version)
                .expect("saved over its own version");
            let after = std::fs::read(&entry.file).expect("the entry file");
            seen += 1;
            if before != after {
                changed.push(format!(
                    "{}:\n--- read\n{}\n--- written\n{}",
                    entry.file.display(),
                    String::from_utf8_lossy(&before),
                    String::from_utf8_lossy(&after)
                ));
            }
        }
    }
    for bot in &workspace.bots {
        for element in &bot.elements {
            let Some(text) = &element.text else { continue };
            let file = bot.dir.join(interbot::workspace::ELEMENTS_FILE);
            let before = std::fs::read(&file).expect("the elements file");
            workspace
                .save_content_text(
                    &bot.id,
                    &element.id,
                    &bot.config.default_language,
                    text,
                    element.version,
                )
                .expect("saved over its own version");
            let after = std::fs::read(&file).expect("the elements file");
            seen += 1;
            if before != after {
                changed.push(format!("{} (element {})", file.display(), element.id));
            }
        }
    }
    assert!(seen > 0, "{} has entries", source.display());
    changed
}

#[test]
fn every_bundled_entry_file_round_trips_byte_for_byte() {
    let changed = rewritten_files(&demo_workspace());
    assert!(changed.is_empty(), "{}", changed.join("\n\n"));
}

#[test]
fn every_fixture_entry_file_round_trips_byte_for_byte() {
    let changed = rewritten_files(&botpress_fixture());
    assert!(changed.is_empty(), "{}", changed.join("\n\n"));
}
