//! The prompt recording a turn as a test case: the question, where the master routed it,
//! the three ways to label it, and the sub-bots of the turn (best first) to pick from.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::widgets::Clear;

use super::{pane, paragraph, popup};
use crate::text::sanitize_line;
use crate::tui::record::{CHATS_FILE, RecordPrompt};
use crate::tui::state::App;
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, fit, wrap};

/// The prompt's rows at `width` columns.
pub fn rows(prompt: &RecordPrompt, width: usize) -> Vec<Row> {
    let mut rows = wrap(
        &Para {
            body: vec![
                Segment::new("“", Role::Dim),
                Segment::new(sanitize_line(&prompt.question), Role::Strong),
                Segment::new(format!("” → tests/{CHATS_FILE}"), Role::Dim),
            ],
            ..Para::default()
        },
        width,
    );
    let routed = match &prompt.routed {
        Some((bot, Some(entry))) => format!("{} · {}", sanitize_line(bot), sanitize_line(entry)),
        Some((bot, None)) => sanitize_line(bot),
        None => "no bot".to_string(),
    };
    rows.push(fit(
        vec![
            Segment::new("r", Role::Key),
            Segment::new(format!(" right as routed ({routed})"), Role::Text),
        ],
        width,
    ));
    rows.push(fit(
        vec![
            Segment::new("n", Role::Key),
            Segment::new(" no bot should answer", Role::Text),
        ],
        width,
    ));
    rows.push(fit(
        vec![
            Segment::new("Enter", Role::Key),
            Segment::new(" this bot and entry · ", Role::Text),
            Segment::new("b", Role::Key),
            Segment::new(" this bot only:", Role::Text),
        ],
        width,
    ));
    for (n, candidate) in prompt.candidates.iter().enumerate() {
        let selected = n == prompt.selected;
        let entry = candidate
            .entry
            .as_deref()
            .map_or_else(|| "no entry matched".to_string(), sanitize_line);
        let text = format!(
            "{}{} · {entry} · {:.2}",
            if selected { "▶ " } else { "  " },
            sanitize_line(&candidate.bot),
            candidate.confidence
        );
        let pad = width.saturating_sub(crate::tui::wrap::width(&text));
        let role = if selected {
            Role::Highlight
        } else {
            Role::Text
        };
        rows.push(fit(
            vec![Segment::new(format!("{text}{}", " ".repeat(pad)), role)],
            width,
        ));
    }
    rows
}

/// Draws the prompt over the screen.
pub fn draw(frame: &mut Frame, screen: Rect, app: &App, prompt: &RecordPrompt) {
    let width = usize::from(popup::popup_width(screen).saturating_sub(2));
    let rows = rows(prompt, width);
    let area = popup::area(screen, rows.len());
    let inner = area.inner(Margin::new(1, 1));
    let height = usize::from(inner.height);
    // The list scrolls to keep the highlighted bot in view under the four fixed rows.
    let fixed = rows.len() - prompt.candidates.len();
    let shown: Vec<Row> = if rows.len() <= height {
        rows
    } else {
        let room = height.saturating_sub(fixed).max(1);
        let top = prompt.selected.saturating_sub(room - 1);
        rows[..fixed.min(height)]
            .iter()
            .chain(rows[fixed..].iter().skip(top).take(room))
            .cloned()
            .collect()
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        pane(" Record as a test case ".into(), &app.theme, true),
        area,
    );
    frame.render_widget(paragraph(&shown, &app.theme), inner);
}
