//! `EntryClassifier`: which of a bot's entries a question belongs to, learnt from the bot's
//! own question variants, for bots that have many variants per entry.
//!
//! A bot whose entries each carry dozens of example questions (an NLU-style bot, like
//! Botpress intents with their utterances) holds more than a search index uses: which words
//! tell its entries *apart*. This is a multinomial logistic regression over the variants:
//!
//! - **Features**: the analyzed words of a question (as the index sees them), its word
//!   bigrams, and the character 4-grams of its lower-cased words (`^pass`, `assw`, …, `ord$`),
//!   which carry word forms the stemmer does not join ("lighten"/"light", typos).
//! - **Weights**: tf-idf with a sublinear tf (`1 + ln tf`) and a smoothed idf
//!   (`ln((1 + n) / (1 + df)) + 1`, over the bot's `n` variants), each vector scaled to unit
//!   length.
//! - **Meaning**: for a language with word vectors (English, [`crate::word_vectors`]), what
//!   the question's content words mean together, 100 numbers of unit length, weighed by
//!   [`MEANING_WEIGHT`] and appended to the tf-idf vector. They let a variant's words speak
//!   for words it does not hold ("fever" for "sick").
//! - **Model**: `P(e | q) = softmax(W·x + b)`, trained by minimising the cross-entropy over
//!   every variant plus `‖W‖² / (2·C)` (`C` = [`REGULARISATION_C`]) with L-BFGS; the result is
//!   deterministic (no random initialisation or sampling).
//!
//! The index combines it with its language-model score (see `index::model`).

use foldhash::{HashMap, HashMapExt};

use crate::codec::{Reader, Writer};
use crate::interner::Interner;
use crate::parallel;

/// Inverse strength of the L2 penalty. In a scikit-learn prototype of this model, on a
/// fifth of each HWU64 fold 1 entry's training questions held out, 1, 3, 10 and 30 routed
/// within 0.4 points of each other.
pub const REGULARISATION_C: f64 = 10.0;
/// Most parameters (`(features + 1) × entries`) a classifier may have: training keeps about
/// 25 vectors of this many `f64`s (L-BFGS history, gradients), so this caps its memory near
/// 100 MB; a larger bot goes without a classifier.
pub const MAX_PARAMETERS: usize = 500_000;
/// Most work one pass over the training set may take (non-zero features of all samples ×
/// entries): training makes about 60 passes, so this caps it near a third of a second on
/// this project's machine (a synthetic bot of 150 entries × 60 variants, 27 M, took 4.5 s).
/// HWU64's largest bot needs under 1 M.
pub const MAX_PASS_WORK: usize = 5_000_000;
/// Weight of the question's meaning (its unit-length word-vector sum) beside its unit-length
/// tf-idf vector. Chosen on the held-out copy of HWU64 fold 1 (`tools/hwu64-derive.py
/// holdout`, its dev set's right entries): 0.5 / 0.7 / 0.85 / 1 / 1.2 / 1.6 gave 90.25 /
/// 90.40 / 90.45 / 90.35 / 90.05 / 89.50 % (README, "Scoring").
pub const MEANING_WEIGHT: f32 = 0.85;
/// Length of the character n-grams.
const CHAR_GRAM: usize = 4;
/// L-BFGS: remembered steps, iteration cap, and the gradient size that counts as converged.
/// Five steps instead of ten: the same routing on HWU64, and a fifth less memory for the
/// bot router's training (its history is most of it).
const MEMORY: usize = 5;
const MAX_ITERATIONS: usize = 50;
/// In how many parts [`EntryClassifier::train_up_to`] cuts a pass over the samples.
const PARALLEL_PARTS: usize = 4;
const TOLERANCE: f32 = 1e-4;

/// A trained entry classifier for one bot.
#[derive(Debug, Clone)]
pub struct EntryClassifier {
    /// Feature text → column.
    columns: Interner,
    /// idf of each column.
    idf: Vec<f32>,
    /// `columns × classes` weights, column-major by feature (a feature's weights are
    /// contiguous, so a sparse question touches few cache lines).
    weights: Vec<f32>,
    bias: Vec<f32>,
    classes: usize,
    /// Numbers in a question's meaning (0: the classifier was trained without meanings);
    /// their columns follow the features'.
    meaning_dimensions: usize,
}

