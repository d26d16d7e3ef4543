//! Building a bot's index: the tantivy schema, writing one document per enabled entry (all
//! its variants and their bigrams) as one segment, keeping every variant's analyzed
//! words for the closest variant, and training the entry classifier of NLU-style bots
//! ([`write`]); then making it searchable ([`assemble`]). The index lives in RAM, or in a
//! folder of the persistent cache ([`super::cache`]), and never changes after it is built; a
//! changed bot is indexed anew.

use std::path::Path;

use tantivy::directory::{MmapDirectory, RamDirectory};
use tantivy::schema::{FAST, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager, WhitespaceTokenizer};
use tantivy::{
    Directory, Index, IndexReader, ReloadPolicy, Searcher, SegmentReader, SingleSegmentIndexWriter,
    TantivyDocument, TantivyError,
};

use super::BotIndex;
use super::analysis::{Analysis, push_bigram_key};
pub(super) use super::entries::IndexedEntries;
use super::meanings::EntryMeanings;
use super::model::{BIGRAMS, WORDS, log_length, wants_classifier, wants_meaning_factor};
use super::search::EntrySearch;
use super::variants::{VariantQuestions, VariantsBuilder};
use crate::classifier::{self, EntryClassifier, Sample};
use crate::workspace::Bot;

/// Name of the analyzer of the fields, which hold tokens already analyzed (words and
/// bigrams, space-separated): each variant is analyzed once, by [`Analysis::batch`], for
/// the variants' words, the classifier and the index alike.
const PRETOKENIZED: &str = "interbot_pretokenized";
/// Indexing memory a writer is given at least (tantivy's minimum).
const WRITER_MEMORY: usize = 15_000_000;
/// Indexing memory a writer is given per byte of question text, on top of
/// [`WRITER_MEMORY`]. The single-segment writer never flushes early; the budget sizes its
/// initial term table (a third of it at most, and at most 2^19 slots), so a large bot's
/// table does not start small and grow by copying. Tantivy's arena grows as documents come,
/// so the budget is a ceiling, not an allocation.
const WRITER_MEMORY_PER_TEXT_BYTE: usize = 64;
/// The most indexing memory a writer is given (tantivy's maximum is just under 4 GB).
const WRITER_MEMORY_MAX: usize = 3_000_000_000;

/// Field names of the entries index.
const ENTRY: &str = "entry";
const TEXT: &str = "text";
const BIGRAMS_FIELD: &str = "bigrams";

/// How often (in entries) building reports progress.
pub const PROGRESS_EVERY: usize = 1_000;

/// What building one bot language writes: the entries index (in RAM, or in a cache folder) and
/// what the search needs beside it, all of it a function of the entries' variants and the
/// language alone (what the cache's key hashes).
pub(super) struct Written {
    /// One document per entry: its variants' words and bigrams.
    pub entries: Index,
    /// Every variant's analyzed words, for the closest variant.
    pub variants: VariantQuestions,
    /// Words and bigrams in all the entries' variants.
    pub totals: [f32; 2],
    /// Each entry's `ln(|e| + MU)` for words and bigrams, by entry ord.
    pub log_lens: Vec<[f32; 2]>,
    /// The entry classifier, for a bot that gets one.
    pub classifier: Option<EntryClassifier>,
}

/// The entries of `bot` trained in `language` (see [`IndexedEntries::new`]): all that
/// building reads of the bot.
pub(super) fn indexed_entries(bot: &Bot, language: &str) -> IndexedEntries {
    IndexedEntries::of(&bot.qna, language)
}

/// Where [`write`] puts the entries index: in RAM, or in an (empty) folder.
pub(super) enum Target<'a> {
    Ram,
    Folder(&'a Path),
}

