//! `BotRouter`: which of the master's sub-bots a question is for, learnt from the bots' own
//! question variants, and how much that should weigh on each bot's confidence.
//!
//! Every bot's confidence measures how well its own entries explain a question (see
//! [`super::model`]); none of them knows what the *other* bots hold. A question no bot
//! should take ("set an alarm" with no alarm bot) still finds a bot whose entries share most
//! of its words ("set a reminder"), and gets a middling confidence there. A classifier over
//! every bot's entries sees the bots side by side: trained on every bot's variants (a
//! multinomial logistic regression, the same model and features as a bot's entry
//! classifier, the question's meaning included, one class per entry of every bot), the
//! probability it gives a bot, `p(bot | question)`, the sum of its entries', is spread thin
//! over several bots for such a question, and concentrated on one bot for a question that
//! bot's variants are like. So each bot's confidence is weighed by it:
//!
//! ```text
//! confidence'(bot) = confidence(bot) · p(bot | question) ^ ROUTER_EXPONENT
//! ```
//!
//! which stays in [0, 1] and never rises. A class per entry rather than per bot: a bot is a
//! mixture of unlike entries (HWU64's `general` holds "thank you" and "repeat that"), which
//! one linear class per bot draws poorly. Measured on HWU64 fold 1 (README, "Scoring"): the
//! right bot for 94.8 % of questions instead of 92.8 % (90.2 % right entries instead of
//! 88.5 %), and the leave-one-out out-of-scope recall 53.0 % (29.1 % without a router). When
//! a class per entry would exceed the training bounds, the router has a class per bot.
//!
//! The master's delegation weighs its local bots' rows by it (`Delegator::with_router`; not
//! under `compat: botpress`, which reads confidences as Botpress does), and `interbot eval`
//! routes the same way (`--no-router` to compare). A router is trained only for a workspace
//! of NLU-style bots (at least two local bots of one language, none with several, whose
//! entries hold at least `CLASSIFIER_MIN_VARIANTS` variants on average), like a bot's entry
//! classifier. On the bundled bots (two to five variants an entry) a router was measured and
//! not kept: it halved their confidences and answered an unrelated question at the
//! recommended threshold (README, "Scoring"). Training takes under two seconds on HWU64, so
//! a trained router is kept in the index cache
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

/// How strongly the router's probability weighs on a bot's confidence. With a class per
/// bot and no meanings it was 0.5, chosen with `tools/router-probe.py` (0.25 / 0.5 / 1 gave
/// 92.9 / 92.7 / 92.3 % right bots). With a class per entry and the questions' meanings,
/// on HWU64 fold 1 (right bot, right entry, leave-one-out out-of-scope recall): 0.5 gives
/// 94.7 %, 90.1 %, 47.5 %; 1 gives 94.8 %, 90.2 %, 53.0 % (the held-out copy's dev set:
/// 90.3 and 90.0 % right entries, within its noise).
pub const ROUTER_EXPONENT: f64 = 1.0;
/// Most parameters (`(features + 1) × classes`) a router may have: training keeps about 20
/// vectors of this many `f32`s, so this caps its memory near 160 MB. HWU64's 64 entries
/// need about 0.65 million.
const MAX_PARAMETERS: usize = 2_000_000;
/// A feature is kept when at least this many variants hold it (see
/// [`without_rare_features`]).
const MIN_VARIANTS_PER_FEATURE: u32 = 3;
/// From how many variants in all rare features are left out (see [`without_rare_features`]).
const PRUNE_FROM_VARIANTS: usize = 1_000;
/// Most work one pass over the training set may take (non-zero features of all variants ×
/// classes): training makes about 55 passes, shared by the cores. HWU64 needs about 85
/// million with a class per entry (about 2 s on this project's two cores).
const MAX_PASS_WORK: usize = 100_000_000;

/// See the module documentation.
#[derive(Clone)]
pub struct BotRouter {
    /// The bots it tells apart, in class order.
    bots: Vec<String>,
    /// The bot (in `bots`) each class of the classifier stands for.
    class_bots: Vec<usize>,
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
        // apart without reading them (loading counted each one's questions).
        let (entry_count, variant_count) = members
            .iter()
            .map(|bot| bot.qna.trained_count(language))
            .fold((0, 0), |(entries, variants), (more, theirs)| {
                (entries + more, variants + theirs)
            });
        if entry_count == 0 || variant_count < entry_count.saturating_mul(CLASSIFIER_MIN_VARIANTS) {
            return Err(NoRouter::FewVariants);
        }
        let entries: Vec<IndexedEntries> = members
            .iter()
            .map(|bot| IndexedEntries::of(&bot.qna, language))
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

    /// Which bot each class of a router trained on this set stands for, for a router of
    /// `classes` classes: one class per entry (in bot order, then entry order) or, when
    /// that was too large to train, one per bot; `None` for any other count (a router file
    /// of another set).
    pub(crate) fn class_bots(&self, classes: usize) -> Option<Vec<usize>> {
        let by_entry: Vec<usize> = (self.entries.iter().enumerate())
            .flat_map(|(bot, entries)| std::iter::repeat_n(bot, entries.len()))
            .collect();
        if classes == by_entry.len() {
            Some(by_entry)
        } else if classes == self.bots.len() {
            Some((0..classes).collect())
        } else {
            None
        }
    }

    /// Trains the router: one class per entry when that stays within the bounds, else one
    /// per bot. Deterministic: the same set gives the same router.
    pub(crate) fn train(&self) -> Result<BotRouter, NoRouter> {
        self.train_within(MAX_PASS_WORK)
    }

