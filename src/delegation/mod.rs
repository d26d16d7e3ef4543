//! Delegation: ask several sub-bots one question, keep the answers that pass the threshold
//! (as Botpress's `delegate_to_bots` fills `temp.delegation`), and trace every bot asked.

mod botpress;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::error::Error;
use crate::index::router::routed_confidence;
use crate::index::{AnalyzedQuestion, BotIndex, BotRouter, Explanation, Hit};
use crate::language::TurnLanguage;
use crate::remote::RemoteBot;
use crate::workspace::{Bot, Compat, QnaAction, Redirect, Workspace};

/// The indexes of a workspace's bots, by bot id.
pub type Indexes = HashMap<String, Arc<BotIndex>>;

/// One passing match, exactly as Botpress puts it in `temp.delegation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationMatch {
    /// The sub-bot that can answer.
    pub bot_id: String,
    /// Its confidence in [0, 1].
    pub confidence: f64,
    /// `<externalUrl>/s/<botId>`.
    pub bot_url: String,
    /// What the sub-bot answered (its best entry's first answer).
    pub answer: Option<String>,
}

/// What happened when one bot was asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceRow {
    /// The bot asked.
    pub bot_id: String,
    /// Its best entry, if any word matched.
    pub entry_id: Option<String>,
    /// The best entry's question variant closest to the question asked.
    pub question: Option<String>,
    /// Raw score of the best entry (its log-likelihood evidence, see `index`; 0 when nothing
    /// matched).
    pub score: f64,
    /// Confidence in [0, 1] (0 when nothing matched).
    pub confidence: f64,
    /// For a bot with a trained entry classifier, its probability for the entry (already
    /// part of `score`); absent for other bots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classifier: Option<f64>,
    /// For a bot weighed by meaning (an untrained bot whose entries hold few variants: see
    /// `index::model`), the cosine of the entry's meaning with the question's (its factor
    /// `max(0, meaning)` is already part of `score`); absent for other bots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<f64>,
    /// When the master routes through a bot router (`index::router`), its probability that
    /// the question is for this bot; `confidence` is then already weighed by it (the index's
    /// own confidence times `router`; see `index::router`). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router: Option<f64>,
    /// Whether the confidence reached the threshold.
    pub passed: bool,
    /// `<externalUrl>/s/<botId>`.
    pub bot_url: String,
    /// The best entry's answer.
    pub answer: Option<String>,
    /// Where a `redirect`/`text_redirect` entry would send the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<Redirect>,
    /// Why the bot could not be asked (unknown bot, index failure, a remote bot's timeout,
    /// HTTP error or malformed answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a remote bot, its converse base URL (its raw `score` is 0 unless the server is
    /// an interbot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// The language the bot answered in (its questions searched, its answer given), recorded
    /// when the workspace has a bot with several languages or the turn set one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Where interbot read this row differently from Botpress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Time spent asking this bot, in microseconds.
    pub micros: u64,
    /// Why the entry scores what it scores, term by term: filled on request
    /// ([`Engine::explain`](crate::Engine::explain)), absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explanation>,
}

impl TraceRow {
    /// The row of a bot that matched nothing (confidence 0, not passed), before timing.
    pub fn unmatched(bot_id: &str, bot_url: String) -> TraceRow {
        TraceRow {
            bot_id: bot_id.to_string(),
            entry_id: None,
            question: None,
            score: 0.0,
            confidence: 0.0,
            classifier: None,
            meaning: None,
            router: None,
            passed: false,
            bot_url,
            answer: None,
            redirect: None,
            error: None,
            remote: None,
            language: None,
            note: None,
            micros: 0,
            explain: None,
        }
    }
}

/// The outcome of one delegation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delegation {
    /// Passing matches, best first (ties in the order the bots were listed).
    pub matches: Vec<DelegationMatch>,
    /// One row per bot asked, best first.
    pub trace: Vec<TraceRow>,
    /// The threshold used.
    pub min_confidence: f64,
}

