//! `interbot serve`: the workspace's bots over HTTP in Botpress's converse shape (see
//! `interbot::serve`). Binds 127.0.0.1 unless told otherwise; stops on SIGTERM or Ctrl-C
//! (finishing the requests under way), or after `--stop-after` seconds.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use interbot::Engine;
use interbot::serve::{ServeConfig, serve, url_of};

/// Arguments of `interbot serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed on stderr).
    #[arg(long, default_value = "127.0.0.1:3000", value_name = "ADDR")]
    bind: SocketAddr,

    /// Environment variable holding the bearer token of the `/secured` route (unset: that
    /// route refuses every request).
    #[arg(long, default_value = "INTERBOT_TOKEN", value_name = "NAME")]
    token_env: String,

    /// Questions answered at once; more wait their turn.
    #[arg(long, default_value_t = 64, value_name = "N")]
    max_concurrent: usize,

    /// Largest request body, in bytes (larger: 413).
    #[arg(long, default_value_t = 64 * 1024, value_name = "BYTES")]
    max_body_bytes: usize,

    /// Stop by itself after this many seconds (for scripts and tests).
    #[arg(long, value_name = "SECONDS")]
    stop_after: Option<u64>,
}

/// Runs `serve` until it is told to stop.
pub fn run(engine: Engine, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let token = std::env::var(&args.token_env)
        .ok()
        .filter(|t| !t.is_empty());
    let config = ServeConfig {
        token,
        max_body_bytes: args.max_body_bytes,
        max_concurrent: args.max_concurrent,
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let address = listener.local_addr()?;
        if !address.ip().is_loopback() {
            eprintln!("interbot: warning: listening on {address}, reachable from other machines");
        }
        if config.token.is_none() {
            eprintln!(
                "interbot: {} is not set: the /secured route refuses every request",
                args.token_env
            );
        }
        eprintln!("interbot: listening on {}", url_of(address));
        tracing::info!(%address, "serving");
        let stop_after = args.stop_after;
        serve(listener, Arc::new(engine), config, async move {
            stop_signal(stop_after).await;
        })
        .await?;
        tracing::info!("stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGTERM, SIGINT or after `stop_after` seconds.
async fn stop_signal(stop_after: Option<u64>) {
    let timer = async {
        match stop_after {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => std::future::pending().await,
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = timer => {}
        _ = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
