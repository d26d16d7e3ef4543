//! The start-up screen: the workspace being indexed, a progress bar, how to quit, and that
//! typing meanwhile is kept.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Gauge, Paragraph};

use super::{MIN_HEIGHT, MIN_WIDTH, line};
use crate::text::sanitize_line;
use crate::tui::loading::Loading;
use crate::tui::theme::{Role, Theme};
use crate::tui::wrap::{Segment, fit};

/// Draws the start-up screen for `loading`.
pub fn draw(frame: &mut Frame, loading: &Loading, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let notice = format!("indexing {}/{}", loading.done, loading.total);
        let row = fit(
            vec![Segment::new(notice, Role::Text)],
            usize::from(area.width),
        );
        frame.render_widget(Paragraph::new(line(&row, theme)), area);
        return;
    }
    let width = area.width.min(60);
    let column = Rect::new(
        area.x + (area.width - width) / 2,
        area.y,
        width,
        area.height,
    );
    let [_, title, workspace, _, gauge, last, _, hint, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(column);
    let cols = usize::from(width);
    let text = |area: Rect, frame: &mut Frame, segments: Vec<Segment>| {
        frame.render_widget(Paragraph::new(line(&fit(segments, cols), theme)), area);
    };
    text(title, frame, vec![Segment::new("interbot", Role::Title)]);
    text(
        workspace,
        frame,
        vec![
            Segment::new(
                if loading.read {
                    "indexing "
                } else {
                    "reading "
                },
                Role::Dim,
            ),
            Segment::new(sanitize_line(&loading.workspace), Role::Text),
        ],
    );
    let label = if loading.read {
        format!("{} of {} bots", loading.done, loading.total)
    } else {
        "reading the bots' files…".to_string()
    };
    frame.render_widget(
        Gauge::default()
            .ratio(loading.ratio())
            .label(label)
            .gauge_style(theme.style(Role::BarFill)),
        gauge,
    );
    if loading.training_router {
        text(
            last,
            frame,
            vec![
                Segment::new("now: ", Role::Dim),
                Segment::new("training the master's bot router…", Role::Text),
            ],
        );
    } else if let Some(bot) = &loading.last {
        text(
            last,
            frame,
            vec![
                Segment::new("last: ", Role::Dim),
                Segment::new(sanitize_line(bot), Role::Text),
            ],
        );
    }
    text(
        hint,
        frame,
        vec![
            Segment::new("Ctrl-C", Role::Key),
            Segment::new(
                " quit · what you type now goes to the question box",
                Role::Dim,
            ),
        ],
    );
}
