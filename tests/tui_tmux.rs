//! End to end: the real `interbot` binary in a real terminal (tmux). It types a question,
//! reads the screen with `capture-pane`, finds the routed bot and the rendered reply, switches
//! tab and quits cleanly; on a generated 18-bot workspace it walks the trace to the last
//! bot's row and hands off to it. Skipped, with a printed reason, only when tmux is not
//! installed. Workspaces are copied or generated into temporary folders, so the input history
//! the app saves (`.interbot/history`) never lands in the repository.

#[path = "tui_support/workspace18.rs"]
mod workspace18;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long to wait for any one screen state: a ceiling, not a delay (the screen is read
/// every 50 ms), generous because the debug build's start-up on a 2-core machine busy with
/// other builds can take several seconds.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A tmux server of our own (unique socket), killed when dropped.
struct Tmux {
    socket: String,
    /// Scratch folder for files the test shell writes.
    dir: tempfile::TempDir,
}

impl Tmux {
    fn new() -> Self {
        // Tests run on several threads of one process: the time alone once gave two of them
        // the same socket, hence one server, and each test's session ended the other's.
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let nth = STARTED.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Self {
            socket: format!("interbot-test-{}-{nth}-{nanos}", std::process::id()),
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "ui"]).stdout).into_owned()
    }

    fn pane(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "ui", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "ui"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "send-keys {keys:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Polls until `ready` holds for what `probe` returns, or fails after [`TIMEOUT`].
    fn wait_for(
        &self,
        what: &str,
        probe: impl Fn(&Self) -> String,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let started = Instant::now();
        loop {
            let seen = probe(self);
            if ready(&seen) {
                return seen;
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "timed out waiting for {what}; saw:\n{seen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_screen(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_for(what, Self::screen, ready)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let socket = self.run(&["display-message", "-p", "#{socket_path}"]);
        let _ = self.run(&["kill-server"]);
        let path = String::from_utf8_lossy(&socket.stdout).trim().to_string();
        if !path.is_empty() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Copies the folder `from` into `to` (created).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Starts `interbot -w workspace` in a new 80×24 tmux session `ui`; the shell writes the exit
/// status to the returned file.
fn start(tmux: &Tmux, workspace: &Path) -> std::path::PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_interbot"));
    // The shell records the exit status itself: tmux 3.3 sometimes marks the pane dead
    // without recording `pane_dead_status`.
    let status_file = tmux.dir.path().join("exit-status");
    let command = format!(
        "{} -w {}; echo $? > {}",
        quoted(binary),
        quoted(workspace),
        quoted(&status_file)
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-x",
        "80",
        "-y",
        "24",
        "-s",
        "ui",
        &command,
        ";",
        "set-option",
        "-t",
        "ui",
        "remain-on-exit",
        "on",
        ";",
        "set-option",
        "-s",
        "escape-time",
        "0",
    ]);
    assert!(
        started.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    status_file
}

/// Waits for the app to exit and checks it left cleanly.
fn expect_clean_exit(tmux: &Tmux, status_file: &Path) {
    let status = tmux.wait_for(
        "the app to exit",
        |_| std::fs::read_to_string(status_file).unwrap_or_default(),
        |s| s.ends_with('\n'),
    );
    assert_eq!(status.trim(), "0", "exit status");
    assert_eq!(
        tmux.pane("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
}

#[test]
fn the_real_binary_routes_hands_over_tabs_and_quits_cleanly() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (.ci/run installs it)");
        return;
    }
    let tmux = Tmux::new();
    let workspace = tmux.dir.path().join("workspace");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace"),
        &workspace,
    );
    let status_file = start(&tmux, &workspace);

    tmux.wait_for_screen("the UI", |s| {
        s.contains("Ask Master (master)") && s.contains("TYPING")
    });
    tmux.send(&["-l", "I have a question about my pay check"]);
    tmux.send(&["Enter"]);
    // Wait for every piece asserted on: a capture can land while a frame is half painted.
    let screen = tmux.wait_for_screen("the routed reply", |s| {
        s.contains("✔ sub1")
            && s.contains("Talk to sub1")
            && s.contains("<http://localhost:3000/s/sub1>")
            && s.contains("│ I can help you answer payroll")
            && s.contains("✘ sub2")
    });
    assert!(
        !screen.contains("[Talk to sub1]("),
        "raw markdown:\n{screen}"
    );

    tmux.send(&["Tab"]);
    tmux.wait_for_screen("the sub1 tab", |s| s.contains("Ask Human Resources (sub1)"));
    tmux.send(&["Escape"]);
    tmux.wait_for_screen("normal mode", |s| s.contains(" NORMAL "));
    tmux.send(&["q"]);
    expect_clean_exit(&tmux, &status_file);
}

#[test]
fn the_real_binary_reaches_the_last_of_18_bots_and_hands_off_to_it() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (.ci/run installs it)");
        return;
    }
    let tmux = Tmux::new();
    let workspace = tmux.dir.path().join("workspace18");
    workspace18::write(&workspace);
    // Which bot the trace lists last, from the library (the pane lists best first too).
    let engine = interbot::Engine::load(&workspace).expect("the workspace loads");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let turn = runtime
        .block_on(engine.ask("master", workspace18::QUESTION))
        .expect("master answers");
    let last = turn.trace.last().expect("a trace row").bot_id.clone();
    let name = engine
        .workspace()
        .bots
        .iter()
        .find(|b| b.id == last)
        .map(|b| b.name().to_string())
        .expect("the last bot");
    let status_file = start(&tmux, &workspace);

    tmux.wait_for_screen("the UI", |s| {
        s.contains("Ask Master (master)") && s.contains("TYPING")
    });
    // Esc then a digit, sent at once, arrives as Alt-3: still normal mode and tab 3.
    tmux.send(&["-l", "draft"]);
    tmux.send(&["Escape", "3"]);
    tmux.wait_for_screen("tab 3 in normal mode", |s| {
        s.contains("Ask Audio volume (audio)") && s.contains(" NORMAL ")
    });
    tmux.send(&["1", "i", "C-u"]);
    tmux.wait_for_screen("back on master, line cleared", |s| {
        s.contains("Ask Master (master)") && s.contains("Type a question") && !s.contains("draft")
    });
    tmux.send(&["-l", workspace18::QUESTION]);
    tmux.send(&["Enter"]);
    tmux.wait_for_screen("the trace", |s| s.contains("18 bots asked"));
    tmux.send(&["Escape", "Tab", "G"]);
    let url = format!("localhost:3000/s/{last}");
    let screen = tmux.wait_for_screen("the last row selected", |s| {
        s.contains("row 18/18") && s.contains(&url)
    });
    assert!(screen.contains(&format!("✘ {last}")), "{screen}");
    tmux.send(&["t"]);
    let title = format!("Ask {name} ({last})");
    tmux.wait_for_screen("the handoff", |s| {
        s.contains(&title) && s.contains(&format!("Talking to {last}"))
    });
    tmux.send(&["q"]);
    expect_clean_exit(&tmux, &status_file);
    // The question was kept for the next start.
    let history =
        std::fs::read_to_string(workspace.join(".interbot/history")).expect("the history file");
    assert!(history.contains(workspace18::QUESTION), "{history}");
}

