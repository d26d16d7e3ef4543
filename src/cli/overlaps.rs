//! `interbot check` options and `interbot check --overlaps`: entries of different bots that
//! take each other's questions (most ambiguous first) and questions repeated within a bot;
//! exit 1 when there is one. The finding itself is [`interbot::eval::overlaps`].

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use interbot::Engine;
use interbot::eval::OverlapOptions;
use interbot::eval::overlaps::{Crossing, OverlapReport, find};
use interbot::text::sanitize_line;
use serde::Serialize;

/// Arguments of `interbot check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Instead of load problems, list overlapping entries of different bots and questions
    /// repeated within a bot.
    #[arg(long)]
    pub overlaps: bool,

    /// With --overlaps: also count a question another bot scores within this much of its
    /// own bot's confidence.
    #[arg(
        long,
        default_value_t = 0.05,
        value_name = "0..1",
        requires = "overlaps"
    )]
    margin: f64,

    /// With --overlaps: show at most this many pairs (the most ambiguous); 0 shows all.
    #[arg(long, default_value_t = 20, value_name = "N", requires = "overlaps")]
    limit: usize,

    /// With --overlaps: print every pair and duplicate as one JSON object.
    #[arg(long, requires = "overlaps")]
    json: bool,

    /// Exit 1 on warnings too (by default only errors fail the check).
    #[arg(long, conflicts_with = "overlaps")]
    pub strict: bool,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    #[serde(flatten)]
    report: &'a OverlapReport,
    seconds: f64,
}

/// Runs `check --overlaps` at the master's threshold (or `--min-confidence`).
pub fn run(engine: &Engine, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let options = OverlapOptions {
        min_confidence: interbot::threshold::master(engine.workspace()).value,
        margin: args.margin.clamp(0.0, 1.0),
    };
    let started = Instant::now();
    let report = find(engine, options);
    let seconds = started.elapsed().as_secs_f64();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let json = serde_json::to_string_pretty(&JsonOutput {
            report: &report,
            seconds,
        })?;
        writeln!(out, "{}", super::json::json_safe(&json))?;
    } else {
        let mut text = String::new();
        write_report(&mut text, &report, seconds, args.limit)?;
        write!(out, "{text}")?;
    }
    out.flush()?;
    Ok(
        if report.overlaps.is_empty() && report.duplicates.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

fn crossing_line(out: &mut String, crossing: &Crossing) -> std::fmt::Result {
    writeln!(
        out,
        "     {} \"{}\": own bot {}, {} {} (closest \"{}\")",
        sanitize_line(&crossing.bot),
        sanitize_line(&crossing.question),
        interbot::text::confidence(crossing.own_confidence),
        sanitize_line(&crossing.other_bot),
        interbot::text::confidence(crossing.other_confidence),
        sanitize_line(&crossing.other_question),
    )
}

fn write_report(
    out: &mut String,
    report: &OverlapReport,
    seconds: f64,
    limit: usize,
) -> std::fmt::Result {
    writeln!(
        out,
        "{} question variants asked of every other bot in {seconds:.2} s: {} entry pairs overlap \
         (another bot's confidence ≥ {:.2}, or within {:.2} of the own bot's), {} questions repeated within a bot",
        report.variants_checked,
        report.overlaps.len(),
        report.options.min_confidence,
        report.options.margin,
        report.duplicates.len(),
    )?;
    let shown = if limit == 0 {
        report.overlaps.len()
    } else {
        limit.min(report.overlaps.len())
    };
    if shown > 0 {
        writeln!(
            out,
            "\nMost ambiguous first (ambiguity: the other bot's confidence minus the own bot's, for the worst variant):"
        )?;
    }
    for (rank, overlap) in report.overlaps.iter().take(shown).enumerate() {
        writeln!(
            out,
            "{:>3}. {} {}  {}  {} {}   ambiguity {:+.2}, {} variant{} crossing{}",
            rank + 1,
            sanitize_line(&overlap.bot_a),
            sanitize_line(&overlap.entry_a),
            if overlap.mutual() { "⇄" } else { "–" },
            sanitize_line(&overlap.bot_b),
            sanitize_line(&overlap.entry_b),
            overlap.ambiguity,
            overlap.crossings,
            if overlap.crossings == 1 { "" } else { "s" },
            if overlap.mutual() { ", both ways" } else { "" },
        )?;
        for crossing in [&overlap.a_to_b, &overlap.b_to_a].into_iter().flatten() {
            crossing_line(out, crossing)?;
        }
        let shared = if overlap.shared_words.is_empty() {
            "—".to_string()
        } else {
            overlap
                .shared_words
                .iter()
                .map(|w| sanitize_line(w))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(out, "     shared words: {shared}")?;
    }
    if shown < report.overlaps.len() {
        writeln!(
            out,
            "… {} more pairs (--limit 0 shows all, --json lists every one)",
            report.overlaps.len() - shown
        )?;
    }
    if !report.duplicates.is_empty() {
        writeln!(out, "\nQuestions repeated within a bot:")?;
        for duplicate in &report.duplicates {
            writeln!(
                out,
                "  {} \"{}\" in {}",
                sanitize_line(&duplicate.bot),
                sanitize_line(&duplicate.question),
                duplicate
                    .entries
                    .iter()
                    .map(|e| sanitize_line(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    Ok(())
}
