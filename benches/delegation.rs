//! Delegation latency: one question delegated to every sub-bot, end to end through the async
//! API (`Delegator::delegate`), on the bundled demo workspace and on a generated workspace of
//! 10 bots × 10,000 entries (built in memory here, never committed). Every fan-out strategy
//! is measured, with the default (`auto`) that picks among them by bot size.
//!
//! Run: `cargo bench --bench delegation` (targets: ≤ 0.2 ms demo, ≤ 2 ms 10 × 10k).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use interbot::Engine;
use interbot::delegation::FanOut;

mod common;

use common::generated_workspace;

fn bench_engine(c: &mut Criterion, name: &str, engine: &Engine, questions: &[String]) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let bots = engine.workspace().sub_bot_ids();
    for (label, fan_out) in [
        ("auto", FanOut::Auto),
        ("inline", FanOut::Inline),
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
