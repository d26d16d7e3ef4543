//! How text becomes terms: the analyzer of a bot's language (words, lower-cased,
//! ASCII-folded, stemmed), its function words, and word bigrams. Questions and QnA variants
//! go through the same analysis, so a question is never a query language: `"`, `:`, `(`,
//! `^`, `-`, `*`, `+`, emoji or an empty string are plain text.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::word_vectors::WordVectors;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer,
};

/// The analyzer for a bot language code (`en`, `fr`, …); English where tantivy has no
/// stemmer for it.
pub fn analyzer_for(language: &str) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(stemmer_language(language)))
        .build()
}

/// [`analyzer_for`] in two parts: the words before stemming, and a stemmer of one word at a
/// time (each word is stemmed on its own, so the two give the same terms).
fn analyzer_parts(language: &str) -> (TextAnalyzer, TextAnalyzer) {
    let words = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let stemmer = TextAnalyzer::builder(RawTokenizer::default())
        .filter(Stemmer::new(stemmer_language(language)))
        .build();
    (words, stemmer)
}

/// The stemmer's language for a bot language code; English where tantivy has no stemmer
/// for it.
fn stemmer_language(language: &str) -> Language {
    match language.get(..2).unwrap_or("en") {
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "el" => Language::Greek,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => Language::English,
    }
}

/// English function words common in questions, written for interbot: pronouns,
/// determiners, auxiliaries, prepositions and question words.
const ENGLISH_FUNCTION_WORDS: &str = "a an the this that these those there here i me my mine we us \
    our you your he she it its they them their what which who whom whose when where why how \
    is are was were be been being am do does did done have has had can could would should will \
    shall may might must to of in on at by for from with about into over under and or but if \
    so not no any some all please just get got there's it's i'm i'd don't can't";

/// How many words an analysis remembers the stems of; words met after that are stemmed
/// every time, so questions of made-up words cannot make the table grow without end.
const KNOWN_STEMS: usize = 16 * 1024;

/// One bot language's analysis: its analyzer, in two parts (words, then each word's stem),
/// the stems of the words questions used, and its analyzed function words.
#[derive(Clone)]
pub(super) struct Analysis {
    /// Words lower-cased and ASCII-folded, before stemming.
    words: TextAnalyzer,
    /// One word's stem.
    stemmer: TextAnalyzer,
    /// The stems of the words questions used, by word (at most [`KNOWN_STEMS`]): stemming was
    /// half of analyzing a question, and questions repeat their words. Shared by the
    /// analysis's clones.
    stems: Arc<RwLock<HashMap<Box<str>, Box<str>>>>,
    /// The bot language's code, for [`Analysis::batch`].
    language: String,
    /// Function words of the language, analyzed (none outside English).
    function_words: Arc<HashSet<String>>,
    /// The language's word vectors and its function words as unstemmed words, which
    /// [`Analysis::meaning`] leaves out (English only).
    meaning: Option<(&'static WordVectors, Arc<HashSet<String>>)>,
}

impl Analysis {
    /// The analysis of a bot language code. Made once per language and process, then
    /// cloned (each clone remembers its own stems): every bot's index and the bot router
    /// ask for one, and analyzing the function words anew for each was a tenth of a cached
    /// HWU64 start.
    pub fn for_language(language: &str) -> Analysis {
        static MADE: Mutex<Vec<Analysis>> = Mutex::new(Vec::new());
        let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
        let analysis = match made.iter().find(|a| a.language == language) {
            Some(analysis) => analysis,
            None => {
                made.push(Analysis::make(language));
                &made[made.len() - 1]
            }
        };
        Analysis {
            stems: Arc::default(),
            ..analysis.clone()
        }
    }

