//! `interbot qna`: list, show, add, edit and remove QnA entries from scripts. Saves are atomic
//! and keep every field interbot does not know; new entries are named as Botpress names them.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use interbot::text::{sanitize_line, to_json_pretty};
use interbot::workspace::transfer::TransferFormat;
use interbot::workspace::{QnaEntry, QnaForm};
use interbot::{FileVersion, Workspace};
use serde_json::json;

use super::table::Table;

/// Arguments of `interbot qna`.
#[derive(Debug, Args)]
pub struct QnaArgs {
    #[command(subcommand)]
    command: QnaCommand,
}

#[derive(Debug, Subcommand)]
enum QnaCommand {
    /// List the entries of one bot (or of every bot).
    List {
        /// Only this bot.
        #[arg(long, value_name = "ID")]
        bot: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one entry: its questions, answers, contexts and file.
    Show {
        /// The bot.
        #[arg(long, value_name = "ID")]
        bot: String,
        /// The entry id.
        entry: String,
        /// Print the entry's file content (JSON).
        #[arg(long)]
        json: bool,
    },
    /// Add an entry (in the form the bot's other entries use); prints its id.
    Add {
        /// The bot.
        #[arg(long, value_name = "ID")]
        bot: String,
        /// A question variant (repeat for more).
        #[arg(short, long = "question", value_name = "TEXT", required = true)]
        questions: Vec<String>,
        /// An answer (repeat for more; the first is the one said).
        #[arg(short, long = "answer", value_name = "TEXT", required = true)]
        answers: Vec<String>,
    },
    /// Change an entry: add or remove question variants, replace its answers, enable or
    /// disable it.
    Edit {
        /// The bot.
        #[arg(long, value_name = "ID")]
        bot: String,
        /// The entry id.
        entry: String,
        /// A question variant to add (repeatable).
        #[arg(long = "add-question", value_name = "TEXT")]
        add: Vec<String>,
        /// A question variant to remove, as written (repeatable).
        #[arg(long = "remove-question", value_name = "TEXT")]
        remove: Vec<String>,
        /// Replace the answers with these (repeatable).
        #[arg(long = "answer", value_name = "TEXT")]
        answers: Vec<String>,
        /// Enable the entry.
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Disable the entry (kept on disk, never answered).
        #[arg(long)]
        disable: bool,
        /// Change the entry only if its file is still this version (as `qna show` or
        /// `qna list --json` printed it); otherwise change nothing and exit with 3.
        #[arg(long, value_name = "VERSION")]
        expect_version: Option<FileVersion>,
    },
    /// Export a bot's QnA: Botpress 12's export file (`{qnas, contentElements}`) or CSV.
    Export {
        /// The bot.
        #[arg(long, value_name = "ID")]
        bot: String,
        /// `json` (Botpress 12's export, importable into Botpress) or `csv`.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write to this file instead of stdout (atomically).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Import QnA into a bot from a Botpress export (JSON) or CSV: every row is checked
    /// first, and if any is bad nothing is written (each reported as FILE:LINE: reason, exit
    /// 2). Entries are merged by id: a known id replaces that entry, a new or empty id adds
    /// one.
    Import {
        /// The bot.
        #[arg(long, value_name = "ID")]
        bot: String,
        /// The file to import (`-` for stdin).
        file: std::path::PathBuf,
        /// The file's format; by default from its extension (`.csv` is CSV, else JSON).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Also remove every entry of the bot the file does not have (Botpress's
        /// "replace" import), with its NLU intent.
        #[arg(long)]
        replace: bool,
    },
    /// Delete an entry's file.
    Remove {
        /// The bot.
        #[arg(long, value_name = "ID")]
        bot: String,
        /// The entry id.
        entry: String,
        /// Delete the file only if it is still this version; otherwise exit with 3.
        #[arg(long, value_name = "VERSION")]
        expect_version: Option<FileVersion>,
    },
}

/// The file formats of `qna import` and `qna export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Botpress 12's QnA export.
    Json,
    /// One row per entry: id, enabled, contexts, questions, answers.
    Csv,
}

impl From<Format> for TransferFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Json => TransferFormat::Json,
            Format::Csv => TransferFormat::Csv,
        }
    }
}

/// The exit code of a save refused because the file changed on disk since it was read.
const CONFLICT_EXIT: u8 = 3;

/// Runs `qna`. A conflict (`--expect-version` not matching the file) exits with 3.
pub fn run(workspace: &Workspace, args: &QnaArgs) -> anyhow::Result<ExitCode> {
    match run_command(workspace, args) {
        Err(error) => match error.downcast_ref::<interbot::Error>() {
            Some(conflict @ interbot::Error::Conflict { .. }) => {
                writeln!(
                    std::io::stderr(),
                    "interbot: {}",
                    sanitize_line(&conflict.to_string())
                )?;
                Ok(ExitCode::from(CONFLICT_EXIT))
            }
            _ => Err(error),
        },
        done => done,
    }
}

