//! The condition language of `next[].condition`: a small, safe subset of JavaScript
//! expressions (`true`, dotted paths, `.length`, `!`, `&&`, `||`, comparisons, literals) with
//! JavaScript semantics over a `serde_json::Value` state. Text goes through [`lexer`] and
//! [`parser`] once, when the flow loads; [`eval`] then runs on every turn. Nothing is ever
//! evaluated as code, and nesting is bounded ([`parser::MAX_DEPTH`]).

mod error;
mod eval;
mod lexer;
mod parser;
mod value;

use std::fmt;

use serde_json::Value;

pub use error::ExprError;

/// JavaScript's `Number(value)` of a JSON value: `null`, `""`, `false` and `[]` are 0,
/// `"0x1f"` is 31, text that is no number is NaN.
pub fn js_number(value: &Value) -> f64 {
    value::JsValue::from_json(value).to_number()
}
use parser::Expr;

/// A parsed `next[].condition`, evaluated with JavaScript semantics against a state object
/// such as `{"temp": {...}, "user": {...}, "session": {...}, "event": {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    source: String,
    expr: Expr,
}

impl Condition {
    /// Parses a condition, rejecting anything outside the supported subset.
    pub fn parse(source: &str) -> Result<Condition, ExprError> {
        let expr = parser::parse(source)?;
        Ok(Condition {
            source: source.to_string(),
            expr,
        })
    }

    /// Whether the condition holds: the JavaScript truthiness of its value. Missing paths
    /// are `undefined` (never an error).
    pub fn eval(&self, state: &Value) -> bool {
        eval::eval(&self.expr, state).truthy()
    }

