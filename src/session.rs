//! The engine: one user turn in, replies and trace out. The CLI and the TUI both call
//! [`Engine::ask`]; nothing else decides what a bot says.
//!
//! - The **master** runs its `flows/main.flow.json` (`delegate_to_bots`, `say #!element`,
//!   transitions on conditions). A master without a flow delegates to every other bot at
//!   `interbot.json`'s `minConfidence` (0.5 by default) and says built-in texts (those of
//!   Botpress's interbot example). Which threshold wins where: [`crate::threshold`].
//! - A **sub-bot** asked directly answers with its best entry's first answer when its
//!   confidence passes the threshold; else it runs its own `flows/main.flow.json` when it has
//!   one (its fallback is the flow's), and says a built-in fallback text when it has none. Its
//!   trace lists its top candidates either way.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};

use crate::delegation::{Delegation, DelegationMatch, Delegator, Indexes, RemoteBots, TraceRow};
use crate::error::{Error, LoadProblem};
use crate::flow::{self, Flow, Instruction};
use crate::index::{BotIndex, BotRouter, IndexCache};
use crate::language::{Detector, TurnLanguage};
use crate::remote::RemoteBot;
use crate::template;
use crate::threshold;
use crate::workspace::{Bot, BotChanges, MASTER_ID, QnaAction, Workspace, WorkspaceChanges};

/// What a master without a flow says when a sub-bot can help.
pub const BUILTIN_FOUND_TEXT: &str = "The chatbot {{temp.delegation.0.botId}} can help you with that question.\n\n[Talk to {{temp.delegation.0.botId}}]({{{temp.delegation.0.botUrl}}})\n\nBy the way, {{temp.delegation.0.botId}} is telling you:\n> {{{temp.delegation.0.answer}}}";

/// What a master without a flow says when no sub-bot can help.
pub const BUILTIN_NONE_TEXT: &str =
    "I'm sorry, I don't know any bot that can help you with that question.";

/// What a sub-bot says when none of its entries is confident enough.
pub const SUB_BOT_FALLBACK: &str = "Sorry, I don't have an answer to that question.";

/// The longest question a bot is asked, in bytes: longer ones are refused with
/// [`Error::QuestionTooLong`] before any work (a 200 MB line would otherwise be analysed).
pub const MAX_QUESTION_BYTES: usize = 8 * 1024;

/// The most a master's flow may say in one turn, in bytes, over all its `say` instructions.
pub const MAX_TURN_OUTPUT_BYTES: usize = template::MAX_OUTPUT_BYTES;

/// How many candidates a sub-bot asked directly lists in its trace.
pub const DIRECT_CANDIDATES: usize = 5;

/// One user turn and everything the bot did with it. Serializes to the JSON contract of
/// `interbot ask --json` (DESIGN.md, "The JSON contract").
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    /// The bot asked.
    pub bot: String,
    /// The question as typed.
    pub question: String,
    /// What the bot said, in order.
    pub replies: Vec<String>,
    /// `temp.delegation`: passing matches, best first (empty for a sub-bot).
    pub delegation: Vec<DelegationMatch>,
    /// One row per bot asked (master) or per candidate entry (sub-bot), best first.
    pub trace: Vec<TraceRow>,
    /// The threshold used.
    pub min_confidence: f64,
    /// Flow nodes entered, in order (the master's, or a sub-bot's own flow when it ran).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// Problems met while answering (unknown element, unsupported action, flow loop …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Time the whole turn took, in microseconds.
    pub micros: u64,
    /// The language the bot asked answered in (for the master, its content elements'), when
    /// the workspace has a bot with several languages or the turn set one; each trace row
    /// records its own bot's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// How to answer one turn beyond its question ([`Engine::ask_with`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AskOptions {
    /// The language the turn sets (`ask --lang fr`): it wins over the detected language, for
    /// every bot that speaks it; a bot that does not answers in the next language it would
    /// try (the user's, then its default), as Botpress's predictor does.
    pub language: Option<String>,
}

