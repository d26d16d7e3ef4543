//! `interbot eval`: how well the workspace routes a labelled JSONL file (format:
//! [`interbot::eval::labels`]), which threshold to use, and what changed since a saved run.
//!
//! The bots the master asks (its `delegate_to_bots` list, else every sub-bot) are asked each
//! question (concurrently, on every core); the most confident
//! bot is the routing when its confidence reaches the threshold in force (the master flow's
//! `delegate_to_bots`, or `--min-confidence`). Plain output is tables whose columns say what
//! they count, `—` where a figure is undefined; `--json` prints one JSON object and nothing
//! else on stdout.
//!
//! Longer than the ~600 lines the codebase aims for: it is one table printer per section of
//! the report, each short and read in the order the report prints; splitting them across
//! files would scatter one page of output.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use interbot::Engine;
use interbot::eval::{
    self, Comparison, LabelledSet, Objective, Outcome, Report, SavedRun, compare,
};
use interbot::text::sanitize_line;
use interbot::threshold::InForce;
use serde::Serialize;

use super::table::{Table, truncate};

/// From this many questions, a progress bar shows on stderr (when it is a terminal).
const PROGRESS_FROM: usize = 300;

/// Arguments of `interbot eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled questions, one JSON object per line:
    /// {"text": "…", "bot": "<botId>" | null, "qna": "<entryId>"?}.
    file: PathBuf,

    /// Print the report as one JSON object (nothing else on stdout).
    #[arg(long)]
    json: bool,

    /// List every question routed wrongly at the threshold: misrouted, below the threshold,
    /// and out-of-scope questions that were answered, with their two best bots.
    #[arg(long)]
    errors: bool,

    /// Leave out lines with unknown bots or entries (reported apart) instead of failing.
    #[arg(long)]
    lenient: bool,

    /// What the recommended threshold should achieve: balanced (default: best mean of
    /// routing accuracy and out-of-scope recall), accuracy, precision>=X, oos-recall>=X.
    #[arg(long, default_value = "balanced", value_name = "OBJECTIVE")]
    objective: String,

    /// Save this run (figures and every routing) to compare with later.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,

    /// Compare with a run saved by `--save`: questions fixed, broken and moved, and the
    /// change in every figure.
    #[arg(long, value_name = "FILE")]
    compare: Option<PathBuf>,

    /// The out-of-scope check: leave each bot out in turn (its questions must then go to no
    /// bot) and report out-of-scope recall at the threshold that keeps in-scope routing
    /// accuracy within 2 points of no threshold, per bot left out and pooled.
    #[arg(long, conflicts_with_all = ["save", "compare", "errors"])]
    leave_one_out: bool,
}

/// One question routed wrongly, for `--errors`.
#[derive(Debug, Serialize)]
struct ErrorRow<'a> {
    /// What went wrong.
    kind: &'static str,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// The JSON printed by `--json`.
#[derive(Debug, Serialize)]
struct JsonOutput<'a> {
    #[serde(flatten)]
    report: &'a Report,
    /// The bots asked (the master's delegate_to_bots list, or every sub-bot).
    asked: Vec<String>,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<ErrorRow<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comparison: Option<&'a Comparison>,
    /// The bots the master's router weighs, when the figures went through it.
    #[serde(skip_serializing_if = "Option::is_none")]
    router: Option<&'a [String]>,
}

