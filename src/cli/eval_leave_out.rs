//! `interbot eval --leave-one-out`: the out-of-scope check's report (see
//! [`interbot::eval::leave_out`]), as a table or one JSON object.

use std::io::Write;
use std::path::Path;

use interbot::eval::LeaveOutReport;
use interbot::text::sanitize_line;
use serde::Serialize;

use super::table::Table;

/// The JSON printed with `--json`.
#[derive(Debug, Serialize)]
struct JsonOutput<'a> {
    leave_one_out: &'a LeaveOutReport,
    questions: usize,
    seconds: f64,
}

/// Prints `report` of `questions` questions from `file`, evaluated in `seconds`.
pub fn print(
    report: &LeaveOutReport,
    file: &Path,
    questions: usize,
    seconds: f64,
    json: bool,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let output = JsonOutput {
            leave_one_out: report,
            questions,
            seconds,
        };
        super::json::write_pretty(&mut out, &output)?;
    } else {
        write!(out, "{}", text(report, file, questions, seconds))?;
    }
    out.flush()?;
    Ok(())
}

fn percent(value: f64) -> String {
    format!("{:.1} %", 100.0 * value)
}

/// The report as text: the pooled line first (the figure to track), then one row per bot.
fn text(report: &LeaveOutReport, file: &Path, questions: usize, seconds: f64) -> String {
    let overall = &report.overall;
    let points = 100.0 * report.tolerance;
    let mut out = format!(
        "Leave-one-out out-of-scope check: {questions} questions from {}, each bot left out in turn \
         ({} runs, {seconds:.2} s)\n\
         Threshold kept where in-scope routing accuracy stays within {points:.0} points of no threshold.\n{}\n\
         pooled: threshold {:.2}, in-scope accuracy {} (no threshold {}), out-of-scope recall {}\n\
         mean of the runs' recalls at their own thresholds: {}\n\n",
        sanitize_line(&file.display().to_string()),
        report.runs.len(),
        if report.routed {
            "Each run routes through the master's bot router, trained again without the bot left out.\n"
        } else {
            ""
        },
        overall.threshold,
        percent(overall.accuracy),
        percent(overall.accuracy_without_threshold),
        percent(overall.oos_recall),
        percent(overall.mean_oos_recall),
    );
    let headers = [
        "left out",
        "its questions",
        "others'",
        "threshold",
        "accuracy",
        "no threshold",
        "oos recall",
        &format!("at {:.2}", overall.threshold),
    ];
    let mut table = Table::new(&headers, &headers[1..]);
    for run in &report.runs {
        table.row(vec![
            sanitize_line(&run.bot),
            run.out_of_scope.to_string(),
            run.in_scope.to_string(),
            format!("{:.2}", run.threshold),
            percent(run.accuracy),
            percent(run.accuracy_without_threshold),
            percent(run.oos_recall),
            percent(run.oos_recall_at_overall),
        ]);
    }
    out.push_str(&table.render());
    out
}
