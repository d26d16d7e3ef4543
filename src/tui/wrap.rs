//! Styled text and width-aware wrapping.
//!
//! Widths are terminal columns (`unicode-width`), so CJK and emoji count double and are never
//! split across rows. Words wrap at spaces; a word longer than a row breaks between
//! characters; a wide character may break anywhere, as CJK text does.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Role;

/// A run of text with one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The text (already sanitized: no control characters).
    pub text: String,
    /// What it is.
    pub role: Role,
}

impl Segment {
    /// A segment.
    pub fn new(text: impl Into<String>, role: Role) -> Self {
        Self {
            text: text.into(),
            role,
        }
    }
}

/// One screen row.
pub type Row = Vec<Segment>;

/// A logical line to wrap: a body after a prefix on its first row and another prefix on the
/// rows it continues on (a quote bar, a bullet, an indent).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Para {
    /// Prefix of the first row.
    pub first: Row,
    /// Prefix of every further row.
    pub rest: Row,
    /// The text.
    pub body: Row,
}

impl Para {
    /// A paragraph with the same prefix on every row.
    pub fn indented(prefix: Row, body: Row) -> Self {
        Self {
            first: prefix.clone(),
            rest: prefix,
            body,
        }
    }

    /// The same paragraph with `indent` spaces in front of both prefixes.
    pub fn indent(mut self, indent: usize) -> Self {
        if indent > 0 {
            let pad = " ".repeat(indent);
            self.first.insert(0, Segment::new(pad.clone(), Role::Text));
            self.rest.insert(0, Segment::new(pad, Role::Text));
        }
        self
    }
}

/// Columns `text` takes in a terminal.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Columns a row takes.
pub fn row_width(row: &[Segment]) -> usize {
    row.iter().map(|s| width(&s.text)).sum()
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// `text` cut to at most `max` columns, ending in `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    cut(text, max)
}

