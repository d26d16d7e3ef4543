//! `interbot render`: preview a content element (or a template file) with any state, or list
//! the content elements.
//!
//! What is rendered reaches stdout byte for byte (tabs, CRLF, no added newline) unless stdout
//! is a terminal: then it is sanitized for it ([`interbot::text::sanitize`]) and ends with a
//! newline. The names the template missed go to stderr, so stdout stays the rendered text.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use interbot::template::{self, Rendered};
use interbot::text::{sanitize, sanitize_line};

/// Arguments of `interbot render`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["element", "template", "list"])))]
pub struct RenderArgs {
    /// The content element id, e.g. `builtin_text-8mwYrq`.
    element: Option<String>,

    /// A mustache template file to render instead of an element (no workspace needed).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,

    /// List the bot's content element ids, one per line.
    #[arg(long, conflicts_with_all = ["data", "nested", "strict"])]
    list: bool,

    /// The state as JSON, e.g. '{"temp":{"delegation":[{"botId":"sub1"}]}}', or `@FILE` to
    /// read it from a file. Without it the state is `{}`.
    #[arg(long, value_name = "JSON|@FILE")]
    data: Option<String>,

    /// The bot whose content elements to use.
    #[arg(long, default_value = "master", value_name = "ID")]
    bot: String,

    /// Render `--template` as Botpress renders a content element: again while the result
    /// still holds tags, at most 3 times (elements are always rendered so).
    #[arg(long)]
    nested: bool,

    /// A partial for `--template`: `{{> NAME}}` renders FILE (repeat for more; a partial
    /// not given renders as empty).
    #[arg(long, value_name = "NAME=FILE", requires = "template", value_parser = parse_partial)]
    partial: Vec<(String, PathBuf)>,

    /// Exit 1 when the template used a name the data does not have (they are listed on
    /// stderr either way).
    #[arg(long)]
    strict: bool,
}

/// Runs `render`; `open_workspace` is called only for an element or `--list`, so a template
/// file renders anywhere.
pub fn run(
    open_workspace: impl FnOnce() -> anyhow::Result<interbot::Workspace>,
    args: &RenderArgs,
) -> anyhow::Result<ExitCode> {
    if args.list {
        return list(&open_workspace()?, &args.bot);
    }
    let data = read_data(args.data.as_deref())?;
    let rendered = match (&args.element, &args.template) {
        (_, Some(file)) => {
            let text = super::read_text(file)?;
            let rendered = if args.partial.is_empty() {
                if args.nested {
                    template::render_nested(&text, &data)
                } else {
                    template::render_report(&text, &data)
                }
            } else {
                anyhow::ensure!(!args.nested, "--partial cannot be used with --nested");
                let mut partials = std::collections::HashMap::new();
                for (name, path) in &args.partial {
                    partials.insert(name.clone(), super::read_text(path)?);
                }
                let lookup = |name: &str| partials.get(name).cloned();
                template::render_with_partials(&text, &data, &lookup)
            };
            rendered.with_context(|| format!("cannot render {}", file.display()))?
        }
        (Some(element), None) => {
            let workspace = open_workspace()?;
            let bot = workspace
                .bot(&args.bot)
                .with_context(|| format!("no bot `{}` in this workspace", args.bot))?;
            bot.say(&format!("#!{element}"), &data)?
        }
        (None, None) => anyhow::bail!("name an element, --template FILE or --list"),
    };
    write_rendered(&rendered, std::io::stdout().is_terminal())?;
    if !rendered.missing.is_empty() {
        let names = rendered.missing.join(", ");
        writeln!(std::io::stderr(), "missing: {}", sanitize_line(&names))?;
        if args.strict {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A `--partial NAME=FILE` value.
fn parse_partial(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, file)) if !name.trim().is_empty() && !file.is_empty() => {
            Ok((name.trim().to_string(), PathBuf::from(file)))
        }
        _ => Err(format!("`{text}` is not NAME=FILE")),
    }
}

/// The state from `--data`: JSON text, `@FILE` (read through the bounded opener), or `{}`.
fn read_data(data: Option<&str>) -> anyhow::Result<serde_json::Value> {
    let Some(data) = data else {
        return Ok(serde_json::json!({}));
    };
    match data.strip_prefix('@') {
        Some(path) => {
            let text = super::read_text(path.as_ref())?;
            serde_json::from_str(&text).with_context(|| format!("{path} is not valid JSON"))
        }
        None => serde_json::from_str(data).context("--data is not valid JSON"),
    }
}

/// Writes the rendered text on stdout: as is for a pipe or a file, sanitized (and ending with
/// a newline) for a terminal.
fn write_rendered(rendered: &Rendered, terminal: bool) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(for_stdout(&rendered.text, terminal).as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// What `text` becomes on stdout: the same bytes, unless stdout is a terminal.
fn for_stdout(text: &str, terminal: bool) -> Cow<'_, str> {
    if !terminal {
        return Cow::Borrowed(text);
    }
    let mut safe = sanitize(text);
    if !safe.ends_with('\n') {
        safe.push('\n');
    }
    Cow::Owned(safe)
}

/// Prints the content element ids of `bot_id`, one per line, sanitized.
fn list(workspace: &interbot::Workspace, bot_id: &str) -> anyhow::Result<ExitCode> {
    let bot = workspace
        .bot(bot_id)
        .with_context(|| format!("no bot `{bot_id}` in this workspace"))?;
    let mut stdout = std::io::stdout().lock();
    for element in &bot.elements {
        writeln!(stdout, "{}", sanitize_line(&element.id))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::for_stdout;

    #[test]
    fn bytes_are_kept_for_a_pipe_and_sanitized_for_a_terminal() {
        let text = "a\tb\r\nc\u{1b}[2J";
        assert_eq!(for_stdout(text, false), text);
        assert_eq!(for_stdout(text, true), "a    b\nc^[[2J\n");
        assert_eq!(for_stdout("done\n", true), "done\n");
    }
}
