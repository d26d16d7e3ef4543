//! The subset of Botpress flows the master bot runs: `main.flow.json` parsed into typed nodes
//! and instructions, and a small, safe expression language for `next[].condition` that follows
//! JavaScript semantics (truthiness, loose and strict equality, `&&`/`||` returning operands)
//! over a `serde_json::Value` state. Nothing is ever evaluated as code.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

/// The threshold `delegate_to_bots` uses when `minConfidence` is missing or not a number.
pub use crate::workspace::DEFAULT_MIN_CONFIDENCE;

/// How deeply `!`, parentheses and binary operators may nest in one condition.
const MAX_DEPTH: usize = 128;

/// Words JavaScript reserves that a condition may not use as a variable.
const RESERVED: &str = "typeof instanceof in new delete void function this var let const class";

/// A master flow: the start node and every node, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// Name of the node a conversation turn starts in; always names one of `nodes`.
    pub start_node: String,
    /// The nodes, in file order; names are unique.
    pub nodes: Vec<Node>,
}

/// One node of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Botpress's node id (kept for display; transitions use names).
    pub id: String,
    /// The node's name, which `startNode` and `next[].node` refer to.
    pub name: String,
    /// Instructions run in order when the node is entered.
    pub on_enter: Vec<Instruction>,
    /// Transitions, tried in order; the first whose condition holds is taken.
    pub next: Vec<Transition>,
}

/// One `onEnter` item.
#[derive(Debug, Clone, PartialEq)]
pub enum Instruction {
    /// `say #!<element_id>`: render that content element with the current state.
    Say { element_id: String },
    /// `delegate_to_bots {...}`: ask the sub-bots and set `temp.delegation`.
    Delegate(DelegateArgs),
    /// Any other action, kept verbatim for the runner to report.
    Unsupported(String),
}

/// The arguments of `delegate_to_bots`.
#[derive(Debug, Clone, PartialEq)]
pub struct DelegateArgs {
    /// Bot ids to ask; empty means "every other bot".
    pub bots: Vec<String>,
    /// Matches below this confidence do not pass.
    pub min_confidence: f64,
}

/// One `next[]` item: where to go when the condition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The parsed condition.
    pub condition: Condition,
    /// The node to go to, or the end of the turn.
    pub target: Target,
}

/// Where a transition leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The node with this name (checked to exist at parse time).
    Node(String),
    /// `END` (end of the turn) or `#` (return to caller, treated as the end).
    End,
}

/// Why a flow file could not be loaded; every variant about a node names it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FlowError {
    /// The text is not JSON (`message` without the position, which `line`/`column` hold).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON, but not shaped like a flow (e.g. a missing `startNode`).
    #[error("not a Botpress flow: {0}")]
    Shape(String),
    /// A `next[].condition` uses syntax outside the supported subset.
    #[error("node {node:?}: condition {condition:?}: {error}")]
    Condition {
        node: String,
        condition: String,
        error: ExprError,
    },
    /// An `onEnter` item interbot understands but whose arguments are invalid.
    #[error("node {node:?}: instruction {instruction:?}: {message}")]
    BadInstruction {
        node: String,
        instruction: String,
        message: String,
    },
    /// `startNode` names no node.
    #[error("start node {0:?} does not exist")]
    UnknownStartNode(String),
    /// A `next[].node` names no node (and is not `END` or `#`).
    #[error("node {node:?}: transition target {target:?} does not exist")]
    UnknownTarget { node: String, target: String },
    /// Two nodes share a name, so transitions to it would be ambiguous.
    #[error("more than one node is named {0:?}")]
    DuplicateNode(String),
}

/// A condition that is not in the supported subset; `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message} at column {column}")]
pub struct ExprError {
    /// What is wrong, in words.
    pub message: String,
    /// Where, in characters from 1 (one past the end for "ends too early").
    pub column: usize,
}

