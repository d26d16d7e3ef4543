//! The flow file model: a Botpress `*.flow.json` parsed and validated into typed nodes,
//! `onEnter` instructions and `next[]` transitions. Answers "what does this flow file say?";
//! never runs anything (that is [`super::run`]) and never reads the disk (the workspace hands
//! it the text).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

use super::condition::{Condition, ExprError};

/// The threshold `delegate_to_bots` uses when `minConfidence` is missing or not a number
/// (the Botpress interbot example's default); also the workspace's default threshold.
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.5;

/// A master flow: the start node and every node, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// Name of the node a conversation turn starts in; always names one of `nodes`.
    pub start_node: String,
    /// The nodes, in file order; names are unique.
    pub nodes: Vec<Node>,
    /// What is wrong but did not stop the flow from loading (an invalid `minConfidence`
    /// replaced by the default, a bot named twice), one sentence each, naming the node.
    pub warnings: Vec<String>,
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
    /// The arguments as written, when one of them is a template (`{"bots": "{{temp.bots}}"}`):
    /// Botpress renders every argument of an action against the turn's state before the
    /// action runs (`ActionStrategy.invokeAction`, `_.mapValues(args, value =>
    /// renderTemplate(value, …))`, in Botpress's
    /// `src/bp/core/services/dialog/instruction/strategy.ts`), so [`DelegateArgs::render`]
    /// reads them again then. Meanwhile `bots` and `min_confidence` hold what the arguments
    /// that are no template say (a templated `bots` counts as missing: every other bot).
    pub templates: Option<Map<String, Value>>,
}

impl DelegateArgs {
    /// The arguments for this turn: each templated argument rendered against `state` as
    /// Botpress does ([`crate::template::render_nested`]), then read as at load time;
    /// `problems` gets what was wrong (an argument that does not render keeps its text).
    pub fn render(&self, state: &Value, problems: &mut Vec<String>) -> DelegateArgs {
        let Some(templates) = &self.templates else {
            return self.clone();
        };
        let rendered: Map<String, Value> = templates
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    Value::String(text) => match crate::template::render_nested(text, state) {
                        Ok(rendered) => Value::String(rendered.text),
                        Err(error) => {
                            problems.push(format!(
                                "delegate_to_bots argument `{key}` does not render: {error}"
                            ));
                            value.clone()
                        }
                    },
                    other => other.clone(),
                };
                (key.clone(), value)
            })
            .collect();
        read_delegate(&rendered, problems).unwrap_or_else(|error| {
            problems.push(format!("delegate_to_bots, once rendered: {error}"));
            DelegateArgs {
                templates: None,
                ..self.clone()
            }
        })
    }
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
        let mut warnings = Vec::new();
        let nodes = raw
            .nodes
            .into_iter()
            .map(|node| node_from_raw(node, &mut warnings))
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
        Ok(Flow {
            start_node,
            nodes,
            warnings,
        })
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

fn node_from_raw(raw: RawNode, warnings: &mut Vec<String>) -> Result<Node, FlowError> {
    let name = raw.name;
    let on_enter = raw
        .on_enter
        .unwrap_or_default()
        .into_iter()
        .map(|text| {
            let mut problems = Vec::new();
            let instruction = parse_instruction(&text, &mut problems).map_err(|message| {
                FlowError::BadInstruction {
                    node: name.clone(),
                    instruction: text.clone(),
                    message,
                }
            })?;
            warnings.extend(
                problems
                    .into_iter()
                    .map(|problem| format!("node {name:?}: {problem}")),
            );
            Ok(instruction)
        })
        .collect::<Result<_, FlowError>>()?;
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

/// Parses one `onEnter` string; `Err` holds why a known action's arguments are invalid,
/// `warnings` gets what was wrong but replaced by a default.
fn parse_instruction(text: &str, warnings: &mut Vec<String>) -> Result<Instruction, String> {
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
        ("delegate_to_bots", _) => parse_delegate(args, warnings).map(Instruction::Delegate),
        _ => Ok(Instruction::Unsupported(text.to_string())),
    }
}

