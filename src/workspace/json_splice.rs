//! Writing a changed JSON document back into the text it was read from, changing only the
//! text of the values that changed: a hand-laid-out file (one-line arrays inside a pretty
//! file, its own spacing) keeps its layout everywhere else. The result is checked by parsing
//! it again; when anything does not line up, the caller writes the whole document instead.

use serde_json::Value;

use super::json_style::JsonStyle;

/// Where one value lies in the text, and where its children lie.
enum Span {
    Leaf(usize, usize),
    Object(usize, usize, Vec<(String, Span)>),
    Array(usize, usize, Vec<Span>),
}

impl Span {
    fn range(&self) -> (usize, usize) {
        match self {
            Span::Leaf(s, e) | Span::Object(s, e, _) | Span::Array(s, e, _) => (*s, *e),
        }
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn string_end(&mut self) -> Option<usize> {
        // at the opening quote
        self.at += 1;
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'\\' => self.at += 1,
                b'"' => return Some(self.at),
                _ => {}
            }
        }
        None
    }

    fn value(&mut self) -> Option<Span> {
        self.skip_ws();
        let start = self.at;
        match self.peek()? {
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b'}' => {
                            self.at += 1;
                            return Some(Span::Object(start, self.at, members));
                        }
                        b',' => self.at += 1,
                        b'"' => {
                            let key_start = self.at;
                            let key_end = self.string_end()?;
                            let key: String =
                                serde_json::from_str(self.text.get(key_start..key_end)?).ok()?;
                            self.skip_ws();
                            if self.peek()? != b':' {
                                return None;
                            }
                            self.at += 1;
                            members.push((key, self.value()?));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b']' => {
                            self.at += 1;
                            return Some(Span::Array(start, self.at, items));
                        }
                        b',' => self.at += 1,
                        _ => items.push(self.value()?),
                    }
                }
            }
            b'"' => {
                let end = self.string_end()?;
                Some(Span::Leaf(start, end))
            }
            _ => {
                while let Some(b) = self.peek() {
                    if b.is_ascii_whitespace() || matches!(b, b',' | b']' | b'}') {
                        break;
                    }
                    self.at += 1;
                }
                (self.at > start).then_some(Span::Leaf(start, self.at))
            }
        }
    }
}

/// `text` (which holds `old`) with `new` written in, or `None` when it cannot be done
/// safely (the caller then writes the whole document in the file's style).
pub fn splice(text: &str, old: &Value, new: &Value, style: &JsonStyle) -> Option<String> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        text,
        at: 0,
    };
    let root = scanner.value()?;
    let (start, end) = root.range();
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(text.get(..start)?);
    write_value(text, &root, old, new, style, &mut out)?;
    out.push_str(text.get(end..)?);
    let reparsed: Value = serde_json::from_str(&out).ok()?;
    (reparsed == *new).then_some(out)
}