/// Runs `eval` on `engine` (with any `--min-confidence` override already applied);
/// `in_files` is the threshold the workspace's files give the master.
pub fn run(engine: Engine, in_files: InForce, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let objective: Objective = args.objective.parse()?;
    let text = read_bounded(&args.file)?;
    let set = LabelledSet::parse(&text, engine.workspace(), args.lenient)
        .with_context(|| format!("{} is not a usable labelled set", args.file.display()))?;
    let earlier = args.compare.as_deref().map(read_run).transpose()?;
    let threshold = interbot::threshold::master(engine.workspace()).value;
    let bots = engine.workspace().sub_bot_ids();

    let started = Instant::now();
    let guesses = guesses_with_progress(&engine, &set);
    let asked = engine.workspace().asked_bots();
    let router = engine.router();
    let outcomes: Vec<Outcome> = set
        .questions
        .iter()
        .zip(&guesses)
        .map(|(question, guesses)| eval::outcome(question, guesses, router))
        .collect();
    if args.leave_one_out {
        let report = if router.is_some() {
            eval::leave_one_out_routed(
                engine.workspace(),
                &set.questions,
                &guesses,
                &asked,
                eval::leave_out::TOLERANCE,
            )
        } else {
            eval::leave_one_out(&outcomes, &asked, eval::leave_out::TOLERANCE)
        };
        let seconds = started.elapsed().as_secs_f64();
        super::eval_leave_out::print(&report, &args.file, set.questions.len(), seconds, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }

    let seconds = started.elapsed().as_secs_f64();
    let report = Report::new(
        &outcomes,
        &bots,
        threshold,
        in_files,
        objective,
        set.rejected.clone(),
    );
    let run = SavedRun::new(outcomes, threshold);
    let comparison = earlier.as_ref().map(|earlier| compare(earlier, &run));
    if let Some(path) = &args.save {
        let json = serde_json::to_string_pretty(&run)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot save the run to {}", path.display()))?;
    }
    let errors: Vec<ErrorRow> = run
        .outcomes
        .iter()
        .filter_map(|outcome| error_kind(outcome, threshold).map(|kind| ErrorRow { kind, outcome }))
        .collect();

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let output = JsonOutput {
            report: &report,
            asked,
            seconds,
            errors: args.errors.then_some(errors),
            comparison: comparison.as_ref(),
            router: router.map(|router| router.bots()),
        };
        super::json::write_pretty(&mut out, &output)?;
    } else {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let mut text = String::new();
        let only = (asked != bots).then_some(asked.as_slice());
        write_report(&mut text, &report, &args.file, seconds, threads, only)?;
        if let Some(router) = router {
            writeln!(
                text,
                "\nRouted through the master's bot router over {} bots (--no-router leaves it out).",
                router.bots().len()
            )?;
        }
        if args.errors {
            write_errors(&mut text, &errors, threshold)?;
        }
        if let Some(comparison) = &comparison {
            write_comparison(&mut text, comparison)?;
        }
        if let Some(path) = &args.save {
            writeln!(text, "\nSaved this run to {}", path.display())?;
        }
        write!(out, "{text}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Evaluates `set`, with a progress bar on stderr for long files.
fn guesses_with_progress(engine: &Engine, set: &LabelledSet) -> Vec<Vec<eval::Guess>> {
    let total = set.questions.len();
    if total < PROGRESS_FROM {
        return eval::every_guess(engine, &set.questions, &|_| {});
    }
    // Hidden by indicatif itself when stderr is not a terminal.
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "evaluating {bar:40} {pos}/{len} questions, {eta} left",
    ) {
        bar.set_style(style);
    }
    let guesses = eval::every_guess(engine, &set.questions, &|done| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    guesses
}

/// Labelled sets and saved runs larger than this are refused (HWU64's 1,076 questions take
/// 90 KiB; a saved run of a million questions stays under it).
const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Reads a regular file (after symlinks) of at most [`MAX_INPUT_BYTES`], so `/dev/zero` or a
/// FIFO is an error rather than a hang or an exhausted memory.
fn read_bounded(path: &Path) -> anyhow::Result<String> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !metadata.is_file() {
        anyhow::bail!("{} is not a regular file", path.display());
    }
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        anyhow::bail!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_INPUT_BYTES / (1024 * 1024)
        );
    }
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Reads a run saved by `--save`.
fn read_run(path: &Path) -> anyhow::Result<SavedRun> {
    let text = read_bounded(path)?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a saved run (invalid JSON)", path.display()))?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(eval::compare::FORMAT)) {
        let found = format.and_then(|f| u32::try_from(f).ok()).unwrap_or(0);
        return Err(eval::EvalError::Format {
            found,
            expected: eval::compare::FORMAT,
        })
        .with_context(|| format!("cannot compare with {}", path.display()));
    }
    serde_json::from_value(value).with_context(|| format!("{} is not a saved run", path.display()))
}

/// Why a question's routing at `threshold` is wrong, or `None` when it is right.
fn error_kind(outcome: &Outcome, threshold: f64) -> Option<&'static str> {
    if outcome.right(threshold) {
        return None;
    }
    let routed = outcome.routed(threshold);
    Some(match (&outcome.question.bot, routed) {
        (None, _) => "out of scope, answered",
        (Some(_), None) => "below threshold",
        (Some(_), Some(_)) if outcome.right_bot(threshold) => "right bot, wrong entry",
        (Some(_), Some(_)) => "wrong bot",
    })
}

