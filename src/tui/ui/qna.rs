//! The QnA view: the entry list (first question, variants, enabled, contexts), the selected
//! entry's details or the entry editor beside it (below it on narrow screens), the filter
//! line, and a confirmation box over them. A pure function of [`App`].

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{SIDE_BY_SIDE_WIDTH, line, pane, paragraph};
use crate::text::sanitize_line;
use crate::tui::qna::{
    Confirm, ElementEditor, EntryEditor, Field, PREVIEW_LIMIT, PreviewTurn, QnaView, Showing,
};
use crate::tui::state::App;
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, fit, truncate, wrap};
use crate::workspace::{ContentElement, QnaEntry, QnaForm};

/// Below this width or height: no borders, the list above the details, one editor field at
/// a time.
const COMPACT_WIDTH: u16 = 40;
const COMPACT_HEIGHT: u16 = 16;

/// Where the QnA view's parts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QnaAreas {
    /// No borders.
    pub compact: bool,
    /// The entry list, border included.
    pub list: Rect,
    /// Where the list's rows go.
    pub list_text: Rect,
    /// The details or the editor, border included.
    pub detail: Rect,
    /// Where the details go.
    pub detail_text: Rect,
    /// The filter line (with its border unless compact).
    pub filter: Rect,
}

/// Splits the body of a `size` screen (below the tab bar, above the footer) for the view.
pub fn areas(size: Rect) -> QnaAreas {
    let Rect {
        x,
        y,
        width,
        height,
    } = size;
    if width < super::MIN_WIDTH || height < super::MIN_HEIGHT {
        return QnaAreas::default();
    }
    let compact = width < COMPACT_WIDTH || height < COMPACT_HEIGHT;
    let filter_height = if compact { 1 } else { 3 };
    let body = Rect::new(x, y + 1, width, height - 2 - filter_height);
    let filter = Rect::new(x, y + height - 1 - filter_height, width, filter_height);
    let (list, detail) = if width >= SIDE_BY_SIDE_WIDTH && !compact {
        let list_width = width * 45 / 100;
        (
            Rect::new(x, body.y, list_width, body.height),
            Rect::new(x + list_width, body.y, width - list_width, body.height),
        )
    } else {
        let list_height = (body.height / 2).max(1);
        (
            Rect::new(x, body.y, width, list_height),
            Rect::new(x, body.y + list_height, width, body.height - list_height),
        )
    };
    let inner = |r: Rect| {
        if compact {
            r
        } else {
            r.inner(Margin::new(1, 1))
        }
    };
    QnaAreas {
        compact,
        list,
        list_text: inner(list),
        detail,
        detail_text: inner(detail),
        filter,
    }
}

/// How many entries the list shows at once on a `size` screen.
pub fn list_height(size: Rect) -> usize {
    usize::from(areas(size).list_text.height)
}

/// One list row: enabled mark, first question, variants, contexts other than global.
fn entry_row(entry: &QnaEntry, selected: bool, width: usize) -> Row {
    let mark = if entry.enabled { "● " } else { "○ " };
    let role = match (selected, entry.enabled) {
        (true, _) => Role::Selected,
        (false, true) => Role::Text,
        (false, false) => Role::Dim,
    };
    let question = entry
        .questions
        .first()
        .map_or_else(|| "(no question)".to_string(), |q| sanitize_line(q));
    let contexts: Vec<&str> = entry
        .contexts
        .iter()
        .map(String::as_str)
        .filter(|c| *c != "global")
        .collect();
    let mut tail = format!(" ×{}", entry.questions.len());
    if !contexts.is_empty() {
        tail.push_str(&format!(" [{}]", sanitize_line(&contexts.join(","))));
    }
    let cursor = if selected { "▶" } else { " " };
    let room = width.saturating_sub(crate::tui::wrap::width(&tail) + 3);
    let text = truncate(&question, room);
    let pad = room.saturating_sub(crate::tui::wrap::width(&text));
    fit(
        vec![
            Segment::new(cursor, Role::Key),
            Segment::new(
                mark,
                if entry.enabled {
                    Role::Pass
                } else {
                    Role::Fail
                },
            ),
            Segment::new(format!("{text}{}", " ".repeat(pad)), role),
            Segment::new(tail, Role::Dim),
        ],
        width,
    )
}

