//! Every local sub-bot's hits for each question of a labelled set, one JSON line a question:
//! the raw material for studying how the scoring chooses bots and entries
//! (`tools/entry-choice.py` reads it).
//!
//! ```text
//! cargo run --release --example entry_hits -- WORKSPACE LABELLED.jsonl > hits.jsonl
//! ```
//!
//! Each line: `{"text", "bot", "qna", "bots": [{"bot", "ideal", "hits": [[entry, score,
//! confidence, classifier], …]}]}`, where a bot's hits are all its entries that share a term
//! with the question (`BotIndex::top` with no limit), best first; `score` is the raw score
//! the trace shows (for a trained bot, after the classifier's adjustment), `ideal` the
//! question's ideal score in that bot (what the confidence divides by) and `classifier` the
//! entry classifier's probability (`null` for an untrained bot).

use std::process::ExitCode;

use anyhow::{Context, bail};
use interbot::eval::labels::LabelledSet;
use interbot::{BotIndex, Workspace};
use serde_json::json;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("entry_hits: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [workspace, labelled] = args.as_slice() else {
        bail!("usage: entry_hits WORKSPACE LABELLED.jsonl");
    };
    let workspace = Workspace::load(workspace).context("loading the workspace")?;
    let sub_bots = workspace.sub_bot_ids();
    let indexes: Vec<BotIndex> = workspace
        .bots
        .iter()
        .filter(|bot| sub_bots.contains(&bot.id))
        .map(|bot| BotIndex::build(bot).with_context(|| format!("indexing {}", bot.id)))
        .collect::<anyhow::Result<_>>()?;
    let text = std::fs::read_to_string(labelled).with_context(|| format!("reading {labelled}"))?;
    let set = LabelledSet::parse(&text, &workspace, false)
        .with_context(|| format!("reading {labelled}"))?;
    let contexts = ["global".to_string()];
    for question in &set.questions {
        let mut bots = Vec::new();
        for index in &indexes {
            let hits = index.top(&question.text, &contexts, index.len())?;
            let ideal = hits
                .iter()
                .find(|hit| hit.confidence > 0.0 && hit.confidence < 1.0)
                .map(|hit| hit.score / hit.confidence);
            let hits: Vec<_> = hits
                .iter()
                .map(|hit| json!([hit.entry_id, hit.score, hit.confidence, hit.classifier]))
                .collect();
            bots.push(json!({"bot": index.bot_id(), "ideal": ideal, "hits": hits}));
        }
        let line =
            json!({"text": question.text, "bot": question.bot, "qna": question.qna, "bots": bots});
        println!("{line}");
    }
    Ok(())
}