/// A share as a percentage with one decimal, `—` when undefined.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{:.1} %", 100.0 * v))
}

/// A confidence with two decimals (truncated, as everywhere), `—` when undefined.
fn confidence(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), interbot::text::confidence)
}

/// "n of m" for a figure's counts.
fn of(count: usize, total: usize) -> String {
    format!("{count} of {total}")
}

fn write_report(
    out: &mut String,
    report: &Report,
    file: &Path,
    seconds: f64,
    threads: usize,
    only: Option<&[String]>,
) -> std::fmt::Result {
    let t = report.figures.threshold;
    writeln!(
        out,
        "{} questions from {}: {} for a bot ({} with an entry), {} for no bot; {:.2} s on {threads} threads",
        report.total,
        sanitize_line(&file.display().to_string()),
        report.in_scope,
        report.with_entry,
        report.out_of_scope,
        seconds,
    )?;
    if !report.rejected.is_empty() {
        let count = report.rejected.len();
        let plural = if count == 1 { "" } else { "s" };
        writeln!(out, "{count} line{plural} left out (--lenient):")?;
        for rejected in &report.rejected {
            writeln!(
                out,
                "  line {}: {}",
                rejected.line,
                sanitize_line(&rejected.reason)
            )?;
        }
    }
    let source = &report.workspace_threshold;
    if (source.value - t).abs() < 1e-9 {
        writeln!(
            out,
            "Threshold (minConfidence) {t:.2}, from {}",
            source.source
        )?;
    } else {
        writeln!(
            out,
            "Threshold (minConfidence) {t:.2}, from --min-confidence (the workspace's is {:.2}, from {})",
            source.value, source.source
        )?;
    }

    if let Some(asked) = only {
        let asked: Vec<String> = asked.iter().map(|b| sanitize_line(b)).collect();
        writeln!(
            out,
            "Asked the bots the master's delegate_to_bots names: {}",
            asked.join(", ")
        )?;
    }
    let figures = &report.figures;
    let c = &figures.counts;
    writeln!(out, "\nRouting at threshold {t:.2}")?;
    let mut table = Table::new(&["figure", "value", "what it counts"], &["value"]);
    let rows: [(&str, Option<f64>, String); 8] = [
        (
            "routing accuracy",
            figures.routing_accuracy,
            format!(
                "{} questions for a bot routed to it",
                of(c.right_bot, c.in_scope)
            ),
        ),
        (
            "entry accuracy",
            figures.entry_accuracy,
            format!(
                "{} questions with an entry routed to that bot and entry",
                of(c.right_entry, c.with_entry)
            ),
        ),
        (
            "coverage",
            figures.coverage,
            format!(
                "{} questions for a bot answered by some bot",
                of(c.covered, c.in_scope)
            ),
        ),
        (
            "precision",
            figures.precision,
            format!(
                "{} answered questions routed to their bot",
                of(c.right_bot, c.answered)
            ),
        ),
        (
            "out-of-scope recall",
            figures.oos_recall,
            format!(
                "{} questions for no bot left unanswered",
                of(c.oos_unanswered, c.out_of_scope)
            ),
        ),
        (
            "out-of-scope precision",
            figures.oos_precision,
            format!(
                "{} unanswered questions that were for no bot",
                of(c.oos_unanswered, c.unanswered)
            ),
        ),
        (
            "balanced accuracy",
            figures.balanced_accuracy,
            "mean of routing accuracy and out-of-scope recall".into(),
        ),
        (
            "best bot right",
            report.ranked_first,
            format!(
                "{} questions for a bot whose most confident bot is it (no threshold)",
                of(
                    report
                        .ranked_first
                        .map_or(0, |rate| (rate * c.in_scope as f64).round() as usize),
                    c.in_scope
                )
            ),
        ),
    ];
    for (name, value, what) in rows {
        table.row(vec![name.into(), percent(value), what]);
    }
    write!(out, "{}", table.render())?;

    writeln!(out, "\nPer bot at threshold {t:.2}")?;
    let mut table = Table::new(
        &[
            "bot",
            "questions for it",
            "routed to it",
            "right",
            "precision",
            "recall",
            "F1",
        ],
        &[
            "questions for it",
            "routed to it",
            "right",
            "precision",
            "recall",
            "F1",
        ],
    );
    for bot in &report.per_bot {
        table.row(vec![
            sanitize_line(&bot.bot),
            bot.support.to_string(),
            bot.routed.to_string(),
            bot.right.to_string(),
            percent(bot.precision),
            percent(bot.recall),
            percent(bot.f1),
        ]);
    }
    write!(out, "{}", table.render())?;

    writeln!(
        out,
        "\nConfusion at threshold {t:.2} (rows: the bot a question is for; columns: where it was routed)"
    )?;
    let labels: Vec<String> = report
        .confusion
        .labels
        .iter()
        .map(|l| sanitize_line(l))
        .collect();
    let mut headers = vec!["for \\ routed to"];
    headers.extend(labels.iter().map(String::as_str));
    let mut table = Table::new(&headers, &headers[1..]);
    for (label, counts) in labels.iter().zip(&report.confusion.counts) {
        let mut row = vec![label.clone()];
        row.extend(counts.iter().map(usize::to_string));
        table.row(row);
    }
    write!(out, "{}", table.render())?;

    writeln!(
        out,
        "\nBest confidence per question (no threshold), with questions per tenth"
    )?;
    let bins: Vec<String> = (0..eval::metrics::BINS)
        .map(|b| format!("≥{:.1}", b as f64 / eval::metrics::BINS as f64))
        .collect();
    let mut headers = vec!["questions", "count", "min", "median", "mean", "max"];
    headers.extend(bins.iter().map(String::as_str));
    let mut table = Table::new(&headers, &headers[1..]);
    let d = &report.distributions;
    for (name, dist) in [
        ("best bot right", &d.right_bot),
        ("best bot wrong", &d.wrong_bot),
        ("for no bot", &d.out_of_scope),
    ] {
        let mut row = vec![
            name.to_string(),
            dist.count.to_string(),
            confidence(dist.min),
            confidence(dist.median),
            confidence(dist.mean),
            confidence(dist.max),
        ];
        row.extend(dist.histogram.iter().map(usize::to_string));
        table.row(row);
    }
    write!(out, "{}", table.render())?;

    writeln!(
        out,
        "\nThreshold sweep (every 0.05, plus the ones marked; --json has every 0.01)"
    )?;
    let headers = [
        "threshold",
        "routing accuracy",
        "coverage",
        "precision",
        "out-of-scope recall",
        "balanced accuracy",
        "entry accuracy",
        "",
    ];
    let mut table = Table::new(&headers, &headers[1..7]);
    let recommended = report.recommended.threshold;
    for (step, point) in report.sweep.iter().enumerate() {
        let is = |value: Option<f64>| value.is_some_and(|v| (v - point.threshold).abs() < 1e-9);
        let mut marks = Vec::new();
        if is(recommended) {
            marks.push("recommended");
        }
        if is(Some(t)) {
            marks.push("in force");
        }
        if is(Some(report.workspace_threshold.value)) && !is(Some(t)) {
            marks.push("workspace");
        }
        if step % 5 != 0 && marks.is_empty() {
            continue;
        }
        table.row(vec![
            format!("{:.2}", point.threshold),
            percent(point.routing_accuracy),
            percent(point.coverage),
            percent(point.precision),
            percent(point.oos_recall),
            percent(point.balanced_accuracy),
            percent(point.entry_accuracy),
            marks.join(", "),
        ]);
    }
    write!(out, "{}", table.render())?;

    let rec = &report.recommended;
    match (&rec.threshold, &rec.figures) {
        (Some(value), Some(at)) => {
            writeln!(
                out,
                "\nRecommended threshold for objective {}: {value:.2} ({})",
                rec.objective,
                sanitize_line(&rec.why)
            )?;
            writeln!(
                out,
                "  there: routing accuracy {}, out-of-scope recall {}, precision {}, coverage {}",
                percent(at.routing_accuracy),
                percent(at.oos_recall),
                percent(at.precision),
                percent(at.coverage)
            )?;
        }
        _ => writeln!(
            out,
            "\nNo threshold meets objective {}: {}",
            rec.objective,
            sanitize_line(&rec.why)
        )?,
    }
    if (report.workspace_threshold.value - t).abs() >= 1e-9 {
        let at = &report.at_workspace_threshold;
        writeln!(
            out,
            "At the workspace's threshold {:.2}: routing accuracy {}, out-of-scope recall {}, precision {}, coverage {}",
            report.workspace_threshold.value,
            percent(at.routing_accuracy),
            percent(at.oos_recall),
            percent(at.precision),
            percent(at.coverage)
        )?;
    }
    Ok(())
}