/// What the classifier reads of a question: its terms (from [`features`]) and, where its
/// language has word vectors, its meaning ([`crate::word_vectors::WordVectors::meaning`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Words, bigrams and character grams, as [`features`] makes them.
    pub terms: Vec<String>,
    /// What the question's content words mean together, of unit length.
    pub meaning: Option<Vec<f32>>,
}

impl Features {
    /// How many numbers a pass over this sample reads (its terms and its meaning).
    pub fn size(&self) -> usize {
        self.terms.len() + self.meaning.as_ref().map_or(0, Vec::len)
    }
}

/// One training question: its features and its class (entry).
#[derive(Debug, Clone)]
pub struct Sample {
    /// From [`features`].
    pub features: Features,
    /// The entry it belongs to, in `0..classes`.
    pub class: usize,
}

/// The classifier's features of a question: its analyzed `words` (as the index tokenized
/// them), their bigrams, the character 4-grams of the lower-cased words of `text`, and its
/// `meaning` where its language has one.
pub fn features(words: &[impl AsRef<str>], text: &str, meaning: Option<Vec<f32>>) -> Features {
    Features {
        terms: terms(words, text),
        meaning,
    }
}

/// The terms of [`features`].
fn terms(words: &[impl AsRef<str>], text: &str) -> Vec<String> {
    let mut out: Vec<String> = words.iter().map(|w| w.as_ref().to_string()).collect();
    out.extend(
        words
            .windows(2)
            .map(|w| format!("{}_{}", w[0].as_ref(), w[1].as_ref())),
    );
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let marked: Vec<char> = std::iter::once('^')
            .chain(word.chars().flat_map(char::to_lowercase))
            .chain(std::iter::once('$'))
            .collect();
        if marked.len() <= CHAR_GRAM {
            out.push(format!("#{}", marked.iter().collect::<String>()));
        } else {
            out.extend(
                marked
                    .windows(CHAR_GRAM)
                    .map(|gram| format!("#{}", gram.iter().collect::<String>())),
            );
        }
    }
    out
}

/// A sparse, unit-length tf-idf vector: `(column, value)` sorted by column.
type SparseVector = Vec<(u32, f32)>;

impl EntryClassifier {
    /// Trains on `samples` of `classes` entries; `None` when there is nothing to tell apart
    /// (fewer than two classes or no features) or the model would exceed [`MAX_PARAMETERS`].
    /// Callers check [`EntryClassifier::affordable`] first.
    pub fn train(samples: &[Sample], classes: usize) -> Option<EntryClassifier> {
        Self::train_within(samples, classes, MAX_PARAMETERS, 1)
    }

    /// Whether training on `samples` of `classes` entries stays within [`MAX_PASS_WORK`]
    /// (cheap: counts features, builds nothing).
    pub fn affordable(samples: &[Sample], classes: usize) -> bool {
        let nonzeros: usize = samples.iter().map(|s| s.features.size()).sum();
        nonzeros.saturating_mul(classes) <= MAX_PASS_WORK
    }

    /// [`EntryClassifier::train`] with another bound on the parameters than
    /// [`MAX_PARAMETERS`] (the bot router's, `index::router`), each pass over the samples
    /// shared by every core (the bots' classifiers are trained side by side instead). The
    /// result does not depend on the number of cores.
    pub fn train_up_to(
        samples: &[Sample],
        classes: usize,
        max_parameters: usize,
    ) -> Option<EntryClassifier> {
        Self::train_within(samples, classes, max_parameters, PARALLEL_PARTS)
    }