    /// [`Analysis::for_language`], made anew.
    fn make(language: &str) -> Analysis {
        let mut analyzer = analyzer_for(language);
        let function_words = if language.starts_with("en") {
            ENGLISH_FUNCTION_WORDS
                .split_whitespace()
                .flat_map(|word| tokens(&mut analyzer, word))
                .collect()
        } else {
            HashSet::new()
        };
        let (mut words, stemmer) = analyzer_parts(language);
        let meaning = language
            .starts_with("en")
            .then(WordVectors::english)
            .flatten()
            .map(|vectors| {
                let unstemmed = ENGLISH_FUNCTION_WORDS
                    .split_whitespace()
                    .flat_map(|word| tokens(&mut words, word))
                    .collect();
                (vectors, Arc::new(unstemmed))
            });
        Analysis {
            words,
            stemmer,
            stems: Arc::default(),
            language: language.to_string(),
            function_words: Arc::new(function_words),
            meaning,
        }
    }

    /// Whether the language has word vectors ([`Analysis::meaning`] can be `Some`).
    pub fn has_meanings(&self) -> bool {
        self.meaning.is_some()
    }

    /// What the content words of `text` mean together ([`WordVectors::meaning`] of its
    /// words, lower-cased and ASCII-folded, function words left out); `None` in a language
    /// without word vectors or when no such word has one.
    pub fn meaning(&self, text: &str) -> Option<Vec<f32>> {
        self.meaning.as_ref()?;
        self.meaning_of_words(&tokens(&mut self.words.clone(), text))
    }

    /// [`Analysis::meaning`] of a text whose words (lower-cased and ASCII-folded, before
    /// stemming: what [`Analysis::tokens_and_words`] gives) are `words`.
    pub fn meaning_of_words(&self, words: &[String]) -> Option<Vec<f32>> {
        let (vectors, function_words) = self.meaning.as_ref()?;
        vectors.meaning(
            words
                .iter()
                .map(String::as_str)
                .filter(|word| !function_words.contains(*word)),
        )
    }

    /// An analysis of many texts in a row that stems each distinct word once (building a
    /// bot analyzes all its variants, whose words repeat: stemming was a fifth of building).
    /// It gives the same tokens as [`Analysis::tokens`].
    pub fn batch(&self) -> BatchAnalysis {
        let (words, stemmer) = analyzer_parts(&self.language);
        BatchAnalysis {
            words,
            stemmer,
            stems: HashMap::new(),
            stem_texts: Vec::new(),
        }
    }

    /// The analyzed tokens of `text`, in order.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        self.tokens_into(text, None)
    }

    /// [`Analysis::tokens`] of `text`, and its words before stemming, in order, where the
    /// language has word vectors (what [`Analysis::meaning_of_words`] reads; none
    /// elsewhere): one pass of the analyzer for both.
    pub fn tokens_and_words(&self, text: &str) -> (Vec<String>, Vec<String>) {
        let mut words = Vec::new();
        let wanted = self.meaning.is_some().then_some(&mut words);
        (self.tokens_into(text, wanted), words)
    }

    fn tokens_into(&self, text: &str, mut unstemmed: Option<&mut Vec<String>>) -> Vec<String> {
        let mut words = self.words.clone();
        let mut stream = words.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let word = stream.token().text.as_str();
            if let Some(unstemmed) = unstemmed.as_mut() {
                unstemmed.push(word.to_string());
            }
            let known = self
                .stems
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(word)
                .map(|stem| stem.to_string());
            let stem = known.unwrap_or_else(|| {
                let stem = tokens(&mut self.stemmer.clone(), word)
                    .pop()
                    .unwrap_or_default();
                let mut stems = self.stems.write().unwrap_or_else(PoisonError::into_inner);
                if stems.len() < KNOWN_STEMS {
                    stems.insert(word.into(), stem.as_str().into());
                }
                stem
            });
            out.push(stem);
        }
        out
    }

    /// Whether an analyzed word is a function word ("what", "is", "my" …): such words carry
    /// little evidence about which entry is meant, whatever their frequency in a small bot.
    pub fn is_function_word(&self, word: &str) -> bool {
        self.function_words.contains(word)
    }
}

