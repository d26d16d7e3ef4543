//! The evaluation figures, checked exactly against a small hand-computed fixture: eight
//! questions, two bots, known confidences (no index involved, so every figure below is
//! worked out by hand in the comments).

use interbot::eval::metrics::{confusion, distributions, per_bot};
use interbot::eval::sweep::{recommend, sweep};
use interbot::eval::{Figures, Guess, Labelled, Objective, Outcome, SavedRun, compare};

fn guess(bot: &str, entry: &str, confidence: f64) -> Guess {
    Guess {
        bot: bot.into(),
        entry: entry.into(),
        confidence,
    }
}

fn outcome(line: usize, bot: Option<&str>, qna: Option<&str>, top: Vec<Guess>) -> Outcome {
    Outcome {
        question: Labelled {
            line,
            text: format!("question {line}"),
            bot: bot.map(String::from),
            qna: qna.map(String::from),
        },
        top,
    }
}

/// At threshold 0.5:
/// 1. for a/a1, best a/a1 0.9            → right bot, right entry
/// 2. for a/a2, best a/a1 0.7            → right bot, wrong entry
/// 3. for a,    best b/b1 0.6, a 0.55    → wrong bot
/// 4. for b/b1, best b/b1 0.4            → below the threshold (none)
/// 5. for b/b1, best b/b1 0.8            → right bot, right entry
/// 6. no bot,   best a/a2 0.6            → answered (wrong)
/// 7. no bot,   best b/b2 0.2            → none (right)
/// 8. no bot,   nothing matched          → none (right)
fn fixture() -> Vec<Outcome> {
    vec![
        outcome(
            1,
            Some("a"),
            Some("a1"),
            vec![guess("a", "a1", 0.9), guess("b", "b1", 0.2)],
        ),
        outcome(
            2,
            Some("a"),
            Some("a2"),
            vec![guess("a", "a1", 0.7), guess("b", "b1", 0.1)],
        ),
        outcome(
            3,
            Some("a"),
            None,
            vec![guess("b", "b1", 0.6), guess("a", "a1", 0.55)],
        ),
        outcome(
            4,
            Some("b"),
            Some("b1"),
            vec![guess("b", "b1", 0.4), guess("a", "a1", 0.3)],
        ),
        outcome(5, Some("b"), Some("b1"), vec![guess("b", "b1", 0.8)]),
        outcome(6, None, None, vec![guess("a", "a2", 0.6)]),
        outcome(7, None, None, vec![guess("b", "b2", 0.2)]),
        outcome(8, None, None, vec![]),
    ]
}

fn bots() -> Vec<String> {
    vec!["a".into(), "b".into()]
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a defined figure");
    assert!(
        (actual - expected).abs() < 1e-12,
        "{actual} is not {expected}"
    );
}

#[test]
fn overall_figures_at_the_threshold() {
    let f = Figures::at(&fixture(), 0.5);
    // In scope: 1–5. Right bot: 1, 2, 5.
    close(f.routing_accuracy, 3.0 / 5.0);
    // With an entry: 1, 2, 4, 5. Right entry: 1, 5.
    close(f.entry_accuracy, 2.0 / 4.0);
    // Answered in scope: 1, 2, 3, 5.
    close(f.coverage, 4.0 / 5.0);
    // Answered at all: 1, 2, 3, 5, 6; of which to the right bot: 1, 2, 5.
    close(f.precision, 3.0 / 5.0);
    // Out of scope: 6, 7, 8; unanswered: 7, 8.
    close(f.oos_recall, 2.0 / 3.0);
    // Unanswered: 4, 7, 8; of which out of scope: 7, 8.
    close(f.oos_precision, 2.0 / 3.0);
    close(f.balanced_accuracy, (3.0 / 5.0 + 2.0 / 3.0) / 2.0);
    let c = f.counts;
    assert_eq!(
        (c.in_scope, c.right_bot, c.with_entry, c.right_entry),
        (5, 3, 4, 2)
    );
    assert_eq!(
        (
            c.covered,
            c.answered,
            c.out_of_scope,
            c.oos_unanswered,
            c.unanswered
        ),
        (4, 5, 3, 2, 3)
    );
}

#[test]
fn undefined_figures_are_none_not_zero() {
    let only_oos = vec![outcome(1, None, None, vec![])];
    let f = Figures::at(&only_oos, 0.5);
    assert_eq!(f.routing_accuracy, None);
    assert_eq!(f.entry_accuracy, None);
    assert_eq!(f.coverage, None);
    assert_eq!(f.precision, None, "nothing answered");
    assert_eq!(f.balanced_accuracy, None);
    close(f.oos_recall, 1.0);
    let only_in_scope = vec![outcome(1, Some("a"), None, vec![guess("a", "a1", 0.9)])];
    let f = Figures::at(&only_in_scope, 0.5);
    assert_eq!(f.oos_recall, None);
    assert_eq!(f.oos_precision, None, "nothing unanswered");
}

#[test]
fn per_bot_precision_recall_f1() {
    let figures = per_bot(&fixture(), &bots(), 0.5);
    // a: for it 1, 2, 3; routed to it 1, 2, 6; right 1, 2.
    let a = &figures[0];
    assert_eq!((a.support, a.routed, a.right), (3, 3, 2));
    close(a.precision, 2.0 / 3.0);
    close(a.recall, 2.0 / 3.0);
    close(a.f1, 2.0 / 3.0);
    // b: for it 4, 5; routed to it 3, 5; right 5.
    let b = &figures[1];
    assert_eq!((b.support, b.routed, b.right), (2, 2, 1));
    close(b.precision, 0.5);
    close(b.recall, 0.5);
    close(b.f1, 0.5);
}

