//! Which language a bot answers a turn in, as Botpress 12's NLU predictor chooses it.
//!
//! Botpress's `Predictor.predict` (`modules/nlu/src/backend/application/bot/predictor.ts`)
//! tries, in order, the language detected in the question, the anticipated language (the
//! NLU middleware passes `event.state.user?.language || defaultLanguage`) and the bot's
//! `defaultLanguage`, and keeps the first one the bot has a model for, that is one of the
//! bot's `languages`. interbot does the same per bot ([`TurnLanguage::for_bot`]), with:
//! - **asked**: the language the turn sets (`ask --lang fr`), else the one [`Detector`]
//!   finds in the question (once per turn, and only in a workspace where some bot has several
//!   languages: a single-language workspace never pays for detection);
//! - **user**: the user's language, `interbot.json`'s `userLanguage` (Botpress reads
//!   `event.state.user.language`, a user attribute the channel or a hook sets; interbot has no
//!   user store, so the workspace setting stands for it);
//! - then the bot's `defaultLanguage`.
//!
//! Each sub-bot chooses among its own languages, as each Botpress bot's NLU predicts with its
//! own models.

use std::collections::HashSet;

use crate::workspace::BotConfig;

/// The language facts of one turn, the same for every bot asked; each bot picks its language
/// from them with [`TurnLanguage::for_bot`]. The default (nothing asked, no user language, not
/// recorded) makes every bot answer in its `defaultLanguage`, as before languages existed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnLanguage {
    /// The language the turn sets (`ask --lang`), or the one detected in the question.
    pub asked: Option<String>,
    /// Whether `asked` was set by the turn (not detected).
    pub explicit: bool,
    /// The user's language (`interbot.json`'s `userLanguage`).
    pub user: Option<String>,
    /// Whether trace rows and the turn record the language used (the workspace has a bot
    /// with several languages, or the turn set one).
    pub recorded: bool,
}

impl TurnLanguage {
    /// The language `bot` answers in: the asked language, then the user's, then its
    /// `defaultLanguage`, the first that is one of its `languages` (Botpress's
    /// `languagesToTry`, `predictor.ts`).
    pub fn for_bot<'a>(&'a self, bot: &'a BotConfig) -> &'a str {
        [self.asked.as_deref(), self.user.as_deref()]
            .into_iter()
            .flatten()
            .find(|language| bot.speaks(language))
            .unwrap_or(&bot.default_language)
    }

    /// The language to record for `bot` (in its trace row), when languages are recorded.
    pub fn recorded_for(&self, bot: &BotConfig) -> Option<String> {
        self.recorded.then(|| self.for_bot(bot).to_string())
    }
}

/// Finds the language of a question among a workspace's bot languages, in two steps, as
/// Botpress's language identifier does (`nlu-core/language/language-identifier.ts`: a
/// machine-learnt guess, then, for a guess below its threshold, "the % of the sentence
/// comprised of tokens in the training vocabulary"):
/// 1. the `whatlang` crate, restricted to the bot languages it knows, kept only when the
///    crate itself calls it reliable (on short questions it rarely is, and a restricted guess
///    is often wrong: measured in `tests/languages.rs`);
/// 2. else the bots' own vocabulary: the share of the question's words found among the
///    questions written in each language; the best language counts when its share reaches
///    Botpress's threshold (0.5 for a question over 20 characters, 0.3 for a shorter one) and
///    no other language has the same share.
///
/// Anything else is "not detected" (Botpress's `n/a`): the bot goes on to the user's
/// language, then its default.
#[derive(Debug, Clone)]
pub struct Detector {
    /// `whatlang` restricted to the languages it knows, when it knows two or more.
    detector: Option<whatlang::Detector>,
    /// The languages detected, as the bots write them (`en`), with their lower-cased words.
    languages: Vec<(String, Option<whatlang::Lang>, HashSet<String>)>,
}

impl Detector {
    /// A detector for `languages` (bot language codes such as `en`, `fr`), learning each
    /// one's vocabulary from `texts` (language, question); `None` for fewer than two
    /// languages (nothing to tell apart).
    pub fn new<'a>(
        languages: impl IntoIterator<Item = &'a str>,
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Option<Detector> {
        let mut known: Vec<(String, Option<whatlang::Lang>, HashSet<String>)> = Vec::new();
        for language in languages {
            if !known.iter().any(|(code, _, _)| code == language) {
                known.push((language.to_string(), whatlang_of(language), HashSet::new()));
            }
        }
        if known.len() < 2 {
            return None;
        }
        for (language, text) in texts {
            if let Some((_, _, vocabulary)) = known.iter_mut().find(|(code, _, _)| code == language)
            {
                vocabulary.extend(words(text));
            }
        }
        let allowlist: Vec<whatlang::Lang> =
            known.iter().filter_map(|(_, lang, _)| *lang).collect();
        let detector =
            (allowlist.len() >= 2).then(|| whatlang::Detector::with_allowlist(allowlist));
        Some(Detector {
            detector,
            languages: known,
        })
    }

    /// The language of `text` (a bot language code), or `None` when not detected.
    pub fn detect(&self, text: &str) -> Option<String> {
        self.by_model(text).or_else(|| self.by_vocabulary(text))
    }

