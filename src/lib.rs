//! interbot: Botpress-style inter-bot delegation as a library.
//!
//! The core answers one question per module (see README's "Architecture"):
//!
//! - [`workspace`]: which bots, QnA entries, flows and content elements are on disk, and what
//!   went wrong reading them;
//! - [`index`]: which entry of one bot best matches a question, with what score and confidence;
//! - [`classifier`]: which entry a question belongs to, learnt from a bot's many variants;
//! - [`word_vectors`]: what an English word means, as a point near words of like meaning
//!   (GloVe vectors bundled in the binary), so unseen wordings still find their entry;
//! - [`remote`]: what a sub-bot on another machine answers (Botpress converse API client);
//! - [`language`]: which language a bot answers a turn in (detected, set, the user's, its
//!   default), as Botpress's NLU predictor chooses;
//! - [`delegation`]: which sub-bots can answer a question, and the trace of asking each;
//! - [`template`]: what a content element says for a given state (mustache, Botpress paths);
//! - [`flow`]: what the master's flow does (instructions, conditions);
//! - [`session`]: what a bot replies to one user turn (the API the CLI and the TUI share);
//! - [`serve`]: every bot over HTTP in Botpress's converse API shape (`interbot serve`);
//! - [`threshold`]: which `minConfidence` is in force, from which file, and whether they disagree;
//! - [`eval`]: how well a workspace routes a labelled set, which threshold to use, which
//!   entries of different bots overlap;
//! - [`text`]: how untrusted text is made safe to show in a terminal;
//! - [`history`]: which questions the user asked each bot before (kept across restarts);
//! - [`version`]: which version of a file's content was read or written (conflict detection).
//!
//! Nothing in the core knows about terminals or prints: everything returns values. Beside it,
//! [`tui`] is the terminal UI (what the user sees and which key does what), the only module
//! that knows the terminal libraries; it calls the core through [`Engine::ask`] like the CLI.

mod cache_files;
pub mod classifier;
pub(crate) mod codec;
pub mod delegation;
pub mod error;
pub mod eval;
pub mod flow;
pub mod history;
pub mod index;
pub(crate) mod interner;
pub mod language;
mod parallel;
pub mod remote;
pub mod serve;
pub mod session;
pub mod template;
pub mod text;
pub mod threshold;
pub mod tui;
pub mod version;
pub mod word_vectors;
pub mod workspace;

pub use delegation::{Delegation, DelegationMatch, Delegator, TraceRow};
pub use error::{Error, LoadProblem, Severity};
pub use index::{BotIndex, EntryFinder, Hit, IndexCache};
pub use session::{AskOptions, Engine, IndexProgress, IndexStage, ReindexStep, Turn};
pub use version::FileVersion;
pub use workspace::Workspace;
