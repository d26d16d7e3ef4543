//! How actions change the evaluation view ([`super::eval`]) and how its runs land
//! ([`App::on_eval_report`]). No drawing and no I/O: running, listing and writing are
//! [`Effect`]s the runtime carries out.

use crate::text::sanitize_line;

use super::action::{Action, Ask, Effect};
use super::eval::{EvalPage, EvalReport, EvalState, EvalView};
use super::keymap::Mode;
use super::state::App;
use super::tab::{Exchange, Reply};

impl App {
    /// Opens the evaluation view (the sets of `tests/` are listed first).
    pub(super) fn open_eval(&mut self) -> Vec<Effect> {
        if self.eval.is_none() {
            self.eval = Some(EvalView {
                threshold: crate::flow::DEFAULT_MIN_CONFIDENCE,
                ..EvalView::default()
            });
        }
        self.eval_shown = true;
        match self.eval.as_ref().map(|v| &v.state) {
            Some(EvalState::Running { .. }) => Vec::new(),
            _ => {
                if let Some(view) = self.eval.as_mut() {
                    view.state = EvalState::Listing;
                }
                vec![Effect::ListSets]
            }
        }
    }

    /// Handles `action` while the evaluation view is shown.
    pub(super) fn eval_update(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let view = self.eval.as_mut()?;
        if view.confirm_write {
            return match action {
                Action::Answer(super::action::Choice::Yes) => {
                    view.confirm_write = false;
                    self.status = Some(format!(
                        "Writing minConfidence {:.2} into the master's flow…",
                        view.threshold
                    ));
                    let hundredths = (view.threshold * 100.0).round().clamp(0.0, 100.0) as u32;
                    Some(vec![Effect::WriteThreshold(hundredths)])
                }
                Action::Answer(_) => {
                    view.confirm_write = false;
                    Some(Vec::new())
                }
                Action::Quit => Some(vec![Effect::Quit]),
                _ => Some(Vec::new()),
            };
        }
        let effects = match action {
            Action::CloseEval => {
                self.eval_shown = false;
                Vec::new()
            }
            Action::EvalPage(step) => {
                let pages = EvalPage::ALL.len() as i32;
                let at = EvalPage::ALL
                    .iter()
                    .position(|p| *p == view.page)
                    .unwrap_or(0) as i32;
                view.page = EvalPage::ALL[(at + step).rem_euclid(pages) as usize];
                Vec::new()
            }
            Action::EvalThreshold(hundredths) => {
                let threshold = view.threshold + f64::from(*hundredths) / 100.0;
                view.set_threshold(threshold);
                Vec::new()
            }
            Action::EvalRecommended => {
                match view.run.as_ref().and_then(|r| r.recommended.threshold) {
                    Some(threshold) => view.set_threshold(threshold),
                    None => self.status = Some("No threshold is recommended for this set.".into()),
                }
                Vec::new()
            }
            Action::EvalWrite => {
                if view.run.is_some() {
                    view.confirm_write = true;
                }
                Vec::new()
            }
            Action::EvalRerun => match view.run.as_ref().map(|r| r.file.clone()) {
                Some(file) => self.start_eval(file),
                None => vec![Effect::ListSets],
            },
            Action::ScrollDown(n) | Action::ScrollUp(n) => {
                let down = matches!(action, Action::ScrollDown(_));
                if view.state == EvalState::Picking {
                    let last = view.files.len().saturating_sub(1);
                    view.picked = if down {
                        (view.picked + 1).min(last)
                    } else {
                        view.picked.saturating_sub(1)
                    };
                } else {
                    let last = view.misrouted().len().saturating_sub(1);
                    view.selected = if down {
                        (view.selected + *n).min(last)
                    } else {
                        view.selected.saturating_sub(*n)
                    };
                    view.page = EvalPage::Misrouted;
                }
                Vec::new()
            }
            Action::EvalOpen => {
                if view.state == EvalState::Picking {
                    match view.files.get(view.picked).cloned() {
                        Some(file) => self.start_eval(file),
                        None => Vec::new(),
                    }
                } else {
                    self.open_misrouted()
                }
            }
            Action::Quit => vec![Effect::Quit],
            Action::Help | Action::Resize(..) => return None,
            _ => Vec::new(),
        };
        Some(effects)
    }

