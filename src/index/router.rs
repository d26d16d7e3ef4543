//! `BotRouter`: which of the master's sub-bots a question is for, learnt from the bots' own
//! question variants, and how much that should weigh on each bot's confidence.
//!
//! Every bot's confidence measures how well its own entries explain a question (see
//! [`super::model`]); none of them knows what the *other* bots hold. A question no bot
//! should take ("set an alarm" with no alarm bot) still finds a bot whose entries share most
//! of its words ("set a reminder"), and gets a middling confidence there. A classifier over
//! bots sees the bots side by side: trained on every bot's variants (a multinomial logistic
//! regression, the same model and features as a bot's entry classifier, one class per bot),
//! its probability `p(bot | question)` is spread thin over several bots for such a
//! question, and concentrated on one bot for a question that bot's variants are like. So
//! each bot's confidence is weighed by it:
//!
//! ```text
//! confidence'(bot) = confidence(bot) · p(bot | question) ^ ROUTER_EXPONENT
//! ```
//!
//! which stays in [0, 1], never rises, and leaves a question the router is sure of nearly
//! as it was. Measured on HWU64 fold 1 (README, "Scoring"), it raises the leave-one-out
//! out-of-scope recall from 29.1 % to 53.1 %, with the right bot for 92.8 % of questions as
//! before.
//!
//! The master's delegation weighs its local bots' rows by it (`Delegator::with_router`; not
//! under `compat: botpress`, which reads confidences as Botpress does), and `interbot eval`
//! routes the same way (`--no-router` to compare). A router is trained only for a workspace
//! of NLU-style bots (at least two local bots of one language, none with several, whose
//! entries hold at least `CLASSIFIER_MIN_VARIANTS` variants on average), like a bot's entry
//! classifier; for bots of a few variants per entry it is unmeasured. Training takes about
//! a second on HWU64, so a trained router is kept in the index cache
//! ([`BotRouter::cached`], `cache::router`).

use std::sync::Arc;
use std::time::Instant;

use foldhash::{HashMap, HashMapExt, HashSet};

use super::analysis::Analysis;
use super::cache::IndexCache;
use super::entries::IndexedEntries;
use super::model::CLASSIFIER_MIN_VARIANTS;
use crate::classifier::{self, EntryClassifier, Sample};
use crate::workspace::Workspace;

/// How strongly the router's probability weighs on a bot's confidence. Measured with
/// `tools/router-probe.py` on HWU64 fold 1 (leave-one-out out-of-scope recall / right bot
/// with no threshold; without a router 29.7 % / 92.8 %): 0.25 gives 92.9 % right bot;
/// 0.5, 51.7 % / 92.7 %; 1, 57.3 % / 92.3 %.
pub const ROUTER_EXPONENT: f64 = 0.5;
/// Most parameters (`(features + 1) × bots`) a router may have: training keeps about 25
/// vectors of this many `f64`s, so this caps its memory near 300 MB. HWU64's 18 bots need
/// about 0.2 million (0.6 million with no feature left out).
const MAX_PARAMETERS: usize = 1_500_000;
/// A feature is kept when at least this many variants hold it (see
/// [`without_rare_features`]).
const MIN_VARIANTS_PER_FEATURE: u32 = 3;
/// From how many variants in all rare features are left out (see [`without_rare_features`]).
const PRUNE_FROM_VARIANTS: usize = 1_000;
/// Most work one pass over the training set may take (non-zero features of all variants ×
/// bots): training makes about 60 passes.
const MAX_PASS_WORK: usize = 20_000_000;

/// See the module documentation.
#[derive(Clone)]
pub struct BotRouter {
    /// The bots it tells apart, in class order.
    bots: Vec<String>,
    analysis: Analysis,
    classifier: EntryClassifier,
    /// Seconds training took.
    seconds: f64,
    /// The key of what it was trained on (`cache::router::key`; empty when trained by
    /// [`BotRouter::train`], which makes none).
    key: String,
}

impl std::fmt::Debug for BotRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotRouter")
            .field("bots", &self.bots)
            .field("seconds", &self.seconds)
            .finish_non_exhaustive()
    }
}

