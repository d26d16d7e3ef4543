//! The trace pane: for the selected turn, every bot asked (master) or the top candidate
//! entries (sub-bot): closest question, raw score, confidence as a number and a bar against
//! the threshold, passed or not, URL and time. Best first; a threshold line separates the
//! rows that passed from those that did not, and marks (✔/✘) and weight (bold/dim) tell them
//! apart without colour.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::TraceRow;
use crate::text::{self, sanitize_line};

use super::{pane, paragraph};
use crate::tui::state::App;
use crate::tui::tab::{BotTab, Reply};
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, fit, push, truncate, width as text_width, wrap};

/// From this inner width on, one line per trace row (a table); below it, a card per row.
pub const TABLE_WIDTH: usize = 56;

/// Cells of a confidence bar (the threshold marker adds one).
const BAR_CELLS: usize = 10;

/// `micros` as `850µs`, `1.2ms` or `1.3s`.
pub fn duration(micros: u64) -> String {
    match micros {
        0..=999 => format!("{micros}µs"),
        1_000..=999_999 => format!("{:.1}ms", micros as f64 / 1_000.0),
        _ => format!("{:.1}s", micros as f64 / 1_000_000.0),
    }
}

/// A confidence bar of ten cells (eighths for the last one) with a `│` marker where
/// the threshold is.
pub fn bar(confidence: f64, threshold: f64) -> Row {
    let confidence = confidence.clamp(0.0, 1.0);
    let eighths = (confidence * (BAR_CELLS * 8) as f64).round() as usize;
    let marker = (threshold.clamp(0.0, 1.0) * BAR_CELLS as f64).round() as usize;
    let mut row = Row::new();
    for cell in 0..=BAR_CELLS {
        if cell == marker {
            push(&mut row, "│", Role::Threshold);
        }
        if cell == BAR_CELLS {
            break;
        }
        let filled = eighths.saturating_sub(cell * 8).min(8);
        let (glyph, role) = match filled {
            0 => ("·", Role::BarEmpty),
            8 => ("█", Role::BarFill),
            n => (["▏", "▎", "▍", "▌", "▋", "▊", "▉"][n - 1], Role::BarFill),
        };
        push(&mut row, glyph, role);
    }
    row
}

fn mark(row: &TraceRow) -> Segment {
    if row.error.is_some() {
        Segment::new("!", Role::Error)
    } else if row.passed {
        Segment::new("✔", Role::Pass)
    } else {
        Segment::new("✘", Role::Fail)
    }
}

/// What the row says about the bot's best entry.
fn closest(row: &TraceRow) -> Segment {
    match (&row.error, &row.question) {
        (Some(error), _) => Segment::new(format!("error: {}", sanitize_line(error)), Role::Error),
        (None, Some(question)) => Segment::new(
            format!("“{}”", sanitize_line(question)),
            if row.passed { Role::Text } else { Role::Dim },
        ),
        (None, None) => Segment::new("no entry matched", Role::Dim),
    }
}

fn text_role(row: &TraceRow) -> Role {
    if row.passed { Role::Text } else { Role::Dim }
}

fn threshold_line(threshold: f64, width: usize) -> Row {
    let label = format!("┄ threshold {threshold:.2} ");
    let fill = width.saturating_sub(text_width(&label));
    vec![Segment::new(
        format!("{label}{}", "┄".repeat(fill)),
        Role::Threshold,
    )]
}

fn dim(text: impl Into<String>, width: usize) -> Vec<Row> {
    wrap(
        &Para {
            body: vec![Segment::new(text, Role::Dim)],
            ..Para::default()
        },
        width,
    )
}

