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

/// The library's top-level modules from the bottom layer up: a module may use only modules
/// listed before it (ARCHITECTURE.md, "Layers"). The binary (`main`, `cli`) sits on top.
const LAYERS: &[&str] = &[
    "parallel",
    "text",
    "history",
    "template",
    "flow",
    "codec",
    "interner",
    "cache_files",
    "word_vectors",
    "classifier",
    "version",
    "error",
    "workspace",
    "threshold",
    "language",
    "index",
    "remote",
    "delegation",
    "session",
    "serve",
    "eval",
    "tui",
    "cli",
    "main",
];

/// A module's path below the crate root: `src/tui/ui/trace.rs` is `["tui", "ui", "trace"]`,
/// `src/flow/mod.rs` is `["flow"]`, `src/lib.rs` is `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("file under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source without comment lines, so doc links do not count as imports.
fn code_of(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segments of the items of a `{…}` use group starting after `open`.
fn group_heads(text: &str, open: usize) -> Vec<String> {
    let (mut depth, mut heads, mut item) = (0usize, Vec::new(), String::new());
    for c in text[open..].chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => {
                heads.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        if depth == 1 && c != '{' {
            item.push(c);
        }
    }
    heads.push(item);
    heads
        .iter()
        .filter_map(|item| {
            let head = item.trim().split("::").next()?.trim().to_string();
            (!head.is_empty() && head != "self").then_some(head)
        })
        .collect()
}

/// Every module path `code` names, as `(anchor, segments)`: the anchor is where the path
/// starts (`crate`, `super`, `self`, or the name of a child module for a relative `use`).
fn named_paths(code: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) || (i > 0 && (word(bytes[i - 1]) || bytes[i - 1] == b':')) {
            i += 1;
            continue;
        }
        let start = i;
        let mut segments = Vec::new();
        let mut end = i;
        loop {
            let seg_start = end;
            while end < bytes.len() && word(bytes[end]) {
                end += 1;
            }
            segments.push(code[seg_start..end].to_string());
            if code[end..].starts_with("::")
                && code[end + 2..].starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
            {
                end += 2;
            } else {
                break;
            }
        }
        if segments.len() > 1 || code[end..].starts_with("::{") {
            let anchor = segments.remove(0);
            if code[end..].starts_with("::{") {
                for head in group_heads(code, end + 2) {
                    let mut with_head = segments.clone();
                    with_head.push(head);
                    found.push((anchor.clone(), with_head));
                }
            }
            found.push((anchor, segments));
        }
        i = end.max(start + 1);
    }
    found
}

/// The module a path names: the deepest known module along it, starting at its anchor.
fn resolve(
    from: &[String],
    is_dir_module: bool,
    anchor: &str,
    segments: &[String],
    modules: &std::collections::BTreeSet<Vec<String>>,
    root_exports: &std::collections::BTreeMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let here: Vec<String> = from.to_vec();
    let parent = |path: &[String]| path[..path.len().saturating_sub(1)].to_vec();
    let mut base = match anchor {
        "crate" | "interbot" => Vec::new(),
        "self" => here.clone(),
        "super" => {
            if is_dir_module {
                parent(&here)
            } else {
                parent(&parent(&here))
            }
        }
        child => {
            let mut path = here.clone();
            path.push(child.to_string());
            if !modules.contains(&path) {
                return None;
            }
            path
        }
    };
    if anchor == "super" && !is_dir_module {
        // `super` of `a/b.rs` (module a::b) is `a`.
        base = parent(&here);
    }
    let mut segments = segments.iter().peekable();
    while segments.peek().is_some_and(|s| s.as_str() == "super") {
        segments.next();
        base = parent(&base);
    }
    let mut found = base.clone();
    let mut path = base;
    for segment in segments {
        path.push(segment.clone());
        if modules.contains(&path) {
            found = path.clone();
        } else {
            break;
        }
    }
    if found.is_empty() {
        let first = path.first()?;
        return root_exports.get(first).cloned();
    }
    Some(found)
}