/// How local searches are spread over threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FanOut {
    /// [`FanOut::Inline`] when the bots asked are few, small and untrained (at most
    /// [`INLINE_MAX_ENTRIES`] entries in all), one blocking task per bot when a bot asked has
    /// at least [`LARGE_BOT_ENTRIES`] entries, else one task for all (the default; see the
    /// `delegation` bench).
    #[default]
    Auto,
    /// The searches run on the calling task itself, one bot after another: for bots so small
    /// that handing the work to the blocking pool and back costs more than the work (tokio's
    /// rule of thumb: under 100 µs between awaits is not blocking).
    Inline,
    /// One blocking task searches every bot in turn: cheapest for small bots, where a task
    /// per bot costs more in scheduling than it saves on 2 cores.
    OneTask,
    /// One blocking task per bot, joined: faster when each search is long.
    TaskPerBot,
}

/// From this many entries in one bot, [`FanOut::Auto`] gives each bot its own task. Measured
/// with `cargo bench --bench delegation` on 2 cores (medians of three runs): demo (≤ 37
/// entries a bot) one task 66–78 µs vs a task per bot 67–89 µs, within noise; 10 bots ×
/// 10,000 entries one task 1.36–1.47 ms vs 0.90–1.13 ms.
pub const LARGE_BOT_ENTRIES: usize = 1_000;

/// Up to this many entries in all the bots asked (none of them trained), [`FanOut::Auto`]
/// searches on the calling task ([`FanOut::Inline`]). Measured with `ask --json --jobs 1 -`
/// on 200 demo turns (96 entries; load average ~7 on 2 cores, three runs): a whole turn's
/// median 62–91 µs through the blocking pool, 43–45 µs inline; the three searches
/// themselves take about 25 µs.
pub const INLINE_MAX_ENTRIES: usize = 300;

/// Asks sub-bots questions. Cheap to clone; shares the workspace and indexes.
#[derive(Debug, Clone)]
pub struct Delegator {
    workspace: Arc<Workspace>,
    indexes: Arc<Indexes>,
    remote: Arc<RemoteBots>,
    fan_out: FanOut,
    /// Weighs the local bots' confidences when the workspace has one.
    router: Option<Arc<BotRouter>>,
}

/// The remote bots of a workspace, by bot id.
pub type RemoteBots = HashMap<String, RemoteBot>;

impl Delegator {
    /// A delegator over these bots and indexes.
    pub fn new(workspace: Arc<Workspace>, indexes: Arc<Indexes>) -> Self {
        Self {
            workspace,
            indexes,
            remote: Arc::new(RemoteBots::new()),
            fan_out: FanOut::default(),
            router: None,
        }
    }

    /// The same delegator, weighing its local bots' confidences by `router` (see
    /// `index::router`), except under `compat: botpress`.
    pub fn with_router(mut self, router: Option<Arc<BotRouter>>) -> Self {
        self.router = router;
        self
    }

    /// The bot router delegation weighs confidences by, if any.
    pub fn router(&self) -> Option<&BotRouter> {
        self.router.as_deref()
    }

    /// The same, shared (an engine reloaded keeps it when no variant changed).
    pub(crate) fn shared_router(&self) -> Option<&Arc<BotRouter>> {
        self.router.as_ref()
    }

    /// The same delegator, asking these remote bots over HTTP.
    pub fn with_remote(mut self, remote: RemoteBots) -> Self {
        self.remote = Arc::new(remote);
        self
    }

    /// Every remote bot, by id.
    pub fn remote_bots(&self) -> impl Iterator<Item = &RemoteBot> {
        let mut bots: Vec<&RemoteBot> = self.remote.values().collect();
        bots.sort_by(|a, b| a.id.cmp(&b.id));
        bots.into_iter()
    }