#[test]
fn the_real_binary_edits_a_sub_bot_qna_and_the_same_question_is_routed() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (.ci/run installs it)");
        return;
    }
    let tmux = Tmux::new();
    let workspace = tmux.dir.path().join("workspace");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace"),
        &workspace,
    );
    let status_file = start(&tmux, &workspace);
    tmux.wait_for_screen("the UI", |s| {
        s.contains("Ask Master (master)") && s.contains("TYPING")
    });
    // A question no bot takes.
    tmux.send(&["-l", "paper stuck in the copier"]);
    tmux.send(&["Enter"]);
    tmux.wait_for_screen("the fallback", |s| s.contains("I'm sorry, I don't know"));
    // sub2's QnA, filtered to its printer entry, a variant added and saved.
    tmux.send(&["Escape", "3"]);
    tmux.wait_for_screen("the sub2 tab", |s| s.contains(" NORMAL "));
    tmux.send(&["e"]);
    tmux.wait_for_screen("the QnA view", |s| s.contains("QnA of sub2"));
    tmux.send(&["/"]);
    tmux.send(&["-l", "printer not working"]);
    tmux.wait_for_screen("the filtered list", |s| s.contains("1 of 36"));
    tmux.send(&["Enter", "Enter"]);
    tmux.wait_for_screen("the editor", |s| s.contains(" EDIT "));
    tmux.send(&["-l", "paper stuck in the copier"]);
    tmux.send(&["Enter", "C-s"]);
    tmux.wait_for_screen("the re-index", |s| s.contains("re-indexed"));
    let saved = std::fs::read_to_string(
        workspace.join("bots/sub2/qna/3who6ahkix_the_printer_is_not_working.json"),
    )
    .expect("the entry file");
    assert!(saved.contains("\"paper stuck in the copier\","), "{saved}");
    // r: the master asks the same question again, now routed to sub2.
    tmux.send(&["r"]);
    tmux.wait_for_screen("the routed reply", |s| {
        s.contains("The chatbot sub2 can help you") && s.contains("✔ sub2")
    });
    tmux.send(&["Escape", "q"]);
    expect_clean_exit(&tmux, &status_file);
}

