//! Drawing: a pure function of [`App`]. One file per pane; each builds its rows from the
//! state (also used by `App` to measure, e.g. for scrolling) and draws them. Nothing here
//! changes state or does I/O.

pub mod changes;
pub mod conversation;
pub mod eval;
pub mod explain;
pub mod footer;
pub mod help;
pub mod input;
pub mod loading;
pub mod picker;
pub mod popup;
pub mod problems;
pub mod qna;
pub mod record;
pub mod recovery;
pub mod tabs;
pub mod trace;

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::state::{App, Popup};
use super::theme::{Role, Theme};
use super::wrap::{Row, truncate};

/// Below this width or height only a "too small" line is drawn.
pub const MIN_WIDTH: u16 = 20;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u16 = 5;
/// From this width on, the trace pane sits beside the conversation (below it otherwise).
pub const SIDE_BY_SIDE_WIDTH: u16 = 80;
/// Below this width or height, the compact layout: no borders, no trace pane, a one-line
/// trace summary instead.
const COMPACT_WIDTH: u16 = 40;
const COMPACT_HEIGHT: u16 = 12;

/// Where each pane goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    /// The terminal is too small for anything but a notice.
    pub too_small: bool,
    /// Compact layout (no borders, trace summary instead of the trace pane).
    pub compact: bool,
    /// The tab bar.
    pub tabs: Rect,
    /// The conversation pane, border included.
    pub conversation: Rect,
    /// Where the conversation's text goes.
    pub conversation_text: Rect,
    /// The trace pane, border included (none when compact).
    pub trace: Option<Rect>,
    /// Where the trace pane's rows go.
    pub trace_text: Option<Rect>,
    /// The one-line trace summary of the compact layout.
    pub summary: Option<Rect>,
    /// The input line (with its border unless compact).
    pub input: Rect,
    /// The footer.
    pub footer: Rect,
}

/// Splits `area` into panes for `app`. When the trace pane has the focus and does not sit
/// beside the conversation, it takes the conversation's place (zoomed, as lazygit does with a
/// focused panel on a small screen), so every size can move through the whole trace.
pub fn areas(app: &App, area: Rect) -> Areas {
    let Rect {
        x,
        y,
        width,
        height,
    } = area;
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return Areas {
            too_small: true,
            ..Areas::default()
        };
    }
    let compact = width < COMPACT_WIDTH || height < COMPACT_HEIGHT;
    let input_height = if compact { 1 } else { 3 };
    let body = Rect::new(x, y + 1, width, height - 2 - input_height);
    let mut areas = Areas {
        too_small: false,
        compact,
        tabs: Rect::new(x, y, width, 1),
        input: Rect::new(x, y + height - 1 - input_height, width, input_height),
        footer: Rect::new(x, y + height - 1, width, 1),
        ..Areas::default()
    };
    let zoom = app.trace_focused();
    if compact && zoom {
        areas.trace_text = Some(body);
        areas.conversation = Rect::new(x, body.y, width, 0);
        areas.conversation_text = areas.conversation;
        return areas;
    }
    if compact {
        let mut conversation = body;
        if body.height >= 4 {
            areas.summary = Some(Rect::new(x, body.y, width, 1));
            conversation = Rect::new(x, body.y + 1, width, body.height - 1);
        }
        areas.conversation = conversation;
        areas.conversation_text = conversation;
        return areas;
    }
    if width >= SIDE_BY_SIDE_WIDTH {
        let trace_width = (width * 45 / 100).max(34);
        areas.conversation = Rect::new(x, body.y, width - trace_width, body.height);
        areas.trace = Some(Rect::new(
            x + width - trace_width,
            body.y,
            trace_width,
            body.height,
        ));
    } else if zoom {
        areas.conversation = Rect::new(x, body.y, width, 0);
        areas.trace = Some(body);
    } else {
        let wanted = trace::height_wanted(app, usize::from(width - 2)) + 2;
        // The conversation keeps at least three rows of text.
        let trace_height = wanted.min(body.height.saturating_sub(5)).max(3);
        areas.conversation = Rect::new(x, body.y, width, body.height - trace_height);
        areas.trace = Some(Rect::new(
            x,
            body.y + body.height - trace_height,
            width,
            trace_height,
        ));
    }
    areas.conversation_text = areas.conversation.inner(Margin::new(1, 1));
    areas.trace_text = areas.trace.map(|t| t.inner(Margin::new(1, 1)));
    areas
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let areas = areas(app, area);
    if areas.too_small {
        let notice = truncate("terminal too small", usize::from(area.width));
        frame.render_widget(Paragraph::new(notice), area);
        return;
    }
    tabs::draw(frame, areas.tabs, app);
    if let Some(view) = app
        .eval
        .as_ref()
        .filter(|_| app.eval_shown && app.qna.is_none())
    {
        eval::draw(frame, app, view);
        footer::draw(frame, areas.footer, app);
        if let Some(which) = app.popup.filter(|p| *p != Popup::Picker) {
            popup::draw(frame, area, app, which);
        }
        return;
    }
    if let Some(view) = &app.qna {
        qna::draw(frame, app, view);
        footer::draw(frame, areas.footer, app);
        match app.popup {
            Some(Popup::Picker) => picker::draw(frame, area, app),
            Some(which) => popup::draw(frame, area, app, which),
            None => {}
        }
        return;
    }
    conversation::draw(frame, &areas, app);
    trace::draw(frame, &areas, app);
    if let Some(summary) = areas.summary {
        frame.render_widget(line(&trace::summary(app), &app.theme), summary);
    }
    input::draw(frame, &areas, app);
    footer::draw(frame, areas.footer, app);
    if app.recovery_shown() {
        recovery::draw(frame, area, app);
    }
    if let Some(prompt) = &app.record {
        record::draw(frame, area, app, prompt);
    }
    match app.popup {
        Some(Popup::Picker) => picker::draw(frame, area, app),
        Some(which) => popup::draw(frame, area, app, which),
        None => {}
    }
}

/// A row as a ratatui line in `theme`.
pub fn line(row: &Row, theme: &Theme) -> Line<'static> {
    Line::from(
        row.iter()
            .map(|s| Span::styled(s.text.clone(), theme.style(s.role)))
            .collect::<Vec<_>>(),
    )
}

/// Rows as a paragraph (no wrapping: rows are already wrapped).
pub fn paragraph(rows: &[Row], theme: &Theme) -> Paragraph<'static> {
    Paragraph::new(rows.iter().map(|r| line(r, theme)).collect::<Vec<_>>())
}

/// A bordered pane with a title; the focused pane (normal mode) gets a thick border.
pub fn pane(title: String, theme: &Theme, focused: bool) -> Block<'static> {
    let (border, kind) = if focused {
        (Role::FocusBorder, BorderType::Thick)
    } else {
        (Role::Border, BorderType::Plain)
    };
    Block::bordered()
        .border_type(kind)
        .border_style(theme.style(border))
        .title(Span::styled(title, theme.style(Role::Title)))
}