/// "bot/entry (0.42)" for one guess, `—` for none.
fn guess(outcome: &Outcome, rank: usize) -> String {
    outcome.top.get(rank).map_or_else(
        || "—".into(),
        |g| {
            format!(
                "{} {} {}",
                sanitize_line(&g.bot),
                interbot::text::confidence(g.confidence),
                truncate(&sanitize_line(&g.entry), 36)
            )
        },
    )
}

fn write_errors(out: &mut String, errors: &[ErrorRow], threshold: f64) -> std::fmt::Result {
    writeln!(
        out,
        "\nQuestions routed wrongly at threshold {threshold:.2}: {}",
        errors.len()
    )?;
    if errors.is_empty() {
        return Ok(());
    }
    let mut table = Table::new(
        &[
            "line",
            "what went wrong",
            "question",
            "for (bot entry)",
            "best bot, confidence, entry",
            "second bot, confidence, entry",
        ],
        &["line"],
    );
    for error in errors {
        let q = &error.outcome.question;
        let wanted = match (&q.bot, &q.qna) {
            (Some(bot), Some(qna)) => format!(
                "{} {}",
                sanitize_line(bot),
                truncate(&sanitize_line(qna), 36)
            ),
            (Some(bot), None) => sanitize_line(bot),
            (None, _) => "no bot".into(),
        };
        table.row(vec![
            q.line.to_string(),
            error.kind.into(),
            format!("\"{}\"", truncate(&sanitize_line(&q.text), 50)),
            wanted,
            guess(error.outcome, 0),
            guess(error.outcome, 1),
        ]);
    }
    write!(out, "{}", table.render())
}

