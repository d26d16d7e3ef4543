//! Evaluation throughput: questions per second through `interbot::eval::evaluate` (every
//! sub-bot asked each question, spread over every core), on the bundled demo workspace
//! (10,000 questions: `workspace/tests/routing.jsonl` repeated) and on a generated workspace
//! of 10 bots × 10,000 entries (built in memory as in `benches/delegation.rs`, whose generator
//! is copied here so the two benches stay independent).
//!
//! Run: `cargo bench --bench eval` (target: 10,000 questions in under 2 s on the demo).
//! Criterion prints the time per batch and the throughput in questions per second.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use interbot::eval::{Labelled, LabelledSet, evaluate};
use interbot::workspace::{Bot, BotConfig, QnaEntry, Settings};
use interbot::{Engine, Workspace};

/// Questions per batch on the demo.
const DEMO_QUESTIONS: usize = 10_000;

/// Questions per batch on the generated workspace (each asks 10 bots of 10,000 entries).
const GENERATED_QUESTIONS: usize = 1_000;

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

fn bench_eval(c: &mut Criterion, name: &str, engine: &Engine, questions: &[Labelled]) {
    let mut group = c.benchmark_group("eval");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(questions.len() as u64));
    group.bench_function(name, |b| {
        b.iter(|| black_box(evaluate(engine, questions, &|_| {})))
    });
    group.finish();
}

fn demo(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workspace");
    let engine = Engine::load(&root).expect("the bundled demo workspace loads");
    let text = std::fs::read_to_string(root.join("tests/routing.jsonl"))
        .expect("the bundled labelled set");
    let set = LabelledSet::parse(&text, engine.workspace(), false).expect("a valid set");
    let questions: Vec<Labelled> = set
        .questions
        .iter()
        .cycle()
        .take(DEMO_QUESTIONS)
        .cloned()
        .collect();
    bench_eval(c, "demo/10k-questions", &engine, &questions);
}

fn generated(c: &mut Criterion) {
    let (workspace, _) = generated_workspace(10, 10_000);
    // Questions: each bot's variants of every 100th entry, asked as they are.
    let questions: Vec<Labelled> = workspace
        .bots
        .iter()
        .filter(|bot| bot.id != "master")
        .flat_map(|bot| {
            bot.qna.iter().step_by(100).map(move |entry| Labelled {
                line: 0,
                text: entry.questions[0].clone(),
                bot: Some(bot.id.clone()),
                qna: Some(entry.id.clone()),
            })
        })
        .take(GENERATED_QUESTIONS)
        .collect();
    let engine = Engine::new(workspace);
    bench_eval(c, "10x10k/1k-questions", &engine, &questions);
}

criterion_group!(benches, demo, generated);
criterion_main!(benches);