impl ExprError {
    fn new(message: impl Into<String>, column: usize) -> Self {
        ExprError {
            message: message.into(),
            column,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFlow {
    start_node: String,
    nodes: Vec<RawNode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNode {
    #[serde(default)]
    id: String,
    name: String,
    #[serde(default)]
    on_enter: Option<Vec<String>>,
    #[serde(default)]
    next: Option<Vec<RawTransition>>,
}

#[derive(Deserialize)]
struct RawTransition {
    condition: String,
    node: String,
}

impl Flow {
    /// Parses and validates a `*.flow.json` text: every condition parses, node names are
    /// unique, and the start node and every transition target exist.
    pub fn parse(text: &str) -> Result<Flow, FlowError> {
        let raw: RawFlow = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => FlowError::Shape(e.to_string()),
            _ => {
                let (line, column, full) = (e.line(), e.column(), e.to_string());
                let position = format!(" at line {line} column {column}");
                let message = full.strip_suffix(&position).unwrap_or(&full).to_string();
                FlowError::Json {
                    line,
                    column,
                    message,
                }
            }
        })?;
        let nodes = raw
            .nodes
            .into_iter()
            .map(node_from_raw)
            .collect::<Result<Vec<_>, _>>()?;
        let mut names = HashSet::new();
        if let Some(dup) = nodes.iter().find(|n| !names.insert(n.name.as_str())) {
            return Err(FlowError::DuplicateNode(dup.name.clone()));
        }
        if !names.contains(raw.start_node.as_str()) {
            return Err(FlowError::UnknownStartNode(raw.start_node));
        }
        for node in &nodes {
            for transition in &node.next {
                match &transition.target {
                    Target::Node(target) if !names.contains(target.as_str()) => {
                        return Err(FlowError::UnknownTarget {
                            node: node.name.clone(),
                            target: target.clone(),
                        });
                    }
                    _ => {}
                }
            }
        }
        let start_node = raw.start_node;
        Ok(Flow { start_node, nodes })
    }

    /// The node with this name, if any.
    pub fn node_by_name(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The start node (always present in a flow that came from [`Flow::parse`]).
    pub fn start(&self) -> Option<&Node> {
        self.node_by_name(&self.start_node)
    }
}

fn node_from_raw(raw: RawNode) -> Result<Node, FlowError> {
    let name = raw.name;
    let on_enter = raw
        .on_enter
        .unwrap_or_default()
        .into_iter()
        .map(|text| {
            parse_instruction(&text).map_err(|message| FlowError::BadInstruction {
                node: name.clone(),
                instruction: text.clone(),
                message,
            })
        })
        .collect::<Result<_, _>>()?;
    let next = raw
        .next
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let condition =
                Condition::parse(&t.condition).map_err(|error| FlowError::Condition {
                    node: name.clone(),
                    condition: t.condition.clone(),
                    error,
                })?;
            let target = match t.node.as_str() {
                "END" | "#" => Target::End,
                _ => Target::Node(t.node),
            };
            Ok(Transition { condition, target })
        })
        .collect::<Result<_, FlowError>>()?;
    Ok(Node {
        id: raw.id,
        name,
        on_enter,
        next,
    })
}

/// Parses one `onEnter` string; `Err` holds why a known action's arguments are invalid.
fn parse_instruction(text: &str) -> Result<Instruction, String> {
    let trimmed = text.trim();
    let (action, args) = match trimmed.split_once(char::is_whitespace) {
        Some((action, args)) => (action, args.trim()),
        None => (trimmed, ""),
    };
    match (action, args.strip_prefix("#!")) {
        ("say", Some(rest)) => match rest.split_whitespace().next() {
            Some(id) => Ok(Instruction::Say {
                element_id: id.to_string(),
            }),
            None => Err("`say #!` needs a content element id".to_string()),
        },
        ("delegate_to_bots", _) => parse_delegate(args).map(Instruction::Delegate),
        _ => Ok(Instruction::Unsupported(text.to_string())),
    }
}

/// Reads `delegate_to_bots` arguments the way the Botpress action does: `bots` is a
/// comma-separated string (a list of strings is accepted too), `minConfidence` a number or
/// numeric string, falling back to [`DEFAULT_MIN_CONFIDENCE`].
fn parse_delegate(args: &str) -> Result<DelegateArgs, String> {
    let args: Map<String, Value> = if args.is_empty() {
        Map::new()
    } else {
        serde_json::from_str(args).map_err(|e| format!("arguments must be a JSON object: {e}"))?
    };
    let names: Vec<&str> = match args.get("bots") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(list)) => list.split(',').collect(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        Some(other) => {
            return Err(format!(
                "`bots` must be a comma-separated string, not {other}"
            ));
        }
    };
    let bots = names.into_iter().map(str::trim).filter(|b| !b.is_empty());
    let min_confidence = match args.get("minConfidence") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    Ok(DelegateArgs {
        bots: bots.map(String::from).collect(),
        min_confidence: min_confidence
            .filter(|c| c.is_finite())
            .unwrap_or(DEFAULT_MIN_CONFIDENCE),
    })
}

