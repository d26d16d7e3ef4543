//! What languages cost per turn: settling a turn's language (`Engine::turn_language`:
//! detection in a workspace where some bot has several languages, nothing in one where none
//! has), and a whole master turn on the two-language fixture (`tests/fixtures/languages`).
//!
//! Run: `cargo bench --bench languages`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use interbot::{AskOptions, Engine};

/// Questions of both languages, long and short, detected by the model, by the bots'
/// vocabulary, or not at all.
const QUESTIONS: [&str; 6] = [
    "Quand mon salaire est-il versé",
    "When is my salary paid",
    "I forgot my password",
    "Je n'arrive pas à imprimer",
    "wifi",
    "Wann öffnet die Kantine",
];

fn root(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn languages(c: &mut Criterion) {
    let options = AskOptions::default();
    let two = Engine::load(root("tests/fixtures/languages")).expect("the fixture loads");
    let one = Engine::load(root("workspace")).expect("the demo loads");
    let mut i = 0;
    c.bench_function("languages/turn_language/two-languages", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(two.turn_language(QUESTIONS[i], &options))
        })
    });
    c.bench_function("languages/turn_language/one-language", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(one.turn_language(QUESTIONS[i], &options))
        })
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    c.bench_function("languages/ask/two-languages-master", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(runtime.block_on(two.ask("master", QUESTIONS[i])))
        })
    });
}

criterion_group!(benches, languages);
criterion_main!(benches);
