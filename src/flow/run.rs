//! Running a flow for one user turn: enter the start node, have its `onEnter` instructions
//! carried out, take the first `next[]` transition whose condition holds, and so on until a
//! transition ends the turn or no transition holds.
//!
//! The runner owns the control flow and its safety limits (a node entered twice in one turn
//! is a loop that never waits for the user; at most [`MAX_FLOW_STEPS`] nodes per turn); what
//! an instruction *does* (render a content element, delegate to the sub-bots) is the host's
//! job, through [`Instructions`], so this module needs nothing above it.

use std::future::Future;

use serde_json::Value;

use super::file::{Flow, Instruction, Target};

/// At most this many flow nodes are entered in one turn.
pub const MAX_FLOW_STEPS: usize = 100;

/// Carries out `onEnter` instructions for the runner (the session does, with the workspace's
/// content elements and the delegator).
pub trait Instructions {
    /// Carries out one instruction, reading and updating the dialog `state`
    /// (`delegate_to_bots` sets `temp.delegation`, which later conditions read).
    fn execute(
        &mut self,
        instruction: &Instruction,
        state: &mut Value,
    ) -> impl Future<Output = ()> + Send;
}

/// How one turn through a flow went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The names of the nodes entered, in order (a looping node appears a second time).
    pub nodes: Vec<String>,
    /// Why the runner stopped the turn early, if it did: a loop, a missing node, or too many
    /// steps.
    pub stopped: Option<String>,
}

/// Runs `flow` for one turn over `state`, having `host` carry out every instruction.
pub async fn run(flow: &Flow, state: &mut Value, host: &mut impl Instructions) -> Outcome {
    let mut nodes: Vec<String> = Vec::new();
    let mut current = flow.start_node.clone();
    for _ in 0..MAX_FLOW_STEPS {
        if nodes.contains(&current) {
            nodes.push(current);
            let stopped = format!(
                "flow loops without waiting for the user ({}); stopped",
                nodes.join(" → ")
            );
            return Outcome {
                nodes,
                stopped: Some(stopped),
            };
        }
        let Some(node) = flow.node_by_name(&current) else {
            let stopped = format!("flow has no node named `{current}`");
            return Outcome {
                nodes,
                stopped: Some(stopped),
            };
        };
        nodes.push(node.name.clone());
        for instruction in &node.on_enter {
            host.execute(instruction, state).await;
        }
        let next = node.next.iter().find(|t| t.condition.eval(state));
        match next.map(|t| &t.target) {
            Some(Target::Node(name)) => current = name.clone(),
            Some(Target::End) | None => {
                return Outcome {
                    nodes,
                    stopped: None,
                };
            }
        }
    }
    let stopped = format!("flow entered {MAX_FLOW_STEPS} nodes in one turn; stopped");
    Outcome {
        nodes,
        stopped: Some(stopped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Records what it was asked to do and sets `temp.delegation` like the real host.
    struct Recorder {
        done: Vec<String>,
        delegation: Value,
    }

    impl Instructions for Recorder {
        async fn execute(&mut self, instruction: &Instruction, state: &mut Value) {
            match instruction {
                Instruction::Say { element_id } => self.done.push(format!("say {element_id}")),
                Instruction::Delegate(args) => {
                    self.done.push(format!("delegate {}", args.bots.join(",")));
                    state["temp"]["delegation"] = self.delegation.clone();
                }
                Instruction::Unsupported(action) => self.done.push(action.clone()),
            }
        }
    }

    fn flow(nodes: Value) -> Flow {
        let text = json!({"startNode": "entry", "nodes": nodes}).to_string();
        Flow::parse(&text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn run_with(flow: &Flow, delegation: Value) -> (Outcome, Vec<String>) {
        let mut host = Recorder {
            done: Vec::new(),
            delegation,
        };
        let mut state = json!({"temp": {}});
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let outcome = runtime.block_on(run(flow, &mut state, &mut host));
        (outcome, host.done)
    }

    fn botpress_example() -> Flow {
        flow(json!([
            {"name": "entry", "onEnter": ["delegate_to_bots {\"bots\":\"sub1,sub2\"}"],
             "next": [{"condition": "temp.delegation && temp.delegation.length", "node": "found"},
                      {"condition": "true", "node": "none"}]},
            {"name": "found", "onEnter": ["say #!found"], "next": [{"condition": "true", "node": "END"}]},
            {"name": "none", "onEnter": ["say #!none"]}
        ]))
    }

    #[test]
    fn transitions_follow_what_instructions_set() {
        let flow = botpress_example();
        let (outcome, done) = run_with(&flow, json!([{"botId": "sub1"}]));
        assert_eq!(outcome.nodes, ["entry", "found"]);
        assert_eq!(outcome.stopped, None);
        assert_eq!(done, ["delegate sub1,sub2", "say found"]);

        let (outcome, done) = run_with(&flow, json!([]));
        assert_eq!(outcome.nodes, ["entry", "none"]);
        assert_eq!(done, ["delegate sub1,sub2", "say none"]);
    }

    #[test]
    fn a_loop_stops_the_turn_and_names_the_nodes() {
        let flow = flow(json!([
            {"name": "entry", "onEnter": ["say #!a"], "next": [{"condition": "true", "node": "b"}]},
            {"name": "b", "next": [{"condition": "true", "node": "entry"}]}
        ]));
        let (outcome, done) = run_with(&flow, json!([]));
        assert_eq!(outcome.nodes, ["entry", "b", "entry"]);
        let stopped = outcome.stopped.unwrap_or_default();
        assert!(stopped.contains("entry → b → entry"), "{stopped}");
        assert_eq!(
            done,
            ["say a"],
            "the repeated node's instructions do not run again"
        );
    }
}
