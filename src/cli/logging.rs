//! Tracing to a file, never to the screen: `--log FILE` or `INTERBOT_LOG=FILE`; level from
//! `RUST_LOG` (default `info`). Without either, logging is off.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use tracing_subscriber::EnvFilter;

/// Starts logging to `path` (or `$INTERBOT_LOG`), if given.
pub fn init(path: Option<&Path>) -> anyhow::Result<()> {
    let from_env = std::env::var_os("INTERBOT_LOG").filter(|v| !v.is_empty());
    let Some(path) = path.map(Path::to_path_buf).or(from_env.map(Into::into)) else {
        return Ok(());
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open log file {}", path.display()))?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))
}
