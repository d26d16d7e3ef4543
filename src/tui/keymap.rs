//! The keymap: per mode, which key does what. It is the single source of the key handling,
//! the footer hints and the help popup, so they can never disagree.
//!
//! Only key presses are looked up (the event loop drops repeats and releases). In typing mode
//! every key the table does not bind edits the input line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Choice, LineEdit};

/// Which keys apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Typing in the input line.
    Typing,
    /// Single-key commands.
    Normal,
    /// A popup (help, problems) is open.
    Popup,
    /// The bot picker is open (typing filters it).
    Picker,
    /// The QnA view's list of entries.
    Qna,
    /// Typing into the QnA view's filter.
    Filter,
    /// The entry editor.
    Editor,
    /// A question (delete? discard? reload or overwrite?) waits for its answer.
    Confirm,
    /// The prompt offering drafts an earlier session left unsaved.
    Recovery,
    /// The evaluation view.
    Eval,
    /// The prompt recording a turn as a test case.
    Record,
}

/// A key with its modifiers (Shift is implied by the character itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Control / Alt.
    pub mods: KeyModifiers,
}

impl Key {
    /// Whether a key event is this key. Shift is ignored for characters and Shift-Tab, whose
    /// codes already say it (`G`, `?`, `BackTab`).
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let mut mods = event.modifiers;
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        self.code == event.code && self.mods == mods
    }

    /// How the key is written in hints and help.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

/// What a key of a binding does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// This action.
    Do(Action),
    /// `SelectTab(digit - 1)` for the digit pressed.
    TabByDigit,
}

/// One row of the keymap: keys, the modes they work in, and how help and footer name them.
#[derive(Debug)]
pub struct Binding {
    /// Modes the keys work in.
    pub modes: &'static [Mode],
    /// Each key and what it does (a row may hold a pair, like next/previous).
    pub keys: &'static [(Key, Bound)],
    /// How help writes the keys, when not from `keys` (`1…9`, "other keys").
    pub label: Option<&'static str>,
    /// What the row does, for help.
    pub help: &'static str,
    /// The footer's short text ("" for none) …
    pub hint: &'static str,
    /// … and the modes whose footer shows it.
    pub hint_in: &'static [Mode],
}

use Mode::{Confirm, Editor, Eval, Filter, Normal, Picker, Popup, Qna, Record, Recovery, Typing};

const NTPK: &[Mode] = &[
    Normal, Typing, Popup, Picker, Qna, Filter, Editor, Confirm, Recovery, Eval, Record,
];
const EV: &[Mode] = &[Eval];
const RE: &[Mode] = &[Record];
const RC: &[Mode] = &[Recovery];
const Q: &[Mode] = &[Qna];
const F: &[Mode] = &[Filter];
const E: &[Mode] = &[Editor];
const C: &[Mode] = &[Confirm];
const TN: &[Mode] = &[Typing, Normal];
const N: &[Mode] = &[Normal];
const T: &[Mode] = &[Typing];
const P: &[Mode] = &[Popup];
const K: &[Mode] = &[Picker];
const NONE: &[Mode] = &[];

const DIGITS: [(Key, Bound); 9] = [
    (ch('1'), Bound::TabByDigit),
    (ch('2'), Bound::TabByDigit),
    (ch('3'), Bound::TabByDigit),
    (ch('4'), Bound::TabByDigit),
    (ch('5'), Bound::TabByDigit),
    (ch('6'), Bound::TabByDigit),
    (ch('7'), Bound::TabByDigit),
    (ch('8'), Bound::TabByDigit),
    (ch('9'), Bound::TabByDigit),
];

