//! JSON for stdout: what serde_json writes, with the characters a terminal would act on
//! escaped too.

/// JSON with C1 controls and bidirectional overrides escaped as `\uXXXX` (serde_json escapes
/// only C0 controls): such characters can only occur inside strings, where the escape means
/// the same character.
pub fn json_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            _ => out.push(c),
        }
    }
    out
}

/// `value` as pretty JSON, made [`json_safe`], and a newline.
pub fn write_pretty(
    out: &mut impl std::io::Write,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    writeln!(out, "{}", json_safe(&serde_json::to_string_pretty(value)?))?;
    Ok(())
}