/// A loaded workspace with its indexes: the core's front door.
#[derive(Debug, Clone)]
pub struct Engine {
    workspace: Arc<Workspace>,
    indexes: Arc<Indexes>,
    index_problems: Vec<LoadProblem>,
    delegator: Delegator,
    /// Whether some bot has several languages (else no turn detects or records languages).
    multilingual: bool,
    /// Detects a question's language among the bots' languages (only in a multilingual
    /// workspace, and only when two of them are languages the detector knows).
    detector: Option<Arc<Detector>>,
    /// Where indexes are kept between runs (re-indexing after a reload stores there too).
    cache: Option<IndexCache>,
}

/// How far indexing has come: reported after each bot, and once more when every bot is
/// indexed and the master's bot router has to be trained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexProgress {
    /// Bots indexed so far.
    pub done: usize,
    /// Bots to index.
    pub total: usize,
    /// The bot just indexed (empty at [`IndexStage::TrainingRouter`]).
    pub bot_id: String,
    /// What start-up is doing.
    pub stage: IndexStage,
}

/// What start-up is doing when it reports [`IndexProgress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexStage {
    /// Indexing the bots, one report after each.
    Bots,
    /// Every bot is indexed, and the master's bot router is being trained: it was in no
    /// cache (it takes seconds on an NLU-style workspace; see `index::router`).
    TrainingRouter,
}

/// How far re-indexing one bot has come ([`Engine::reload_bot_with_progress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReindexStep {
    /// The bot's files are read: it has this many entries.
    Read {
        /// Entries read (enabled or not).
        entries: usize,
    },
    /// Entries written to the index so far, of the enabled ones (reported every thousand
    /// entries and once all are written; the index is then merged and, for NLU-style bots,
    /// the classifier trained).
    Indexing {
        /// Entries written.
        done: usize,
        /// Entries to write.
        total: usize,
    },
    /// The bot is indexed, and the master's bot router is being trained again: the bot's
    /// question variants changed (seconds on an NLU-style workspace; see `index::router`).
    TrainingRouter,
}

/// Below this many question variants in all, bots are indexed one after another.
const PARALLEL_FROM_VARIANTS: usize = 2_000;

/// Indexes `bots` ([`build_indexes`]) into `indexes`; a bot whose index fails becomes a
/// problem in `problems`, named by its folder.
fn index_bots(
    bots: &[Bot],
    cache: Option<&IndexCache>,
    progress: &(dyn Fn(IndexProgress) + Sync),
    indexes: &mut Indexes,
    problems: &mut Vec<LoadProblem>,
) {
    for (bot, built) in bots.iter().zip(build_indexes(bots, cache, progress)) {
        match built {
            Ok(index) => {
                indexes.insert(bot.id.clone(), Arc::new(index));
            }
            Err(e) => problems.push(LoadProblem::error(&bot.dir, e.to_string())),
        }
    }
}