    /// The remote bot `id`, if there is one.
    pub fn remote(&self, id: &str) -> Option<&RemoteBot> {
        self.remote.get(id)
    }

    /// The same delegator with another fan-out strategy.
    pub fn with_fan_out(mut self, fan_out: FanOut) -> Self {
        self.fan_out = fan_out;
        self
    }

    /// Asks each of `bots` the question concurrently with the caller (searches run on tokio's
    /// blocking pool, except tiny ones: see [`FanOut`]), and returns the passing matches sorted by
    /// confidence plus a trace row for every bot asked. Unknown bots are traced, not errors.
    pub async fn delegate(
        &self,
        question: &str,
        bots: &[String],
        min_confidence: f64,
    ) -> Delegation {
        self.delegate_in(question, bots, min_confidence, &TurnLanguage::default())
            .await
    }

    /// [`Delegator::delegate`], each local bot searching and answering in the language it
    /// picks from `language` ([`TurnLanguage::for_bot`]).
    pub async fn delegate_in(
        &self,
        question: &str,
        bots: &[String],
        min_confidence: f64,
        language: &TurnLanguage,
    ) -> Delegation {
        let is_remote = |bot: &&String| self.remote.contains_key(bot.as_str());
        let (remote, local): (Vec<&String>, Vec<&String>) = bots.iter().partition(is_remote);
        let rows = if remote.is_empty() {
            self.local_rows(question, bots, min_confidence, language)
                .await
        } else {
            // Local searches (on the blocking pool) and remote calls run at once.
            let local: Vec<String> = local.into_iter().cloned().collect();
            let asked = remote
                .iter()
                .map(|bot| self.ask_remote(bot, question, min_confidence));
            let (local_rows, remote_rows) = futures::join!(
                self.local_rows(question, &local, min_confidence, language),
                futures::future::join_all(asked)
            );
            // Back in the order the bots were listed (ties keep it).
            let (mut local_rows, mut remote_rows) =
                (local_rows.into_iter(), remote_rows.into_iter());
            bots.iter()
                .filter_map(|bot| {
                    if self.remote.contains_key(bot) {
                        remote_rows.next()
                    } else {
                        local_rows.next()
                    }
                })
                .collect()
        };
        let mut rows = rows;
        self.route(&mut rows, question);
        botpress::reconcile(&mut rows, question, min_confidence, &self.workspace);
        assemble(rows, min_confidence)
    }

    /// Weighs each local row that found an entry by the router's probability for its bot
    /// (nothing without a router, or under `compat: botpress`, which reads confidences as
    /// Botpress does); `reconcile` then decides what passes.
    fn route(&self, rows: &mut [TraceRow], question: &str) {
        let Some(router) = &self.router else {
            return;
        };
        if self.workspace.settings.compat != Compat::Interbot {
            return;
        }
        let probabilities = router.probabilities(question);
        for row in rows {
            if row.entry_id.is_none() || row.error.is_some() || row.remote.is_some() {
                continue;
            }
            // A damaged router's probability may not be a number: then it has no say.
            if let Some(p) = router.probability_of(&probabilities, &row.bot_id)
                && !p.is_nan()
            {
                row.router = Some(f64::from(p));
                row.confidence = routed_confidence(row.confidence, p);
            }
        }
    }