/// Where a question was routed, for comparisons.
fn place(routing: &eval::compare::Routing) -> String {
    routing.routed.as_ref().map_or_else(
        || "no bot".into(),
        |g| {
            format!(
                "{} {} ({})",
                sanitize_line(&g.bot),
                truncate(&sanitize_line(&g.entry), 30),
                interbot::text::confidence(g.confidence)
            )
        },
    )
}

fn write_comparison(out: &mut String, comparison: &Comparison) -> std::fmt::Result {
    writeln!(
        out,
        "\nCompared with the saved run: {} fixed, {} broken, {} moved (wrong in both, routed elsewhere); {} questions only in the saved run, {} only in this one",
        comparison.fixed.len(),
        comparison.broken.len(),
        comparison.moved.len(),
        comparison.only_before,
        comparison.only_after
    )?;
    let mut table = Table::new(
        &["figure", "saved run", "this run", "change"],
        &["saved run", "this run", "change"],
    );
    for figure in &comparison.figures {
        table.row(vec![
            figure.name.replace('_', " "),
            percent(figure.before),
            percent(figure.after),
            figure
                .change
                .map_or_else(|| "—".into(), |c| format!("{:+.1} points", 100.0 * c)),
        ]);
    }
    write!(out, "{}", table.render())?;
    for (title, changes) in [
        ("Fixed", &comparison.fixed),
        ("Broken", &comparison.broken),
        ("Moved", &comparison.moved),
    ] {
        if changes.is_empty() {
            continue;
        }
        writeln!(out, "\n{title}:")?;
        let mut table = Table::new(
            &["line", "question", "for", "saved run", "this run"],
            &["line"],
        );
        for change in changes {
            table.row(vec![
                change.line.to_string(),
                format!("\"{}\"", truncate(&sanitize_line(&change.text), 50)),
                change
                    .bot
                    .as_deref()
                    .map_or_else(|| "no bot".into(), sanitize_line),
                place(&change.before),
                place(&change.after),
            ]);
        }
        write!(out, "{}", table.render())?;
    }
    Ok(())
}
