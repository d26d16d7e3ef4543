//! Mustache rendering of Botpress content elements, matching mustache.js output.
//!
//! Why not the `mustache` crate (0.9, last released 2018): its `Data` cannot be both a list (to
//! iterate) and a map (to resolve `temp.delegation.0.botId`), it panics when `{{x}}` meets a
//! bool, list or map, it escapes fewer characters than mustache.js, and it accepts
//! `Hello {{name}` silently. A wrapper would have to re-parse every template and rewrite every
//! value, so this module is a small tokenizer → tree → renderer written against the spec.
//!
//! It passes every case of the official mustache spec's interpolation, sections, inverted,
//! comments and delimiters modules (`tests/mustache_spec.rs`), as mustache.js 4.2.0 does but
//! for one case where interbot follows the spec (below).
//!
//! Deliberate differences from mustache.js: `{{}}`, a tag that swallows another opening
//! delimiter (`{{a {{b}}`) and sections nested deeper than [`MAX_NESTING`] are errors, and
//! partials (`{{> x}}`) render as empty unless the caller supplies them
//! ([`render_with_partials`]; Botpress text elements have none; a standalone partial is not
//! re-indented). Dotted names resolve as the spec says (`Dotted Names - Context Precedence`):
//! the first part walks the context stack, the rest resolve only inside what it found.
//! mustache.js 4.2.0 instead tries the whole dotted path in each context, innermost first, so
//! `{{#a}}{{b.c}}{{/a}}` over `{"a": {"b": {}}, "b": {"c": "ERROR"}}` says `ERROR` there and
//! nothing here.
//!
//! Botpress renders a content element's text and a flow action's arguments up to
//! [`BOTPRESS_MAX_PASSES`] times while the result still holds a tag: [`render_nested`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use foldhash::{HashMap, HashMapExt};
use serde_json::Value;

/// How deep sections may nest; deeper templates are rejected rather than risking the stack.
pub const MAX_NESTING: usize = 64;

/// The most nodes (text runs, tags, section passes) one render may visit: sections over lists
/// multiply work even when they print nothing (`{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}` over a
/// list of 1,000 is a billion passes), so work is capped as well as output.
pub const MAX_RENDER_STEPS: usize = 1_000_000;

/// How many times Botpress renders a text while it still looks like a template:
/// `MAX_NESTING_LEVEL = 3` in `renderTemplate`, Botpress's `src/bp/core/misc/templating.ts`.
pub const BOTPRESS_MAX_PASSES: usize = 3;

/// The most partials may nest inside each other (a partial naming itself recurses).
pub const MAX_PARTIAL_DEPTH: usize = 16;

/// The most distinct missing names one render reports.
pub const MAX_MISSING_NAMES: usize = 64;

/// The most a template may render, in bytes: nested sections over lists multiply, and
/// `{{#a}}{{#a}}{{#a}}…` over a list of 1,000 would otherwise need gigabytes. No chat reply
/// comes near it.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// A problem in a template: what, where (1-based line and column), and in which element.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{prefix}{kind} at line {line}, column {column}", prefix = element_prefix(.element.as_deref()))]
pub struct TemplateError {
    /// The content element id, when the template came from one.
    pub element: Option<String>,
    /// 1-based line of the offending tag.
    pub line: usize,
    /// 1-based column (in characters) of the offending tag.
    pub column: usize,
    /// What went wrong.
    pub kind: TemplateErrorKind,
}

/// What is wrong with a template.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// An opening delimiter without its closing delimiter; holds the tag's start (`{{name`).
    #[error("unclosed tag `{0}`")]
    UnclosedTag(String),
    /// A `{{#name}}` or `{{^name}}` that is never closed; holds the name.
    #[error("unclosed section `{0}`")]
    UnclosedSection(String),
    /// A `{{/close}}` while the innermost open section is `open`.
    #[error("close tag `/{close}` does not match the open section `{open}`")]
    MismatchedClose {
        /// The innermost open section.
        open: String,
        /// The name in the close tag.
        close: String,
    },
    /// A `{{/name}}` with no section open; holds the name.
    #[error("close tag `/{0}` without an open section")]
    UnexpectedClose(String),
    /// A tag such as `{{}}` or `{{# }}` with no name.
    #[error("empty tag name")]
    EmptyTagName,
    /// A `{{=… …=}}` that does not give exactly two delimiters; holds what it gave.
    #[error("invalid delimiter change `{0}`")]
    InvalidDelimiters(String),
    /// Sections nested deeper than [`MAX_NESTING`].
    #[error("sections nested deeper than {MAX_NESTING}")]
    TooDeep,
    /// Rendering would produce more than the output limit; the position is the innermost
    /// tag being rendered when the limit was passed.
    #[error("output is larger than {limit} bytes (rendering stopped)")]
    OutputTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Rendering would take more than [`MAX_RENDER_STEPS`] steps (sections over lists
    /// nested too deep); the position is the innermost tag being rendered.
    #[error(
        "rendering takes more than {MAX_RENDER_STEPS} steps (sections over lists multiply; rendering stopped)"
    )]
    TooMuchWork,
}

fn element_prefix(element: Option<&str>) -> String {
    element.map_or_else(String::new, |id| format!("content element {id}: "))
}

impl TemplateError {
    fn at(src: &str, offset: usize, kind: TemplateErrorKind) -> Self {
        let before = src.get(..offset).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        TemplateError {
            element: None,
            line,
            column,
            kind,
        }
    }
}