/// Why a workspace gets no router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRouter {
    /// Fewer than two of the bots are local bots of the workspace.
    TooFewBots,
    /// The bots do not all speak one default language.
    SeveralLanguages,
    /// The bots' entries hold too few variants each to learn from.
    FewVariants,
    /// Training would exceed the router's bounds on memory or time.
    TooLarge,
}

impl std::fmt::Display for NoRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoRouter::TooFewBots => "fewer than two local bots are asked",
            NoRouter::SeveralLanguages => "the bots asked do not share one default language",
            NoRouter::FewVariants => {
                "the bots' entries hold too few question variants each to learn from"
            }
            NoRouter::TooLarge => "training would exceed the router's bounds on memory or time",
        })
    }
}

/// What a router is trained on: the local bots among those asked, their language and their
/// enabled entries' variants, which also make its key in the cache (`cache::router::key`).
pub(crate) struct TrainingSet {
    bots: Vec<String>,
    language: String,
    entries: Vec<IndexedEntries>,
}

impl TrainingSet {
    /// The training set of `bots` (ids; those that are not local bots of `workspace`, such
    /// as remote bots, are left out), or why they get no router.
    pub(crate) fn of(workspace: &Workspace, bots: &[String]) -> Result<TrainingSet, NoRouter> {
        let members: Vec<_> = bots.iter().filter_map(|id| workspace.bot(id)).collect();
        let Some(first) = members.first() else {
            return Err(NoRouter::TooFewBots);
        };
        if members.len() < 2 {
            return Err(NoRouter::TooFewBots);
        }
        let language = first.config.default_language.as_str();
        let one_language = |bot: &&crate::workspace::Bot| {
            bot.config.default_language == language && bot.config.languages().count() <= 1
        };
        if !members.iter().all(one_language) {
            return Err(NoRouter::SeveralLanguages);
        }
        // Counted before anything is copied: a workspace of 100,000 FAQ entries is told
        // apart in a pass over its entries.
        let trained = || {
            members
                .iter()
                .flat_map(|bot| &bot.qna)
                .filter(|entry| entry.trained_in(language))
        };
        let entry_count = trained().count();
        let variant_count: usize = trained()
            .map(|entry| entry.questions_in(language).len())
            .sum();
        if entry_count == 0 || variant_count < entry_count.saturating_mul(CLASSIFIER_MIN_VARIANTS) {
            return Err(NoRouter::FewVariants);
        }
        let entries: Vec<IndexedEntries> = members
            .iter()
            .map(|bot| IndexedEntries::new(&bot.qna, language))
            .collect();
        Ok(TrainingSet {
            bots: members.iter().map(|bot| bot.id.clone()).collect(),
            language: language.to_string(),
            entries,
        })
    }

    /// The bots, in class order.
    pub(crate) fn bots(&self) -> &[String] {
        &self.bots
    }

    /// The language of every bot's variants.
    pub(crate) fn language(&self) -> &str {
        &self.language
    }

    /// Each bot's variants, entry by entry, in class order.
    pub(crate) fn variants(&self) -> impl Iterator<Item = (&str, Vec<&str>)> {
        self.bots
            .iter()
            .zip(&self.entries)
            .map(|(bot, entries)| (bot.as_str(), entries.all_questions().collect()))
    }

    /// Trains the router. Deterministic: the same set gives the same router.
    pub(crate) fn train(&self) -> Result<BotRouter, NoRouter> {
        let started = Instant::now();
        let analysis = Analysis::for_language(&self.language);
        let samples: Vec<Sample> = self
            .entries
            .iter()
            .enumerate()
            .flat_map(|(class, entries)| {
                let analysis = &analysis;
                entries.all_questions().map(move |question| Sample {
                    features: classifier::features(&analysis.tokens(question), question),
                    class,
                })
            })
            .collect();
        let samples = without_rare_features(samples);
        let classes = self.bots.len();
        let work: usize = samples.iter().map(|s| s.features.len()).sum();
        if work.saturating_mul(classes) > MAX_PASS_WORK {
            return Err(NoRouter::TooLarge);
        }
        let classifier = EntryClassifier::train_up_to(&samples, classes, MAX_PARAMETERS)
            .ok_or(NoRouter::TooLarge)?;
        Ok(BotRouter {
            bots: self.bots.clone(),
            analysis,
            classifier,
            seconds: started.elapsed().as_secs_f64(),
            key: String::new(),
        })
    }
}

