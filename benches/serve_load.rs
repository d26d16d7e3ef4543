//! Load run of `interbot serve` on the bundled demo workspace: a bounded number of converse
//! requests from concurrent clients on loopback, reporting throughput, latency percentiles,
//! errors and the server's memory before and after. Not a timed test: run it with
//! `cargo bench --bench serve_load` (`-- REQUESTS CLIENTS` to change the load; default
//! 20,000 requests from 32 clients). The server binds 127.0.0.1 on a free port and is
//! stopped at the end (and by `--stop-after` if this run dies).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const TOKEN: &str = "load-run-token";
const QUESTIONS: &[&str] = &[
    "I have a question about my pay check",
    "my vpn keeps disconnecting",
    "how do I book a meeting room",
    "what is the capital of peru",
    "how many vacation days do I have left",
    "the printer is jammed",
];
const BOTS: &[&str] = &["master", "sub1", "sub2", "sub3"];

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; numbers are ours.
    let numbers: Vec<usize> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    let requests = numbers.first().copied().unwrap_or(20_000);
    let clients = numbers.get(1).copied().unwrap_or(32);
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/workspace");
    let mut server = Command::new(env!("CARGO_BIN_EXE_interbot"))
        .args([
            "-w",
            workspace,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--stop-after",
            "600",
        ])
        .env("INTERBOT_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = server.id();
    let mut lines = BufReader::new(server.stderr.take().ok_or("no stderr")?).lines();
    let base = loop {
        let line = lines.next().ok_or("serve exited before listening")??;
        if let Some(url) = line.strip_prefix("interbot: listening on ") {
            break url.to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rss_before = rss_kib(pid);
    let (latencies, errors, took) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(clients)
            .build()?;
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (client, next, base) = (client.clone(), next.clone(), base.clone());
                tokio::spawn(async move {
                    let (mut latencies, mut errors) = (Vec::new(), 0usize);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= requests {
                            break;
                        }
                        let bot = BOTS[i % BOTS.len()];
                        let url = format!("{base}/api/v1/bots/{bot}/converse/load{i}/secured");
                        let body = serde_json::json!({
                            "type": "text",
                            "text": QUESTIONS[i % QUESTIONS.len()],
                            "includedContexts": ["global"],
                        });
                        let sent = Instant::now();
                        let outcome = client
                            .post(&url)
                            .query(&[("include", "decision")])
                            .bearer_auth(TOKEN)
                            .json(&body)
                            .send()
                            .await;
                        let ok = match outcome {
                            Ok(response) if response.status().is_success() => {
                                response.bytes().await.is_ok()
                            }
                            _ => false,
                        };
                        latencies.push(sent.elapsed());
                        errors += usize::from(!ok);
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(requests);
        let mut errors = 0;
        for task in tasks {
            let (mine, failed) = task.await?;
            latencies.extend(mine);
            errors += failed;
        }
        Ok::<_, Box<dyn std::error::Error>>((latencies, errors, started.elapsed()))
    })?;
    let rss_after = rss_kib(pid);
    let _ = server.kill();
    let _ = server.wait();

    let mut sorted = latencies;
    sorted.sort();
    println!(
        "interbot serve load run: {requests} requests, {clients} concurrent clients, loopback"
    );
    println!(
        "throughput {:.0} requests/s ({:.2} s)",
        requests as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    println!(
        "latency p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        percentile(&sorted, 0.50).as_secs_f64() * 1e3,
        percentile(&sorted, 0.99).as_secs_f64() * 1e3,
        sorted.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!("errors {errors}");
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        println!(
            "server RSS {:.1} MB before, {:.1} MB after",
            before as f64 / 1024.0,
            after as f64 / 1024.0
        );
    }
    Ok(())
}
