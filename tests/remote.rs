//! Bots on other machines: `interbot serve` exposes a workspace's bots in Botpress's converse
//! shape, and a master delegates to remote sub-bots over HTTP. Every server here binds
//! 127.0.0.1 on a free port and stops by itself (`--stop-after`).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{demo_questions, demo_workspace};
use serde_json::{Value, json};

const TOKEN: &str = "test-token-4f1c";

/// A running `interbot serve`, killed when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    url: String,
}

impl Server {
    fn start(workspace: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_interbot"))
            .arg("-w")
            .arg(workspace)
            .args(["serve", "--bind", "127.0.0.1:0", "--stop-after", "120"])
            .env("INTERBOT_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("interbot serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("serve says where it listens")
                .expect("readable stderr");
            if let Some(url) = line.strip_prefix("interbot: listening on ") {
                break url.to_string();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// The converse base URL of one of its bots.
    fn bot_url(&self, bot: &str) -> String {
        format!("{}/api/v1/bots/{bot}", self.url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 request; the status and the body parsed as JSON.
fn http(address: &str, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // Bodies of small responses are sent whole (no chunking) by axum.
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, json)
}

fn bearer() -> String {
    format!("Authorization: Bearer {TOKEN}")
}

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("listing") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The demo workspace with sub1 and sub2 replaced by remote bots at these URLs.
fn remote_master(sub1: &str, sub2: &str, timeout_ms: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp folder");
    copy_tree(&demo_workspace(), dir.path());
    std::fs::remove_dir_all(dir.path().join("bots/sub1")).expect("remove sub1");
    std::fs::remove_dir_all(dir.path().join("bots/sub2")).expect("remove sub2");
    let settings = json!({
        "externalUrl": "http://localhost:3000",
        "remoteBots": {
            "sub1": {"url": sub1, "tokenEnv": "REMOTE_TEST_TOKEN", "timeoutMs": timeout_ms},
            "sub2": {"url": sub2, "tokenEnv": "REMOTE_TEST_TOKEN", "timeoutMs": timeout_ms}
        }
    });
    std::fs::write(
        dir.path().join("interbot.json"),
        serde_json::to_string_pretty(&settings).expect("json"),
    )
    .expect("interbot.json");
    dir
}

/// `ask --json -` over `questions`, one turn per line.
fn ask_all(workspace: &Path, questions: &str) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_interbot"))
        .arg("-w")
        .arg(workspace)
        .args(["ask", "--json", "-"])
        .env("REMOTE_TEST_TOKEN", TOKEN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(questions.as_bytes())?;
            child.wait_with_output()
        })
        .expect("ask runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON turn"))
        .collect()
}

#[test]
fn a_master_delegating_over_http_replies_byte_for_byte_as_the_all_local_one() {
    let (a, b) = (
        Server::start(&demo_workspace()),
        Server::start(&demo_workspace()),
    );
    let remote = remote_master(&a.bot_url("sub1"), &b.bot_url("sub2"), 5_000);
    let questions = demo_questions();
    let local = ask_all(&demo_workspace(), &questions);
    let over_http = ask_all(remote.path(), &questions);
    assert_eq!(local.len(), over_http.len());
    assert!(local.len() > 50);
    let mut delegated = 0;
    for (local, remote) in local.iter().zip(&over_http) {
        assert_eq!(local["replies"], remote["replies"], "{}", local["question"]);
        assert_eq!(
            local["delegation"], remote["delegation"],
            "{}",
            local["question"]
        );
        for row in remote["trace"].as_array().expect("trace") {
            let bot = row["botId"].as_str().expect("bot id");
            let twin = local["trace"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["botId"] == bot))
                .expect("the same bots asked");
            assert_eq!(row["confidence"], twin["confidence"], "{bot}: {row}");
            assert!(row.get("error").is_none(), "{row}");
            if bot != "sub3" {
                assert!(
                    row["remote"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
                );
            }
        }
        delegated += usize::from(!remote["delegation"].as_array().expect("array").is_empty());
    }
    assert!(delegated > 30, "{delegated} questions delegated");

    // One server gone: its row says why, the other's answer still comes back.
    drop(b);
    let turns = ask_all(remote.path(), "I have a question about my pay check");
    let turn = &turns[0];
    let sub2 = turn["trace"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["botId"] == "sub2"))
        .expect("sub2 row");
    assert!(
        sub2["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot reach")),
        "{sub2}"
    );
    assert_eq!(sub2["passed"], false);
    assert_eq!(turn["delegation"][0]["botId"], "sub1", "{turn}");
    assert_eq!(
        turn["delegation"][0]["answer"],
        "I can help you answer payroll questions"
    );
}