/// Renders a mustache template against `data` as mustache.js does: Botpress paths such as
/// `temp.delegation.0.botId`, JavaScript value printing and mustache.js HTML escaping.
///
/// Output is capped at [`MAX_OUTPUT_BYTES`]; see [`render_limited`] to choose the cap.
pub fn render(template: &str, data: &Value) -> Result<String, TemplateError> {
    render_limited(template, data, MAX_OUTPUT_BYTES)
}

/// [`render`] with an output cap of `limit` bytes: past it, rendering stops with
/// [`TemplateErrorKind::OutputTooLarge`] at the tag being rendered.
pub fn render_limited(template: &str, data: &Value, limit: usize) -> Result<String, TemplateError> {
    render_full(template, data, limit, &no_partials).map(|r| r.text)
}

/// [`render_report`] with partials: `partials(name)` gives the template of `{{> name}}`, or
/// `None` (which renders as empty). A partial starts with the default delimiters and sees
/// the context stack of its tag.
pub fn render_with_partials(
    template: &str,
    data: &Value,
    partials: &dyn Fn(&str) -> Option<String>,
) -> Result<Rendered, TemplateError> {
    render_full(template, data, MAX_OUTPUT_BYTES, partials)
}

/// What one render produced, and which names it could not find.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    /// The rendered text.
    pub text: String,
    /// The names of variables and (non-inverted) sections that resolved to nothing, as
    /// written in their tags (`temp.delegation.0.botId`), once each, in the order met; at
    /// most [`MAX_MISSING_NAMES`]. A name found with a `null` or `false` value is not missing.
    pub missing: Vec<String>,
}

/// [`render`], also naming the variables that were missing from `data`.
pub fn render_report(template: &str, data: &Value) -> Result<Rendered, TemplateError> {
    render_full(template, data, MAX_OUTPUT_BYTES, &no_partials)
}

/// Renders as Botpress renders a content element's text or a flow action's argument: again
/// and again, at most [`BOTPRESS_MAX_PASSES`] times, while the text still looks like a
/// template (a `{{` before a `}}`, exactly Botpress's `containsTemplate`), so a value that
/// itself holds tags (`{{{temp.delegation.0.answer}}}` whose answer says `{{event.preview}}`)
/// is rendered too. From `renderTemplate` in Botpress's `src/bp/core/misc/templating.ts`;
/// Botpress calls it through `renderRecursive` for content elements (`cms.renderElement`)
/// and on every argument of an action (`ActionStrategy.invokeAction`,
/// `src/bp/core/services/dialog/instruction/strategy.ts`).
///
/// A text that does not look like a template is returned as is, as Botpress returns it,
/// but only once it parses: interbot rejects `Hello {{name` (which Botpress would say
/// literally) as [`validate`] does at load time. Missing names are gathered over every
/// pass. A later pass that fails (a value held `{{#a}}`) is an error, as in Botpress, where
/// `Mustache.render` throws.
pub fn render_nested(template: &str, data: &Value) -> Result<Rendered, TemplateError> {
    render_nested_limited(template, data, MAX_OUTPUT_BYTES)
}

/// [`render_nested`] with an output cap of `limit` bytes on each pass.
pub fn render_nested_limited(
    template: &str,
    data: &Value,
    limit: usize,
) -> Result<Rendered, TemplateError> {
    let mut rendered = Rendered {
        text: template.to_string(),
        missing: Vec::new(),
    };
    for pass in 0..BOTPRESS_MAX_PASSES {
        if !looks_like_template(&rendered.text) {
            // Text without `{{` holds no tag to check (most QnA answers): no parse per turn.
            if pass == 0 && !renders_as_written(template) {
                validate(template)?;
            }
            break;
        }
        let pass = render_full(&rendered.text, data, limit, &no_partials)?;
        for name in pass.missing {
            if !rendered.missing.contains(&name) && rendered.missing.len() < MAX_MISSING_NAMES {
                rendered.missing.push(name);
            }
        }
        rendered.text = pass.text;
    }
    Ok(rendered)
}

/// Whether `text` renders as itself whatever the data: it holds no `{{`, so no tag to fill
/// or to check.
pub fn renders_as_written(text: &str) -> bool {
    !text.contains("{{")
}

/// Botpress's `containsTemplate`: `value.indexOf('{{') < value.indexOf('}}')`, where a
/// missing one counts as -1 (so a lone `}}` counts, a lone `{{` does not).
pub fn looks_like_template(text: &str) -> bool {
    let index = |needle: &str| text.find(needle).map_or(-1, |i| i as i64);
    index("{{") < index("}}")
}

fn no_partials(_: &str) -> Option<String> {
    None
}

fn render_full(
    template: &str,
    data: &Value,
    limit: usize,
    partials: &dyn Fn(&str) -> Option<String>,
) -> Result<Rendered, TemplateError> {
    let nodes = parsed(template)?;
    let mut out = Output {
        text: String::with_capacity(template.len().min(limit)),
        limit,
        steps: 0,
        missing: Vec::new(),
        partials,
        partial_depth: 0,
    };
    render_nodes(&nodes, &mut vec![Cow::Borrowed(data)], &mut out, 0)
        .map_err(|(offset, kind)| TemplateError::at(template, offset, kind))?;
    Ok(Rendered {
        text: out.text,
        missing: out.missing,
    })
}

/// The rendered text, its cap, the steps taken so far, the names not found, and where
/// partials come from.
struct Output<'p> {
    text: String,
    limit: usize,
    steps: usize,
    missing: Vec<String>,
    partials: &'p dyn Fn(&str) -> Option<String>,
    partial_depth: usize,
}

