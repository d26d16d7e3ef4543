//! interbot vs SQLite FTS5, in one process, on the same generated workspaces and questions
//! (issue 16, point 1). Not a timed test: a bench binary printing tables.
//!
//! For each size (`BOTSxENTRIES`; default 3x30 10x1k 10x10k 50x10k) it writes a workspace in
//! Botpress's layout to a temporary folder (2–5 variants an entry, words drawn Zipf-like from
//! `benches/data/`), then measures:
//! - **build**: interbot = `Workspace::load` + `Engine::new` (every bot's index, built), and
//!   interbot's start from its cache (QnA snapshots and `Engine::with_cache`, filled by a
//!   start just before); FTS5 = reading the same QnA files into one in-memory table per bot, then
//!   `optimize`. Each is also run alone in a child process, which reports its peak RSS (skip
//!   with `--no-memory`).
//! - **routing**: the same questions (made from entries, with a word dropped, replaced or
//!   added; source bot and entry known), question by question: interbot = the whole delegation
//!   fan-out (`Delegator::delegate` over every sub-bot, as a turn does), and every bot asked in
//!   turn on one thread; FTS5 = one `MATCH … ORDER BY rank LIMIT 1` per bot table.
//!
//! Run: `cargo bench --bench peer -- [SIZES…] [--questions N] [--passes N] [--seed N]
//! [--no-memory]`.

mod fts5;
mod generate;
mod measure;
mod report;
mod stats;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use generate::{Size, Vocabulary};

/// Questions per size unless `--questions` says otherwise.
const QUESTIONS: usize = 300;

/// Routing passes over the questions unless `--passes` says otherwise; each question's time
/// is its fastest pass.
const PASSES: usize = 3;

/// The generator's seed unless `--seed` says otherwise.
const SEED: u64 = 16;

struct Options {
    sizes: Vec<Size>,
    questions: usize,
    seed: u64,
    memory: bool,
    passes: usize,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("peer: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    // `cargo bench` passes `--bench`; the rest is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--child") {
        let [_, side, root, bots] = args.as_slice() else {
            bail!("usage: --child interbot|interbot-cached|fts5 ROOT BOT,BOT…");
        };
        return measure::child(side, Path::new(root), bots);
    }
    let options = parse(&args)?;
    let vocabulary = Vocabulary::bundled()?;
    let mut results = Vec::new();
    for &size in &options.sizes {
        let measured = measure::measure(
            size,
            &vocabulary,
            options.questions,
            options.seed,
            options.memory,
            options.passes,
        )
        .with_context(|| format!("measuring {size}"))?;
        report::size_block(&measured);
        results.push(measured);
    }
    report::tables(&results);
    Ok(())
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        sizes: Vec::new(),
        questions: QUESTIONS,
        seed: SEED,
        memory: true,
        passes: PASSES,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64> {
            let value = args
                .next()
                .with_context(|| format!("{name} needs a number"))?;
            value
                .parse()
                .with_context(|| format!("{name} `{value}` is not a number"))
        };
        match arg.as_str() {
            "--questions" => options.questions = usize::try_from(number("--questions")?)?,
            "--seed" => options.seed = number("--seed")?,
            "--passes" => options.passes = usize::try_from(number("--passes")?)?,
            "--no-memory" => options.memory = false,
            "-h" | "--help" => {
                println!(
                    "cargo bench --bench peer -- [SIZES…] [--questions N] [--passes N] \
                     [--seed N] [--no-memory]\nSIZES: BOTSxENTRIES, e.g. 3x30 10x1k (default: all four)"
                );
                std::process::exit(0);
            }
            size => options.sizes.push(Size::parse(size)?),
        }
    }
    if options.questions == 0 || options.passes == 0 {
        bail!("--questions and --passes must be at least 1");
    }
    if options.sizes.is_empty() {
        options.sizes = Size::ALL.to_vec();
    }
    Ok(options)
}