/// The keymap, in footer order.
pub static BINDINGS: &[Binding] = &[
    Binding {
        modes: T,
        keys: &[(code(KeyCode::Enter), Bound::Do(Action::Submit))],
        label: None,
        help: "send the question",
        hint: "send",
        hint_in: T,
    },
    Binding {
        modes: T,
        keys: &[(code(KeyCode::Esc), Bound::Do(Action::NormalMode))],
        label: None,
        help: "normal mode",
        hint: "normal mode",
        hint_in: T,
    },
    Binding {
        modes: N,
        keys: &[(ch('i'), Bound::Do(Action::TypingMode))],
        label: None,
        help: "typing mode",
        hint: "type",
        hint_in: N,
    },
    Binding {
        modes: N,
        keys: &[
            (code(KeyCode::Tab), Bound::Do(Action::ToggleFocus)),
            (code(KeyCode::BackTab), Bound::Do(Action::ToggleFocus)),
        ],
        label: None,
        help: "switch pane focus",
        hint: "focus",
        hint_in: N,
    },
    Binding {
        modes: N,
        keys: &[
            (ch('t'), Bound::Do(Action::TalkTo)),
            (ch('x'), Bound::Do(Action::Explain)),
        ],
        label: None,
        help: "talk to / explain",
        hint: "talk/explain",
        hint_in: N,
    },
    Binding {
        modes: N,
        keys: &[
            (ch('j'), Bound::Do(Action::ScrollDown(1))),
            (ch('k'), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
        ],
        label: None,
        help: "scroll / select row",
        hint: "move",
        hint_in: N,
    },
    Binding {
        modes: N,
        keys: &[(ch('b'), Bound::Do(Action::Picker))],
        label: None,
        help: "bot picker (fuzzy)",
        hint: "bots",
        hint_in: N,
    },
    Binding {
        modes: N,
        keys: &[
            (ch('K'), Bound::Do(Action::OlderTurn)),
            (ch('J'), Bound::Do(Action::NewerTurn)),
            (ch('{'), Bound::Do(Action::OlderTurn)),
            (ch('}'), Bound::Do(Action::NewerTurn)),
        ],
        label: None,
        help: "older / newer turn",
        hint: "turn",
        hint_in: N,
    },
    Binding {
        modes: T,
        keys: &[
            (code(KeyCode::Tab), Bound::Do(Action::NextTab)),
            (code(KeyCode::BackTab), Bound::Do(Action::PrevTab)),
        ],
        label: None,
        help: "next / previous bot",
        hint: "bot",
        hint_in: T,
    },
    Binding {
        modes: T,
        keys: &[
            (code(KeyCode::Up), Bound::Do(Action::HistoryPrev)),
            (code(KeyCode::Down), Bound::Do(Action::HistoryNext)),
            (ctrl('p'), Bound::Do(Action::HistoryPrev)),
            (ctrl('n'), Bound::Do(Action::HistoryNext)),
        ],
        label: Some("↑ ↓ Ctrl-P/N"),
        help: "history of this bot",
        hint: "history",
        hint_in: T,
    },
    Binding {
        modes: T,
        keys: &[
            (ctrl('u'), Bound::Do(Action::Line(LineEdit::ClearToStart))),
            (ctrl('k'), Bound::Do(Action::Line(LineEdit::KillToEnd))),
            (ctrl('w'), Bound::Do(Action::Line(LineEdit::DeleteWordBack))),
        ],
        label: Some("Ctrl-U/K/W"),
        help: "cut: start/end/word",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: T,
        keys: &[
            (ctrl('a'), Bound::Do(Action::Line(LineEdit::Start))),
            (ctrl('e'), Bound::Do(Action::Line(LineEdit::End))),
            (ctrl('y'), Bound::Do(Action::Line(LineEdit::Yank))),
        ],
        label: Some("Ctrl-A/E/Y"),
        help: "start / end / yank",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: T,
        keys: &[
            (ctrl('z'), Bound::Do(Action::Line(LineEdit::Undo))),
            // Ctrl-_ (readline's undo) arrives as Ctrl-7 from legacy terminals.
            (ctrl('7'), Bound::Do(Action::Line(LineEdit::Undo))),
            (ctrl('_'), Bound::Do(Action::Line(LineEdit::Undo))),
            (ctrl('r'), Bound::Do(Action::Line(LineEdit::Redo))),
        ],
        label: Some("Ctrl-Z/R"),
        help: "undo / redo",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: N,
        keys: &DIGITS,
        label: Some("1…9"),
        help: "bot by number",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: N,
        keys: &[
            (ch(']'), Bound::Do(Action::NextTab)),
            (ch('['), Bound::Do(Action::PrevTab)),
            (ch('l'), Bound::Do(Action::NextTab)),
            (ch('h'), Bound::Do(Action::PrevTab)),
            (code(KeyCode::Right), Bound::Do(Action::NextTab)),
            (code(KeyCode::Left), Bound::Do(Action::PrevTab)),
        ],
        label: None,
        help: "next / previous bot",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: TN,
        keys: &[
            (code(KeyCode::PageUp), Bound::Do(Action::PageUp)),
            (code(KeyCode::PageDown), Bound::Do(Action::PageDown)),
        ],
        label: None,
        help: "page up / down",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: N,
        keys: &[
            (ch('g'), Bound::Do(Action::Top)),
            (ch('G'), Bound::Do(Action::Bottom)),
            (code(KeyCode::Home), Bound::Do(Action::Top)),
            (code(KeyCode::End), Bound::Do(Action::Bottom)),
        ],
        label: None,
        help: "top / bottom (follow)",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: N,
        keys: &[
            (ch('e'), Bound::Do(Action::OpenQna)),
            (ch('E'), Bound::Do(Action::OpenEval)),
            (ch('L'), Bound::Do(Action::OpenRecord)),
        ],
        label: None,
        help: "QnA / eval / label",
        hint: "QnA/eval",
        hint_in: N,
    },
    Binding {
        modes: Q,
        keys: &[
            (ch('j'), Bound::Do(Action::ScrollDown(1))),
            (ch('k'), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::PageDown), Bound::Do(Action::PageDown)),
            (code(KeyCode::PageUp), Bound::Do(Action::PageUp)),
            (ch('g'), Bound::Do(Action::Top)),
            (ch('G'), Bound::Do(Action::Bottom)),
        ],
        label: Some("j k ↑ ↓ g G"),
        help: "select",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: Q,
        keys: &[(ch('/'), Bound::Do(Action::Filter))],
        label: None,
        help: "filter",
        hint: "filter",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[
            (code(KeyCode::Enter), Bound::Do(Action::EditEntry)),
            (ch('e'), Bound::Do(Action::EditEntry)),
        ],
        label: None,
        help: "edit",
        hint: "edit",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[(ch('a'), Bound::Do(Action::AddEntry))],
        label: None,
        help: "add",
        hint: "add",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[(ch('d'), Bound::Do(Action::DeleteEntry))],
        label: None,
        help: "delete (asks)",
        hint: "delete",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[(ch(' '), Bound::Do(Action::ToggleEnabled))],
        label: None,
        help: "on / off (saves)",
        hint: "on/off",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[(ch('c'), Bound::Do(Action::ShowReplies))],
        label: None,
        help: "entries / replies (content elements)",
        hint: "replies",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[(ch('r'), Bound::Do(Action::Reask))],
        label: None,
        help: "re-ask last question",
        hint: "re-ask",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[(ch('R'), Bound::Do(Action::ReloadAll))],
        label: None,
        help: "reload the workspace",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: Q,
        keys: &[
            (ch('J'), Bound::Do(Action::DetailScroll(1))),
            (ch('K'), Bound::Do(Action::DetailScroll(-1))),
        ],
        label: None,
        help: "scroll details",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: Q,
        keys: &[
            (code(KeyCode::Esc), Bound::Do(Action::CloseQna)),
            (ch('q'), Bound::Do(Action::CloseQna)),
        ],
        label: None,
        help: "back",
        hint: "back",
        hint_in: Q,
    },
    Binding {
        modes: Q,
        keys: &[
            (ch('?'), Bound::Do(Action::Help)),
            (code(KeyCode::F(1)), Bound::Do(Action::Help)),
        ],
        label: None,
        help: "help",
        hint: "help",
        hint_in: Q,
    },
    Binding {
        modes: F,
        keys: &[
            (code(KeyCode::Enter), Bound::Do(Action::FilterDone)),
            (code(KeyCode::Esc), Bound::Do(Action::FilterClear)),
        ],
        label: None,
        help: "keep / clear the filter",
        hint: "keep/clear",
        hint_in: F,
    },
    Binding {
        modes: F,
        keys: &[
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
        ],
        label: None,
        help: "select an entry",
        hint: "move",
        hint_in: F,
    },
    Binding {
        modes: F,
        keys: &[],
        label: Some("other keys"),
        help: "type the filter",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: E,
        keys: &[(ctrl('s'), Bound::Do(Action::SaveEntry))],
        label: None,
        help: "save, re-index",
        hint: "save",
        hint_in: E,
    },
    Binding {
        modes: E,
        keys: &[
            (code(KeyCode::Tab), Bound::Do(Action::NextField)),
            (code(KeyCode::BackTab), Bound::Do(Action::PrevField)),
        ],
        label: None,
        help: "next / previous field",
        hint: "field",
        hint_in: E,
    },
    Binding {
        modes: E,
        keys: &[(ctrl('t'), Bound::Do(Action::ToggleEnabled))],
        label: None,
        help: "enable / disable",
        hint: "on/off",
        hint_in: E,
    },
    Binding {
        modes: E,
        keys: &[(ctrl('o'), Bound::Do(Action::ExternalEditor))],
        label: None,
        help: "edit in $EDITOR",
        hint: "$EDITOR",
        hint_in: E,
    },
    Binding {
        modes: E,
        keys: &[(code(KeyCode::Esc), Bound::Do(Action::CloseEditor))],
        label: None,
        help: "close (asks)",
        hint: "close",
        hint_in: E,
    },
    Binding {
        modes: E,
        keys: &[],
        label: Some("other keys"),
        help: "edit; S-arrows select; Ctrl-U/R undo/redo; Ctrl-X/Y cut/paste",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: RC,
        keys: &[
            (ch('r'), Bound::Do(Action::RecoverRestore)),
            (code(KeyCode::Enter), Bound::Do(Action::RecoverRestore)),
        ],
        label: None,
        help: "restore into its editor",
        hint: "restore",
        hint_in: RC,
    },
    Binding {
        modes: RC,
        keys: &[(ch('d'), Bound::Do(Action::RecoverDiscard))],
        label: None,
        help: "discard",
        hint: "discard",
        hint_in: RC,
    },
    Binding {
        modes: RC,
        keys: &[(ch('v'), Bound::Do(Action::RecoverDiff))],
        label: None,
        help: "difference with the file / draft",
        hint: "diff",
        hint_in: RC,
    },
    Binding {
        modes: RC,
        keys: &[
            (ch('j'), Bound::Do(Action::ScrollDown(1))),
            (ch('k'), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
        ],
        label: None,
        help: "select a draft",
        hint: "move",
        hint_in: RC,
    },
    Binding {
        modes: RC,
        keys: &[
            (ch('J'), Bound::Do(Action::DetailScroll(1))),
            (ch('K'), Bound::Do(Action::DetailScroll(-1))),
        ],
        label: None,
        help: "scroll the text",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: RC,
        keys: &[(code(KeyCode::Esc), Bound::Do(Action::RecoverLater))],
        label: None,
        help: "later (offered at the next start)",
        hint: "later",
        hint_in: RC,
    },
    Binding {
        modes: RC,
        keys: &[
            (ch('?'), Bound::Do(Action::Help)),
            (code(KeyCode::F(1)), Bound::Do(Action::Help)),
        ],
        label: None,
        help: "help",
        hint: "help",
        hint_in: RC,
    },
    Binding {
        modes: C,
        keys: &[
            (ch('y'), Bound::Do(Action::Answer(Choice::Yes))),
            (code(KeyCode::Enter), Bound::Do(Action::Answer(Choice::Yes))),
            (ch('n'), Bound::Do(Action::Answer(Choice::No))),
            (code(KeyCode::Esc), Bound::Do(Action::Answer(Choice::No))),
        ],
        label: None,
        help: "yes / no",
        hint: "yes/no",
        hint_in: C,
    },
    Binding {
        modes: C,
        keys: &[
            (ch('r'), Bound::Do(Action::Answer(Choice::Reload))),
            (ch('o'), Bound::Do(Action::Answer(Choice::Overwrite))),
        ],
        label: None,
        help: "reload / overwrite",
        hint: "reload/overwrite",
        hint_in: C,
    },
    Binding {
        modes: RE,
        keys: &[
            (ch('r'), Bound::Do(Action::RecordAsRouted)),
            (ch('n'), Bound::Do(Action::RecordNoBot)),
        ],
        label: None,
        help: "right as routed / no bot should answer",
        hint: "as routed/no bot",
        hint_in: RE,
    },
    Binding {
        modes: RE,
        keys: &[
            (
                code(KeyCode::Enter),
                Bound::Do(Action::RecordPicked { with_entry: true }),
            ),
            (
                ch('b'),
                Bound::Do(Action::RecordPicked { with_entry: false }),
            ),
        ],
        label: None,
        help: "this bot and entry / this bot only",
        hint: "pick/bot only",
        hint_in: RE,
    },
    Binding {
        modes: RE,
        keys: &[
            (ch('j'), Bound::Do(Action::ScrollDown(1))),
            (ch('k'), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
        ],
        label: None,
        help: "select a bot",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: RE,
        keys: &[(code(KeyCode::Esc), Bound::Do(Action::ClosePopup))],
        label: None,
        help: "cancel",
        hint: "cancel",
        hint_in: RE,
    },
    Binding {
        modes: EV,
        keys: &[
            (code(KeyCode::Tab), Bound::Do(Action::EvalPage(1))),
            (code(KeyCode::BackTab), Bound::Do(Action::EvalPage(-1))),
        ],
        label: None,
        help: "next / previous page",
        hint: "page",
        hint_in: EV,
    },
    Binding {
        modes: EV,
        keys: &[
            (code(KeyCode::Right), Bound::Do(Action::EvalThreshold(1))),
            (code(KeyCode::Left), Bound::Do(Action::EvalThreshold(-1))),
            (ch('l'), Bound::Do(Action::EvalThreshold(1))),
            (ch('h'), Bound::Do(Action::EvalThreshold(-1))),
            (ch('L'), Bound::Do(Action::EvalThreshold(5))),
            (ch('H'), Bound::Do(Action::EvalThreshold(-5))),
        ],
        label: Some("→ ← l h L H"),
        help: "threshold +/− 0.01 (L H: 0.05)",
        hint: "threshold",
        hint_in: EV,
    },
    Binding {
        modes: EV,
        keys: &[(ch('a'), Bound::Do(Action::EvalRecommended))],
        label: None,
        help: "threshold at the recommended one",
        hint: "recommended",
        hint_in: EV,
    },
    Binding {
        modes: EV,
        keys: &[(ch('w'), Bound::Do(Action::EvalWrite))],
        label: None,
        help: "write it into the master's flow (asks)",
        hint: "write",
        hint_in: EV,
    },
    Binding {
        modes: EV,
        keys: &[(ch('r'), Bound::Do(Action::EvalRerun))],
        label: None,
        help: "run again, compare with this run",
        hint: "re-run",
        hint_in: EV,
    },
    Binding {
        modes: EV,
        keys: &[
            (ch('j'), Bound::Do(Action::ScrollDown(1))),
            (ch('k'), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::PageDown), Bound::Do(Action::ScrollDown(10))),
            (code(KeyCode::PageUp), Bound::Do(Action::ScrollUp(10))),
        ],
        label: Some("j k ↓ ↑ PgDn PgUp"),
        help: "select a set / a misrouted question",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: EV,
        keys: &[(code(KeyCode::Enter), Bound::Do(Action::EvalOpen))],
        label: None,
        help: "run the set / ask the question in the master's tab",
        hint: "open",
        hint_in: EV,
    },
    Binding {
        modes: EV,
        keys: &[
            (code(KeyCode::Esc), Bound::Do(Action::CloseEval)),
            (ch('q'), Bound::Do(Action::CloseEval)),
        ],
        label: None,
        help: "back to the conversation",
        hint: "back",
        hint_in: EV,
    },
    Binding {
        modes: EV,
        keys: &[
            (ch('?'), Bound::Do(Action::Help)),
            (code(KeyCode::F(1)), Bound::Do(Action::Help)),
        ],
        label: None,
        help: "help",
        hint: "help",
        hint_in: EV,
    },
    Binding {
        modes: N,
        keys: &[
            (ch('p'), Bound::Do(Action::Problems)),
            (ch('R'), Bound::Do(Action::ReloadAll)),
        ],
        label: None,
        help: "problems / reload",
        hint: "problems/reload",
        hint_in: N,
    },
    Binding {
        modes: T,
        keys: &[],
        label: Some("other keys"),
        help: "edit, Ctrl-←/→ words",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: K,
        keys: &[
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
            (ctrl('n'), Bound::Do(Action::ScrollDown(1))),
            (ctrl('p'), Bound::Do(Action::ScrollUp(1))),
        ],
        label: Some("↓ ↑ Ctrl-N/P"),
        help: "next / previous",
        hint: "move",
        hint_in: K,
    },
    Binding {
        modes: K,
        keys: &[
            (code(KeyCode::Enter), Bound::Do(Action::Pick)),
            (code(KeyCode::Esc), Bound::Do(Action::ClosePopup)),
        ],
        label: None,
        help: "pick / close",
        hint: "pick/close",
        hint_in: K,
    },
    Binding {
        modes: K,
        keys: &[],
        label: Some("other keys"),
        help: "type to filter",
        hint: "",
        hint_in: NONE,
    },
    Binding {
        modes: P,
        keys: &[
            (code(KeyCode::Esc), Bound::Do(Action::ClosePopup)),
            (ch('q'), Bound::Do(Action::ClosePopup)),
            (ch('?'), Bound::Do(Action::ClosePopup)),
            (code(KeyCode::F(1)), Bound::Do(Action::ClosePopup)),
            (code(KeyCode::Enter), Bound::Do(Action::ClosePopup)),
        ],
        label: None,
        help: "close",
        hint: "close",
        hint_in: P,
    },
    Binding {
        modes: P,
        keys: &[
            (ch('j'), Bound::Do(Action::ScrollDown(1))),
            (ch('k'), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::Down), Bound::Do(Action::ScrollDown(1))),
            (code(KeyCode::Up), Bound::Do(Action::ScrollUp(1))),
            (code(KeyCode::PageDown), Bound::Do(Action::PageDown)),
            (code(KeyCode::PageUp), Bound::Do(Action::PageUp)),
        ],
        label: None,
        help: "scroll",
        hint: "scroll",
        hint_in: P,
    },
    Binding {
        modes: N,
        keys: &[
            (ch('?'), Bound::Do(Action::Help)),
            (code(KeyCode::F(1)), Bound::Do(Action::Help)),
        ],
        label: None,
        help: "help",
        hint: "help",
        hint_in: N,
    },
    Binding {
        modes: T,
        keys: &[(code(KeyCode::F(1)), Bound::Do(Action::Help))],
        label: None,
        help: "help",
        hint: "help",
        hint_in: T,
    },
    Binding {
        modes: N,
        keys: &[(ch('q'), Bound::Do(Action::Quit))],
        label: None,
        help: "quit",
        hint: "quit",
        hint_in: N,
    },
    Binding {
        modes: NTPK,
        keys: &[(ctrl('c'), Bound::Do(Action::Quit))],
        label: None,
        help: "quit",
        hint: "quit",
        hint_in: &[Typing, Popup, Picker, Filter, Editor],
    },
];