/// Indexes `bots` on every core (a bot with a trained classifier takes tens of milliseconds),
/// in the order given, calling `progress` after each bot.
fn build_indexes(
    bots: &[Bot],
    cache: Option<&IndexCache>,
    progress: &(dyn Fn(IndexProgress) + Sync),
) -> Vec<Result<BotIndex, Error>> {
    let done = AtomicUsize::new(0);
    let build = |bot: &Bot| {
        let built = BotIndex::build_cached(bot, cache, &|_, _| {});
        progress(IndexProgress {
            done: done.fetch_add(1, Ordering::Relaxed) + 1,
            total: bots.len(),
            bot_id: bot.id.clone(),
            stage: IndexStage::Bots,
        });
        built
    };
    let variants: usize = bots.iter().map(|bot| bot.qna.question_count()).sum();
    // A small workspace indexes in milliseconds on one thread; on several, each thread's
    // tantivy writer (at least 15 MB of tables and arena) would be alive at once.
    let workers = if variants < PARALLEL_FROM_VARIANTS {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(bots.len())
    };
    if workers <= 1 {
        return bots.iter().map(build).collect();
    }
    let next = AtomicUsize::new(0);
    let mut built: Vec<(usize, Result<BotIndex, Error>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(bot) = bots.get(i) else { break };
                        mine.push((i, build(bot)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(mine) => mine,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    built.sort_by_key(|(i, _)| *i);
    built.into_iter().map(|(_, result)| result).collect()
}

impl Engine {
    /// Loads the workspace at `root` and indexes every bot.
    pub fn load(root: impl AsRef<Path>) -> Result<Engine, Error> {
        Ok(Self::new(Workspace::load(root)?))
    }

    /// Indexes every bot of `workspace`. A bot whose index fails is reported as a problem.
    pub fn new(workspace: Workspace) -> Engine {
        Self::with_progress(workspace, &|_| {})
    }

    /// [`Engine::new`], calling `progress` after each bot is indexed (from the indexing
    /// threads), so a UI can show how far it has come.
    pub fn with_progress(
        workspace: Workspace,
        progress: &(dyn Fn(IndexProgress) + Sync),
    ) -> Engine {
        Self::with_cache(workspace, None, progress)
    }

    /// [`Engine::with_progress`] with the indexes of unchanged bots opened from `cache`
    /// and the others built and kept there (see [`IndexCache`]); results are the same as
    /// without a cache. Reloads of the returned engine use the same cache.
    pub fn with_cache(
        workspace: Workspace,
        cache: Option<IndexCache>,
        progress: &(dyn Fn(IndexProgress) + Sync),
    ) -> Engine {
        let mut indexes = Indexes::new();
        // A threshold that silently disagrees with the flow's is a problem to list.
        let mut index_problems = threshold::disagreements(&workspace);
        index_bots(
            &workspace.bots,
            cache.as_ref(),
            progress,
            &mut indexes,
            &mut index_problems,
        );
        let (remote, remote_problems) = remote_bots(&workspace);
        index_problems.extend(remote_problems);
        let bots = workspace.bots.len();
        let training = || {
            progress(IndexProgress {
                done: bots,
                total: bots,
                bot_id: String::new(),
                stage: IndexStage::TrainingRouter,
            });
        };
        Engine::from_parts(
            workspace,
            indexes,
            index_problems,
            remote,
            cache,
            None,
            &training,
        )
    }

    /// The cache this engine's indexes are kept in, if any.
    pub fn cache(&self) -> Option<&IndexCache> {
        self.cache.as_ref()
    }

    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// The master's bot router, when its sub-bots get one (see `index::router`).
    pub fn router(&self) -> Option<&BotRouter> {
        self.delegator.router()
    }

    /// The delegator (to delegate without a flow, or benchmark).
    pub fn delegator(&self) -> &Delegator {
        &self.delegator
    }

    /// The index of one bot.
    pub fn index(&self, bot_id: &str) -> Option<&BotIndex> {
        self.indexes.get(bot_id).map(Arc::as_ref)
    }

    /// Every load and index problem.
    pub fn problems(&self) -> Vec<LoadProblem> {
        let mut problems = self.workspace.problems.clone();
        problems.extend(self.index_problems.iter().cloned());
        problems
    }

    /// Fills in each trace row's [`TraceRow::explain`]: the breakdown of the row's raw score
    /// and confidence for the turn's question (the runner-up rows too, so a user sees which
    /// words tipped the choice). A row with no entry, or of a bot without an index, stays
    /// unexplained; an index error becomes a problem of the turn.
    pub fn explain(&self, turn: &mut Turn) {
        let contexts = &self.workspace.settings.included_contexts;
        for row in &mut turn.trace {
            let (Some(entry_id), Some(index)) = (&row.entry_id, self.index(&row.bot_id)) else {
                continue;
            };
            let index = match &row.language {
                Some(language) => index.in_language(language),
                None => index,
            };
            match index.explain(&turn.question, contexts, entry_id) {
                Ok(explanation) => row.explain = explanation,
                Err(error) => turn.problems.push(error.to_string()),
            }
        }
    }

    /// Answers one user turn addressed to `bot_id`.
    pub async fn ask(&self, bot_id: &str, question: &str) -> Result<Turn, Error> {
        self.ask_with(bot_id, question, &AskOptions::default())
            .await
    }

    /// The language facts of one turn (see [`crate::language`]): nothing at all in a
    /// single-language workspace where the turn sets none, so such a turn costs what it did
    /// before languages; else the turn's language or the detected one (detected once, here),
    /// and the user's.
    pub fn turn_language(&self, question: &str, options: &AskOptions) -> TurnLanguage {
        let user = &self.workspace.settings.user_language;
        if !self.multilingual && options.language.is_none() && user.is_none() {
            return TurnLanguage::default();
        }
        let asked = match &options.language {
            Some(language) => Some(language.clone()),
            None => self
                .detector
                .as_ref()
                .and_then(|detector| detector.detect(question)),
        };
        TurnLanguage {
            asked,
            explicit: options.language.is_some(),
            user: user.clone(),
            recorded: self.multilingual || options.language.is_some(),
        }
    }

    /// [`Engine::ask`] with [`AskOptions`] (the turn's language).
    pub async fn ask_with(
        &self,
        bot_id: &str,
        question: &str,
        options: &AskOptions,
    ) -> Result<Turn, Error> {
        let started = Instant::now();
        if question.len() > MAX_QUESTION_BYTES {
            return Err(Error::QuestionTooLong {
                bytes: question.len(),
                limit: MAX_QUESTION_BYTES,
            });
        }
        if self.delegator.remote(bot_id).is_some() {
            let mut turn = self.answer_remotely(bot_id, question).await;
            turn.micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            return Ok(turn);
        }
        let bot = self
            .workspace
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let language = self.turn_language(question, options);
        let mut turn = if bot.id == MASTER_ID {
            match &bot.flow {
                Some(flow) => self.run_flow(bot, flow, question, &language).await,
                None => {
                    let mut turn = self.delegate_without_flow(question, &language).await;
                    turn.problems.extend(self.broken_flow_problems(bot));
                    turn
                }
            }
        } else {
            let mut turn = self.answer_directly(bot, question, &language).await;
            turn.problems.extend(self.broken_flow_problems(bot));
            turn
        };
        turn.language = language.recorded_for(&bot.config);
        if let Some(asked) = options
            .language
            .as_deref()
            .filter(|l| !bot.config.speaks(l))
        {
            let speaks: Vec<&str> = bot.config.languages().collect();
            turn.problems.push(format!(
                "{} does not speak `{asked}` (its languages: {}); it answered in {}",
                bot.id,
                speaks.join(", "),
                language.for_bot(&bot.config)
            ));
        }
        turn.micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        Ok(turn)
    }

    /// When a bot has a flow file that failed to load, why (so a turn that falls back to the
    /// built-in behaviour says so instead of falling back silently).
    fn broken_flow_problems(&self, bot: &Bot) -> Vec<String> {
        if bot.flow.is_some() {
            return Vec::new();
        }
        let path = bot.dir.join("flows").join("main.flow.json");
        let instead = if bot.id == MASTER_ID {
            "delegated to every bot with the built-in texts instead"
        } else {
            "said the built-in fallback instead"
        };
        self.workspace
            .problems
            .iter()
            .filter(|p| p.file == path && p.severity == crate::error::Severity::Error)
            .map(|p| format!("{}'s flow was not loaded ({p}); {instead}", bot.id))
            .collect()
    }

    fn empty_turn(&self, bot: &str, question: &str, min_confidence: f64) -> Turn {
        Turn {
            bot: bot.to_string(),
            question: question.to_string(),
            replies: Vec::new(),
            delegation: Vec::new(),
            trace: Vec::new(),
            min_confidence,
            nodes: Vec::new(),
            problems: Vec::new(),
            micros: 0,
            language: None,
        }
    }

    async fn delegate_without_flow(&self, question: &str, language: &TurnLanguage) -> Turn {
        let bots = self.workspace.sub_bot_ids();
        let min_confidence = self.workspace.settings.min_confidence;
        let delegation = self
            .delegator
            .delegate_in(question, &bots, min_confidence, language)
            .await;
        let mut turn = self.empty_turn(MASTER_ID, question, min_confidence);
        let text = if delegation.matches.is_empty() {
            BUILTIN_NONE_TEXT
        } else {
            BUILTIN_FOUND_TEXT
        };
        let state = initial_state(question, Some(&delegation));
        match template::render_nested(text, &state) {
            Ok(reply) => turn.replies.push(reply.text),
            Err(e) => turn.problems.push(e.to_string()),
        }
        turn.delegation = delegation.matches;
        turn.trace = delegation.trace;
        turn
    }

    async fn run_flow(
        &self,
        master: &Bot,
        flow: &Flow,
        question: &str,
        language: &TurnLanguage,
    ) -> Turn {
        // Replaced by the threshold of the `delegate_to_bots` that runs, if one does.
        let in_force = threshold::master(&self.workspace).value;
        let mut turn = self.empty_turn(MASTER_ID, question, in_force);
        let mut state = initial_state(question, None);
        let mut host = FlowHost {
            engine: self,
            bot: master,
            turn: &mut turn,
            language,
        };
        let outcome = flow::run(flow, &mut state, &mut host).await;
        turn.nodes = outcome.nodes;
        turn.problems.extend(outcome.notes);
        turn.problems.extend(outcome.stopped);
        turn
    }

    /// A remote bot asked directly: what it said, and one trace row.
    async fn answer_remotely(&self, bot_id: &str, question: &str) -> Turn {
        let min_confidence = self.workspace.settings.min_confidence;
        let mut turn = self.empty_turn(bot_id, question, min_confidence);
        let (row, texts) = self
            .delegator
            .ask_remote_directly(bot_id, question, min_confidence)
            .await;
        if let Some(error) = &row.error {
            turn.problems.push(format!("remote bot {bot_id}: {error}"));
        }
        turn.replies = if texts.is_empty() {
            vec![SUB_BOT_FALLBACK.to_string()]
        } else {
            texts
        };
        turn.trace = vec![row];
        turn
    }

    /// A local sub-bot asked directly, as Botpress answers a message to it: its QnA entries
    /// are searched (the trace lists the top candidates); when the best passes the threshold,
    /// its answer is said and the flow does not run, as Botpress's decision engine does with
    /// an elected QnA suggestion (`DecisionEngine._sendSuggestion` sets `executeFlows` false,
    /// `src/bp/core/services/dialog/decision-engine.ts`). Otherwise the bot's own flow runs
    /// (the decision engine's "no suggestion matched … execute default flow") and says what
    /// its nodes say; a bot without a flow says [`SUB_BOT_FALLBACK`]. A passing entry that
    /// redirects (`redirect`, `text_redirect`) to a node of the bot's `main.flow.json` runs the
    /// flow from that node after its text (`text_redirect` only), as the QnA module's
    /// suggestion carries a `redirect` payload that the decision engine follows with
    /// `DialogEngine.jumpTo` (`modules/qna/src/backend/setup.ts`, `buildSuggestions`).
    async fn answer_directly(&self, bot: &Bot, question: &str, language: &TurnLanguage) -> Turn {
        let min_confidence = self.workspace.settings.min_confidence;
        let mut turn = self.empty_turn(&bot.id, question, min_confidence);
        let delegator = self.delegator.clone();
        let (bot_id, question_owned) = (bot.id.clone(), question.to_string());
        let language_owned = language.clone();
        let search = tokio::task::spawn_blocking(move || {
            delegator.candidates_in(
                &bot_id,
                &question_owned,
                min_confidence,
                DIRECT_CANDIDATES,
                &language_owned,
            )
        })
        .await;
        match search {
            Ok(Ok(rows)) => turn.trace = rows,
            Ok(Err(e)) => turn.problems.push(e.to_string()),
            Err(e) => turn.problems.push(format!("search failed: {e}")),
        }
        let best = turn.trace.first().filter(|row| row.passed).cloned();
        if let Some(error) = best.as_ref().and_then(|row| row.error.clone()) {
            turn.problems.push(error);
        }
        let Some(flow) = &bot.flow else {
            let answer = best.and_then(|row| row.answer);
            turn.replies
                .push(answer.unwrap_or_else(|| SUB_BOT_FALLBACK.to_string()));
            return turn;
        };
        let Some(row) = best else {
            self.run_sub_bot_flow(bot, flow, &flow.start_node, &mut turn, language)
                .await;
            return turn;
        };
        let entry = row.entry_id.as_deref().and_then(|id| bot.entry(id));
        let says_text = entry.is_none_or(|entry| entry.action != QnaAction::Redirect);
        if let Some(answer) = row.answer.filter(|_| says_text) {
            turn.replies.push(answer);
        }
        // Botpress jumps only when both the flow and the node are set (`_sendSuggestion`).
        let Some(redirect) = row
            .redirect
            .filter(|r| !r.flow.is_empty() && !r.node.is_empty())
        else {
            return turn;
        };
        if redirect.flow != "main.flow.json" {
            turn.problems.push(format!(
                "the answer redirects to flow `{}`, node `{}`; interbot runs only {}'s main.flow.json, so the turn ends here",
                redirect.flow, redirect.node, bot.id
            ));
        } else if flow.node_by_name(&redirect.node).is_none() {
            turn.problems.push(format!(
                "the answer redirects to node `{}`, which {}'s main.flow.json does not have",
                redirect.node, bot.id
            ));
        } else {
            self.run_sub_bot_flow(bot, flow, &redirect.node, &mut turn, language)
                .await;
        }
        turn
    }

    /// Runs a sub-bot's own flow from node `start` for `turn`.
    async fn run_sub_bot_flow(
        &self,
        bot: &Bot,
        flow: &Flow,
        start: &str,
        turn: &mut Turn,
        language: &TurnLanguage,
    ) {
        let mut state = initial_state(&turn.question, None);
        let mut host = FlowHost {
            engine: self,
            bot,
            turn,
            language,
        };
        let outcome = flow::run_from(flow, start, &mut state, &mut host).await;
        turn.nodes = outcome.nodes;
        turn.problems.extend(outcome.notes);
        turn.problems.extend(outcome.stopped);
    }
}

/// Carries out a bot's flow instructions for [`flow::run`] during one turn: the master's,
/// or a sub-bot's asked directly (which says its own content elements and does not delegate:
/// `delegate_to_bots` is the master's action).
struct FlowHost<'a> {
    engine: &'a Engine,
    bot: &'a Bot,
    turn: &'a mut Turn,
    /// The turn's language facts: the bot says its elements in the language it picks from
    /// them, and delegation passes them on to each sub-bot.
    language: &'a TurnLanguage,
}

impl flow::Instructions for FlowHost<'_> {
    async fn execute(&mut self, instruction: &Instruction, state: &mut Value) {
        let turn = &mut *self.turn;
        match instruction {
            Instruction::Say { element_id } => {
                let language = self.language.for_bot(&self.bot.config);
                match self
                    .bot
                    .answer_text_in(&format!("#!{element_id}"), state, language)
                {
                    Ok(reply) => {
                        let said: usize = turn.replies.iter().map(String::len).sum();
                        if said + reply.len() > MAX_TURN_OUTPUT_BYTES {
                            turn.problems.push(format!(
                                "content element {element_id}: the flow's replies would pass {MAX_TURN_OUTPUT_BYTES} bytes in one turn; not said"
                            ));
                        } else {
                            turn.replies.push(reply);
                        }
                    }
                    Err(e) => turn.problems.push(e.to_string()),
                }
            }
            Instruction::Delegate(_) if self.bot.id != MASTER_ID => {
                turn.problems.push(format!(
                    "delegate_to_bots is the master's action; {}'s flow does not run it",
                    self.bot.id
                ));
            }
            Instruction::Delegate(args) => {
                let mut args = args.render(state, &mut turn.problems);
                // Loading refuses a flow that names the master; a rendered list is checked here.
                if args.bots.iter().any(|bot| bot == MASTER_ID) {
                    args.bots.retain(|bot| bot != MASTER_ID);
                    turn.problems.push(format!(
                        "delegate_to_bots, once rendered, names `{MASTER_ID}` (it would answer its own question); not asked"
                    ));
                    if args.bots.is_empty() {
                        return;
                    }
                }
                let bots = if args.bots.is_empty() {
                    self.engine.workspace.sub_bot_ids()
                } else {
                    args.bots.clone()
                };
                let delegation = self
                    .engine
                    .delegator
                    .delegate_in(&turn.question, &bots, args.min_confidence, self.language)
                    .await;
                state["temp"]["delegation"] = json!(delegation.matches);
                turn.min_confidence = delegation.min_confidence;
                turn.delegation = delegation.matches;
                turn.trace = delegation.trace;
            }
            Instruction::Unsupported(action) => {
                turn.problems.push(format!(
                    "action `{action}` is not supported by interbot; skipped"
                ));
            }
        }
    }
}

/// The dialog state templates saw at the end of `turn`'s delegation: the question as
/// `event.preview` and `temp.delegation` (what a content element's preview renders against).
pub fn turn_state(turn: &Turn) -> Value {
    let mut state = initial_state(&turn.question, None);
    state["temp"]["delegation"] = json!(turn.delegation);
    state
}

/// The dialog state a turn starts with, as Botpress exposes it to flows and templates.
fn initial_state(question: &str, delegation: Option<&Delegation>) -> Value {
    let mut state = crate::delegation::question_state(question);
    if let Some(delegation) = delegation {
        state["temp"]["delegation"] = json!(delegation.matches);
    }
    state
}

/// The detector of a multilingual workspace's questions: the languages of its bots that
/// have several, each with the vocabulary of every question written in it.
fn language_detector(workspace: &Workspace) -> Option<Detector> {
    let multilingual = || {
        workspace
            .bots
            .iter()
            .filter(|bot| bot.config.is_multilingual())
    };
    let languages: Vec<&str> = multilingual()
        .flat_map(|bot| bot.config.languages())
        .collect();
    let texts = workspace.bots.iter().flat_map(|bot| {
        let spoken: Vec<&str> = bot
            .config
            .languages()
            .filter(|language| languages.contains(language))
            .collect();
        bot.qna.iter().flat_map(move |entry| {
            let spoken = spoken.clone();
            spoken.into_iter().flat_map(move |language| {
                entry
                    .questions_in(language)
                    .iter()
                    .map(move |question| (language, question.as_str()))
            })
        })
    });
    Detector::new(languages.iter().copied(), texts)
}

/// The remote bots `interbot.json` declares, ready to ask, and a problem for each that is
/// not (a bad URL …).
fn remote_bots(workspace: &Workspace) -> (RemoteBots, Vec<LoadProblem>) {
    let mut remote = RemoteBots::new();
    let mut problems = Vec::new();
    for (id, config) in &workspace.settings.remote_bots {
        match RemoteBot::new(id, config) {
            Ok(bot) => {
                remote.insert(id.clone(), bot);
            }
            Err(e) => problems.push(LoadProblem::error(
                workspace.root.join("interbot.json"),
                format!("remote bot `{id}`: {e}"),
            )),
        }
    }
    (remote, problems)
}

/// Reloading: a new engine for what is on disk now, sharing every index that did not change.
///
/// These are blocking calls (they read files and index): the terminal app runs them on a
/// blocking task (`tokio::task::spawn_blocking` with a clone of the engine) and swaps the
/// engine it asks when they return; turns already running finish on the engine they started
/// with.
impl Engine {
    /// A new engine with bot `bot_id` read again from `bots/<bot_id>/` and only its index
    /// rebuilt (kept as is when its entries did not change); the other bots, their indexes
    /// (the same `Arc`s), the settings and the remote bots are shared with this engine. A
    /// bot folder that appeared is added, one that is gone is left out. Returns what changed
    /// in the bot's QnA.
    pub fn reload_bot(&self, bot_id: &str) -> Result<(Engine, BotChanges), Error> {
        self.reload_bot_with_progress(bot_id, &|_| {})
    }

    /// [`Engine::reload_bot`], telling `progress` when the bot's files are read and how far
    /// indexing it has come (see [`ReindexStep`]).
    pub fn reload_bot_with_progress(
        &self,
        bot_id: &str,
        progress: &dyn Fn(ReindexStep),
    ) -> Result<(Engine, BotChanges), Error> {
        let (workspace, changes) = self.workspace.reload_bot(bot_id)?;
        progress(ReindexStep::Read {
            entries: workspace.bot(bot_id).map_or(0, |b| b.qna.len()),
        });
        let before = self.workspace.bot(bot_id);
        let mut indexes: Indexes = (*self.indexes).clone();
        // The threshold warnings depend on the master's flow; this bot's index failure on it.
        let stale_thresholds = threshold::disagreements(&self.workspace);
        let mut index_problems = threshold::disagreements(&workspace);
        index_problems.extend(
            self.index_problems
                .iter()
                .filter(|p| !stale_thresholds.contains(p))
                .filter(|p| before.is_none_or(|bot| p.file != bot.dir))
                .cloned(),
        );
        match workspace.bot(bot_id) {
            None => {
                indexes.remove(bot_id);
            }
            Some(bot) => {
                let unchanged =
                    before.is_some_and(|old| old.indexes_like(bot)) && indexes.contains_key(bot_id);
                if !unchanged {
                    indexes.remove(bot_id);
                    let indexed =
                        BotIndex::build_cached(bot, self.cache.as_ref(), &|done, total| {
                            progress(ReindexStep::Indexing { done, total });
                        });
                    match indexed {
                        Ok(index) => {
                            indexes.insert(bot.id.clone(), Arc::new(index));
                        }
                        Err(e) => index_problems.push(LoadProblem::error(&bot.dir, e.to_string())),
                    }
                }
            }
        }
        let remote = self
            .delegator
            .remote_bots()
            .map(|bot| (bot.id.clone(), bot.clone()))
            .collect();
        let engine = Engine::from_parts(
            workspace,
            indexes,
            index_problems,
            remote,
            self.cache.clone(),
            self.delegator.shared_router(),
            &|| progress(ReindexStep::TrainingRouter),
        );
        Ok((engine, changes))
    }

    /// A new engine for the whole workspace as it is on disk now (`interbot.json` included),
    /// and what changed. Only bots whose entries changed (or that are new) are indexed again;
    /// the others keep their indexes (the same `Arc`s).
    pub fn reload_all(&self) -> Result<(Engine, WorkspaceChanges), Error> {
        self.reload_all_with_progress(&|_| {})
    }

    /// [`Engine::reload_all`], calling `progress` after each bot indexed again (its `total`
    /// counts only the bots that are).
    pub fn reload_all_with_progress(
        &self,
        progress: &(dyn Fn(IndexProgress) + Sync),
    ) -> Result<(Engine, WorkspaceChanges), Error> {
        let workspace = self.workspace.load_again()?;
        let changes = WorkspaceChanges::between(&self.workspace, &workspace);
        let mut index_problems = threshold::disagreements(&workspace);
        let mut indexes = Indexes::new();
        let mut to_build: Vec<Bot> = Vec::new();
        for bot in &workspace.bots {
            match (self.workspace.bot(&bot.id), self.indexes.get(&bot.id)) {
                (Some(old), Some(index)) if old.indexes_like(bot) => {
                    indexes.insert(bot.id.clone(), index.clone());
                }
                _ => to_build.push(bot.clone()),
            }
        }
        index_bots(
            &to_build,
            self.cache.as_ref(),
            progress,
            &mut indexes,
            &mut index_problems,
        );
        let (remote, remote_problems) = remote_bots(&workspace);
        index_problems.extend(remote_problems);
        let engine = Engine::from_parts(
            workspace,
            indexes,
            index_problems,
            remote,
            self.cache.clone(),
            self.delegator.shared_router(),
            &|| {},
        );
        Ok((engine, changes))
    }

    /// The engine of these parts; `kept` is the bot router of the engine this one reloads,
    /// kept when no variant changed.
    fn from_parts(
        workspace: Workspace,
        indexes: Indexes,
        index_problems: Vec<LoadProblem>,
        remote: RemoteBots,
        cache: Option<IndexCache>,
        kept: Option<&Arc<BotRouter>>,
        training_router: &dyn Fn(),
    ) -> Engine {
        let multilingual = workspace.is_multilingual();
        // Detection is restricted to the languages of the bots that have several: only they
        // choose by it.
        let detector = multilingual
            .then(|| language_detector(&workspace))
            .flatten()
            .map(Arc::new);
        // The master's router over the bots it asks, when they are NLU-style (else none);
        // never under compat: botpress, which reads confidences as Botpress gives them, nor
        // when the settings leave it out.
        let settings = &workspace.settings;
        let router = (settings.router && settings.compat == crate::workspace::Compat::Interbot)
            .then(|| {
                let bots = workspace.asked_bots();
                BotRouter::cached_reporting(
                    &workspace,
                    &bots,
                    cache.as_ref(),
                    kept,
                    training_router,
                )
                .ok()
            })
            .flatten();
        let workspace = Arc::new(workspace);
        let indexes = Arc::new(indexes);
        Engine {
            delegator: Delegator::new(workspace.clone(), indexes.clone())
                .with_remote(remote)
                .with_router(router),
            workspace,
            indexes,
            index_problems,
            multilingual,
            detector,
            cache,
        }
    }
}
