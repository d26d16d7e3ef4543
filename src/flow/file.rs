//! The flow file model: a Botpress `*.flow.json` parsed and validated into typed nodes,
//! `onEnter` instructions and `next[]` transitions. Answers "what does this flow file say?";
//! never runs anything (that is [`super::run`]) and never reads the disk (the workspace hands
//! it the text).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

use super::condition::Condition;

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
    /// A `"type": "skill-call"` node: the skill and its sub-flow (`skills/<skill>-….flow.json`),
    /// which Botpress enters instead of the node (`DialogEngine._goToSubflow`); interbot does
    /// not run skills.
    pub skill: Option<SkillCall>,
    /// The node has `onReceive` (even `[]`): Botpress waits for the user's next message after
    /// its `onEnter` (`InstructionsQueueBuilder.build` queues a `wait`), so the turn ends there.
    pub waits: bool,
}

/// The skill a `skill-call` node calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillCall {
    /// `skill` (`choice`, `Slot` …).
    pub skill: String,
    /// `flow`: the skill's sub-flow, relative to `flows/`.
    pub flow: String,
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

/// Where a transition leads, read as Botpress's `DialogEngine._transition`
/// (`src/bp/core/services/dialog/dialog-engine.ts`) reads `next[].node`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The node with this name (checked to exist at parse time).
    Node(String),
    /// The end of the turn: `END`; `""` (no destination, the editor's red port: Botpress
    /// ends the flow); `#`, `##` or `#<node>` (return to the flow that called this one, and
    /// the main flow was called by none, so Botpress stays where it is).
    End,
    /// Another flow (a name holding `.flow.json`, e.g. `other.flow.json`): Botpress enters
    /// its start node; interbot does not run other flows, so the turn ends there.
    Flow(String),
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
    #[serde(default)]
    catch_all: Option<Value>,
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
    #[serde(default)]
    on_receive: Option<Value>,
    #[serde(default, rename = "type")]
    kind: Option<Value>,
    #[serde(default)]
    skill: Option<Value>,
    #[serde(default)]
    flow: Option<Value>,
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
        let catch_all = raw.catch_all.as_ref().and_then(|c| c.get("next"));
        if catch_all
            .and_then(Value::as_array)
            .is_some_and(|next| !next.is_empty())
        {
            warnings.push(
                "catchAll.next transitions are not run by interbot (only each node's next[])"
                    .to_string(),
            );
        }
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
    let mut warn = |message: String| warnings.push(format!("node {name:?}: {message}"));
    let on_enter: Vec<Instruction> = raw
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
            problems.into_iter().for_each(&mut warn);
            if let Instruction::Unsupported(action) = &instruction {
                let action = action.split_whitespace().next().unwrap_or_default();
                warn(format!(
                    "action `{action}` is not run by interbot; a turn skips it"
                ));
            }
            Ok(instruction)
        })
        .collect::<Result<_, FlowError>>()?;
    let next: Vec<Transition> = raw
        .next
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let condition = Condition::lenient(&t.condition);
            if let Some(error) = condition.unsupported() {
                warn(format!(
                    "condition {:?} is not supported ({error}); the transition to {:?} is never taken",
                    t.condition, t.node
                ));
            }
            let target = target(t.node);
            if let Target::Flow(flow) = &target {
                warn(format!(
                    "transition to flow `{flow}`, which interbot does not run; a turn that takes it ends there"
                ));
            }
            Transition { condition, target }
        })
        .collect();
    let text = |value: &Option<Value>| value.as_ref().and_then(Value::as_str).map(str::to_string);
    let skill = (text(&raw.kind).as_deref() == Some("skill-call")).then(|| SkillCall {
        skill: text(&raw.skill).unwrap_or_default(),
        flow: text(&raw.flow).unwrap_or_default(),
    });
    if let Some(call) = &skill {
        warn(format!(
            "calls skill `{}` (flow `{}`), which interbot does not run; a turn that enters it ends there",
            call.skill, call.flow
        ));
    }
    Ok(Node {
        id: raw.id,
        name,
        on_enter,
        next,
        skill,
        waits: raw.on_receive.is_some_and(|value| !value.is_null()),
    })
}

