//! A trace row expanded into the explanation of its score (`x` on a selected row): the
//! question with the words the entry holds marked, each term's contribution as a small bar
//! beside the runner-up's, and the sum that makes the confidence. Everything comes from the
//! core's [`Explanation`] (the scoring model itself), so the parts add up to the row's score.

use crate::TraceRow;
use crate::index::Explanation;
use crate::text::sanitize_line;
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, fit, truncate, wrap};

/// Cells of a contribution bar.
const CELLS: usize = 6;
/// At most this many terms are listed (the strongest first; the rest are summed).
const MAX_TERMS: usize = 8;

/// A bar of `value` out of `max` in [`CELLS`] cells (eighths for the last one).
fn bar(value: f32, max: f32) -> String {
    let share = if max > 0.0 {
        (value / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (share * (CELLS * 8) as f32).round() as usize;
    (0..CELLS)
        .map(|cell| match eighths.saturating_sub(cell * 8).min(8) {
            0 => "·",
            8 => "█",
            n => ["▏", "▎", "▍", "▌", "▋", "▊", "▉"][n - 1],
        })
        .collect()
}

/// What `runner_up` got from `term` (0 when it does not hold it).
fn contribution_of(runner_up: Option<&Explanation>, term: &str) -> Option<f32> {
    let runner_up = runner_up?;
    Some(
        runner_up
            .terms
            .iter()
            .find(|t| t.term == term)
            .map_or(0.0, |t| t.contribution),
    )
}

/// A short name for a row: its bot on the master, its entry on a sub-bot.
fn short_name(row: &TraceRow, by_bot: bool) -> String {
    let name = if by_bot {
        row.bot_id.clone()
    } else {
        row.entry_id.clone().unwrap_or_default()
    };
    truncate(&sanitize_line(&name), 14)
}

/// The explanation rows of `row` (with `runner_up` beside it, when there is one) at
/// `width` columns; `by_bot` names rows by bot (the master's trace) rather than by entry.
pub fn rows(row: &TraceRow, runner_up: Option<&TraceRow>, by_bot: bool, width: usize) -> Vec<Row> {
    let indent = || vec![Segment::new("  ", Role::Text)];
    let Some(explanation) = &row.explain else {
        let why = if row.entry_id.is_none() {
            "No entry matched a word of the question: nothing to explain."
        } else {
            "No explanation for this row."
        };
        return wrap(
            &Para::indented(indent(), vec![Segment::new(why, Role::Dim)]),
            width,
        );
    };
    let other = runner_up.and_then(|r| r.explain.as_ref());
    let mut out = Vec::new();
    // The question, the words the entry holds marked (bold and underlined by the role).
    let mut words = vec![Segment::new("asked “", Role::Dim)];
    for (n, word) in explanation.words.iter().enumerate() {
        if n > 0 {
            words.push(Segment::new(" ", Role::Text));
        }
        let role = if word.matched {
            Role::Strong
        } else {
            Role::Dim
        };
        words.push(Segment::new(sanitize_line(&word.text), role));
    }
    words.push(Segment::new("”", Role::Dim));
    out.extend(wrap(&Para::indented(indent(), words), width));

    // The sum that makes the confidence, the confidence as the trace shows it (truncated,
    // so it never reads as passing when it does not).
    let mut sum = format!(
        "raw {:.2} / ideal {:.2} → {}",
        explanation.raw,
        explanation.ideal,
        crate::text::confidence(f64::from(explanation.confidence))
    );
    if let Some(classifier) = &explanation.classifier {
        sum.push_str(&format!(" (classifier −{:.2})", classifier.adjustment));
    } else if let Some(cosine) = explanation.meaning {
        sum.push_str(&format!(
            " (language model {:.2} × meaning {:.2})",
            explanation.language_model,
            crate::index::model::meaning_factor(cosine)
        ));
    }
    // The master's bot router weighs the row's confidence after the index gave it.
    if let Some(p) = row.router {
        sum.push_str(&format!(
            " × router p {} → {}",
            crate::index::router::weight_of(&crate::text::confidence(p)),
            crate::text::confidence(row.confidence)
        ));
    }
    if let (Some(runner_up), Some(other)) = (runner_up, other) {
        // A routed runner-up is shown as the trace shows it; otherwise as the index gave it.
        let shown = if runner_up.router.is_some() {
            crate::text::confidence(runner_up.confidence)
        } else {
            crate::text::confidence(f64::from(other.confidence))
        };
        sum.push_str(&format!("; {} {shown}", short_name(runner_up, by_bot)));
    }
    out.extend(wrap(
        &Para::indented(indent(), vec![Segment::new(sum, Role::Dim)]),
        width,
    ));
    // Terms: name, this row's bar and points, the runner-up's points.
    let terms = explanation.strongest_terms();
    let max = terms
        .iter()
        .map(|t| t.contribution)
        .chain(
            other
                .iter()
                .flat_map(|o| o.terms.iter().map(|t| t.contribution)),
        )
        .fold(0.0f32, f32::max);
    // Indent, term, bar, points, the runner-up's points and mark: what is left is the term's.
    let fixed = 2 + 1 + CELLS + 6 + if other.is_some() { 8 } else { 0 };
    let term_width = terms
        .iter()
        .take(MAX_TERMS)
        .map(|t| crate::tui::wrap::width(&t.term))
        .max()
        .unwrap_or(4)
        .min(width.saturating_sub(fixed))
        .clamp(4, 12);
    if let Some(runner_up) = runner_up.filter(|_| other.is_some()) {
        out.push(fit(
            vec![Segment::new(
                format!(
                    "  {:term_width$} {:CELLS$} {:>5}  {:>6}",
                    "term",
                    "",
                    "here",
                    truncate(&short_name(runner_up, by_bot), 6)
                ),
                Role::Dim,
            )],
            width,
        ));
    }
    for term in terms.iter().take(MAX_TERMS) {
        let name = truncate(&sanitize_line(&term.term), term_width);
        let role = if term.matched { Role::Text } else { Role::Dim };
        let mut segments = vec![
            Segment::new(format!("  {name:term_width$} "), role),
            Segment::new(bar(term.contribution, max), Role::BarFill),
            Segment::new(format!(" {:>5.2}", term.contribution), role),
        ];
        if let Some(points) = contribution_of(other, &term.term) {
            let (mark, role) = if points > term.contribution + 1e-3 {
                ("▲", Role::Fail)
            } else {
                (" ", Role::Dim)
            };
            segments.push(Segment::new(format!("  {points:>5.2}{mark}"), role));
        }
        if !term.matched {
            segments.push(Segment::new(" not in entry", Role::Dim));
        }
        out.push(fit(segments, width));
    }
    if terms.len() > MAX_TERMS {
        let rest: f32 = terms[MAX_TERMS..].iter().map(|t| t.contribution).sum();
        out.push(fit(
            vec![Segment::new(
                format!("  … {} more terms: {rest:.2}", terms.len() - MAX_TERMS),
                Role::Dim,
            )],
            width,
        ));
    }
    out.extend(wrap(
        &Para::indented(
            indent(),
            vec![Segment::new(
                "e: this bot's QnA at this entry · x: fold",
                Role::Dim,
            )],
        ),
        width,
    ));
    out
}
