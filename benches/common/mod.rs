//! What the benches share: a deterministic generator of large workspaces (10 bots × 10,000
//! entries, 2–5 variants each, Zipf-distributed pseudo-words), built in memory.

use std::path::PathBuf;

use interbot::Workspace;
use interbot::workspace::{Bot, BotConfig, QnaEntry, Settings};

/// A small deterministic generator (xorshift64*), so every run builds the same workspace.
pub struct Rng(u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A Zipf-like pick: small indexes are much more frequent, as words are in text.
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

/// Pronounceable pseudo-words, so the stemmer sees word-like input.
pub fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "da", "gu", "ho", "ji", "ze", "bo",
        "fy",
    ];
    (0..size)
        .map(|_| {
            (0..2 + rng.below(3))
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect()
        })
        .collect()
}

pub fn sentence(rng: &mut Rng, words: &[String]) -> String {
    let length = 4 + rng.below(7);
    (0..length)
        .map(|_| words[rng.zipf(words.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// 10 bots × 10,000 entries of 2–5 variants, plus a master.
pub fn generated_workspace(bots: usize, entries: usize) -> (Workspace, Vec<String>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let words = vocabulary(&mut rng, 20_000);
    let mut all_bots = vec![bot("master", Vec::new())];
    let mut questions = Vec::new();
    for b in 0..bots {
        let qna = (0..entries)
            .map(|e| {
                let variants: Vec<String> = (0..2 + rng.below(4))
                    .map(|_| sentence(&mut rng, &words))
                    .collect();
                if e % 1000 == 0 {
                    questions.push(variants[0].clone());
                }
                let id = format!("e{e}");
                QnaEntry::new_v11(
                    &id,
                    PathBuf::from(format!("{id}.json")),
                    variants,
                    vec![format!("answer {e}")],
                )
            })
            .collect();
        all_bots.push(bot(&format!("bot{b}"), qna));
    }
    let workspace = Workspace {
        root: PathBuf::from("generated"),
        bots: all_bots,
        settings: Settings::default(),
        problems: Vec::new(),
        snapshots: None,
    };
    (workspace, questions)
}

pub fn bot(id: &str, qna: Vec<QnaEntry>) -> Bot {
    Bot {
        id: id.to_string(),
        dir: PathBuf::from(id),
        config: BotConfig {
            name: id.to_string(),
            description: None,
            default_language: "en".to_string(),
            oneflow: false,
            raw: serde_json::json!({}),
        },
        qna: qna.into(),
        elements: Vec::new(),
        flow: None,
    }
}
