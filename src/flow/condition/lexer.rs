//! How condition text becomes tokens: identifiers, numbers, quoted strings with JavaScript
//! escapes and operators, each with the character range it came from. Rejects characters
//! outside the subset with a message that names the unsupported JavaScript feature.

use super::error::ExprError;
use super::value::CmpOp;

/// One token of a condition.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
    /// `,` (only between the arguments of an allowed call).
    Comma,
    Cmp(CmpOp),
}

/// A token with the character range it was read from (`start + 1` is its column).
pub(super) type Token = (Tok, usize, usize);

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

pub(super) fn tokenize(chars: &[char]) -> Result<Vec<Token>, ExprError> {
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
                (',', _, _) => (Tok::Comma, 1),
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