    /// Runs `file` (the run shown now becomes the one to compare with, if it is the same
    /// file).
    fn start_eval(&mut self, file: String) -> Vec<Effect> {
        let Some(view) = self.eval.as_mut() else {
            return Vec::new();
        };
        view.state = EvalState::Running {
            file: file.clone(),
            done: 0,
            total: 0,
        };
        vec![Effect::RunEval { file }]
    }

    /// Opens the highlighted misrouted question in the master's conversation: asked again,
    /// so its trace shows why it went where it went.
    fn open_misrouted(&mut self) -> Vec<Effect> {
        let Some(question) = self.eval.as_ref().and_then(|v| {
            v.misrouted()
                .get(v.selected)
                .map(|o| o.question.text.clone())
        }) else {
            return Vec::new();
        };
        let Some(master) = self.tabs.iter().position(|t| t.is_master) else {
            self.status = Some("There is no master to ask.".into());
            return Vec::new();
        };
        self.eval_shown = false;
        self.active = master;
        self.mode = Mode::Normal;
        self.focus = super::state::Focus::Trace;
        let id = self.next_id;
        self.next_id += 1;
        let tab = &mut self.tabs[master];
        tab.exchanges.push(Exchange {
            id,
            question: question.clone(),
            reply: Reply::Thinking,
        });
        tab.selected = None;
        tab.trace_selected = 0;
        tab.trace_top = 0;
        tab.scroll = super::tab::Scroll::Follow;
        vec![Effect::Ask(Ask {
            tab: master,
            id,
            bot: tab.bot_id.clone(),
            question,
        })]
    }

    /// Takes what evaluation work reported; returns follow-up work.
    pub fn on_eval_report(&mut self, report: EvalReport) -> Vec<Effect> {
        let Some(view) = self.eval.as_mut() else {
            return Vec::new();
        };
        match report {
            EvalReport::Sets(files) => {
                view.files = files;
                view.picked = view.picked.min(view.files.len().saturating_sub(1));
                match view.files.len() {
                    0 => {
                        view.state = EvalState::Failed(
                            "No labelled set in the workspace's tests/ folder. L on a turn of the \
                             master's conversation records one (tests/chats.jsonl)."
                                .into(),
                        );
                    }
                    1 => {
                        let file = view.files[0].clone();
                        return self.start_eval(file);
                    }
                    _ => view.state = EvalState::Picking,
                }
            }
            EvalReport::Progress { done, total } => {
                if let EvalState::Running {
                    done: d, total: t, ..
                } = &mut view.state
                {
                    *d = done;
                    *t = total;
                }
            }
            EvalReport::Done(Ok(run)) => {
                let first = view.run.is_none();
                let previous = view.run.take().filter(|r| r.file == run.file);
                if first {
                    view.threshold = run.flow_threshold;
                }
                view.previous = previous;
                view.run = Some(*run);
                view.state = EvalState::Shown;
                let threshold = view.threshold;
                view.set_threshold(threshold);
            }
            EvalReport::Done(Err(error)) => {
                view.state = EvalState::Failed(sanitize_line(&error));
            }
            EvalReport::Written(Ok(line)) => {
                if let Some(run) = view.run.as_mut() {
                    run.flow_threshold = view.threshold;
                }
                self.status = Some(sanitize_line(&line));
                return vec![Effect::ReloadBot {
                    bot: crate::workspace::MASTER_ID.to_string(),
                }];
            }
            EvalReport::Written(Err(error)) => self.status = Some(sanitize_line(&error)),
        }
        Vec::new()
    }
}
