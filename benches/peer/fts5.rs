//! The peer: SQLite FTS5 (bundled SQLite, in memory) with one table per bot, filled from the
//! same workspace folder, asked one `MATCH … ORDER BY rank LIMIT 1` per bot.
//!
//! Each entry is one row whose text is all its question variants (one document per entry,
//! as interbot scores entries), under `tokenize = 'porter unicode61'`; `rank` is FTS5's
//! `bm25()`. The question's words are each quoted as an FTS5 string and OR-ed, so no word is
//! read as query syntax.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;

/// A QnA file as the peer reads it: only the id, the questions and whether it is enabled.
#[derive(Deserialize)]
struct QnaFile {
    id: String,
    data: QnaData,
}

#[derive(Deserialize)]
struct QnaData {
    questions: Vec<String>,
    #[serde(default = "enabled")]
    enabled: bool,
}

fn enabled() -> bool {
    true
}

/// FTS5's best entry of one bot for a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    /// The bot.
    pub bot: String,
    /// The entry.
    pub entry: String,
    /// `bm25()`: lower is better (FTS5 negates it so that `ORDER BY rank` is best first).
    pub bm25: f64,
}

/// One in-memory SQLite database holding a table per bot.
pub struct Fts5 {
    connection: Connection,
    /// Each bot with its query (prepared once, then taken from the statement cache).
    bots: Vec<(String, String)>,
}

impl Fts5 {
    /// Creates and fills one FTS5 table for each of `bots` from `root/bots/<bot>/qna/*.json`
    /// (Botpress 11 form), then merges each table's segments (`optimize`), as one would
    /// before serving queries.
    pub fn build(root: &Path, bots: &[String]) -> Result<Fts5> {
        let mut connection =
            Connection::open_in_memory().context("cannot open an in-memory SQLite database")?;
        connection.set_prepared_statement_cache_capacity(bots.len() + 8);
        check_fts5(&connection)?;
        for bot in bots {
            let table = table_name(bot)?;
            let transaction = connection.transaction()?;
            transaction.execute_batch(&format!(
                "CREATE VIRTUAL TABLE {table} USING fts5(entry_id UNINDEXED, questions, \
                 tokenize = 'porter unicode61');"
            ))?;
            {
                let mut insert = transaction.prepare(&format!(
                    "INSERT INTO {table}(entry_id, questions) VALUES (?1, ?2)"
                ))?;
                let qna = root.join("bots").join(bot).join("qna");
                let listing =
                    fs::read_dir(&qna).with_context(|| format!("cannot list {}", qna.display()))?;
                for file in listing {
                    let path = file
                        .with_context(|| format!("cannot list {}", qna.display()))?
                        .path();
                    if path.extension().is_none_or(|e| e != "json") {
                        continue;
                    }
                    let text = fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let entry: QnaFile = serde_json::from_str(&text).with_context(|| {
                        format!("{} is not a Botpress 11 QnA entry", path.display())
                    })?;
                    if entry.data.enabled {
                        insert.execute((&entry.id, entry.data.questions.join("\n")))?;
                    }
                }
            }
            transaction.execute(
                &format!("INSERT INTO {table}({table}) VALUES ('optimize')"),
                (),
            )?;
            transaction.commit()?;
        }
        let bots = bots
            .iter()
            .map(|bot| {
                let table = table_name(bot)?;
                let query = format!(
                    "SELECT entry_id, rank FROM {table} WHERE {table} MATCH ?1 \
                     ORDER BY rank LIMIT 1"
                );
                Ok((bot.clone(), query))
            })
            .collect::<Result<_>>()?;
        Ok(Fts5 { connection, bots })
    }

    /// Each bot's best entry for `question`, in bot order (`None` where no entry shares a
    /// word with it).
    pub fn best_per_bot(&self, question: &str) -> Result<Vec<Option<Best>>> {
        let query = match_expression(question);
        if query.is_empty() {
            return Ok(vec![None; self.bots.len()]);
        }
        self.bots
            .iter()
            .map(|(bot, sql)| {
                let mut statement = self.connection.prepare_cached(sql)?;
                let best = statement
                    .query_row([&query], |row| {
                        Ok(Best {
                            bot: bot.clone(),
                            entry: row.get(0)?,
                            bm25: row.get(1)?,
                        })
                    })
                    .optional()?;
                Ok(best)
            })
            .collect()
    }
}

/// The bot FTS5 routes to: the lowest `bm25()` over every bot's best (raw scores, since FTS5
/// has nothing comparable across tables).
pub fn route(best: &[Option<Best>]) -> Option<&Best> {
    best.iter()
        .flatten()
        .min_by(|a, b| a.bm25.total_cmp(&b.bm25))
}

/// The question's words, each quoted as an FTS5 string, OR-ed.
pub fn match_expression(question: &str) -> String {
    question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The table of a bot; bot ids are generated, but never trusted into SQL unchecked.
fn table_name(bot: &str) -> Result<String> {
    if bot.is_empty() || !bot.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("bot id `{bot}` cannot name an SQLite table");
    }
    Ok(format!("qna_{bot}"))
}

/// Fails clearly when the linked SQLite lacks FTS5.
fn check_fts5(connection: &Connection) -> Result<()> {
    let mut statement = connection.prepare("PRAGMA compile_options")?;
    let options = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    if !options.iter().any(|o| o == "ENABLE_FTS5") {
        bail!(
            "this SQLite has no FTS5 (compile options: {})",
            options.join(", ")
        );
    }
    Ok(())
}
