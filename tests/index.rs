//! BotIndex: questions are plain text (never a query language), confidence stays in [0, 1],
//! disabled and out-of-context entries are never matched.

mod common;

use common::{TempWorkspace, demo_workspace};
use interbot::{BotIndex, Workspace};
use serde_json::json;

fn global() -> Vec<String> {
    vec!["global".to_string()]
}

fn demo_index(bot: &str) -> anyhow::Result<BotIndex> {
    let ws = Workspace::load(demo_workspace())?;
    Ok(BotIndex::build(ws.bot(bot).expect("demo bot"))?)
}

#[test]
fn query_syntax_characters_are_plain_text() -> anyhow::Result<()> {
    let index = demo_index("sub2")?;
    let questions = [
        "What's the pay-check policy?!",
        "\"reset\" my password",
        "password:reset",
        "(vpn) AND (wifi)",
        "vpn^10",
        "-password",
        "*",
        "+vpn +wifi",
        "reset* password~2",
        "[a TO z]",
        "😀🔥 wifi 🚀",
        "",
        "   ",
        "?!?!",
        "\\",
        "''\"\"``",
        "ünïcödé wïfï",
        "日本語の質問",
    ];
    for question in questions {
        let top = index.top(question, &global(), 5)?;
        for hit in &top {
            assert!(
                (0.0..=1.0).contains(&hit.confidence),
                "{question:?}: {hit:?}"
            );
            assert!(
                hit.score.is_finite() && hit.score > 0.0,
                "{question:?}: {hit:?}"
            );
        }
    }
    let star = index.best("*", &global())?;
    assert!(star.is_none(), "`*` matches nothing, it is not match-all");
    let minus = index
        .best("-password", &global())?
        .expect("`-password` searches for password");
    assert!(
        minus.question.to_lowercase().contains("password"),
        "{minus:?}"
    );
    assert!(index.best("", &global())?.is_none());
    Ok(())
}

