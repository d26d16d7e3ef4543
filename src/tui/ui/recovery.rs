//! The recovery prompt: the drafts an earlier session left unsaved, one row each (what it
//! edits and whether its file changed since), and below them the highlighted draft's text or
//! its difference with the file now (`-` the file, `+` the draft). Drawn over everything.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::Span;
use ratatui::widgets::Clear;

use super::{pane, paragraph, popup};
use crate::text::sanitize_line;
use crate::tui::recovery::RecoveryPrompt;
use crate::tui::state::App;
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, fit, wrap};
use crate::workspace::recovery::DiffLine;

/// The rows above the text: the explanation and one row per draft.
fn head_rows(prompt: &RecoveryPrompt, width: usize) -> Vec<Row> {
    let mut rows = wrap(
        &Para {
            body: vec![Segment::new(
                "Left unsaved by an earlier session:",
                Role::Dim,
            )],
            ..Para::default()
        },
        width,
    );
    for (n, recovered) in prompt.drafts.iter().enumerate() {
        let selected = n == prompt.selected;
        let role = if selected {
            Role::Highlight
        } else {
            Role::Text
        };
        let marker = if selected { "▶ " } else { "  " };
        let text = format!(
            "{marker}{} · {}",
            sanitize_line(&recovered.stored.draft.describe()),
            recovered.standing()
        );
        let pad = width.saturating_sub(crate::tui::wrap::width(&text));
        rows.push(fit(
            vec![Segment::new(format!("{text}{}", " ".repeat(pad)), role)],
            width,
        ));
    }
    rows
}

/// The highlighted draft's text, or its difference with the file now.
fn body_rows(prompt: &RecoveryPrompt, width: usize) -> (String, Vec<Row>) {
    let Some(recovered) = prompt.selected_draft() else {
        return (String::new(), Vec::new());
    };
    let line = |prefix: &'static str, text: &str, role: Role| -> Vec<Row> {
        wrap(
            &Para {
                first: vec![Segment::new(prefix, role)],
                rest: vec![Segment::new("  ", role)],
                body: vec![Segment::new(sanitize_line(text), role)],
            },
            width,
        )
    };
    if prompt.showing_diff {
        let rows = recovered
            .diff()
            .iter()
            .flat_map(|change| match change {
                DiffLine::Same(text) => line("  ", text, Role::Dim),
                DiffLine::Removed(text) => line("- ", text, Role::Fail),
                DiffLine::Added(text) => line("+ ", text, Role::Pass),
            })
            .collect();
        (" Difference: - the file now, + the draft ".into(), rows)
    } else {
        let rows = recovered
            .stored
            .draft
            .text
            .lines()
            .flat_map(|text| line("", text, Role::Text))
            .collect();
        (" The draft (v: difference) ".into(), rows)
    }
}

/// Draws the prompt over the screen.
pub fn draw(frame: &mut Frame, screen: Rect, app: &App) {
    let Some(prompt) = &app.recovery else {
        return;
    };
    let width = usize::from(popup::popup_width(screen).saturating_sub(2));
    let head = head_rows(prompt, width);
    let (body_title, body) = body_rows(prompt, width);
    // As tall as the screen allows: the text below the list gets the rest.
    let area = popup::area(screen, usize::from(screen.height));
    let inner = area.inner(Margin::new(1, 1));
    let height = usize::from(inner.height);
    let mut rows: Vec<Row> = head.iter().take(height).cloned().collect();
    let room = height.saturating_sub(rows.len() + 1);
    if room > 0 {
        rows.push(fit(vec![Segment::new(body_title, Role::Title)], width));
        let top = prompt.scroll.min(body.len().saturating_sub(room));
        rows.extend(body.iter().skip(top).take(room).cloned());
    }
    let title = format!(" Unsaved drafts ({}) ", prompt.drafts.len());
    let mut block = pane(title, &app.theme, true);
    block = block.title_bottom(Span::styled(
        " r restore · d discard · v diff · Esc later ",
        app.theme.style(Role::Dim),
    ));
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(paragraph(&rows, &app.theme), inner);
}