/// Reads `delegate_to_bots` arguments the way the Botpress action does
/// (`examples/interbot/bots/master/actions/delegate_to_bots.js`): `bots` is a
/// comma-separated string (a list of strings is accepted too); `minConfidence` is read as
/// `Number(minConfidence)`, NaN then [`DEFAULT_MIN_CONFIDENCE`], and a missing one is the
/// default: so `""`, `null`, `false` and `"0x0"` are 0, `" 0.25 "` is 0.25, `true` is 1, and
/// `"abc"` is 0.5. A NaN, a value above 1 (no bot can pass) or below 0 (every bot passes)
/// is reported in `warnings`, as is a bot named twice (asked once).
///
/// A string argument that is a template is kept for the turn to render
/// ([`DelegateArgs::templates`]) and left out of what is read now.
fn parse_delegate(args: &str, warnings: &mut Vec<String>) -> Result<DelegateArgs, String> {
    let args: Map<String, Value> = if args.is_empty() {
        Map::new()
    } else {
        serde_json::from_str(args).map_err(|e| format!("arguments must be a JSON object: {e}"))?
    };
    let is_template = |value: &Value| {
        value
            .as_str()
            .is_some_and(crate::template::looks_like_template)
    };
    if !args.values().any(is_template) {
        return read_delegate(&args, warnings);
    }
    let plain: Map<String, Value> = args
        .iter()
        .filter(|(_, value)| !is_template(value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let mut now = read_delegate(&plain, warnings)?;
    now.templates = Some(args);
    Ok(now)
}

/// Reads `delegate_to_bots` arguments once they are plain values (see [`parse_delegate`]).
fn read_delegate(
    args: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<DelegateArgs, String> {
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
    let mut bots: Vec<String> = Vec::new();
    for bot in names.into_iter().map(str::trim).filter(|b| !b.is_empty()) {
        if bots.iter().any(|b| b == bot) {
            warnings.push(format!(
                "delegate_to_bots names bot `{bot}` more than once; it is asked once"
            ));
        } else {
            bots.push(bot.to_string());
        }
    }
    let min_confidence = match args.get("minConfidence") {
        // `exec(bots = '', minConfidence = '0.5')`: only a missing argument takes the default.
        None => DEFAULT_MIN_CONFIDENCE,
        Some(given) => {
            let number = super::condition::js_number(given);
            if number.is_nan() {
                warnings.push(format!(
                    "delegate_to_bots minConfidence {given} is not a number (Botpress's Number() reads NaN); using {DEFAULT_MIN_CONFIDENCE}, as Botpress does"
                ));
                DEFAULT_MIN_CONFIDENCE
            } else {
                if number > 1.0 {
                    warnings.push(format!(
                        "delegate_to_bots minConfidence {given} reads as {number}: above 1, no bot can pass (as in Botpress)"
                    ));
                } else if number < 0.0 {
                    warnings.push(format!(
                        "delegate_to_bots minConfidence {given} reads as {number}: below 0, every bot asked passes, even one that matched nothing or failed (as in Botpress)"
                    ));
                }
                number
            }
        }
    };
    Ok(DelegateArgs {
        bots,
        min_confidence,
        templates: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn no_prefix_of_a_flow_parses() {
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
            templates: None,
        })
    }

    fn say(element_id: &str) -> Instruction {
        let element_id = element_id.to_string();
        Instruction::Say { element_id }
    }

    #[test]
    fn templated_arguments_are_kept_and_rendered_against_the_turn_state() {
        let text = r#"delegate_to_bots {"bots":"{{temp.bots}}","minConfidence":"0.7"}"#;
        let Instruction::Delegate(args) = instruction(text) else {
            panic!("a delegation");
        };
        assert_eq!((args.bots.len(), args.min_confidence), (0, 0.7));
        assert!(args.templates.is_some());
        let mut problems = Vec::new();
        let state = json!({"temp": {"bots": "b , a"}});
        let now = args.render(&state, &mut problems);
        assert_eq!(
            (now.bots, now.min_confidence),
            (vec!["b".into(), "a".into()], 0.7)
        );
        assert!(problems.is_empty(), "{problems:?}");
        let broken = args.render(&json!({"temp": {"bots": "{{#x}}"}}), &mut problems);
        assert_eq!(broken.bots, ["{{temp.bots}}"], "kept as written");
        assert!(
            problems[0].contains("argument `bots` does not render"),
            "{problems:?}"
        );
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
                delegate(&[], 1.0),
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
    fn invalid_min_confidence_and_repeated_bots_are_reported() {
        // Botpress: `Number(minConfidence)`, NaN → 0.5; outside [0, 1] it is used as it is.
        let read = |given: &str| {
            let text = format!(r#"delegate_to_bots {{"bots":"a","minConfidence":{given}}}"#);
            flow_with(json!([text]), json!([])).unwrap_or_else(|e| panic!("{e}"))
        };
        for (given, expected) in [
            (r#""abc""#, 0.5),
            (r#""-1""#, -1.0),
            (r#""2""#, 2.0),
            ("-1", -1.0),
            ("2", 2.0),
            ("{}", 0.5),
        ] {
            let flow = read(given);
            assert_eq!(
                flow.nodes[0].on_enter[0],
                delegate(&["a"], expected),
                "{given}"
            );
            assert_eq!(flow.warnings.len(), 1, "{given}: {:?}", flow.warnings);
            assert!(flow.warnings[0].starts_with("node \"entry\": delegate_to_bots minConfidence"));
        }
        for (given, expected) in [
            ("true", 1.0),
            (r#""0x1""#, 1.0),
            (r#"" 0.25\n""#, 0.25),
            ("null", 0.0),
            (r#""""#, 0.0),
            (r#""0x0""#, 0.0),
            (r#""  ""#, 0.0),
            ("false", 0.0),
            ("[]", 0.0),
        ] {
            let flow = read(given);
            assert_eq!(
                flow.nodes[0].on_enter[0],
                delegate(&["a"], expected),
                "{given}"
            );
            assert!(flow.warnings.is_empty(), "{given}: {:?}", flow.warnings);
        }
        let text = r#"delegate_to_bots {"bots":"a, b,a","minConfidence":"0"}"#;
        let flow = flow_with(json!([text]), json!([])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(flow.nodes[0].on_enter[0], delegate(&["a", "b"], 0.0));
        assert_eq!(flow.warnings.len(), 1, "{:?}", flow.warnings);
        assert!(flow.warnings[0].contains("`a` more than once"));
        let fine = flow_with(json!(["delegate_to_bots {\"bots\":\"a\"}"]), json!([]));
        assert!(
            fine.is_ok_and(|f| f.warnings.is_empty()),
            "missing means the default"
        );
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
