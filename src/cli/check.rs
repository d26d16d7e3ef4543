//! `interbot check`: every load problem, one per line, then what was loaded (bots, entries,
//! entry classifiers, the master's bot router); exit 1 if a problem is an error (or, with
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
    if let Some(router) = engine.router() {
        let per = if router.classes() == router.bots().len() {
            "one per bot"
        } else {
            "one per entry"
        };
        let seconds = router.training_seconds();
        let source = if seconds >= 1.0 {
            format!("trained in {seconds:.1} s")
        } else if seconds > 0.0 {
            format!("trained in {:.0} ms", (seconds * 1000.0).max(1.0))
        } else {
            "from the cache".to_string()
        };
        writeln!(
            out,
            "the master weighs its bots by a bot router over {} bots ({} classes, {per}; {source})",
            router.bots().len(),
            router.classes(),
        )?;
    }
    let failing = problems
        .iter()
        .any(|p| strict || p.severity == Severity::Error);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
