//! Bot replies (Botpress markdown-ish text) as readable styled paragraphs.
//!
//! Only what bot texts commonly hold is understood, and everything else stays as typed:
//!
//! - `[text](url)` shows as `text <url>`, link text and URL in different roles;
//! - `> quote` is indented behind a bar (`│`), also when it wraps;
//! - `# heading`, `**bold**`, `` `code` ``, bullets (`-`, `*`, `+`, `1.`), code fences and
//!   bare or `<…>` URLs get their own roles.
//!
//! The text is sanitized first ([`crate::text::sanitize`]): control characters and escape
//! sequences become visible `^[`-style escapes before any parsing.

use crate::text::sanitize;

use super::theme::Role;
use super::wrap::{Para, Row, Segment, push};

/// Indent of quoted text, in front of its bar.
const QUOTE_INDENT: usize = 2;

/// `text` as paragraphs, one per source line.
pub fn render(text: &str) -> Vec<Para> {
    let clean = sanitize(text);
    let mut paras = Vec::new();
    let mut in_fence = false;
    for line in clean.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            let body = vec![Segment::new(line, Role::Code)];
            paras.push(Para::indented(vec![Segment::new("  ", Role::Text)], body));
            continue;
        }
        paras.push(block(line));
    }
    paras
}

/// One source line outside a code fence.
fn block(line: &str) -> Para {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if let Some(quote) = trimmed.strip_prefix('>') {
        return quoted(quote);
    }
    if let Some(title) = heading(trimmed) {
        return Para {
            body: inline(title, Role::Heading),
            ..Para::default()
        }
        .indent(indent);
    }
    if let Some((marker, rest)) = list_item(trimmed) {
        let pad = " ".repeat(super::wrap::width(&marker));
        return Para {
            first: vec![Segment::new(marker, Role::Strong)],
            rest: vec![Segment::new(pad, Role::Text)],
            body: inline(rest, Role::Text),
        }
        .indent(indent);
    }
    Para {
        body: inline(trimmed, Role::Text),
        ..Para::default()
    }
    .indent(indent)
}

/// A quote line (after its first `>`); nested `>` add bars.
fn quoted(mut rest: &str) -> Para {
    let mut depth = 1;
    loop {
        let next = rest.trim_start();
        match next.strip_prefix('>') {
            Some(more) => {
                depth += 1;
                rest = more;
            }
            None => break,
        }
    }
    let text = rest.strip_prefix(' ').unwrap_or(rest);
    let bars: Row = vec![Segment::new("│ ".repeat(depth), Role::QuoteBar)];
    Para::indented(bars, inline(text, Role::Quote)).indent(QUOTE_INDENT)
}

fn heading(line: &str) -> Option<&str> {
    let level = line.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&level) {
        line[level..].strip_prefix(' ')
    } else {
        None
    }
}

/// `- x`, `* x`, `+ x` become `• x`; `12. x` keeps its number.
fn list_item(line: &str) -> Option<(String, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(("• ".to_string(), rest));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0
        && digits < 4
        && let Some(rest) = line[digits..].strip_prefix(". ")
    {
        return Some((format!("{}. ", &line[..digits]), rest));
    }
    None
}

/// Inline markup of one line: links, bold, code, URLs.
fn inline(text: &str, base: Role) -> Row {
    let mut row = Row::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some((consumed, parts)) = markup(rest) {
            for (part, role) in parts {
                push(&mut row, &part, role);
            }
            rest = &rest[consumed..];
            continue;
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or_default();
        let mut buf = [0u8; 4];
        push(&mut row, c.encode_utf8(&mut buf), base);
        rest = chars.as_str();
    }
    row
}

type Parts = Vec<(String, Role)>;

/// Markup starting at the beginning of `text`: bytes consumed and what to show.
fn markup(text: &str) -> Option<(usize, Parts)> {
    if let Some(found) = link(text) {
        return Some(found);
    }
    if let Some(inner) = text.strip_prefix("**") {
        let end = inner.find("**").filter(|end| *end > 0)?;
        return Some((end + 4, vec![(inner[..end].to_string(), Role::Strong)]));
    }
    if let Some(inner) = text.strip_prefix('`') {
        let end = inner.find('`').filter(|end| *end > 0)?;
        return Some((end + 2, vec![(inner[..end].to_string(), Role::Code)]));
    }
    if let Some(inner) = text.strip_prefix('<') {
        let end = inner.find('>')?;
        let url = &inner[..end];
        if is_url(url) && !url.contains(char::is_whitespace) {
            return Some((end + 2, vec![(format!("<{url}>"), Role::Url)]));
        }
        return None;
    }
    if is_url(text) {
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        return Some((end, vec![(text[..end].to_string(), Role::Url)]));
    }
    None
}

