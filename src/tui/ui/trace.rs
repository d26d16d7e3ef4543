//! The trace pane: for the selected turn, every bot asked (master) or the top candidate
//! entries (sub-bot), best first. Each row names the bot, the entry that matched, its
//! confidence (number and bar against the threshold), raw score, the classifier's probability
//! or the meaning's cosine where the bot has one, the closest question and the entry's answer; the selected row shows
//! them in full, with URL, redirect and time. A threshold line separates the rows that passed
//! from those that did not; marks tell the answering row (✔) from the others over the
//! threshold (≥) and those below it (✘), with weight (bold/plain/dim) as well, so no colour is
//! needed. Every row can be selected (`Tab` focuses the pane, then `j`/`k`/PgUp/PgDn/`g`/`G`);
//! the pane scrolls to keep the selection in view.
//!
//! Longer than the ~600 lines the codebase aims for, because a trace row has two layouts
//! (compact and selected) that must stay in step; they are kept side by side on purpose.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::TraceRow;
use crate::index::model::meaning_factor;
use crate::text::{self, sanitize_line};

use super::{Areas, explain, pane, paragraph};
use crate::tui::state::App;
use crate::tui::tab::{BotTab, Reply, Standing, standings};
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, fit, push, truncate, width as text_width, wrap};

/// From this inner width on, one line per trace row (a table); below it, a card per row.
pub const TABLE_WIDTH: usize = 90;

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

/// The mark and the role of a row's standing.
fn mark(standing: Standing) -> Segment {
    match standing {
        Standing::Failed => Segment::new("!", Role::Error),
        Standing::Answers => Segment::new("✔", Role::Pass),
        Standing::OverThreshold => Segment::new("≥", Role::Text),
        Standing::Below => Segment::new("✘", Role::Fail),
    }
}

/// The role of a row's text and of its name.
fn roles(standing: Standing) -> (Role, Role) {
    match standing {
        Standing::Answers => (Role::Text, Role::Pass),
        Standing::OverThreshold => (Role::Text, Role::Text),
        Standing::Below | Standing::Failed => (Role::Dim, Role::Dim),
    }
}

/// The closest question (or why there is none), as one line of text.
fn closest(row: &TraceRow) -> String {
    match (&row.error, &row.question) {
        (Some(error), _) => format!("error: {}", sanitize_line(error)),
        (None, Some(question)) => format!("“{}”", sanitize_line(question)),
        (None, None) => "no entry matched".to_string(),
    }
}

/// The entry's answer, as one line of text.
fn answer(row: &TraceRow) -> Option<String> {
    row.answer
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .map(|a| format!("→ {}", sanitize_line(&a.replace('\n', " "))))
}

fn entry_id(row: &TraceRow) -> String {
    row.entry_id
        .as_deref()
        .map(sanitize_line)
        .unwrap_or_default()
}

/// The classifier's probability (`p.87`, `p1`) or the meaning factor the raw score was
/// multiplied by (`×.62`: the cosine of the entry's meaning with the question's, 0 when
/// negative), compact so it fits beside the raw score in an 80-column layout.
fn probability(row: &TraceRow) -> Option<String> {
    let (label, value) = match (row.classifier, row.meaning) {
        (Some(p), _) => ("p", p),
        // The row's cosine came from an `f32`: the cast back is exact.
        (None, Some(cosine)) => ("×", f64::from(meaning_factor(cosine as f32))),
        (None, None) => return None,
    };
    let value = model_figure(value);
    Some(match value.strip_prefix('0') {
        Some(rest) => format!("{label}{rest}"),
        None => format!(
            "{label}{}",
            value.trim_end_matches('0').trim_end_matches('.')
        ),
    })
}