    fn train_within(
        samples: &[Sample],
        classes: usize,
        max_parameters: usize,
        parts: usize,
    ) -> Option<EntryClassifier> {
        if classes < 2 || samples.is_empty() {
            return None;
        }
        let mut columns = Interner::default();
        let mut doc_freq: Vec<u32> = Vec::new();
        for sample in samples {
            let mut seen: Vec<u32> = Vec::new();
            for feature in &sample.features.terms {
                let column = columns.intern(feature)?;
                if column as usize == doc_freq.len() {
                    doc_freq.push(0);
                }
                seen.push(column);
            }
            seen.sort_unstable();
            seen.dedup();
            for column in seen {
                doc_freq[column as usize] += 1;
            }
        }
        let meaning_dimensions = samples
            .iter()
            .find_map(|s| s.features.meaning.as_ref().map(Vec::len))
            .unwrap_or(0);
        let width = columns.len() + meaning_dimensions;
        if columns.is_empty() || (width + 1).saturating_mul(classes) > max_parameters {
            return None;
        }
        let n = samples.len() as f32;
        let idf: Vec<f32> = doc_freq
            .iter()
            .map(|&df| ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)
            .collect();
        let mut classifier = EntryClassifier {
            columns,
            idf,
            weights: Vec::new(),
            bias: vec![0.0; classes],
            classes,
            meaning_dimensions,
        };
        let data: Vec<(SparseVector, usize)> = samples
            .iter()
            .filter(|s| s.class < classes)
            .map(|s| (classifier.vector(&s.features), s.class))
            .collect();
        let problem = Problem {
            data: &data,
            features: width,
            classes,
            penalty: (1.0 / REGULARISATION_C) as f32,
            parts,
        };
        let mut solution = lbfgs(&problem, vec![0.0; problem.dimension()]);
        classifier.bias = solution.split_off(problem.features * classes);
        classifier.weights = solution;
        Some(classifier)
    }

    /// Number of entries it tells apart.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Appends the trained model to `out` (for the persistent index cache): the classes, then
    /// each column's feature text and idf in column order, the weights and the biases.
    pub(crate) fn encode(&self, out: &mut Writer) {
        out.u64(self.classes as u64);
        out.u64(self.meaning_dimensions as u64);
        self.columns.encode(out);
        out.f32s(&self.idf);
        out.f32s(&self.weights);
        out.f32s(&self.bias);
    }

    /// A model [`EntryClassifier::encode`] wrote, `None` unless every part is there and
    /// the sizes agree (so a damaged file never yields a model that could index out of
    /// bounds).
    pub(crate) fn decode(input: &mut Reader<'_>) -> Option<EntryClassifier> {
        let classes = usize::try_from(input.u64()?).ok()?;
        let meaning_dimensions = usize::try_from(input.u64()?).ok()?;
        let columns = Interner::decode(input)?;
        let count = columns.len();
        let idf = input.f32s()?;
        let weights = input.f32s()?;
        let bias = input.f32s()?;
        let sizes_agree = classes >= 2
            && idf.len() == count
            && bias.len() == classes
            && Some(weights.len())
                == count
                    .checked_add(meaning_dimensions)
                    .and_then(|width| width.checked_mul(classes));
        sizes_agree.then_some(EntryClassifier {
            columns,
            idf,
            weights,
            bias,
            classes,
            meaning_dimensions,
        })
    }

    /// `P(entry | question)` for every entry, from the question's [`features`]; sums to 1.
    pub fn probabilities(&self, features: &Features) -> Vec<f32> {
        let vector = self.vector(features);
        let mut logits = self.bias.clone();
        for &(column, value) in &vector {
            let row = &self.weights[column as usize * self.classes..][..self.classes];
            for (logit, weight) in logits.iter_mut().zip(row) {
                *logit += value * weight;
            }
        }
        softmax_in_place(&mut logits);
        logits
    }

    /// The unit-length tf-idf vector of `features` (unknown features are dropped), then
    /// its meaning weighed by [`MEANING_WEIGHT`] when the classifier was trained with
    /// meanings.
    fn vector(&self, features: &Features) -> SparseVector {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for feature in &features.terms {
            if let Some(column) = self.columns.get(feature) {
                *counts.entry(column).or_insert(0) += 1;
            }
        }
        let mut vector: SparseVector = counts
            .into_iter()
            .map(|(column, tf)| (column, (1.0 + (tf as f32).ln()) * self.idf[column as usize]))
            .collect();
        vector.sort_unstable_by_key(|&(column, _)| column);
        let norm = vector.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, value) in &mut vector {
                *value /= norm;
            }
        }
        if let Some(meaning) = &features.meaning
            && meaning.len() == self.meaning_dimensions
        {
            let first = self.idf.len() as u32;
            vector.extend(
                (first..)
                    .zip(meaning)
                    .map(|(column, &value)| (column, MEANING_WEIGHT * value)),
            );
        }
        vector
    }
}

