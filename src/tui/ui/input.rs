//! The input line: the question being typed, titled with the bot it goes to and the mode.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Areas, pane};
use crate::tui::keymap::Mode;
use crate::tui::state::App;
use crate::tui::theme::Role;

/// Draws the input line.
pub fn draw(frame: &mut Frame, areas: &Areas, app: &App) {
    let area = areas.input;
    let typing = app.mode == Mode::Typing;
    if areas.compact {
        let prompt = if typing { "› " } else { "· " };
        frame.render_widget(Span::styled(prompt, app.theme.style(Role::Key)), area);
        let rest = Rect::new(
            area.x + 2,
            area.y,
            area.width.saturating_sub(2),
            area.height,
        );
        frame.render_widget(&app.input, rest);
        return;
    }
    let title = match app.tab() {
        Some(tab) if tab.name != tab.bot_id => format!(" Ask {} ({}) ", tab.name, tab.bot_id),
        Some(tab) => format!(" Ask {} ", tab.bot_id),
        None => " Ask ".to_string(),
    };
    let mode = if typing { " typing " } else { " normal " };
    let block = pane(title, &app.theme, false)
        .title_top(Line::from(Span::styled(mode, app.theme.style(Role::Dim))).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(&app.input, inner);
}