// ---------------------------------------------------------------------------------------------
// Conditions: tokenizer → recursive-descent parser → evaluator.

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
        let chars: Vec<char> = source.chars().collect();
        let tokens = tokenize(&chars)?;
        let (pos, depth) = (0, 0);
        let mut parser = Parser {
            chars,
            tokens,
            pos,
            depth,
        };
        let expr = parser.parse_all()?;
        Ok(Condition {
            source: source.to_string(),
            expr,
        })
    }

    /// Whether the condition holds: the JavaScript truthiness of its value. Missing paths
    /// are `undefined` (never an error).
    pub fn eval(&self, state: &Value) -> bool {
        eval(&self.expr, state).truthy()
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    StrictEq,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    /// An identifier, or a property name after `.` (which may be all digits).
    Ident(String),
    Dot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Not,
    And,
    Or,
    Minus,
    Cmp(CmpOp),
}

/// A token with the character range it was read from (`start + 1` is its column).
type Token = (Tok, usize, usize);

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn tokenize(chars: &[char]) -> Result<Vec<Token>, ExprError> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let (start, column) = (i, i + 1);
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let after_dot = matches!(tokens.last(), Some((Tok::Dot, ..)));
        let tok = if is_ident_char(c) && (after_dot || !c.is_ascii_digit()) {
            while chars.get(i).is_some_and(|&c| is_ident_char(c)) {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else if c.is_ascii_digit() {
            let (n, next) = lex_number(chars, i)?;
            i = next;
            Tok::Num(n)
        } else if c == '"' || c == '\'' {
            let (s, next) = lex_string(chars, i)?;
            i = next;
            Tok::Str(s)
        } else {
            let (next, third) = (chars.get(i + 1).copied(), chars.get(i + 2).copied());
            let (tok, len) = match (c, next, third) {
                ('=', Some('='), Some('=')) => (Tok::Cmp(CmpOp::StrictEq), 3),
                ('=', Some('='), _) => (Tok::Cmp(CmpOp::Eq), 2),
                ('!', Some('='), Some('=')) => (Tok::Cmp(CmpOp::StrictNe), 3),
                ('!', Some('='), _) => (Tok::Cmp(CmpOp::Ne), 2),
                ('!', _, _) => (Tok::Not, 1),
                ('<', Some('='), _) => (Tok::Cmp(CmpOp::Le), 2),
                ('<', _, _) => (Tok::Cmp(CmpOp::Lt), 1),
                ('>', Some('='), _) => (Tok::Cmp(CmpOp::Ge), 2),
                ('>', _, _) => (Tok::Cmp(CmpOp::Gt), 1),
                ('&', Some('&'), _) => (Tok::And, 2),
                ('|', Some('|'), _) => (Tok::Or, 2),
                ('.', _, _) => (Tok::Dot, 1),
                ('(', _, _) => (Tok::LParen, 1),
                (')', _, _) => (Tok::RParen, 1),
                ('[', _, _) => (Tok::LBracket, 1),
                (']', _, _) => (Tok::RBracket, 1),
                ('-', _, _) => (Tok::Minus, 1),
                _ => return Err(ExprError::new(unsupported_char(c), column)),
            };
            i += len;
            tok
        };
        tokens.push((tok, start, i));
    }
    Ok(tokens)
}