    /// [`TrainingSet::train`] with `max_pass_work` for [`MAX_PASS_WORK`].
    fn train_within(&self, max_pass_work: usize) -> Result<BotRouter, NoRouter> {
        let started = Instant::now();
        let analysis = Analysis::for_language(&self.language);
        // Each variant's features with its entry's class (bot after bot, entry after entry)
        // and its bot's.
        let mut samples: Vec<(Sample, usize)> = Vec::new();
        let mut entry_class = 0;
        for (bot, entries) in self.entries.iter().enumerate() {
            for ord in 0..entries.len() {
                for question in entries.questions(ord) {
                    let features = classifier::features(
                        &analysis.tokens(question),
                        question,
                        analysis.meaning(question),
                    );
                    let sample = Sample {
                        features,
                        class: entry_class,
                    };
                    samples.push((sample, bot));
                }
                entry_class += 1;
            }
        }
        let (mut samples, bots_of): (Vec<Sample>, Vec<usize>) = samples.into_iter().unzip();
        samples = without_rare_features(samples);
        let work: usize = samples.iter().map(|s| s.features.size()).sum();
        let fits = |classes: usize| work.saturating_mul(classes) <= max_pass_work;
        let mut classifier = None;
        if fits(entry_class) {
            classifier = EntryClassifier::train_up_to(&samples, entry_class, MAX_PARAMETERS);
        }
        if classifier.is_none() && fits(self.bots.len()) {
            for (sample, bot) in samples.iter_mut().zip(bots_of) {
                sample.class = bot;
            }
            classifier = EntryClassifier::train_up_to(&samples, self.bots.len(), MAX_PARAMETERS);
        }
        let classifier = classifier.ok_or(NoRouter::TooLarge)?;
        let class_bots = self
            .class_bots(classifier.classes())
            .ok_or(NoRouter::TooLarge)?;
        Ok(BotRouter {
            bots: self.bots.clone(),
            class_bots,
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
        let mut distinct: Vec<&str> = sample.features.terms.iter().map(String::as_str).collect();
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
        sample
            .features
            .terms
            .retain(|feature| !rare.contains(feature));
    }
    samples
}

impl BotRouter {
    /// Trains a router over `bots` (see `TrainingSet::of` for which bots count), from
    /// each bot's enabled entries' variants in its default language. Deterministic.
    pub fn train(workspace: &Workspace, bots: &[String]) -> Result<BotRouter, NoRouter> {
        TrainingSet::of(workspace, bots)?.train()
    }

    /// [`BotRouter::train`] with another bound than the default on the work of one pass
    /// over the variants (features of every variant × classes): a class per entry when it
    /// fits, else a class per bot, else [`NoRouter::TooLarge`].
    pub fn train_within(
        workspace: &Workspace,
        bots: &[String],
        max_pass_work: usize,
    ) -> Result<BotRouter, NoRouter> {
        TrainingSet::of(workspace, bots)?.train_within(max_pass_work)
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
        Self::cached_reporting(workspace, bots, cache, kept, &|| {})
    }

    /// [`BotRouter::cached`], calling `training` just before it trains (only then: neither
    /// when the router is kept or read from the cache nor when the bots get none), so a
    /// start-up screen can say why it waits.
    pub fn cached_reporting(
        workspace: &Workspace,
        bots: &[String],
        cache: Option<&IndexCache>,
        kept: Option<&Arc<BotRouter>>,
        training: &dyn Fn(),
    ) -> Result<Arc<BotRouter>, NoRouter> {
        let set = TrainingSet::of(workspace, bots)?;
        let key = super::cache::router::key(set.language(), set.variants());
        if let Some(kept) = kept.filter(|kept| kept.key == key) {
            return Ok(kept.clone());
        }
        let cached = cache.and_then(|cache| cache.router(&key, set.bots()));
        let cached = cached.and_then(|c| Some((set.class_bots(c.classes())?, c)));
        if let Some((class_bots, classifier)) = cached {
            return Ok(Arc::new(BotRouter {
                bots: set.bots().to_vec(),
                class_bots,
                analysis: Analysis::for_language(set.language()),
                classifier,
                seconds: 0.0,
                key,
            }));
        }
        training();
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

    /// How many classes its classifier tells apart: one per entry of its bots, or one per
    /// bot when a class per entry was too large to train.
    pub fn classes(&self) -> usize {
        self.class_bots.len()
    }

    /// Seconds its training took (0 when it came from the cache).
    pub fn training_seconds(&self) -> f64 {
        self.seconds
    }

    /// `p(bot | question)` for each of [`BotRouter::bots`], in that order; sums to 1.
    pub fn probabilities(&self, question: &str) -> Vec<f32> {
        let words = self.analysis.tokens(question);
        let by_class = self.classifier.probabilities(&classifier::features(
            &words,
            question,
            self.analysis.meaning(question),
        ));
        let mut by_bot = vec![0.0f32; self.bots.len()];
        for (&bot, p) in self.class_bots.iter().zip(by_class) {
            if let Some(total) = by_bot.get_mut(bot) {
                *total += p;
            }
        }
        by_bot
    }

    /// The probability of `bot` among `probabilities` (from [`BotRouter::probabilities`]);
    /// `None` for a bot the router does not know (it keeps its confidence).
    pub fn probability_of(&self, probabilities: &[f32], bot: &str) -> Option<f32> {
        let class = self.bots.iter().position(|known| known == bot)?;
        probabilities.get(class).copied()
    }
}

/// How the router's probability `p` (already formatted) weighs a confidence, as the trace
/// and explanations print it: `p` itself, or `p^x` for another [`ROUTER_EXPONENT`].
pub fn weight_of(p: &str) -> String {
    if ROUTER_EXPONENT == 1.0 {
        p.to_string()
    } else {
        format!("{p}^{ROUTER_EXPONENT}")
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
