//! The tab bar: one tab per bot (number, name and id), the selected one highlighted, a `…`
//! on tabs whose bot is thinking, and the problems indicator on the right. When the labels do
//! not fit, other tabs shrink to their ids, then only the tabs around the selected one show.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::line;
use crate::tui::state::App;
use crate::tui::tab::BotTab;
use crate::tui::theme::Role;
use crate::tui::wrap::{Row, Segment, fit, row_width, truncate, width as text_width};

/// Names shorter than this are not worth showing cut.
const MIN_NAME: usize = 8;

/// A tab's label; the name is cut to `name_width` columns (0: id only).
fn label(index: usize, tab: &BotTab, name_width: usize, unsaved: bool) -> String {
    let number = if index < 9 {
        format!("{} ", index + 1)
    } else {
        String::new()
    };
    let name = if name_width > 0 && tab.name != tab.bot_id {
        format!("{} ({})", truncate(&tab.name, name_width), tab.bot_id)
    } else {
        tab.bot_id.clone()
    };
    let remote = if tab.remote.is_some() { " ⇄" } else { "" };
    let thinking = if tab.thinking() { " …" } else { "" };
    let changed = if tab.changed_on_disk { " ↻" } else { "" };
    let unsaved = if unsaved { " *" } else { "" };
    format!(" {number}{name}{remote}{changed}{thinking}{unsaved} ")
}

fn bar(app: &App, indexes: &[usize], name_width: impl Fn(usize) -> usize) -> Row {
    let mut row = Row::new();
    for (n, &index) in indexes.iter().enumerate() {
        if n > 0 {
            row.push(Segment::new("│", Role::Dim));
        }
        let role = if index == app.active {
            Role::TabActive
        } else {
            Role::TabInactive
        };
        row.push(Segment::new(
            label(
                index,
                &app.tabs[index],
                name_width(index),
                app.qna
                    .as_ref()
                    .is_some_and(|q| q.bot_id == app.tabs[index].bot_id && q.has_unsaved_changes()),
            ),
            role,
        ));
    }
    row
}

/// The tab bar's row at `width` columns.
pub fn row(app: &App, width: usize) -> Row {
    let indicator = problems_indicator(app);
    let reserved = indicator.as_deref().map_or(0, text_width);
    // Room for the problems indicator if the tabs fit beside it in some form.
    let (mut tabs, with_indicator) = match best_fit(app, width.saturating_sub(reserved)) {
        Some(tabs) if indicator.is_some() => (tabs, true),
        _ => (
            best_fit(app, width).unwrap_or_else(|| around_active(app, width)),
            false,
        ),
    };
    if let Some(indicator) = indicator.filter(|_| with_indicator) {
        let gap = width.saturating_sub(row_width(&tabs) + reserved);
        tabs.push(Segment::new(" ".repeat(gap), Role::Text));
        tabs.push(Segment::new(indicator, Role::Warning));
    }
    tabs
}

fn problems_indicator(app: &App) -> Option<String> {
    let count = app.problems.len();
    let plural = if count == 1 { "" } else { "s" };
    (count > 0).then(|| format!(" ⚠ {count} problem{plural} (p) "))
}

/// Every tab, in the widest form that fits: every name (cut shorter and shorter), then the
/// selected tab's name only, then ids only.
fn best_fit(app: &App, width: usize) -> Option<Row> {
    let all: Vec<usize> = (0..app.tabs.len()).collect();
    let active = app.active;
    let longest = app
        .tabs
        .iter()
        .map(|t| text_width(&t.name))
        .max()
        .unwrap_or(0);
    (MIN_NAME..=longest.max(MIN_NAME))
        .rev()
        .map(|cut| bar(app, &all, move |_| cut))
        .chain([
            bar(app, &all, |i| if i == active { usize::MAX } else { 0 }),
            bar(app, &all, |_| 0),
        ])
        .find(|row| row_width(row) <= width)
}

/// Only the tabs around the selected one, ids only.
fn around_active(app: &App, width: usize) -> Row {
    let mut shown = vec![app.active];
    let (mut left, mut right) = (app.active, app.active);
    loop {
        let mut grew = false;
        if right + 1 < app.tabs.len()
            && row_width(&bar(app, &with(&shown, right + 1), |_| 0)) <= width
        {
            right += 1;
            shown = with(&shown, right);
            grew = true;
        }
        if left > 0 && row_width(&bar(app, &with(&shown, left - 1), |_| 0)) <= width {
            left -= 1;
            shown = with(&shown, left);
            grew = true;
        }
        if !grew {
            break;
        }
    }
    fit(bar(app, &shown, |_| 0), width)
}

fn with(shown: &[usize], index: usize) -> Vec<usize> {
    let mut out = shown.to_vec();
    out.push(index);
    out.sort_unstable();
    out
}

/// Draws the tab bar.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let row = row(app, usize::from(area.width));
    frame.render_widget(line(&row, &app.theme), area);
}
