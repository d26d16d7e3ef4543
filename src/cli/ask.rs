//! `interbot ask`: one question (or one per stdin line with `-`), replies and trace.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Args;
use interbot::text::{sanitize, sanitize_line};
use interbot::{Engine, Turn};

use super::table::Table;

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
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let turn = ask(engine, &runtime, args, &line)?;
            print_turn(&mut out, &turn, args)?;
            if !args.json {
                writeln!(out)?;
            }
        }
    } else {
        let turn = ask(engine, &runtime, args, &args.question)?;
        print_turn(&mut out, &turn, args)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Asks one question, with explanations when asked for.
fn ask(
    engine: &Engine,
    runtime: &tokio::runtime::Runtime,
    args: &AskArgs,
    question: &str,
) -> anyhow::Result<Turn> {
    let mut turn = runtime.block_on(engine.ask(&args.bot, question))?;
    if args.explain {
        engine.explain(&mut turn);
    }
    Ok(turn)
}

fn print_turn(out: &mut impl Write, turn: &Turn, args: &AskArgs) -> anyhow::Result<()> {
    if args.json {
        serde_json::to_writer(&mut *out, turn)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{} › {}", turn.bot, sanitize_line(&turn.question))?;
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
    let mut table = Table::new(
        &[
            "bot",
            "confidence",
            "score",
            "passed",
            "entry",
            "closest question",
            "µs",
        ],
        &["confidence", "score", "µs"],
    );
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
        table.row(vec![
            sanitize_line(&row.bot_id),
            interbot::text::confidence(row.confidence),
            format!("{:.2}", row.score),
            passed.into(),
            truncate(&entry, 40),
            truncate(&question, 60),
            row.micros.to_string(),
        ]);
    }
    write!(out, "{}", table.render())?;
    if args.explain {
        super::explain::print(out, turn)?;
    }
    Ok(())
}

/// At most `max` characters, with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
