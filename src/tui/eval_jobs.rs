//! The evaluation view's work, off the UI task: listing the labelled sets of `tests/`,
//! running one through the core's `eval` (on every core, reporting progress), and writing a
//! threshold into the master's flow.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use crate::Engine;
use crate::eval::labels::LabelledSet;
use crate::eval::record::{TESTS_DIR, is_set_name, labelled_sets};
use crate::eval::run::evaluate;
use crate::eval::sweep::{self, Objective};
use crate::workspace::read::{MAX_FILE_BYTES, read_text};

use super::eval::{EvalReport, EvalRun};
use super::runtime::Finished;

/// How often a running evaluation reports progress at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The labelled sets of the engine's workspace.
pub fn list_sets(engine: &Engine) -> EvalReport {
    EvalReport::Sets(labelled_sets(&engine.workspace().root))
}

/// Reads `file` from `tests/` and evaluates it, telling `progress` how many questions are
/// done (at most every `PROGRESS_EVERY`).
pub fn run(
    engine: &Engine,
    file: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<EvalRun, String> {
    if !is_set_name(file) {
        return Err(format!("`{file}` is not a labelled set of tests/"));
    }
    let started = Instant::now();
    let workspace = engine.workspace();
    let path = workspace.root.join(TESTS_DIR).join(file);
    let text = read_text(&path, MAX_FILE_BYTES)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let set = LabelledSet::parse(&text, workspace, true)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let total = set.questions.len();
    let last = Mutex::new(Instant::now());
    let outcomes = evaluate(engine, &set.questions, &|done| {
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.elapsed() >= PROGRESS_EVERY || done == total {
            *last = Instant::now();
            progress(done, total);
        }
    });
    let sweep = sweep::sweep(&outcomes);
    let recommended = sweep::recommend(&sweep, Objective::default());
    Ok(EvalRun {
        file: file.to_string(),
        bots: workspace.asked_bots(),
        outcomes,
        sweep,
        recommended,
        flow_threshold: crate::threshold::master(workspace).value,
        rejected: set.rejected.len(),
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// Writes `threshold` into the master's flow; a line for the user, or why not.
pub fn write_threshold(engine: &Engine, threshold: f64) -> EvalReport {
    EvalReport::Written(
        engine
            .workspace()
            .set_min_confidence(threshold)
            .map(|written| {
                format!(
                    "minConfidence {} written into {} ({} delegate_to_bots call{}).",
                    crate::workspace::flow_edit::format_threshold(threshold),
                    written.path.display(),
                    written.calls,
                    if written.calls == 1 { "" } else { "s" }
                )
            })
            .map_err(|e| format!("The threshold was not written: {e}")),
    )
}

/// Appends `case` to the labelled set `file` of `tests/`; a line for the user, or why not.
pub fn record_case(
    engine: &Engine,
    file: &str,
    case: &crate::eval::record::Case,
) -> Result<String, String> {
    use crate::eval::record::{Recorded, record};
    match record(&engine.workspace().root, file, case) {
        Ok(Recorded::Added { line, .. }) => Ok(format!(
            "Recorded as line {line} of tests/{file}; E replays it."
        )),
        Ok(Recorded::AlreadyThere { line, .. }) => {
            Ok(format!("Already line {line} of tests/{file}: not added."))
        }
        Err(error) => Err(format!("Not recorded: {error}")),
    }
}

/// Runs an evaluation effect on the blocking pool and sends what it reports.
pub fn spawn(engine: &Engine, effect: super::action::Effect, done: UnboundedSender<Finished>) {
    use super::action::Effect;
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || {
        // The receiver is gone only when the app is quitting.
        let send = |report: EvalReport| {
            let _ = done.send(Finished::Eval(report));
        };
        match effect {
            Effect::ListSets => send(list_sets(&engine)),
            Effect::RunEval { file } => {
                let result = run(&engine, &file, &|done, total| {
                    send(EvalReport::Progress { done, total });
                });
                send(EvalReport::Done(result.map(Box::new)));
            }
            Effect::RecordCase { file, case } => {
                let _ = done.send(Finished::Recorded(record_case(&engine, &file, &case)));
            }
            Effect::WriteThreshold(hundredths) => {
                send(write_threshold(&engine, f64::from(hundredths) / 100.0));
            }
            _ => {}
        }
    });
}