/// What a `next[].node` names, as Botpress's `DialogEngine._transition` tells them apart: a
/// name holding `.flow.json` first, then `#…`, `END`, and `""` (no destination at all).
fn target(node: String) -> Target {
    if node.contains(".flow.json") {
        Target::Flow(node)
    } else if node.is_empty() || node.starts_with('#') || node == "END" {
        Target::End
    } else {
        Target::Node(node)
    }
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
        let flow = flow_with(json!([]), next).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(flow.warnings.len(), 1, "{:?}", flow.warnings);
        assert!(
            flow.warnings[0]
                .starts_with("node \"entry\": condition \"temp.a + 1\" is not supported"),
            "{:?}",
            flow.warnings
        );
        assert!(flow.warnings[0].contains("column 8"), "{:?}", flow.warnings);
        assert!(
            !flow.nodes[0].next[0]
                .condition
                .eval(&json!({"temp": {"a": 1}}))
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
    fn botpress_template_transitions_skills_and_waits_load_with_named_warnings() {
        let nodes = json!([
            {"id": "entry", "name": "entry", "onEnter": [], "onReceive": null,
             "next": [{"condition": "lastNode=entry", "node": "ask"},
                      {"condition": "event.nlu.intent.name.startsWith('x')", "node": "ask"},
                      {"condition": "true", "node": "other.flow.json"}]},
            {"id": "skill-1a2b3c", "type": "skill-call", "skill": "choice", "name": "ask",
             "flow": "skills/choice-1a2b3c.flow.json", "onEnter": null, "onReceive": null,
             "next": [{"caption": "On failure", "condition": "true", "node": "##"},
                      {"condition": "true", "node": "#ask"},
                      {"condition": "true", "node": ""}]},
            {"id": "w", "name": "wait", "onEnter": ["builtin/setVariable {\"name\":\"a\"}"],
             "onReceive": [], "next": []}
        ]);
        let text = json!({"startNode": "entry", "catchAll": {"next": [{"condition": "true", "node": "wait"}]},
                          "nodes": nodes}).to_string();
        let flow = Flow::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let targets: Vec<Target> = flow.nodes[0]
            .next
            .iter()
            .map(|t| t.target.clone())
            .collect();
        let node = |name: &str| Target::Node(name.to_string());
        let other = Target::Flow("other.flow.json".to_string());
        assert_eq!(targets, [node("ask"), node("ask"), other]);
        let ask = &flow.nodes[1];
        assert!(
            ask.next.iter().all(|t| t.target == Target::End),
            "##, #node and \"\""
        );
        let skill = SkillCall {
            skill: "choice".to_string(),
            flow: "skills/choice-1a2b3c.flow.json".to_string(),
        };
        assert_eq!(ask.skill, Some(skill));
        assert_eq!(
            flow.nodes.iter().map(|n| n.waits).collect::<Vec<_>>(),
            [false, false, true],
            "onReceive [] waits, null does not"
        );
        let expected = [
            "catchAll.next transitions are not run",
            "node \"entry\": condition \"event.nlu.intent.name.startsWith('x')\" is not supported",
            "node \"entry\": transition to flow `other.flow.json`",
            "node \"ask\": calls skill `choice` (flow `skills/choice-1a2b3c.flow.json`)",
            "node \"wait\": action `builtin/setVariable` is not run by interbot",
        ];
        assert_eq!(flow.warnings.len(), expected.len(), "{:#?}", flow.warnings);
        for (warning, start) in flow.warnings.iter().zip(expected) {
            assert!(warning.starts_with(start), "{warning}");
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
