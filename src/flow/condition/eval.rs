//! Evaluating an expression tree against a state object, with JavaScript semantics: missing
//! paths are `undefined`, `&&` and `||` return an operand, comparisons follow
//! [`super::value`]. Total: never fails, never panics.

use std::borrow::Cow;

use serde_json::Value;

use super::parser::{BinOp, Expr, Func};
use super::value::{JsValue, compare};

/// The JavaScript value of `expr` in `state`.
pub(super) fn eval<'a>(expr: &'a Expr, state: &'a Value) -> JsValue<'a> {
    match expr {
        Expr::Lit(JsValue::Str(s)) => JsValue::Str(Cow::Borrowed(s)),
        Expr::Lit(value) => value.clone(),
        Expr::Var(name) => state
            .get(name.as_str())
            .map_or(JsValue::Undefined, JsValue::from_json),
        Expr::Path(base, keys) => keys
            .iter()
            .fold(eval(base, state), |value, key| value.get(key)),
        Expr::Not(operand) => JsValue::Bool(!eval(operand, state).truthy()),
        Expr::Binary(op @ (BinOp::And | BinOp::Or), left, right) => {
            let left = eval(left, state);
            // `a && b` is `a` when `a` is falsy, `a || b` is `a` when `a` is truthy.
            let short_circuit = left.truthy() == (*op == BinOp::Or);
            if short_circuit {
                left
            } else {
                eval(right, state)
            }
        }
        Expr::Binary(BinOp::Cmp(op), left, right) => {
            JsValue::Bool(compare(*op, eval(left, state), eval(right, state)))
        }
        Expr::Call(func, args) => {
            let arg = args.first().map(|arg| eval(arg, state));
            match (func, arg) {
                (Func::Number, None) => JsValue::Num(0.0),
                (Func::Number, Some(value)) => JsValue::Num(value.to_number()),
                (Func::String, None) => JsValue::Str(Cow::Borrowed("")),
                (Func::String, Some(value)) => JsValue::Str(Cow::Owned(value.to_js_string())),
                (Func::Boolean, value) => JsValue::Bool(value.is_some_and(|v| v.truthy())),
            }
        }
    }
}
