//! What the user can ask the app to do ([`Action`]), what the app asks the runtime to do in
//! return ([`Effect`]), and what the runtime reports back ([`Answer`]).

use crossterm::event::KeyEvent;

use crate::Turn;
use crate::history::History;

/// One thing the user asked for. Keys map to actions through the keymap; tests send actions
/// (or keys) through the same [`App::update`](super::app::App::update) path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Leave the app.
    Quit,
    /// Open the help popup.
    Help,
    /// Open the list of workspace problems.
    Problems,
    /// Close the open popup.
    ClosePopup,
    /// Switch to normal mode (single-key commands).
    NormalMode,
    /// Switch to typing mode (the input line).
    TypingMode,
    /// Send the input line to the current tab's bot.
    Submit,
    /// Edit the input line with this key (typing mode's unbound keys).
    Edit(KeyEvent),
    /// Insert pasted text into the input line.
    Paste(String),
    /// Next tab.
    NextTab,
    /// Previous tab.
    PrevTab,
    /// The tab at this index (0-based).
    SelectTab(usize),
    /// Scroll up this many rows (the conversation, or the open popup).
    ScrollUp(usize),
    /// Scroll down this many rows.
    ScrollDown(usize),
    /// Scroll up a page.
    PageUp,
    /// Scroll down a page.
    PageDown,
    /// Scroll to the top.
    Top,
    /// Scroll to the bottom and follow new messages.
    Bottom,
    /// Show the trace of the turn before the selected one.
    OlderTurn,
    /// Show the trace of the turn after the selected one.
    NewerTurn,
    /// Hand off: switch to the best delegated bot's tab and ask it the same question.
    TalkTo,
    /// The terminal now has this size (columns, rows).
    Resize(u16, u16),
    /// Move the focus between the conversation and the trace pane.
    ToggleFocus,
    /// Open the bot picker (fuzzy, by id or name).
    Picker,
    /// In the bot picker: switch to the highlighted bot.
    Pick,
    /// A readline command on the input line.
    Line(LineEdit),
    /// The previous question asked of this tab's bot (input history).
    HistoryPrev,
    /// The next question in the input history (or back to what was being typed).
    HistoryNext,
    /// Open the QnA view of this tab's bot (or, with the trace focused, of the selected
    /// row's bot at its entry).
    OpenQna,
    /// Leave the QnA view (asks first when a draft is unsaved).
    CloseQna,
    /// In the QnA view: type into the filter.
    Filter,
    /// Stop typing into the filter, keeping it.
    FilterDone,
    /// Stop typing into the filter and clear it.
    FilterClear,
    /// Open the selected entry in the editor.
    EditEntry,
    /// Start a new entry in the editor.
    AddEntry,
    /// Delete the selected entry (asks first).
    DeleteEntry,
    /// Enable or disable the selected entry (saved at once), or the draft's flag.
    ToggleEnabled,
    /// The editor's next field.
    NextField,
    /// The editor's previous field.
    PrevField,
    /// Save the draft.
    SaveEntry,
    /// Close the editor (asks first when the draft is unsaved).
    CloseEditor,
    /// Edit the draft in `$EDITOR`.
    ExternalEditor,
    /// Ask the last question of the conversation the QnA view was opened from again.
    Reask,
    /// Scroll the QnA view's detail pane.
    DetailScroll(i32),
    /// Switch the QnA view between entries and replies (content elements).
    ShowReplies,
    /// Read the whole workspace from disk again and show what changed.
    ReloadAll,
    /// Expand (or fold) the selected trace row into the explanation of its score.
    Explain,
    /// Open the evaluation view.
    OpenEval,
    /// Record the master's shown turn as a labelled test case (opens the prompt).
    OpenRecord,
    /// Record prompt: the question is right as the master routed it.
    RecordAsRouted,
    /// Record prompt: no bot should answer the question.
    RecordNoBot,
    /// Record prompt: the highlighted bot should answer (with its entry in the turn, or
    /// the bot alone).
    RecordPicked {
        /// Label the entry too.
        with_entry: bool,
    },
    /// Close the evaluation view (its last run is kept).
    CloseEval,
    /// Evaluation view: the next (1) or previous (-1) page.
    EvalPage(i32),
    /// Evaluation view: move the threshold marker by this many hundredths.
    EvalThreshold(i32),
    /// Evaluation view: put the marker on the recommended threshold.
    EvalRecommended,
    /// Evaluation view: write the marker into the master's flow (asks first).
    EvalWrite,
    /// Evaluation view: run the set again (and compare with this run).
    EvalRerun,
    /// Evaluation view: run the picked set, or open the highlighted misrouted question.
    EvalOpen,
    /// Recovery prompt: restore the highlighted draft into its editor.
    RecoverRestore,
    /// Recovery prompt: discard the highlighted draft.
    RecoverDiscard,
    /// Recovery prompt: show the difference with the file now, or the draft's text.
    RecoverDiff,
    /// Recovery prompt: decide at the next start (the drafts stay on disk).
    RecoverLater,
    /// Answer the open question: yes (`Some(true)`), no, or a letter (reload/overwrite).
    Answer(Choice),
}

