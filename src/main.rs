//! The `interbot` binary: parse arguments, set up logging, hand off to the CLI or the TUI.

use std::process::ExitCode;

use std::io::Write;

use clap::Parser;
use interbot::text::sanitize;

mod cli;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
    if let Err(e) = cli::logging::init(args.log.as_deref()) {
        report(&e);
        return ExitCode::from(2);
    }
    match cli::run(args) {
        Ok(code) => code,
        // A reader that stopped early (`interbot ask … | head`) is not an error to report.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    }
}

/// Caps glibc's malloc at one arena per core. By default glibc gives threads up to eight
/// arenas per core, and memory freed in one arena is not reused by another: indexing a
/// workspace of 10 bots x 10,000 entries peaked at 720 MB with the default and 567 MB with
/// `MALLOC_ARENA_MAX=1` (its threads are the indexing workers, at most one per core). An
/// explicit `MALLOC_ARENA_MAX` in the environment still wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` only sets a malloc tunable; it is called before any other thread
        // exists, and a refusal (return 0) leaves glibc's default in place.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Prints an error on stderr, sanitized: messages often quote file names, ids or arguments,
/// and those may hold escape sequences.
fn report(error: &anyhow::Error) {
    let _ = writeln!(
        std::io::stderr(),
        "interbot: {}",
        sanitize(&format!("{error:#}"))
    );
}

/// Prints clap's usage error, help or version (sanitized: clap quotes the arguments it
/// rejects) where clap would, and returns its exit code.
fn usage_error(error: &clap::Error) -> ExitCode {
    let text = sanitize(&error.render().to_string());
    let _ = if error.use_stderr() {
        write!(std::io::stderr(), "{text}")
    } else {
        write!(std::io::stdout(), "{text}")
    };
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
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