    /// Asks each of the local `bots`, on tokio's blocking pool or, for tiny searches, here
    /// (see [`FanOut`]).
    async fn local_rows(
        &self,
        question: &str,
        bots: &[String],
        min_confidence: f64,
        language: &TurnLanguage,
    ) -> Vec<TraceRow> {
        if bots.is_empty() {
            return Vec::new();
        }
        let large = |bot: &String| {
            self.indexes
                .get(bot)
                .is_some_and(|i| i.len() >= LARGE_BOT_ENTRIES)
        };
        let fan_out = match self.fan_out {
            FanOut::Auto if self.searches_are_tiny(bots) => FanOut::Inline,
            FanOut::Auto if bots.len() > 1 && bots.iter().any(large) => FanOut::TaskPerBot,
            FanOut::Auto => FanOut::OneTask,
            chosen => chosen,
        };
        match fan_out {
            FanOut::Inline => {
                let mut analyses = Analyses::default();
                bots.iter()
                    .map(|bot| {
                        self.ask_one_with(bot, question, min_confidence, language, &mut analyses)
                    })
                    .collect()
            }
            FanOut::OneTask | FanOut::Auto => {
                let this = self.clone();
                let question = question.to_string();
                let bots_owned = bots.to_vec();
                let language = language.clone();
                let task = tokio::task::spawn_blocking(move || {
                    let mut analyses = Analyses::default();
                    bots_owned
                        .iter()
                        .map(|bot| {
                            this.ask_one_with(
                                bot,
                                &question,
                                min_confidence,
                                &language,
                                &mut analyses,
                            )
                        })
                        .collect::<Vec<_>>()
                });
                match task.await {
                    Ok(rows) => rows,
                    Err(e) => bots
                        .iter()
                        .map(|bot| self.failed_row(bot, &format!("search failed: {e}")))
                        .collect(),
                }
            }
            FanOut::TaskPerBot => {
                // Analyzed once here, for every bot's own language, and shared by the tasks.
                let mut shared = Analyses::default();
                for index in bots.iter().filter_map(|bot| self.indexes.get(bot)) {
                    shared.of(index, question);
                }
                let tasks = bots.iter().map(|bot| {
                    let this = self.clone();
                    let question = question.to_string();
                    let bot = bot.clone();
                    let language = language.clone();
                    let mut analyses = shared.clone();
                    tokio::task::spawn_blocking(move || {
                        this.ask_one_with(&bot, &question, min_confidence, &language, &mut analyses)
                    })
                });
                let results = futures::future::join_all(tasks).await;
                results
                    .into_iter()
                    .zip(bots)
                    .map(|(result, bot)| {
                        result.unwrap_or_else(|e| {
                            self.failed_row(bot, &format!("search failed: {e}"))
                        })
                    })
                    .collect()
            }
        }
    }

    /// Whether searching `bots` is cheaper than a trip to the blocking pool: at most
    /// [`INLINE_MAX_ENTRIES`] entries in all and no entry classifier to run (unknown bots
    /// cost nothing).
    fn searches_are_tiny(&self, bots: &[String]) -> bool {
        let mut entries = 0;
        for bot in bots {
            if let Some(index) = self.indexes.get(bot) {
                if index.is_trained() {
                    return false;
                }
                entries += index.len();
            }
        }
        entries <= INLINE_MAX_ENTRIES
    }

    /// Asks remote bot `bot_id` over HTTP: a row with its confidence and answer, or with the
    /// error that stopped it (never longer than the bot's timeout).
    pub async fn ask_remote(&self, bot_id: &str, question: &str, min_confidence: f64) -> TraceRow {
        self.ask_remote_directly(bot_id, question, min_confidence)
            .await
            .0
    }

    /// [`Delegator::ask_remote`], with every text the remote bot said.
    pub async fn ask_remote_directly(
        &self,
        bot_id: &str,
        question: &str,
        min_confidence: f64,
    ) -> (TraceRow, Vec<String>) {
        let started = Instant::now();
        let Some(bot) = self.remote.get(bot_id) else {
            return (
                self.failed_row(bot_id, &Error::UnknownBot(bot_id.to_string()).to_string()),
                Vec::new(),
            );
        };
        let mut row = self.empty_row(bot_id);
        row.remote = Some(bot.base_url.clone());
        let mut texts = Vec::new();
        match bot
            .ask(question, &self.workspace.settings.included_contexts)
            .await
        {
            Ok(reply) => {
                row.confidence = reply.confidence;
                if self.workspace.settings.compat == Compat::Botpress
                    && reply.botpress_confidence != reply.confidence
                {
                    // Botpress reads the decision as it comes (its "no suggestion matched"
                    // included): see `botpress`.
                    row.confidence = reply.botpress_confidence;
                }
                row.passed = reply.matched && reply.confidence >= min_confidence;
                row.score = reply.score.unwrap_or(0.0);
                row.entry_id = reply.entry_id;
                row.question = reply.question;
                row.answer = reply.answer;
                row.note = reply.note;
                texts = reply.texts;
            }
            Err(error) => row.error = Some(error.to_string()),
        }
        row.micros = elapsed_micros(started);
        (row, texts)
    }

