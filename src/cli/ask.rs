//! `interbot ask`: one question (or one per stdin line with `-`), replies and trace.
//!
//! A batch (`-`) keeps its output aligned with its input: every input line gives exactly one
//! JSON line with `--json` (a turn, or `{"line": N, "error": "…"}` for a blank, undecodable or
//! over-long line, or a question that failed), and one block in plain mode. Lines are read
//! with a cap of [`MAX_QUESTION_BYTES`], so memory stays bounded whatever comes in, and
//! answered concurrently on every core, printed in input order as soon as known.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use interbot::session::MAX_QUESTION_BYTES;
use interbot::text::{sanitize, sanitize_line, to_json_line, write_json_line};
use interbot::workspace::read::BoundedLines;
use interbot::{AskOptions, Engine, Turn};
use serde_json::json;

use super::table::{Table, truncate};

/// Arguments of `interbot ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// The bot to ask.
    #[arg(long, default_value = "master", value_name = "ID")]
    bot: String,

    /// Print the JSON contract (one object per line with `-`).
    #[arg(long)]
    json: bool,

    /// Explain each trace row's score term by term (with `--json`, an `explain` object per
    /// row; in text, the best two rows and what tipped the choice).
    #[arg(long)]
    explain: bool,

    /// With `-`: how many questions are answered at once (default: 4 per core). Output stays
    /// in input order either way; `--jobs 1` answers one line at a time, so each turn's
    /// `micros` is that turn's own latency, not shared with others in flight.
    #[arg(long, value_name = "N")]
    jobs: Option<std::num::NonZeroUsize>,

    /// The turn's language (`fr`, `en` …): every bot that speaks it answers in it instead of
    /// the question's detected language (with `-`, every line). A bot that does not speak it
    /// answers in the user's language or its default, as Botpress would.
    #[arg(long, value_name = "CODE")]
    lang: Option<String>,

    /// The question; `-` reads one question per line from stdin (indexes are built once).
    question: String,
}