/// One reply row: the element id, then the first line of its text.
fn element_row(element: &ContentElement, selected: bool, width: usize) -> Row {
    let first_line = element
        .text
        .as_deref()
        .and_then(|t| t.lines().next())
        .map_or_else(|| "(no text)".to_string(), sanitize_line);
    fit(
        vec![
            Segment::new(if selected { "▶" } else { " " }, Role::Key),
            Segment::new(
                format!("{} ", sanitize_line(&element.id)),
                if selected {
                    Role::Selected
                } else {
                    Role::Strong
                },
            ),
            Segment::new(first_line, Role::Dim),
        ],
        width,
    )
}

/// The list's rows from `top`, `height` of them.
pub fn list_rows(view: &QnaView, width: usize, height: usize) -> Vec<Row> {
    if view.showing == Showing::Replies {
        if view.elements.is_empty() {
            return vec![vec![Segment::new(
                "This bot has no content elements.",
                Role::Dim,
            )]];
        }
        let top = view
            .element_selected
            .saturating_sub(height.saturating_sub(1));
        return view
            .elements
            .iter()
            .enumerate()
            .skip(top)
            .take(height)
            .map(|(n, e)| element_row(e, n == view.element_selected, width))
            .collect();
    }
    let Some(entries) = &view.entries else {
        return vec![vec![Segment::new(
            format!("Reading and indexing {}…", sanitize_line(&view.bot_id)),
            Role::Thinking,
        )]];
    };
    if view.shown.is_empty() {
        let text = if entries.is_empty() {
            "No entries yet: a adds one.".to_string()
        } else {
            format!("No entry matches “{}”.", sanitize_line(&view.filter))
        };
        return vec![vec![Segment::new(text, Role::Dim)]];
    }
    view.shown
        .iter()
        .enumerate()
        .skip(view.list_top)
        .take(height)
        .filter_map(|(row, &pos)| {
            entries
                .get(pos)
                .map(|e| entry_row(e, row == view.selected, width))
        })
        .collect()
}

fn heading(text: String) -> Row {
    vec![Segment::new(text, Role::Heading)]
}

fn field(name: &str, value: String) -> Row {
    vec![
        Segment::new(format!("{name}: "), Role::Dim),
        Segment::new(value, Role::Text),
    ]
}

/// Every question and answer of `entry`, wrapped to `width`.
pub fn detail_rows(entry: &QnaEntry, language: &str, width: usize) -> Vec<Row> {
    let form = match entry.form {
        QnaForm::V11 => "Botpress 11",
        QnaForm::V12 => "Botpress 12",
    };
    let mut rows = vec![
        field("id", sanitize_line(&entry.id)),
        field(
            "form",
            if entry.form == QnaForm::V12 {
                format!("{form}, editing “{}”", sanitize_line(language))
            } else {
                form.to_string()
            },
        ),
        field(
            "enabled",
            if entry.enabled {
                "yes"
            } else {
                "no (never answered)"
            }
            .to_string(),
        ),
        field("contexts", sanitize_line(&entry.contexts.join(", "))),
    ];
    if let Some(redirect) = &entry.redirect {
        rows.push(field(
            "redirect",
            sanitize_line(&format!("{} → {}", redirect.flow, redirect.node)),
        ));
    }
    rows.push(Row::new());
    rows.push(heading(format!("Questions ({})", entry.questions.len())));
    for question in &entry.questions {
        let para = Para {
            first: vec![Segment::new("• ", Role::Dim)],
            rest: vec![Segment::new("  ", Role::Text)],
            body: vec![Segment::new(sanitize_line(question), Role::Text)],
        };
        rows.extend(wrap(&para, width));
    }
    rows.push(Row::new());
    rows.push(heading(format!("Answers ({})", entry.answers.len())));
    for (n, answer) in entry.answers.iter().enumerate() {
        if n > 0 {
            rows.push(vec![Segment::new("---", Role::Dim)]);
        }
        for text_line in answer.lines() {
            let para = Para::indented(
                vec![Segment::new("│ ", Role::QuoteBar)],
                vec![Segment::new(sanitize_line(text_line), Role::Quote)],
            );
            rows.extend(wrap(&para, width));
        }
    }
    rows
}

/// Rows of a text, one per line, wrapped to `width`, each under `prefix`.
fn text_rows(text: &str, prefix: &str, role: Role, width: usize) -> Vec<Row> {
    text.lines()
        .flat_map(|text_line| {
            wrap(
                &Para::indented(
                    vec![Segment::new(prefix, Role::QuoteBar)],
                    vec![Segment::new(sanitize_line(text_line), role)],
                ),
                width,
            )
        })
        .collect()
}