/// The trace pane's rows for the selected tab at `width` columns.
pub fn rows(app: &App, width: usize) -> Vec<Row> {
    let Some(tab) = app.tab() else {
        return Vec::new();
    };
    let Some(exchange) = tab.trace_index().and_then(|i| tab.exchanges.get(i)) else {
        let intro = if tab.is_master {
            "No turns yet. Each question's trace lists every bot asked, best first, against the threshold."
        } else {
            "No turns yet. Each question's trace lists this bot's top candidate entries."
        };
        return dim(intro, width);
    };
    let question = format!("Q “{}”", sanitize_line(&exchange.question));
    let turn = match &exchange.reply {
        Reply::Answered(turn) => turn,
        Reply::Thinking => {
            let mut rows = vec![vec![Segment::new(truncate(&question, width), Role::Text)]];
            rows.push(vec![Segment::new(
                truncate("thinking…", width),
                Role::Thinking,
            )]);
            return rows;
        }
        Reply::Failed(error) => {
            let mut rows = vec![vec![Segment::new(truncate(&question, width), Role::Text)]];
            rows.extend(dim(format!("error: {error}"), width));
            return rows;
        }
    };
    let mut trace: Vec<&TraceRow> = turn.trace.iter().collect();
    trace.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let table = width >= TABLE_WIDTH;
    let mut out = Vec::new();
    if !table {
        out.push(vec![Segment::new(truncate(&question, width), Role::Text)]);
    }
    let timing = duration(turn.micros);
    let summary = if tab.is_master {
        let passed = trace.iter().filter(|r| r.passed).count();
        format!("{} bots asked, {passed} passed · {timing}", trace.len())
    } else {
        format!("top {} of {} entries · {timing}", trace.len(), tab.entries)
    };
    // A sub-bot's URL is the same on every row: once, after the summary (same line in a table).
    let url = trace
        .first()
        .filter(|_| !tab.is_master)
        .map(|r| sanitize_line(&r.bot_url));
    match url {
        Some(url) if table => out.push(fit(
            vec![
                Segment::new(format!("{summary} · "), Role::Dim),
                Segment::new(url, Role::Url),
            ],
            width,
        )),
        Some(url) => {
            out.push(vec![Segment::new(truncate(&summary, width), Role::Dim)]);
            out.push(vec![Segment::new(truncate(&url, width), Role::Url)]);
        }
        None => out.push(vec![Segment::new(truncate(&summary, width), Role::Dim)]),
    }
    if tab.is_master && !turn.nodes.is_empty() && !table {
        let flow = format!("flow {}", sanitize_line(&turn.nodes.join(" → ")));
        out.push(vec![Segment::new(truncate(&flow, width), Role::Dim)]);
    }
    if trace.is_empty() {
        out.extend(dim("No entry matched any word of the question.", width));
    }
    let split = trace.iter().position(|r| !r.passed).unwrap_or(trace.len());
    let name_width = trace
        .iter()
        .enumerate()
        .map(|(i, r)| text_width(&name(tab, r, i)))
        .max()
        .unwrap_or(0)
        .min(12);
    let url_width = trace
        .iter()
        .map(|r| text_width(&sanitize_line(&r.bot_url)))
        .max()
        .unwrap_or(0);
    let columns = columns(tab, url_width, name_width, width);
    if table && !trace.is_empty() {
        out.push(table_header(tab, name_width, columns, width));
    }
    for (rank, row) in trace.iter().enumerate() {
        if rank == split {
            out.push(threshold_line(turn.min_confidence, width));
        }
        if table {
            out.push(table_row(
                tab,
                row,
                rank,
                name_width,
                columns,
                turn.min_confidence,
                width,
            ));
        } else {
            out.extend(card(app, tab, row, rank, turn.min_confidence, width));
        }
    }
    if split == trace.len() && !trace.is_empty() {
        out.push(threshold_line(turn.min_confidence, width));
    }
    for problem in &turn.problems {
        out.push(fit(
            vec![Segment::new(
                format!("⚠ {}", sanitize_line(problem)),
                Role::Error,
            )],
            width,
        ));
    }
    out
}