/// See [`Analysis::batch`].
pub(super) struct BatchAnalysis {
    words: TextAnalyzer,
    stemmer: TextAnalyzer,
    /// Each word met so far, and its stem's id in `stem_texts`.
    stems: HashMap<String, u32>,
    /// The stems, by id (a stem met from two words is kept twice; it is still one token).
    stem_texts: Vec<Box<str>>,
}

impl BatchAnalysis {
    /// The analyzed tokens of `text`, in order (what [`BatchAnalysis::token_ids`] gives, as
    /// strings).
    #[cfg(test)]
    pub fn tokens(&mut self, text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        self.token_ids(text, &mut ids);
        ids.iter().map(|&id| self.stem(id).to_string()).collect()
    }

    /// The analyzed tokens of `text`, in order, into `out` (cleared first) as ids for
    /// [`BatchAnalysis::stem`]: building reads each token without a string of its own.
    pub fn token_ids(&mut self, text: &str, out: &mut Vec<u32>) {
        out.clear();
        let Self {
            words,
            stemmer,
            stems,
            stem_texts,
        } = self;
        let mut stream = words.token_stream(text);
        while stream.advance() {
            let word = &stream.token().text;
            let id = match stems.get(word) {
                Some(&id) => id,
                None => {
                    let stem = tokens(stemmer, word).pop().unwrap_or_default();
                    let id = u32::try_from(stem_texts.len()).unwrap_or(u32::MAX);
                    stem_texts.push(stem.into_boxed_str());
                    stems.insert(word.clone(), id);
                    id
                }
            };
            out.push(id);
        }
    }

    /// The stem of a token id from [`BatchAnalysis::token_ids`].
    pub fn stem(&self, id: u32) -> &str {
        self.stem_texts.get(id as usize).map_or("", |stem| stem)
    }
}

/// The analyzed tokens of `text`, in order.
pub(super) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Word bigrams of a token sequence, as single tokens `a_b`.
pub(super) fn bigrams(tokens: &[String]) -> Vec<String> {
    tokens
        .windows(2)
        .map(|w| {
            let mut pair = String::with_capacity(w[0].len() + 1 + w[1].len());
            push_bigram(&mut pair, &w[0], &w[1]);
            pair
        })
        .collect()
}

/// Appends the bigram token of `first` then `second` (`first_second`) to `out`: how a
/// bigram is named to people (the trace's explanations, the model's weights).
pub(super) fn push_bigram(out: &mut String, first: &str, second: &str) {
    out.push_str(first);
    out.push('_');
    out.push_str(second);
}

/// Digits of a word id that another digit follows: `!` to `O`.
const MORE_DIGITS: u8 = b'!';
/// The last digit of a word id: `P` to `~`.
const LAST_DIGIT: u8 = b'P';
/// How many values a digit takes (each of the two ranges of printable ASCII above).
const DIGIT_BASE: u32 = 47;

/// Appends the index's key of the bigram of the words whose ids (in the bot's table of its
/// variants' words) are `first` then `second` to `out`: each id in base 47, lowest digit
/// first, in printable ASCII that is never whitespace, its last digit drawn from another
/// range than the others, so that the two ids end where they do and no two pairs share a
/// key. A bigram key is 2 to 6 bytes where its words' text was 10 to 20: tantivy sorts every
/// distinct bigram of a bot and writes it into its term dictionary's FST, the largest part
/// of building a large bot (callgrind, 3 bots x 3,000 entries: 1.72 -> 1.50 G instructions).
pub(super) fn push_bigram_key(out: &mut String, first: u32, second: u32) {
    for mut id in [first, second] {
        while id >= DIGIT_BASE {
            out.push(char::from(MORE_DIGITS + (id % DIGIT_BASE) as u8));
            id /= DIGIT_BASE;
        }
        out.push(char::from(LAST_DIGIT + id as u8));
    }
}