#[test]
fn a_qna_add_while_the_app_is_open_is_picked_up_without_a_restart() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (.ci/run installs it)");
        return;
    }
    let tmux = Tmux::new();
    let workspace = tmux.dir.path().join("workspace");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace"),
        &workspace,
    );
    let status_file = start(&tmux, &workspace);
    tmux.wait_for_screen("the UI", |s| {
        s.contains("Ask Master (master)") && s.contains("TYPING")
    });
    tmux.send(&["-l", "paper stuck in the copier"]);
    tmux.send(&["Enter"]);
    tmux.wait_for_screen("the fallback", |s| s.contains("I'm sorry, I don't know"));

    // Another process adds an entry to sub3 while the app runs.
    let added = Command::new(env!("CARGO_BIN_EXE_interbot"))
        .args(["-w"])
        .arg(&workspace)
        .args([
            "qna",
            "add",
            "--bot",
            "sub3",
            "-q",
            "paper stuck in the copier",
            "-a",
            "Copier jams: call facilities on 4455.",
        ])
        .output()
        .expect("interbot qna add runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    tmux.wait_for_screen("the outside change", |s| {
        s.contains("sub3 changed on disk (1 added)") && s.contains("↻")
    });

    // The same question, typed again, now goes to sub3.
    tmux.send(&["-l", "paper stuck in the copier"]);
    tmux.send(&["Enter"]);
    tmux.wait_for_screen("the routed reply", |s| {
        s.contains("The chatbot sub3 can help you") && s.contains("4455.")
    });
    tmux.send(&["Escape", "q"]);
    expect_clean_exit(&tmux, &status_file);
}

/// The `*.json` files of the workspace's recovery folder and what they hold.
fn recovery_files(workspace: &Path) -> Vec<String> {
    std::fs::read_dir(workspace.join(".interbot/recovery"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_edit_survives_the_terminal_going_away_and_is_restored_and_saved() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (.ci/run installs it)");
        return;
    }
    let tmux = Tmux::new();
    let workspace = tmux.dir.path().join("workspace");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace"),
        &workspace,
    );
    start(&tmux, &workspace);
    tmux.wait_for_screen("the UI", |s| s.contains("TYPING"));
    tmux.send(&["Escape", "3"]);
    tmux.wait_for_screen("the sub2 tab", |s| s.contains(" NORMAL "));
    tmux.send(&["e"]);
    tmux.wait_for_screen("the QnA view", |s| s.contains("QnA of sub2"));
    tmux.send(&["/"]);
    tmux.send(&["-l", "printer not working"]);
    tmux.wait_for_screen("the filtered list", |s| s.contains("1 of 36"));
    tmux.send(&["Enter", "Enter"]);
    tmux.wait_for_screen("the editor", |s| s.contains(" EDIT "));
    tmux.send(&["-l", "toner everywhere"]);
    tmux.send(&["Enter"]);
    tmux.wait_for_screen("the typed variant", |s| s.contains("toner everywhere"));

    // The terminal goes away (as when an SSH connection drops): the app gets SIGHUP. A
    // second session keeps the tmux server up, so the next start does not race a server
    // that is exiting with its last session ("server exited unexpectedly").
    let keeper = tmux.run(&["new-session", "-d", "-s", "keeper"]);
    assert!(keeper.status.success());
    let killed = tmux.run(&["kill-session", "-t", "ui"]);
    assert!(killed.status.success());
    let kept = tmux.wait_for(
        "the draft in .interbot/recovery/",
        |_| recovery_files(&workspace).join("\n"),
        |files| files.contains("toner everywhere"),
    );
    assert!(
        kept.contains("3who6ahkix_the_printer_is_not_working"),
        "{kept}"
    );

    // The next start offers it; r restores it into the editor; Ctrl-S saves it.
    let status_file = start(&tmux, &workspace);
    tmux.wait_for_screen("the recovery prompt", |s| {
        s.contains("Unsaved drafts (1)") && s.contains("sub2 · entry 3who6ahkix")
    });
    tmux.send(&["r"]);
    tmux.wait_for_screen("the restored draft", |s| {
        s.contains(" EDIT ") && s.contains("toner everywhere")
    });
    tmux.send(&["C-s"]);
    tmux.wait_for_screen("the save", |s| s.contains("re-indexed"));
    let saved = std::fs::read_to_string(
        workspace.join("bots/sub2/qna/3who6ahkix_the_printer_is_not_working.json"),
    )
    .expect("the entry file");
    assert!(saved.contains("\"toner everywhere\","), "{saved}");
    tmux.send(&["Escape"]);
    tmux.wait_for_screen("sub2's conversation", |s| {
        s.contains("Ask IT operations (sub2)")
    });
    tmux.send(&["Escape", "q"]);
    expect_clean_exit(&tmux, &status_file);
    assert!(
        recovery_files(&workspace).is_empty(),
        "nothing left to recover"
    );
}
