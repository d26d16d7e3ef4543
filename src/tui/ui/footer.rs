//! The footer: the mode, then a status message or the mode's key hints (from the keymap).
//! When the hints do not all fit, the pinned ones (`? help`, `q quit`) stay at the end and
//! the others are dropped from the right.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::line;
use crate::tui::keymap::{self, Mode};
use crate::tui::state::{App, Popup};
use crate::tui::theme::Role;
use crate::tui::wrap::{Row, Segment, fit, row_width};

/// The footer's row at `width` columns.
pub fn row(app: &App, width: usize) -> Row {
    let mode = app.key_mode();
    let badge = match (mode, app.popup) {
        (Mode::Popup, Some(Popup::Help)) => " HELP ",
        (Mode::Popup, Some(Popup::Changes)) => " CHANGES ",
        (Mode::Popup, _) => " PROBLEMS ",
        (Mode::Picker, _) => " BOTS ",
        (Mode::Normal, _) => " NORMAL ",
        (Mode::Typing, _) => " TYPING ",
        (Mode::Qna, _) => " QNA ",
        (Mode::Filter, _) => " FILTER ",
        (Mode::Editor, _) => " EDIT ",
        (Mode::Confirm, _) => " CONFIRM ",
        (Mode::Recovery, _) => " RECOVER ",
        (Mode::Eval, _) => " EVAL ",
        (Mode::Record, _) => " LABEL ",
    };
    let mut row = vec![
        Segment::new(badge, Role::Mode),
        Segment::new(" ", Role::Text),
    ];
    if let Some(status) = &app.status {
        row.push(Segment::new(status.clone(), Role::Status));
        return fit(row, width);
    }
    let item = |keys: String, hint: &str| -> Row {
        vec![
            Segment::new(keys, Role::Key),
            Segment::new(format!(" {hint}  "), Role::Text),
        ]
    };
    let hints = keymap::hints(mode);
    let pinned: Vec<Row> = hints
        .iter()
        .filter(|(_, hint)| keymap::PINNED_HINTS.contains(hint))
        .map(|(keys, hint)| item(keys.clone(), hint))
        .collect();
    let pinned_width: usize = pinned.iter().map(|r| row_width(r)).sum();
    for (keys, hint) in hints
        .iter()
        .filter(|(_, h)| !keymap::PINNED_HINTS.contains(h))
    {
        let next = item(keys.clone(), hint);
        if row_width(&row) + row_width(&next) + pinned_width > width + 2 {
            break;
        }
        row.extend(next);
    }
    for next in pinned {
        if row_width(&row) + row_width(&next) > width + 2 {
            break;
        }
        row.extend(next);
    }
    fit(row, width)
}

/// Draws the footer.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let row = row(app, usize::from(area.width));
    frame.render_widget(line(&row, &app.theme), area);
}