/// Runs `ask`.
pub fn run(engine: &Engine, args: &AskArgs) -> anyhow::Result<ExitCode> {
    let workspace = engine.workspace();
    if workspace.bot(&args.bot).is_none() && workspace.remote_bot(&args.bot).is_none() {
        anyhow::bail!(
            "no bot `{}` in {}",
            args.bot,
            engine.workspace().root.display()
        );
    }
    let runtime = super::runtime()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.question == "-" {
        let failed = run_batch(engine, &runtime, args, &mut out)?;
        return Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let turn = ask(engine, &runtime, args, &args.question)?;
    print_turn(&mut out, &turn, Style::of(args))?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Questions in flight at once per core in a batch: enough to keep every core busy while a
/// turn waits on its searches, few enough that a slow line holds back little output.
const IN_FLIGHT_PER_CORE: usize = 4;

/// Room made at once for a printed turn (a demo turn's JSON line is about 1.7 KB).
const PRINTED_CAPACITY: usize = 4096;

/// What became of one input line of a batch.
struct Answered {
    number: usize,
    blank: bool,
    /// The turn as printed (rendered where it was answered, on any core), or why there
    /// is none.
    printed: Result<Vec<u8>, String>,
}

/// How turns are printed: what of [`AskArgs`] printing reads, to be taken into tasks.
#[derive(Debug, Clone, Copy)]
struct Style {
    json: bool,
    explain: bool,
}

impl Style {
    fn of(args: &AskArgs) -> Style {
        Style {
            json: args.json,
            explain: args.explain,
        }
    }
}

/// Answers stdin's questions (one per line) concurrently on every core, printing each
/// answer in input order as soon as it and every earlier one are known (a script that writes
/// a line and waits for its answer gets it at once). Returns whether a line failed.
fn run_batch(
    engine: &Engine,
    runtime: &tokio::runtime::Runtime,
    args: &AskArgs,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    use futures::stream::FuturesOrdered;
    use futures::{FutureExt, StreamExt};

    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let window = args
        .jobs
        .map_or(IN_FLIGHT_PER_CORE * cores, std::num::NonZeroUsize::get);
    if window == 1 {
        return run_one_at_a_time(engine, runtime, args, out);
    }
    let style = Style::of(args);
    let (lines, mut incoming) = tokio::sync::mpsc::channel(window);
    // stdin is read on its own thread, so a line is asked as soon as it arrives.
    let reader = std::thread::spawn(move || -> std::io::Result<()> {
        for line in BoundedLines::new(std::io::stdin().lock(), MAX_QUESTION_BYTES) {
            if lines.blocking_send(line?).is_err() {
                break;
            }
        }
        Ok(())
    });
    let failed = runtime.block_on(async {
        let mut pending = FuturesOrdered::new();
        let mut open = true;
        let mut failed = false;
        loop {
            tokio::select! {
                biased;
                Some(answered) = pending.next(), if !pending.is_empty() => {
                    failed |= write_answered(out, answered, style)?;
                    // The answers already known go out with it, in one write: the output
                    // is flushed once no further answer is ready, so a script waiting for
                    // its answer still gets it at once, and a batch is not one system call
                    // a line.
                    while let Some(Some(answered)) = pending.next().now_or_never() {
                        failed |= write_answered(out, answered, style)?;
                    }
                    out.flush()?;
                }
                line = incoming.recv(), if open && pending.len() < window => match line {
                    Some(line) => pending.push_back(answer(engine, args, line)),
                    None => open = false,
                },
                else => break,
            }
        }
        anyhow::Ok(failed)
    })?;
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the stdin reader stopped"))??;
    Ok(failed)
}

/// `--jobs 1`: each line read, asked and printed on this thread before the next is read,
/// with no reader thread, channel or task per line. Each of those was a thread to wake per
/// turn: a demo turn as a script sees it (the time from one line to the next, its JSON
/// printed) took 70–140 µs for 27–52 µs of the turn's own work (`cargo bench --bench turn`).
fn run_one_at_a_time(
    engine: &Engine,
    runtime: &tokio::runtime::Runtime,
    args: &AskArgs,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let options = options(args);
    let style = Style::of(args);
    let mut failed = false;
    for line in BoundedLines::new(std::io::stdin().lock(), MAX_QUESTION_BYTES) {
        let (number, blank, question) = question_of(line?);
        let printed = question.and_then(|question| {
            let asked = turn_for(engine, &args.bot, &question, &options, args.explain);
            runtime
                .block_on(asked)
                .map_err(|e| e.to_string())
                .and_then(|turn| printed(&turn, style))
        });
        let answered = Answered {
            number,
            blank,
            printed,
        };
        failed |= write_answered(out, answered, style)?;
        out.flush()?;
    }
    Ok(failed)
}

/// Writes what became of one input line (not flushed); returns whether the line failed (a
/// blank line is reported, to keep lines aligned, but is no failure).
fn write_answered(out: &mut impl Write, answered: Answered, style: Style) -> anyhow::Result<bool> {
    let failed = match answered.printed {
        Ok(bytes) => {
            out.write_all(&bytes)?;
            false
        }
        Err(error) => {
            print_line_error(out, answered.number, &error, style.json)?;
            !answered.blank
        }
    };
    if !style.json {
        writeln!(out)?;
    }
    Ok(failed)
}

/// `turn` as [`print_turn`] prints it.
fn printed(turn: &Turn, style: Style) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(PRINTED_CAPACITY);
    print_turn(&mut bytes, turn, style).map_err(|e| format!("the turn cannot be printed: {e}"))?;
    Ok(bytes)
}

/// `question`'s turn with `bot`, explained when asked for.
async fn turn_for(
    engine: &Engine,
    bot: &str,
    question: &str,
    options: &AskOptions,
    explain: bool,
) -> Result<Turn, interbot::Error> {
    let mut turn = engine.ask_with(bot, question, options).await?;
    if explain {
        engine.explain(&mut turn);
    }
    Ok(turn)
}

/// An input line's number, whether it is blank, and its question or why it has none (a
/// blank line, or one that could not be read as text).
fn question_of(line: interbot::workspace::read::Line) -> (usize, bool, Result<String, String>) {
    let blank = line.text.as_ref().is_ok_and(|t| t.trim().is_empty());
    let question = match line.text {
        Ok(_) if blank => Err("blank line; nothing asked".to_string()),
        Ok(question) => Ok(question),
        Err(e) => Err(e.to_string()),
    };
    (line.number, blank, question)
}

/// Starts answering one input line on the runtime; the future gives its [`Answered`].
fn answer(
    engine: &Engine,
    args: &AskArgs,
    line: interbot::workspace::read::Line,
) -> impl std::future::Future<Output = Answered> + use<> {
    let (number, blank, question) = question_of(line);
    let task = question.map(|question| {
        let engine = engine.clone();
        let bot = args.bot.clone();
        let style = Style::of(args);
        let options = options(args);
        // The turn is printed where it was answered: the JSON of every turn made on the
        // thread that writes the output held a batch to about one core.
        tokio::spawn(async move {
            let turn = turn_for(&engine, &bot, &question, &options, style.explain).await;
            turn.map_err(|e| e.to_string())
                .and_then(|turn| printed(&turn, style))
        })
    });
    async move {
        let printed = match task {
            Ok(handle) => match handle.await {
                Ok(printed) => printed,
                Err(e) => Err(format!("the question failed: {e}")),
            },
            Err(error) => Err(error),
        };
        Answered {
            number,
            blank,
            printed,
        }
    }
}

/// The output for an input line that gave no turn: a JSON object with its line number and
/// the error, or a plain `line N: error` line.
fn print_line_error(
    out: &mut impl Write,
    number: usize,
    error: &str,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        writeln!(
            out,
            "{}",
            to_json_line(&json!({"line": number, "error": error}))?
        )?;
    } else {
        writeln!(out, "line {number}: error: {}", sanitize_line(error))?;
    }
    Ok(())
}

