//! Flow files and conditions: any text parses or gives an error; a condition that parses
//! evaluates against any JSON state without panicking.
//!
//! Input: a flow file; or `condition\nstate-json` (both are tried on every input).
#![no_main]

use interbot::flow::{Condition, Flow};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(flow) = Flow::parse(text) {
        assert!(flow.start().is_some(), "a parsed flow has its start node");
    }
    let (condition, state) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(condition) = Condition::parse(condition) {
        let state: Value = serde_json::from_str(state).unwrap_or_else(
            |_| json!({"temp": {"delegation": [{"botId": "sub1", "confidence": 0.9}]}}),
        );
        let _ = condition.eval(&state);
    }
});
