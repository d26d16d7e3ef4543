//! JavaScript values as conditions see them: truthiness, property access, `String()` and
//! `Number()` conversions, and the comparison operators (`==`, `===`, `<` …) with their
//! JavaScript semantics. Borrows from the state; never allocates a copy of it.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    StrictEq,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A JavaScript value as seen by conditions, borrowing from the state and the expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum JsValue<'a> {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Array(&'a [Value]),
    Object(&'a Map<String, Value>),
}

impl<'a> JsValue<'a> {
    pub(super) fn from_json(value: &'a Value) -> Self {
        match value {
            Value::Null => JsValue::Null,
            Value::Bool(b) => JsValue::Bool(*b),
            Value::Number(n) => JsValue::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => JsValue::Str(Cow::Borrowed(s)),
            Value::Array(items) => JsValue::Array(items),
            Value::Object(map) => JsValue::Object(map),
        }
    }

    pub(super) fn truthy(&self) -> bool {
        match self {
            JsValue::Undefined | JsValue::Null => false,
            JsValue::Bool(b) => *b,
            JsValue::Num(n) => *n != 0.0 && !n.is_nan(),
            JsValue::Str(s) => !s.is_empty(),
            JsValue::Array(_) | JsValue::Object(_) => true,
        }
    }

    /// Property access; anything JavaScript would throw on (or find on a prototype) is
    /// `undefined` here.
    pub(super) fn get(&self, key: &str) -> JsValue<'a> {
        let found = match *self {
            JsValue::Object(map) => map.get(key),
            JsValue::Array(items) if key == "length" => return JsValue::Num(items.len() as f64),
            JsValue::Array(items) => array_index(key).and_then(|i| items.get(i)),
            JsValue::Str(ref s) if key == "length" => {
                return JsValue::Num(s.encode_utf16().count() as f64);
            }
            _ => None,
        };
        found.map_or(JsValue::Undefined, JsValue::from_json)
    }

    /// JavaScript `String(value)`.
    pub(super) fn to_js_string(&self) -> String {
        match self {
            JsValue::Undefined => "undefined".to_string(),
            JsValue::Null => "null".to_string(),
            JsValue::Bool(b) => b.to_string(),
            JsValue::Num(n) => number_to_string(*n),
            JsValue::Str(s) => s.to_string(),
            JsValue::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|v| match v {
                        Value::Null => String::new(),
                        other => JsValue::from_json(other).to_js_string(),
                    })
                    .collect();
                parts.join(",")
            }
            JsValue::Object(_) => "[object Object]".to_string(),
        }
    }

    /// JavaScript `ToPrimitive`: arrays and objects become their string form.
    pub(super) fn into_primitive(self) -> JsValue<'a> {
        match self {
            JsValue::Array(_) | JsValue::Object(_) => JsValue::Str(Cow::Owned(self.to_js_string())),
            other => other,
        }
    }

    /// JavaScript `Number(value)`.
    pub(super) fn to_number(&self) -> f64 {
        match self {
            JsValue::Undefined => f64::NAN,
            JsValue::Null => 0.0,
            JsValue::Bool(b) => f64::from(u8::from(*b)),
            JsValue::Num(n) => *n,
            JsValue::Str(s) => string_to_number(s),
            JsValue::Array(_) | JsValue::Object(_) => string_to_number(&self.to_js_string()),
        }
    }
}

fn array_index(key: &str) -> Option<usize> {
    let canonical = key == "0" || !key.starts_with('0');
    if canonical && !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        key.parse().ok()
    } else {
        None
    }
}

/// JavaScript's number-to-string for the common cases (no exponent notation).
pub(super) fn number_to_string(n: f64) -> String {
    match n {
        _ if n.is_nan() => "NaN".to_string(),
        f64::INFINITY => "Infinity".to_string(),
        f64::NEG_INFINITY => "-Infinity".to_string(),
        0.0 => "0".to_string(),
        _ => n.to_string(),
    }
}

/// JavaScript `Number(string)`: surrounding white space (and the BOM) ignored, empty is 0,
/// decimal text (with exponent, sign, `Infinity`), or unsigned `0x`/`0o`/`0b` integers;
/// anything else NaN.
fn string_to_number(s: &str) -> f64 {
    let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let radix = |prefix: [&str; 2], radix: u32| {
        prefix.iter().find_map(|p| s.strip_prefix(p)).map(|digits| {
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                f64::NAN
            } else {
                // Exact up to 2^53 and rounded beyond, as JavaScript's are.
                digits.chars().fold(0.0, |n, c| {
                    n * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
                })
            }
        })
    };
    if let Some(n) = radix(["0x", "0X"], 16)
        .or_else(|| radix(["0o", "0O"], 8))
        .or_else(|| radix(["0b", "0B"], 2))
    {
        return n;
    }
    let decimal = s
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    match s {
        "" => 0.0,
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ if decimal => s.parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// `a op b` in JavaScript.
pub(super) fn compare(op: CmpOp, a: JsValue<'_>, b: JsValue<'_>) -> bool {
    let order = || match (a.clone().into_primitive(), b.clone().into_primitive()) {
        (JsValue::Str(x), JsValue::Str(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        (x, y) => x.to_number().partial_cmp(&y.to_number()),
    };
    match op {
        CmpOp::StrictEq => strict_eq(&a, &b),
        CmpOp::StrictNe => !strict_eq(&a, &b),
        CmpOp::Eq => loose_eq(a, b),
        CmpOp::Ne => !loose_eq(a, b),
        CmpOp::Lt => order() == Some(Ordering::Less),
        CmpOp::Le => matches!(order(), Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => order() == Some(Ordering::Greater),
        CmpOp::Ge => matches!(order(), Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// JavaScript `===`: same type and value; arrays and objects by identity.
fn strict_eq(a: &JsValue<'_>, b: &JsValue<'_>) -> bool {
    match (a, b) {
        (JsValue::Undefined, JsValue::Undefined) | (JsValue::Null, JsValue::Null) => true,
        (JsValue::Bool(x), JsValue::Bool(y)) => x == y,
        (JsValue::Num(x), JsValue::Num(y)) => x == y,
        (JsValue::Str(x), JsValue::Str(y)) => x == y,
        (JsValue::Array(x), JsValue::Array(y)) => std::ptr::eq(*x, *y),
        (JsValue::Object(x), JsValue::Object(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}

/// JavaScript `==` (the abstract equality algorithm).
fn loose_eq(a: JsValue<'_>, b: JsValue<'_>) -> bool {
    use JsValue::*;
    match (&a, &b) {
        (Undefined | Null, Undefined | Null) => true,
        (Undefined | Null, _) | (_, Undefined | Null) => false,
        (Array(_) | Object(_), Array(_) | Object(_)) => strict_eq(&a, &b),
        (Array(_) | Object(_), _) | (_, Array(_) | Object(_)) => {
            loose_eq(a.into_primitive(), b.into_primitive())
        }
        (Num(_), Str(_)) | (Str(_), Num(_)) | (Bool(_), _) | (_, Bool(_)) => {
            a.to_number() == b.to_number()
        }
        _ => strict_eq(&a, &b),
    }
}