fn write_value(
    text: &str,
    span: &Span,
    old: &Value,
    new: &Value,
    style: &JsonStyle,
    out: &mut String,
) -> Option<()> {
    let (start, end) = span.range();
    if old == new {
        out.push_str(text.get(start..end)?);
        return Some(());
    }
    match (span, old, new) {
        (Span::Object(_, _, members), Value::Object(o), Value::Object(n))
            if o.keys().eq(n.keys()) && members.len() == o.len() =>
        {
            let mut at = start;
            for ((key, child), (old_key, old_child)) in members.iter().zip(o) {
                if key != old_key {
                    return None;
                }
                let (child_start, child_end) = child.range();
                out.push_str(text.get(at..child_start)?);
                write_value(text, child, old_child, n.get(key)?, style, out)?;
                at = child_end;
            }
            out.push_str(text.get(at..end)?);
            Some(())
        }
        (Span::Object(_, _, members), Value::Object(o), Value::Object(n))
            if !members.is_empty()
                && members.len() == o.len()
                && n.len() > o.len()
                && o.keys().eq(n.keys().take(o.len())) =>
        {
            // Keys added at the end (as a save adds `action`): the old members as they
            // are, then each new one laid out like the last old one.
            let mut at = start;
            for ((key, child), (old_key, old_child)) in members.iter().zip(o) {
                if key != old_key {
                    return None;
                }
                let (child_start, child_end) = child.range();
                out.push_str(text.get(at..child_start)?);
                write_value(text, child, old_child, n.get(key)?, style, out)?;
                at = child_end;
            }
            let (last_start, _) = members.last()?.1.range();
            let line_start = text.get(..last_start)?.rfind('\n').map_or(0, |i| i + 1);
            let multi_line = text.get(start..end)?.contains('\n');
            let lead: String = text
                .get(line_start..last_start)?
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            let spaced = text.get(start..end)?.contains(": ");
            for (key, value) in n.iter().skip(o.len()) {
                let key = serde_json::to_string(key).ok()?;
                let colon = if spaced || multi_line { ": " } else { ":" };
                let value = if multi_line {
                    JsonStyle {
                        final_newline: false,
                        ..style.clone()
                    }
                    .render(value)
                    .ok()?
                    .replace('\n', &format!("\n{lead}"))
                } else {
                    JsonStyle {
                        indent: None,
                        spaced,
                        final_newline: false,
                    }
                    .render(value)
                    .ok()?
                };
                if multi_line {
                    out.push_str(&format!(",\n{lead}{key}{colon}{value}"));
                } else if spaced {
                    out.push_str(&format!(", {key}{colon}{value}"));
                } else {
                    out.push_str(&format!(",{key}{colon}{value}"));
                }
            }
            out.push_str(text.get(at..end)?);
            Some(())
        }
        (Span::Array(_, _, items), Value::Array(o), Value::Array(n))
            if o.len() == n.len() && items.len() == o.len() =>
        {
            let mut at = start;
            for ((child, old_child), new_child) in items.iter().zip(o).zip(n) {
                let (child_start, child_end) = child.range();
                out.push_str(text.get(at..child_start)?);
                write_value(text, child, old_child, new_child, style, out)?;
                at = child_end;
            }
            out.push_str(text.get(at..end)?);
            Some(())
        }
        _ => {
            let original = text.get(start..end)?;
            let rendered = if original.contains('\n')
                || matches!(new, Value::Object(_)) && original.len() <= 2 && style.indent.is_some()
            {
                let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
                let lead: String = text
                    .get(line_start..start)?
                    .chars()
                    .take_while(|c| c.is_whitespace())
                    .collect();
                let pretty = JsonStyle {
                    final_newline: false,
                    ..style.clone()
                }
                .render(new)
                .ok()?;
                pretty.replace('\n', &format!("\n{lead}"))
            } else {
                JsonStyle {
                    indent: None,
                    spaced: original.contains(", ") || original.contains(": "),
                    final_newline: false,
                }
                .render(new)
                .ok()?
            };
            out.push_str(&rendered);
            Some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_changed_values_are_rewritten() {
        let text = "{\n  \"id\": \"e1\",\n  \"data\": {\n    \"questions\": [\"a\", \"b\"],\n    \"answers\": [\n      \"x\"\n    ],\n    \"enabled\": true\n  }\n}\n";
        let old: Value = serde_json::from_str(text).unwrap_or_default();
        let mut new = old.clone();
        new["data"]["enabled"] = json!(false);
        new["data"]["questions"] = json!(["a", "b", "c"]);
        new["data"]["answers"] = json!(["x", "y"]);
        let style = JsonStyle::of(text);
        assert_eq!(
            splice(text, &old, &new, &style).as_deref(),
            Some(
                "{\n  \"id\": \"e1\",\n  \"data\": {\n    \"questions\": [\"a\", \"b\", \"c\"],\n    \"answers\": [\n      \"x\",\n      \"y\"\n    ],\n    \"enabled\": false\n  }\n}\n"
            )
        );
    }
}
