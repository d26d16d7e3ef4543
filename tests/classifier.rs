//! Bots with many question variants per entry (NLU-style) get a trained entry classifier
//! beside their language-model score (`src/classifier.rs`); bots with a handful do not.

mod common;

use common::{TempWorkspace, demo_workspace};
use interbot::{BotIndex, Workspace};

const SET: &[&str] = &[
    "set an alarm for seven tomorrow",
    "wake me up at six thirty",
    "please set my alarm for eight am",
    "i need an alarm at five in the morning",
    "create a new alarm for noon",
    "can you wake me at half past six",
    "alarm for nine pm tonight please",
    "put an alarm on for tomorrow morning",
    "make an alarm that goes off at ten",
    "set a wake up call for seven",
];
const CANCEL: &[&str] = &[
    "cancel my alarm for tomorrow",
    "turn off the seven am alarm",
    "delete the alarm i set for six",
    "remove all my alarms",
    "i don't need the morning alarm any more",
    "stop the alarm for tonight",
    "get rid of the alarm at eight",
    "switch off every alarm",
    "clear the alarm for noon",
    "disable my wake up alarm",
];
const LIST: &[&str] = &[
    "what alarms do i have",
    "show me my alarms",
    "which alarms are on for tomorrow",
    "list every alarm i set",
    "do i have an alarm for the morning",
    "is there an alarm set for six",
    "tell me my alarms for this week",
    "how many alarms have i got",
    "when is my next alarm",
    "check my alarms please",
];

fn alarm_workspace(variants: usize) -> TempWorkspace {
    let workspace = TempWorkspace::new();
    workspace.bot("alarm", "Alarms");
    for (id, questions) in [("set", SET), ("cancel", CANCEL), ("list", LIST)] {
        workspace.qna(
            "alarm",
            id,
            &questions[..variants],
            &format!("intent: {id}"),
        );
    }
    workspace
}

fn index(workspace: &TempWorkspace) -> anyhow::Result<BotIndex> {
    let loaded = Workspace::load(workspace.path())?;
    let bot = loaded
        .bot("alarm")
        .ok_or_else(|| anyhow::anyhow!("no alarm bot"))?;
    Ok(BotIndex::build(bot)?)
}

#[test]
fn only_bots_with_many_variants_per_entry_are_trained() -> anyhow::Result<()> {
    assert!(index(&alarm_workspace(10))?.is_trained());
    let untrained = index(&alarm_workspace(4))?;
    assert!(!untrained.is_trained());
    let global = ["global".to_string()];
    let hits = untrained.top("cancel my alarm", &global, 3)?;
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|hit| hit.classifier.is_none()), "{hits:?}");
    let demo = Workspace::load(demo_workspace())?;
    for bot in &demo.bots {
        assert!(!BotIndex::build(bot)?.is_trained(), "{}", bot.id);
    }
    Ok(())
}

#[test]
fn a_trained_bot_routes_paraphrases_to_their_entry() -> anyhow::Result<()> {
    let index = index(&alarm_workspace(10))?;
    let global = ["global".to_string()];
    for (question, want) in [
        ("please wake me up at seven thirty tomorrow", "set"),
        ("can you delete my six am alarm", "cancel"),
        ("turn my alarms off", "cancel"),
        ("what alarms are set for the morning", "list"),
        ("show the alarms i have tomorrow", "list"),
        ("new alarm at eight please", "set"),
    ] {
        let hits = index.top(question, &global, 3)?;
        assert_eq!(
            hits.first().map(|h| h.entry_id.as_str()),
            Some(want),
            "{question}: {hits:?}"
        );
        for hit in &hits {
            assert!((0.0..=1.0).contains(&hit.confidence), "{hit:?}");
            assert!(
                hit.classifier.is_some_and(|p| (0.0..=1.0).contains(&p)),
                "a trained bot's hits carry the classifier's probability: {hit:?}"
            );
        }
        for pair in hits.windows(2) {
            assert!(pair[0].score >= pair[1].score);
        }
    }
    Ok(())
}

/// A trained bot's explanation shows the classifier's adjustment, and the language model's
/// terms minus it add up to the raw score the search reports (the classifier's favourite
/// loses nothing).
#[test]
fn a_trained_bots_explanation_adds_up_with_the_classifier_adjustment() -> anyhow::Result<()> {
    let index = index(&alarm_workspace(10))?;
    let global = ["global".to_string()];
    let mut explained = 0;
    for question in SET.iter().chain(CANCEL).chain(LIST).chain(&[
        "please wake me up at seven thirty tomorrow",
        "turn my alarms off",
        "what is on tomorrow",
    ]) {
        for (rank, hit) in index.top(question, &global, 3)?.iter().enumerate() {
            let explanation = index
                .explain(question, &global, &hit.entry_id)?
                .ok_or_else(|| anyhow::anyhow!("{} is indexed", hit.entry_id))?;
            let classifier = explanation
                .classifier
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("a trained bot's explanation"))?;
            let terms: f32 = explanation.terms.iter().map(|t| t.contribution).sum();
            assert!(
                (terms - classifier.adjustment - hit.score).abs() <= 1e-4,
                "{question}: {terms} − {} vs {}",
                classifier.adjustment,
                hit.score
            );
            assert_eq!(Some(classifier.probability), hit.classifier);
            assert!(classifier.adjustment >= 0.0);
            if rank == 0 && classifier.probability == classifier.most_probable {
                assert_eq!(classifier.adjustment, 0.0);
            }
            assert!((explanation.confidence - hit.confidence).abs() <= 1e-5);
            explained += 1;
        }
    }
    assert!(explained >= 60, "explained {explained}");
    Ok(())
}
