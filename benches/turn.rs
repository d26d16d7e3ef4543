//! A whole demo turn as a script asking one question at a time sees it (issue 16's
//! "≤ 50 µs a turn"): `interbot ask --json --jobs 1 -` on the bundled demo, fed 1,000 lines
//! (the labelled questions of `tests/data/demo_routing.jsonl`, repeated) and then their
//! first 20. The difference of the two wall times over the 980 extra lines is one turn end
//! to end: its line read, the turn (flow, delegation, trace, template), its JSON printed
//! and flushed. Also reported: the median of the turns' own `micros` (the turn alone).
//!
//! Not a timed test: run it with `cargo bench --bench turn` (`-- RUNS`, default 5). The index
//! cache is a temporary folder, filled before the first run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const TARGET_MICROS: f64 = 50.0;
const MANY: usize = 1_000;
const FEW: usize = 20;

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(5);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let questions = questions(&root.join("tests/data/demo_routing.jsonl"));
    let lines = |count: usize| -> String {
        questions
            .iter()
            .cycle()
            .take(count)
            .map(|q| format!("{q}\n"))
            .collect()
    };
    let (many, few) = (lines(MANY), lines(FEW));
    let cache = tempfile::tempdir().expect("a temporary cache folder");
    let workspace = root.join("workspace");
    run(&workspace, cache.path(), &few);

    println!("run  end to end (µs a turn)  turn alone (median micros)");
    let mut end_to_end = Vec::new();
    let mut alone = Vec::new();
    for number in 1..=runs {
        let (many_seconds, output) = run(&workspace, cache.path(), &many);
        let (few_seconds, _) = run(&workspace, cache.path(), &few);
        let per_turn = (many_seconds - few_seconds) / (MANY - FEW) as f64 * 1e6;
        let micros = median(output.lines().filter_map(turn_micros).collect());
        println!("{number:>3}  {per_turn:>24.1}  {micros:>26.1}");
        end_to_end.push(per_turn);
        alone.push(micros);
    }
    let range = |values: &[f64]| {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!(
            "{min:.1}–{max:.1} µs (median {:.1})",
            median(values.to_vec())
        )
    };
    println!(
        "end to end {}; turn alone {}; target ≤ {TARGET_MICROS} µs",
        range(&end_to_end),
        range(&alone)
    );
}

/// The `text` of every labelled question.
fn questions(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("the demo's labelled questions");
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["text"].as_str().map(str::to_string))
        .collect()
}

/// One batch's wall time in seconds and its output.
fn run(workspace: &Path, cache: &Path, input: &str) -> (f64, String) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interbot"))
        .arg("-w")
        .arg(workspace)
        .arg("--cache")
        .arg(cache)
        .args(["ask", "--json", "--jobs", "1", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("interbot starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("interbot runs");
    let seconds = started.elapsed().as_secs_f64();
    writer
        .join()
        .expect("the writer")
        .expect("the batch written");
    assert!(output.status.success(), "interbot failed");
    (seconds, String::from_utf8(output.stdout).expect("UTF-8"))
}

fn turn_micros(line: &str) -> Option<f64> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    value["micros"].as_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
