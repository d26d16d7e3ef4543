//! Delegation latency: one question delegated to every sub-bot, end to end through the async
//! API (`Delegator::delegate`), on the bundled demo workspace and on a generated workspace of
//! 10 bots × 10,000 entries (built in memory here, never committed). Both fan-out strategies
//! are measured, with the default (`auto`) that picks between them by bot size.
//!
//! Run: `cargo bench --bench delegation` (targets: ≤ 0.2 ms demo, ≤ 2 ms 10 × 10k).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use interbot::delegation::FanOut;
use interbot::workspace::{Bot, BotConfig, QnaEntry, Settings};
use interbot::{Engine, Workspace};

/// A small deterministic generator (xorshift64*), so every run builds the same workspace.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A Zipf-like pick: small indexes are much more frequent, as words are in text.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

/// Pronounceable pseudo-words, so the stemmer sees word-like input.
fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
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

fn sentence(rng: &mut Rng, words: &[String]) -> String {
    let length = 4 + rng.below(7);
    (0..length)
        .map(|_| words[rng.zipf(words.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// 10 bots × 10,000 entries of 2–5 variants, plus a master.
fn generated_workspace(bots: usize, entries: usize) -> (Workspace, Vec<String>) {
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
    };
    (workspace, questions)
}

fn bot(id: &str, qna: Vec<QnaEntry>) -> Bot {
    Bot {
        id: id.to_string(),
        dir: PathBuf::from(id),
        config: BotConfig {
            name: id.to_string(),
            description: None,
            default_language: "en".to_string(),
            raw: serde_json::json!({}),
        },
        qna,
        elements: Vec::new(),
        flow: None,
    }
}

fn bench_engine(c: &mut Criterion, name: &str, engine: &Engine, questions: &[String]) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let bots = engine.workspace().sub_bot_ids();
    for (label, fan_out) in [
        ("auto", FanOut::Auto),
        ("one-task", FanOut::OneTask),
        ("task-per-bot", FanOut::TaskPerBot),
    ] {
        let delegator = engine.delegator().clone().with_fan_out(fan_out);
        let mut i = 0;
        c.bench_function(&format!("delegation/{name}/{label}"), |b| {
            b.iter(|| {
                i = (i + 1) % questions.len();
                let question = &questions[i];
                black_box(runtime.block_on(delegator.delegate(question, &bots, 0.5)))
            })
        });
    }
}

fn demo(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workspace");
    let engine = Engine::load(root).expect("the bundled demo workspace loads");
    let questions: Vec<String> = [
        "I have a question about my pay check",
        "how do I reset my password",
        "can I book a meeting room for tomorrow",
        "what is the capital of peru",
    ]
    .map(String::from)
    .to_vec();
    bench_engine(c, "demo", &engine, &questions);
}

fn generated(c: &mut Criterion) {
    let (workspace, questions) = generated_workspace(10, 10_000);
    let engine = Engine::new(workspace);
    bench_engine(c, "10x10k", &engine, &questions);
}

criterion_group!(benches, demo, generated);
criterion_main!(benches);