    /// Asks one bot, synchronously (this is the work the blocking tasks do): a row for its
    /// best entry, or an empty row (with `error` set when the bot is unknown or its index
    /// fails).
    pub fn ask_one(&self, bot_id: &str, question: &str, min_confidence: f64) -> TraceRow {
        self.ask_one_in(bot_id, question, min_confidence, &TurnLanguage::default())
    }

    /// [`Delegator::ask_one`] in the language the bot picks from `language`.
    pub fn ask_one_in(
        &self,
        bot_id: &str,
        question: &str,
        min_confidence: f64,
        language: &TurnLanguage,
    ) -> TraceRow {
        let mut analyses = Analyses::default();
        self.ask_one_with(bot_id, question, min_confidence, language, &mut analyses)
    }

    /// [`Delegator::ask_one_in`], reusing the question's analyses of earlier bots of the turn.
    fn ask_one_with(
        &self,
        bot_id: &str,
        question: &str,
        min_confidence: f64,
        language: &TurnLanguage,
        analyses: &mut Analyses,
    ) -> TraceRow {
        let started = Instant::now();
        let mut row =
            match self.candidates_with(bot_id, question, min_confidence, 1, language, analyses) {
                Ok(rows) => rows
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| self.empty_row(bot_id)),
                Err(error) => self.failed_row(bot_id, &error.to_string()),
            };
        if language.recorded
            && row.language.is_none()
            && let Some(bot) = self.workspace.bot(bot_id)
        {
            row.language = language.recorded_for(&bot.config);
        }
        // Every row carries the time spent asking, matched or not.
        row.micros = elapsed_micros(started);
        row
    }

    /// One trace row for each of the `limit` best entries of one bot, best first; every row
    /// carries the time the whole search took.
    pub fn candidates(
        &self,
        bot_id: &str,
        question: &str,
        min_confidence: f64,
        limit: usize,
    ) -> Result<Vec<TraceRow>, Error> {
        self.candidates_in(
            bot_id,
            question,
            min_confidence,
            limit,
            &TurnLanguage::default(),
        )
    }

    /// [`Delegator::candidates`] in the language the bot picks from `language`: that
    /// language's index is searched and its answers given (the default language's when the
    /// entry has none in it); each row records the language when `language` says so.
    pub fn candidates_in(
        &self,
        bot_id: &str,
        question: &str,
        min_confidence: f64,
        limit: usize,
        language: &TurnLanguage,
    ) -> Result<Vec<TraceRow>, Error> {
        let mut analyses = Analyses::default();
        self.candidates_with(
            bot_id,
            question,
            min_confidence,
            limit,
            language,
            &mut analyses,
        )
    }

    /// [`Delegator::candidates_in`], reusing the question's analyses of earlier bots of the
    /// turn.
    fn candidates_with(
        &self,
        bot_id: &str,
        question: &str,
        min_confidence: f64,
        limit: usize,
        language: &TurnLanguage,
        analyses: &mut Analyses,
    ) -> Result<Vec<TraceRow>, Error> {
        let started = Instant::now();
        let bot = self
            .workspace
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let index = self
            .indexes
            .get(bot_id)
            .ok_or_else(|| Error::NotIndexed(bot_id.to_string()))?;
        let chosen = language.for_bot(&bot.config);
        let index = index.in_language(chosen);
        let hits = index.top_analyzed(
            analyses.of(index, question),
            question,
            &self.workspace.settings.included_contexts,
            limit,
        )?;
        let mut rows: Vec<TraceRow> = hits
            .into_iter()
            .map(|hit| self.row_for_hit(bot, hit, min_confidence, question, analyses, chosen))
            .collect();
        let micros = elapsed_micros(started);
        let recorded = language.recorded_for(&bot.config);
        for row in &mut rows {
            row.micros = micros;
            row.language.clone_from(&recorded);
        }
        Ok(rows)
    }

    /// A row for one hit; the entry's answer in `language` is rendered as the bot would say
    /// it to this question (see [`question_state`]; an answer without a tag is said as is, so
    /// its state is never built).
    fn row_for_hit(
        &self,
        bot: &Bot,
        hit: Hit,
        min_confidence: f64,
        question: &str,
        shared: &mut Analyses,
        language: &str,
    ) -> TraceRow {
        let mut row = self.empty_row(&bot.id);
        row.confidence = f64::from(hit.confidence);
        row.score = f64::from(hit.score);
        row.classifier = hit.classifier.map(f64::from);
        row.meaning = hit.meaning.map(f64::from);
        row.passed = row.confidence >= min_confidence;
        row.entry_id = Some(hit.entry_id);
        row.question = Some(hit.question);
        // Decoded alone when its bot's entries are still encoded in their snapshot.
        let Some(entry) = bot.qna.entry(hit.entry) else {
            return row;
        };
        row.redirect = entry.redirect.clone();
        if entry.action == QnaAction::Redirect {
            // `getIntentActions` (`modules/qna/src/backend/utils.ts`) sends text only when the
            // action includes `text`: a redirect entry says nothing.
            row.note = Some("redirect entry: Botpress says no text, it jumps to the node".into());
            return row;
        }
        let Some((answer, choice)) = pick_answer(
            entry.answers_in(language),
            self.workspace.settings.answer_seed,
            &entry.id,
            question,
        ) else {
            return row;
        };
        row.note = choice;
        if Bot::says_as_written(answer) {
            row.answer = Some(answer.to_string());
            return row;
        }
        match bot.answer_text_in(answer, shared.state(question), language) {
            Ok(text) => row.answer = Some(text),
            Err(error) => {
                row.answer = Some(answer.to_string());
                row.error = Some(error.to_string());
            }
        }
        row
    }

    fn empty_row(&self, bot_id: &str) -> TraceRow {
        TraceRow::unmatched(bot_id, self.workspace.bot_url(bot_id))
    }

    fn failed_row(&self, bot_id: &str, error: &str) -> TraceRow {
        TraceRow {
            error: Some(error.to_string()),
            ..self.empty_row(bot_id)
        }
    }
}