#[test]
fn confidence_is_within_bounds_for_many_questions() -> anyhow::Result<()> {
    let ws = Workspace::load(demo_workspace())?;
    let mut checked = 0;
    for bot in ws.bots.iter().filter(|b| b.id != "master") {
        let index = BotIndex::build(bot)?;
        for other in ws.bots.iter().flat_map(|b| &b.qna) {
            for question in &other.questions {
                for hit in index.top(question, &global(), 3)? {
                    assert!(
                        (0.0..=1.0).contains(&hit.confidence),
                        "{question:?} on {}: {hit:?}",
                        bot.id
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "checked {checked}");
    Ok(())
}

#[test]
fn an_exact_question_is_confident_and_unseen_words_are_not() -> anyhow::Result<()> {
    let index = demo_index("sub1")?;
    let exact = index
        .best("I have a question about my pay check", &global())?
        .expect("a hit");
    assert_eq!(
        exact.entry_id,
        "0ab47mj3e3_i_have_a_question_about_my_pay_check"
    );
    assert!(
        exact.confidence > 0.7,
        "well above the 0.5 threshold: {exact:?}"
    );
    let diluted = index
        .best(
            "pay check quantum chromodynamics lagrangian renormalization",
            &global(),
        )?
        .expect("pay check still matches");
    assert!(diluted.confidence < exact.confidence, "{diluted:?}");
    let unrelated = index.best("quantum chromodynamics lagrangian", &global())?;
    assert!(
        unrelated.as_ref().is_none_or(|hit| hit.confidence < 0.2),
        "{unrelated:?}"
    );
    Ok(())
}

#[test]
fn disabled_and_out_of_context_entries_are_never_matched() -> anyhow::Result<()> {
    let ws = TempWorkspace::new();
    ws.bot("hr", "HR")
        .qna("hr", "pay", &["pay check question"], "Payroll.");
    ws.write_json(
        "bots/hr/qna/old.json",
        &json!({"id": "old", "data": {"questions": ["summer fridays schedule"], "answers": ["gone"], "enabled": false}}),
    );
    ws.write_json(
        "bots/hr/qna/onboard.json",
        &json!({"id": "onboard", "data": {"questions": ["first day badge"], "answers": ["welcome"], "category": "onboarding"}}),
    );
    let loaded = Workspace::load(ws.path())?;
    let index = BotIndex::build(loaded.bot("hr").expect("hr"))?;
    assert_eq!(index.len(), 2, "the disabled entry is not indexed");
    assert!(index.best("summer fridays schedule", &global())?.is_none());
    assert!(
        index.best("first day badge", &global())?.is_none(),
        "onboarding is not included"
    );
    let onboarding = vec!["onboarding".to_string()];
    let hit = index
        .best("first day badge", &onboarding)?
        .expect("included explicitly");
    assert_eq!(hit.entry_id, "onboard");
    Ok(())
}

#[test]
fn top_lists_candidates_best_first() -> anyhow::Result<()> {
    let index = demo_index("sub2")?;
    let top = index.top(
        "password reset account locked vpn wifi laptop",
        &global(),
        5,
    )?;
    assert_eq!(top.len(), 5);
    assert!(top.windows(2).all(|w| w[0].score >= w[1].score), "{top:#?}");
    let ids: std::collections::HashSet<_> = top.iter().map(|h| &h.entry_id).collect();
    assert_eq!(ids.len(), 5, "distinct entries");
    Ok(())
}

/// A deterministic bot of `entries` entries over a Zipf-like vocabulary (common words appear
/// in most entries), so that searches exercise the pruning of candidates.
fn generated_bot(entries: usize) -> interbot::workspace::Bot {
    generated_bot_with(entries, 3, 6)
}

/// Like [`generated_bot`], with `variants` questions of `words` words per entry.
fn generated_bot_with(
    entries: usize,
    variants: usize,
    words_per: usize,
) -> interbot::workspace::Bot {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    };
    let syllables = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "da", "gu", "ho",
    ];
    let words: Vec<String> = (0..3000)
        .map(|i| {
            format!(
                "{}{}{}",
                syllables[i % 12],
                syllables[(i / 12) % 12],
                syllables[(i / 144) % 12]
            )
        })
        .collect();
    let mut zipf = || {
        let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
        ((words.len() as f64).powf(u) as usize)
            .saturating_sub(1)
            .min(words.len() - 1)
    };
    let qna = (0..entries)
        .map(|e| {
            let variants: Vec<String> = (0..variants)
                .map(|_| {
                    (0..words_per)
                        .map(|_| words[zipf()].clone())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            interbot::workspace::QnaEntry::new_v11(
                &format!("e{e}"),
                std::path::PathBuf::from(format!("e{e}.json")),
                variants,
                vec![format!("answer {e}")],
            )
        })
        .collect();
    interbot::workspace::Bot {
        id: "big".into(),
        dir: "big".into(),
        config: interbot::workspace::BotConfig {
            name: "big".into(),
            description: None,
            default_language: "en".into(),
            oneflow: false,
            raw: json!({}),
        },
        qna,
        elements: Vec::new(),
        flow: None,
    }
}

#[test]
fn pruned_top_k_equals_the_top_of_a_wide_search_on_a_large_bot() -> anyhow::Result<()> {
    let bot = generated_bot(3000);
    let index = BotIndex::build(&bot)?;
    assert_eq!(
        index.len(),
        3000,
        "every entry is searchable after the merge"
    );
    let mut exact = 0;
    for e in (0..3000).step_by(97) {
        let question = &bot.qna[e].questions[0];
        let wide = index.top(question, &global(), 3000)?;
        for limit in [1, 5] {
            let top = index.top(question, &global(), limit)?;
            let expected: Vec<_> = wide
                .iter()
                .take(limit)
                .map(|h| (&h.entry_id, h.score))
                .collect();
            let got: Vec<_> = top.iter().map(|h| (&h.entry_id, h.score)).collect();
            assert_eq!(got, expected, "{question:?}, top {limit}");
        }
        exact += usize::from(wide.first().is_some_and(|h| h.entry_id == format!("e{e}")));
    }
    assert!(
        exact >= 29,
        "an exact variant finds its entry ({exact} of 31)"
    );
    Ok(())
}

/// A bot too large for one indexing buffer is written as several segments, which the index
/// merges into one; every entry must still be found (a background merge once raced the
/// explicit one and left such bots unindexed).
#[test]
fn a_bot_spanning_several_segments_is_fully_indexed() -> anyhow::Result<()> {
    let bot = generated_bot_with(12_000, 5, 9);
    let index = BotIndex::build(&bot)?;
    for e in [0, 4_321, 11_999] {
        let question = &bot.qna[e].questions[0];
        let best = index
            .best(question, &global())?
            .expect("an exact variant matches");
        assert_eq!(best.entry_id, format!("e{e}"), "{question:?}");
    }
    Ok(())
}