/// The first column: the bot asked (master) or the candidate's rank (sub-bot).
fn name(tab: &BotTab, row: &TraceRow, rank: usize) -> String {
    if tab.is_master {
        sanitize_line(&row.bot_id)
    } else {
        format!("#{}", rank + 1)
    }
}

fn pad(text: &str, width: usize) -> String {
    let text = truncate(text, width);
    let fill = width.saturating_sub(text_width(&text));
    format!("{text}{}", " ".repeat(fill))
}

/// Widths of the fixed table columns: mark, name, confidence, bar, score, time and gaps.
fn fixed_width(name_width: usize) -> usize {
    2 + name_width + 1 + 4 + 1 + (BAR_CELLS + 1) + 1 + 6 + 1 + 6 + 2
}

/// Widths of the table's flexible columns.
#[derive(Debug, Clone, Copy)]
struct Columns {
    question: usize,
    url: Option<usize>,
}

/// Room for the question and the URL (when the URL fits beside a question of 20 columns;
/// a sub-bot's URL is the same on every row and shows in the header instead).
fn columns(tab: &BotTab, url_width: usize, name_width: usize, width: usize) -> Columns {
    let rest = width.saturating_sub(fixed_width(name_width));
    if tab.is_master && rest >= 20 + 2 + url_width {
        Columns {
            question: rest - 2 - url_width,
            url: Some(url_width),
        }
    } else {
        Columns {
            question: rest,
            url: None,
        }
    }
}

fn table_header(tab: &BotTab, name_width: usize, columns: Columns, width: usize) -> Row {
    let first = if tab.is_master { "bot" } else { "#" };
    let mut text = format!(
        "  {} conf {} {:>6} {:>6}  {}",
        pad(first, name_width),
        pad("bar", BAR_CELLS + 1),
        "raw",
        "time",
        pad("closest question", columns.question),
    );
    if columns.url.is_some() {
        text.push_str("  url");
    }
    fit(vec![Segment::new(text, Role::Dim)], width)
}

fn table_row(
    tab: &BotTab,
    row: &TraceRow,
    rank: usize,
    name_width: usize,
    columns: Columns,
    threshold: f64,
    width: usize,
) -> Row {
    let role = text_role(row);
    let mut line = vec![mark(row), Segment::new(" ", Role::Text)];
    let name_role = if row.passed { Role::Pass } else { Role::Dim };
    line.push(Segment::new(
        pad(&name(tab, row, rank), name_width),
        name_role,
    ));
    push(
        &mut line,
        &format!(" {} ", text::confidence(row.confidence)),
        role,
    );
    line.extend(bar(row.confidence, threshold));
    push(
        &mut line,
        &format!(" {:>6.2} {:>6}  ", row.score, duration(row.micros)),
        role,
    );
    let closest = closest(row);
    line.push(Segment::new(
        pad(&closest.text, columns.question),
        closest.role,
    ));
    if columns.url.is_some() {
        line.push(Segment::new("  ", Role::Text));
        line.push(Segment::new(sanitize_line(&row.bot_url), Role::Url));
    }
    fit(line, width)
}

