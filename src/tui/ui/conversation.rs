//! The conversation pane: the user's turns and the bot's replies, wrapped to the pane's width
//! and scrolled (following the bottom unless the user scrolled up).

use ratatui::Frame;
use ratatui::text::Span;

use crate::text::sanitize;

use super::{Areas, pane, paragraph};
use crate::tui::keymap::Mode;
use crate::tui::markdown;
use crate::tui::state::{App, Focus};
use crate::tui::tab::{BotTab, Reply, Scroll};
use crate::tui::theme::Role;
use crate::tui::wrap::{Para, Row, Segment, wrap};

/// Columns the question and replies are indented by under their labels.
const INDENT: usize = 2;

/// A tab's conversation as rows of one width.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transcript {
    /// Every row, top to bottom.
    pub rows: Vec<Row>,
    /// The first row of each exchange.
    pub starts: Vec<usize>,
}

/// The conversation of `tab` wrapped to `width` columns.
pub fn transcript(tab: &BotTab, width: usize) -> Transcript {
    let mut out = Transcript::default();
    if tab.exchanges.is_empty() {
        let intro = if tab.is_master {
            format!(
                "Ask {} a question below. It asks its sub-bots, answers like Botpress's delegation example, and the trace shows every bot asked.",
                tab.name
            )
        } else if let Some(url) = &tab.remote {
            format!(
                "Ask {} ({}) directly: a remote bot (⇄) at {url}, asked over Botpress's converse API. Its QnA lives on that machine and cannot be edited here; the trace shows its confidence, latency and any error.",
                tab.name, tab.bot_id
            )
        } else {
            format!(
                "Ask {} ({}) directly; the trace shows its top candidate entries. {} QnA entries.",
                tab.name, tab.bot_id, tab.entries
            )
        };
        let para = Para {
            body: vec![Segment::new(intro, Role::Dim)],
            ..Para::default()
        };
        out.rows.extend(wrap(&para, width));
        return out;
    }
    let selected = tab.trace_index();
    for (index, exchange) in tab.exchanges.iter().enumerate() {
        if index > 0 {
            out.rows.push(Row::new());
        }
        out.starts.push(out.rows.len());
        let marker = if selected == Some(index) {
            "▶ "
        } else {
            "  "
        };
        out.rows.push(vec![
            Segment::new(marker, Role::Selected),
            Segment::new("you", Role::UserLabel),
        ]);
        let question = Para {
            body: vec![Segment::new(
                sanitize(&exchange.question).replace('\n', " "),
                Role::Text,
            )],
            ..Para::default()
        }
        .indent(INDENT);
        out.rows.extend(wrap(&question, width));
        let mut label = vec![
            Segment::new(" ".repeat(INDENT), Role::Text),
            Segment::new(tab.name.clone(), Role::BotLabel),
        ];
        match &exchange.reply {
            Reply::Thinking => {
                label.push(Segment::new(" is thinking…", Role::Thinking));
                out.rows.push(label);
            }
            Reply::Failed(error) => {
                out.rows.push(label);
                out.rows.extend(paragraph_rows(
                    &format!("error: {error}"),
                    Role::Error,
                    width,
                ));
            }
            Reply::Answered(turn) => {
                out.rows.push(label);
                for (n, reply) in turn.replies.iter().enumerate() {
                    if n > 0 {
                        out.rows.push(Row::new());
                    }
                    for para in markdown::render(reply) {
                        out.rows.extend(wrap(&para.indent(INDENT), width));
                    }
                }
                for problem in &turn.problems {
                    out.rows.extend(paragraph_rows(
                        &format!("⚠ {}", sanitize(problem)),
                        Role::Error,
                        width,
                    ));
                }
            }
        }
    }
    out
}

fn paragraph_rows(text: &str, role: Role, width: usize) -> Vec<Row> {
    let para = Para {
        body: vec![Segment::new(text.replace('\n', " "), role)],
        ..Para::default()
    }
    .indent(INDENT);
    wrap(&para, width)
}

/// The first row shown, for a transcript of `total` rows in `height` rows.
pub fn top_row(scroll: Scroll, total: usize, height: usize) -> usize {
    let max_top = total.saturating_sub(height);
    match scroll {
        Scroll::Follow => max_top,
        Scroll::Top(row) => row.min(max_top),
    }
}

/// Draws the conversation of the selected tab.
pub fn draw(frame: &mut Frame, areas: &Areas, app: &App) {
    let Some(tab) = app.tab() else {
        return;
    };
    let text_area = areas.conversation_text;
    let height = usize::from(text_area.height);
    let transcript = transcript(tab, usize::from(text_area.width));
    let top = top_row(tab.scroll, transcript.rows.len(), height);
    let end = (top + height).min(transcript.rows.len());
    let below = transcript.rows.len() - end;
    let shown = paragraph(&transcript.rows[top..end], &app.theme);
    if areas.compact {
        frame.render_widget(shown, text_area);
        return;
    }
    if areas.conversation.height == 0 {
        return;
    }
    let focused = app.mode == Mode::Normal && app.focus == Focus::Conversation;
    let mut block = pane(" Conversation ".to_string(), &app.theme, focused);
    if below > 0 {
        let more = format!(" ↓ {below} more ");
        block = block.title_bottom(Span::styled(more, app.theme.style(Role::Dim)));
    }
    frame.render_widget(block, areas.conversation);
    frame.render_widget(shown, text_area);
}
