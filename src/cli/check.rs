//! `interbot check`: every load problem, one per line; exit 1 if one is an error (or, with
//! `--strict`, if there is any). Warnings alone exit 0: a bot written by Botpress's own
//! editor holds actions, skills and other flows interbot does not run, each a warning.

use std::io::Write;
use std::process::ExitCode;

use interbot::Engine;
use interbot::error::Severity;
use interbot::text::sanitize_line;

/// Runs `check`.
pub fn run(engine: &Engine, strict: bool) -> anyhow::Result<ExitCode> {
    let problems = engine.problems();
    let mut out = std::io::stdout().lock();
    let workspace = engine.workspace();
    let entries: usize = workspace.bots.iter().map(|b| b.qna.len()).sum();
    for problem in &problems {
        writeln!(out, "{}", sanitize_line(&problem.to_string()))?;
    }
    let trained = workspace
        .bots
        .iter()
        .filter(|bot| {
            engine
                .index(&bot.id)
                .is_some_and(|index| index.is_trained())
        })
        .count();
    let trained = if trained == 0 {
        String::new()
    } else {
        format!(" ({trained} bots with an entry classifier)")
    };
    writeln!(
        out,
        "{} bots, {} QnA entries{trained}, {} problem{}",
        workspace.bots.len(),
        entries,
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    )?;
    let failing = problems
        .iter()
        .any(|p| strict || p.severity == Severity::Error);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
