//! `interbot render`: preview a content element (or a template file) with any state.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use interbot::Workspace;
use interbot::template;
use interbot::text::sanitize;

/// Arguments of `interbot render`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["element", "template"])))]
pub struct RenderArgs {
    /// The content element id, e.g. `builtin_text-8mwYrq`.
    element: Option<String>,

    /// A mustache template file to render instead of an element.
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,

    /// The state as JSON, e.g. '{"temp":{"delegation":[{"botId":"sub1"}]}}'.
    #[arg(long, value_name = "JSON", default_value = "{}")]
    data: String,

    /// The bot whose content elements to use.
    #[arg(long, default_value = "master", value_name = "ID")]
    bot: String,
}

/// Runs `render`.
pub fn run(workspace: &Workspace, args: &RenderArgs) -> anyhow::Result<ExitCode> {
    let data: serde_json::Value =
        serde_json::from_str(&args.data).context("--data is not valid JSON")?;
    let rendered = match (&args.element, &args.template) {
        (_, Some(file)) => template::render(&super::read_text(file)?, &data)
            .with_context(|| format!("cannot render {}", file.display()))?,
        (Some(element), None) => {
            let bot = workspace
                .bot(&args.bot)
                .with_context(|| format!("no bot `{}` in this workspace", args.bot))?;
            bot.answer_text(&format!("#!{element}"), &data)?
        }
        (None, None) => anyhow::bail!("name an element or --template FILE"),
    };
    writeln!(std::io::stdout(), "{}", sanitize(&rendered))?;
    Ok(ExitCode::SUCCESS)
}
