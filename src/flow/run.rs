//! Running a flow for one user turn: enter the start node, have its `onEnter` instructions
//! carried out, take the first `next[]` transition whose condition holds, and so on until a
//! transition ends the turn or no transition holds.
//!
//! What interbot does not run ends the turn where Botpress would go on elsewhere, with a note
//! saying so ([`Outcome::notes`]): a `skill-call` node, a transition to another flow, a node
//! that waits for the user's next message (`onReceive`); a transition whose condition is
//! outside the supported subset is never taken, and a note says so when the runner reaches it.
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
    /// What the turn met that interbot does not run, one sentence each naming the node.
    pub notes: Vec<String>,
}

/// Runs `flow` for one turn over `state`, having `host` carry out every instruction.
pub async fn run(flow: &Flow, state: &mut Value, host: &mut impl Instructions) -> Outcome {
    run_from(flow, &flow.start_node, state, host).await
}

/// [`run`], entering node `start` first instead of the start node (as Botpress's
/// `DialogEngine.jumpTo` does for a QnA entry that redirects to a node).
pub async fn run_from(
    flow: &Flow,
    start: &str,
    state: &mut Value,
    host: &mut impl Instructions,
) -> Outcome {
    let mut outcome = Outcome {
        nodes: Vec::new(),
        stopped: None,
        notes: Vec::new(),
    };
    let mut current = start.to_string();
    for _ in 0..MAX_FLOW_STEPS {
        let nodes = &mut outcome.nodes;
        if nodes.contains(&current) {
            nodes.push(current);
            outcome.stopped = Some(format!(
                "flow loops without waiting for the user ({}); stopped",
                nodes.join(" → ")
            ));
            return outcome;
        }
        let Some(node) = flow.node_by_name(&current) else {
            outcome.stopped = Some(format!("flow has no node named `{current}`"));
            return outcome;
        };
        nodes.push(node.name.clone());
        if let Some(call) = &node.skill {
            outcome.notes.push(format!(
                "node `{}` calls skill `{}` (flow `{}`), which interbot does not run; the turn ends there",
                node.name, call.skill, call.flow
            ));
            return outcome;
        }
        for instruction in &node.on_enter {
            host.execute(instruction, state).await;
        }
        if node.waits {
            outcome.notes.push(format!(
                "node `{}` waits for the user's next message (onReceive); interbot runs one message per turn, so the turn ends there",
                node.name
            ));
            return outcome;
        }
        // Botpress's `lastNode=` reads the node before the current one (`strategy.ts`).
        let last_node = match nodes.len() {
            0 | 1 => nodes.first(),
            n => nodes.get(n - 2),
        };
        let mut taken = None;
        for transition in &node.next {
            if let Some(error) = transition.condition.unsupported() {
                outcome.notes.push(format!(
                    "node `{}`: condition {:?} is not supported ({error}); its transition was not taken",
                    node.name,
                    transition.condition.source()
                ));
            } else if transition
                .condition
                .holds(state, last_node.map(String::as_str))
            {
                taken = Some(&transition.target);
                break;
            }
        }
        match taken {
            Some(Target::Node(name)) => current = name.clone(),
            Some(Target::Flow(name)) => {
                outcome.notes.push(format!(
                    "node `{}`: transition to flow `{name}`, which interbot does not run; the turn ends there",
                    node.name
                ));
                return outcome;
            }
            Some(Target::End) | None => return outcome,
        }
    }
    outcome.stopped = Some(format!(
        "flow entered {MAX_FLOW_STEPS} nodes in one turn; stopped"
    ));
    outcome
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
    fn what_interbot_does_not_run_ends_the_turn_with_a_note() {
        let flow = flow(json!([
            {"name": "entry", "onEnter": ["say #!a"],
             "next": [{"condition": "a.b()", "node": "b"}, {"condition": "true", "node": "skill"}]},
            {"name": "skill", "type": "skill-call", "skill": "choice", "flow": "skills/c.flow.json",
             "onEnter": ["say #!never"], "next": [{"condition": "true", "node": "b"}]},
            {"name": "b"}
        ]));
        let (outcome, done) = run_with(&flow, json!([]));
        assert_eq!(outcome.nodes, ["entry", "skill"]);
        assert_eq!(done, ["say a"], "a skill node runs nothing of its own");
        assert_eq!(outcome.notes.len(), 2, "{:?}", outcome.notes);
        assert!(outcome.notes[0].contains("condition \"a.b()\" is not supported"));
        assert!(outcome.notes[1].contains("calls skill `choice`"));
        assert_eq!(outcome.stopped, None);

        let flow = super::super::Flow::parse(
            &json!({"startNode": "entry", "nodes": [
                {"name": "entry", "onEnter": ["say #!a"], "onReceive": [],
                 "next": [{"condition": "true", "node": "b"}]},
                {"name": "b"}]})
            .to_string(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (outcome, done) = run_with(&flow, json!([]));
        assert_eq!(
            (outcome.nodes, done),
            (vec!["entry".to_string()], vec!["say a".to_string()])
        );
        assert!(outcome.notes[0].contains("waits for the user's next message"));

        let flow = self::flow(json!([
            {"name": "entry", "next": [{"condition": "true", "node": "b"}]},
            {"name": "b", "next": [{"condition": "lastNode=b", "node": "END"},
                                   {"condition": "lastNode=entry", "node": "other.flow.json"}]}
        ]));
        let (outcome, _) = run_with(&flow, json!([]));
        assert_eq!(outcome.nodes, ["entry", "b"]);
        assert!(
            outcome.notes[0].contains("transition to flow `other.flow.json`"),
            "lastNode= names the node before: {:?}",
            outcome.notes
        );
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