/// Footer hints that stay when the footer is too narrow for all: the way to every other key
/// and the way out.
pub const PINNED_HINTS: &[&str] = &["help", "quit"];

/// The action for a key press in `mode`, if any. In typing mode unbound keys edit the input
/// line, in the picker its filter.
pub fn action_for(mode: Mode, event: &KeyEvent) -> Option<Action> {
    for binding in BINDINGS.iter().filter(|b| b.modes.contains(&mode)) {
        for (key, bound) in binding.keys {
            if key.matches(event) {
                return resolve(bound, event);
            }
        }
    }
    matches!(
        mode,
        Mode::Typing | Mode::Picker | Mode::Filter | Mode::Editor
    )
    .then_some(Action::Edit(*event))
}

fn resolve(bound: &Bound, event: &KeyEvent) -> Option<Action> {
    match bound {
        Bound::Do(action) => Some(action.clone()),
        Bound::TabByDigit => match event.code {
            KeyCode::Char(c) => c
                .to_digit(10)
                .filter(|d| *d > 0)
                .map(|d| Action::SelectTab(d as usize - 1)),
            _ => None,
        },
    }
}

impl Binding {
    /// Every key of the row, as help writes them.
    pub fn keys_text(&self) -> String {
        match self.label {
            Some(label) => label.to_string(),
            None => self
                .keys
                .iter()
                .map(|(k, _)| k.name())
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// The keys a footer hint names: the first key of each distinct action (at most two).
    pub fn hint_keys(&self) -> String {
        if let Some(label) = self.label {
            return label.to_string();
        }
        let mut seen: Vec<&Bound> = Vec::new();
        let mut names = Vec::new();
        for (key, bound) in self.keys {
            if !seen.contains(&bound) && names.len() < 2 {
                seen.push(bound);
                names.push(key.name());
            }
        }
        names.join("/")
    }
}

/// The footer hints of `mode`: (keys, what they do), in table order.
pub fn hints(mode: Mode) -> Vec<(String, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| !b.hint.is_empty() && b.hint_in.contains(&mode))
        .map(|b| (b.hint_keys(), b.hint))
        .collect()
}

/// One section of the help popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    /// Where the keys work.
    pub title: &'static str,
    /// (keys, what they do).
    pub rows: Vec<(String, &'static str)>,
}

/// Where the help popup was opened: its keys come first, and only the keys that can work
/// there are listed (as lazygit lists the keys of the focused view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpContext {
    /// The conversation and trace of a bot's tab.
    Chat,
    /// The QnA view and its editor.
    Qna,
    /// The prompt offering an earlier session's drafts.
    Recovery,
    /// The evaluation view.
    Eval,
}

