//! Templates × data: any template renders or errors, within the output limit, whatever the
//! data. Input: `template\0data-json` (data defaults to a Botpress-like state).
#![no_main]

use interbot::template::{self, MAX_OUTPUT_BYTES};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (source, state) = text.split_once('\0').unwrap_or((text, ""));
    let state: Value = serde_json::from_str(state).unwrap_or_else(|_| {
        json!({"temp": {"delegation": [{"botId": "sub1", "botUrl": "http://x/s/sub1",
            "answer": "<b>hi</b>", "confidence": 0.9}]}, "a": [1, 2, 3], "s": "x"})
    });
    let validated = template::validate(source);
    match template::render(source, &state) {
        Ok(out) => {
            assert!(out.len() <= MAX_OUTPUT_BYTES);
            assert!(validated.is_ok(), "rendered but did not validate");
        }
        Err(_) => {}
    }
});
