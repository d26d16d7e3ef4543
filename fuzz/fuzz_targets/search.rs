//! Question → search: any question against the bundled bots' indexes returns hits with
//! confidences in [0, 1], or an error, never a panic.
#![no_main]

use std::sync::OnceLock;

use interbot::{BotIndex, Workspace};
use libfuzzer_sys::fuzz_target;

fn indexes() -> &'static Vec<BotIndex> {
    static INDEXES: OnceLock<Vec<BotIndex>> = OnceLock::new();
    INDEXES.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../workspace");
        let workspace = Workspace::load(root).expect("the bundled workspace");
        workspace
            .bots
            .iter()
            .filter(|bot| !bot.qna.is_empty())
            .map(|bot| BotIndex::build(bot).expect("an index"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let question = String::from_utf8_lossy(data);
    let contexts = vec!["global".to_string()];
    for index in indexes() {
        if let Ok(Some(hit)) = index.best(&question, &contexts) {
            assert!((0.0..=1.0).contains(&hit.confidence), "{}", hit.confidence);
        }
        if let Ok(hits) = index.top(&question, &contexts, 5) {
            assert!(hits.len() <= 5);
        }
    }
});