/// `text` cut to fewer than `max` columns plus `…`, even when it would fit.
fn cut(text: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `row` cut to at most `max` columns (the last segment ends in `…` when cut).
pub fn fit(row: Row, max: usize) -> Row {
    let mut out = Row::new();
    let mut used = 0;
    let total = row_width(&row);
    for segment in row {
        let w = width(&segment.text);
        if total <= max || used + w < max {
            used += w;
            out.push(segment);
            continue;
        }
        let text = cut(&segment.text, max.saturating_sub(used));
        if !text.is_empty() {
            out.push(Segment::new(text, segment.role));
        }
        break;
    }
    out
}

/// Appends text to a row, merging with the last segment when the role is the same.
pub fn push(row: &mut Row, text: &str, role: Role) {
    if text.is_empty() {
        return;
    }
    match row.last_mut() {
        Some(last) if last.role == role => last.text.push_str(text),
        _ => row.push(Segment::new(text, role)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    Word,
    Wide,
}

/// Splits a body into spaces, words and single wide characters, keeping roles.
fn tokens(body: &[Segment]) -> Vec<(String, Role, Kind)> {
    let mut out: Vec<(String, Role, Kind)> = Vec::new();
    for segment in body {
        let mut current: Option<(String, Kind)> = None;
        for c in segment.text.chars() {
            let w = char_width(c);
            let kind = if c.is_whitespace() {
                Kind::Space
            } else if w >= 2 {
                Kind::Wide
            } else {
                Kind::Word
            };
            match current.as_mut() {
                // Zero-width characters (combining marks) stay with what they follow.
                Some((text, _)) if w == 0 && !c.is_whitespace() => text.push(c),
                Some((text, k)) if *k == kind && kind != Kind::Wide => text.push(c),
                _ => {
                    if let Some((text, k)) = current.take() {
                        out.push((text, segment.role, k));
                    }
                    current = Some((c.to_string(), kind));
                }
            }
        }
        if let Some((text, k)) = current {
            out.push((text, segment.role, k));
        }
    }
    out
}

struct Builder<'a> {
    para: &'a Para,
    width: usize,
    rows: Vec<Row>,
    row: Row,
    used: usize,
    has_body: bool,
}

impl Builder<'_> {
    /// Ends the current row (without trailing spaces after its text).
    fn finish_row(&mut self) -> Row {
        let mut done = std::mem::take(&mut self.row);
        if self.has_body {
            while let Some(last) = done.last_mut() {
                let kept = last.text.trim_end().len();
                if kept > 0 {
                    last.text.truncate(kept);
                    break;
                }
                done.pop();
            }
        }
        done
    }

    fn new_row(&mut self) {
        let done = self.finish_row();
        self.row = self.para.rest.clone();
        self.rows.push(done);
        self.used = row_width(&self.para.rest);
        self.has_body = false;
    }

    fn add(&mut self, text: &str, role: Role) {
        self.used += width(text);
        self.has_body = true;
        push(&mut self.row, text, role);
    }

    fn word(&mut self, text: &str, role: Role) {
        let w = width(text);
        if self.used + w <= self.width {
            self.add(text, role);
            return;
        }
        if self.has_body && row_width(&self.para.rest) + w <= self.width {
            self.new_row();
            self.add(text, role);
            return;
        }
        // Longer than a row: break between characters.
        for c in text.chars() {
            let cw = char_width(c);
            if self.has_body && self.used + cw > self.width {
                self.new_row();
            }
            let mut buf = [0u8; 4];
            self.add(c.encode_utf8(&mut buf), role);
        }
    }

    fn space(&mut self, text: &str, role: Role) {
        if !self.has_body {
            return;
        }
        if self.used + width(text) <= self.width {
            self.add(text, role);
        } else {
            self.new_row();
        }
    }
}

/// Wraps a paragraph to rows of at most `width` columns (a prefix wider than `width` is cut
/// by the drawing, never looped on).
pub fn wrap(para: &Para, width: usize) -> Vec<Row> {
    let mut builder = Builder {
        para,
        width,
        rows: Vec::new(),
        row: para.first.clone(),
        used: row_width(&para.first),
        has_body: false,
    };
    for (text, role, kind) in tokens(&para.body) {
        match kind {
            Kind::Space => builder.space(&text, role),
            Kind::Word | Kind::Wide => builder.word(&text, role),
        }
    }
    let last = builder.finish_row();
    builder.rows.push(last);
    builder.rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Para {
        Para {
            body: vec![Segment::new(text, Role::Text)],
            ..Para::default()
        }
    }

    fn texts(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.text.as_str()).collect::<String>())
            .collect()
    }

    #[test]
    fn words_wrap_at_spaces() {
        let rows = wrap(&plain("the quick brown fox"), 10);
        assert_eq!(texts(&rows), ["the quick", "brown fox"]);
    }

    #[test]
    fn long_words_break_between_characters() {
        let rows = wrap(&plain("abcdefghij"), 4);
        assert_eq!(texts(&rows), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn wide_characters_are_never_split_nor_overflow() {
        let rows = wrap(&plain("日本語のテキスト"), 5);
        for row in &rows {
            assert!(row_width(row) <= 5, "{row:?}");
        }
        assert_eq!(texts(&rows), ["日本", "語の", "テキ", "スト"]);
        let rows = wrap(&plain("ok 🎉🎉 done"), 4);
        assert_eq!(texts(&rows), ["ok", "🎉🎉", "done"]);
    }

    #[test]
    fn continuation_rows_get_the_rest_prefix() {
        let para = Para {
            first: vec![Segment::new("• ", Role::Text)],
            rest: vec![Segment::new("  ", Role::Text)],
            body: vec![Segment::new("one two three", Role::Text)],
        };
        assert_eq!(texts(&wrap(&para, 9)), ["• one two", "  three"]);
    }

    #[test]
    fn roles_survive_wrapping() {
        let para = Para {
            body: vec![
                Segment::new("see ", Role::Text),
                Segment::new("this link", Role::LinkText),
            ],
            ..Para::default()
        };
        let rows = wrap(&para, 8);
        assert_eq!(rows[1], vec![Segment::new("link", Role::LinkText)]);
    }

    #[test]
    fn degenerate_widths_terminate() {
        let para = Para::indented(
            vec![Segment::new("    ", Role::Text)],
            vec![Segment::new("abc", Role::Text)],
        );
        assert_eq!(wrap(&para, 2).len(), 3);
        assert_eq!(wrap(&plain("abc"), 0).len(), 3);
        assert_eq!(texts(&wrap(&plain(""), 5)), [""]);
    }

    #[test]
    fn truncate_counts_columns() {
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語", 5), "日本…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abc", 0), "");
        let row = fit(
            vec![
                Segment::new("ab", Role::Text),
                Segment::new("cdef", Role::Url),
            ],
            4,
        );
        assert_eq!(texts(&[row]), ["abc…"]);
    }
}
