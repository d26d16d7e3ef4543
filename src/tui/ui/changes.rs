//! The changes popup: what the last re-read of the workspace found changed on disk.

use crate::tui::state::App;
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, wrap};

/// The popup's rows at `width` columns: a line per bot that changed, then a line per entry
/// (`+` added, `-` removed, `~` edited).
pub fn rows(app: &App, width: usize) -> Vec<Row> {
    app.changes
        .iter()
        .flat_map(|line| {
            let role = match line.trim_start().chars().next() {
                Some('+') => Role::Pass,
                Some('-') => Role::Fail,
                Some('~') => Role::Warning,
                _ => Role::Text,
            };
            let para = Para {
                body: vec![Segment::new(line.clone(), role)],
                ..Para::default()
            };
            wrap(&para, width)
        })
        .collect()
}
