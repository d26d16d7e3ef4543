//! Architecture invariants that the compiler cannot check.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Only `src/tui/` knows ratatui or crossterm (DESIGN.md, STYLE.md "Boundaries"): the core and
/// the CLI stay free of terminal UI crates.
#[test]
fn only_the_tui_mentions_terminal_ui_crates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let tui = src.join("tui");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 10,
        "found only {} files under {}",
        files.len(),
        src.display()
    );
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| !path.starts_with(&tui))
        .filter_map(|path| {
            let text = fs::read_to_string(path)
                .expect("readable source")
                .to_lowercase();
            let named: Vec<&str> = ["ratatui", "crossterm"]
                .into_iter()
                .filter(|name| text.contains(name))
                .collect();
            (!named.is_empty())
                .then(|| format!("{} mentions {}", path.display(), named.join(" and ")))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "only src/tui/ may know the terminal UI crates:\n{}",
        offenders.join("\n")
    );
}