/// What every bot asked in one turn shares, made on first use: the question analyzed in each
/// bot language met so far (stemming the question is a third of a small bot's search), and
/// its [`question_state`].
#[derive(Default, Clone)]
struct Analyses {
    /// Shared by the clones a fan-out over tasks hands each task (see
    /// [`Delegator::local_rows`]), so the question is analyzed, and its meaning worked
    /// out, once a turn.
    analyzed: Vec<Arc<AnalyzedQuestion>>,
    state: Option<serde_json::Value>,
}

impl Analyses {
    /// The [`question_state`] of `question`.
    fn state(&mut self, question: &str) -> &serde_json::Value {
        self.state.get_or_insert_with(|| question_state(question))
    }

    /// `question` analyzed as `index` analyzes it.
    fn of(&mut self, index: &BotIndex, question: &str) -> &AnalyzedQuestion {
        let position = match self
            .analyzed
            .iter()
            .position(|analyzed| analyzed.language() == index.language())
        {
            Some(position) => position,
            None => {
                self.analyzed.push(Arc::new(index.analyze(question)));
                self.analyzed.len() - 1
            }
        };
        &self.analyzed[position]
    }
}

/// Microseconds since `started`, rounded up: a bot asked took some time, and a search that
/// finds no term in a small bot can take less than a microsecond (reported as 0 before,
/// which read as "not asked").
fn elapsed_micros(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_nanos().div_ceil(1000)).unwrap_or(u64::MAX)
}