/// The classifier's probability or the meaning's cosine of a row, as the table's column
/// shows it (a negative cosine keeps its sign).
fn model_figure(value: f64) -> String {
    if value < 0.0 {
        format!("-{}", text::confidence(-value).trim_start_matches('0'))
    } else {
        text::confidence(value)
    }
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

/// `text` wrapped to `width` behind a two-column indent.
fn indented(text: &str, role: Role, width: usize) -> Vec<Row> {
    wrap(
        &Para {
            body: vec![Segment::new(text, role)],
            ..Para::default()
        }
        .indent(2),
        width,
    )
}

/// The trace pane's content at some width: its rows, and which rows each trace row (in
/// [`BotTab::trace_rows`] order) takes.
#[derive(Debug, Clone, Default)]
pub struct TraceView {
    /// Every row, top to bottom.
    pub rows: Vec<Row>,
    /// The rows of each trace row (selectable item), in order.
    pub items: Vec<Range<usize>>,
}

/// The trace pane's rows for the selected tab at `width` columns.
pub fn rows(app: &App, width: usize) -> Vec<Row> {
    view(app, width).rows
}

/// The trace pane's content for the selected tab at `width` columns.
pub fn view(app: &App, width: usize) -> TraceView {
    let mut view = TraceView::default();
    let Some(tab) = app.tab() else {
        return view;
    };
    let Some(exchange) = tab.trace_index().and_then(|i| tab.exchanges.get(i)) else {
        let intro = if tab.is_master {
            "No turns yet. Each question's trace lists every bot asked, best first, against the threshold."
        } else {
            "No turns yet. Each question's trace lists this bot's top candidate entries."
        };
        view.rows = dim(intro, width);
        return view;
    };
    let question = format!("Q “{}”", sanitize_line(&exchange.question));
    let turn = match &exchange.reply {
        Reply::Answered(turn) => turn,
        Reply::Thinking => {
            view.rows = vec![
                vec![Segment::new(truncate(&question, width), Role::Text)],
                vec![Segment::new(truncate("thinking…", width), Role::Thinking)],
            ];
            return view;
        }
        Reply::Failed(error) => {
            view.rows = vec![vec![Segment::new(truncate(&question, width), Role::Text)]];
            view.rows.extend(dim(format!("error: {error}"), width));
            return view;
        }
    };
    let trace = tab.trace_rows();
    let standing = standings(turn, &trace, tab.is_master);
    let selected = tab.trace_selected.min(trace.len().saturating_sub(1));
    let table = width >= TABLE_WIDTH;
    let out = &mut view.rows;
    if !table {
        out.push(vec![Segment::new(truncate(&question, width), Role::Text)]);
    }
    let timing = duration(turn.micros);
    let summary = if tab.is_master {
        let passed = trace.iter().filter(|r| r.passed).count();
        format!("{} bots asked, {passed} passed · {timing}", trace.len())
    } else if tab.remote.is_some() {
        format!("remote bot ⇄ · answered in {timing}")
    } else {
        format!("top {} of {} entries · {timing}", trace.len(), tab.entries)
    };
    // A workspace with several languages says which one the bot answered in.
    let summary = match &turn.language {
        Some(language) if !tab.is_master => format!("{summary} · in {}", sanitize_line(language)),
        _ => summary,
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
    let entry_width = trace
        .iter()
        .map(|r| text_width(&entry_id(r)))
        .max()
        .unwrap_or(0)
        .min(18);
    let column = ModelColumn::of(&trace);
    let columns = Columns::new(name_width, entry_width, column, width);
    if table && !trace.is_empty() {
        out.push(table_header(tab, columns, width));
    }
    for (rank, row) in trace.iter().enumerate() {
        if rank == split {
            out.push(threshold_line(turn.min_confidence, width));
        }
        let start = out.len();
        let item = Item {
            tab,
            row,
            rank,
            standing: standing[rank],
            threshold: turn.min_confidence,
            selected: rank == selected && app.trace_focused(),
        };
        if table {
            out.extend(item.table_rows(columns, width));
        } else {
            out.extend(item.card(width));
        }
        if item.selected && tab.explained {
            // Beside the best row, the runner-up; beside any other, the best.
            let runner_up = if rank == 0 {
                trace.get(1)
            } else {
                trace.first()
            };
            out.extend(explain::rows(row, runner_up.copied(), tab.is_master, width));
        }
        view.items.push(start..out.len());
    }
    let out = &mut view.rows;
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
    view
}

/// The first column: the bot asked (master; `⇄` marks a remote bot, `·fr` the language it
/// answered in when the workspace has several) or the candidate's rank (sub-bot).
fn name(tab: &BotTab, row: &TraceRow, rank: usize) -> String {
    if tab.is_master {
        let remote = if row.remote.is_some() { " ⇄" } else { "" };
        let language = row
            .language
            .as_deref()
            .map(|l| format!("·{}", sanitize_line(l)))
            .unwrap_or_default();
        format!("{}{language}{remote}", sanitize_line(&row.bot_id))
    } else {
        format!("#{}", rank + 1)
    }
}

fn pad(text: &str, width: usize) -> String {
    let text = truncate(text, width);
    let fill = width.saturating_sub(text_width(&text));
    format!("{text}{}", " ".repeat(fill))
}

/// Widths of the table's columns.
#[derive(Debug, Clone, Copy)]
struct Columns {
    name: usize,
    entry: usize,
    /// Which column of the bots' models shows, if any.
    probability: Option<ModelColumn>,
    question: usize,
    answer: usize,
}

impl Columns {
    fn new(name: usize, entry: usize, probability: Option<ModelColumn>, width: usize) -> Self {
        // mark, name, confidence, bar, raw, p, time and the gaps between them.
        let fixed = 2
            + name
            + 1
            + 4
            + 1
            + (BAR_CELLS + 1)
            + 1
            + 6
            + 1
            + 6
            + 2
            + if probability.is_some() { 7 } else { 0 };
        let rest = width.saturating_sub(fixed);
        let entry = entry.min(rest / 3);
        let rest = rest.saturating_sub(entry + 2);
        let question = rest.saturating_sub(2) / 2;
        Self {
            name,
            entry,
            probability,
            question,
            answer: rest.saturating_sub(question + 2),
        }
    }
}

/// The table's column for what the bots' models say beside the raw score: the classifier's
/// probability (trained bots), the meaning's cosine (bots weighed by meaning), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModelColumn {
    Probability,
    Cosine,
    Both,
}

impl ModelColumn {
    /// The column the rows of `trace` need, if any.
    fn of(trace: &[&TraceRow]) -> Option<ModelColumn> {
        let probability = trace.iter().any(|r| r.classifier.is_some());
        let cosine = trace.iter().any(|r| r.meaning.is_some());
        match (probability, cosine) {
            (true, true) => Some(ModelColumn::Both),
            (true, false) => Some(ModelColumn::Probability),
            (false, true) => Some(ModelColumn::Cosine),
            (false, false) => None,
        }
    }

    fn header(self) -> &'static str {
        match self {
            ModelColumn::Probability => "      p",
            ModelColumn::Cosine => "    cos",
            ModelColumn::Both => "  p/cos",
        }
    }
}