/// Indexes `entries` (from [`indexed_entries`]) with `language`'s analysis into `target`,
/// calling `progress` with the entries written so far and their number every
/// [`PROGRESS_EVERY`] entries and once when all are written (merging the segments and
/// training the classifier follow).
pub(super) fn write(
    entries: &IndexedEntries,
    language: &str,
    target: Target<'_>,
    progress: &dyn Fn(usize, usize),
) -> tantivy::Result<Written> {
    let total = entries.len();
    let variants = entries.question_count();
    // Classifier features (character n-grams of every variant) are a quarter of a large
    // bot's build time and most of its memory: made only for a bot that gets a classifier.
    let train = wants_classifier(total, variants);
    let analysis = Analysis::for_language(language);

    let mut schema = Schema::builder();
    let entry_field = schema.add_u64_field(ENTRY, FAST);
    let text_field = schema.add_text_field(TEXT, text_options(PRETOKENIZED));
    let bigram_field = schema.add_text_field(BIGRAMS_FIELD, text_options(PRETOKENIZED));
    let entry_schema = schema.build();

    let directory: Box<dyn Directory> = match target {
        Target::Ram => Box::new(RamDirectory::default()),
        Target::Folder(folder) => Box::new(MmapDirectory::open(folder)?),
    };
    let text_bytes: usize = entries.all_questions().map(str::len).sum();
    let mut entry_writer = new_writer(entry_schema, directory, text_bytes)?;
    let mut samples = Vec::new();
    let mut variants = VariantsBuilder::default();
    let mut totals = [0.0f32; 2];
    let mut log_lens = Vec::with_capacity(total);
    let mut batch = analysis.batch();
    let mut ids = Vec::new();
    let mut word_ids = Vec::new();
    // An entry's words and bigrams as its fields hold them: space-separated, each variant's
    // after the last one's (bigrams never join two variants), a bigram by its key.
    let mut entry_words = String::new();
    let mut entry_bigrams = String::new();
    for ord in 0..entries.len() {
        let mut doc = TantivyDocument::default();
        doc.add_u64(entry_field, ord as u64);
        let mut lengths = [0usize; 2];
        entry_words.clear();
        entry_bigrams.clear();
        for question in entries.questions(ord) {
            batch.token_ids(question, &mut ids);
            let words: Vec<&str> = ids.iter().map(|&id| batch.stem(id)).collect();
            variants.add_variant(&words, &mut word_ids);
            if train {
                samples.push(Sample {
                    features: classifier::features(&words, question, analysis.meaning(question)),
                    class: ord,
                });
            }
            for word in &words {
                entry_words.push_str(word);
                entry_words.push(' ');
            }
            for pair in word_ids.windows(2) {
                push_bigram_key(&mut entry_bigrams, pair[0], pair[1]);
                entry_bigrams.push(' ');
            }
            lengths[WORDS] += words.len();
            lengths[BIGRAMS] += words.len().saturating_sub(1);
        }
        variants.end_entry();
        doc.add_text(text_field, &entry_words);
        doc.add_text(bigram_field, &entry_bigrams);
        entry_writer.add_document(doc)?;
        totals[WORDS] += lengths[WORDS] as f32;
        totals[BIGRAMS] += lengths[BIGRAMS] as f32;
        log_lens.push(lengths.map(log_length));
        let written = ord + 1;
        if written % PROGRESS_EVERY == 0 && written < total {
            progress(written, total);
        }
    }
    progress(total, total);
    let entry_index = entry_writer.finalize()?;
    tracing::debug!(entries = total, "index written");
    let classifier = (train && EntryClassifier::affordable(&samples, total))
        .then(|| EntryClassifier::train(&samples, total))
        .flatten();
    Ok(Written {
        entries: entry_index,
        variants: variants.finish(),
        totals,
        log_lens,
        classifier,
    })
}