/// Every binding that works in `context`, grouped by where it works.
pub fn help_sections(context: HelpContext) -> Vec<HelpSection> {
    let chat: &[(&[Mode], &str)] = &[
        (N, "Normal mode (Esc)"),
        (TN, "Both modes"),
        (NTPK, "Anywhere"),
        (T, "Typing mode (i)"),
        (K, "Bot picker (b)"),
        (P, "Help and problems popups"),
    ];
    let qna: &[(&[Mode], &str)] = &[
        (Q, "QnA view"),
        (F, "Filter (/)"),
        (E, "Entry editor (Enter, a)"),
        (C, "Questions (delete? discard?)"),
        (NTPK, "Anywhere"),
        (P, "Help popup"),
    ];
    let eval: &[(&[Mode], &str)] = &[
        (EV, "Evaluation view (E)"),
        (RE, "Record a turn as a test case (L)"),
        (C, "Questions (write the threshold?)"),
        (NTPK, "Anywhere"),
        (P, "Help popup"),
    ];
    let recovery: &[(&[Mode], &str)] = &[
        (RC, "Drafts an earlier session left unsaved"),
        (NTPK, "Anywhere"),
        (P, "Help popup"),
    ];
    let scopes = match context {
        HelpContext::Chat => chat,
        HelpContext::Qna => qna,
        HelpContext::Recovery => recovery,
        HelpContext::Eval => eval,
    };
    scopes
        .iter()
        .map(|(modes, title)| HelpSection {
            title,
            rows: BINDINGS
                .iter()
                .filter(|b| b.modes == *modes)
                .map(|b| (b.keys_text(), b.help))
                .collect(),
        })
        .filter(|s| !s.rows.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn every_key_maps_back_to_its_row() {
        for mode in [
            Typing, Normal, Popup, Picker, Qna, Filter, Editor, Confirm, Recovery,
        ] {
            for binding in BINDINGS.iter().filter(|b| b.modes.contains(&mode)) {
                for (key, bound) in binding.keys {
                    let event = press(key.code, key.mods);
                    let action = action_for(mode, &event);
                    assert_eq!(action, resolve(bound, &event), "{mode:?} {}", key.name());
                }
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        for mode in [
            Typing, Normal, Popup, Picker, Qna, Filter, Editor, Confirm, Recovery, Eval, Record,
        ] {
            let keys: Vec<Key> = BINDINGS
                .iter()
                .filter(|b| b.modes.contains(&mode))
                .flat_map(|b| b.keys.iter().map(|(k, _)| *k))
                .collect();
            for (i, key) in keys.iter().enumerate() {
                assert!(
                    !keys[i + 1..].contains(key),
                    "{mode:?}: {} twice",
                    key.name()
                );
            }
        }
    }

    #[test]
    fn typing_mode_binds_no_plain_character() {
        for binding in BINDINGS.iter().filter(|b| b.modes.contains(&Typing)) {
            for (key, _) in binding.keys {
                let plain = matches!(key.code, KeyCode::Char(_)) && key.mods.is_empty();
                assert!(!plain, "{} would be typed", key.name());
            }
        }
        let a = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(action_for(Typing, &a), Some(Action::Edit(a)));
    }

    #[test]
    fn shifted_characters_and_digits() {
        let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(Normal, &big_g), Some(Action::Bottom));
        let three = press(KeyCode::Char('3'), KeyModifiers::NONE);
        assert_eq!(action_for(Normal, &three), Some(Action::SelectTab(2)));
        let back = press(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(action_for(Typing, &back), Some(Action::PrevTab));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [Typing, Normal, Popup, Picker] {
            assert_eq!(action_for(mode, &ctrl_c), Some(Action::Quit));
        }
        assert_eq!(
            action_for(Normal, &press(KeyCode::Char('z'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn every_mode_has_footer_hints_and_help_lists_every_row() {
        for mode in [
            Typing, Normal, Popup, Picker, Qna, Filter, Editor, Confirm, Recovery,
        ] {
            assert!(!hints(mode).is_empty(), "{mode:?}");
        }
        let mut listed: Vec<(String, &str)> = [
            HelpContext::Chat,
            HelpContext::Qna,
            HelpContext::Recovery,
            HelpContext::Eval,
        ]
        .into_iter()
        .flat_map(help_sections)
        .flat_map(|s| s.rows)
        .collect();
        listed.sort();
        listed.dedup();
        let mut every: Vec<(String, &str)> =
            BINDINGS.iter().map(|b| (b.keys_text(), b.help)).collect();
        every.sort();
        every.dedup();
        assert_eq!(listed, every);
        assert_eq!(hints(Normal)[0], ("i".to_string(), "type"));
        assert!(hints(Normal).contains(&("K/J".to_string(), "turn")));
    }
}
