//! Where Botpress 12 reads a delegation row otherwise than interbot, said in the row's
//! `note` — or, with `"compat": "botpress"`, done as Botpress does.
//!
//! Botpress's `delegate_to_bots` action (`examples/interbot/bots/master/actions/
//! delegate_to_bots.js`) posts the question to each sub-bot's converse API and reads
//! `_.get(data, 'decision.confidence', 0)`, keeping the bot when it is `>= minConfidence`:
//!
//! - a sub-bot that matched nothing still gets a decision: its decision engine elects the
//!   default flow with confidence 1, "no suggestion matched" (`decision-engine.ts`), so in
//!   Botpress every such bot passes; interbot reports 0 (nothing answers the question);
//! - a `oneflow` (NDU) sub-bot answers with an empty `decision` (the QnA module skips NDU
//!   events, `modules/qna/src/backend/api.ts` `processEvent`), which reads as 0 whatever the
//!   bot holds;
//! - a missing decision reads as 0 too, so at a threshold of 0 every bot passes, matched,
//!   unmatched or failed;
//! - the converse API refuses a question of more than 360 characters
//!   ([`converse::botpress_rejects`]), so Botpress would get no answer at all.

use super::TraceRow;
use crate::remote::converse;
use crate::workspace::{Compat, Workspace};

/// What Botpress's action would read as a row's confidence, and why, where that differs
/// from interbot's reading.
/// Remote rows are read by the converse client, which keeps Botpress's own figure.
fn botpress_reading(row: &TraceRow, oneflow: bool) -> Option<(f64, &'static str)> {
    if row.remote.is_some() {
        return None;
    }
    if oneflow && row.confidence != 0.0 {
        return Some((0.0, "a oneflow (NDU) bot's decision is empty"));
    }
    let unmatched = row.error.is_none() && row.entry_id.is_none() && row.confidence == 0.0;
    (unmatched && !oneflow).then_some((1.0, "no suggestion matched: its decision engine reports 1"))
}

/// Sets each row's `passed` at `min_confidence` the way `delegate_to_bots` compares
/// (`confidence >= minConfidence`, for every row: at 0 even rows that matched nothing or
/// failed pass), applies Botpress's reading under [`Compat::Botpress`], and notes where
/// Botpress would differ.
pub(super) fn reconcile(
    rows: &mut [TraceRow],
    question: &str,
    min_confidence: f64,
    workspace: &Workspace,
) {
    let compat = workspace.settings.compat;
    let rejected = converse::botpress_rejects(question).then(|| {
        format!(
            "Botpress would reject this question: its converse API takes 1 to {} characters, \
             this one has {}",
            converse::MAX_TEXT_CHARS,
            question.encode_utf16().count()
        )
    });
    for row in rows {
        let oneflow = workspace
            .bot(&row.bot_id)
            .is_some_and(|bot| bot.config.oneflow);
        let reading = botpress_reading(row, oneflow);
        match (compat, reading) {
            (Compat::Botpress, Some((confidence, why))) => {
                let was = row.confidence;
                row.confidence = confidence;
                add_note(
                    row,
                    format!("Botpress reading ({why}); interbot's confidence is {was:.2}"),
                );
            }
            (Compat::Interbot, Some((confidence, why))) => {
                let verdict = if confidence >= min_confidence {
                    "would pass"
                } else {
                    "would not pass"
                };
                add_note(row, format!("Botpress: {confidence:.1}, {verdict} ({why})"));
            }
            (_, None) => {}
        }
        row.passed = row.confidence >= min_confidence;
        if let Some(rejected) = &rejected {
            add_note(row, rejected.clone());
        }
    }
}

fn add_note(row: &mut TraceRow, note: String) {
    row.note = Some(match row.note.take() {
        Some(earlier) => format!("{earlier}; {note}"),
        None => note,
    });
}
