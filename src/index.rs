//! `BotIndex`: one bot's QnA in tantivy, answering "which entry best matches this question,
//! with what raw score and what confidence?".
//!
//! # Documents
//! Two in-RAM tantivy indexes per bot:
//! - **entries**: one document per enabled entry, holding all its question variants (`text`)
//!   and their word bigrams (`bigrams`). Ranking uses this index, so evidence for an entry adds
//!   up across its variants instead of resting on the single closest variant (DESIGN.md,
//!   "Scoring").
//! - **variants**: one document per question variant, carrying its entry; after ranking, it
//!   names the variant closest to the question, which the trace shows.
//!
//! Both use the same analyzer: words (`SimpleTokenizer`), lower-cased, ASCII-folded, stemmed in
//! the bot's language (English by default).
//!
//! # Queries
//! A question is never parsed as a query language: it is run through the analyzer and each
//! distinct token becomes a term query (and each bigram a boosted term query on `bigrams`),
//! so `"`, `:`, `(`, `^`, `-`, `*`, `+`, emoji or an empty string are plain text.
//!
//! # Confidence
//! The **raw score** is tantivy's BM25 (k1 = 1.2, b = 0.75) summed over the query's distinct
//! tokens on `text` plus `BIGRAM_BOOST` × the bigram tokens on `bigrams`.
//! The **confidence** is
//!
//! ```text
//! confidence = min(1, raw / ideal)
//! ideal      = BM25 score of the query against an entry whose text is the query itself,
//!              under this bot's statistics (same idf, same average length, same boosts)
//! ```
//!
//! It is monotone in the raw score, lies in [0, 1], and is comparable across bots because
//! each bot divides by its own ideal. Words the bot has never seen have a high idf in the
//! ideal but add nothing to the raw score, so a question full of them gets a low confidence.

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{
    Bm25StatisticsProvider, Bm25Weight, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, WhitespaceTokenizer,
};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::error::Error;
use crate::workspace::Bot;

/// Weight of a matching word bigram relative to a matching word.
pub const BIGRAM_BOOST: f32 = 0.5;

const ANALYZER: &str = "interbot_words";
const PRETOKENIZED: &str = "interbot_pretokenized";
const WRITER_MEMORY: usize = 15_000_000;

/// One match of a question against a bot's QnA.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the entry in [`Bot::qna`].
    pub entry: usize,
    /// The entry id.
    pub entry_id: String,
    /// The entry's question variant closest to the question asked.
    pub question: String,
    /// Raw BM25 score (not comparable across bots or questions).
    pub score: f32,
    /// Confidence in [0, 1] (see the module documentation).
    pub confidence: f32,
}

/// The per-entry facts a search needs, copied from the workspace at build time.
#[derive(Debug, Clone)]
struct IndexedEntry {
    qna_pos: usize,
    id: String,
    questions: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct EntryFields {
    entry: Field,
    text: Field,
    bigrams: Field,
    contexts: Field,
}

#[derive(Debug, Clone, Copy)]
struct VariantFields {
    entry: Field,
    variant: Field,
    question: Field,
}

/// BM25 statistics of one field, fixed while the index is unchanged.
#[derive(Debug, Clone, Copy)]
struct FieldStats {
    num_docs: u64,
    average_fieldnorm: f32,
}

/// A bot's QnA, searchable.
pub struct BotIndex {
    bot_id: String,
    entries: Vec<IndexedEntry>,
    analyzer: TextAnalyzer,
    entry_fields: EntryFields,
    entry_reader: IndexReader,
    text_stats: FieldStats,
    bigram_stats: FieldStats,
    variant_fields: VariantFields,
    variant_reader: IndexReader,
    /// Whether some entry lies outside the `global` context (then searches filter by context).
    has_other_contexts: bool,
}

impl std::fmt::Debug for BotIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotIndex")
            .field("bot_id", &self.bot_id)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// The analyzer for a bot language code (`en`, `fr`, …); English where tantivy has no
/// stemmer for it.
pub fn analyzer_for(language: &str) -> TextAnalyzer {
    let stemmer_language = match language.get(..2).unwrap_or("en") {
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
    };
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(stemmer_language))
        .build()
}

/// The analyzed tokens of `text`, in order.
fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Word bigrams of a token sequence, as single tokens `a_b`.
fn bigrams(tokens: &[String]) -> Vec<String> {
    tokens
        .windows(2)
        .map(|w| format!("{}_{}", w[0], w[1]))
        .collect()
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

fn manual_reader(index: &Index) -> tantivy::Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
}

fn field_stats(searcher: &Searcher, field: Field) -> tantivy::Result<FieldStats> {
    let num_docs = searcher.total_num_docs()?;
    let tokens = searcher.total_num_tokens(field)?;
    Ok(FieldStats {
        num_docs,
        average_fieldnorm: if num_docs == 0 {
            1.0
        } else {
            (tokens as f32 / num_docs as f32).max(1.0)
        },
    })
}

impl BotIndex {
    /// Indexes every enabled entry of `bot`.
    pub fn build(bot: &Bot) -> Result<BotIndex, Error> {
        Self::build_inner(bot).map_err(|source| Error::Index {
            bot: bot.id.clone(),
            source,
        })
    }