fn softmax_in_place(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for logit in logits.iter_mut() {
        *logit = (*logit - max).exp();
        sum += *logit;
    }
    for logit in logits.iter_mut() {
        *logit /= sum;
    }
}

/// The training objective: cross-entropy of every sample plus `penalty / 2 · ‖W‖²`, over
/// parameters laid out as `W` (`features × classes`, feature-major) then `b` (`classes`).
/// Parameters and gradients are `f32` (half the memory and twice the numbers a vector
/// instruction takes of `f64`); sums of the loss are `f64`.
struct Problem<'a> {
    data: &'a [(SparseVector, usize)],
    features: usize,
    classes: usize,
    penalty: f32,
    /// In how many parts a pass is cut, each part's gradient summed on a core of its own
    /// and the parts added in order (so the result does not depend on the cores).
    parts: usize,
}

impl Problem<'_> {
    fn dimension(&self) -> usize {
        (self.features + 1) * self.classes
    }

    /// The objective at `theta`, and its gradient written to `gradient`.
    fn evaluate(&self, theta: &[f32], gradient: &mut [f32]) -> f64 {
        let weight_count = self.features * self.classes;
        let mut loss = if self.parts <= 1 {
            gradient.fill(0.0);
            self.partial(theta, self.data, gradient)
        } else {
            let size = self.data.len().div_ceil(self.parts).max(1);
            let chunks: Vec<&[(SparseVector, usize)]> = self.data.chunks(size).collect();
            let results = parallel::map(chunks, |chunk| {
                let mut partial_gradient = vec![0.0f32; theta.len()];
                let loss = self.partial(theta, chunk, &mut partial_gradient);
                (loss, partial_gradient)
            });
            gradient.fill(0.0);
            let mut loss = 0.0;
            for (part_loss, part_gradient) in results {
                loss += part_loss;
                for (g, p) in gradient.iter_mut().zip(&part_gradient) {
                    *g += p;
                }
            }
            loss
        };
        let weights = &theta[..weight_count];
        for (g, w) in gradient[..weight_count].iter_mut().zip(weights) {
            *g += self.penalty * w;
        }
        loss +=
            0.5 * f64::from(self.penalty) * weights.iter().map(|&w| f64::from(w * w)).sum::<f64>();
        loss
    }

    /// The cross-entropy of `data` at `theta`, its gradient added to `gradient`.
    fn partial(&self, theta: &[f32], data: &[(SparseVector, usize)], gradient: &mut [f32]) -> f64 {
        let k = self.classes;
        let (weights, bias) = theta.split_at(self.features * k);
        let (weight_gradient, bias_gradient) = gradient.split_at_mut(self.features * k);
        let mut loss = 0.0;
        let mut logits = vec![0.0f32; k];
        for (vector, class) in data {
            logits.copy_from_slice(bias);
            for &(column, value) in vector {
                let row = &weights[column as usize * k..][..k];
                for (logit, weight) in logits.iter_mut().zip(row) {
                    *logit += value * weight;
                }
            }
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let own = logits[*class];
            // Each exponential once (they were a quarter of the bot router's training).
            for logit in logits.iter_mut() {
                *logit = (*logit - max).exp();
            }
            let sum: f32 = logits.iter().sum();
            loss += f64::from(max + sum.ln() - own);
            // d loss / d logit = softmax − one-hot.
            for (i, logit) in logits.iter_mut().enumerate() {
                *logit = *logit / sum - if i == *class { 1.0 } else { 0.0 };
            }
            for &(column, value) in vector {
                let row = &mut weight_gradient[column as usize * k..][..k];
                for (g, d) in row.iter_mut().zip(&logits) {
                    *g += value * d;
                }
            }
            for (g, d) in bias_gradient.iter_mut().zip(&logits) {
                *g += d;
            }
        }
        loss
    }
}

