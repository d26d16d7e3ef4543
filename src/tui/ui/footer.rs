//! The footer: the mode, then a status message or the mode's key hints (from the keymap).

use ratatui::Frame;
use ratatui::layout::Rect;

use super::line;
use crate::tui::keymap::{self, Mode};
use crate::tui::state::{App, Popup};
use crate::tui::theme::Role;
use crate::tui::wrap::{Row, Segment, fit, row_width, width as text_width};

/// The footer's row at `width` columns.
pub fn row(app: &App, width: usize) -> Row {
    let mode = app.key_mode();
    let badge = match (mode, app.popup) {
        (Mode::Popup, Some(Popup::Help)) => " HELP ",
        (Mode::Popup, _) => " PROBLEMS ",
        (Mode::Normal, _) => " NORMAL ",
        (Mode::Typing, _) => " TYPING ",
    };
    let mut row = vec![
        Segment::new(badge, Role::Mode),
        Segment::new(" ", Role::Text),
    ];
    if let Some(status) = &app.status {
        row.push(Segment::new(status.clone(), Role::Status));
        return fit(row, width);
    }
    for (keys, hint) in keymap::hints(mode) {
        let item = [
            Segment::new(keys, Role::Key),
            Segment::new(format!(" {hint}  "), Role::Text),
        ];
        let item_width: usize = item.iter().map(|s| text_width(&s.text)).sum();
        if row_width(&row) + item_width - 2 > width {
            break;
        }
        row.extend(item);
    }
    fit(row, width)
}

/// Draws the footer.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let row = row(app, usize::from(area.width));
    frame.render_widget(line(&row, &app.theme), area);
}
