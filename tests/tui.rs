//! The terminal UI, headless: `TestBackend` snapshots of the main views, and key-driven tests
//! of tabs, handoff, scrolling and turn selection through the app's own action path.

mod tui_support;

use std::fs;
use std::path::Path;

use crossterm::event::{KeyCode, KeyModifiers};
use interbot::IndexProgress;
use interbot::tui::action::{Action, Effect};
use interbot::tui::app::{Reply, Scroll};
use interbot::tui::keymap::Mode;
use interbot::tui::loading::Loading;
use interbot::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use tui_support::{Harness, ROUTED, bundled, find_cell, find_text, fixture, screen_text};

// ---- snapshots ----------------------------------------------------------------------------

#[tokio::test]
async fn snapshot_master_after_a_routed_question() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.ask(ROUTED).await;
    let screen = ui.screen();
    assert!(screen.contains("✔ sub1"), "{screen}");
    assert!(screen.contains("✘ sub2"), "{screen}");
    assert!(screen.contains("│  Talk to sub1"), "{screen}");
    assert!(
        screen.contains("<http://localhost:3000/s/sub1>"),
        "{screen}"
    );
    assert!(
        screen.contains("│    │ I can help you"),
        "quote indented behind a bar:\n{screen}"
    );
    assert!(
        !screen.contains("[Talk to sub1]("),
        "raw markdown shown:\n{screen}"
    );
    insta::assert_snapshot!("master_routed", screen);
}

#[tokio::test]
async fn snapshot_master_after_an_unrouted_question() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.ask("Where is the cafeteria").await;
    let screen = ui.screen();
    assert!(screen.contains("I'm sorry"), "{screen}");
    assert!(!screen.contains('✔'), "{screen}");
    insta::assert_snapshot!("master_unrouted", screen);
}

#[tokio::test]
async fn snapshot_sub_bot_tab() {
    let mut ui = Harness::new(&bundled(), 80, 24);
    ui.press(KeyCode::Tab).await;
    ui.ask(ROUTED).await;
    let screen = ui.screen();
    for rank in 1..=5 {
        assert!(
            screen.contains(&format!("#{rank} ")),
            "rank {rank} missing:\n{screen}"
        );
    }
    insta::assert_snapshot!("sub_bot_tab", screen);
}

#[tokio::test]
async fn snapshot_help_popup() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.press(KeyCode::F(1)).await;
    let screen = ui.screen();
    assert!(!screen.contains("more"), "the help fits 80×24:\n{screen}");
    // Every row of the keymap is listed (checked unwrapped, at a wide width).
    let wide: String = interbot::tui::ui::help::rows(400)
        .iter()
        .map(|row| row.iter().map(|s| s.text.as_str()).collect::<String>() + "\n")
        .collect();
    for binding in interbot::tui::keymap::BINDINGS {
        assert!(
            wide.contains(binding.help),
            "{} missing:\n{wide}",
            binding.help
        );
        assert!(
            wide.contains(&binding.keys_text()),
            "{} missing:\n{wide}",
            binding.keys_text()
        );
    }
    insta::assert_snapshot!("help_popup", screen);
}

#[tokio::test]
async fn snapshot_narrow_60x20() {
    let mut ui = Harness::new(&fixture(), 60, 20);
    ui.ask(ROUTED).await;
    let screen = ui.screen();
    assert!(screen.contains("✔ sub1"), "{screen}");
    assert!(screen.contains("threshold 0.50"), "{screen}");
    insta::assert_snapshot!("narrow_60x20", screen);
}

#[tokio::test]
async fn snapshot_tiny_20x5() {
    let mut ui = Harness::new(&fixture(), 20, 5);
    ui.ask(ROUTED).await;
    insta::assert_snapshot!("tiny_20x5", ui.screen());
}

fn loading_screen(width: u16, height: u16) -> String {
    let mut loading = Loading::new("workspace", 4);
    loading.on_progress(IndexProgress {
        done: 3,
        total: 4,
        bot_id: "sub2\x1b[2J".into(),
    });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    let frame = terminal
        .draw(|frame| interbot::tui::ui::loading::draw(frame, &loading, &Theme::no_color()))
        .expect("drawn");
    screen_text(frame.buffer)
}