/// `samples` with the features fewer than [`MIN_VARIANTS_PER_FEATURE`] of them hold left
/// out, when there are at least [`PRUNE_FROM_VARIANTS`]: most character 4-grams and bigrams
/// of a large workspace occur once or twice, and such a feature says little about a bot
/// while it costs a column of weights per bot, in training, in the cache and at every start
/// (HWU64: a 2.9 MB router without pruning, 0.9 MB with; leave-one-out out-of-scope recall
/// 55.0 → 53.1 %, right bot 92.8 % both). A small workspace keeps every feature: there, most
/// words are rare.
fn without_rare_features(mut samples: Vec<Sample>) -> Vec<Sample> {
    if samples.len() < PRUNE_FROM_VARIANTS {
        return samples;
    }
    let mut seen_in: HashMap<&str, u32> = HashMap::new();
    for sample in &samples {
        let mut distinct: Vec<&str> = sample.features.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for feature in distinct {
            *seen_in.entry(feature).or_insert(0) += 1;
        }
    }
    let rare: HashSet<String> = seen_in
        .into_iter()
        .filter(|&(_, count)| count < MIN_VARIANTS_PER_FEATURE)
        .map(|(feature, _)| feature.to_string())
        .collect();
    for sample in &mut samples {
        sample.features.retain(|feature| !rare.contains(feature));
    }
    samples
}

impl BotRouter {
    /// Trains a router over `bots` (see [`TrainingSet::of`] for which bots count), from
    /// each bot's enabled entries' variants in its default language. Deterministic.
    pub fn train(workspace: &Workspace, bots: &[String]) -> Result<BotRouter, NoRouter> {
        TrainingSet::of(workspace, bots)?.train()
    }

    /// The router of `bots`: `kept` itself when it was trained on the same variants (an
    /// engine reloaded after an edit that changed no variant keeps its router, cache or
    /// not), else taken from `cache` when it holds one (by this build), else trained and
    /// stored there (see `cache::router`).
    pub fn cached(
        workspace: &Workspace,
        bots: &[String],
        cache: Option<&IndexCache>,
        kept: Option<&Arc<BotRouter>>,
    ) -> Result<Arc<BotRouter>, NoRouter> {
        let set = TrainingSet::of(workspace, bots)?;
        let key = super::cache::router::key(set.language(), set.variants());
        if let Some(kept) = kept.filter(|kept| kept.key == key) {
            return Ok(kept.clone());
        }
        if let Some(classifier) = cache.and_then(|cache| cache.router(&key, set.bots())) {
            return Ok(Arc::new(BotRouter {
                bots: set.bots().to_vec(),
                analysis: Analysis::for_language(set.language()),
                classifier,
                seconds: 0.0,
                key,
            }));
        }
        let mut router = set.train()?;
        if let Some(cache) = cache {
            cache.store_router(&key, &router.bots, &router.classifier);
        }
        router.key = key;
        Ok(Arc::new(router))
    }

    /// The bots it tells apart.
    pub fn bots(&self) -> &[String] {
        &self.bots
    }

    /// Seconds its training took (0 when it came from the cache).
    pub fn training_seconds(&self) -> f64 {
        self.seconds
    }

    /// `p(bot | question)` for each of [`BotRouter::bots`], in that order; sums to 1.
    pub fn probabilities(&self, question: &str) -> Vec<f32> {
        let words = self.analysis.tokens(question);
        self.classifier
            .probabilities(&classifier::features(&words, question))
    }

    /// The probability of `bot` among `probabilities` (from [`BotRouter::probabilities`]);
    /// `None` for a bot the router does not know (it keeps its confidence).
    pub fn probability_of(&self, probabilities: &[f32], bot: &str) -> Option<f32> {
        let class = self.bots.iter().position(|known| known == bot)?;
        probabilities.get(class).copied()
    }
}

/// A bot's confidence weighed by the router's probability for it (see the module
/// documentation): in [0, 1] when `confidence` is, and never above it. A probability that
/// is not a number (a router file damaged in a way its hash did not catch) leaves the
/// confidence as it is.
pub fn routed_confidence(confidence: f64, probability: f32) -> f64 {
    if probability.is_nan() {
        return confidence;
    }
    confidence * f64::from(probability.clamp(0.0, 1.0)).powf(ROUTER_EXPONENT)
}
