//! The problems popup: every load and index problem of the workspace, one per item.

use crate::tui::state::App;
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, wrap};

/// The popup's rows at `width` columns.
pub fn rows(app: &App, width: usize) -> Vec<Row> {
    if app.problems.is_empty() {
        let para = Para {
            body: vec![Segment::new("No problems: every file loaded.", Role::Dim)],
            ..Para::default()
        };
        return wrap(&para, width);
    }
    app.problems
        .iter()
        .flat_map(|problem| {
            let para = Para {
                first: vec![Segment::new("• ", Role::Warning)],
                rest: vec![Segment::new("  ", Role::Text)],
                body: vec![Segment::new(problem.clone(), Role::Text)],
            };
            wrap(&para, width)
        })
        .collect()
}