#[test]
fn snapshot_start_up_screen() {
    let screen = loading_screen(80, 24);
    assert!(screen.contains("indexing workspace"), "{screen}");
    assert!(screen.contains("3 of 4 bots"), "{screen}");
    assert!(screen.contains("last: sub2^[[2J"), "sanitized:\n{screen}");
    insta::assert_snapshot!("start_up", screen);
    assert_eq!(loading_screen(12, 3).trim_end(), "indexing 3/4");
}

// ---- sizes and hygiene --------------------------------------------------------------------

#[tokio::test]
async fn any_size_draws_without_panicking() {
    let mut ui = Harness::new(&bundled(), 80, 24);
    ui.ask(ROUTED).await;
    ui.ask("Where is the cafeteria ☕ 日本語").await;
    let widths = [
        0, 1, 2, 5, 10, 19, 20, 21, 30, 39, 40, 41, 55, 56, 57, 60, 79, 80, 81, 120, 250,
    ];
    let heights = [0, 1, 2, 4, 5, 6, 8, 11, 12, 13, 20, 24, 60];
    for popup in [None, Some(KeyCode::F(1))] {
        if let Some(key) = popup {
            ui.press(key).await;
        }
        for width in widths {
            for height in heights {
                ui.resize(width, height);
                let screen = ui.screen();
                if width < 20 || height < 5 {
                    let first = screen.lines().next().unwrap_or_default();
                    let shown = first.trim_end_matches('…');
                    assert!(
                        "terminal too small".starts_with(shown),
                        "{width}×{height}: {first:?}"
                    );
                }
                // Scrolling at every size stays in bounds too.
                ui.app.update(Action::PageUp);
                ui.app.update(Action::ScrollDown(3));
                ui.screen();
            }
        }
    }
}

#[tokio::test]
async fn no_color_theme_sets_no_colour_and_the_colour_theme_does() {
    let mut plain = Harness::new(&fixture(), 80, 24);
    plain.ask(ROUTED).await;
    let buffer = plain.draw();
    assert!(
        buffer
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "a NO_COLOR cell has a colour"
    );
    let mut colored = Harness::with_theme(&fixture(), 80, 24, Theme::colored());
    colored.ask(ROUTED).await;
    assert!(
        colored
            .draw()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

#[tokio::test]
async fn passing_and_failing_rows_differ_without_colour() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.ask(ROUTED).await;
    let buffer = ui.draw();
    let pass = find_cell(&buffer, "✔").expect("a passing mark");
    let fail = find_cell(&buffer, "✘").expect("a failing mark");
    assert!(buffer[pass].modifier.contains(Modifier::BOLD));
    assert!(buffer[fail].modifier.contains(Modifier::DIM));
    // The bot ids after the marks: bold when passing, dim when not.
    assert!(
        buffer[(pass.0 + 2, pass.1)]
            .modifier
            .contains(Modifier::BOLD)
    );
    assert!(
        buffer[(fail.0 + 2, fail.1)]
            .modifier
            .contains(Modifier::DIM)
    );
    // Link text and URL are told apart by modifiers too.
    let link = find_text(&buffer, "Talk to sub1").expect("link text");
    let url = find_text(&buffer, "<http://localhost:3000/s/sub1>").expect("url");
    assert_eq!(buffer[link].modifier, Modifier::UNDERLINED);
    assert!(buffer[url].modifier.contains(Modifier::DIM));
}

/// A workspace whose bot texts hold terminal escape sequences.
fn hostile_workspace(root: &Path) {
    let write = |path: &str, value: serde_json::Value| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, serde_json::to_string_pretty(&value).expect("json")).expect("write");
    };
    write(
        "bots/master/bot.config.json",
        serde_json::json!({"id": "master", "name": "Master"}),
    );
    write(
        "bots/evil/bot.config.json",
        serde_json::json!({"id": "evil", "name": "Evil\u{1b}[31m bot"}),
    );
    write(
        "bots/evil/qna/x1_hostile.json",
        serde_json::json!({"id": "x1_hostile", "data": {
            "questions": ["tell me about the hostile answer"],
            "answers": ["Title \u{1b}]0;pwned\u{7} and clear \u{1b}[2J done \u{9b}1m"],
            "category": "global", "enabled": true, "action": "text",
            "redirectFlow": "", "redirectNode": ""
        }}),
    );
}