/// The heading of a preview: which turn the reply is rendered against.
fn preview_heading(preview: &PreviewTurn) -> Row {
    match &preview.question {
        Some(question) => vec![
            Segment::new("Preview", Role::Heading),
            Segment::new(
                format!(" · as said to “{}”", sanitize_line(question)),
                Role::Dim,
            ),
        ],
        None => vec![
            Segment::new("Preview", Role::Heading),
            Segment::new(" · no turn yet: ask the master first", Role::Dim),
        ],
    }
}

/// Rows of a rendered preview, or of where its template is wrong.
fn preview_rows(rendered: &Result<String, String>, width: usize) -> Vec<Row> {
    match rendered {
        Ok(text) if text.trim().is_empty() => vec![vec![Segment::new("(says nothing)", Role::Dim)]],
        Ok(text) => text_rows(text, "│ ", Role::Quote, width),
        Err(error) => wrap(
            &Para::indented(
                Row::new(),
                vec![Segment::new(
                    format!("✗ {}", sanitize_line(error)),
                    Role::Error,
                )],
            ),
            width,
        ),
    }
}

/// A content element's text and its preview against the view's preview turn.
pub fn element_rows(element: &ContentElement, preview: &PreviewTurn, width: usize) -> Vec<Row> {
    let text = element.text.clone().unwrap_or_default();
    let rendered = crate::template::render_nested_limited(&text, &preview.state, PREVIEW_LIMIT)
        .map(|rendered| rendered.text)
        .map_err(|e| e.to_string());
    let mut rows = vec![field("id", sanitize_line(&element.id)), Row::new()];
    rows.push(heading("Text".to_string()));
    rows.extend(text_rows(&text, "│ ", Role::Code, width));
    rows.push(Row::new());
    rows.push(preview_heading(preview));
    rows.extend(preview_rows(&rendered, width));
    rows
}

/// Draws the QnA view over the body of the screen.
pub fn draw(frame: &mut Frame, app: &App, view: &QnaView) {
    let areas = areas(frame.area());
    if areas.list.width == 0 {
        return;
    }
    let theme = &app.theme;
    let count = view.entries.as_ref().map_or(0, Vec::len);
    let list_title = match view.showing {
        Showing::Entries => format!(
            " QnA of {} · {} of {} ",
            sanitize_line(&view.bot_id),
            view.shown.len(),
            count
        ),
        Showing::Replies => format!(
            " Replies of {} · {} ",
            sanitize_line(&view.bot_id),
            view.elements.len()
        ),
    };
    let rows = list_rows(
        view,
        usize::from(areas.list_text.width),
        usize::from(areas.list_text.height),
    );
    if !areas.compact {
        let mut block = pane(list_title, theme, !view.editing() && !view.filtering);
        if let Some(busy) = &view.busy {
            block = block.title_bottom(Span::styled(
                format!(" {busy} "),
                theme.style(Role::Thinking),
            ));
        }
        frame.render_widget(block, areas.list);
    }
    frame.render_widget(paragraph(&rows, theme), areas.list_text);
    match (&view.editor, &view.element_editor) {
        (Some(editor), _) => draw_editor(frame, app, view, editor, &areas),
        (None, Some(editor)) => draw_element_editor(frame, app, view, editor, &areas),
        (None, None) => draw_detail(frame, app, view, &areas),
    }
    draw_filter(frame, app, view, &areas);
    if let Some(confirm) = &view.confirm {
        draw_confirm(frame, app, confirm);
    }
}

fn draw_detail(frame: &mut Frame, app: &App, view: &QnaView, areas: &QnaAreas) {
    let width = usize::from(areas.detail_text.width);
    let rows = match view.showing {
        Showing::Entries => view
            .selected_entry()
            .map(|e| detail_rows(e, &view.language, width))
            .unwrap_or_default(),
        Showing::Replies => view
            .selected_element()
            .map(|e| element_rows(e, &view.preview, width))
            .unwrap_or_default(),
    };
    let height = usize::from(areas.detail_text.height);
    let top = view.detail_scroll.min(rows.len().saturating_sub(height));
    let end = (top + height).min(rows.len());
    if !areas.compact {
        let mut block = pane(" Entry ".to_string(), &app.theme, false);
        if end < rows.len() {
            block = block.title_bottom(Span::styled(
                format!(" ↓ {} more (J) ", rows.len() - end),
                app.theme.style(Role::Dim),
            ));
        }
        frame.render_widget(block, areas.detail);
    }
    frame.render_widget(paragraph(&rows[top..end], &app.theme), areas.detail_text);
}

