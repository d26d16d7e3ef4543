//! The condition language of `next[].condition`: a small, safe subset of JavaScript
//! expressions (`true`, dotted paths, `.length`, `!`, `&&`, `||`, comparisons, literals, and
//! the conversions `Number()`, `String()`, `Boolean()`) with JavaScript semantics over a
//! `serde_json::Value` state, plus Botpress's `lastNode=<name>`. Text goes through [`lexer`] and
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
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// An expression of the supported subset.
    Expr(Expr),
    /// `lastNode=<name>`: Botpress's `TransitionStrategy.runCode`
    /// (`src/bp/core/services/dialog/instruction/strategy.ts`) answers a condition that starts
    /// with `lastNode` before any JavaScript: it holds when the whole text is `lastNode=`
    /// followed by the name of the node entered before the current one (the current one when
    /// it is the first of the turn). `None`: starts with `lastNode` but is no such text, so it
    /// never holds there either.
    LastNode(Option<String>),
    /// Outside the subset ([`Condition::lenient`]): never holds.
    Unsupported(ExprError),
}

impl Condition {
    /// Parses a condition, rejecting anything outside the supported subset.
    pub fn parse(source: &str) -> Result<Condition, ExprError> {
        let kind = match source.strip_prefix("lastNode") {
            Some(rest) => Kind::LastNode(rest.strip_prefix('=').map(str::to_string)),
            None => Kind::Expr(parser::parse(source)?),
        };
        Ok(Condition {
            source: source.to_string(),
            kind,
        })
    }

    /// Parses a condition as a flow file's transition needs it: one outside the supported
    /// subset is kept with its error ([`Condition::unsupported`]) and never holds, so the rest
    /// of the flow still loads and runs.
    pub fn lenient(source: &str) -> Condition {
        Condition::parse(source).unwrap_or_else(|error| Condition {
            source: source.to_string(),
            kind: Kind::Unsupported(error),
        })
    }

    /// Why the condition is outside the supported subset, if it is (it then never holds).
    pub fn unsupported(&self) -> Option<&ExprError> {
        match &self.kind {
            Kind::Unsupported(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the condition holds: the JavaScript truthiness of its value. Missing paths
    /// are `undefined` (never an error). A `lastNode=` condition has no nodes to look at here
    /// and does not hold: see [`Condition::holds`].
    pub fn eval(&self, state: &Value) -> bool {
        self.holds(state, None)
    }

    /// Whether the condition holds in `state` when `last_node` is the node entered before the
    /// current one (or the current one, first of its turn), which `lastNode=` conditions read.
    pub fn holds(&self, state: &Value, last_node: Option<&str>) -> bool {
        match &self.kind {
            Kind::Expr(expr) => eval::eval(expr, state).truthy(),
            Kind::LastNode(name) => name.is_some() && name.as_deref() == last_node,
            Kind::Unsupported(_) => false,
        }
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
    fn botpress_choice_skill_compares_counts_with_number() {
        let source = "Number(temp['skill-choice-invalid-count-x']) > Number(3)";
        let count = |value: Value| json!({"temp": {"skill-choice-invalid-count-x": value}});
        assert!(holds(source, &count(json!("4"))));
        assert!(holds(source, &count(json!(5))));
        assert!(!holds(source, &count(json!("3"))));
        assert!(!holds(source, &count(json!("many"))), "NaN compares false");
        assert!(
            !holds(source, &json!({"temp": {}})),
            "Number(undefined) is NaN"
        );
        let cases: &[(&str, bool)] = &[
            (
                "Number('') === 0 && Number() === 0 && Number(' 12 ') === 12",
                true,
            ),
            (
                "Number(null) === 0 && Number(true) === 1 && Number(temp.one) === 1",
                true,
            ),
            (
                "Number('x') == Number('x') || Number('x') < 1 || Number('x') >= 1",
                false,
            ),
            ("Number(temp.missing) != Number(temp.missing)", true),
            (
                "String(temp.n) === '3' && String() === '' && String(temp.nums) === '1,2'",
                true,
            ),
            ("Boolean(temp.s) || Boolean(temp.zero) || Boolean()", false),
            (
                "Boolean(temp.obj) && Boolean('0') && !Boolean(temp.nul)",
                true,
            ),
            ("Number(temp.x, 1, 2) !== Number(temp.x, 1, 2)", true),
            ("String(temp.n).length == 1 && Number((temp.n)) > 2", true),
        ];
        let state = state();
        for (source, expected) in cases {
            assert_eq!(holds(source, &state), *expected, "{source}");
        }
    }

    #[test]
    fn botpress_last_node_condition_names_the_node_entered_before() {
        let condition = Condition::parse("lastNode=ask").unwrap_or_else(|e| panic!("{e}"));
        assert!(condition.holds(&json!({}), Some("ask")));
        assert!(!condition.holds(&json!({}), Some("other")));
        assert!(!condition.eval(&json!({})), "no nodes to look at");
        for never in ["lastNode", "lastNode == 'ask'", "lastNode= ask"] {
            let condition = Condition::parse(never).unwrap_or_else(|e| panic!("{e}"));
            assert!(!condition.holds(&json!({}), Some("ask")), "{never}");
        }
    }

    #[test]
    fn a_lenient_condition_outside_the_subset_never_holds_and_says_why() {
        let condition = Condition::lenient("temp.x.includes('a')");
        assert!(!condition.eval(&state()));
        let error = condition.unsupported().map(|e| e.column);
        assert_eq!(error, Some(16));
        assert_eq!(condition.source(), "temp.x.includes('a')");
        assert!(Condition::lenient("true").unsupported().is_none());
    }

    #[test]
    fn unsupported_syntax_is_a_clear_error() {
        let deep_parens = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        let deep_not = format!("{}a", "!".repeat(10_000));
        let long_chain = vec!["a"; 5_000].join(" && ");
        let cases: Vec<(&str, usize, &str)> = vec![
            (
                "foo()",
                4,
                "function calls are not supported (only Number()",
            ),
            ("temp.Number(1)", 12, "function calls"),
            ("Math.max(1)", 9, "function calls"),
            ("Number(1", 9, "expected ')'"),
            ("Number(,)", 8, "unexpected ','"),
            ("a, b", 2, "unexpected ','"),
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
