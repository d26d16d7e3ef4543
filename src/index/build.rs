//! Building a bot's indexes: the tantivy schemas, writing one document per enabled entry
//! (all its variants and their bigrams) and one per variant, merging each index into one
//! segment, and training the entry classifier of NLU-style bots. Indexes live in RAM and
//! never change after they are built; a changed bot is indexed anew.

use tantivy::indexer::{IndexWriterOptions, NoMergePolicy};
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::{
    FAST, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentReader, TantivyDocument,
    TantivyError,
};

use super::analysis::{Analysis, bigrams};
use super::model::{BIGRAMS, WORDS, log_length, wants_classifier};
use super::search::EntrySearch;
use super::variants::VariantQuestions;
use super::{BotIndex, IndexedEntry};
use crate::classifier::{self, EntryClassifier, Sample};
use crate::workspace::Bot;

/// Name of the bot language's analyzer in the indexes.
const ANALYZER: &str = "interbot_words";
/// Name of the analyzer of fields that hold tokens already analyzed (bigrams).
const PRETOKENIZED: &str = "interbot_pretokenized";
/// Indexing memory per writer at least (tantivy's minimum).
const WRITER_MEMORY: usize = 15_000_000;
/// Indexing memory a writer is given per byte of question text, on top of
/// [`WRITER_MEMORY`]: enough that a bot's index fills one segment, so it is never written
/// twice (as several segments, then merged). A profile of a 10,000-entry bot showed merging
/// at 30 % of its build. Tantivy's arena grows as documents come, so the budget is a ceiling,
/// not an allocation.
const WRITER_MEMORY_PER_TEXT_BYTE: usize = 64;
/// The most indexing memory a writer is given (tantivy's maximum is just under 4 GB).
const WRITER_MEMORY_MAX: usize = 3_000_000_000;

/// How often (in entries) building reports progress.
pub const PROGRESS_EVERY: usize = 1_000;