/// Every use of one module by another in `src/`, lifted to the two sibling modules that
/// contain them (`tui::ui::trace` using `tui::app` is `tui::ui` → `tui::app`). Uses between a
/// module and its own parts (a parent re-exporting a child, a child using its parent) are not
/// edges.
fn sibling_edges() -> std::collections::BTreeMap<(Vec<String>, Vec<String>), String> {
    use std::collections::{BTreeMap, BTreeSet};
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(&src, f)).collect();
    let lib = fs::read_to_string(src.join("lib.rs")).expect("readable lib.rs");
    let mut root_exports = BTreeMap::new();
    for (anchor, segments) in named_paths(&code_of(&lib)) {
        if let [export] = segments.as_slice()
            && modules.contains(&vec![anchor.clone()])
        {
            root_exports.insert(export.clone(), vec![anchor]);
        }
    }
    let mut edges = BTreeMap::new();
    for file in &files {
        let from = module_path(&src, file);
        let is_dir_module = file.ends_with("mod.rs") || file.ends_with("lib.rs");
        let text = fs::read_to_string(file).expect("readable source");
        for (anchor, segments) in named_paths(&code_of(&text)) {
            let Some(to) = resolve(
                &from,
                is_dir_module,
                &anchor,
                &segments,
                &modules,
                &root_exports,
            ) else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue;
            }
            let lifted = (from[..=common].to_vec(), to[..=common].to_vec());
            let why = format!(
                "{} uses {}",
                file.strip_prefix(&src).expect("under src").display(),
                to.join("::")
            );
            edges.entry(lifted).or_insert(why);
        }
    }
    edges
}

/// No two modules of `src/` use each other, directly or around a circle (the issue that
/// split `index`, `flow` and the TUI's state from its drawing).
#[test]
fn no_import_circles() {
    let edges = sibling_edges();
    assert!(
        edges.len() > 20,
        "found only {} module uses; is the parser broken?",
        edges.len()
    );
    let nodes: std::collections::BTreeSet<&Vec<String>> =
        edges.keys().flat_map(|(a, b)| [a, b]).collect();
    // Depth-first search for a back edge, reporting the circle it closes.
    fn visit<'a>(
        node: &'a Vec<String>,
        edges: &'a std::collections::BTreeMap<(Vec<String>, Vec<String>), String>,
        stack: &mut Vec<&'a Vec<String>>,
        done: &mut std::collections::BTreeSet<&'a Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| *n == node) {
            let circle = &stack[at..];
            let mut steps = Vec::new();
            for (i, from) in circle.iter().enumerate() {
                let to = circle.get(i + 1).copied().unwrap_or(node);
                steps.push(edges[&((*from).clone(), to.clone())].clone());
            }
            return Some(steps);
        }
        if !done.insert(node) {
            return None;
        }
        stack.push(node);
        for ((from, to), _) in edges.range((node.clone(), Vec::new())..) {
            if from != node {
                break;
            }
            if let Some(circle) = visit(to, edges, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        None
    }
    let mut done = std::collections::BTreeSet::new();
    for node in nodes {
        let mut stack = Vec::new();
        if let Some(circle) = visit(node, &edges, &mut stack, &mut done) {
            panic!("import circle:\n  {}", circle.join("\n  "));
        }
    }
}

/// Each top-level module uses only the layers below it (`flow` must not reach into
/// `workspace`, the core never into `tui` or `cli`).
#[test]
fn modules_use_only_lower_layers() {
    let layer = |name: &str| LAYERS.iter().position(|l| *l == name);
    let mut wrong = Vec::new();
    for ((from, to), why) in sibling_edges() {
        if from.len() != 1 {
            continue;
        }
        let (Some(lower), Some(higher)) = (layer(&to[0]), layer(&from[0])) else {
            wrong.push(format!("{why}: a top-level module missing from LAYERS"));
            continue;
        };
        if lower >= higher {
            wrong.push(why);
        }
    }
    assert!(
        wrong.is_empty(),
        "uses against the layer order {LAYERS:?}:\n{}",
        wrong.join("\n")
    );
}

/// The core never prints (DESIGN.md, "Data flow"): it returns values, and only the binary's
/// drivers (`main`, `cli`) and the terminal app write to stdout or stderr.
#[test]
fn the_core_never_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let drivers = [src.join("cli"), src.join("tui"), src.join("main.rs")];
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let printing = [
        "print!(",
        "println!(",
        "eprint!(",
        "eprintln!(",
        "dbg!(",
        "io::stdout(",
        "io::stderr(",
    ];
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| !drivers.iter().any(|driver| path.starts_with(driver)))
        .flat_map(|path| {
            let text = fs::read_to_string(path).expect("readable source");
            code_of(&text)
                .lines()
                .filter(|line| printing.iter().any(|p| line.contains(p)))
                .map(|line| format!("{}: {}", path.display(), line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        files.len() > 10 && offenders.is_empty(),
        "the core must return values, not print:\n{}",
        offenders.join("\n")
    );
}