/// Asks one question, with explanations when asked for.
fn ask(
    engine: &Engine,
    runtime: &tokio::runtime::Runtime,
    args: &AskArgs,
    question: &str,
) -> Result<Turn, interbot::Error> {
    let options = options(args);
    runtime.block_on(turn_for(
        engine,
        &args.bot,
        question,
        &options,
        args.explain,
    ))
}

/// The turn options `args` set.
fn options(args: &AskArgs) -> AskOptions {
    AskOptions {
        language: args.lang.clone(),
    }
}

fn print_turn(out: &mut impl Write, turn: &Turn, style: Style) -> anyhow::Result<()> {
    if style.json {
        write_json_line(out, turn)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} › {}",
        sanitize_line(&turn.bot),
        sanitize_line(&turn.question)
    )?;
    if let Some(language) = &turn.language {
        writeln!(out, "language: {}", sanitize_line(language))?;
    }
    for reply in &turn.replies {
        writeln!(out)?;
        writeln!(out, "{}", sanitize(reply))?;
    }
    for problem in &turn.problems {
        writeln!(out, "\nproblem: {}", sanitize_line(problem))?;
    }
    writeln!(out)?;
    if turn.delegation.is_empty() && turn.bot == "master" {
        writeln!(
            out,
            "Trace (minConfidence {:.2}; no bot passed)",
            turn.min_confidence
        )?;
    } else {
        writeln!(out, "Trace (minConfidence {:.2})", turn.min_confidence)?;
    }
    // A workspace with several languages shows the language each bot answered in.
    let languages = turn.trace.iter().any(|row| row.language.is_some());
    let mut headers = vec!["bot"];
    if languages {
        headers.push("lang");
    }
    headers.extend([
        "confidence",
        "score",
        "passed",
        "entry",
        "closest question",
        "µs",
    ]);
    let mut table = Table::new(&headers, &["confidence", "score", "µs"]);
    for row in &turn.trace {
        let passed = if row.passed { "yes" } else { "no" };
        let entry = row
            .entry_id
            .as_deref()
            .map(sanitize_line)
            .unwrap_or_else(|| "—".into());
        let question = match (&row.error, &row.question) {
            (Some(error), _) => format!("error: {}", sanitize_line(error)),
            (None, Some(q)) => format!("\"{}\"", sanitize_line(q)),
            (None, None) => "—".into(),
        };
        let mut cells = vec![sanitize_line(&row.bot_id)];
        if languages {
            cells.push(row.language.as_deref().map_or("—".into(), sanitize_line));
        }
        cells.extend([
            interbot::text::confidence(row.confidence),
            format!("{:.2}", row.score),
            passed.into(),
            truncate(&entry, 40),
            truncate(&question, 60),
            row.micros.to_string(),
        ]);
        table.row(cells);
    }
    write!(out, "{}", table.render())?;
    // Where Botpress would read a row otherwise, and the answer picked among several.
    for row in &turn.trace {
        if let Some(note) = &row.note {
            writeln!(
                out,
                "  {}: {}",
                sanitize_line(&row.bot_id),
                sanitize_line(note)
            )?;
        }
    }
    if style.explain {
        super::explain::print(out, turn)?;
    }
    Ok(())
}
