//! The bot picker popup: the filter being typed, then the matching bots (number, id, name),
//! best first, the highlighted one in reverse video. Drawn over everything; the list scrolls
//! to keep the highlighted bot in view.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::widgets::Clear;

use super::{pane, paragraph, popup};
use crate::tui::picker;
use crate::tui::state::App;
use crate::tui::theme::Role;
use crate::tui::wrap::{Row, Segment, fit};

/// The filter row and one row per match; the second value is the highlighted match's row.
pub fn rows(app: &App, width: usize) -> (Vec<Row>, Option<usize>) {
    let query = crate::text::sanitize_line(&app.picker.query);
    let mut rows = vec![fit(
        vec![
            Segment::new("› ", Role::Key),
            Segment::new(query, Role::Text),
            Segment::new(" ", Role::Cursor),
        ],
        width,
    )];
    let matches = picker::matches(&app.tabs, &app.picker.query);
    if matches.is_empty() {
        rows.push(vec![Segment::new("no bot matches", Role::Dim)]);
        return (rows, None);
    }
    let highlighted = app.picker.highlighted.min(matches.len() - 1);
    for (n, &index) in matches.iter().enumerate() {
        let tab = &app.tabs[index];
        let mut text = format!(" {:>2} {}", index + 1, tab.bot_id);
        if tab.name != tab.bot_id {
            text.push_str(&format!(" · {}", tab.name));
        }
        if index == app.active {
            text.push_str("  (current)");
        }
        let role = if n == highlighted {
            Role::Highlight
        } else {
            Role::Text
        };
        let pad = width.saturating_sub(crate::tui::wrap::width(&text));
        rows.push(fit(
            vec![Segment::new(format!("{text}{}", " ".repeat(pad)), role)],
            width,
        ));
    }
    (rows, Some(highlighted + 1))
}

/// Draws the picker over the screen.
pub fn draw(frame: &mut Frame, screen: Rect, app: &App) {
    let width = usize::from(popup::popup_width(screen).saturating_sub(2));
    let (rows, highlighted) = rows(app, width);
    let area = popup::area(screen, rows.len());
    let inner = area.inner(Margin::new(1, 1));
    let height = usize::from(inner.height);
    // The filter row stays; the list below it scrolls.
    let list = height.saturating_sub(1).max(1);
    let top = highlighted.map_or(0, |h| h.saturating_sub(list)) + 1;
    let end = (top + list).min(rows.len());
    let mut shown = vec![rows[0].clone()];
    shown.extend_from_slice(&rows[top.min(end)..end]);
    let count = picker::matches(&app.tabs, &app.picker.query).len();
    let title = format!(" Bots · {count} of {} ", app.tabs.len());
    frame.render_widget(Clear, area);
    frame.render_widget(pane(title, &app.theme, true), area);
    frame.render_widget(paragraph(&shown, &app.theme), inner);
}