/// An answer to a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Go ahead.
    Yes,
    /// Do not.
    No,
    /// Conflict: read the file again (the draft is dropped).
    Reload,
    /// Conflict: write the draft over the file.
    Overwrite,
}

/// Readline commands on the input line (the rest of its keys are the textarea's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEdit {
    /// Delete from the start of the line to the cursor (kept for [`LineEdit::Yank`]).
    ClearToStart,
    /// Delete from the cursor to the end of the line (kept for [`LineEdit::Yank`]).
    KillToEnd,
    /// Delete the word before the cursor.
    DeleteWordBack,
    /// Cursor to the start of the line.
    Start,
    /// Cursor to the end of the line.
    End,
    /// Insert the text deleted last.
    Yank,
    /// Undo the last edit.
    Undo,
    /// Redo what was undone.
    Redo,
}

/// Work the app wants done outside itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask a bot a question (runs off the UI task; reports an [`Answer`]).
    Ask(Ask),
    /// Leave the app, restoring the terminal.
    Quit,
    /// Save the input history (the whole of it; runs off the UI task, latest save wins).
    SaveHistory(History),
    /// Read a bot's entries and index them for the filter (reports [`QnaReport::Opened`]).
    OpenQna {
        /// The bot.
        bot: String,
    },
    /// Filter a bot's entries (reports [`QnaReport::Found`]).
    FindEntries {
        /// The bot.
        bot: String,
        /// What was typed.
        filter: String,
        /// The search's number (only the latest result is kept).
        seq: u64,
    },
    /// Save one entry, then re-index its bot (reports [`QnaReport::Saved`], then
    /// [`QnaReport::Reindexed`]).
    SaveEntry(SaveEntry),
    /// Save the text of one content element, then re-index its bot.
    SaveElement {
        /// The bot.
        bot: String,
        /// The element.
        element_id: String,
        /// Its new text (in the bot's default language).
        text: String,
        /// The version of the elements file the edit began from; a different one on disk is
        /// a conflict (`None`: the version the engine read).
        expected: Option<crate::workspace::FileVersion>,
        /// Write even if the file changed on disk since it was read.
        overwrite: bool,
    },
    /// Delete one entry, then re-index its bot.
    DeleteEntry {
        /// The bot.
        bot: String,
        /// The entry.
        entry_id: String,
    },
    /// Read a bot's folder from disk again and re-index it (reports
    /// [`QnaReport::Reindexed`]).
    ReloadBot {
        /// The bot.
        bot: String,
    },
    /// Read the whole workspace from disk again (reports what changed).
    ReloadAll,
    /// Suspend the UI and edit this text in `$EDITOR` (reports [`QnaReport::Edited`]).
    ExternalEdit(String),
    /// List the labelled sets of the workspace's `tests/` (reports `EvalReport::Sets`).
    ListSets,
    /// Run a labelled set of `tests/` (reports progress, then `EvalReport::Done`).
    RunEval {
        /// Its file name in `tests/`.
        file: String,
    },
    /// Write this threshold, in hundredths (the marker's steps), into the master's flow
    /// (reports `EvalReport::Written`).
    WriteThreshold(u32),
    /// Append a labelled case to a set of `tests/` (reports `Finished::Recorded`).
    RecordCase {
        /// The set's file name.
        file: String,
        /// The case.
        case: crate::eval::record::Case,
    },
    /// Take a recovered draft out of the recovery folder (restored or discarded).
    ForgetDraft {
        /// The session that left it.
        session: String,
        /// The draft.
        draft: crate::workspace::recovery::Draft,
    },
}