fn table_header(tab: &BotTab, columns: Columns, width: usize) -> Row {
    let first = if tab.is_master { "bot" } else { "#" };
    let p = columns.probability.map_or("", ModelColumn::header);
    let text = format!(
        "  {} conf {} {:>6}{p} {:>6}  {}  {}  {}",
        pad(first, columns.name),
        pad("bar", BAR_CELLS + 1),
        "raw",
        "time",
        pad("entry", columns.entry),
        pad("closest question", columns.question),
        "answer",
    );
    fit(vec![Segment::new(text, Role::Dim)], width)
}

/// One trace row, drawn as a line of the table or as a card.
struct Item<'a> {
    tab: &'a BotTab,
    row: &'a TraceRow,
    rank: usize,
    standing: Standing,
    threshold: f64,
    selected: bool,
}

impl Item<'_> {
    fn numbers(&self, role: Role) -> Row {
        let mut numbers = vec![Segment::new(
            format!("{} ", text::confidence(self.row.confidence)),
            role,
        )];
        numbers.extend(bar(self.row.confidence, self.threshold));
        push(&mut numbers, &format!(" raw {:.2}", self.row.score), role);
        if let Some(p) = probability(self.row) {
            push(&mut numbers, &format!(" {p}"), role);
        }
        numbers
    }

    /// What only the selected row shows: the bot's URL, the redirect, what it did and time.
    fn details(&self, width: usize) -> Vec<Row> {
        let mut rows = Vec::new();
        if self.tab.is_master {
            let url = vec![
                Segment::new("  ", Role::Text),
                Segment::new(sanitize_line(&self.row.bot_url), Role::Url),
            ];
            rows.push(fit(url, width));
        }
        if let Some(redirect) = &self.row.redirect {
            let text = format!(
                "  ↪ {}#{}",
                sanitize_line(&redirect.flow),
                sanitize_line(&redirect.node)
            );
            rows.push(fit(vec![Segment::new(text, Role::Dim)], width));
        }
        if let Some(p) = self.row.router {
            // The master's bot router weighed the index's confidence.
            let p = text::confidence(p);
            rows.extend(indented(
                &format!(
                    "bot router: p {p} for this bot, confidence × {}",
                    crate::index::router::weight_of(&p)
                ),
                Role::Dim,
                width,
            ));
        }
        if let Some(note) = &self.row.note {
            // Where Botpress would read the row otherwise (or the compat reading applied).
            rows.extend(indented(
                &format!("ⓘ {}", sanitize_line(note)),
                Role::Dim,
                width,
            ));
        }
        let label = match self.standing {
            Standing::Answers => "answers",
            Standing::OverThreshold => "over threshold, not answering",
            Standing::Below => "below threshold",
            Standing::Failed => "failed",
        };
        let text = format!("  {label} · {}", duration(self.row.micros));
        rows.push(fit(vec![Segment::new(text, Role::Dim)], width));
        rows
    }

    /// Closest question and answer: one truncated line each, or wrapped in full if selected.
    fn texts(&self, width: usize) -> Vec<Row> {
        let (role, _) = roles(self.standing);
        let question_role = if self.row.error.is_some() {
            Role::Error
        } else {
            role
        };
        let mut rows = Vec::new();
        let mut texts = vec![(closest(self.row), question_role)];
        if let Some(answer) = answer(self.row) {
            texts.push((answer, role));
        }
        if self.selected {
            for (text, role) in texts {
                rows.extend(indented(&text, role, width));
            }
        } else {
            // One line: the closest question, then as much of the answer as fits.
            let mut line = vec![Segment::new("  ", Role::Text)];
            for (n, (text, role)) in texts.into_iter().enumerate() {
                if n > 0 {
                    line.push(Segment::new(" ", Role::Text));
                }
                line.push(Segment::new(text, role));
            }
            rows.push(fit(line, width));
        }
        rows
    }

    fn card(&self, width: usize) -> Vec<Row> {
        let (role, name_role) = roles(self.standing);
        let mut rows = Vec::new();
        let mut first = vec![mark(self.standing), Segment::new(" ", Role::Text)];
        first.push(Segment::new(name(self.tab, self.row, self.rank), name_role));
        let entry = entry_id(self.row);
        if !entry.is_empty() {
            first.push(Segment::new(format!(" · {entry}"), Role::Dim));
        }
        rows.push(fit(first, width));
        let mut second = vec![Segment::new("  ", Role::Text)];
        second.extend(self.numbers(role));
        if self.row.note.is_some() && !self.selected {
            // The note itself shows when the row is selected (see `details`).
            second.push(Segment::new(" ⓘ", Role::Dim));
        }
        rows.push(fit(second, width));
        rows.extend(self.texts(width));
        if self.selected {
            rows.extend(self.details(width));
        }
        rows
    }

    fn table_rows(&self, columns: Columns, width: usize) -> Vec<Row> {
        let (role, name_role) = roles(self.standing);
        let row = self.row;
        let mut line = vec![mark(self.standing), Segment::new(" ", Role::Text)];
        line.push(Segment::new(
            pad(&name(self.tab, row, self.rank), columns.name),
            name_role,
        ));
        push(
            &mut line,
            &format!(" {} ", text::confidence(row.confidence)),
            role,
        );
        line.extend(bar(row.confidence, self.threshold));
        push(&mut line, &format!(" {:>6.2}", row.score), role);
        if columns.probability.is_some() {
            let p = row
                .classifier
                .or(row.meaning)
                .map_or_else(String::new, model_figure);
            push(&mut line, &format!(" {p:>6}"), role);
        }
        push(&mut line, &format!(" {:>6}  ", duration(row.micros)), role);
        line.push(Segment::new(pad(&entry_id(row), columns.entry), Role::Dim));
        push(&mut line, "  ", Role::Text);
        let question_role = if row.error.is_some() {
            Role::Error
        } else {
            role
        };
        line.push(Segment::new(
            pad(&closest(row), columns.question),
            question_role,
        ));
        if let Some(answer) = answer(row) {
            push(&mut line, "  ", Role::Text);
            line.push(Segment::new(truncate(&answer, columns.answer), role));
        }
        let mut rows = vec![fit(line, width)];
        if self.selected {
            rows.extend(self.texts(width));
            rows.extend(self.details(width));
        }
        rows
    }
}

