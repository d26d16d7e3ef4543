//! Finding a bot's entries by what a person types into a filter, as they type it: the QnA
//! view's filter. Unlike [`super::BotIndex`], which answers *which entry a question asks
//! for* with the scoring model, this answers *which entries mention these words*, over
//! every entry (disabled ones too), their questions, answers, contexts and id.
//!
//! One small tantivy index per bot, built when it is first browsed: each filter word must
//! match an entry, either as a stemmed word (ranked by BM25, so "printers" finds "printer")
//! or as the prefix of a word (so "prin" finds "printer" while it is being typed).

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use super::analysis::{analyzer_for, tokens};
use crate::error::Error;
use crate::workspace::Bot;

const STEMMED: &str = "interbot_find_stemmed";
const WORDS: &str = "interbot_find_words";
/// Indexing memory of the one writer (tantivy's minimum).
const WRITER_MEMORY: usize = 15_000_000;
/// Filter words beyond this many are ignored (a pasted paragraph is not a filter).
const MAX_FILTER_WORDS: usize = 16;

/// A bot's entries, searchable by any word of their questions, answers, contexts or id.
pub struct EntryFinder {
    bot_id: String,
    reader: IndexReader,
    position: tantivy::schema::Field,
    stemmed: tantivy::schema::Field,
    words: tantivy::schema::Field,
    stemmer: TextAnalyzer,
    plain: TextAnalyzer,
    entries: usize,
}

impl std::fmt::Debug for EntryFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryFinder")
            .field("bot_id", &self.bot_id)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

impl EntryFinder {
    /// Indexes every entry of `bot`, in its order (`bot.qna`).
    pub fn build(bot: &Bot) -> Result<EntryFinder, Error> {
        Self::try_build(bot).map_err(|source| Error::Index {
            bot: bot.id.clone(),
            source,
        })
    }

    fn try_build(bot: &Bot) -> tantivy::Result<EntryFinder> {
        let stemmer = analyzer_for(&bot.config.default_language);
        let plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build();
        let mut schema = Schema::builder();
        let position = schema.add_u64_field("position", FAST | STORED);
        let stemmed = schema.add_text_field("stemmed", text_options(STEMMED, true));
        let words = schema.add_text_field("words", text_options(WORDS, false));
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(STEMMED, stemmer.clone());
        index.tokenizers().register(WORDS, plain.clone());
        let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        for (pos, entry) in bot.qna.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(position, pos as u64);
            let texts = entry
                .questions
                .iter()
                .chain(&entry.answers)
                .chain(&entry.contexts)
                .map(String::as_str)
                .chain([entry.id.as_str()]);
            for text in texts {
                doc.add_text(stemmed, text);
                doc.add_text(words, text);
            }
            writer.add_document(doc)?;
        }
        writer.commit()?;
        drop(writer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(EntryFinder {
            bot_id: bot.id.clone(),
            reader,
            position,
            stemmed,
            words,
            stemmer,
            plain,
            entries: bot.qna.len(),
        })
    }

    /// Number of entries indexed.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the bot has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The positions (in `bot.qna`) of the entries that match every word of `filter`, best
    /// first, at most `limit`. A blank filter matches every entry, in file order. The filter
    /// is plain words, never a query language.
    pub fn find(&self, filter: &str, limit: usize) -> Result<Vec<usize>, Error> {
        let words: Vec<String> = tokens(&mut self.plain.clone(), filter)
            .into_iter()
            .take(MAX_FILTER_WORDS)
            .collect();
        if words.is_empty() {
            return Ok((0..self.entries.min(limit)).collect());
        }
        if limit == 0 || self.entries == 0 {
            return Ok(Vec::new());
        }
        self.search(&words, limit).map_err(|source| Error::Index {
            bot: self.bot_id.clone(),
            source,
        })
    }

    fn search(&self, words: &[String], limit: usize) -> tantivy::Result<Vec<usize>> {
        let mut stemmer = self.stemmer.clone();
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|word| {
                let mut either: Vec<(Occur, Box<dyn Query>)> = vec![(
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new_prefix(
                        Term::from_field_text(self.words, word),
                        0,
                        true,
                    )),
                )];
                for stem in tokens(&mut stemmer, word) {
                    either.push((
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(self.stemmed, &stem),
                            IndexRecordOption::WithFreqs,
                        )),
                    ));
                }
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(either)) as Box<dyn Query>,
                )
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut found = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(pos) = doc.get_first(self.position).and_then(|v| v.as_u64()) {
                found.push(pos as usize);
            }
        }
        Ok(found)
    }
}

fn text_options(tokenizer: &str, freqs: bool) -> TextOptions {
    let record = if freqs {
        IndexRecordOption::WithFreqs
    } else {
        IndexRecordOption::Basic
    };
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Workspace;

    fn demo_finder(bot: &str) -> (Workspace, EntryFinder) {
        let workspace = Workspace::load(concat!(env!("CARGO_MANIFEST_DIR"), "/workspace"))
            .expect("the bundled workspace loads");
        let finder = EntryFinder::build(workspace.bot(bot).expect("demo bot")).expect("indexed");
        (workspace, finder)
    }

    fn first_questions(workspace: &Workspace, bot: &str, found: &[usize]) -> Vec<String> {
        let bot = workspace.bot(bot).expect("demo bot");
        found
            .iter()
            .map(|&pos| bot.qna[pos].questions[0].clone())
            .collect()
    }

    #[test]
    fn a_blank_filter_lists_every_entry_in_file_order() {
        let (workspace, finder) = demo_finder("sub2");
        let count = workspace.bot("sub2").map_or(0, |b| b.qna.len());
        assert_eq!(
            finder.find("  ", 1000).expect("found"),
            (0..count).collect::<Vec<_>>()
        );
        assert_eq!(finder.find("", 2).expect("found"), vec![0, 1]);
    }

    #[test]
    fn a_word_being_typed_matches_as_a_prefix_and_every_word_must_match() {
        let (workspace, finder) = demo_finder("sub2");
        let prefix = first_questions(&workspace, "sub2", &finder.find("prin", 50).expect("found"));
        assert!(!prefix.is_empty());
        assert!(
            prefix.iter().all(|q| q.to_lowercase().contains("print")),
            "{prefix:?}"
        );
        let narrower = finder.find("prin jam", 50).expect("found");
        assert!(narrower.len() <= prefix.len());
        assert!(finder.find("prin zzzqqq", 50).expect("found").is_empty());
    }

    #[test]
    fn answers_and_ids_are_searched_too_and_query_syntax_is_plain_text() {
        let (workspace, finder) = demo_finder("sub1");
        let bot = workspace.bot("sub1").expect("demo bot");
        let entry = &bot.qna[0];
        let answer_word = entry.answers[0]
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| w.len() > 6)
            .expect("a long word in the answer");
        assert!(finder.find(answer_word, 50).expect("found").contains(&0));
        for hostile in ["\"*:(", "AND OR NOT", "title:x^2", "\u{202e}"] {
            assert!(finder.find(hostile, 50).is_ok(), "{hostile}");
        }
    }
}
