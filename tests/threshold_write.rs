//! Writing a tuned threshold into the master's flow (what the evaluation view's `w` does):
//! one line of the file changes, the rest stays byte for byte, and the engine read again
//! delegates with it.

mod common;

use common::{demo_workspace, runtime};
use interbot::Engine;

#[test]
fn a_threshold_written_into_the_flow_changes_one_line_and_is_used() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    common::copy_dir(&demo_workspace(), dir.path());
    let flow = dir.path().join("bots/master/flows/main.flow.json");
    let before = std::fs::read_to_string(&flow)?;
    let engine = Engine::load(dir.path())?;
    let written = engine.workspace().set_min_confidence(0.42)?;
    assert_eq!(written.calls, 1);
    let after = std::fs::read_to_string(&flow)?;
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].1.contains(r#"\"minConfidence\":\"0.42\""#),
        "{changed:?}"
    );
    assert_eq!(before.lines().count(), after.lines().count());
    assert_eq!(before.ends_with('\n'), after.ends_with('\n'));

    let (engine, _) = engine.reload_bot("master")?;
    let turn = runtime().block_on(engine.ask("master", "I have a question about my pay check"))?;
    assert!(
        (turn.min_confidence - 0.42).abs() < 1e-9,
        "{}",
        turn.min_confidence
    );
    Ok(())
}

#[test]
fn a_threshold_out_of_range_or_a_flow_without_delegation_changes_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    common::copy_dir(&demo_workspace(), dir.path());
    let flow = dir.path().join("bots/master/flows/main.flow.json");
    let before = std::fs::read_to_string(&flow)?;
    let engine = Engine::load(dir.path())?;
    assert!(engine.workspace().set_min_confidence(1.5).is_err());
    assert!(engine.workspace().set_min_confidence(f64::NAN).is_err());
    std::fs::write(&flow, before.replace("delegate_to_bots", "other_action"))?;
    let error = engine
        .workspace()
        .set_min_confidence(0.3)
        .expect_err("no delegation to set");
    assert!(
        error.to_string().contains("no `delegate_to_bots` call"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(&flow)?,
        before.replace("delegate_to_bots", "other_action")
    );
    Ok(())
}