#[tokio::test]
async fn bot_text_is_sanitized_before_it_reaches_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_workspace(dir.path());
    let mut ui = Harness::new(dir.path(), 100, 30);
    ui.ask("tell me about the hostile answer").await;
    ui.press(KeyCode::Tab).await;
    ui.ask("tell me about the hostile answer \u{1b}[5m").await;
    for tab in [0, 1] {
        ui.app.update(Action::SelectTab(tab));
        let buffer = ui.draw();
        for cell in buffer.content() {
            assert!(
                !cell.symbol().chars().any(char::is_control),
                "control character drawn: {:?}",
                cell.symbol()
            );
        }
        let screen = screen_text(&buffer);
        assert!(screen.contains("^[]0;pwned^G"), "{screen}");
        assert!(screen.contains("^[[2J"), "{screen}");
        assert!(screen.contains("Evil^[[31m bot"), "{screen}");
    }
}

// ---- key-driven behaviour -----------------------------------------------------------------

#[tokio::test]
async fn keys_switch_tabs_and_each_tab_keeps_its_conversation() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    assert_eq!(ui.app.tabs.len(), 3);
    ui.ask(ROUTED).await;
    ui.press(KeyCode::Tab).await;
    assert_eq!(ui.app.active, 1);
    ui.ask("Who hosts the website").await;
    ui.press(KeyCode::BackTab).await;
    assert_eq!(ui.app.active, 0);
    ui.press(KeyCode::BackTab).await;
    assert_eq!(ui.app.active, 2, "previous wraps around");
    // Normal mode: numbers, brackets, h/l and arrows.
    ui.press(KeyCode::Esc).await;
    assert_eq!(ui.app.mode, Mode::Normal);
    let steps = [
        (KeyCode::Char('1'), 0),
        (KeyCode::Char(']'), 1),
        (KeyCode::Char('l'), 2),
        (KeyCode::Right, 0),
        (KeyCode::Char('['), 2),
        (KeyCode::Char('h'), 1),
        (KeyCode::Left, 0),
        (KeyCode::Char('2'), 1),
    ];
    for (key, tab) in steps {
        ui.press(key).await;
        assert_eq!(ui.app.active, tab, "after {key:?}");
    }
    ui.press(KeyCode::Char('9')).await;
    assert_eq!(ui.app.active, 1);
    assert_eq!(ui.app.status.as_deref(), Some("There is no tab 9."));
    // Each tab kept its own conversation.
    let questions = |tab: usize| -> Vec<String> {
        ui.app.tabs[tab]
            .exchanges
            .iter()
            .map(|e| e.question.clone())
            .collect()
    };
    assert_eq!(questions(0), [ROUTED]);
    assert_eq!(questions(1), ["Who hosts the website"]);
    assert!(questions(2).is_empty());
    let screen = ui.screen();
    assert!(screen.contains("Who hosts the website"), "{screen}");
    assert!(!screen.contains(ROUTED), "{screen}");
    ui.press(KeyCode::Char('i')).await;
    assert_eq!(ui.app.mode, Mode::Typing);
}

#[tokio::test]
async fn talk_to_hands_off_to_the_best_bot_with_the_same_question() {
    let mut ui = Harness::new(&bundled(), 80, 24);
    ui.ask(ROUTED).await;
    ui.keys(&[KeyCode::Esc, KeyCode::Char('t')]).await;
    let sub1 = ui
        .app
        .tabs
        .iter()
        .position(|t| t.bot_id == "sub1")
        .expect("sub1 tab");
    assert_eq!(ui.app.active, sub1);
    let tab = &ui.app.tabs[sub1];
    assert_eq!(tab.exchanges.len(), 1);
    assert_eq!(tab.exchanges[0].question, ROUTED);
    let Reply::Answered(turn) = &tab.exchanges[0].reply else {
        panic!("sub1 did not answer: {:?}", tab.exchanges[0].reply);
    };
    assert_eq!(turn.bot, "sub1");
    assert!(
        turn.trace.len() >= 5,
        "top candidates: {}",
        turn.trace.len()
    );
    assert!(turn.trace.iter().all(|row| row.bot_id == "sub1"));
    let screen = ui.screen();
    assert!(screen.contains("Ask Human Resources (sub1)"), "{screen}");
    assert!(screen.contains("#5 "), "{screen}");
    assert!(screen.contains("Talking to sub1"), "{screen}");
    // In the sub-bot's tab there is nobody further to talk to.
    ui.press(KeyCode::Char('t')).await;
    assert_eq!(ui.app.active, sub1);
    assert!(
        ui.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains("own tab"))
    );
}