/// Rows the trace pane would like, at `width` columns.
pub fn height_wanted(app: &App, width: usize) -> u16 {
    u16::try_from(rows(app, width).len()).unwrap_or(u16::MAX)
}

/// The first row to show so that `item` is in view, starting from `top`, in a pane of
/// `height` rows over `total`: the view moves only as far as it must (an item taller than the
/// pane shows from its start).
pub fn scroll_into_view(top: usize, item: Range<usize>, height: usize, total: usize) -> usize {
    let max_top = total.saturating_sub(height);
    let mut top = top.min(max_top);
    if item.end > top + height {
        top = item.end.saturating_sub(height);
    }
    if item.start < top || item.len() > height {
        top = item.start;
    }
    top.min(max_top)
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
            let trace = tab.trace_rows();
            let standing = standings(turn, &trace, tab.is_master);
            for (rank, trace_row) in trace.iter().enumerate() {
                if rank > 0 {
                    push(&mut row, " · ", Role::Dim);
                }
                row.push(mark(standing[rank]));
                let label = format!(
                    " {} {}",
                    name(tab, trace_row, rank),
                    text::confidence(trace_row.confidence)
                );
                push(&mut row, &label, roles(standing[rank]).0);
            }
        }
    }
    row
}

/// The pane's title: the turn shown and, once there are rows, the selected one of them.
fn title(app: &App) -> String {
    let Some(tab) = app.tab() else {
        return " Trace ".to_string();
    };
    let mut title = " Trace".to_string();
    let n = tab.exchanges.len();
    if let (Some(index), true) = (tab.trace_index(), n > 1) {
        title.push_str(&format!(" · turn {}/{n}", index + 1));
    }
    let rows = tab.trace_rows().len();
    if rows > 0 {
        let selected = tab.trace_selected.min(rows - 1) + 1;
        title.push_str(&format!(" · row {selected}/{rows}"));
    }
    title.push(' ');
    title
}