/// Why rendering stopped: the byte offset of the tag being rendered, and the limit passed.
type Stop = (usize, TemplateErrorKind);

impl Output<'_> {
    /// Notes that `name` resolved to nothing.
    fn miss(&mut self, name: &str) {
        if self.missing.len() < MAX_MISSING_NAMES && !self.missing.iter().any(|n| n == name) {
            self.missing.push(name.to_string());
        }
    }

    /// Appends `text`, or fails at `at` (the byte offset of the tag being rendered) when the
    /// output would pass the limit.
    fn push(&mut self, text: &str, at: usize) -> Result<(), Stop> {
        if self.text.len() + text.len() > self.limit {
            let limit = self.limit;
            return Err((at, TemplateErrorKind::OutputTooLarge { limit }));
        }
        self.text.push_str(text);
        Ok(())
    }

    /// Counts one step of work, failing at `at` past [`MAX_RENDER_STEPS`].
    fn step(&mut self, at: usize) -> Result<(), Stop> {
        self.steps += 1;
        if self.steps > MAX_RENDER_STEPS {
            return Err((at, TemplateErrorKind::TooMuchWork));
        }
        Ok(())
    }
}

/// Same as [`render`], but the error names the content element (e.g. `builtin_text-8mwYrq`).
pub fn render_element(
    element_id: &str,
    template: &str,
    data: &Value,
) -> Result<String, TemplateError> {
    render(template, data).map_err(|e| TemplateError {
        element: Some(element_id.to_owned()),
        ..e
    })
}

/// Checks a template without rendering it, e.g. when loading a workspace.
pub fn validate(template: &str) -> Result<(), TemplateError> {
    Parser::new(template).run().map(drop)
}

