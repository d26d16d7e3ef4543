//! The help popup: every key of the keymap, grouped by where it works, in one or two columns.

use crate::tui::keymap::{self, HelpSection};
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, row_width, width as text_width, wrap};

/// From this width on, the help is laid out in two columns.
const TWO_COLUMNS: usize = 64;

/// Gap between the two columns.
const GAP: usize = 3;

/// One section: its title, then a row per binding (wrapped under its keys).
fn section_rows(section: &HelpSection, width: usize) -> Vec<Row> {
    let keys_width = section
        .rows
        .iter()
        .map(|(keys, _)| text_width(keys))
        .max()
        .unwrap_or(0);
    let mut rows = vec![vec![Segment::new(section.title, Role::Heading)]];
    for (keys, help) in &section.rows {
        let pad = keys_width.saturating_sub(text_width(keys));
        let para = Para {
            first: vec![
                Segment::new(keys.clone(), Role::Key),
                Segment::new(" ".repeat(pad + 2), Role::Text),
            ],
            rest: vec![Segment::new(" ".repeat(keys_width + 2), Role::Text)],
            body: vec![Segment::new(*help, Role::Text)],
        };
        rows.extend(wrap(&para, width));
    }
    rows
}

/// Sections one after the other, a blank row between them.
fn stack(sections: &[Vec<Row>]) -> Vec<Row> {
    let mut out = Vec::new();
    for (n, rows) in sections.iter().enumerate() {
        if n > 0 {
            out.push(Row::new());
        }
        out.extend(rows.iter().cloned());
    }
    out
}

/// The popup's rows at `width` columns: one column, or two split between sections where the
/// taller column is shortest.
pub fn rows(width: usize, context: keymap::HelpContext) -> Vec<Row> {
    let sections = keymap::help_sections(context);
    if width < TWO_COLUMNS {
        let rendered: Vec<Vec<Row>> = sections.iter().map(|s| section_rows(s, width)).collect();
        return stack(&rendered);
    }
    let column = (width - GAP) / 2;
    let rendered: Vec<Vec<Row>> = sections.iter().map(|s| section_rows(s, column)).collect();
    let split = (1..rendered.len())
        .min_by_key(|&k| stack(&rendered[..k]).len().max(stack(&rendered[k..]).len()))
        .unwrap_or(rendered.len());
    let left = stack(&rendered[..split]);
    let right = stack(&rendered[split..]);
    (0..left.len().max(right.len()))
        .map(|i| {
            let mut row = left.get(i).cloned().unwrap_or_default();
            if let Some(right_row) = right.get(i) {
                let pad = column.saturating_sub(row_width(&row)) + GAP;
                row.push(Segment::new(" ".repeat(pad), Role::Text));
                row.extend(right_row.iter().cloned());
            }
            row
        })
        .collect()
}