/// One entry to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveEntry {
    /// The bot.
    pub bot: String,
    /// The entry's id; `None` for a new entry.
    pub entry_id: Option<String>,
    /// What to save.
    pub fields: super::qna::EntryFields,
    /// The version of the entry's file the edit began from; a different one on disk is a
    /// conflict (`None`: the version the engine read).
    pub expected: Option<crate::workspace::FileVersion>,
    /// Write even if the file changed on disk since it was read.
    pub overwrite: bool,
}

/// What came back for a QnA effect.
#[derive(Debug, Clone, PartialEq)]
pub enum QnaReport {
    /// A bot's entries, in file order, ready to filter.
    Opened {
        /// The bot.
        bot: String,
        /// The language edited.
        language: String,
        /// The entries, or why they could not be read.
        entries: Result<Vec<crate::workspace::QnaEntry>, String>,
        /// The content elements.
        elements: Vec<crate::workspace::ContentElement>,
    },
    /// A filter's result.
    Found {
        /// The bot.
        bot: String,
        /// The search's number.
        seq: u64,
        /// Positions in the entries, best first, or why the search failed.
        positions: Result<Vec<usize>, String>,
    },
    /// A save or deletion finished.
    Saved {
        /// The bot.
        bot: String,
        /// The entry id saved (or deleted), or why not.
        outcome: Result<String, SaveFailure>,
    },
    /// How far re-indexing a bot has come (a large bot reports as it goes).
    Reindexing {
        /// The bot.
        bot: String,
        /// How far it has come.
        step: crate::ReindexStep,
    },
    /// A bot was indexed again (after a save, or a change on disk).
    Reindexed {
        /// The bot.
        bot: String,
        /// The change came from outside interbot (another editor, `interbot qna`, `git pull`).
        outside: bool,
        /// What changed, in a few words.
        changes: String,
        /// Its entries now, or why indexing failed.
        entries: Result<Vec<crate::workspace::QnaEntry>, String>,
        /// Its content elements now.
        elements: Vec<crate::workspace::ContentElement>,
        /// How long re-reading and indexing took, in milliseconds.
        millis: u64,
    },
    /// `$EDITOR` finished: the edited text, or why there is none.
    Edited(Result<String, String>),
}

/// Why a save did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveFailure {
    /// What went wrong, for the user.
    pub message: String,
    /// The file changed on disk since it was read (reload or overwrite).
    pub conflict: bool,
}

/// One question for one bot, on behalf of one conversation turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// The tab whose conversation asked.
    pub tab: usize,
    /// The turn waiting for the answer (unique in the app).
    pub id: u64,
    /// The bot to ask.
    pub bot: String,
    /// The question.
    pub question: String,
}

/// What came back for an [`Ask`].
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The tab that asked.
    pub tab: usize,
    /// The turn it answers.
    pub id: u64,
    /// The turn, or why there is none.
    pub result: Result<Turn, String>,
}
