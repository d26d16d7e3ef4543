//! The threshold sweep (0.00 … 1.00 by 0.01) and the threshold it recommends for an
//! objective.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::EvalError;
use super::metrics::Figures;
use super::run::Outcome;

/// Steps of the sweep: thresholds `0 / STEPS` … `STEPS / STEPS`.
pub const STEPS: u32 = 100;

/// The figures at every threshold 0.00, 0.01 … 1.00.
pub fn sweep(outcomes: &[Outcome]) -> Vec<Figures> {
    (0..=STEPS)
        .map(|step| Figures::at(outcomes, f64::from(step) / f64::from(STEPS)))
        .collect()
}

/// What a recommended threshold should achieve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind", content = "at_least")]
pub enum Objective {
    /// The best balanced accuracy (mean of in-scope routing accuracy and out-of-scope
    /// recall). Without out-of-scope questions, the best routing accuracy.
    #[default]
    Balanced,
    /// The best in-scope routing accuracy.
    Accuracy,
    /// The lowest threshold whose precision (right routings / routings) reaches the value:
    /// the most questions answered with at most that share wrong.
    Precision(f64),
    /// The lowest threshold whose out-of-scope recall reaches the value.
    OosRecall(f64),
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Objective::Balanced => write!(f, "balanced"),
            Objective::Accuracy => write!(f, "accuracy"),
            Objective::Precision(x) => write!(f, "precision>={x}"),
            Objective::OosRecall(x) => write!(f, "oos-recall>={x}"),
        }
    }
}

impl FromStr for Objective {
    type Err = EvalError;

    /// `balanced`, `accuracy`, `precision>=X` or `oos-recall>=X` with X in [0, 1].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bad = || EvalError::Objective(text.to_string());
        let at_least = |rest: &str| -> Result<f64, EvalError> {
            let value: f64 = rest.trim().parse().map_err(|_| bad())?;
            if (0.0..=1.0).contains(&value) {
                Ok(value)
            } else {
                Err(bad())
            }
        };
        match text {
            "balanced" => Ok(Objective::Balanced),
            "accuracy" => Ok(Objective::Accuracy),
            _ => {
                if let Some(rest) = text.strip_prefix("precision>=") {
                    Ok(Objective::Precision(at_least(rest)?))
                } else if let Some(rest) = text.strip_prefix("oos-recall>=") {
                    Ok(Objective::OosRecall(at_least(rest)?))
                } else {
                    Err(bad())
                }
            }
        }
    }
}

/// The threshold an objective picks from a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The objective, as given (`balanced`, `precision>=0.95` …).
    pub objective: String,
    /// The threshold, or `None` when no threshold meets the objective.
    pub threshold: Option<f64>,
    /// The figures at that threshold.
    pub figures: Option<Figures>,
    /// How it was chosen, in one sentence.
    pub why: String,
}

/// The threshold `objective` picks from `sweep` (as built by [`sweep`]).
///
/// Objectives that maximise a figure take the middle of the first run of thresholds that
/// reach the maximum (rounded down to a step), so a flat optimum does not sit on its
/// edge; objectives with a floor take the lowest threshold that reaches it (the most
/// questions answered).
pub fn recommend(sweep: &[Figures], objective: Objective) -> Recommendation {
    let best_of = |figure: fn(&Figures) -> Option<f64>, name: &str| {
        let best = sweep
            .iter()
            .filter_map(figure)
            .fold(None, |best: Option<f64>, v| {
                Some(best.map_or(v, |b| b.max(v)))
            });
        let Some(best) = best else {
            return (None, format!("{name} is undefined at every threshold"));
        };
        let is_best = |f: &Figures| figure(f).is_some_and(|v| (v - best).abs() < 1e-12);
        let Some(first) = sweep.iter().position(is_best) else {
            return (None, format!("{name} is undefined at every threshold"));
        };
        let run = sweep[first..].iter().take_while(|f| is_best(f)).count();
        let chosen = &sweep[first + (run - 1) / 2];
        let why = if run == 1 {
            format!(
                "the best {name} ({:.1} %) is reached at {:.2} only",
                100.0 * best,
                chosen.threshold
            )
        } else {
            format!(
                "the best {name} ({:.1} %) holds from {:.2} to {:.2}; the middle of that range",
                100.0 * best,
                sweep[first].threshold,
                sweep[first + run - 1].threshold
            )
        };
        (Some(chosen.clone()), why)
    };
    let lowest_reaching = |figure: fn(&Figures) -> Option<f64>, floor: f64, name: &str| match sweep
        .iter()
        .find(|f| figure(f).is_some_and(|v| v >= floor - 1e-12))
    {
        Some(chosen) => (
            Some(chosen.clone()),
            format!(
                "the lowest threshold whose {name} reaches {:.1} %",
                100.0 * floor
            ),
        ),
        None => (
            None,
            format!("no threshold reaches {name} {:.1} %", 100.0 * floor),
        ),
    };
    let has_oos = sweep.iter().any(|f| f.oos_recall.is_some());
    let (chosen, why) = match objective {
        Objective::Balanced if has_oos => best_of(|f| f.balanced_accuracy, "balanced accuracy"),
        Objective::Balanced => {
            let (chosen, why) = best_of(|f| f.routing_accuracy, "routing accuracy");
            (
                chosen,
                format!("no out-of-scope questions, so balanced accuracy is undefined: {why}"),
            )
        }
        Objective::Accuracy => best_of(|f| f.routing_accuracy, "routing accuracy"),
        Objective::Precision(floor) => lowest_reaching(|f| f.precision, floor, "precision"),
        Objective::OosRecall(floor) => {
            lowest_reaching(|f| f.oos_recall, floor, "out-of-scope recall")
        }
    };
    Recommendation {
        objective: objective.to_string(),
        threshold: chosen.as_ref().map(|f| f.threshold),
        figures: chosen,
        why,
    }
}
