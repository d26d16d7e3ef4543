//! Command-line interface: clap definitions and one module per command. Plain stdout, no
//! terminal setup; everything goes through the same core calls the TUI uses.

mod ask;
mod check;
mod eval;
mod eval_leave_out;
mod explain;
mod json;
pub mod logging;
mod overlaps;
mod progress;
mod qna;
mod render;
mod serve;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use interbot::workspace::{Compat, QnaSnapshots};
use interbot::{Engine, IndexCache, Workspace};

/// interbot: a terminal workbench for Botpress-style inter-bot delegation.
///
/// With no command, opens the terminal UI on the workspace.
#[derive(Debug, Parser)]
#[command(name = "interbot", version, about, long_about = None)]
pub struct Args {
    /// Workspace folder (the one holding `bots/`).
    #[arg(
        short,
        long,
        global = true,
        default_value = "workspace",
        value_name = "DIR"
    )]
    pub workspace: PathBuf,

    /// External URL used in bot URLs (`<URL>/s/<botId>`); overrides interbot.json.
    #[arg(long, global = true, value_name = "URL")]
    pub external_url: Option<String>,

    /// Use this threshold everywhere for this run (the master flow's `delegate_to_bots` and
    /// interbot.json's minConfidence alike); nothing is saved. For `ask`, `eval`, `check
    /// --overlaps` and the terminal app.
    #[arg(long, global = true, value_name = "0..1", value_parser = parse_confidence)]
    pub min_confidence: Option<f64>,

    /// Read delegations as Botpress does (`botpress`: a bot that matched nothing reports 1
    /// and passes, a oneflow bot 0) or as interbot does with notes where Botpress differs
    /// (`interbot`); overrides interbot.json's `compat`.
    #[arg(long, global = true, value_name = "MODE", value_parser = parse_compat)]
    pub compat: Option<Compat>,

    /// Route without the master's bot router, where the workspace has one (NLU-style bots:
    /// README, "Scoring"), to compare; overrides interbot.json's `router`.
    #[arg(long, global = true)]
    pub no_router: bool,

    /// Pick among an entry's alternative answers at random, reproducibly for this seed (as
    /// Botpress picks at random); without, the first. Overrides interbot.json's `answerSeed`.
    #[arg(long, global = true, value_name = "N")]
    pub seed: Option<u64>,

    /// Keep built indexes and snapshots of the QnA files read in this folder between runs
    /// instead of the user's cache folder (`$XDG_CACHE_HOME/interbot`, else
    /// `~/.cache/interbot`). Unchanged bots then open their indexes instead of building them,
    /// and unchanged QnA files are not read again; results are the same either way.
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,

    /// Read every file and build every index in memory, neither reading nor writing the
    /// cache.
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Write logs to this file (also: INTERBOT_LOG=FILE; level from RUST_LOG, default info).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask a bot a question and print its replies and the delegation trace.
    Ask(ask::AskArgs),
    /// List every problem in the workspace's files; exit 1 if there is one. With
    /// `--overlaps`, list entries of different bots that take each other's questions.
    Check(overlaps::CheckArgs),
    /// Render a content element (or a template file) with the given state.
    Render(render::RenderArgs),
    /// Measure routing on a labelled JSONL file: accuracy per bot and entry, out-of-scope
    /// recall, confusion, a threshold sweep and a recommended threshold.
    Eval(eval::EvalArgs),
    /// List, show, add, edit or remove QnA entries (atomic, lossless saves).
    Qna(qna::QnaArgs),
    /// Serve every bot over HTTP in Botpress's converse API shape.
    Serve(serve::ServeArgs),
}

