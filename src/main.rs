//! The `interbot` binary: parse arguments, set up logging, hand off to the CLI or the TUI.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    if let Err(e) = cli::logging::init(args.log.as_deref()) {
        eprintln!("interbot: {e:#}");
        return ExitCode::from(2);
    }
    match cli::run(args) {
        Ok(code) => code,
        // A reader that stopped early (`interbot ask … | head`) is not an error to report.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors echo arguments and file contents (labels, ids): never raw control bytes.
            eprintln!("interbot: {}", interbot::text::sanitize(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

/// Whether `error` comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|json| json.io_error_kind() == Some(BrokenPipe))
    })
}
