//! Evaluation throughput: questions per second through `interbot::eval::evaluate` (every
//! sub-bot asked each question, spread over every core), on the bundled demo workspace
//! (10,000 questions: `workspace/tests/routing.jsonl` repeated) and on a generated workspace
//! of 10 bots × 10,000 entries (built in memory by the generator
//! in `benches/common/`, shared with `benches/delegation.rs`).
//!
//! Run: `cargo bench --bench eval` (target: 10,000 questions in under 2 s on the demo).
//! Criterion prints the time per batch and the throughput in questions per second.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use interbot::Engine;
use interbot::eval::{Labelled, LabelledSet, evaluate};

/// Questions per batch on the demo.
const DEMO_QUESTIONS: usize = 10_000;

/// Questions per batch on the generated workspace (each asks 10 bots of 10,000 entries).
const GENERATED_QUESTIONS: usize = 1_000;

mod common;

use common::generated_workspace;

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