    fn build_inner(bot: &Bot) -> tantivy::Result<BotIndex> {
        let mut analyzer = analyzer_for(&bot.config.default_language);
        let entries: Vec<IndexedEntry> = bot
            .qna
            .iter()
            .enumerate()
            .filter(|(_, e)| e.enabled)
            .map(|(qna_pos, e)| IndexedEntry {
                qna_pos,
                id: e.id.clone(),
                questions: e.questions.clone(),
            })
            .collect();

        let mut schema = Schema::builder();
        let entry_fields = EntryFields {
            entry: schema.add_u64_field("entry", INDEXED | FAST | STORED),
            text: schema.add_text_field("text", text_options(ANALYZER)),
            bigrams: schema.add_text_field("bigrams", text_options(PRETOKENIZED)),
            contexts: schema.add_text_field("contexts", STRING),
        };
        let entry_index = new_index(schema.build(), &analyzer);

        let mut schema = Schema::builder();
        let variant_fields = VariantFields {
            entry: schema.add_u64_field("entry", INDEXED | FAST | STORED),
            variant: schema.add_u64_field("variant", FAST | STORED),
            question: schema.add_text_field("question", text_options(ANALYZER)),
        };
        let variant_index = new_index(schema.build(), &analyzer);

        let mut entry_writer = entry_index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let mut variant_writer = variant_index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let mut has_other_contexts = false;
        for (ord, entry) in entries.iter().enumerate() {
            let qna = &bot.qna[entry.qna_pos];
            let mut doc = TantivyDocument::default();
            doc.add_u64(entry_fields.entry, ord as u64);
            for context in &qna.contexts {
                doc.add_text(entry_fields.contexts, context);
            }
            has_other_contexts |= qna.contexts.iter().any(|c| c != "global");
            let mut entry_bigrams = Vec::new();
            for (variant, question) in entry.questions.iter().enumerate() {
                doc.add_text(entry_fields.text, question);
                entry_bigrams.extend(bigrams(&tokens(&mut analyzer, question)));
                let mut variant_doc = TantivyDocument::default();
                variant_doc.add_u64(variant_fields.entry, ord as u64);
                variant_doc.add_u64(variant_fields.variant, variant as u64);
                variant_doc.add_text(variant_fields.question, question);
                variant_writer.add_document(variant_doc)?;
            }
            doc.add_text(entry_fields.bigrams, entry_bigrams.join(" "));
            entry_writer.add_document(doc)?;
        }
        entry_writer.commit()?;
        variant_writer.commit()?;
        let entry_reader = manual_reader(&entry_index)?;
        let variant_reader = manual_reader(&variant_index)?;
        entry_reader.reload()?;
        variant_reader.reload()?;
        let searcher = entry_reader.searcher();
        let text_stats = field_stats(&searcher, entry_fields.text)?;
        let bigram_stats = field_stats(&searcher, entry_fields.bigrams)?;
        Ok(BotIndex {
            bot_id: bot.id.clone(),
            entries,
            analyzer,
            entry_fields,
            entry_reader,
            text_stats,
            bigram_stats,
            variant_fields,
            variant_reader,
            has_other_contexts,
        })
    }

    /// The bot this index belongs to.
    pub fn bot_id(&self) -> &str {
        &self.bot_id
    }

    /// Number of entries indexed (enabled ones).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best entry for `question` among entries in `contexts`, if any word matches.
    pub fn best(&self, question: &str, contexts: &[String]) -> Result<Option<Hit>, Error> {
        Ok(self.top(question, contexts, 1)?.into_iter().next())
    }

    /// The `limit` best entries for `question` among entries in `contexts`, best first.
    pub fn top(
        &self,
        question: &str,
        contexts: &[String],
        limit: usize,
    ) -> Result<Vec<Hit>, Error> {
        self.top_inner(question, contexts, limit)
            .map_err(|source| Error::Index {
                bot: self.bot_id.clone(),
                source,
            })
    }