fn is_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

/// `[text](url)` or `![alt](url)` at the start of `text`.
fn link(text: &str) -> Option<(usize, Parts)> {
    let (image, body) = match text.strip_prefix("![") {
        Some(body) => (true, body),
        None => (false, text.strip_prefix('[')?),
    };
    let close = body.find("](")?;
    let label = &body[..close];
    if label.contains('[') {
        return None;
    }
    let after = &body[close + 2..];
    let end = after.find(')')?;
    let url = after[..end].trim();
    if url.is_empty() || url.contains(char::is_whitespace) {
        return None;
    }
    let opener = if image { 2 } else { 1 };
    let consumed = opener + close + 2 + end + 1;
    let label = if image {
        format!("image: {label}")
    } else {
        label.to_string()
    };
    let mut parts = Parts::new();
    if !label.is_empty() {
        parts.push((label, Role::LinkText));
        parts.push((" ".to_string(), Role::Text));
    }
    parts.push((format!("<{url}>"), Role::Url));
    Some((consumed, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(para: &Para) -> String {
        para.first
            .iter()
            .chain(&para.body)
            .map(|s| s.text.as_str())
            .collect()
    }

    fn roles(para: &Para) -> Vec<(String, Role)> {
        para.body.iter().map(|s| (s.text.clone(), s.role)).collect()
    }

    #[test]
    fn links_show_text_and_url_apart() {
        let paras = render("[Talk to sub1](http://localhost:3000/s/sub1)");
        assert_eq!(
            shown(&paras[0]),
            "Talk to sub1 <http://localhost:3000/s/sub1>"
        );
        assert_eq!(
            roles(&paras[0]),
            [
                ("Talk to sub1".to_string(), Role::LinkText),
                (" ".to_string(), Role::Text),
                ("<http://localhost:3000/s/sub1>".to_string(), Role::Url),
            ]
        );
    }

    #[test]
    fn quotes_are_indented_behind_a_bar() {
        let paras = render("By the way:\n> I can help you\n>> deeper");
        assert_eq!(shown(&paras[1]), "  │ I can help you");
        assert_eq!(paras[1].rest, paras[1].first);
        assert_eq!(paras[1].body[0].role, Role::Quote);
        assert_eq!(shown(&paras[2]), "  │ │ deeper");
    }

    #[test]
    fn the_botpress_example_reads_cleanly() {
        let text = "The chatbot sub1 can help you with that question.\n\n[Talk to sub1](http://localhost:3000/s/sub1)\n\nBy the way, sub1 is telling you:\n> I can help you answer payroll questions";
        let lines: Vec<String> = render(text).iter().map(shown).collect();
        assert_eq!(
            lines,
            [
                "The chatbot sub1 can help you with that question.",
                "",
                "Talk to sub1 <http://localhost:3000/s/sub1>",
                "",
                "By the way, sub1 is telling you:",
                "  │ I can help you answer payroll questions",
            ]
        );
    }

    #[test]
    fn other_markup() {
        let paras = render(
            "# Title\n- **bold** and `code`\n2. see https://x.y/z now\n```\n[not](a link)\n```",
        );
        assert_eq!(shown(&paras[0]), "Title");
        assert_eq!(paras[0].body[0].role, Role::Heading);
        assert_eq!(shown(&paras[1]), "• bold and code");
        assert_eq!(paras[1].body[0], Segment::new("bold", Role::Strong));
        assert_eq!(paras[1].body[2], Segment::new("code", Role::Code));
        assert_eq!(paras[2].body[1], Segment::new("https://x.y/z", Role::Url));
        assert_eq!(shown(&paras[3]), "  [not](a link)");
    }

    #[test]
    fn broken_markup_stays_as_typed() {
        for text in [
            "[open",
            "[a](b c)",
            "**x",
            "`x",
            "[]()",
            "<notaurl>",
            "a > b",
        ] {
            let paras = render(text);
            assert_eq!(shown(&paras[0]), text);
        }
    }

    #[test]
    fn control_characters_are_escaped_before_parsing() {
        let paras = render("hi \x1b]0;pwned\x07 [x](http://a\x1b[2J)");
        let all = shown(&paras[0]);
        assert!(!all.chars().any(char::is_control), "{all:?}");
        assert!(all.contains("^[]0;pwned^G"));
    }
}
