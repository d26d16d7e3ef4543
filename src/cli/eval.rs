//! `interbot eval`: routing quality on a labelled JSONL file.
//!
//! Each line is `{"text": "...", "bot": "<botId>" | null, "qna": "<entryId>"?}`. Every sub-bot
//! is asked (no threshold); the top row by confidence is the routing. Reported: the share
//! routed to the right bot and (where `qna` is given) to the right entry, then for each
//! threshold the coverage (share of labelled questions answered), the accuracy among those
//! answered, and the share of unrelated (`null`) questions wrongly answered.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use interbot::{Engine, TraceRow};
use serde::{Deserialize, Serialize};

use super::table::Table;

/// Arguments of `interbot eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled questions, one JSON object per line.
    file: PathBuf,

    /// Print the report as JSON.
    #[arg(long)]
    json: bool,

    /// List the misrouted questions.
    #[arg(long)]
    errors: bool,
}

#[derive(Debug, Deserialize)]
struct Labelled {
    text: String,
    bot: Option<String>,
    qna: Option<String>,
}

/// One threshold's point on the accuracy/coverage curve.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CurvePoint {
    threshold: f64,
    coverage: f64,
    accuracy: f64,
    false_accepts: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    questions: usize,
    labelled: usize,
    unrelated: usize,
    bot_accuracy: f64,
    entry_accuracy: Option<f64>,
    micros_per_question: f64,
    curve: Vec<CurvePoint>,
}

struct Outcome {
    label: Labelled,
    top: Option<TraceRow>,
}

impl Outcome {
    fn confidence(&self) -> f64 {
        self.top.as_ref().map_or(0.0, |t| t.confidence)
    }
    fn right_bot(&self) -> bool {
        matches!((&self.top, &self.label.bot), (Some(top), Some(bot)) if top.entry_id.is_some() && &top.bot_id == bot)
    }
    fn right_entry(&self) -> bool {
        self.right_bot()
            && matches!((&self.top, &self.label.qna), (Some(top), Some(qna)) if top.entry_id.as_ref() == Some(qna))
    }
    /// Right entry where entries are labelled, right bot otherwise.
    fn correct(&self) -> bool {
        if self.label.qna.is_some() {
            self.right_entry()
        } else {
            self.right_bot()
        }
    }
}

/// Runs `eval`.
pub fn run(engine: &Engine, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let text = super::read_text(&args.file)?;
    let mut labels = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label: Labelled = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: not a labelled question",
                args.file.display(),
                number + 1
            )
        })?;
        labels.push(label);
    }
    let bots = engine.workspace().sub_bot_ids();
    let delegator = engine.delegator();
    let started = Instant::now();
    let outcomes: Vec<Outcome> = labels
        .into_iter()
        .map(|label| {
            let mut rows: Vec<TraceRow> = bots
                .iter()
                .map(|bot| delegator.ask_one(bot, &label.text, 0.0))
                .collect();
            rows.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
            Outcome {
                top: rows.into_iter().next(),
                label,
            }
        })
        .collect();
    let elapsed = started.elapsed();
    let report = report(&outcomes, elapsed.as_micros() as f64);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print_report(&mut out, &report)?;
    }
    if args.errors {
        writeln!(out, "\nMisrouted:")?;
        for outcome in outcomes
            .iter()
            .filter(|o| o.label.bot.is_some() && !o.correct())
        {
            let top = outcome.top.as_ref();
            writeln!(
                out,
                "  {:?}  want {}/{}  got {}/{} ({:.2})",
                outcome.label.text,
                outcome.label.bot.as_deref().unwrap_or("-"),
                outcome.label.qna.as_deref().unwrap_or("-"),
                top.map_or("-", |t| t.bot_id.as_str()),
                top.and_then(|t| t.entry_id.as_deref()).unwrap_or("-"),
                outcome.confidence()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(outcomes: &[Outcome], total_micros: f64) -> Report {
    let labelled: Vec<&Outcome> = outcomes.iter().filter(|o| o.label.bot.is_some()).collect();
    let unrelated: Vec<&Outcome> = outcomes.iter().filter(|o| o.label.bot.is_none()).collect();
    let share = |count: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            count as f64 / of as f64
        }
    };
    let with_entries: Vec<&&Outcome> = labelled.iter().filter(|o| o.label.qna.is_some()).collect();
    let curve = (0..=20)
        .map(|step| {
            let threshold = f64::from(step) * 0.05;
            let answered: Vec<&&Outcome> = labelled
                .iter()
                .filter(|o| o.confidence() >= threshold)
                .collect();
            let correct = answered.iter().filter(|o| o.correct()).count();
            let false_accepts = unrelated
                .iter()
                .filter(|o| o.confidence() >= threshold)
                .count();
            CurvePoint {
                threshold,
                coverage: share(answered.len(), labelled.len()),
                accuracy: share(correct, answered.len()),
                false_accepts: share(false_accepts, unrelated.len()),
            }
        })
        .collect();
    Report {
        questions: outcomes.len(),
        labelled: labelled.len(),
        unrelated: unrelated.len(),
        bot_accuracy: share(
            labelled.iter().filter(|o| o.right_bot()).count(),
            labelled.len(),
        ),
        entry_accuracy: (!with_entries.is_empty()).then(|| {
            share(
                with_entries.iter().filter(|o| o.right_entry()).count(),
                with_entries.len(),
            )
        }),
        micros_per_question: if outcomes.is_empty() {
            0.0
        } else {
            total_micros / outcomes.len() as f64
        },
        curve,
    }
}

fn print_report(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "{} questions ({} labelled, {} unrelated), {:.0} µs per question (all bots, one thread)",
        report.questions, report.labelled, report.unrelated, report.micros_per_question
    )?;
    writeln!(
        out,
        "routed to the right bot:   {:.1} %",
        100.0 * report.bot_accuracy
    )?;
    if let Some(entry) = report.entry_accuracy {
        writeln!(out, "routed to the right entry: {:.1} %", 100.0 * entry)?;
    }
    writeln!(out)?;
    let mut table = Table::new(
        &["threshold", "coverage", "accuracy", "unrelated answered"],
        &["threshold", "coverage", "accuracy", "unrelated answered"],
    );
    for point in &report.curve {
        table.row(vec![
            format!("{:.2}", point.threshold),
            format!("{:.1} %", 100.0 * point.coverage),
            format!("{:.1} %", 100.0 * point.accuracy),
            if report.unrelated == 0 {
                "—".into()
            } else {
                format!("{:.1} %", 100.0 * point.false_accepts)
            },
        ]);
    }
    write!(out, "{}", table.render())
}
