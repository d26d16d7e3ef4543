//! Tokens into an expression tree: a recursive-descent parser for the supported subset
//! (`!`, `&&`, `||`, comparisons, parentheses, dotted and bracketed paths, literals), with the
//! safety limit on nesting ([`MAX_DEPTH`]) and a clear error for anything else.
//!
//! Calls are limited to the conversions of [`Func`] (`Number(x)`, as Botpress's choice skill
//! writes `Number(temp['skill-choice-invalid-count-…']) > Number(3)`); any other call is an
//! error, so a condition can never run code.

use std::borrow::Cow;

use super::error::ExprError;
use super::lexer::{Tok, Token, tokenize};
use super::value::{CmpOp, JsValue, number_to_string};

/// How deeply `!`, parentheses and binary operators may nest in one condition.
pub(super) const MAX_DEPTH: usize = 128;

/// Words JavaScript reserves that a condition may not use as a variable.
const RESERVED: &str = "typeof instanceof in new delete void function this var let const class";

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum BinOp {
    And,
    Or,
    Cmp(CmpOp),
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Lit(JsValue<'static>),
    /// A top-level name looked up in the state (`temp`, `user`, …).
    Var(String),
    /// Property accesses (`.a`, `[0]`, `.length`) applied in order to a base expression.
    Path(Box<Expr>, Vec<String>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// One of the allowed conversions, with its arguments (JavaScript reads the first and
    /// ignores the rest).
    Call(Func, Vec<Expr>),
}

/// The functions a condition may call: JavaScript's conversions, which run no code of the
/// flow's and have no side effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    /// `Number(x)`: `""` is 0, text that is no number `NaN` (and `NaN` compares false).
    Number,
    /// `String(x)`.
    String,
    /// `Boolean(x)`: the truthiness of `x`.
    Boolean,
}

impl Func {
    /// The allowed function with this name.
    fn named(name: &str) -> Option<Func> {
        match name {
            "Number" => Some(Func::Number),
            "String" => Some(Func::String),
            "Boolean" => Some(Func::Boolean),
            _ => None,
        }
    }
}

/// What the error for a call of anything but [`Func`] says.
const CALLS_ALLOWED: &str =
    "function calls are not supported (only Number(), String() and Boolean())";

/// Parses a whole condition into its expression tree.
pub(super) fn parse(source: &str) -> Result<Expr, ExprError> {
    let chars: Vec<char> = source.chars().collect();
    let tokens = tokenize(&chars)?;
    let (pos, depth) = (0, 0);
    let mut parser = Parser {
        chars,
        tokens,
        pos,
        depth,
    };
    parser.parse_all()
}

struct Parser {
    chars: Vec<char>,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(tok, ..)| tok)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.chars.len() + 1, |&(_, start, _)| start + 1)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ExprError> {
        Err(ExprError::new(message, self.column()))
    }

    fn expect(&mut self, tok: &Tok, message: &str) -> Result<(), ExprError> {
        if self.peek() != Some(tok) {
            return self.error(message);
        }
        self.pos += 1;
        Ok(())
    }

    /// Counts one more level of nesting opened at `column`, failing past [`MAX_DEPTH`].
    fn enter(&mut self, column: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let message = format!("expression nests too deeply (limit {MAX_DEPTH})");
            return Err(ExprError::new(message, column));
        }
        Ok(())
    }

    /// Names the token at `index` for an error message, as written in the source.
    fn describe(&self, index: usize) -> String {
        let Some((tok, start, end)) = self.tokens.get(index) else {
            return "end".to_string();
        };
        let text: String = self.chars[*start..*end].iter().collect();
        match tok {
            Tok::Num(_) => format!("number {text}"),
            Tok::Str(_) => format!("string {text}"),
            Tok::Minus => "'-' (arithmetic is not supported)".to_string(),
            Tok::LBracket => "'[' (array literals are not supported)".to_string(),
            Tok::Comma => "',' (only allowed between a call's arguments)".to_string(),
            _ => format!("'{text}'"),
        }
    }

    fn parse_all(&mut self) -> Result<Expr, ExprError> {
        if self.tokens.is_empty() {
            return self.error("empty expression");
        }
        let expr = self.binary(0)?;
        match self.peek() {
            None => Ok(expr),
            Some(_) => self.error(format!("unexpected {}", self.describe(self.pos))),
        }
    }

    /// Binary operators by precedence level: 0 `||`, 1 `&&`, 2 equality, 3 relational.
    fn binary(&mut self, level: u8) -> Result<Expr, ExprError> {
        if level > 3 {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        let saved = self.depth;
        while let Some(op) = self.peek().and_then(|tok| binary_op(tok, level)) {
            self.enter(self.column())?;
            self.pos += 1;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        self.depth = saved;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek() != Some(&Tok::Not) {
            return self.postfix();
        }
        self.enter(self.column())?;
        self.pos += 1;
        let operand = self.unary()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(operand)))
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut base = self.primary()?;
        if let (Expr::Var(name), Some(Tok::LParen)) = (&base, self.peek()) {
            let Some(func) = Func::named(name) else {
                return self.error(CALLS_ALLOWED);
            };
            base = self.call(func)?;
        }
        let mut keys = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    let Some(Tok::Ident(name)) = self.peek() else {
                        return self.error("expected a property name after '.'");
                    };
                    keys.push(name.clone());
                    self.pos += 1;
                }
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    let key = match self.peek() {
                        Some(Tok::Num(n)) => number_to_string(*n),
                        Some(Tok::Str(s)) => s.clone(),
                        _ => return self.error("only a number or string literal may go in '[]'"),
                    };
                    self.pos += 1;
                    self.expect(&Tok::RBracket, "expected ']'")?;
                    keys.push(key);
                }
                Some(Tok::LParen) => return self.error(CALLS_ALLOWED),
                _ => break,
            }
        }
        Ok(if keys.is_empty() {
            base
        } else {
            Expr::Path(Box::new(base), keys)
        })
    }

    /// The arguments of a call to `func`, from its `(` to its `)`.
    fn call(&mut self, func: Func) -> Result<Expr, ExprError> {
        self.enter(self.column())?;
        self.pos += 1;
        let mut args = Vec::new();
        if self.peek() != Some(&Tok::RParen) {
            loop {
                args.push(self.binary(0)?);
                if self.peek() != Some(&Tok::Comma) {
                    break;
                }
                self.pos += 1;
            }
        }
        self.expect(&Tok::RParen, "expected ')' or ','")?;
        self.depth -= 1;
        Ok(Expr::Call(func, args))
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let Some((tok, start, _)) = self.tokens.get(self.pos).cloned() else {
            return self.error("expression ends too early");
        };
        let (index, column) = (self.pos, start + 1);
        self.pos += 1;
        let fail = |message: String| Err(ExprError::new(message, column));
        let value = match tok {
            Tok::Num(n) => JsValue::Num(n),
            Tok::Str(s) => JsValue::Str(Cow::Owned(s)),
            Tok::Minus => match self.peek() {
                Some(&Tok::Num(n)) => {
                    self.pos += 1;
                    JsValue::Num(-n)
                }
                _ => return fail("unary '-' is only supported before a number".into()),
            },
            Tok::LParen => {
                self.enter(column)?;
                let inner = self.binary(0)?;
                self.expect(&Tok::RParen, "expected ')'")?;
                self.depth -= 1;
                return Ok(inner);
            }
            Tok::Ident(name) => match name.as_str() {
                "true" => JsValue::Bool(true),
                "false" => JsValue::Bool(false),
                "null" => JsValue::Null,
                "undefined" => JsValue::Undefined,
                "NaN" => JsValue::Num(f64::NAN),
                "Infinity" => JsValue::Num(f64::INFINITY),
                word if RESERVED.split(' ').any(|w| w == word) => {
                    return fail(format!("'{word}' is not supported"));
                }
                _ => return Ok(Expr::Var(name)),
            },
            _ => return fail(format!("unexpected {}", self.describe(index))),
        };
        Ok(Expr::Lit(value))
    }
}

fn binary_op(tok: &Tok, level: u8) -> Option<BinOp> {
    use CmpOp::*;
    match (level, tok) {
        (0, Tok::Or) => Some(BinOp::Or),
        (1, Tok::And) => Some(BinOp::And),
        (2, Tok::Cmp(op @ (Eq | Ne | StrictEq | StrictNe))) => Some(BinOp::Cmp(*op)),
        (3, Tok::Cmp(op @ (Lt | Le | Gt | Ge))) => Some(BinOp::Cmp(*op)),
        _ => None,
    }
}