/// Runs the parsed command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(Command::Ask(ask)) => with_engine(&args, |engine| ask::run(engine, ask)),
        Some(Command::Check(check)) if check.overlaps => {
            with_engine(&args, |engine| overlaps::run(engine, check))
        }
        Some(Command::Check(check)) => {
            with_engine(&args, |engine| check::run(engine, check.strict))
        }
        Some(Command::Render(render)) => render::run(|| open_workspace(&args), render),
        Some(Command::Eval(eval)) => {
            let mut workspace = load_workspace(&args)?;
            let in_files = interbot::threshold::master(&workspace);
            if let Some(threshold) = args.min_confidence {
                interbot::threshold::apply_override(&mut workspace, threshold);
            }
            eval::run(
                progress::index(workspace, index_cache(&args)),
                in_files,
                eval,
            )
        }
        Some(Command::Qna(qna)) => qna::run(&open_workspace(&args)?, qna),
        Some(Command::Serve(serve)) => serve::run(open_engine(&args)?, serve),
        None => {
            // The workspace is read behind the start-up screen, which quits on `q` at any
            // moment (a 50,000-entry bot takes seconds to read).
            let root = args.workspace.clone();
            if !root.is_dir() {
                // Say it on the normal screen, before the terminal is taken over.
                return Err(Workspace::load(&root).err().map_or_else(
                    || anyhow::anyhow!("{}: not a folder", root.display()),
                    anyhow::Error::from,
                ));
            }
            let runtime = runtime()?;
            let cache = index_cache(&args);
            let result = runtime.block_on(interbot::tui::run(
                &root,
                move || open_workspace(&args),
                cache,
                interbot::tui::Options::from_env(),
            ));
            // Quitting during start-up leaves indexing running on a blocking thread: do not
            // wait for it.
            runtime.shutdown_background();
            result?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads the workspace named by `-w`, applying `--external-url` and `--min-confidence`.
pub fn open_workspace(args: &Args) -> anyhow::Result<Workspace> {
    let mut workspace = load_workspace(args)?;
    if let Some(threshold) = args.min_confidence {
        interbot::threshold::apply_override(&mut workspace, threshold);
    }
    Ok(workspace)
}

/// Loads the workspace named by `-w`, applying `--external-url` only.
fn load_workspace(args: &Args) -> anyhow::Result<Workspace> {
    let snapshots = index_cache(args).map(|cache| QnaSnapshots::in_cache(cache.root()));
    let mut workspace = Workspace::load_with(&args.workspace, snapshots)?;
    if let Some(url) = &args.external_url {
        workspace.settings.external_url = url.clone();
    }
    if let Some(compat) = args.compat {
        workspace.settings.compat = compat;
    }
    if let Some(seed) = args.seed {
        workspace.settings.answer_seed = Some(seed);
    }
    if args.no_router {
        workspace.settings.router = false;
    }
    Ok(workspace)
}

/// A `--compat` value.
fn parse_compat(text: &str) -> Result<Compat, String> {
    match text {
        "botpress" => Ok(Compat::Botpress),
        "interbot" => Ok(Compat::Interbot),
        _ => Err("expected `botpress` or `interbot`".to_string()),
    }
}

/// A `--min-confidence` value: a number in [0, 1].
fn parse_confidence(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not a number between 0 and 1")),
    }
}

/// Loads and indexes the workspace named by `-w` (progress on stderr when it takes a while).
pub fn open_engine(args: &Args) -> anyhow::Result<Engine> {
    Ok(progress::index(open_workspace(args)?, index_cache(args)))
}

/// Runs a one-shot command on the workspace's engine, then leaves the engine to the end of
/// the process: the command is the last thing it does, and freeing a large workspace's
/// entries and indexes one allocation at a time was 6 % of a cached start of 100,000 entries
/// (callgrind) for memory the system takes back at exit anyway.
fn with_engine<T>(
    args: &Args,
    command: impl FnOnce(&Engine) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let engine = open_engine(args)?;
    let outcome = command(&engine);
    std::mem::forget(engine);
    outcome
}

/// The index cache `--cache` and `--no-cache` ask for: the user's cache folder by default.
fn index_cache(args: &Args) -> Option<IndexCache> {
    if args.no_cache {
        return None;
    }
    match &args.cache {
        Some(dir) => Some(IndexCache::at(dir)),
        None => IndexCache::user_default(),
    }
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Reads a whole text file for a command through the bounded opener (a regular file of at
/// most [`interbot::workspace::read::MAX_FILE_BYTES`]), naming it in the error.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    use interbot::workspace::read;
    read::read_text(path, read::MAX_FILE_BYTES)
        .with_context(|| format!("cannot read {}", path.display()))
}