#[test]
fn a_remote_bot_that_never_answers_costs_its_timeout_not_more() {
    let a = Server::start(&demo_workspace());
    // Accepts connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a silent listener");
    let silent_url = format!(
        "http://{}/api/v1/bots/sub2",
        silent.local_addr().expect("address")
    );
    let _held = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().take(4) {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(10));
    });
    let remote = remote_master(&a.bot_url("sub1"), &silent_url, 400);
    let started = Instant::now();
    let turns = ask_all(remote.path(), "I have a question about my pay check");
    let took = started.elapsed();
    let sub2 = turns[0]["trace"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["botId"] == "sub2"))
        .expect("sub2 row");
    assert!(
        sub2["error"]
            .as_str()
            .is_some_and(|e| e.contains("no answer within 400 ms")),
        "{sub2}"
    );
    assert!(
        sub2["micros"]
            .as_u64()
            .is_some_and(|us| (350_000..3_000_000).contains(&us)),
        "{sub2}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(turns[0]["delegation"][0]["botId"], "sub1");
}

#[test]
fn serve_answers_in_botpress_converse_shape_and_refuses_bad_requests_with_json_errors() {
    let server = Server::start(&demo_workspace());
    let address = server.address();
    let question = r#"{"type": "text", "text": "I have a question about my pay check", "includedContexts": ["global"]}"#;
    let secured = "/api/v1/bots/sub1/converse/u1/secured?include=decision,nlu,state";

    let (status, body) = http(address, "POST", secured, &[&bearer()], question);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["responses"][0]["type"], "text");
    assert_eq!(
        body["responses"][0]["text"],
        "I can help you answer payroll questions"
    );
    assert!(
        body["decision"]["confidence"]
            .as_f64()
            .is_some_and(|c| c > 0.5)
    );
    assert_eq!(body["decision"]["source"], "qna");
    assert_eq!(body["decision"]["decision"]["status"], "elected");
    assert!(body["nlu"]["intent"]["name"].is_string());
    assert!(body["interbot"]["trace"].is_array());

    // Nothing matched: confidence 0, where Botpress would say 1.
    let nothing = r#"{"type": "text", "text": "zyxw qwvz plorf"}"#;
    let (status, body) = http(address, "POST", secured, &[&bearer()], nothing);
    assert_eq!(status, 200);
    assert_eq!(body["decision"]["confidence"], 0);
    assert_eq!(body["decision"]["source"], "decisionEngine");

    // The public route: responses only, as Botpress.
    let public = "/api/v1/bots/sub1/converse/u1";
    let (status, body) = http(address, "POST", public, &[], question);
    assert_eq!(status, 200);
    assert!(body.get("decision").is_none() && body["responses"].is_array());
    let (status, body) = http(
        address,
        "POST",
        &format!("{public}?include=decision"),
        &[],
        question,
    );
    assert_eq!(status, 401, "{body}");
    assert!(body["error"].is_string());

    for (headers, why) in [
        (vec![], "no token"),
        (vec!["Authorization: Bearer wrong"], "wrong token"),
    ] {
        let (status, body) = http(address, "POST", secured, &headers, question);
        assert_eq!(status, 401, "{why}: {body}");
        assert!(body["error"].is_string(), "{why}");
    }
    let (status, body) = http(address, "POST", secured, &[&bearer()], "{not json");
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("invalid JSON"))
    );
    let long = json!({"type": "text", "text": "a".repeat(361)}).to_string();
    let (status, _) = http(address, "POST", secured, &[&bearer()], &long);
    assert_eq!(status, 400);
    let (status, body) = http(
        address,
        "POST",
        "/api/v1/bots/nobody/converse/u1/secured",
        &[&bearer()],
        question,
    );
    assert_eq!(status, 404);
    assert!(body["error"].as_str().is_some_and(|e| e.contains("nobody")));
    let (status, body) = http(address, "GET", secured, &[&bearer()], "");
    assert_eq!(status, 405);
    assert!(body["error"].is_string());
    let (status, body) = http(address, "GET", "/nowhere", &[], "");
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    let huge = json!({"type": "text", "text": "x".repeat(200_000)}).to_string();
    let (status, _) = http(address, "POST", secured, &[&bearer()], &huge);
    assert_eq!(status, 413);
    let (status, body) = http(address, "GET", "/health", &[], "");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert!(body["bots"].as_array().is_some_and(|b| b.len() == 4));
}

#[test]
fn serve_binds_loopback_by_default() {
    let output = Command::new(env!("CARGO_BIN_EXE_interbot"))
        .args(["serve", "--help"])
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("[default: 127.0.0.1:3000]"), "{help}");
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let mut server = Server::start(&demo_workspace());
    let (status, _) = http(server.address(), "GET", "/health", &[], "");
    assert_eq!(status, 200);
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "serve did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
