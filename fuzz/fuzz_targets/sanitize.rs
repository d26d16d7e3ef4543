//! The sanitizer: whatever the text, what it returns holds nothing a terminal acts on, and
//! the terminal-safe JSON encoding parses back to the same text.
#![no_main]

use interbot::text::{is_terminal_unsafe, sanitize, sanitize_line, to_json_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let safe = sanitize(&text);
    assert!(!safe.chars().any(is_terminal_unsafe), "{safe:?}");
    let line = sanitize_line(&text);
    assert!(
        !line.chars().any(|c| c == '\n' || is_terminal_unsafe(c)),
        "{line:?}"
    );
    let json = to_json_line(text.as_ref()).expect("a string serializes");
    assert!(
        !json.chars().any(|c| c == '\n' || is_terminal_unsafe(c)),
        "{json:?}"
    );
    let back: String = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back, text);
});
