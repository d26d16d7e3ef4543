//! `interbot ask --explain` in plain text: why the best rows of a turn's trace scored what
//! they scored, term by term, and which terms tipped the best over the runner-up.

use std::io::Write;

use interbot::index::model::meaning_factor;
use interbot::index::{Explanation, TermExplanation};
use interbot::text::sanitize_line;
use interbot::{TraceRow, Turn};

use super::table::Table;

/// How many trace rows are explained in text (the JSON explains every row).
const EXPLAINED_ROWS: usize = 2;

/// Writes the explanations of the turn's best rows and what separates the first two.
pub fn print(out: &mut impl Write, turn: &Turn) -> anyhow::Result<()> {
    let explained: Vec<(&TraceRow, &Explanation)> = turn
        .trace
        .iter()
        .filter_map(|row| row.explain.as_ref().map(|e| (row, e)))
        .collect();
    if explained.is_empty() {
        writeln!(
            out,
            "\nExplain: no row matched an entry, nothing to explain."
        )?;
        return Ok(());
    }
    for (rank, (row, explanation)) in explained.iter().take(EXPLAINED_ROWS).enumerate() {
        let title = if rank == 0 { "best" } else { "runner-up" };
        writeln!(out)?;
        print_one(out, title, row, explanation)?;
    }
    if let [(best_row, best), (other_row, other), ..] = explained.as_slice() {
        writeln!(out)?;
        print_difference(out, (best_row, best), (other_row, other))?;
    }
    let rest = explained.len().saturating_sub(EXPLAINED_ROWS);
    if rest > 0 {
        let rows = if rest == 1 { "row" } else { "rows" };
        writeln!(
            out,
            "\n{rest} more {rows} explained in `--json` (`explain` of each row)."
        )?;
    }
    Ok(())
}

/// One row's explanation: how the confidence follows, then a table of terms.
fn print_one(
    out: &mut impl Write,
    title: &str,
    row: &TraceRow,
    explanation: &Explanation,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "Explain ({title}) {} · {}",
        sanitize_line(&row.bot_id),
        sanitize_line(&explanation.entry_id)
    )?;
    let adjustment = match (&explanation.classifier, explanation.meaning) {
        (Some(c), _) => format!(
            " − classifier {:.2} (p {:.3} vs best {:.3})",
            c.adjustment, c.probability, c.most_probable
        ),
        (None, Some(cosine)) => format!(" × meaning {}", factor_text(cosine)),
        (None, None) => String::new(),
    };
    writeln!(
        out,
        "  raw {:.2} = language model {:.2}{adjustment}; confidence = min(1, {:.2} / ideal {:.2}) = {}",
        explanation.raw,
        explanation.language_model,
        explanation.raw,
        explanation.ideal,
        interbot::text::confidence(f64::from(explanation.confidence)),
    )?;
    if let Some(p) = row.router {
        writeln!(
            out,
            "  bot router: p({}) = {p:.3}; confidence {} × {} = {}",
            sanitize_line(&row.bot_id),
            interbot::text::confidence(f64::from(explanation.confidence)),
            interbot::index::router::weight_of(&format!("{p:.3}")),
            interbot::text::confidence(row.confidence),
        )?;
    }
    let mut table = Table::new(
        &["term", "matched", "w", "c", "tf", "P(t|e)", "raw", "ideal"],
        &["w", "c", "tf", "P(t|e)", "raw", "ideal"],
    );
    for term in &explanation.terms {
        table.row(vec![
            term_label(term),
            if term.matched { "yes" } else { "no" }.into(),
            format!("{:.2}", term.weight),
            term.count.to_string(),
            term.tf.to_string(),
            format!("{:.2e}", term.p_entry),
            format!("{:.2}", term.contribution),
            format!("{:.2}", term.ideal),
        ]);
    }
    for line in table.render().lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

/// The terms whose contributions differ most between the best row and the runner-up.
fn print_difference(
    out: &mut impl Write,
    (best_row, best): (&TraceRow, &Explanation),
    (other_row, other): (&TraceRow, &Explanation),
) -> anyhow::Result<()> {
    let mut gaps: Vec<(String, f32)> = best
        .terms
        .iter()
        .zip(&other.terms)
        .map(|(a, b)| (term_label(a), a.contribution - b.contribution))
        .filter(|(_, gap)| gap.abs() >= 0.005)
        .collect();
    gaps.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let tipped: Vec<String> = gaps
        .iter()
        .take(6)
        .map(|(term, gap)| format!("{term} {gap:+.2}"))
        .collect();
    let classifier = best.classifier.as_ref().map_or(0.0, |c| c.adjustment)
        - other.classifier.as_ref().map_or(0.0, |c| c.adjustment);
    let classifier = if classifier.abs() >= 0.005 {
        format!("; classifier {:+.2}", -classifier)
    } else {
        String::new()
    };
    let meaning = match (best.meaning, other.meaning) {
        (None, None) => String::new(),
        (best, other) => {
            let factor = |cosine: Option<f32>| cosine.map_or("1".into(), factor_text);
            format!("; meaning ×{} vs ×{}", factor(best), factor(other))
        }
    };
    // Rows of one bot (a sub-bot asked directly) differ by entry, rows of the master by bot.
    let name = |row: &TraceRow, explanation: &Explanation| {
        if best_row.bot_id == other_row.bot_id {
            sanitize_line(&explanation.entry_id)
        } else {
            sanitize_line(&row.bot_id)
        }
    };
    writeln!(
        out,
        "Why {} over {}: raw {:+.2}, from {}{classifier}{meaning}",
        name(best_row, best),
        name(other_row, other),
        best.raw - other.raw,
        if tipped.is_empty() {
            "no term".to_string()
        } else {
            tipped.join(", ")
        },
    )?;
    Ok(())
}

/// The meaning factor of a cosine as shown ([`meaning_factor`]), with the cosine beside it
/// when it is negative.
fn factor_text(cosine: f32) -> String {
    let factor = meaning_factor(cosine);
    if cosine < 0.0 {
        format!("{factor} (cosine {cosine:.2})")
    } else {
        format!("{factor:.2}")
    }
}

/// A term as shown: the analyzed word, or `a b` for a bigram.
fn term_label(term: &TermExplanation) -> String {
    let text = sanitize_line(&term.term);
    if term.bigram {
        format!("\"{}\"", text.replace('_', " "))
    } else {
        text
    }
}