/// What the marks mean, when a row is over the threshold without answering (the case a ✔ or
/// ✘ alone would not explain).
fn legend(app: &App) -> Option<&'static str> {
    // Said in words on the selected row too; here, when it fits beside "↓ n more".
    let tab = app.tab()?;
    let turn = tab.shown_turn()?;
    let rows = tab.trace_rows();
    standings(turn, &rows, tab.is_master)
        .contains(&Standing::OverThreshold)
        .then_some(" ≥ not answering ")
}

/// Draws the trace of the selected tab's selected turn: the pane's border (unless compact)
/// and the rows in view, the selected row highlighted when the pane has the focus.
pub fn draw(frame: &mut Frame, areas: &Areas, app: &App) {
    let Some(inner) = areas.trace_text else {
        return;
    };
    let Some(tab) = app.tab() else {
        return;
    };
    let height = usize::from(inner.height);
    let view = view(app, usize::from(inner.width));
    let selected = view
        .items
        .get(tab.trace_selected.min(view.items.len().saturating_sub(1)))
        .cloned();
    let top = match &selected {
        Some(item) => scroll_into_view(tab.trace_top, item.clone(), height, view.rows.len()),
        None => 0,
    };
    let end = (top + height).min(view.rows.len());
    let mut shown = view.rows[top.min(end)..end].to_vec();
    // How many trace rows start below the view (or, with no rows, how many lines).
    let items_below = view.items.iter().filter(|item| item.start >= end).count();
    let more = match (items_below, view.rows.len() - end) {
        (0, 0) => None,
        (0, 1) => Some("↓ 1 more line".to_string()),
        (0, lines) => Some(format!("↓ {lines} more lines")),
        (1, _) if tab.is_master => Some("↓ 1 more bot".to_string()),
        (n, _) if tab.is_master => Some(format!("↓ {n} more bots")),
        (1, _) => Some("↓ 1 more entry".to_string()),
        (n, _) => Some(format!("↓ {n} more entries")),
    };
    if let Some(area) = areas.trace {
        let mut block = pane(title(app), &app.theme, app.trace_focused());
        if let Some(more) = &more {
            block = block.title_bottom(Span::styled(
                format!(" {more} "),
                app.theme.style(Role::Dim),
            ));
        }
        let room = usize::from(area.width)
            .saturating_sub(more.as_deref().map_or(0, |m| text_width(m) + 2) + 4);
        if let Some(legend) = legend(app).filter(|l| text_width(l) <= room) {
            block = block.title_bottom(
                Line::from(Span::styled(legend, app.theme.style(Role::Dim))).right_aligned(),
            );
        }
        frame.render_widget(block, area);
    } else if let (Some(more), true) = (&more, height > 1) {
        // No border to say it on: the last row in view does, unless the selection is on it.
        let last = end.saturating_sub(1);
        if selected.as_ref().is_none_or(|item| !item.contains(&last)) {
            shown.pop();
            shown.push(vec![Segment::new(more.clone(), Role::Dim)]);
        }
    }
    frame.render_widget(paragraph(&shown, &app.theme), inner);
    if let (Some(item), true) = (selected, app.trace_focused()) {
        // The selected row's first line, highlighted across the pane.
        if item.start >= top && item.start < end {
            let y = inner.y + u16::try_from(item.start - top).unwrap_or(0);
            let line = Rect::new(inner.x, y, inner.width, 1);
            let style: Style = app.theme.style(Role::Highlight);
            frame.buffer_mut().set_style(line, style);
        }
    }
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