    fn top_inner(
        &self,
        question: &str,
        contexts: &[String],
        limit: usize,
    ) -> tantivy::Result<Vec<Hit>> {
        if self.entries.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query_tokens = tokens(&mut self.analyzer.clone(), question);
        if query_tokens.is_empty() {
            return Ok(Vec::new());
        }
        let words = counted(query_tokens.iter().cloned());
        let pairs = counted(bigrams(&query_tokens));
        let searcher = self.entry_reader.searcher();
        let query = self.entry_query(&words, &pairs, contexts);
        let found = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let ideal = self.ideal_score(&searcher, &words, query_tokens.len(), &pairs)?;
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            if score <= 0.0 {
                continue;
            }
            let Some(ord) = entry_ord(&searcher, address, "entry")? else {
                continue;
            };
            let Some(entry) = self.entries.get(ord) else {
                continue;
            };
            let question = self.closest_variant(ord, &words)?;
            hits.push(Hit {
                entry: entry.qna_pos,
                entry_id: entry.id.clone(),
                question,
                score,
                confidence: confidence(score, ideal),
            });
        }
        Ok(hits)
    }

    fn entry_query(
        &self,
        words: &[(String, u32)],
        pairs: &[(String, u32)],
        contexts: &[String],
    ) -> BooleanQuery {
        let f = self.entry_fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (word, _) in words {
            clauses.push((Occur::Should, term_query(f.text, word)));
        }
        for (pair, _) in pairs {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(term_query(f.bigrams, pair), BIGRAM_BOOST)),
            ));
        }
        if self.has_other_contexts {
            // One term query per context: a TermSetQuery would build an FST on every search.
            let allowed: Vec<(Occur, Box<dyn Query>)> = contexts
                .iter()
                .map(|c| {
                    let term = Term::from_field_text(f.contexts, c);
                    let query: Box<dyn Query> =
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                    (Occur::Should, query)
                })
                .collect();
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(BooleanQuery::new(allowed)),
                    0.0,
                )),
            ));
        }
        BooleanQuery::new(clauses)
    }

    /// The score the query would get against an entry whose text is the query itself.
    fn ideal_score(
        &self,
        searcher: &Searcher,
        words: &[(String, u32)],
        word_count: usize,
        pairs: &[(String, u32)],
    ) -> tantivy::Result<f32> {
        let f = self.entry_fields;
        let mut ideal = self_score(searcher, f.text, self.text_stats, words, word_count)?;
        let pair_count = word_count.saturating_sub(1);
        ideal +=
            BIGRAM_BOOST * self_score(searcher, f.bigrams, self.bigram_stats, pairs, pair_count)?;
        Ok(ideal)
    }

    /// The variant of entry `ord` that scores best for the query words.
    fn closest_variant(&self, ord: usize, words: &[(String, u32)]) -> tantivy::Result<String> {
        let f = self.variant_fields;
        let entry = &self.entries[ord];
        let mut should: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|(word, _)| (Occur::Should, term_query(f.question, word)))
            .collect();
        should.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.entry, ord as u64),
                    IndexRecordOption::Basic,
                )),
                0.0,
            )),
        ));
        let searcher = self.variant_reader.searcher();
        let found = searcher.search(
            &BooleanQuery::new(should),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        let variant = match found.first() {
            Some((_, address)) => entry_ord(&searcher, *address, "variant")?.unwrap_or(0),
            None => 0,
        };
        Ok(entry
            .questions
            .get(variant)
            .or_else(|| entry.questions.first())
            .cloned()
            .unwrap_or_default())
    }
}

/// Distinct items with their counts, in first-seen order.
fn counted(items: impl IntoIterator<Item = String>) -> Vec<(String, u32)> {
    let mut order: Vec<(String, u32)> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    for item in items {
        match positions.get(&item) {
            Some(&i) => order[i].1 += 1,
            None => {
                positions.insert(item.clone(), order.len());
                order.push((item, 1));
            }
        }
    }
    order
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Reads a u64 fast field of a hit.
fn entry_ord(
    searcher: &Searcher,
    address: DocAddress,
    field: &str,
) -> tantivy::Result<Option<usize>> {
    let column = searcher
        .segment_reader(address.segment_ord)
        .fast_fields()
        .u64(field)?;
    Ok(column.first(address.doc_id).map(|v| v as usize))
}

/// BM25 of `terms` against a document made of exactly those terms (`length` tokens long).
fn self_score(
    searcher: &Searcher,
    field: Field,
    stats: FieldStats,
    terms: &[(String, u32)],
    length: usize,
) -> tantivy::Result<f32> {
    let fieldnorm_id = FieldNormReader::fieldnorm_to_id(length.min(u32::MAX as usize) as u32);
    let mut total = 0.0;
    for (text, count) in terms {
        let doc_freq = searcher.doc_freq(&Term::from_field_text(field, text))?;
        let weight = Bm25Weight::for_one_term_without_explain(
            doc_freq.min(stats.num_docs),
            stats.num_docs,
            stats.average_fieldnorm,
        );
        total += weight.score(fieldnorm_id, *count);
    }
    Ok(total)
}

/// `min(1, raw / ideal)`, 0 when there is no ideal.
fn confidence(raw: f32, ideal: f32) -> f32 {
    if ideal > 0.0 && raw.is_finite() {
        (raw / ideal).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stemmed_and_lowercased() {
        let mut analyzer = analyzer_for("en");
        assert_eq!(
            tokens(&mut analyzer, "Resetting PASSWORDS?!"),
            ["reset", "password"]
        );
        assert!(tokens(&mut analyzer, "?! \"\" :( ^ - * +").is_empty());
    }

    #[test]
    fn counted_keeps_first_seen_order() {
        let items = ["b", "a", "b"].map(String::from);
        assert_eq!(counted(items), [("b".to_string(), 2), ("a".to_string(), 1)]);
    }

    #[test]
    fn confidence_is_clamped() {
        assert_eq!(confidence(5.0, 2.0), 1.0);
        assert_eq!(confidence(1.0, 0.0), 0.0);
        assert_eq!(confidence(f32::NAN, 1.0), 0.0);
        assert!((confidence(1.0, 4.0) - 0.25).abs() < 1e-6);
    }
}