/// The searchable index of `bot`'s `entries` in `language` from what [`write`] wrote (now,
/// or in an earlier run, read back from the cache). Fails when the two do not belong
/// together (a cache that does not hold what its key says), never later at search time.
pub(super) fn assemble(
    bot: &Bot,
    language: &str,
    entries: IndexedEntries,
    written: Written,
) -> tantivy::Result<BotIndex> {
    let Written {
        entries: entry_index,
        variants,
        totals,
        log_lens,
        classifier,
    } = written;
    let analysis = Analysis::for_language(language);
    register_pretokenized(entry_index.tokenizers());
    let variant_count = entries.question_count();
    let entry_reader = manual_reader(&entry_index)?;
    entry_reader.reload()?;
    let searcher = entry_reader.searcher();
    let mismatch = searcher.num_docs() != entries.len() as u64
        || variants.len() != variant_count
        || variants.entries() != entries.len()
        || log_lens.len() != entries.len()
        || classifier
            .as_ref()
            .is_some_and(|c| c.classes() != entries.len());
    if mismatch {
        return Err(TantivyError::InternalError(format!(
            "the index does not hold the {} entries and {variant_count} variants it was built for",
            entries.len()
        )));
    }
    let entry_schema = entry_index.schema();
    let fields = [
        entry_schema.get_field(TEXT)?,
        entry_schema.get_field(BIGRAMS_FIELD)?,
    ];
    let search = EntrySearch::new(only_segment(&searcher)?, fields, totals, &log_lens)?;
    let has_other_contexts = entries.has_other_contexts();
    // A trained bot's classifier reads the question's meaning itself.
    let weighs_meanings = classifier.is_none()
        && analysis.has_meanings()
        && wants_meaning_factor(entries.len(), variant_count);
    let meanings = weighs_meanings.then(|| EntryMeanings::new(entries.len()));
    Ok(BotIndex {
        bot_id: bot.id.clone(),
        language: language.to_string(),
        other_languages: Vec::new(),
        entries,
        analysis,
        search,
        variants,
        has_other_contexts,
        meanings,
        classifier,
    })
}

/// A field indexed with term frequencies and without field norms: interbot's model keeps the
/// entries' lengths itself (`log_lens`), and with norms tantivy computes a BM25 weight table
/// for every term as it writes the postings (11 % of building a 3,000-entry bot, callgrind).
fn text_options(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs)
            .set_fieldnorms(false),
    )
}

/// Registers the fields' analyzer, [`PRETOKENIZED`], with an index's tokenizers (a new
/// index's, or one opened from the cache).
fn register_pretokenized(tokenizers: &TokenizerManager) {
    tokenizers.register(
        PRETOKENIZED,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
}

/// tantivy's single-segment writer over an empty `directory`: it indexes on the calling
/// thread and writes exactly one segment, so the build needs no indexing thread, no channel
/// between threads and no merge, with memory enough to write `text_bytes` of questions.
///
/// tantivy's `IndexWriter` handed every document to its worker thread through a channel: a
/// 10 x 10,000-entry workspace made 78,000 `futex` calls while building (strace), and the
/// writer's segments then had to be merged into one.
/// `IndexBuilder::single_segment_index_writer` is public but hidden from tantivy's
/// documentation; its one requirement, an empty directory, is what [`Target`] promises.
/// (Cargo.lock, which pins tantivy, is part of the cache key.)
fn new_writer(
    schema: Schema,
    directory: Box<dyn Directory>,
    text_bytes: usize,
) -> tantivy::Result<SingleSegmentIndexWriter> {
    let budget = text_bytes
        .saturating_mul(WRITER_MEMORY_PER_TEXT_BYTE)
        .saturating_add(WRITER_MEMORY)
        .min(WRITER_MEMORY_MAX);
    let tokenizers = TokenizerManager::default();
    register_pretokenized(&tokenizers);
    Index::builder()
        .schema(schema)
        .tokenizers(tokenizers)
        .single_segment_index_writer(directory, budget)
}

/// The only segment of an index written by [`new_writer`]'s single-segment writer (or read
/// back from the cache), `None` when it has none.
fn only_segment(searcher: &Searcher) -> tantivy::Result<Option<&SegmentReader>> {
    match searcher.segment_readers() {
        [] => Ok(None),
        [segment] => Ok(Some(segment)),
        more => Err(TantivyError::InternalError(format!(
            "{} segments in an index written as one",
            more.len()
        ))),
    }
}

fn manual_reader(index: &Index) -> tantivy::Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
}