fn card(
    app: &App,
    tab: &BotTab,
    row: &TraceRow,
    rank: usize,
    threshold: f64,
    width: usize,
) -> Vec<Row> {
    let role = text_role(row);
    let mut rows = Vec::new();
    let mut first = vec![mark(row), Segment::new(" ", Role::Text)];
    let name_role = if row.passed { Role::Pass } else { Role::Dim };
    let mut numbers = vec![Segment::new(
        format!("{} ", text::confidence(row.confidence)),
        role,
    )];
    numbers.extend(bar(row.confidence, threshold));
    push(&mut numbers, &format!(" raw {:.2}", row.score), role);
    if tab.is_master {
        first.push(Segment::new(sanitize_line(&row.bot_id), name_role));
        if let Some(other) = app
            .tabs
            .iter()
            .find(|t| t.bot_id == row.bot_id && t.name != t.bot_id)
        {
            first.push(Segment::new(format!(" · {}", other.name), Role::Dim));
        }
        rows.push(fit(first, width));
        let mut second = vec![Segment::new("  ", Role::Text)];
        second.extend(numbers);
        push(&mut second, &format!(" {}", duration(row.micros)), role);
        rows.push(fit(second, width));
    } else {
        first.push(Segment::new(format!("#{} ", rank + 1), name_role));
        first.extend(numbers);
        rows.push(fit(first, width));
    }
    let closest = closest(row);
    rows.push(fit(vec![Segment::new("  ", Role::Text), closest], width));
    if tab.is_master {
        let url = vec![
            Segment::new("  ", Role::Text),
            Segment::new(sanitize_line(&row.bot_url), Role::Url),
        ];
        rows.push(fit(url, width));
    }
    if let Some(redirect) = &row.redirect {
        let text = format!(
            "  ↪ {}#{}",
            sanitize_line(&redirect.flow),
            sanitize_line(&redirect.node)
        );
        rows.push(fit(vec![Segment::new(text, Role::Dim)], width));
    }
    rows
}

/// Rows the trace pane would like, at `width` columns.
pub fn height_wanted(app: &App, width: usize) -> u16 {
    u16::try_from(rows(app, width).len()).unwrap_or(u16::MAX)
}

/// The compact layout's one-line summary of the selected turn's trace.
pub fn summary(app: &App) -> Row {
    let mut row = vec![Segment::new("trace ", Role::Dim)];
    let Some(tab) = app.tab() else {
        return row;
    };
    match tab
        .trace_index()
        .and_then(|i| tab.exchanges.get(i))
        .map(|e| &e.reply)
    {
        None => push(&mut row, "—", Role::Dim),
        Some(Reply::Thinking) => push(&mut row, "thinking…", Role::Thinking),
        Some(Reply::Failed(_)) => push(&mut row, "error", Role::Error),
        Some(Reply::Answered(turn)) => {
            for (rank, trace_row) in turn.trace.iter().enumerate() {
                if rank > 0 {
                    push(&mut row, " · ", Role::Dim);
                }
                row.push(mark(trace_row));
                let label = format!(
                    " {} {}",
                    name(tab, trace_row, rank),
                    text::confidence(trace_row.confidence)
                );
                push(&mut row, &label, text_role(trace_row));
            }
        }
    }
    row
}

/// Draws the trace of the selected tab's selected turn.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let mut title = " Trace ".to_string();
    if let Some(tab) = app.tab() {
        if let (Some(index), n) = (tab.trace_index(), tab.exchanges.len()) {
            if n > 1 {
                title = format!(" Trace · turn {}/{n} ", index + 1);
            }
        }
    }
    let block = pane(title, &app.theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    let mut rows = rows(app, usize::from(inner.width));
    if rows.len() > height && height > 0 {
        let hidden = rows.len() - (height - 1);
        rows.truncate(height - 1);
        rows.push(vec![Segment::new(
            format!("… {hidden} more rows"),
            Role::Dim,
        )]);
    }
    frame.render_widget(paragraph(&rows, &app.theme), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(row: &Row) -> String {
        row.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn bars_fill_in_eighths_and_mark_the_threshold() {
        assert_eq!(text(&bar(1.0, 0.5)), "█████│█████");
        assert_eq!(text(&bar(0.0, 0.5)), "·····│·····");
        assert_eq!(text(&bar(0.08, 0.5)), "▊····│·····");
        assert_eq!(text(&bar(0.83, 0.5)), "█████│███▎·");
        assert_eq!(text(&bar(2.0, 0.0)), "│██████████");
        assert_eq!(text(&bar(f64::NAN, 1.0)), "··········│");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(850), "850µs");
        assert_eq!(duration(1_149), "1.1ms");
        assert_eq!(duration(2_500_000), "2.5s");
    }
}