#[tokio::test]
async fn talk_to_without_a_passing_bot_says_so() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.keys(&[KeyCode::Esc, KeyCode::Char('t')]).await;
    assert!(
        ui.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains("Ask a question first"))
    );
    ui.press(KeyCode::Char('i')).await;
    ui.ask("Where is the cafeteria").await;
    ui.keys(&[KeyCode::Esc, KeyCode::Char('t')]).await;
    assert_eq!(ui.app.active, 0);
    assert!(
        ui.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains("No bot passed"))
    );
    assert!(ui.screen().contains("No bot passed"));
}

#[tokio::test]
async fn a_pending_question_shows_thinking_and_input_stays_live() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.type_text(ROUTED).await;
    let effects = ui.app.handle_key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ));
    assert!(
        matches!(effects.as_slice(), [Effect::Ask(ask)] if ask.bot == "master" && ask.question == ROUTED)
    );
    let screen = ui.screen();
    assert!(screen.contains("master is thinking…"), "{screen}");
    assert!(screen.contains("1 master …"), "tab marker:\n{screen}");
    // Still typing while the job runs.
    ui.type_text("next one").await;
    assert_eq!(ui.app.input_text(), "next one");
    ui.run(effects).await;
    assert!(!ui.screen().contains("thinking…"));
}

#[tokio::test]
async fn scrolling_follows_the_bottom_unless_scrolled_up() {
    let mut ui = Harness::new(&bundled(), 80, 24);
    for n in 1..=6 {
        ui.ask(&format!("question {n} about my pay check")).await;
    }
    let tab = ui.app.active;
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Follow);
    assert!(ui.screen().contains("question 6"), "follows the bottom");
    ui.press(KeyCode::PageUp).await;
    let Scroll::Top(top) = ui.app.tabs[tab].scroll else {
        panic!("PageUp did not scroll");
    };
    let before = ui.screen();
    // A new answer arriving while scrolled up does not move the view.
    let effects = ui.app.update(Action::Paste("question 7".into()));
    ui.run(effects).await;
    let effects = ui.app.handle_key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ));
    ui.app.tabs[tab].scroll = Scroll::Top(top);
    ui.run(effects).await;
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Top(top));
    let conversation_rows = |screen: &str| -> Vec<String> {
        screen
            .lines()
            .skip(2)
            .take(10)
            .map(|l| l.chars().take(44).collect())
            .collect()
    };
    assert_eq!(conversation_rows(&ui.screen()), conversation_rows(&before));
    // Normal mode: g top, j/k a line, G back to following.
    ui.keys(&[KeyCode::Esc, KeyCode::Char('g')]).await;
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Top(0));
    assert!(ui.screen().contains("question 1"));
    ui.press(KeyCode::Char('j')).await;
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Top(1));
    ui.press(KeyCode::Char('k')).await;
    ui.press(KeyCode::Up).await;
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Top(0));
    ui.press(KeyCode::Char('G')).await;
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Follow);
    // PageDown all the way ends up following again.
    ui.press(KeyCode::Char('g')).await;
    for _ in 0..20 {
        ui.press(KeyCode::PageDown).await;
    }
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Follow);
    // Other tabs keep their own position.
    ui.press(KeyCode::Char('g')).await;
    ui.press(KeyCode::Tab).await;
    assert_eq!(ui.app.tabs[ui.app.active].scroll, Scroll::Follow);
    ui.press(KeyCode::BackTab).await;
    assert_eq!(ui.app.tabs[tab].scroll, Scroll::Top(0));
}