#[test]
fn confusion_over_bots_and_none() {
    let matrix = confusion(&fixture(), &bots(), 0.5);
    assert_eq!(matrix.labels, ["a", "b", "none"]);
    assert_eq!(
        matrix.counts,
        vec![vec![2, 1, 0], vec![0, 1, 1], vec![1, 0, 2]]
    );
}

#[test]
fn confidence_distributions_of_right_and_wrong_routings() {
    let d = distributions(&fixture());
    // Best bot right: 1 (0.9), 2 (0.7), 4 (0.4), 5 (0.8).
    assert_eq!(d.right_bot.count, 4);
    close(d.right_bot.min, 0.4);
    close(d.right_bot.median, 0.75);
    close(d.right_bot.mean, 0.7);
    close(d.right_bot.max, 0.9);
    assert_eq!(d.right_bot.histogram, [0, 0, 0, 0, 1, 0, 0, 1, 1, 1]);
    // Best bot wrong: 3 (0.6).
    assert_eq!(d.wrong_bot.count, 1);
    assert_eq!(d.wrong_bot.histogram, [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    // Out of scope: 6 (0.6), 7 (0.2), 8 (nothing: 0).
    assert_eq!(d.out_of_scope.count, 3);
    close(d.out_of_scope.median, 0.2);
    close(d.out_of_scope.mean, 0.8 / 3.0);
    assert_eq!(d.out_of_scope.histogram, [1, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn the_sweep_has_every_hundredth() {
    let points = sweep(&fixture());
    assert_eq!(points.len(), 101);
    assert_eq!(points[0].threshold, 0.0);
    assert_eq!(points[37].threshold, 0.37);
    assert_eq!(points[100].threshold, 1.0);
    // No threshold: in scope right bot 1, 2, 4, 5; out of scope only 8 unanswered.
    close(points[0].routing_accuracy, 4.0 / 5.0);
    close(points[0].oos_recall, 1.0 / 3.0);
    // 0.21–0.40: 7 drops out; 0.41–0.60: 4 too; 0.61–0.70: 3 and 6 too.
    close(points[21].oos_recall, 2.0 / 3.0);
    close(points[40].routing_accuracy, 4.0 / 5.0);
    close(points[41].routing_accuracy, 3.0 / 5.0);
    close(points[61].oos_recall, 1.0);
    close(points[70].balanced_accuracy, (3.0 / 5.0 + 1.0) / 2.0);
    close(points[71].routing_accuracy, 2.0 / 5.0);
    // Above 0.9 nothing is answered: precision is undefined.
    assert_eq!(points[91].precision, None);
}

#[test]
fn recommendations_for_each_objective() {
    let points = sweep(&fixture());
    // Balanced accuracy peaks at 0.8 on 0.61–0.70: the middle is 0.65.
    let balanced = recommend(&points, Objective::Balanced);
    assert_eq!(balanced.threshold, Some(0.65));
    close(
        balanced.figures.and_then(|f| f.balanced_accuracy),
        (3.0 / 5.0 + 1.0) / 2.0,
    );
    // Precision first reaches 100 % at 0.61 (answered: 1, 2, 5).
    let precise = recommend(&points, "precision>=1".parse().expect("objective"));
    assert_eq!(precise.threshold, Some(0.61));
    // Out-of-scope recall ≥ 0.6 first at 0.21.
    let recall = recommend(&points, "oos-recall>=0.6".parse().expect("objective"));
    assert_eq!(recall.threshold, Some(0.21));
    // Routing accuracy peaks at 0.8 on 0.00–0.40: the middle is 0.20.
    let accuracy = recommend(&points, Objective::Accuracy);
    assert_eq!(accuracy.threshold, Some(0.2));
    // Out-of-scope recall never reaches more than 1.
    let none = recommend(&points[..50], "oos-recall>=1".parse().expect("objective"));
    assert_eq!(none.threshold, None);
    assert!(none.why.contains("no threshold"));
}

#[test]
fn unknown_objectives_are_refused() {
    for bad in ["best", "precision>=2", "precision>=x", "recall>=0.5", ""] {
        assert!(bad.parse::<Objective>().is_err(), "{bad:?} accepted");
    }
    assert_eq!(
        "precision>=0.95".parse::<Objective>().expect("objective"),
        Objective::Precision(0.95)
    );
}

#[test]
fn comparison_lists_fixed_broken_moved_and_every_figure() {
    let before = SavedRun::new(fixture(), 0.5);
    let mut later = fixture();
    // 4 now passes (fixed), 1 now goes to b (broken), 3 now goes nowhere (moved: wrong both
    // times, elsewhere now), and a new question appears.
    later[3].top = vec![guess("b", "b1", 0.55)];
    later[0].top = vec![guess("b", "b1", 0.95)];
    later[2].top = vec![guess("a", "a1", 0.3)];
    later.push(outcome(9, Some("a"), None, vec![guess("a", "a1", 0.9)]));
    let after = SavedRun::new(later, 0.5);
    let diff = compare(&before, &after);
    let lines = |changes: &[interbot::eval::compare::Change]| {
        changes.iter().map(|c| c.line).collect::<Vec<_>>()
    };
    assert_eq!(lines(&diff.fixed), [4]);
    assert_eq!(lines(&diff.broken), [1]);
    assert_eq!(lines(&diff.moved), [3]);
    assert_eq!((diff.only_before, diff.only_after), (0, 1));
    let routing = diff
        .figures
        .iter()
        .find(|f| f.name == "routing_accuracy")
        .expect("routing accuracy compared");
    // Before 3 of 5; after: 2, 4, 5, 9 of 6.
    close(routing.before, 3.0 / 5.0);
    close(routing.after, 4.0 / 6.0);
    close(routing.change, 4.0 / 6.0 - 3.0 / 5.0);
    assert_eq!(diff.figures.len(), 7);
}