/// Indexes every entry of `bot` trained in `language` (`QnaEntry::trained_in`: for the
/// default language, every enabled entry) with that language's questions and analysis,
/// calling `progress` with the entries written so far and their number every
/// [`PROGRESS_EVERY`] entries and once when all are written (merging the segments and
/// training the classifier follow).
pub(super) fn build(
    bot: &Bot,
    language: &str,
    progress: &dyn Fn(usize, usize),
) -> tantivy::Result<BotIndex> {
    let total = bot.qna.iter().filter(|e| e.trained_in(language)).count();
    let variants: usize = bot
        .qna
        .iter()
        .filter(|e| e.trained_in(language))
        .map(|e| e.questions_in(language).len())
        .sum();
    // Classifier features (character n-grams of every variant) are a quarter of a large
    // bot's build time and most of its memory: made only for a bot that gets a classifier.
    let train = wants_classifier(total, variants);
    let analysis = Analysis::for_language(language);

    let mut schema = Schema::builder();
    let entry_field = schema.add_u64_field("entry", INDEXED | FAST | STORED);
    let text_field = schema.add_text_field("text", text_options(ANALYZER));
    let bigram_field = schema.add_text_field("bigrams", text_options(PRETOKENIZED));
    let entry_index = new_index(schema.build(), analysis.analyzer());

    let mut schema = Schema::builder();
    let variant_entry = schema.add_u64_field("entry", INDEXED | FAST | STORED);
    let variant_position = schema.add_u64_field("variant", FAST | STORED);
    let variant_question = schema.add_text_field("question", text_options(ANALYZER));
    let variant_index = new_index(schema.build(), analysis.analyzer());

    let text_bytes: usize = bot
        .qna
        .iter()
        .filter(|e| e.trained_in(language))
        .flat_map(|e| e.questions_in(language))
        .map(String::len)
        .sum();
    let entry_writer = new_writer(&entry_index, text_bytes)?;
    let mut entries = Vec::new();
    let mut samples = Vec::new();
    let mut totals = [0.0f32; 2];
    let mut log_lens = Vec::new();
    for (qna_pos, qna) in bot
        .qna
        .iter()
        .enumerate()
        .filter(|(_, e)| e.trained_in(language))
    {
        let questions = qna.questions_in(language);
        let ord = entries.len() as u64;
        let mut doc = TantivyDocument::default();
        doc.add_u64(entry_field, ord);
        let mut lengths = [0usize; 2];
        let mut entry_bigrams = Vec::new();
        for question in questions {
            let words = analysis.tokens(question);
            if train {
                samples.push(Sample {
                    features: classifier::features(&words, question),
                    class: ord as usize,
                });
            }
            let pairs = bigrams(&words);
            lengths[WORDS] += words.len();
            lengths[BIGRAMS] += pairs.len();
            doc.add_text(text_field, question);
            entry_bigrams.extend(pairs);
        }
        doc.add_text(bigram_field, entry_bigrams.join(" "));
        entry_writer.add_document(doc)?;
        totals[WORDS] += lengths[WORDS] as f32;
        totals[BIGRAMS] += lengths[BIGRAMS] as f32;
        entries.push(IndexedEntry {
            qna_pos,
            id: qna.id.clone(),
            questions: questions.to_vec(),
            contexts: qna.contexts.clone(),
        });
        log_lens.push(lengths.map(log_length));
        if entries.len() % PROGRESS_EVERY == 0 && entries.len() < total {
            progress(entries.len(), total);
        }
    }
    progress(entries.len(), total);
    commit_as_one_segment(entry_writer, &entry_index)?;
    // The variants index is written once the entries index is committed, so the two
    // writers' arenas and threads are never alive at once (a profile of a 10,000-entry bot
    // showed the writers' arenas as most of its build's peak memory).
    let variant_writer = new_writer(&variant_index, text_bytes)?;
    for (ord, entry) in entries.iter().enumerate() {
        for (variant, question) in entry.questions.iter().enumerate() {
            let mut variant_doc = TantivyDocument::default();
            variant_doc.add_u64(variant_entry, ord as u64);
            variant_doc.add_u64(variant_position, variant as u64);
            variant_doc.add_text(variant_question, question);
            variant_writer.add_document(variant_doc)?;
        }
    }
    commit_as_one_segment(variant_writer, &variant_index)?;
    let entry_reader = manual_reader(&entry_index)?;
    let variant_reader = manual_reader(&variant_index)?;
    entry_reader.reload()?;
    variant_reader.reload()?;
    let searcher = entry_reader.searcher();
    let search = EntrySearch::new(
        only_segment(&searcher)?,
        [text_field, bigram_field],
        totals,
        &log_lens,
    )?;
    let variant_searcher = variant_reader.searcher();
    let variants = VariantQuestions::new(
        only_segment(&variant_searcher)?,
        variant_question,
        entries.len(),
        (
            variant_searcher.total_num_docs()?,
            variant_searcher.total_num_tokens(variant_question)?,
        ),
    )?;
    let has_other_contexts = entries
        .iter()
        .any(|e| e.contexts.iter().any(|c| c != "global"));
    let classifier = (train && EntryClassifier::affordable(&samples, entries.len()))
        .then(|| EntryClassifier::train(&samples, entries.len()))
        .flatten();
    Ok(BotIndex {
        bot_id: bot.id.clone(),
        language: language.to_string(),
        other_languages: Vec::new(),
        entries,
        analysis,
        search,
        variants,
        has_other_contexts,
        classifier,
    })
}

fn text_options(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn new_index(schema: Schema, analyzer: &TextAnalyzer) -> Index {
    let index = Index::create_in_ram(schema);
    index.tokenizers().register(ANALYZER, analyzer.clone());
    index.tokenizers().register(
        PRETOKENIZED,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
    index
}

/// A writer with as few threads as tantivy allows, no background merges (building an index
/// is short; each thread tantivy spawns costs start-up time), and memory enough to write
/// `text_bytes` of questions as one segment.
fn new_writer(index: &Index, text_bytes: usize) -> tantivy::Result<IndexWriter> {
    let budget = text_bytes
        .saturating_mul(WRITER_MEMORY_PER_TEXT_BYTE)
        .saturating_add(WRITER_MEMORY)
        .min(WRITER_MEMORY_MAX);
    let options = IndexWriterOptions::builder()
        .memory_budget_per_thread(budget)
        .num_worker_threads(1)
        .num_merge_threads(1)
        .build();
    let writer = index.writer_with_options(options)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    Ok(writer)
}

/// Commits and merges everything into one segment, so a search looks each term up once and
/// reads one postings list (the index never changes after it is built).
fn commit_as_one_segment(mut writer: IndexWriter, index: &Index) -> tantivy::Result<()> {
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    tracing::debug!(segments = segments.len(), "index committed");
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    drop(writer);
    Ok(())
}

/// The only segment of an index merged by [`commit_as_one_segment`], `None` when it is empty.
fn only_segment(searcher: &Searcher) -> tantivy::Result<Option<&SegmentReader>> {
    match searcher.segment_readers() {
        [] => Ok(None),
        [segment] => Ok(Some(segment)),
        more => Err(TantivyError::InternalError(format!(
            "{} segments after merging into one",
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
