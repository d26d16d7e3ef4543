//! Which `minConfidence` is in force, where it comes from, and whether its sources disagree.
//!
//! Two files can name a delegation threshold: `interbot.json`'s `minConfidence` and the
//! master flow's `delegate_to_bots {"minConfidence": …}` argument. The rule:
//!
//! - **The flow's argument wins for the master's delegation.** It is the only threshold
//!   Botpress itself reads, so the same files route the same way in Botpress and in interbot.
//!   A `delegate_to_bots` without `minConfidence` uses 0.5, as Botpress's action does.
//! - **`interbot.json`'s `minConfidence`** (default 0.5) is the threshold of a sub-bot asked
//!   directly and of a master without a flow.
//! - **An override** (`--min-confidence`, [`apply_override`]) replaces both for one run, for
//!   experiments, without touching a file.
//!
//! When `interbot.json` sets `minConfidence` and a `delegate_to_bots` in the master flow uses
//! another value, [`disagreements`] reports it as a warning (listed by `interbot check` and
//! the terminal app's problems view), so the two never disagree silently.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::error::LoadProblem;
use crate::flow::Instruction;
use crate::workspace::{MASTER_ID, Workspace, json};

/// Where the threshold in force comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// A `delegate_to_bots` of the master flow, in this node.
    Flow {
        /// The node's name.
        node: String,
    },
    /// `interbot.json`'s `minConfidence` (or its 0.5 default).
    Settings,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flow { node } => write!(f, "delegate_to_bots in flow node `{node}`"),
            Source::Settings => write!(f, "interbot.json minConfidence"),
        }
    }
}

/// A threshold and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InForce {
    /// The threshold in [0, 1].
    pub value: f64,
    /// Where it comes from.
    pub source: Source,
}

/// Every `delegate_to_bots` of the master flow: (node name, its threshold), in file order.
pub fn flow_thresholds(workspace: &Workspace) -> Vec<(String, f64)> {
    let Some(flow) = workspace.bot(MASTER_ID).and_then(|bot| bot.flow.as_ref()) else {
        return Vec::new();
    };
    flow.nodes
        .iter()
        .flat_map(|node| {
            node.on_enter
                .iter()
                .filter_map(|instruction| match instruction {
                    Instruction::Delegate(args) => Some((node.name.clone(), args.min_confidence)),
                    _ => None,
                })
        })
        .collect()
}

/// The threshold the master delegates with: its flow's first `delegate_to_bots` (the start
/// node's if it has one), else `interbot.json`'s.
pub fn master(workspace: &Workspace) -> InForce {
    let flow = flow_thresholds(workspace);
    let start = workspace
        .bot(MASTER_ID)
        .and_then(|bot| bot.flow.as_ref())
        .map(|flow| flow.start_node.clone());
    let chosen = flow
        .iter()
        .find(|(node, _)| Some(node) == start.as_ref())
        .or_else(|| flow.first());
    match chosen {
        Some((node, value)) => InForce {
            value: *value,
            source: Source::Flow { node: node.clone() },
        },
        None => InForce {
            value: workspace.settings.min_confidence,
            source: Source::Settings,
        },
    }
}

/// The path of `interbot.json` in `workspace`.
fn settings_path(workspace: &Workspace) -> PathBuf {
    workspace.root.join("interbot.json")
}

/// Whether `interbot.json` names `minConfidence` itself (rather than leaving the default).
fn settings_name_threshold(workspace: &Workspace) -> bool {
    let path = settings_path(workspace);
    path.is_file() && json::read(&path).is_ok_and(|file| file.value.get("minConfidence").is_some())
}

/// A warning for each `delegate_to_bots` whose threshold differs from the one
/// `interbot.json` sets (none when `interbot.json` does not set one).
pub fn disagreements(workspace: &Workspace) -> Vec<LoadProblem> {
    if !settings_name_threshold(workspace) {
        return Vec::new();
    }
    let settings = workspace.settings.min_confidence;
    flow_thresholds(workspace)
        .into_iter()
        .filter(|(_, value)| (value - settings).abs() > 1e-9)
        .map(|(node, value)| {
            LoadProblem::warning(
                settings_path(workspace),
                format!(
                    "minConfidence {settings} differs from the master flow's delegate_to_bots \
                     minConfidence {value} (node `{node}`); the flow's value is used for the \
                     master's delegation, interbot.json's for sub-bots asked directly"
                ),
            )
        })
        .collect()
}

/// Sets every threshold of `workspace` (interbot.json's and each `delegate_to_bots` of the
/// master flow) to `value`, for one run: nothing is saved. Values outside [0, 1] are clamped.
pub fn apply_override(workspace: &mut Workspace, value: f64) {
    let value = value.clamp(0.0, 1.0);
    workspace.settings.min_confidence = value;
    for bot in &mut workspace.bots {
        if bot.id != MASTER_ID {
            continue;
        }
        let Some(flow) = bot.flow.as_mut() else {
            continue;
        };
        for node in &mut flow.nodes {
            for instruction in &mut node.on_enter {
                if let Instruction::Delegate(args) = instruction {
                    args.min_confidence = value;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::flow::Flow;
    use crate::workspace::{Bot, BotConfig, Settings};

    fn workspace(flow: Option<&str>, settings: f64) -> Workspace {
        let master = Bot {
            id: MASTER_ID.to_string(),
            dir: PathBuf::from("master"),
            config: BotConfig {
                name: "Master".to_string(),
                description: None,
                default_language: "en".to_string(),
                oneflow: false,
                raw: serde_json::json!({}),
            },
            qna: Vec::new().into(),
            elements: Vec::new(),
            flow: flow.map(|text| Flow::parse(text).expect("a valid flow")),
        };
        Workspace {
            root: PathBuf::from("/nonexistent"),
            bots: vec![master],
            settings: Settings {
                min_confidence: settings,
                ..Settings::default()
            },
            problems: Vec::new(),
            snapshots: None,
        }
    }

    const TWO_DELEGATIONS: &str = r#"{"startNode": "second", "nodes": [
        {"id": "a", "name": "first", "onEnter": ["delegate_to_bots {\"minConfidence\":\"0.3\"}"], "next": []},
        {"id": "b", "name": "second", "onEnter": ["delegate_to_bots {\"minConfidence\":\"0.7\"}"], "next": []}
    ]}"#;

    #[test]
    fn the_start_nodes_delegation_wins_over_interbot_json() {
        let ws = workspace(Some(TWO_DELEGATIONS), 0.4);
        assert_eq!(
            master(&ws),
            InForce {
                value: 0.7,
                source: Source::Flow {
                    node: "second".into()
                }
            }
        );
        assert_eq!(
            flow_thresholds(&ws),
            [("first".to_string(), 0.3), ("second".to_string(), 0.7)]
        );
    }

    #[test]
    fn without_a_flow_interbot_json_is_in_force() {
        let ws = workspace(None, 0.4);
        assert_eq!(master(&ws).value, 0.4);
        assert_eq!(master(&ws).source, Source::Settings);
        // interbot.json is not on disk here: nothing can disagree.
        assert!(disagreements(&ws).is_empty());
    }

    #[test]
    fn an_override_replaces_every_threshold() {
        let mut ws = workspace(Some(TWO_DELEGATIONS), 0.4);
        apply_override(&mut ws, 0.25);
        assert_eq!(ws.settings.min_confidence, 0.25);
        assert!(flow_thresholds(&ws).iter().all(|(_, v)| *v == 0.25));
        apply_override(&mut ws, 7.0);
        assert_eq!(master(&ws).value, 1.0, "clamped to [0, 1]");
    }
}
