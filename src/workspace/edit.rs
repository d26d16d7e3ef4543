//! Creating and removing QnA entries, named the way Botpress names them
//! (`<10 random characters>_<slug of the first question>`), never outside their bot folder.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;

use super::save::is_safe_id;
use super::{QnaEntry, QnaForm, Workspace};
use crate::error::Error;

/// Longest slug Botpress puts in an id.
const SLUG_LENGTH: usize = 50;

/// The characters of an id's random part: Botpress's `safeId` alphabet, which has no `t`
/// (`nanoid/generate('1234567890abcdefghijklmnopqrsuvwxyz', 10)` in the QnA module's
/// `storage.ts`).
const ID_ALPHABET: &[u8] = b"1234567890abcdefghijklmnopqrsuvwxyz";

/// `<prefix>_<slug>` as Botpress's `makeID` (QnA module, `storage.ts`) builds it: the first
/// question lower-cased, every character but `a-z0-9` replaced by `_` (one per UTF-16 unit,
/// as JavaScript's regex sees them), leading `_` removed, cut to 50 characters, trailing
/// `_` removed.
pub fn entry_id(prefix: &str, first_question: &str) -> String {
    let slug: String = first_question
        .to_lowercase()
        .chars()
        .flat_map(|c| {
            let kept = c.is_ascii_lowercase() || c.is_ascii_digit();
            let width = if kept { 1 } else { c.len_utf16() };
            std::iter::repeat_n(if kept { c } else { '_' }, width)
        })
        .skip_while(|&c| c == '_')
        .take(SLUG_LENGTH)
        .collect();
    format!("{prefix}_{}", slug.trim_end_matches('_'))
}

/// Ten random characters of [`ID_ALPHABET`] (std's per-process random hasher keys).
fn random_prefix() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut value = hasher.finish();
    let base = ID_ALPHABET.len() as u64;
    (0..10)
        .map(|_| {
            let digit = (value % base) as usize;
            value /= base;
            char::from(ID_ALPHABET[digit])
        })
        .collect()
}

impl Workspace {
    /// A new (unsaved) entry for `bot_id` in the form its other entries use (Botpress 12 when
    /// they are, or when the bot config lists `languages`), with a fresh Botpress-style id.
    pub fn new_entry(
        &self,
        bot_id: &str,
        questions: Vec<String>,
        answers: Vec<String>,
    ) -> Result<QnaEntry, Error> {
        let bot = self
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let v12 = bot.qna.iter().any(|e| e.form == QnaForm::V12)
            || (bot.qna.is_empty() && bot.config.raw.get("languages").is_some());
        let form = if v12 { QnaForm::V12 } else { QnaForm::V11 };
        let first = questions.first().map(String::as_str).unwrap_or("entry");
        let id = loop {
            let id = entry_id(&random_prefix(), first);
            if bot.entry(&id).is_none() {
                break id;
            }
        };
        let file = bot.dir.join("qna").join(format!("{id}.json"));
        let language = bot.config.default_language.clone();
        Ok(QnaEntry::new(
            &id, file, form, &language, questions, answers,
        ))
    }

    /// Deletes an entry's file, holding the bot folder's lock. The file must be the entry's
    /// own, inside `bots/<bot_id>/qna/`.
    pub fn remove_entry(&self, bot_id: &str, entry_id: &str) -> Result<PathBuf, Error> {
        let bot = self
            .bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))?;
        let entry = bot.entry(entry_id).ok_or_else(|| Error::UnknownEntry {
            bot: bot_id.to_string(),
            entry: entry_id.to_string(),
        })?;
        let inside = entry.file.parent() == Some(bot.dir.join("qna").as_path())
            && entry
                .file
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.strip_suffix(".json").is_some_and(is_safe_id));
        if !inside {
            return Err(Error::InvalidId(entry_id.to_string()));
        }
        // Under the bot's save lock, so a removal never interleaves with an edit's
        // re-read and write of the same file.
        let _lock = super::BotLock::acquire(&bot.dir).map_err(|source| Error::Lock {
            path: bot.dir.clone(),
            source,
        })?;
        std::fs::remove_file(&entry.file).map_err(|source| Error::Save {
            path: entry.file.clone(),
            source,
        })?;
        // Botpress's `delete` removes the entry's NLU intent with it.
        super::intents::remove(&bot.dir, entry_id)?;
        Ok(entry.file.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_botpress_ids_and_are_safe() {
        assert_eq!(
            entry_id("0ab47mj3e3", "I have a question about my pay check"),
            "0ab47mj3e3_i_have_a_question_about_my_pay_check"
        );
        let odd = entry_id(&random_prefix(), "../../etc/passwd ☕ ?");
        assert!(is_safe_id(&odd), "{odd}");
        assert_eq!(random_prefix().len(), 10);
        assert!(entry_id("x", &"long ".repeat(40)).len() <= 2 + SLUG_LENGTH);
    }

    #[test]
    fn ids_follow_botpress_make_id() {
        for (question, id) in [
            ("  What's up?  ", "p_what_s_up"),
            ("¿Qué tal?", "p_qu__tal"),
            ("☕ coffee", "p_coffee"),
            ("😀x", "p_x"),
            ("???", "p_"),
            ("Hello World", "p_hello_world"),
        ] {
            assert_eq!(entry_id("p", question), id, "{question:?}");
        }
        let prefix = random_prefix();
        assert!(
            prefix.bytes().all(|b| ID_ALPHABET.contains(&b)),
            "{prefix}: Botpress's alphabet has no t"
        );
    }
}