    /// `whatlang`'s language when it calls it reliable.
    fn by_model(&self, text: &str) -> Option<String> {
        let info = self.detector.as_ref()?.detect(text)?;
        if !info.is_reliable() {
            return None;
        }
        self.languages
            .iter()
            .find(|(_, lang, _)| *lang == Some(info.lang()))
            .map(|(code, _, _)| code.clone())
    }

    /// The language whose vocabulary holds the largest share of `text`'s words, when that
    /// share reaches Botpress's threshold and is the only one that large.
    fn by_vocabulary(&self, text: &str) -> Option<String> {
        let words: Vec<String> = words(text).collect();
        if words.is_empty() {
            return None;
        }
        let threshold = if text.chars().count() > 20 { 0.5 } else { 0.3 };
        let shares: Vec<(usize, &str)> = self
            .languages
            .iter()
            .map(|(code, _, vocabulary)| {
                let found = words.iter().filter(|w| vocabulary.contains(*w)).count();
                (found, code.as_str())
            })
            .collect();
        let best = shares.iter().map(|(found, _)| *found).max()?;
        let mut winners = shares.iter().filter(|(found, _)| *found == best);
        let (_, winner) = winners.next()?;
        let share = best as f64 / words.len() as f64;
        (winners.next().is_none() && share >= threshold).then(|| winner.to_string())
    }
}

/// The lower-cased words of `text` (runs of letters and digits).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// The `whatlang` language of a bot language code: ISO 639-1, as Botpress writes them (`en`,
/// `pt`), a region suffix ignored (`en-US`); `None` for a language the crate does not detect.
fn whatlang_of(code: &str) -> Option<whatlang::Lang> {
    use whatlang::Lang::*;
    let base = code.split(['-', '_']).next().unwrap_or(code);
    Some(match base.to_ascii_lowercase().as_str() {
        "af" => Afr,
        "ar" => Ara,
        "be" => Bel,
        "bg" => Bul,
        "bn" => Ben,
        "ca" => Cat,
        "cs" => Ces,
        "cy" => Cym,
        "da" => Dan,
        "de" => Deu,
        "el" => Ell,
        "en" => Eng,
        "eo" => Epo,
        "es" => Spa,
        "et" => Est,
        "fa" => Pes,
        "fi" => Fin,
        "fr" => Fra,
        "he" => Heb,
        "hi" => Hin,
        "hr" => Hrv,
        "hu" => Hun,
        "hy" => Hye,
        "id" => Ind,
        "it" => Ita,
        "ja" => Jpn,
        "ka" => Kat,
        "ko" => Kor,
        "la" => Lat,
        "lt" => Lit,
        "lv" => Lav,
        "mk" => Mkd,
        "nb" | "no" => Nob,
        "nl" => Nld,
        "pl" => Pol,
        "pt" => Por,
        "ro" => Ron,
        "ru" => Rus,
        "sk" => Slk,
        "sl" => Slv,
        "sr" => Srp,
        "sv" => Swe,
        "ta" => Tam,
        "th" => Tha,
        "tl" => Tgl,
        "tr" => Tur,
        "uk" => Ukr,
        "ur" => Urd,
        "vi" => Vie,
        "zh" => Cmn,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(default: &str, languages: &[&str]) -> BotConfig {
        BotConfig {
            default_language: default.to_string(),
            raw: serde_json::json!({ "languages": languages }),
            ..BotConfig::fallback("bot")
        }
    }

    #[test]
    fn the_asked_language_then_the_users_then_the_default() {
        let bot = config("en", &["en", "fr"]);
        let turn = |asked: Option<&str>, user: Option<&str>| TurnLanguage {
            asked: asked.map(str::to_string),
            user: user.map(str::to_string),
            ..TurnLanguage::default()
        };
        assert_eq!(turn(Some("fr"), Some("en")).for_bot(&bot), "fr");
        assert_eq!(turn(Some("de"), Some("fr")).for_bot(&bot), "fr");
        assert_eq!(turn(Some("de"), Some("es")).for_bot(&bot), "en");
        assert_eq!(turn(None, None).for_bot(&bot), "en");
        assert_eq!(turn(Some("en"), None).for_bot(&config("fr", &["fr"])), "fr");
    }

    #[test]
    fn detection_tells_the_bot_languages_apart() {
        let detector = Detector::new(["en", "fr"], []).expect("two known languages");
        assert_eq!(
            detector
                .detect("Comment est-ce que je peux changer mon mot de passe oublié ?")
                .as_deref(),
            Some("fr")
        );
        assert_eq!(
            detector
                .detect("How can I change the password I forgot for my account?")
                .as_deref(),
            Some("en")
        );
    }

    #[test]
    fn one_language_needs_no_detector() {
        assert!(Detector::new(["en"], []).is_none());
        assert!(Detector::new(["en", "en"], []).is_none());
    }

    #[test]
    fn short_questions_are_detected_by_the_bots_vocabulary() {
        let texts = [
            ("en", "I forgot my password"),
            ("fr", "J'ai oublié mon mot de passe"),
            ("en", "The wifi is down"),
            ("fr", "Le wifi est en panne"),
        ];
        let detector = Detector::new(["en", "fr"], texts).expect("two languages");
        assert_eq!(detector.detect("password forgot").as_deref(), Some("en"));
        assert_eq!(detector.detect("mot de passe").as_deref(), Some("fr"));
        // In both vocabularies, or in neither: not detected.
        assert_eq!(detector.detect("wifi"), None);
        assert_eq!(detector.detect("Kantine"), None);
    }
}