/// `a · b`, summed in `f64` over eight interleaved lanes: one running sum was a chain of
/// dependent additions the CPU could not overlap, and L-BFGS's dot products over the bot
/// router's 650,000 parameters were a third of its training.
fn dot(a: &[f32], b: &[f32]) -> f64 {
    const LANES: usize = 8;
    let (a_chunks, a_rest) = a.as_chunks::<LANES>();
    let (b_chunks, b_rest) = b.as_chunks::<LANES>();
    let mut lanes = [0.0f64; LANES];
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for ((lane, &xi), &yi) in lanes.iter_mut().zip(x).zip(y) {
            *lane += f64::from(xi) * f64::from(yi);
        }
    }
    let rest: f64 = a_rest
        .iter()
        .zip(b_rest)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum();
    lanes.iter().sum::<f64>() + rest
}

/// Minimises `problem` from `theta` with L-BFGS (two-loop recursion, backtracking Armijo line
/// search); stops when the largest gradient component is below `TOLERANCE`, when a step no
/// longer lowers the objective, or after `MAX_ITERATIONS`.
fn lbfgs(problem: &Problem<'_>, mut theta: Vec<f32>) -> Vec<f32> {
    let n = theta.len();
    let mut gradient = vec![0.0; n];
    let mut value = problem.evaluate(&theta, &mut gradient);
    let mut history: std::collections::VecDeque<(Vec<f32>, Vec<f32>, f64)> =
        std::collections::VecDeque::with_capacity(MEMORY);
    let mut next_gradient = vec![0.0; n];
    let mut candidate = vec![0.0; n];
    for _ in 0..MAX_ITERATIONS {
        if gradient.iter().all(|g| g.abs() < TOLERANCE) {
            break;
        }
        // Direction: −H·g from the remembered steps (s, y, 1/yᵀs).
        let mut direction: Vec<f32> = gradient.iter().map(|g| -g).collect();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let alpha = rho * dot(s, &direction);
            for (d, yi) in direction.iter_mut().zip(y) {
                *d -= (alpha * f64::from(*yi)) as f32;
            }
            alphas.push(alpha);
        }
        let scale = match history.back() {
            Some((s, y, _)) => dot(s, y) / dot(y, y).max(f64::MIN_POSITIVE),
            None => 1.0 / dot(&gradient, &gradient).sqrt().max(1.0),
        };
        for d in &mut direction {
            *d = (f64::from(*d) * scale) as f32;
        }
        for ((s, y, rho), alpha) in history.iter().zip(alphas.iter().rev()) {
            let beta = rho * dot(y, &direction);
            for (d, si) in direction.iter_mut().zip(s) {
                *d += ((alpha - beta) * f64::from(*si)) as f32;
            }
        }
        let mut slope = dot(&gradient, &direction);
        if slope >= 0.0 {
            // Not a descent direction (curvature went wrong): fall back to steepest descent.
            history.clear();
            direction = gradient.iter().map(|g| -g).collect();
            slope = -dot(&gradient, &gradient);
        }
        let mut step = 1.0f64;
        let mut next_value = f64::INFINITY;
        for _ in 0..30 {
            for ((c, t), d) in candidate.iter_mut().zip(&theta).zip(&direction) {
                *c = t + (step as f32) * d;
            }
            next_value = problem.evaluate(&candidate, &mut next_gradient);
            if next_value <= value + 1e-4 * step * slope {
                break;
            }
            step *= 0.5;
        }
        // No progress (or a NaN): the optimum is as close as f32 steps get.
        if next_value.partial_cmp(&value) != Some(std::cmp::Ordering::Less) {
            break;
        }
        let s: Vec<f32> = candidate.iter().zip(&theta).map(|(c, t)| c - t).collect();
        let y: Vec<f32> = next_gradient
            .iter()
            .zip(&gradient)
            .map(|(a, b)| a - b)
            .collect();
        let curvature = dot(&s, &y);
        if curvature > 1e-10 {
            if history.len() == MEMORY {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / curvature));
        }
        std::mem::swap(&mut theta, &mut candidate);
        std::mem::swap(&mut gradient, &mut next_gradient);
        value = next_value;
    }
    theta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, class: usize) -> Sample {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        Sample {
            features: features(&words, text, None),
            class,
        }
    }

    #[test]
    fn dot_products_add_every_pair_in_and_beyond_the_lanes() {
        for len in [0, 1, 7, 8, 9, 19, 64] {
            let a: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 3.0).collect();
            let b: Vec<f32> = (0..len).map(|i| 1.0 + (i % 3) as f32).collect();
            let plain: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-9, "length {len}");
        }
    }

    /// A sample with its meaning (English word vectors; no function words are left out).
    fn meant(text: &str, class: usize) -> Sample {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let vectors = crate::word_vectors::WordVectors::english().expect("built in");
        let meaning = vectors.meaning(words.iter().map(String::as_str));
        Sample {
            features: features(&words, text, meaning),
            class,
        }
    }

    #[test]
    fn features_are_words_bigrams_and_char_grams() {
        let words = ["reset".to_string(), "password".to_string()];
        let f = features(&words, "Reset PASSWORD", None).terms;
        assert!(f.contains(&"reset".to_string()));
        assert!(f.contains(&"reset_password".to_string()));
        assert!(f.contains(&"#^res".to_string()));
        assert!(f.contains(&"#ord$".to_string()));
        assert_eq!(features(&[] as &[&str], "a", None).terms, ["#^a$"]);
        assert!(features(&[] as &[&str], "", None).terms.is_empty());
    }

    #[test]
    fn meanings_let_a_question_reach_an_entry_it_shares_no_word_with() {
        let samples = [
            meant("i am sick today", 0),
            meant("i feel ill", 0),
            meant("i caught the flu", 0),
            meant("my doctor says i must stay in bed", 0),
            meant("my printer is jammed", 1),
            meant("the printer prints nothing", 1),
            meant("printer out of toner", 1),
            meant("i cannot print my document", 1),
        ];
        let classifier = EntryClassifier::train(&samples, 2).expect("trained");
        // Without meanings, none of the question's words or character grams is known to
        // tell the entries apart: the classes' biases alone (0.60 / 0.40 here). With them,
        // each question leans to the entry whose variants mean what it means (0.68 both).
        for (question, meant_class) in [("fever and headache", 0), ("copier paper stuck", 1)] {
            let p = classifier.probabilities(&meant(question, 0).features);
            let words = classifier.probabilities(&sample(question, 0).features);
            assert!(
                p[meant_class] > words[meant_class] + 0.05 && p[meant_class] > 0.6,
                "{question}: {p:?} without meanings {words:?}"
            );
        }
    }

    #[test]
    fn a_decoded_model_gives_the_same_probabilities_bit_for_bit() {
        let texts = [
            ("set an alarm", 0),
            ("wake me at seven", 0),
            ("cancel my alarm", 1),
            ("remove the alarm", 1),
            ("what time is it", 2),
        ];
        let plain: Vec<Sample> = texts.iter().map(|&(t, c)| sample(t, c)).collect();
        let with_meanings: Vec<Sample> = texts.iter().map(|&(t, c)| meant(t, c)).collect();
        let with_meanings = EntryClassifier::train(&with_meanings, 3).expect("trained");
        assert_eq!(with_meanings.meaning_dimensions, 100);
        round_trips(&EntryClassifier::train(&plain, 3).expect("trained"));
        round_trips(&with_meanings);
    }

    /// The classifier encoded then decoded gives the same probabilities, bit for bit, and
    /// every truncation of its bytes is refused.
    fn round_trips(classifier: &EntryClassifier) {
        let mut writer = Writer::default();
        classifier.encode(&mut writer);
        let bytes = writer.into_bytes();
        let decoded = EntryClassifier::decode(&mut Reader::new(&bytes)).expect("decoded");
        for text in ["set my alarm", "what time", "nothing known"] {
            let question = meant(text, 0).features;
            let bits = |c: &EntryClassifier| {
                c.probabilities(&question)
                    .iter()
                    .map(|p| p.to_bits())
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(classifier), bits(&decoded), "{text}");
        }
        // Every truncation is refused.
        for cut in 0..bytes.len() {
            assert!(EntryClassifier::decode(&mut Reader::new(&bytes[..cut])).is_none());
        }
    }

    #[test]
    fn the_gradient_matches_finite_differences_in_one_part_or_several() {
        let samples = [
            meant("set an alarm", 0),
            meant("cancel my alarm", 1),
            meant("wake me up at six", 0),
            meant("what time is it", 2),
            meant("remove every alarm", 1),
        ];
        let classifier = EntryClassifier::train(&samples, 3).expect("trained");
        let data: Vec<(SparseVector, usize)> = samples
            .iter()
            .map(|s| (classifier.vector(&s.features), s.class))
            .collect();
        let problem = |parts| Problem {
            data: &data,
            features: classifier.idf.len() + classifier.meaning_dimensions,
            classes: 3,
            penalty: 0.3,
            parts,
        };
        let one = problem(1);
        let theta: Vec<f32> = (0..one.dimension())
            .map(|i| ((i * 7 % 5) as f32 - 2.0) / 10.0)
            .collect();
        let mut gradient = vec![0.0; theta.len()];
        let value = one.evaluate(&theta, &mut gradient);
        // Cut in parts (summed on several cores), the same objective and gradient.
        let mut parted = vec![0.0; theta.len()];
        assert!((problem(4).evaluate(&theta, &mut parted) - value).abs() < 1e-5);
        for (a, b) in gradient.iter().zip(&parted) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        // f32 parameters: a step of 1e-3 and a tolerance to match.
        let mut scratch = vec![0.0; theta.len()];
        for i in 0..theta.len() {
            let (mut up, mut down) = (theta.clone(), theta.clone());
            up[i] += 1e-3;
            down[i] -= 1e-3;
            let numeric =
                (one.evaluate(&up, &mut scratch) - one.evaluate(&down, &mut scratch)) / 2e-3;
            let analytic = f64::from(gradient[i]);
            assert!(
                (numeric - analytic).abs() < 1e-3,
                "{i}: {numeric} vs {analytic}"
            );
        }
    }

    #[test]
    fn it_tells_entries_apart_by_their_words() {
        let samples = [
            sample("set an alarm for six", 0),
            sample("wake me up at seven", 0),
            sample("new alarm tomorrow morning", 0),
            sample("cancel my alarm", 1),
            sample("remove the alarm for six", 1),
            sample("delete all alarms", 1),
            sample("what alarms do i have", 2),
            sample("list my alarms", 2),
            sample("show the alarm for tomorrow", 2),
        ];
        let classifier = EntryClassifier::train(&samples, 3).expect("trained");
        let best = |text: &str| {
            let p = classifier.probabilities(&sample(text, 0).features);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(0)
        };
        assert_eq!(best("please remove my alarm"), 1);
        assert_eq!(best("show me my alarms"), 2);
        assert_eq!(best("set a new alarm"), 0);
        // Nothing known: the classes' priors, close to uniform here.
        let unknown = classifier.probabilities(&sample("zzz", 0).features);
        assert!(unknown.iter().all(|&p| (p - 1.0 / 3.0).abs() < 0.05));
    }

    #[test]
    fn nothing_to_tell_apart_or_too_large_is_no_classifier() {
        assert!(EntryClassifier::train(&[sample("hi", 0)], 1).is_none());
        assert!(EntryClassifier::train(&[], 3).is_none());
        let samples = [sample("set an alarm", 0), sample("cancel my alarm", 1)];
        let features = EntryClassifier::train(&samples, 2)
            .map(|c| c.idf.len())
            .unwrap_or_default();
        assert!(features > 0);
        let fits = (features + 1) * 2;
        assert!(EntryClassifier::train_within(&samples, 2, fits, 1).is_some());
        assert!(EntryClassifier::train_within(&samples, 2, fits - 1, 1).is_none());
    }
}