/// The editor's fields inside `area` (its last row is the status row): questions, answers,
/// contexts.
fn editor_layout(area: Rect) -> [Rect; 3] {
    let rest = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
    let contexts_height = 3.min(rest.height);
    let free = rest.height - contexts_height;
    let questions_height = free / 2;
    [
        Rect::new(rest.x, rest.y, rest.width, questions_height),
        Rect::new(
            rest.x,
            rest.y + questions_height,
            rest.width,
            free - questions_height,
        ),
        Rect::new(rest.x, rest.y + free, rest.width, contexts_height),
    ]
}

fn draw_editor(
    frame: &mut Frame,
    app: &App,
    view: &QnaView,
    editor: &EntryEditor,
    areas: &QnaAreas,
) {
    let theme = &app.theme;
    // Compact: the editor takes the list's rows too.
    let area = if areas.compact {
        areas.list.union(areas.detail)
    } else {
        areas.detail
    };
    let dirty = if editor.is_dirty() { " *" } else { "" };
    let title = match &editor.entry_id {
        Some(id) => format!(" Editing {}{dirty} ", sanitize_line(id)),
        None => format!(" New entry{dirty} "),
    };
    frame.render_widget(Clear, area);
    let inner = if areas.compact {
        area
    } else {
        let block = pane(title, theme, true);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        inner
    };
    let language = if editor.form == QnaForm::V12 {
        format!(" ({})", sanitize_line(&view.language))
    } else {
        String::new()
    };
    let label = |which: Field| match which {
        Field::Questions => format!(" Questions{language}: one per line "),
        Field::Answers => format!(" Answers{language}: --- between alternatives "),
        Field::Contexts => " Contexts ".to_string(),
    };
    let widget = |which: Field| match which {
        Field::Questions => &editor.questions,
        Field::Answers => &editor.answers,
        Field::Contexts => &editor.contexts,
    };
    let status = Rect::new(
        inner.x,
        inner.y + inner.height.saturating_sub(1),
        inner.width,
        1,
    );
    if areas.compact {
        // One field at a time, under a row naming it.
        let title: Row = vec![
            Segment::new(label(editor.field).trim().to_string(), Role::Heading),
            Segment::new(" (Tab: next)", Role::Dim),
        ];
        frame.render_widget(
            line(&fit(title, usize::from(inner.width)), theme),
            Rect::new(inner.x, inner.y, inner.width, 1),
        );
        let text = Rect::new(
            inner.x,
            inner.y + 1,
            inner.width,
            inner.height.saturating_sub(2),
        );
        frame.render_widget(widget(editor.field), text);
    } else {
        let [questions, answers, contexts] = editor_layout(inner);
        for (which, rect) in [
            (Field::Questions, questions),
            (Field::Answers, answers),
            (Field::Contexts, contexts),
        ] {
            if rect.height < 3 {
                continue;
            }
            let block = pane(label(which), theme, editor.field == which);
            let text = block.inner(rect);
            frame.render_widget(block, rect);
            frame.render_widget(widget(which), text);
        }
    }
    let status_row: Row = match &editor.error {
        Some(error) => vec![Segment::new(format!("✗ {error}"), Role::Error)],
        None => vec![
            Segment::new("enabled: ", Role::Dim),
            Segment::new(
                if editor.enabled { "yes" } else { "no" },
                if editor.enabled {
                    Role::Pass
                } else {
                    Role::Fail
                },
            ),
            Segment::new("  Ctrl-S save · Esc close", Role::Dim),
        ],
    };
    frame.render_widget(
        line(&fit(status_row, usize::from(status.width)), theme),
        status,
    );
}