enum Token<'t> {
    Char(char),
    /// A name, whether to escape it, and the byte offset of its tag.
    Var(&'t str, bool, usize),
    /// A section name, whether it is inverted, and the byte offset of its tag.
    Open(&'t str, bool, usize),
    Close,
    /// A partial's name and the byte offset of its tag.
    Partial(&'t str, usize),
}

/// A parsed template's part. Names are owned, so a parse outlives its text and is kept
/// (see [`parsed`]).
enum Node {
    Text(String),
    Var {
        name: Box<str>,
        escape: bool,
        offset: usize,
    },
    Section(Section),
    Partial {
        name: Box<str>,
        offset: usize,
    },
}

struct Section {
    name: Box<str>,
    inverted: bool,
    offset: usize,
    children: Vec<Node>,
}

/// The most parsed templates one thread keeps; past it the kept ones are dropped.
const KEPT_PARSES: usize = 64;

/// The longest template whose parse is kept, in bytes: content elements are far shorter,
/// and a longer text (a nested pass over a large rendered value) is parsed each time, so
/// the kept parses stay small whatever a bot's files hold.
const KEPT_TEMPLATE_BYTES: usize = 16 * 1024;

thread_local! {
    /// Parsed templates by their text. A bot says the same content elements turn after
    /// turn, and parsing one cost as much as rendering it.
    static PARSES: RefCell<HashMap<Box<str>, Rc<[Node]>>> = RefCell::new(HashMap::new());
}

/// `template` parsed, from this thread's kept parses when it was parsed before.
fn parsed(template: &str) -> Result<Rc<[Node]>, TemplateError> {
    if let Some(nodes) = PARSES.with_borrow(|kept| kept.get(template).cloned()) {
        return Ok(nodes);
    }
    let nodes: Rc<[Node]> = Parser::new(template).run()?.into();
    if template.len() > KEPT_TEMPLATE_BYTES {
        return Ok(nodes);
    }
    PARSES.with_borrow_mut(|kept| {
        if kept.len() >= KEPT_PARSES {
            kept.clear();
        }
        kept.insert(template.into(), Rc::clone(&nodes));
    });
    Ok(nodes)
}

/// Tokenizes like mustache.js, including its standalone-line rule: a line holding only
/// whitespace and non-interpolating tags (sections, comments, …) is removed with its newline.
#[derive(Default)]
struct Parser<'t> {
    src: &'t str,
    pos: usize,
    open: String,
    close: String,
    /// `None` marks whitespace removed by the standalone-line rule.
    tokens: Vec<Option<Token<'t>>>,
    /// Indices in `tokens` of the whitespace on the current line.
    spaces: Vec<usize>,
    has_tag: bool,
    non_space: bool,
    /// Open sections: name and byte offset of their tag.
    sections: Vec<(&'t str, usize)>,
}

impl<'t> Parser<'t> {
    fn new(src: &'t str) -> Self {
        let (open, close) = ("{{".into(), "}}".into());
        Parser {
            src,
            open,
            close,
            ..Parser::default()
        }
    }

    fn run(mut self) -> Result<Vec<Node>, TemplateError> {
        let src = self.src;
        while self.pos < src.len() {
            let rest = &src[self.pos..];
            let Some(found) = rest.find(self.open.as_str()) else {
                self.text(rest);
                break;
            };
            self.text(&rest[..found]);
            self.tag(self.pos + found)?;
        }
        self.strip_space();
        if let Some((name, at)) = self.sections.pop() {
            return Err(self.error(at, TemplateErrorKind::UnclosedSection(name.into())));
        }
        Ok(nest(self.tokens))
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_whitespace() {
                self.spaces.push(self.tokens.len());
            } else {
                self.non_space = true;
            }
            self.tokens.push(Some(Token::Char(c)));
            if c == '\n' {
                self.strip_space();
            }
        }
    }

    /// Ends a line: drops its whitespace if it held tags and nothing else.
    fn strip_space(&mut self) {
        if self.has_tag && !self.non_space {
            for i in self.spaces.drain(..) {
                if let Some(token) = self.tokens.get_mut(i) {
                    *token = None;
                }
            }
        } else {
            self.spaces.clear();
        }
        self.has_tag = false;
        self.non_space = false;
    }

    /// Parses the tag whose opening delimiter starts at byte `start`.
    fn tag(&mut self, start: usize) -> Result<(), TemplateError> {
        let src = self.src;
        let mut i = skip_whitespace(src, start + self.open.len());
        let sigil = src[i..].chars().next().filter(|c| "#^/>{&=!".contains(*c));
        if let Some(c) = sigil {
            i = skip_whitespace(src, i + c.len_utf8());
        }
        let closing = [if sigil == Some('{') { "}" } else { "" }, &self.close].concat();
        let Some(len) = src[i..].find(closing.as_str()) else {
            return Err(self.unclosed(start));
        };
        let value = src[i..i + len].trim_end();
        self.pos = i + len + closing.len();
        self.has_tag = true;
        match sigil {
            Some('!') => Ok(()),
            Some('>') if value.is_empty() => Ok(()),
            Some('>') => {
                self.tokens.push(Some(Token::Partial(value, start)));
                Ok(())
            }
            Some('=') => self.set_delimiters(value, start),
            _ if value.is_empty() => Err(self.error(start, TemplateErrorKind::EmptyTagName)),
            _ if value.contains(self.open.as_str()) => Err(self.unclosed(start)),
            Some('/') => self.close_section(value, start),
            Some(c @ ('#' | '^')) => {
                if self.sections.len() >= MAX_NESTING {
                    return Err(self.error(start, TemplateErrorKind::TooDeep));
                }
                self.sections.push((value, start));
                self.tokens.push(Some(Token::Open(value, c == '^', start)));
                Ok(())
            }
            _ => {
                self.non_space = true;
                self.tokens
                    .push(Some(Token::Var(value, sigil.is_none(), start)));
                Ok(())
            }
        }
    }

    fn close_section(&mut self, name: &str, start: usize) -> Result<(), TemplateError> {
        let kind = match self.sections.pop() {
            None => TemplateErrorKind::UnexpectedClose(name.into()),
            Some((open, _)) if open != name => TemplateErrorKind::MismatchedClose {
                open: open.into(),
                close: name.into(),
            },
            Some(_) => {
                self.tokens.push(Some(Token::Close));
                return Ok(());
            }
        };
        Err(self.error(start, kind))
    }

    fn set_delimiters(&mut self, value: &str, start: usize) -> Result<(), TemplateError> {
        let inner = value.strip_suffix('=').unwrap_or("");
        match inner.split_whitespace().collect::<Vec<_>>()[..] {
            [open, close] if !open.contains('=') && !close.contains('=') => {
                (self.open, self.close) = (open.into(), close.into());
                Ok(())
            }
            _ => Err(self.error(start, TemplateErrorKind::InvalidDelimiters(value.into()))),
        }
    }

    /// An unclosed-tag error quoting the tag's start, up to the line end or a stray closer.
    fn unclosed(&self, start: usize) -> TemplateError {
        let stop = self.close.chars().next().unwrap_or('}');
        let after = self.src[start + self.open.len()..]
            .split(['\n', stop])
            .next();
        let name: String = after.unwrap_or("").trim_end().chars().take(40).collect();
        let tag = format!("{}{name}", self.open);
        self.error(start, TemplateErrorKind::UnclosedTag(tag))
    }

    fn error(&self, offset: usize, kind: TemplateErrorKind) -> TemplateError {
        TemplateError::at(self.src, offset, kind)
    }
}

fn skip_whitespace(src: &str, from: usize) -> usize {
    let rest = &src[from..];
    from + (rest.len() - rest.trim_start().len())
}

/// Builds the section tree from tokens whose sections were already checked to balance.
fn nest(tokens: Vec<Option<Token<'_>>>) -> Vec<Node> {
    let mut parents = Vec::new();
    let mut current = Vec::new();
    for token in tokens.into_iter().flatten() {
        match token {
            Token::Char(c) => match current.last_mut() {
                Some(Node::Text(text)) => text.push(c),
                _ => current.push(Node::Text(c.to_string())),
            },
            Token::Var(name, escape, offset) => current.push(Node::Var {
                name: name.into(),
                escape,
                offset,
            }),
            Token::Partial(name, offset) => current.push(Node::Partial {
                name: name.into(),
                offset,
            }),
            Token::Open(name, inverted, offset) => {
                parents.push((name, inverted, offset, std::mem::take(&mut current)))
            }
            Token::Close => {
                if let Some((name, inverted, offset, parent)) = parents.pop() {
                    let children = std::mem::replace(&mut current, parent);
                    current.push(Node::Section(Section {
                        name: name.into(),
                        inverted,
                        offset,
                        children,
                    }));
                }
            }
        }
    }
    current
}

/// The context stack; values are owned only when computed (an array's `length`).
type Stack<'a> = Vec<Cow<'a, Value>>;

/// Renders `nodes` into `out`; `Err` holds the byte offset of the tag at which a limit was
/// passed (`at` is the innermost enclosing section's, for plain text) and which limit.
fn render_nodes<'a>(
    nodes: &[Node],
    stack: &mut Stack<'a>,
    out: &mut Output,
    at: usize,
) -> Result<(), Stop> {
    for node in nodes {
        out.step(at)?;
        match node {
            Node::Text(text) => out.push(text, at)?,
            Node::Var {
                name,
                escape,
                offset,
            } => {
                let value = lookup(stack, name);
                if value.is_none() {
                    out.miss(name);
                }
                let text = value.map_or_else(String::new, |v| js_string(&v));
                out.push(&if *escape { escape_html(&text) } else { text }, *offset)?;
            }
            Node::Section(section) => render_section(section, stack, out)?,
            Node::Partial { name, offset } => render_partial(name, *offset, stack, out)?,
        }
    }
    Ok(())
}

