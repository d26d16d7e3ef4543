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
            // C1 controls (8-bit CSI, OSC …) and bidirectional overrides that can disguise text.
            '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("<U+{:04X}>", c as u32));
            }
            _ => out.push(c),
        }
    }
    out
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