    /// The condition as written in the flow.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> Value {
        json!({"temp": {
            "delegation": [{"botId": "sub1", "confidence": 0.8}], "empty": [], "x": "a", "n": 3,
            "flag": false, "yes": true, "s": "", "zero": 0, "obj": {}, "str0": "0", "nul": null,
            "emoji": "😀a", "nums": [1, 2], "one": [1], "neg": -1
        }})
    }

    fn holds(source: &str, state: &Value) -> bool {
        let condition = Condition::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        condition.eval(state)
    }

    #[test]
    fn botpress_delegation_condition() {
        let source = "temp.delegation && temp.delegation.length";
        let one_match = json!({"temp": {"delegation": [{"botId": "sub1", "confidence": 0.9}]}});
        assert!(holds(source, &one_match));
        assert!(!holds(source, &json!({"temp": {"delegation": []}})));
        for missing in [
            json!({}),
            json!({"temp": {}}),
            json!({"temp": null}),
            json!(null),
        ] {
            assert!(!holds(source, &missing), "{missing}");
        }
    }

    #[test]
    fn conditions_follow_javascript() {
        let cases: &[(&str, bool)] = &[
            ("true", true),
            ("false", false),
            ("temp.delegation.length > 0", true),
            ("temp.empty.length > 0", false),
            ("temp.delegation.0.confidence >= 0.5", true),
            ("temp.delegation[0].confidence >= 0.9", false),
            ("temp.delegation.0.botId === 'sub1'", true),
            (r#"temp['delegation'][0]["botId"] == "sub1""#, true),
            (r#"temp.x == "a""#, true),
            ("temp.x == 'b'", false),
            ("temp.n != 3", false),
            ("temp.n !== '3'", true),
            ("!temp.flag", true),
            ("!!temp.flag", false),
            ("temp.flag || temp.yes", true),
            ("temp.flag || temp.s", false),
            ("(temp.s || temp.x) == 'a'", true),
            ("(temp.n && temp.x) === 'a'", true),
            ("(temp.flag || temp.yes) && !(temp.n < 2)", true),
            ("temp.flag || temp.yes && temp.flag", false),
            ("!temp.n == false", true),
            ("temp.s", false),
            ("temp.zero", false),
            ("temp.empty", true),
            ("temp.obj", true),
            ("temp.str0", true),
            ("temp.nul", false),
            ("temp.missing", false),
            ("temp.missing.deeper.still", false),
            ("nothing.at.all.length", false),
            ("NaN", false),
            ("-0", false),
            ("temp.neg == -1", true),
            ("null == undefined", true),
            ("null === undefined", false),
            ("temp.nul == temp.missing", true),
            ("temp.nul == 0", false),
            (r#"1 == "1""#, true),
            (r#"1 === "1""#, false),
            ("true == 1 && '1' == true", true),
            ("temp.empty == false", true),
            ("temp.one == 1 && temp.nums == '1,2'", true),
            ("temp.obj == '[object Object]'", true),
            ("temp.empty == temp.empty && temp.empty !== temp.nums", true),
            ("temp.emoji.length == 3", true),
            ("temp.x.length === 1 && temp.n.length === undefined", true),
            ("'abc'.length == 3", true),
            ("'b' > 'a' && 'B' < 'a' && 'a' <= 'a'", true),
            ("'10' < '9'", true),
            ("'10' < 9", false),
            ("temp.missing < 1 || temp.missing >= 1", false),
            ("NaN == NaN", false),
            ("null >= 0 && null <= 0", true),
            ("1e3 == 1000 && 1e-3 == 0.001 && 1E+2 == 100", true),
            ("' 16 ' == 16 && '' == 0 && 'x' != 0", true),
            (r#"'\u00e9\t' == 'é	' && "\"q\"".length == 3"#, true),
            (
                "temp.nums.5 === undefined && temp.nums.01 === undefined",
                true,
            ),
        ];
        let state = state();
        for (source, expected) in cases {
            assert_eq!(holds(source, &state), *expected, "{source}");
        }
    }

    #[test]
    fn unsupported_syntax_is_a_clear_error() {
        let deep_parens = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        let deep_not = format!("{}a", "!".repeat(10_000));
        let long_chain = vec!["a"; 5_000].join(" && ");
        let cases: Vec<(&str, usize, &str)> = vec![
            ("foo()", 4, "function calls"),
            ("temp.x.includes('a')", 16, "function calls"),
            ("a = 1", 3, "assignment"),
            ("a + 1", 3, "arithmetic"),
            ("a - 1", 3, "arithmetic"),
            ("-a", 1, "unary '-'"),
            ("a ? b : c", 3, "conditional"),
            ("'abc", 1, "unterminated string"),
            ("a == \"x\\", 6, "unterminated string"),
            (r"'\u12'", 2, "invalid escape"),
            (r"'\ud83d'", 2, "invalid escape"),
            ("", 1, "empty expression"),
            ("   ", 4, "empty expression"),
            ("typeof a", 1, "'typeof' is not supported"),
            ("`a`", 1, "template literals"),
            ("a; b", 2, "';'"),
            ("(a", 3, "expected ')'"),
            ("a.", 3, "property name"),
            ("a[b]", 3, "literal"),
            ("a b", 3, "unexpected 'b'"),
            ("a &&", 5, "ends too early"),
            ("a & b", 3, "bitwise"),
            ("[1]", 1, "array literals"),
            ("1abc", 1, "invalid number"),
            ("a # b", 3, "unexpected character"),
            ("(a))", 4, "unexpected ')'"),
            ("== a", 1, "unexpected '=='"),
            ("a 'b'", 3, "unexpected string 'b'"),
            (&deep_parens, 129, "nests too deeply"),
            (&deep_not, 129, "nests too deeply"),
            (&long_chain, 643, "nests too deeply"),
        ];
        for (source, column, fragment) in cases {
            let shown: String = source.chars().take(30).collect();
            let error = Condition::parse(source).expect_err(&shown);
            assert!(error.message.contains(fragment), "{shown}: {error}");
            assert_eq!(error.column, column, "{shown}: {error}");
        }
        let nested = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(Condition::parse(&nested).is_ok());
    }

    #[test]
    fn no_input_panics() {
        let seeds = [
            "temp.delegation && temp.delegation.length",
            r#"!(temp.a[0]['b'] >= -1.5e3) || "s\"\u00e9" != null"#,
            "😀.x == '😀' && 1e-1 <= 'é\\u00e9' != 7.",
        ];
        let state = state();
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for start in 0..=chars.len() {
                for end in start..=chars.len() {
                    let text: String = chars[start..end].iter().collect();
                    if let Ok(condition) = Condition::parse(&text) {
                        condition.eval(&state);
                    }
                }
            }
        }
    }
}