/// Sorts rows best first (stable, so ties keep bot order) and picks the passing matches.
fn assemble(mut trace: Vec<TraceRow>, min_confidence: f64) -> Delegation {
    trace.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let matches = trace
        .iter()
        .filter(|row| row.passed)
        .map(|row| DelegationMatch {
            bot_id: row.bot_id.clone(),
            confidence: row.confidence,
            bot_url: row.bot_url.clone(),
            answer: row.answer.clone(),
        })
        .collect();
    Delegation {
        matches,
        trace,
        min_confidence,
    }
}

/// The answer an entry gives, and a note when it has several. Botpress picks one of them at
/// random on every turn (`getAlternativeAnswer`, `modules/qna/src/backend/utils.ts`); without
/// a seed interbot gives the first (so traces and tests repeat), with one it picks at random
/// as Botpress does, reproducibly for the same seed, entry and question.
fn pick_answer<'a>(
    answers: &'a [String],
    seed: Option<u64>,
    entry_id: &str,
    question: &str,
) -> Option<(&'a str, Option<String>)> {
    let count = answers.len();
    let index = match seed {
        _ if count <= 1 => 0,
        None => 0,
        Some(seed) => {
            let key = format!("{seed}\u{0}{entry_id}\u{0}{question}");
            usize::try_from(mix(key.as_bytes()) % count as u64).unwrap_or(0)
        }
    };
    let note = (count > 1).then(|| match seed {
        None => format!(
            "answer 1 of {count}: Botpress picks one at random; interbot gives the first (a seed picks at random)"
        ),
        Some(seed) => format!(
            "answer {} of {count}, picked at random (seed {seed}) as Botpress picks",
            index + 1
        ),
    });
    answers.get(index).map(|answer| (answer.as_str(), note))
}

/// A stable 64-bit hash (FNV-1a, then splitmix64's finalizer): the same on every platform and
/// Rust release, unlike `std`'s hasher.
fn mix(bytes: &[u8]) -> u64 {
    let mut hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// The dialog state of a turn that starts with `question`, as Botpress exposes it to
/// templates and flows: `event` (`preview`, `payload.text`), and empty `user`, `session` and
/// `temp`. A bot's QnA answer is rendered against it as the bot would say it (Botpress's QnA
/// module hands the answer to `cms.renderElement` with the turn's `user`, `session` and
/// `temp`: `getQnaEntryPayloads`, `modules/qna/src/backend/utils.ts`), so an answer may say
/// `You asked: {{event.preview}}`.
pub fn question_state(question: &str) -> serde_json::Value {
    serde_json::json!({
        "user": {},
        "session": {},
        "temp": {},
        "event": {"type": "text", "preview": question, "payload": {"type": "text", "text": question}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bot: &str, confidence: f64, passed: bool) -> TraceRow {
        TraceRow {
            confidence,
            passed,
            ..TraceRow::unmatched(bot, String::new())
        }
    }

    #[test]
    fn matches_are_sorted_by_confidence_with_ties_in_bot_order() {
        let delegation = assemble(
            vec![
                row("a", 0.6, true),
                row("b", 0.9, true),
                row("c", 0.6, true),
                row("d", 0.2, false),
            ],
            0.5,
        );
        let order: Vec<_> = delegation
            .matches
            .iter()
            .map(|m| m.bot_id.as_str())
            .collect();
        assert_eq!(order, ["b", "a", "c"]);
        assert_eq!(
            delegation.trace.last().map(|r| r.bot_id.as_str()),
            Some("d")
        );
    }
}