/// Distinct items with their counts, in first-seen order.
pub(super) fn counted(items: impl IntoIterator<Item = String>) -> Vec<(String, u32)> {
    /// Up to this many distinct items a linear scan beats hashing (a question's words).
    const SCANNED: usize = 24;
    let mut order: Vec<(String, u32)> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    for item in items {
        let seen = if order.len() <= SCANNED {
            order.iter().position(|(seen, _)| *seen == item)
        } else {
            if positions.is_empty() {
                positions.extend(order.iter().enumerate().map(|(i, (s, _))| (s.clone(), i)));
            }
            positions.get(&item).copied()
        };
        match seen {
            Some(i) => order[i].1 += 1,
            None => {
                if !positions.is_empty() {
                    positions.insert(item.clone(), order.len());
                }
                order.push((item, 1));
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigram_keys_are_printable_unbroken_and_never_shared() {
        let ids = [
            0,
            1,
            46,
            47,
            48,
            2208,
            2209,
            103_822,
            103_823,
            5_000_000,
            u32::MAX,
        ];
        let mut seen = HashSet::new();
        for first in ids {
            for second in ids {
                let mut key = String::new();
                push_bigram_key(&mut key, first, second);
                assert!(
                    key.bytes().all(|b| b.is_ascii_graphic()),
                    "{first} {second}: {key:?}"
                );
                assert!(seen.insert(key), "{first} {second} shares a key");
            }
        }
        let mut key = String::new();
        push_bigram_key(&mut key, 3, 50);
        assert_eq!(key, "S$Q", "3 is one last digit; 50 is 3 then 1");
    }

    #[test]
    fn tokens_are_stemmed_and_lowercased() {
        let analysis = Analysis::for_language("en");
        assert_eq!(
            analysis.tokens("Resetting PASSWORDS?!"),
            ["reset", "password"]
        );
        assert!(analysis.tokens("?! \"\" :( ^ - * +").is_empty());
    }

    #[test]
    fn a_batch_gives_the_tokens_of_the_whole_analyzer() {
        let texts = [
            "Where is the printer? The printers are printing, printed yesterday!",
            "Où sont les imprimantes ? L'imprimante imprimait hier. Élèves, ÉLÈVES",
            "Wo ist der Drucker? Die Drucker druckten gestern; straße STRASSE",
            "",
            "a-very-long-word-that-is-longer-than-forty-characters-in-all and short ones",
            "emoji 🖨️ and “quotes” and don't can't won't",
        ];
        for language in ["en", "fr", "de", "xx"] {
            let analysis = Analysis::for_language(language);
            let mut batch = analysis.batch();
            for _ in 0..2 {
                for text in texts {
                    assert_eq!(
                        batch.tokens(text),
                        analysis.tokens(text),
                        "{language}: {text}"
                    );
                }
            }
        }
    }

    #[test]
    fn function_words_are_english_only() {
        let english = Analysis::for_language("en");
        assert!(english.is_function_word("what"));
        assert!(!english.is_function_word("password"));
        assert!(!Analysis::for_language("fr").is_function_word("what"));
    }

    #[test]
    fn counted_keeps_first_seen_order() {
        let items = ["b", "a", "b"].map(String::from);
        assert_eq!(counted(items), [("b".to_string(), 2), ("a".to_string(), 1)]);
    }

    #[test]
    fn counted_is_the_same_past_the_linear_scan() {
        // 40 distinct items, each seen three times, interleaved: past the scanned prefix the
        // counts come from the hash map, and must agree with a plain count.
        let items: Vec<String> = (0..120).map(|i| format!("w{}", (i * 7) % 40)).collect();
        let counts = counted(items.clone());
        assert_eq!(counts.len(), 40);
        for (item, count) in &counts {
            assert_eq!(*count as usize, items.iter().filter(|i| *i == item).count());
        }
        let first_seen: Vec<&String> = counts.iter().map(|(item, _)| item).collect();
        let mut expected: Vec<&String> = Vec::new();
        for item in &items {
            if !expected.contains(&item) {
                expected.push(item);
            }
        }
        assert_eq!(first_seen, expected);
    }
}