/// The reply editor: its text above, the live preview below.
fn draw_element_editor(
    frame: &mut Frame,
    app: &App,
    view: &QnaView,
    editor: &ElementEditor,
    areas: &QnaAreas,
) {
    let theme = &app.theme;
    let area = if areas.compact {
        areas.list.union(areas.detail)
    } else {
        areas.detail
    };
    frame.render_widget(Clear, area);
    let dirty = if editor.is_dirty() { " *" } else { "" };
    let title = format!(" Reply {}{dirty} ", sanitize_line(&editor.element_id));
    let inner = if areas.compact {
        area
    } else {
        let block = pane(title, theme, true);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        inner
    };
    let status = Rect::new(
        inner.x,
        inner.y + inner.height.saturating_sub(1),
        inner.width,
        1,
    );
    let body_height = inner.height.saturating_sub(1);
    let text_height = (body_height / 2).max(1).min(body_height);
    let text_area = Rect::new(inner.x, inner.y, inner.width, text_height);
    let preview_area = Rect::new(
        inner.x,
        inner.y + text_height,
        inner.width,
        body_height - text_height,
    );
    frame.render_widget(&editor.text, text_area);
    let width = usize::from(preview_area.width);
    let mut rows = vec![fit(preview_heading(&view.preview), width)];
    rows.extend(preview_rows(&editor.preview, width));
    rows.truncate(usize::from(preview_area.height));
    frame.render_widget(paragraph(&rows, theme), preview_area);
    let status_row: Row = match &editor.error {
        Some(error) => vec![Segment::new(format!("✗ {error}"), Role::Error)],
        None => vec![Segment::new(
            "mustache: {{x}} escaped, {{{x}}} as is · Ctrl-S save · Esc close",
            Role::Dim,
        )],
    };
    frame.render_widget(
        line(&fit(status_row, usize::from(status.width)), theme),
        status,
    );
}

fn draw_filter(frame: &mut Frame, app: &App, view: &QnaView, areas: &QnaAreas) {
    let theme = &app.theme;
    let area = areas.filter;
    let text: Row = if view.filtering || !view.filter.is_empty() {
        let mut row = vec![
            Segment::new("/ ", Role::Key),
            Segment::new(sanitize_line(&view.filter), Role::Text),
        ];
        if view.filtering {
            row.push(Segment::new(" ", Role::Cursor));
        }
        row
    } else {
        vec![Segment::new(
            "/ filters by any word of the questions, answers or id",
            Role::Placeholder,
        )]
    };
    if areas.compact {
        frame.render_widget(line(&fit(text, usize::from(area.width)), theme), area);
        return;
    }
    let block = pane(" Filter ".to_string(), theme, view.filtering);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(line(&fit(text, usize::from(inner.width)), theme), inner);
}

/// The question of a confirmation, one row each.
pub fn confirm_rows(confirm: &Confirm) -> (String, Vec<String>) {
    match confirm {
        Confirm::Delete { entry_id, question } => (
            " Delete? ".into(),
            vec![
                format!("Delete entry {}", sanitize_line(entry_id)),
                format!("“{}”?", sanitize_line(question)),
                "Its file is removed. y deletes, n keeps it.".into(),
            ],
        ),
        Confirm::DiscardDraft => (
            " Unsaved changes ".into(),
            vec![
                "Close the editor and lose the changes?".into(),
                "y closes, n goes back.".into(),
            ],
        ),
        Confirm::CloseView => (
            " Unsaved changes ".into(),
            vec![
                "Leave the QnA view and lose the changes?".into(),
                "y leaves, n goes back.".into(),
            ],
        ),
        Confirm::Quit => (
            " Unsaved changes ".into(),
            vec![
                "Quit and lose the changes?".into(),
                "y quits, n goes back.".into(),
            ],
        ),
        Confirm::Conflict { message } => (
            " Changed on disk ".into(),
            vec![
                message.clone(),
                "r reloads the file (your draft is dropped),".into(),
                "o overwrites it with your draft, Esc goes back.".into(),
            ],
        ),
    }
}

fn draw_confirm(frame: &mut Frame, app: &App, confirm: &Confirm) {
    let (title, lines) = confirm_rows(confirm);
    let screen = frame.area();
    let width = super::popup::popup_width(screen).min(64);
    let text_width = usize::from(width.saturating_sub(2));
    let rows: Vec<Row> = lines
        .iter()
        .flat_map(|l| {
            wrap(
                &Para::indented(Row::new(), vec![Segment::new(l.clone(), Role::Text)]),
                text_width,
            )
        })
        .collect();
    let height = u16::try_from(rows.len() + 2)
        .unwrap_or(u16::MAX)
        .min(screen.height);
    let area = Rect::new(
        screen.x + screen.width.saturating_sub(width) / 2,
        screen.y + screen.height.saturating_sub(height) / 2,
        width.min(screen.width),
        height,
    );
    frame.render_widget(Clear, area);
    let block = pane(title, &app.theme, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(
        Paragraph::new(
            rows.iter()
                .map(|r| line(r, &app.theme))
                .collect::<Vec<Line>>(),
        ),
        inner,
    );
}