/// Renders a section's body once per element of a non-empty array, once with `true` (context
/// unchanged), once with any other truthy value pushed as the context; an inverted section's
/// body renders once when the normal one would not render at all.
fn render_section<'a>(
    section: &Section,
    stack: &mut Stack<'a>,
    out: &mut Output,
) -> Result<(), Stop> {
    let value = lookup(stack, &section.name);
    if value.is_none() && !section.inverted {
        out.miss(&section.name);
    }
    let contexts: Vec<Option<Cow<'a, Value>>> = match value {
        Some(value) if !is_truthy(&value) => Vec::new(),
        Some(Cow::Borrowed(Value::Array(items))) => {
            items.iter().map(|i| Some(Cow::Borrowed(i))).collect()
        }
        Some(value) if *value == Value::Bool(true) => vec![None],
        Some(value) => vec![Some(value)],
        None => Vec::new(),
    };
    if section.inverted {
        if contexts.is_empty() {
            render_nodes(&section.children, stack, out, section.offset)?;
        }
        return Ok(());
    }
    for context in contexts {
        out.step(section.offset)?;
        let pushed = context.map(|c| stack.push(c)).is_some();
        let rendered = render_nodes(&section.children, stack, out, section.offset);
        if pushed {
            stack.pop();
        }
        rendered?;
    }
    Ok(())
}

/// Renders the partial `name` (from the caller's partials; none renders as empty) with the
/// current context stack, its own delimiters starting as `{{ }}`; an error inside it, or
/// partials nested deeper than [`MAX_PARTIAL_DEPTH`], stops at the partial's tag.
fn render_partial<'a>(
    name: &str,
    offset: usize,
    stack: &mut Stack<'a>,
    out: &mut Output,
) -> Result<(), Stop> {
    let Some(template) = (out.partials)(name) else {
        return Ok(());
    };
    if out.partial_depth >= MAX_PARTIAL_DEPTH {
        return Err((offset, TemplateErrorKind::TooDeep));
    }
    let nodes = parsed(&template).map_err(|error| (offset, error.kind))?;
    out.partial_depth += 1;
    let rendered = render_nodes(&nodes, stack, out, offset);
    out.partial_depth -= 1;
    // Limits passed inside the partial are reported at its tag in the including template.
    rendered.map_err(|(_, kind)| (offset, kind))
}

/// Resolves a name as the spec says: `.` is the current context; otherwise the first part of
/// a dotted name is looked up in each context, innermost first, and the first context that
/// has it wins; the remaining parts resolve only inside that value (spec `Dotted Names -
/// Context Precedence`; mustache.js 4.2.0 differs here, see the module doc).
fn lookup<'a>(stack: &Stack<'a>, name: &str) -> Option<Cow<'a, Value>> {
    if name == "." {
        return stack.last().cloned();
    }
    // As in mustache.js, a name is dotted only when its first `.` is not its first character.
    let (first, rest) = match name.find('.') {
        Some(i) if i > 0 => (&name[..i], Some(&name[i + 1..])),
        _ => (name, None),
    };
    // Only objects and arrays hold names (as in mustache.js: a string context has no
    // `length` for `{{length}}`, though `{{s.length}}` works).
    let found = stack
        .iter()
        .rev()
        .filter(|context| context.is_object() || context.is_array())
        .find_map(|context| property(context, first))?;
    rest.map_or(Some(found.clone()), |rest| {
        rest.split('.')
            .try_fold(found, |value, key| property(&value, key))
    })
}

/// JavaScript property access: object keys, array indices and `length`, string `length`.
fn property<'a>(value: &Cow<'a, Value>, key: &str) -> Option<Cow<'a, Value>> {
    match value {
        Cow::Borrowed(value) => property_of(value, key),
        Cow::Owned(value) => property_of(value, key).map(|v| Cow::Owned(v.into_owned())),
    }
}

fn property_of<'a>(value: &'a Value, key: &str) -> Option<Cow<'a, Value>> {
    match value {
        Value::Object(map) => map.get(key).map(Cow::Borrowed),
        Value::Array(items) if key == "length" => Some(Cow::Owned(items.len().into())),
        Value::Array(items) => {
            let index: usize = key.parse().ok().filter(|i: &usize| i.to_string() == key)?;
            items.get(index).map(Cow::Borrowed)
        }
        Value::String(s) if key == "length" => Some(Cow::Owned(s.encode_utf16().count().into())),
        _ => None,
    }
}

/// JavaScript truthiness (an empty array is truthy; sections then iterate zero times).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `String(value)` in JavaScript, with `null` as the empty string.
fn js_string(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), js_number),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(js_string).collect::<Vec<_>>().join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `Number.prototype.toString()`: shortest round-trip digits, exponent form outside 1e-7..1e21.
/// (serde_json numbers are always finite.)
fn js_number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat(-n as usize))
    } else {
        let sign = if n > 0 { '+' } else { '-' };
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{first}{dot}{rest}e{sign}{}", (n - 1).abs())
    };
    if x < 0.0 { format!("-{body}") } else { body }
}

