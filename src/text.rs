//! Making untrusted text (QnA answers, templates, file names) safe for a terminal.
//!
//! Control characters and escape sequences from bots must never reach the terminal: an answer
//! holding `\x1b]0;pwned\x07` would retitle the window, `\x1b[2J` would clear the screen. They
//! are shown instead as visible caret escapes (`^[`, `^G`), as atuin's inspector does, so a
//! user can see that the text holds them.

/// `text` with every control character made visible; newlines are kept, tabs become spaces.
pub fn sanitize(text: &str) -> String {
    escape(text, true)
}

/// Like [`sanitize`], for one-line places (a table cell): newlines become `⏎`.
pub fn sanitize_line(text: &str) -> String {
    escape(text, false)
}

/// A confidence with two decimals, truncated rather than rounded, so what is shown never
/// contradicts a pass/fail against a two-decimal threshold (0.4996 shows as 0.49, not 0.50).
pub fn confidence(value: f64) -> String {
    let truncated = (value.clamp(0.0, 1.0) * 100.0).floor() / 100.0;
    format!("{truncated:.2}")
}

/// C1 controls (8-bit CSI, OSC, NEL …), bidirectional overrides, embeddings, isolates and
/// marks that can disguise text, and the Unicode line and paragraph separators: characters a
/// terminal may act on but a reader cannot see.
pub fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// Whether `c` must never reach a terminal raw: every control character but newline and tab,
/// DEL, and the [`is_invisible_control`] ones.
pub fn is_terminal_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_invisible_control(c)
}

fn escape(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' => out.push('⏎'),
            '\t' => out.push_str("    "),
            '\r' => {}
            '\u{0}'..='\u{1f}' => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            '\u{7f}' => out.push_str("^?"),
            c if is_invisible_control(c) => {
                out.push_str(&format!("<U+{:04X}>", c as u32));
            }
            _ => out.push(c),
        }
    }
    out
}

/// `value` as one line of JSON in which every [`is_terminal_unsafe`] character, and DEL, is
/// escaped as `\uXXXX` (serde_json escapes only C0 controls), so JSON printed to a terminal is
/// as safe as sanitized text and still parses to the same value.
pub fn to_json_line<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    to_json_with(value, serde_json::ser::CompactFormatter)
}

/// Like [`to_json_line`], indented with two spaces.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    to_json_with(value, serde_json::ser::PrettyFormatter::new())
}

/// [`to_json_line`] written straight to `out`, without its newline: no string is made on
/// the way (a batch of `ask --json` writes a line per turn).
pub fn write_json_line<W, T>(out: &mut W, value: &T) -> serde_json::Result<()>
where
    W: std::io::Write + ?Sized,
    T: serde::Serialize + ?Sized,
{
    let formatter = SafeFormatter(serde_json::ser::CompactFormatter);
    value.serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
}

fn to_json_with<T, F>(value: &T, formatter: F) -> serde_json::Result<String>
where
    T: serde::Serialize + ?Sized,
    F: serde_json::ser::Formatter,
{
    let mut bytes = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut bytes, SafeFormatter(formatter));
    value.serialize(&mut serializer)?;
    // The formatter writes only what serde_json produced (UTF-8) or ASCII escapes.
    String::from_utf8(bytes).map_err(|e| serde_json::Error::io(std::io::Error::other(e)))
}

/// A serde_json formatter that escapes terminal-unsafe characters in strings and delegates
/// every layout decision to the formatter it wraps.
struct SafeFormatter<F>(F);

macro_rules! delegate {
    ($($name:ident),*) => {$(
        fn $name<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
            self.0.$name(writer)
        }
    )*};
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeFormatter<F> {
    delegate!(
        begin_array,
        end_array,
        begin_object,
        end_object,
        end_array_value,
        end_object_value,
        begin_object_value,
        end_object_key
    );

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // ASCII below DEL needs no escape here (serde_json escapes C0 controls itself).
        if fragment.bytes().all(|b| b < 0x7f) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c == '\u{7f}' || is_invisible_control(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_made_visible() {
        let hostile = "hi\x1b]0;pwned\x07 \x1b[2J\u{9b}31m";
        let safe = sanitize(hostile);
        assert_eq!(safe, "hi^[]0;pwned^G ^[[2J<U+009B>31m");
        assert!(!safe.chars().any(|c| c.is_control()));
    }

    #[test]
    fn json_escapes_c1_bidi_and_del_and_still_parses() -> serde_json::Result<()> {
        let hostile = "a\u{9b}31m\u{85}\u{202e}\u{7f}\x1b[2J é";
        let value = serde_json::json!({"k\u{202e}": [hostile], "n": 1});
        for text in [to_json_line(&value)?, to_json_pretty(&value)?] {
            assert!(
                !text.chars().any(is_terminal_unsafe_or_del_in_line),
                "{text}"
            );
            assert!(text.contains("\\u009b") && text.contains("\\u202e"));
            let back: serde_json::Value = serde_json::from_str(&text)?;
            assert_eq!(back, value);
        }
        assert_eq!(to_json_line(&value)?.lines().count(), 1);
        Ok(())
    }

    fn is_terminal_unsafe_or_del_in_line(c: char) -> bool {
        c != '\n' && is_terminal_unsafe(c)
    }

    #[test]
    fn newlines_kept_or_folded() {
        assert_eq!(sanitize("a\r\nb\tc"), "a\nb    c");
        assert_eq!(sanitize_line("a\nb"), "a⏎b");
    }

    #[test]
    fn confidences_are_truncated_not_rounded() {
        assert_eq!(confidence(0.4996), "0.49");
        assert_eq!(confidence(0.5), "0.50");
        assert_eq!(confidence(1.0), "1.00");
        assert_eq!(confidence(0.0), "0.00");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let text = "Café ☕ 日本語 > quote [link](http://x)";
        assert_eq!(sanitize(text), text);
    }
}