#[tokio::test]
async fn the_trace_follows_the_selected_turn() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.ask(ROUTED).await;
    ui.ask("Where is the cafeteria").await;
    assert!(ui.screen().contains("Trace · turn 2/2"));
    ui.keys(&[KeyCode::Esc, KeyCode::Char('K')]).await;
    assert_eq!(ui.app.tabs[0].selected, Some(0));
    let screen = ui.screen();
    assert!(screen.contains("Trace · turn 1/2"), "{screen}");
    assert!(screen.contains("✔ sub1"), "{screen}");
    // Older than the first stays on the first; talk to uses the selected turn.
    ui.press(KeyCode::Char('{')).await;
    assert_eq!(ui.app.tabs[0].selected, Some(0));
    ui.press(KeyCode::Char('J')).await;
    assert_eq!(ui.app.tabs[0].selected, None, "back to the latest");
    assert!(ui.screen().contains("Trace · turn 2/2"));
    ui.press(KeyCode::Char('}')).await;
    assert_eq!(ui.app.tabs[0].selected, None);
}

#[tokio::test]
async fn help_and_problems_popups_open_scroll_and_close() {
    let mut ui = Harness::new(&fixture(), 60, 12);
    ui.press(KeyCode::F(1)).await;
    assert_eq!(ui.app.key_mode(), Mode::Popup);
    assert!(ui.screen().contains(" HELP "));
    ui.keys(&[KeyCode::Char('j'), KeyCode::Char('j')]).await;
    assert_eq!(ui.app.popup_scroll, 2);
    ui.press(KeyCode::PageDown).await;
    let scrolled = ui.app.popup_scroll;
    ui.press(KeyCode::PageDown).await;
    assert!(ui.app.popup_scroll >= scrolled, "stays in bounds");
    ui.press(KeyCode::Char('q')).await;
    assert_eq!(ui.app.popup, None);
    assert!(!ui.quit, "q closes the popup, it does not quit");
    ui.keys(&[KeyCode::Esc, KeyCode::Char('p')]).await;
    assert!(ui.screen().contains("No problems"));
    ui.press(KeyCode::Esc).await;
    ui.press(KeyCode::Char('?')).await;
    assert!(ui.app.popup.is_some());
    ui.press(KeyCode::Char('?')).await;
    assert!(ui.app.popup.is_none());
}

#[tokio::test]
async fn problems_are_counted_and_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_workspace(dir.path());
    fs::write(dir.path().join("bots/evil/qna/broken.json"), "{ not json").expect("write");
    let mut ui = Harness::new(dir.path(), 80, 24);
    assert!(!ui.app.problems.is_empty());
    assert!(ui.screen().contains("problem"), "indicator");
    ui.keys(&[KeyCode::Esc, KeyCode::Char('p')]).await;
    let screen = ui.screen();
    assert!(screen.contains("broken.json"), "{screen}");
}

#[tokio::test]
async fn quitting_paste_and_wide_characters() {
    let mut ui = Harness::new(&fixture(), 40, 40);
    // Pasted text: one line, no control characters.
    ui.app.update(Action::Paste("two\nlines\x1b[31m".into()));
    assert_eq!(ui.app.input_text(), "two lines[31m");
    ui.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL)
        .await;
    assert_eq!(ui.app.input_text(), "");
    // A CJK and emoji question wraps by columns and comes out whole.
    let question = "日本語のテキストと絵文字🎉を含むとても長い質問です";
    ui.ask(question).await;
    let screen = ui.screen();
    let joined: String = screen
        .lines()
        .skip(3)
        .take_while(|l| !l.starts_with("│  master"))
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').trim())
        .collect();
    assert_eq!(joined, question, "{screen}");
    // Ctrl-C quits from typing mode, q from normal mode.
    ui.press_with(KeyCode::Char('c'), KeyModifiers::CONTROL)
        .await;
    assert!(ui.quit);
    ui.quit = false;
    ui.keys(&[KeyCode::Esc, KeyCode::Char('q')]).await;
    assert!(ui.quit);
}