fn run_command(workspace: &Workspace, args: &QnaArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        QnaCommand::List { bot, json } => list(workspace, bot.as_deref(), *json),
        QnaCommand::Show { bot, entry, json } => show(workspace, bot, entry, *json),
        QnaCommand::Add {
            bot,
            questions,
            answers,
        } => {
            let questions = distinct(non_blank(questions, "question")?)?;
            let answers = non_blank(answers, "answer")?;
            let entry = workspace.new_entry(bot, questions.clone(), answers)?;
            // The bot's entries are checked as they are on disk under its lock, so two
            // concurrent adds of the same question cannot both succeed.
            let saved = workspace.add_entry(bot, &entry, |fresh| {
                refuse_known_variants(fresh, bot, &questions)
            })?;
            writeln!(std::io::stdout(), "{}", entry.id)?;
            note(&format!("wrote {}", saved.path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        QnaCommand::Edit {
            bot,
            entry,
            add,
            remove,
            answers,
            enable,
            disable,
            expect_version,
        } => {
            find(workspace, bot, entry)?;
            let added = distinct(non_blank(add, "question").unwrap_or_default())?;
            let new_answers = if answers.is_empty() {
                None
            } else {
                Some(non_blank(answers, "answer")?)
            };
            // The change is applied to the entry as it is on disk under the bot's lock, so
            // concurrent edits of the same entry all survive.
            let change = |changed: &mut QnaEntry| -> anyhow::Result<()> {
                for question in remove {
                    let before = changed.questions.len();
                    changed.questions.retain(|q| q != question);
                    if changed.questions.len() == before {
                        bail!("entry {entry} has no question {question:?}");
                    }
                }
                for question in &added {
                    if changed.questions.iter().any(|q| same_variant(q, question)) {
                        bail!("entry {entry} already has the question {question:?}");
                    }
                    changed.questions.push(question.clone());
                }
                if let Some(answers) = &new_answers {
                    changed.answers = answers.clone();
                }
                if *enable || *disable {
                    changed.enabled = *enable;
                }
                if changed.questions.is_empty() {
                    bail!("an entry needs at least one question; use `qna remove` to delete it");
                }
                Ok(())
            };
            let saved = match expect_version {
                Some(expected) => workspace.update_entry_checked(bot, entry, *expected, change)?,
                None => workspace.update_entry(bot, entry, change)?,
            };
            if let Some(version) = saved.entry.version {
                writeln!(std::io::stdout(), "{version}")?;
            }
            if saved.written {
                note(&format!("wrote {}", saved.path.display()))?;
            } else {
                note(&format!(
                    "nothing changed; {} not written",
                    saved.path.display()
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        QnaCommand::Export { bot, format, out } => {
            let text = workspace.export_qna(bot, (*format).into())?;
            match out {
                Some(path) => {
                    interbot::workspace::save::write_atomic(path, text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    note(&format!("wrote {}", path.display()))?;
                }
                None => write!(std::io::stdout(), "{text}")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        QnaCommand::Import {
            bot,
            file,
            format,
            replace,
        } => {
            let text = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .context("cannot read stdin")?;
                text
            } else {
                let bytes = interbot::workspace::read::read_bytes(
                    file,
                    interbot::workspace::read::MAX_FILE_BYTES,
                )
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
                String::from_utf8(bytes)
                    .map_err(|_| anyhow::anyhow!("{} is not valid UTF-8", file.display()))?
            };
            let format = format.unwrap_or_else(|| {
                let csv = file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                if csv { Format::Csv } else { Format::Json }
            });
            match workspace.import_qna(bot, file, &text, format.into(), *replace) {
                Ok(report) => {
                    note(&format!(
                        "imported into {bot}: {} added, {} updated, {} removed, {} content elements",
                        report.added, report.updated, report.removed, report.elements
                    ))?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(interbot::workspace::transfer::TransferError::Invalid { file, problems }) => {
                    for problem in &problems {
                        note(&format!(
                            "{}:{}: {}",
                            file.display(),
                            problem.line,
                            problem.reason
                        ))?;
                    }
                    bail!("nothing imported: {} bad item(s)", problems.len())
                }
                Err(other) => Err(other.into()),
            }
        }
        QnaCommand::Remove {
            bot,
            entry,
            expect_version,
        } => {
            let path = match expect_version {
                Some(expected) => workspace.remove_entry_checked(bot, entry, *expected)?,
                None => workspace.remove_entry(bot, entry)?,
            };
            note(&format!("removed {}", path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A note for the user on stderr, sanitized (it names files, whose names may hold anything).
fn note(text: &str) -> anyhow::Result<()> {
    writeln!(std::io::stderr(), "{}", sanitize_line(text))?;
    Ok(())
}

/// Whether two question variants are the same to a reader: equal ignoring case and runs of
/// whitespace (the index folds both away, so such a variant adds nothing).
fn same_variant(a: &str, b: &str) -> bool {
    let fold = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    fold(a) == fold(b)
}

/// `texts` if no two are the same variant, else an error naming the repeated one.
fn distinct(texts: Vec<String>) -> anyhow::Result<Vec<String>> {
    for (i, text) in texts.iter().enumerate() {
        if texts[..i].iter().any(|t| same_variant(t, text)) {
            bail!("the question {text:?} is given twice");
        }
    }
    Ok(texts)
}

/// Refuses a new entry whose question variant one of the bot's `entries` already has (the
/// two entries would compete for the same question), naming that entry.
fn refuse_known_variants(
    entries: &[QnaEntry],
    bot: &str,
    questions: &[String],
) -> anyhow::Result<()> {
    for question in questions {
        if let Some(entry) = entries
            .iter()
            .find(|e| e.questions.iter().any(|q| same_variant(q, question)))
        {
            bail!(
                "entry {} of bot {bot} already has the question {question:?}; add it there or change it",
                entry.id
            );
        }
    }
    Ok(())
}

fn non_blank(texts: &[String], what: &str) -> anyhow::Result<Vec<String>> {
    let kept: Vec<String> = texts
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if kept.is_empty() {
        bail!("give at least one non-blank {what}");
    }
    Ok(kept)
}

fn find<'w>(workspace: &'w Workspace, bot: &str, entry: &str) -> anyhow::Result<&'w QnaEntry> {
    workspace
        .bot(bot)
        .with_context(|| format!("no bot `{bot}` in this workspace"))?
        .entry(entry)
        .with_context(|| format!("bot {bot} has no QnA entry `{entry}`"))
}

fn list(workspace: &Workspace, only: Option<&str>, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if let Some(bot) = only
        && workspace.bot(bot).is_none()
    {
        bail!("no bot `{bot}` in this workspace");
    }
    let entries = workspace
        .bots
        .iter()
        .filter(|b| only.is_none_or(|id| b.id == id))
        .flat_map(|b| b.qna.iter().map(move |e| (b.id.as_str(), e)));
    if as_json {
        let rows: Vec<_> = entries.map(|(bot, e)| entry_json(bot, e)).collect();
        writeln!(out, "{}", to_json_pretty(&rows)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(
        &[
            "bot",
            "entry",
            "on",
            "contexts",
            "variants",
            "first question",
        ],
        &["variants"],
    );
    for (bot, e) in entries {
        table.row(vec![
            sanitize_line(bot),
            sanitize_line(&e.id),
            if e.enabled { "yes" } else { "no" }.to_string(),
            sanitize_line(&e.contexts.join(",")),
            e.questions.len().to_string(),
            sanitize_line(e.questions.first().map(String::as_str).unwrap_or("—")),
        ]);
    }
    write!(out, "{}", table.render())?;
    Ok(ExitCode::SUCCESS)
}

fn show(workspace: &Workspace, bot: &str, entry: &str, as_json: bool) -> anyhow::Result<ExitCode> {
    let e = find(workspace, bot, entry)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(out, "{}", to_json_pretty(&e.to_json())?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let form = match e.form {
        QnaForm::V11 => "Botpress 11",
        QnaForm::V12 => "Botpress 12",
    };
    writeln!(
        out,
        "{} ({form}, {}, contexts: {})",
        sanitize_line(&e.id),
        if e.enabled { "enabled" } else { "disabled" },
        sanitize_line(&e.contexts.join(", "))
    )?;
    writeln!(
        out,
        "file: {}",
        sanitize_line(&e.file.display().to_string())
    )?;
    if let Some(version) = e.version {
        writeln!(out, "version: {version}")?;
    }
    writeln!(out, "questions:")?;
    for q in &e.questions {
        writeln!(out, "  - {}", sanitize_line(q))?;
    }
    writeln!(out, "answers:")?;
    for a in &e.answers {
        writeln!(out, "  - {}", sanitize_line(a))?;
    }
    if let Some(redirect) = &e.redirect {
        writeln!(
            out,
            "redirect: {} / {}",
            sanitize_line(&redirect.flow),
            sanitize_line(&redirect.node)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn entry_json(bot: &str, e: &QnaEntry) -> serde_json::Value {
    json!({
        "bot": bot, "id": e.id, "enabled": e.enabled, "contexts": e.contexts,
        "questions": e.questions, "answers": e.answers, "form": e.form,
        "file": e.file.display().to_string(), "version": e.version,
    })
}