fn unsupported_char(c: char) -> String {
    match c {
        '=' => "assignment '=' is not supported (compare with '==' or '===')".to_string(),
        '+' | '-' | '*' | '/' | '%' => format!("arithmetic operator {c:?} is not supported"),
        '?' | ':' => "the conditional operator '?:' is not supported".to_string(),
        '&' | '|' | '^' | '~' => format!("bitwise operator {c:?} is not supported"),
        ';' => "';' is not supported: a condition is a single expression".to_string(),
        '`' => "template literals are not supported".to_string(),
        _ => format!("unexpected character {c:?}"),
    }
}

/// Lexes a decimal number (`12`, `0.5`, `1e3`, `1e-3`) starting at `start`.
fn lex_number(chars: &[char], start: usize) -> Result<(f64, usize), ExprError> {
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        let signed_exponent = matches!(c, '+' | '-') && matches!(chars[i - 1], 'e' | 'E'); // i > start
        if !(is_ident_char(c) || c == '.' || signed_exponent) {
            break;
        }
        i += 1;
    }
    let text: String = chars[start..i].iter().collect();
    let invalid = || ExprError::new(format!("invalid number {text:?}"), start + 1);
    text.parse::<f64>().map(|n| (n, i)).map_err(|_| invalid())
}

/// Lexes a single- or double-quoted string with JavaScript escapes starting at `start`.
fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), ExprError> {
    let quote = chars[start];
    let unterminated = || ExprError::new("unterminated string", start + 1);
    let mut out = String::new();
    let mut i = start + 1;
    loop {
        let c = *chars.get(i).ok_or_else(unterminated)?;
        i += 1;
        if c == quote {
            return Ok((out, i));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape = *chars.get(i).ok_or_else(unterminated)?;
        let backslash_column = i;
        let bad_escape = || ExprError::new("invalid escape sequence", backslash_column);
        i += 1;
        let decoded = match escape {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'v' => '\u{b}',
            '0' => '\0',
            'u' => {
                let code = hex_at(chars, i, 4).and_then(char::from_u32);
                i += 4;
                code.ok_or_else(bad_escape)?
            }
            other => other,
        };
        out.push(decoded);
    }
}

fn hex_at(chars: &[char], at: usize, len: usize) -> Option<u32> {
    let digits = chars.get(at..at.checked_add(len)?)?;
    digits
        .iter()
        .try_fold(0, |acc, c| Some(acc * 16 + c.to_digit(16)?))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BinOp {
    And,
    Or,
    Cmp(CmpOp),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Lit(JsValue<'static>),
    /// A top-level name looked up in the state (`temp`, `user`, …).
    Var(String),
    /// Property accesses (`.a`, `[0]`, `.length`) applied in order to a base expression.
    Path(Box<Expr>, Vec<String>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
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
        let base = self.primary()?;
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
                Some(Tok::LParen) => return self.error("function calls are not supported"),
                _ => break,
            }
        }
        Ok(if keys.is_empty() {
            base
        } else {
            Expr::Path(Box::new(base), keys)
        })
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

/// A JavaScript value as seen by conditions, borrowing from the state and the expression.
#[derive(Debug, Clone, PartialEq)]
enum JsValue<'a> {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Array(&'a [Value]),
    Object(&'a Map<String, Value>),
}

impl<'a> JsValue<'a> {
    fn from_json(value: &'a Value) -> Self {
        match value {
            Value::Null => JsValue::Null,
            Value::Bool(b) => JsValue::Bool(*b),
            Value::Number(n) => JsValue::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => JsValue::Str(Cow::Borrowed(s)),
            Value::Array(items) => JsValue::Array(items),
            Value::Object(map) => JsValue::Object(map),
        }
    }

    fn truthy(&self) -> bool {
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
    fn get(&self, key: &str) -> JsValue<'a> {
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
    fn to_js_string(&self) -> String {
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
    fn into_primitive(self) -> JsValue<'a> {
        match self {
            JsValue::Array(_) | JsValue::Object(_) => JsValue::Str(Cow::Owned(self.to_js_string())),
            other => other,
        }
    }

    /// JavaScript `Number(value)`.
    fn to_number(&self) -> f64 {
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
fn number_to_string(n: f64) -> String {
    match n {
        _ if n.is_nan() => "NaN".to_string(),
        f64::INFINITY => "Infinity".to_string(),
        f64::NEG_INFINITY => "-Infinity".to_string(),
        0.0 => "0".to_string(),
        _ => n.to_string(),
    }
}

/// JavaScript `Number(string)` for decimal text: trimmed, empty is 0, anything else NaN.
fn string_to_number(s: &str) -> f64 {
    let s = s.trim();
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

fn eval<'a>(expr: &'a Expr, state: &'a Value) -> JsValue<'a> {
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
    }
}

fn compare(op: CmpOp, a: JsValue<'_>, b: JsValue<'_>) -> bool {
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
        for end in 0..EXAMPLE.len() {
            if let Some(prefix) = EXAMPLE.get(..end) {
                assert!(Flow::parse(prefix).is_err(), "{prefix}");
            }
        }
    }

    const EXAMPLE: &str = r##"{"version": "0.0.1", "catchAll": {"next": [], "onReceive": []},
     "startNode": "entry", "nodes": [
      {"id": "entry", "name": "entry",
       "next": [{"condition": "temp.delegation && temp.delegation.length", "node": "node-a65a"},
                {"condition": "true", "node": "node-351e"}],
       "onEnter": ["delegate_to_bots {\"bots\":\"sub1,sub2\",\"minConfidence\":\"0.5\"}"],
       "onReceive": null},
      {"id": "507d56a572", "name": "node-a65a", "next": [], "onEnter": ["say #!builtin_text-8mwYrq"],
       "onReceive": null},
      {"id": "3653b1f697", "name": "node-351e", "next": [], "onEnter": ["say #!builtin_text-JqYzWM"],
       "onReceive": null}]}"##;

    /// A flow whose `entry` node runs `on_enter` and has the given `next` items.
    fn flow_with(on_enter: Value, next: Value) -> Result<Flow, FlowError> {
        let nodes = json!([{"id": "e", "name": "entry", "onEnter": on_enter, "next": next},
                           {"id": "o", "name": "other"}]);
        Flow::parse(&json!({"startNode": "entry", "nodes": nodes}).to_string())
    }

    fn instruction(text: &str) -> Instruction {
        let flow = flow_with(json!([text]), json!([])).unwrap_or_else(|e| panic!("{text}: {e}"));
        flow.nodes[0].on_enter[0].clone()
    }

    fn delegate(bots: &[&str], min_confidence: f64) -> Instruction {
        let bots = bots.iter().map(|b| b.to_string()).collect();
        Instruction::Delegate(DelegateArgs {
            bots,
            min_confidence,
        })
    }

    fn say(element_id: &str) -> Instruction {
        let element_id = element_id.to_string();
        Instruction::Say { element_id }
    }

    #[test]
    fn parses_the_botpress_example() {
        let flow = Flow::parse(EXAMPLE).unwrap();
        assert_eq!(flow.start().map(|n| n.id.as_str()), Some("entry"));
        let entry = &flow.nodes[0];
        assert_eq!(entry.on_enter, [delegate(&["sub1", "sub2"], 0.5)]);
        let targets: Vec<_> = entry.next.iter().map(|t| t.target.clone()).collect();
        let node = |name: &str| Target::Node(name.to_string());
        assert_eq!(targets, [node("node-a65a"), node("node-351e")]);
        let condition = entry.next[0].condition.source();
        assert_eq!(condition, "temp.delegation && temp.delegation.length");
        let a65a = flow.node_by_name("node-a65a").unwrap();
        assert_eq!(a65a.on_enter, [say("builtin_text-8mwYrq")]);
        assert_eq!(a65a.id, "507d56a572");
        assert!(flow.node_by_name("3653b1f697").is_none());
    }

    #[test]
    fn parses_instructions() {
        let sub = r#"{"bots":" sub1 , sub2,","minConfidence":0.7}"#;
        let cases = [
            (
                format!("delegate_to_bots {sub}"),
                delegate(&["sub1", "sub2"], 0.7),
            ),
            (
                r#"delegate_to_bots {"bots":"a","minConfidence":" 0.25"}"#.into(),
                delegate(&["a"], 0.25),
            ),
            (
                r#"delegate_to_bots {"bots":["a"],"minConfidence":"high"}"#.into(),
                delegate(&["a"], 0.5),
            ),
            (
                r#"delegate_to_bots {"minConfidence":true}"#.into(),
                delegate(&[], 0.5),
            ),
            ("delegate_to_bots {}".into(), delegate(&[], 0.5)),
            ("delegate_to_bots".into(), delegate(&[], 0.5)),
            ("say #!builtin_text-a".into(), say("builtin_text-a")),
            (r#"  say  #!b-1 {"x":1}"#.into(), say("b-1")),
        ];
        for (text, expected) in cases {
            assert_eq!(instruction(&text), expected, "{text}");
        }
        for text in [r#"builtin/setVariable {"name":"a"}"#, "say builtin_text {}"] {
            assert_eq!(
                instruction(text),
                Instruction::Unsupported(text.to_string())
            );
        }
        let bad = [
            "delegate_to_bots {bots}",
            "delegate_to_bots [1]",
            r#"delegate_to_bots {"bots":3}"#,
            "say #!",
        ];
        for text in bad {
            let error = flow_with(json!([text]), json!([])).expect_err(text);
            let FlowError::BadInstruction {
                node,
                instruction,
                message,
            } = error
            else {
                panic!("{text}: {error}");
            };
            assert_eq!((node.as_str(), instruction.as_str()), ("entry", text));
            assert!(!message.is_empty());
        }
    }

    #[test]
    fn validates_the_flow() {
        let next = json!([{"condition": "temp.a + 1", "node": "other"}]);
        let error = flow_with(json!([]), next).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("node \"entry\": condition \"temp.a + 1\"")
        );
        let FlowError::Condition {
            node,
            condition,
            error,
        } = error
        else {
            panic!("{error}")
        };
        assert_eq!(
            (node.as_str(), condition.as_str(), error.column),
            ("entry", "temp.a + 1", 8)
        );
        let next = json!([{"condition": "true", "node": "nowhere"}]);
        let error = flow_with(json!([]), next).unwrap_err();
        let (node, target) = ("entry".to_string(), "nowhere".to_string());
        assert_eq!(error, FlowError::UnknownTarget { node, target });
        let errors = [
            (
                r#"{"startNode": "x", "nodes": [{"name": "a"}]}"#,
                FlowError::UnknownStartNode("x".into()),
            ),
            (
                r#"{"startNode": "a", "nodes": [{"name": "a"}, {"name": "a"}]}"#,
                FlowError::DuplicateNode("a".into()),
            ),
        ];
        for (text, expected) in errors {
            assert_eq!(Flow::parse(text), Err(expected));
        }
        let error = Flow::parse("{\"startNode\": \"a\",\n \"nodes\": [}").unwrap_err();
        let message = "expected value".to_string();
        assert_eq!(
            error,
            FlowError::Json {
                line: 2,
                column: 12,
                message
            }
        );
        let shapes = [
            r#"{"nodes": []}"#,
            r#"{"startNode": "a", "nodes": {}}"#,
            r#"{"startNode": "a", "nodes": [{"name": "a", "onEnter": [1]}]}"#,
        ];
        for text in shapes {
            assert!(
                matches!(Flow::parse(text), Err(FlowError::Shape(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn accepts_missing_parts_end_targets_and_cycles() {
        let nodes = json!([{"name": "a", "onEnter": null, "next": null}, {"name": "b", "type": "skill-call"}]);
        let flow = Flow::parse(&json!({"startNode": "a", "nodes": nodes}).to_string()).unwrap();
        assert!(
            flow.nodes
                .iter()
                .all(|n| n.on_enter.is_empty() && n.next.is_empty())
        );
        let next =
            json!([{"condition": "false", "node": "END"}, {"condition": "true", "node": "#"}]);
        let flow = flow_with(json!([]), next).unwrap();
        assert!(flow.nodes[0].next.iter().all(|t| t.target == Target::End));
        let next = |to: &str| json!([{"condition": "true", "node": to}]);
        let nodes = json!([{"name": "A", "next": next("B")}, {"name": "B", "next": next("A")}]);
        let flow = Flow::parse(&json!({"startNode": "A", "nodes": nodes}).to_string()).unwrap();
        assert_eq!(flow.nodes[1].next[0].target, Target::Node("A".into()));
    }
}