/// HTML escaping as mustache.js does it.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '/' => out.push_str("&#x2F;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn delegation() -> Value {
        json!({"temp": {"delegation": [{
            "botId": "sub1", "confidence": 0.93, "botUrl": "http://localhost:3000/s/sub1",
            "answer": "I can help you answer payroll questions"
        }]}})
    }

    #[test]
    fn kept_parses_render_as_fresh_ones() {
        let data = json!({"n": 1, "a": {"b": "<x>"}});
        // More templates than a thread keeps, twice over: each renders right from its kept
        // parse, after the kept ones were dropped, and again.
        for round in 0..2 {
            for i in 0..KEPT_PARSES + 5 {
                let template =
                    format!("{i}:{{{{n}}}} {{{{a.b}}}}{{{{{{a.b}}}}}}{{{{#n}}}}!{{{{/n}}}}");
                assert_eq!(
                    render(&template, &data),
                    Ok(format!("{i}:1 &lt;x&gt;<x>!")),
                    "round {round}"
                );
            }
        }
        // A template that does not parse is an error every time, never kept.
        for _ in 0..2 {
            assert!(render("{{#a}}", &data).is_err());
        }
        assert!(PARSES.with_borrow(|kept| kept.len() <= KEPT_PARSES));
        // A long template renders right and is not kept.
        let long = format!("{}{{{{n}}}}", " ".repeat(KEPT_TEMPLATE_BYTES));
        assert_eq!(
            render(&long, &data).map(|t| t.len()),
            Ok(KEPT_TEMPLATE_BYTES + 1)
        );
        assert!(PARSES.with_borrow(|kept| !kept.contains_key(long.as_str())));
    }

    /// Renders each template against `data` and compares with the expected text.
    fn check(data: &Value, cases: &[(&str, &str)]) {
        for (template, expected) in cases {
            let got = render(template, data).unwrap_or_else(|e| panic!("{template:?}: {e}"));
            assert_eq!(got, *expected, "{template:?}");
        }
    }

    fn err(template: &str) -> TemplateError {
        render(template, &json!({})).expect_err(template)
    }

    #[test]
    fn botpress_success_text() {
        let template = "The chatbot {{temp.delegation.0.botId}} can help you with that question.\n\n\
            [Talk to {{temp.delegation.0.botId}}]({{{temp.delegation.0.botUrl}}})\n\n\
            By the way, {{temp.delegation.0.botId}} is telling you:\n> {{{temp.delegation.0.answer}}}";
        let expected = "The chatbot sub1 can help you with that question.\n\n\
            [Talk to sub1](http://localhost:3000/s/sub1)\n\n\
            By the way, sub1 is telling you:\n> I can help you answer payroll questions";
        check(&delegation(), &[(template, expected)]);
    }

    #[test]
    fn paths_and_values() {
        let data = json!({
            "a": [[1, null, "x"], {"b": 2}], "t": true, "f": false, "n": null, "o": {"k": 1},
            "i": 1, "fl": 0.93, "neg": -2.5, "big": 1e21, "tiny": 1e-7, "s": "héllo", "e": [],
        });
        let cases = [
            ("{{a.0.2}} {{a.1.b}}", "x 2"),
            ("{{a.2.b}}|{{a.01}}|{{nope.x}}|{{nope}}", "|||"),
            ("{{a.length}} {{s.length}} {{e.length}}", "2 5 0"),
            ("{{t}} {{f}} {{n}}|{{o}}", "true false |[object Object]"),
            ("{{a}}", "1,,x,[object Object]"),
            (
                "{{i}} {{fl}} {{neg}} {{big}} {{tiny}}",
                "1 0.93 -2.5 1e+21 1e-7",
            ),
            (
                "{{#o}}{{.}}{{/o}} {{#a.0}}[{{.}}]{{/a.0}}",
                "[object Object] [1][][x]",
            ),
        ];
        check(&data, &cases);
    }

    #[test]
    fn js_numbers() {
        let cases = [
            (1.0, "1"),
            (-0.0, "0"),
            (123456789.0, "123456789"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (1.25e21, "1.25e+21"),
            (1e20, "100000000000000000000"),
        ];
        for (x, expected) in cases {
            assert_eq!(js_number(x), expected, "{x}");
        }
        assert_eq!(js_string(&json!(u64::MAX)), "18446744073709552000");
    }

    #[test]
    fn sections_iterate_and_skip_falsy() {
        let cases = [
            (
                "{{#temp.delegation}}{{botId}} {{confidence}}\n{{/temp.delegation}}",
                "sub1 0.93\n",
            ),
            ("[{{^missing}}no{{/missing}}]", "[no]"),
        ];
        check(&delegation(), &cases);
        check(
            &json!({"l": [{"v": 1}, {"v": 2}]}),
            &[("{{#l}}<{{v}}>{{/l}}", "<1><2>")],
        );
        let section = ("[{{#x}}yes{{/x}}|{{^x}}no{{/x}}]", "[|no]");
        for falsy in [json!(false), json!(null), json!(""), json!(0), json!([])] {
            check(&json!({ "x": falsy }), &[section]);
        }
        let section = ("[{{#x}}yes{{/x}}|{{^x}}no{{/x}}]", "[yes|]");
        for truthy in [json!(true), json!("s"), json!(3), json!([1]), json!({})] {
            check(&json!({ "x": truthy }), &[section]);
        }
    }

    #[test]
    fn context_stack_lookup() {
        let data = json!({"name": "outer", "user": {"first": "Ann"}, "items": [{"name": "in"}, {}],
            "deep": {"x": {"y": 1}}, "shadow": {"x": {"z": 2}}});
        let cases = [
            (
                "{{#items}}{{name}}/{{user.first}};{{/items}}",
                "in/Ann;outer/Ann;",
            ),
            ("{{#items}}{{#user}}{{name}}{{/user}}{{/items}}", "inouter"),
            ("{{#deep.x}}{{y}}{{name}}{{/deep.x}}", "1outer"),
            // mustache.js tries the whole dotted path in each context, innermost first.
            ("{{#shadow}}{{x.z}}{{x.y}}{{/shadow}}", "2"),
        ];
        check(&data, &cases);
    }

    #[test]
    fn dotted_names_resolve_their_rest_only_inside_the_first_part_found() {
        // Spec `Dotted Names - Context Precedence` (mustache.js 4.2.0 renders `ERROR`).
        let data = json!({"a": {"b": {}}, "b": {"c": "ERROR"}, "temp": {"x": [{"botId": "s"}]}});
        let cases = [
            ("{{#a}}{{b.c}}{{/a}}", ""),
            ("{{#a}}{{#b.c}}yes{{/b.c}}{{^b.c}}no{{/b.c}}{{/a}}", "no"),
            ("{{#temp.x}}{{temp.x.0.botId}}{{/temp.x}}", "s"),
        ];
        check(&data, &cases);
    }

    #[test]
    fn missing_names_are_reported_once_each_and_found_nulls_are_not() {
        let data = json!({"n": null, "l": [{"a": 1}, {}]});
        let rendered = render_report(
            "{{n}}{{x}}{{temp.delegation.0.botId}}{{x}}{{#l}}{{a}}{{/l}}{{^gone}}-{{/gone}}{{#sec}}{{/sec}}",
            &data,
        );
        let missing = rendered.map(|r| r.missing);
        assert_eq!(
            missing.as_deref(),
            Ok(&["x", "temp.delegation.0.botId", "a", "sec"].map(String::from)[..]),
            "inverted sections on a missing name are how templates say `if not`"
        );
    }

    #[test]
    fn partials_render_with_their_own_delimiters_and_stop_when_they_recurse() {
        let partials = |name: &str| match name {
            "p" => Some("<{{v}}{{=| |=}}|v|>".to_string()),
            "loop" => Some("x{{>loop}}".to_string()),
            _ => None,
        };
        let data = json!({"v": 1});
        let got = render_with_partials("{{>p}} {{v}} {{>none}}", &data, &partials).map(|r| r.text);
        assert_eq!(got.as_deref(), Ok("<11> 1 "));
        let error = render_with_partials("ab{{>loop}}", &data, &partials).expect_err("deep");
        assert_eq!((error.kind, error.column), (TemplateErrorKind::TooDeep, 3));
        assert_eq!(
            render("[{{>p}}]", &data).as_deref(),
            Ok("[]"),
            "none supplied"
        );
    }

    #[test]
    fn botpress_renders_again_while_the_text_still_looks_like_a_template() {
        // Botpress's containsTemplate: indexOf('{{') < indexOf('}}'), -1 when absent.
        let looks = [
            ("a {{b}}", true),
            ("}} only", true),
            ("{{ only", false),
            ("}}{{", false),
        ];
        for (text, expected) in looks {
            assert_eq!(looks_like_template(text), expected, "{text:?}");
        }
        let data = json!({"a": "{{b}}", "b": "{{{c}}}", "c": "{{d}}", "d": "four"});
        let rendered = render_nested("{{{a}}}", &data).map(|r| r.text);
        assert_eq!(rendered.as_deref(), Ok("{{d}}"), "three passes, no fourth");
        let plain = render_nested("a}} b {{d}}", &data).map(|r| r.text);
        assert_eq!(
            plain.as_deref(),
            Ok("a}} b {{d}}"),
            "`}}` first: no template"
        );
        assert!(
            render_nested("Hello {{name", &data).is_err(),
            "rejected, as at load"
        );
        let broken = json!({"q": "{{#open}}"});
        assert!(
            render_nested("{{{q}}}", &broken).is_err(),
            "as Mustache.render throws"
        );
    }

    #[test]
    fn escaping() {
        let cases = [
            ("{{x}}", "&lt;b&gt;&amp;&quot;&#39;&#x2F;&#x60;&#x3D;"),
            (
                "{{{x}}}|{{& x}}|{{{ x }}}",
                "<b>&\"'/`=|<b>&\"'/`=|<b>&\"'/`=",
            ),
        ];
        check(&json!({"x": "<b>&\"'/`="}), &cases);
    }

    #[test]
    fn standalone_lines_comments_partials_delimiters() {
        let cases = [
            ("a\n  {{#l}}\n  - {{.}}\n  {{/l}}\nb", "a\n  - 1\n  - 2\nb"),
            ("a\r\n{{#l}}\r\n{{.}}\r\n{{/l}}\r\nb", "a\r\n1\r\n2\r\nb"),
            (
                "{{! c }}\nx {{! inline }}y\n  {{!\n multi\n }}  \nz",
                "x y\nz",
            ),
            ("a {{#l}}{{/l}} b\n", "a  b\n"),
            ("  {{v}}\n", "  V\n"),
            ("x\n  {{#l}}{{/l}}  ", "x\n"),
            ("[{{> partial}}]", "[]"),
            ("{{=<% %>=}}\n<% v %> {{v}} <%={{ }}=%>{{v}}", "V {{v}} V"),
        ];
        check(&json!({"l": [1, 2], "v": "V"}), &cases);
    }

    #[test]
    fn errors_name_the_tag_and_position() {
        use TemplateErrorKind::*;
        let unclosed = |tag: &str| UnclosedTag(tag.into());
        let mismatched = MismatchedClose {
            open: "a".into(),
            close: "b".into(),
        };
        let cases = [
            ("Hello {{name}", unclosed("{{name"), 1, 7),
            ("ok\n  {{name} and {{other}}", unclosed("{{name"), 2, 3),
            ("{{{raw}}", unclosed("{{{raw"), 1, 1),
            ("{{#a}}x", UnclosedSection("a".into()), 1, 1),
            ("x\n{{#a}}{{/b}}", mismatched, 2, 7),
            ("ü{{/a}}", UnexpectedClose("a".into()), 1, 2),
            ("{{}}", EmptyTagName, 1, 1),
            ("{{=<%=}}", InvalidDelimiters("<%=".into()), 1, 1),
        ];
        for (template, kind, line, column) in cases {
            let e = err(template);
            assert_eq!(
                (e.kind, e.line, e.column),
                (kind, line, column),
                "{template:?}"
            );
        }
        let deep = "{{#a}}".repeat(MAX_NESTING + 1);
        assert_eq!(err(&deep).kind, TooDeep);
        assert!(validate("{{#a}}{{/a}}").is_ok());
    }

    #[test]
    fn error_display_names_the_element() {
        let e = render_element("builtin_text-8mwYrq", "Hello {{name}", &json!({}))
            .expect_err("unclosed");
        assert_eq!(e.element.as_deref(), Some("builtin_text-8mwYrq"));
        assert_eq!(
            e.to_string(),
            "content element builtin_text-8mwYrq: unclosed tag `{{name` at line 1, column 7"
        );
        assert_eq!(
            err("{{#a}}").to_string(),
            "unclosed section `a` at line 1, column 1"
        );
    }

    #[test]
    fn template_output_that_multiplies_stops_at_the_limit() {
        let list: Vec<u32> = (0..1000).collect();
        let data = json!({ "a": list });
        let template = "{{#a}}{{#a}}{{#a}}XXXXXXXXXX{{/a}}{{/a}}{{/a}}";
        let error = render_element("builtin_text-x", template, &data).expect_err("too large");
        assert_eq!(
            error.kind,
            TemplateErrorKind::OutputTooLarge {
                limit: MAX_OUTPUT_BYTES
            }
        );
        assert_eq!((error.line, error.column), (1, 13), "the innermost section");
        assert!(
            error
                .to_string()
                .starts_with("content element builtin_text-x: output is larger")
        );
        let small = render_limited("{{#a}}{{.}}{{/a}}", &json!({"a": [1, 2, 3]}), 3);
        assert_eq!(small.as_deref(), Ok("123"), "exactly the limit is fine");
        assert!(render_limited("{{#a}}{{.}}{{/a}}", &json!({"a": [1, 2, 3, 4]}), 3).is_err());
    }

    #[test]
    fn template_section_that_multiplies_without_output_stops() {
        let list: Vec<u32> = (0..1000).collect();
        let data = json!({ "a": list });
        let started = std::time::Instant::now();
        let error = render("{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}", &data).expect_err("work");
        assert_eq!(error.kind, TemplateErrorKind::TooMuchWork);
        assert!(started.elapsed().as_secs() < 5, "stopped early");
        let fine: Vec<u32> = (0..100).collect();
        assert!(render("{{#a}}{{#a}}{{/a}}{{/a}}", &json!({ "a": fine })).is_ok());
    }

    #[test]
    fn non_ascii_passes_through() {
        let data = json!({"who": "Zoë 🤖", "l": ["日本"]});
        check(
            &data,
            &[(
                "Grüße, {{who}} — {{#l}}{{.}}{{/l}} ✅\n",
                "Grüße, Zoë 🤖 — 日本 ✅\n",
            )],
        );
    }

    #[test]
    fn every_short_template_renders_or_errors_without_panic() {
        let alphabet = ['{', '}', '#', '/', '^', '=', '!', '&', '.', 'a', ' ', '\n'];
        let data = json!({"a": [{"a": 1}, "é", null], ".": true});
        let mut templates = vec![String::new()];
        for _ in 0..5 {
            templates = templates
                .iter()
                .flat_map(|t| alphabet.map(|c| format!("{t}{c}")))
                .collect();
            for template in &templates {
                let _ = render(template, &data);
            }
        }
    }

    #[test]
    fn every_prefix_renders_or_errors_without_panic() {
        let templates = [
            "The chatbot {{temp.delegation.0.botId}} says:\n> {{{temp.delegation.0.answer}}}",
            "{{#temp.delegation}}\n  {{botId}} 🤖 {{& botUrl}}\n{{/temp.delegation}}{{^x}}é{{/x}}",
            "{{=<% %>=}}<%#a%>x<%/a%>{{! é }}<%={{ }}=%>{{.}}",
        ];
        let data = delegation();
        for template in templates {
            for (end, _) in template.char_indices().chain([(template.len(), ' ')]) {
                let _ = render(&template[..end], &data);
            }
        }
    }
}
