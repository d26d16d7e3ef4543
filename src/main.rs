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
        Err(e) => {
            eprintln!("interbot: {e:#}");
            ExitCode::from(2)
        }
    }
}
