//! The subset of Botpress flows the master bot runs, in three parts:
//!
//! - [`file`](self::Flow): what a `main.flow.json` says — nodes, `onEnter` instructions and
//!   `next[]` transitions, parsed and validated once when the workspace loads;
//! - [`condition`](self::Condition): the safe, JavaScript-like expression language of
//!   `next[].condition` (lexer, parser with a nesting limit, evaluator);
//! - [`run`](mod@run): walking the nodes of one turn, with loop and step limits, while an
//!   [`Instructions`] host (the session) carries out `say` and `delegate_to_bots`.
//!
//! This module knows nothing of workspaces, indexes or delegation: it is handed text to parse
//! and a host to run instructions, so it sits below every other part of the core.

mod condition;
mod file;
pub mod run;

pub use condition::{Condition, ExprError};
pub use file::{
    DEFAULT_MIN_CONFIDENCE, DelegateArgs, Flow, FlowError, Instruction, Node, SkillCall, Target,
    Transition,
};
pub use run::{Instructions, Outcome, run, run_from};
