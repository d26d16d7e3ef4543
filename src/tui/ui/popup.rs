//! The frame shared by popups: centered, bordered, scrollable, drawn over everything.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::Span;
use ratatui::widgets::Clear;

use super::{changes, help, pane, paragraph, problems};
use crate::tui::keymap::HelpContext;
use crate::tui::state::{App, Popup};
use crate::tui::theme::Role;
use crate::tui::wrap::Row;

/// The popup's width on a screen of `screen`.
pub fn popup_width(screen: Rect) -> u16 {
    screen
        .width
        .saturating_sub(4)
        .clamp(screen.width.min(20), 84)
}

/// Where a popup of `rows` rows of text goes on a screen of `screen` (as tall as its text,
/// up to the screen less a row above and below).
pub fn area(screen: Rect, rows: usize) -> Rect {
    let width = popup_width(screen);
    let wanted = u16::try_from(rows.saturating_add(2)).unwrap_or(u16::MAX);
    let height = wanted
        .min(screen.height.saturating_sub(2))
        .max(screen.height.min(3));
    Rect::new(
        screen.x + (screen.width - width) / 2,
        screen.y + (screen.height - height) / 2,
        width,
        height,
    )
}

fn content(app: &App, which: Popup, width: usize) -> (String, Vec<Row>) {
    match which {
        Popup::Help if app.eval_shown && app.qna.is_none() => (
            " Help: evaluation view ".to_string(),
            help::rows(width, HelpContext::Eval),
        ),
        Popup::Help if app.recovery_shown() => (
            " Help: unsaved drafts ".to_string(),
            help::rows(width, HelpContext::Recovery),
        ),
        Popup::Help if app.qna.is_some() => (
            " Help: keys of the QnA view ".to_string(),
            help::rows(width, HelpContext::Qna),
        ),
        Popup::Help => (
            " Help: every key ".to_string(),
            help::rows(width, HelpContext::Chat),
        ),
        Popup::Problems => (
            format!(" Problems ({}) ", app.problems.len()),
            problems::rows(app, width),
        ),
        Popup::Changes => (
            " Changes on disk (Esc closes) ".to_string(),
            changes::rows(app, width),
        ),
        // The picker draws itself (`super::picker`) and does not scroll as a page.
        Popup::Picker => (" Bots ".to_string(), Vec::new()),
    }
}

/// How far the open popup can scroll on a screen of `screen`.
pub fn max_scroll(app: &App, screen: Rect) -> usize {
    let Some(which) = app.popup else {
        return 0;
    };
    let text_width = usize::from(popup_width(screen).saturating_sub(2));
    let (_, rows) = content(app, which, text_width);
    let inner = area(screen, rows.len()).inner(Margin::new(1, 1));
    rows.len().saturating_sub(usize::from(inner.height))
}

/// Draws popup `which` over the screen.
pub fn draw(frame: &mut Frame, screen: Rect, app: &App, which: Popup) {
    let text_width = usize::from(popup_width(screen).saturating_sub(2));
    let (title, rows) = content(app, which, text_width);
    let area = area(screen, rows.len());
    let inner = area.inner(Margin::new(1, 1));
    let height = usize::from(inner.height);
    let top = app.popup_scroll.min(rows.len().saturating_sub(height));
    let end = (top + height).min(rows.len());
    let mut block = pane(title, &app.theme, false);
    if end < rows.len() {
        let more = format!(" ↓ {} more ", rows.len() - end);
        block = block.title_bottom(Span::styled(more, app.theme.style(Role::Dim)));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(paragraph(&rows[top..end], &app.theme), inner);
}
