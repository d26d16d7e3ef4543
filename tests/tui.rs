//! The terminal UI, headless: `TestBackend` snapshots of the main views, and key-driven tests
//! of tabs, handoff, scrolling and turn selection through the app's own action path.

mod tui_support;

use std::fs;
use std::path::Path;

use crossterm::event::{KeyCode, KeyModifiers};
use interbot::tui::action::{Action, Effect};
use interbot::tui::app::{Focus, Reply, Scroll};
use interbot::tui::keymap::Mode;
use interbot::tui::loading::Loading;
use interbot::tui::tab::{Standing, standings};
use interbot::tui::theme::Theme;
use interbot::{IndexProgress, IndexStage};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use tui_support::{
    Harness, ROUTED, bundled, find_cell, find_text, fixture, screen_text, workspace18,
};

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
    for rank in 1..=3 {
        assert!(
            screen.contains(&format!("#{rank} ")),
            "rank {rank} missing:\n{screen}"
        );
    }
    assert!(screen.contains("↓ 2 more lines"), "{screen}");
    insta::assert_snapshot!("sub_bot_tab", screen);
    // The rest of the five candidates are a selection away.
    ui.keys(&[KeyCode::Esc, KeyCode::Tab, KeyCode::Char('G')])
        .await;
    let screen = ui.screen();
    assert!(screen.contains("#5 "), "{screen}");
    assert!(screen.contains("row 5/5"), "{screen}");
}

#[tokio::test]
async fn snapshot_help_popup() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.press(KeyCode::F(1)).await;
    let screen = ui.screen();
    assert!(!screen.contains("more"), "the help fits 80×24:\n{screen}");
    // Every row of the keymap is listed in one context or the other (checked unwrapped, at a
    // wide width).
    use interbot::tui::keymap::HelpContext;
    let wide: String = [
        HelpContext::Chat,
        HelpContext::Qna,
        HelpContext::Recovery,
        HelpContext::Eval,
    ]
    .into_iter()
    .flat_map(|context| interbot::tui::ui::help::rows(400, context))
    .collect::<Vec<_>>()
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
        stage: IndexStage::Bots,
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

#[test]
fn the_start_up_screen_says_when_the_bot_router_is_trained() {
    let mut loading = Loading::new("workspace", 2);
    for (done, bot) in [(1, "sub1"), (2, "sub2")] {
        loading.on_progress(IndexProgress {
            done,
            total: 2,
            bot_id: bot.into(),
            stage: IndexStage::Bots,
        });
    }
    loading.on_progress(IndexProgress {
        done: 2,
        total: 2,
        bot_id: String::new(),
        stage: IndexStage::TrainingRouter,
    });
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    let frame = terminal
        .draw(|frame| interbot::tui::ui::loading::draw(frame, &loading, &Theme::no_color()))
        .expect("drawn");
    let screen = screen_text(frame.buffer);
    assert!(screen.contains("2 of 2 bots"), "{screen}");
    assert!(
        screen.contains("now: training the master's bot router"),
        "{screen}"
    );
    assert!(!screen.contains("last: sub2"), "{screen}");
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
    assert!(screen.contains("#3 "), "{screen}");
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
        matches!(effects.as_slice(), [Effect::Ask(ask), Effect::SaveHistory(_)] if ask.bot == "master" && ask.question == ROUTED)
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
    ui.press(KeyCode::Char(']')).await;
    assert_eq!(ui.app.tabs[ui.app.active].scroll, Scroll::Follow);
    ui.press(KeyCode::Char('[')).await;
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

// ---- the trace pane with many bots --------------------------------------------------------

/// An app on the generated 18-bot workspace that has asked [`workspace18::QUESTION`], in
/// normal mode with the trace focused.
async fn eighteen_bots(dir: &Path, width: u16, height: u16, theme: Theme) -> Harness {
    workspace18::write(dir);
    let mut ui = Harness::with_theme(dir, width, height, theme);
    assert_eq!(ui.app.tabs.len(), workspace18::SUB_BOTS + 1);
    ui.ask(workspace18::QUESTION).await;
    ui.keys(&[KeyCode::Esc, KeyCode::Tab]).await;
    assert_eq!(ui.app.focus, Focus::Trace);
    ui
}

/// The screen rows that are mostly reversed (a highlighted selection), as text.
fn highlighted_rows(buffer: &ratatui::buffer::Buffer) -> Vec<String> {
    let screen = screen_text(buffer);
    (0..buffer.area.height)
        .filter(|&y| {
            (0..buffer.area.width)
                .filter(|&x| buffer[(x, y)].modifier.contains(Modifier::REVERSED))
                .count()
                > 10
        })
        .map(|y| screen.lines().nth(usize::from(y)).unwrap_or("").to_string())
        .collect()
}

/// Where the selection is put for a snapshot.
const SELECTIONS: [(&str, &[KeyCode]); 3] = [
    ("top", &[KeyCode::Char('g')]),
    (
        "middle",
        &[
            KeyCode::Char('g'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
        ],
    ),
    ("bottom", &[KeyCode::Char('G')]),
];

/// Each cell's look as a letter: `R` reversed, `B` bold, `D` dim, `U` underlined, `c` any
/// colour without those, `.` plain (the first modifier in that order wins).
fn style_map(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &buffer[(x, y)];
            let m = cell.modifier;
            out.push(if m.contains(Modifier::REVERSED) {
                'R'
            } else if m.contains(Modifier::BOLD) {
                'B'
            } else if m.contains(Modifier::DIM) {
                'D'
            } else if m.contains(Modifier::UNDERLINED) {
                'U'
            } else if cell.fg != Color::Reset || cell.bg != Color::Reset {
                'c'
            } else {
                '.'
            });
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn snapshots_of_the_trace_with_18_bots_at_three_sizes() {
    for (width, height) in [(80, 24), (120, 40), (40, 12)] {
        for (where_, keys) in SELECTIONS {
            let mut screens = Vec::new();
            for theme in [Theme::no_color(), Theme::colored()] {
                let dir = tempfile::tempdir().expect("tempdir");
                let mut ui = eighteen_bots(dir.path(), width, height, theme).await;
                ui.keys(keys).await;
                let expected = match where_ {
                    "top" => 0,
                    "middle" => 8,
                    _ => workspace18::SUB_BOTS - 1,
                };
                assert_eq!(ui.app.tabs[0].trace_selected, expected);
                let buffer = ui.draw();
                let screen = screen_text(&buffer);
                // The selected row is in view, highlighted, and the pane says which it is.
                let row_title = format!("row {}/{}", expected + 1, workspace18::SUB_BOTS);
                let selected_bot = ui.app.tabs[0]
                    .selected_trace_row()
                    .map(|r| r.bot_id.clone())
                    .expect("a selected row");
                let highlighted = highlighted_rows(&buffer);
                assert_eq!(highlighted.len(), 1, "{width}×{height} {where_}:\n{screen}");
                assert!(
                    highlighted[0].contains(&selected_bot),
                    "{width}×{height} {where_}: highlighted {highlighted:?}, selected {selected_bot}"
                );
                if height > 12 {
                    assert!(screen.contains(&row_title), "{screen}");
                }
                screens.push((screen, buffer));
            }
            let (plain, plain_buffer) = &screens[0];
            let (colored, colored_buffer) = &screens[1];
            assert_eq!(plain, colored, "the text does not depend on colour");
            assert!(
                plain_buffer
                    .content()
                    .iter()
                    .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
            );
            assert!(
                colored_buffer
                    .content()
                    .iter()
                    .any(|c| c.fg != Color::Reset)
            );
            insta::assert_snapshot!(format!("trace18_{width}x{height}_{where_}"), plain);
            if (width, height, where_) == (80, 24, "top") {
                insta::assert_snapshot!(
                    "trace18_80x24_top_styles_no_color",
                    style_map(plain_buffer)
                );
                insta::assert_snapshot!(
                    "trace18_80x24_top_styles_color",
                    style_map(colored_buffer)
                );
            }
        }
    }
}

#[tokio::test]
async fn only_the_answering_row_is_marked_as_answering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ui = eighteen_bots(dir.path(), 120, 40, Theme::no_color()).await;
    let tab = &ui.app.tabs[0];
    let rows = tab.trace_rows();
    assert_eq!(rows.len(), workspace18::SUB_BOTS, "every bot has a row");
    let Some(Reply::Answered(turn)) = tab.exchanges.last().map(|e| &e.reply) else {
        panic!("no answer");
    };
    let standings = standings(turn, &rows, true);
    let answering: Vec<usize> = (0..rows.len())
        .filter(|&i| standings[i] == Standing::Answers)
        .collect();
    assert_eq!(answering.len(), 1, "{standings:?}");
    assert_eq!(rows[answering[0]].bot_id, turn.delegation[0].bot_id);
    let first_entry = rows[0].entry_id.clone().unwrap_or_default();
    let screen = ui.screen();
    assert_eq!(screen.matches('✔').count(), 1, "{screen}");
    // Each row names its entry; the selected one shows its answer in full.
    assert!(screen.contains(&format!("· {first_entry}")), "{screen}");
    assert!(screen.contains("answers ·"), "{screen}");
}

#[tokio::test]
async fn focus_moves_the_selection_over_every_row_and_the_view_follows() {
    let dir = tempfile::tempdir().expect("tempdir");
    workspace18::write(dir.path());
    let mut ui = Harness::new(dir.path(), 80, 24);
    ui.ask(workspace18::QUESTION).await;
    ui.press(KeyCode::Esc).await;
    assert_eq!(ui.app.focus, Focus::Conversation);
    // Tab in normal mode moves the focus, and the footer says so.
    assert!(ui.screen().contains("Tab focus"), "{}", ui.screen());
    ui.press(KeyCode::Tab).await;
    assert_eq!(ui.app.focus, Focus::Trace);
    let last = workspace18::SUB_BOTS - 1;
    for step in 1..=last {
        ui.press(KeyCode::Char('j')).await;
        assert_eq!(ui.app.tabs[0].trace_selected, step);
        let buffer = ui.draw();
        let bot = ui.app.tabs[0]
            .selected_trace_row()
            .map(|r| r.bot_id.clone())
            .unwrap_or_default();
        let highlighted = highlighted_rows(&buffer);
        assert!(
            highlighted.len() == 1 && highlighted[0].contains(&format!(" {bot}")),
            "row {step} in view:\n{}",
            screen_text(&buffer)
        );
    }
    ui.press(KeyCode::Char('j')).await;
    assert_eq!(ui.app.tabs[0].trace_selected, last, "stays on the last row");
    ui.press(KeyCode::Char('g')).await;
    assert_eq!(ui.app.tabs[0].trace_selected, 0);
    assert_eq!(ui.app.tabs[0].trace_top, 0);
    ui.press(KeyCode::PageDown).await;
    let paged = ui.app.tabs[0].trace_selected;
    assert!(paged > 1, "a page moves more than a row: {paged}");
    ui.press(KeyCode::PageUp).await;
    assert_eq!(ui.app.tabs[0].trace_selected, 0);
    ui.press(KeyCode::End).await;
    assert_eq!(ui.app.tabs[0].trace_selected, last);
    ui.press(KeyCode::Up).await;
    assert_eq!(ui.app.tabs[0].trace_selected, last - 1);
    // The conversation did not scroll meanwhile; Tab gives the keys back to it.
    assert_eq!(ui.app.tabs[0].scroll, Scroll::Follow);
    ui.press(KeyCode::BackTab).await;
    assert_eq!(ui.app.focus, Focus::Conversation);
    ui.keys(&[KeyCode::Char('g'), KeyCode::Char('j')]).await;
    assert_eq!(
        ui.app.tabs[0].trace_selected,
        last - 1,
        "j scrolled the conversation"
    );
    // A new question starts its trace at the top.
    ui.press(KeyCode::Char('i')).await;
    ui.ask("play a game").await;
    assert_eq!(ui.app.tabs[0].trace_selected, 0);
}

#[tokio::test]
async fn t_on_any_trace_row_hands_off_to_that_bot_even_below_the_threshold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ui = eighteen_bots(dir.path(), 80, 24, Theme::no_color()).await;
    ui.press(KeyCode::Char('G')).await;
    let row = ui.app.tabs[0].selected_trace_row().cloned().expect("a row");
    assert!(!row.passed, "the last row is below the threshold");
    ui.press(KeyCode::Char('t')).await;
    let tab = &ui.app.tabs[ui.app.active];
    assert_eq!(tab.bot_id, row.bot_id);
    assert_eq!(tab.exchanges.len(), 1);
    assert_eq!(tab.exchanges[0].question, workspace18::QUESTION);
    assert!(matches!(tab.exchanges[0].reply, Reply::Answered(_)));
    assert_eq!(ui.app.focus, Focus::Conversation);
    assert!(ui.screen().contains(&format!("Talking to {}", row.bot_id)));
}

#[tokio::test]
async fn the_trace_is_reachable_at_40x12() {
    let dir = tempfile::tempdir().expect("tempdir");
    workspace18::write(dir.path());
    let mut ui = Harness::new(dir.path(), 40, 12);
    ui.ask(workspace18::QUESTION).await;
    ui.keys(&[KeyCode::Esc, KeyCode::Tab, KeyCode::Char('G')])
        .await;
    let bot = ui.app.tabs[0]
        .selected_trace_row()
        .map(|r| r.bot_id.clone())
        .unwrap_or_default();
    let screen = ui.screen();
    assert!(
        screen.contains(&format!("{bot} ·")) || screen.contains(&format!("✘ {bot}")),
        "{screen}"
    );
    // Below 40×12 (compact), the focused trace replaces the conversation.
    ui.resize(30, 10);
    let screen = ui.screen();
    assert!(screen.contains(&bot), "{screen}");
}

#[tokio::test]
async fn footer_keeps_help_and_quit_at_80_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    workspace18::write(dir.path());
    let mut ui = Harness::new(dir.path(), 80, 24);
    for keys in [&[][..], &[KeyCode::Esc][..]] {
        ui.keys(keys).await;
        let screen = ui.screen();
        let footer = screen.lines().last().unwrap_or_default().to_string();
        assert!(footer.contains("help"), "{footer}");
        assert!(footer.contains("quit"), "{footer}");
    }
    let footer = ui.screen().lines().last().unwrap_or_default().to_string();
    assert!(
        footer.contains("? help") && footer.contains("q quit"),
        "{footer}"
    );
    assert!(footer.contains("b bots"), "{footer}");
}

#[tokio::test]
async fn the_bot_picker_finds_bots_past_nine_by_id_or_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    workspace18::write(dir.path());
    let mut ui = Harness::new(dir.path(), 80, 24);
    ui.keys(&[KeyCode::Esc, KeyCode::Char('b')]).await;
    assert_eq!(ui.app.key_mode(), Mode::Picker);
    let screen = ui.screen();
    assert!(screen.contains("Bots · 19 of 19"), "{screen}");
    // By name, fuzzy: "wthr" is Weather (tab 19, past the digits).
    ui.type_text("wthr").await;
    let screen = ui.screen();
    assert!(screen.contains("Bots · 1 of 19"), "{screen}");
    ui.press(KeyCode::Enter).await;
    assert_eq!(ui.app.popup, None);
    assert_eq!(ui.app.tabs[ui.app.active].bot_id, "weather");
    // By id, and moving down the matches; q and digits are typed, not commands.
    ui.press(KeyCode::Char('b')).await;
    ui.type_text("trans").await;
    ui.press(KeyCode::Down).await;
    ui.press(KeyCode::Up).await;
    ui.press(KeyCode::Enter).await;
    assert_eq!(ui.app.tabs[ui.app.active].bot_id, "transport");
    ui.press(KeyCode::Char('b')).await;
    ui.app.update(Action::Paste("we\nath".into()));
    assert_eq!(ui.app.picker.query, "we ath", "a paste filters too");
    ui.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL)
        .await;
    ui.type_text("q").await;
    assert!(!ui.quit);
    ui.press(KeyCode::Backspace).await;
    assert_eq!(ui.app.picker.query, "");
    ui.press(KeyCode::Esc).await;
    assert_eq!(ui.app.popup, None);
    assert_eq!(ui.app.tabs[ui.app.active].bot_id, "transport");
}

// ---- the input line -----------------------------------------------------------------------

#[tokio::test]
async fn readline_keys_edit_the_input_line() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    let ctrl = |c| (KeyCode::Char(c), KeyModifiers::CONTROL);
    ui.type_text("where is the pay check").await;
    // Ctrl-W deletes the word before the cursor, Ctrl-U to the start (not undo).
    ui.press_with(ctrl('w').0, ctrl('w').1).await;
    assert_eq!(ui.app.input_text(), "where is the pay ");
    ui.press_with(ctrl('a').0, ctrl('a').1).await;
    ui.type_text(">").await;
    assert_eq!(ui.app.input_text(), ">where is the pay ");
    ui.press_with(ctrl('e').0, ctrl('e').1).await;
    ui.type_text("slip").await;
    assert_eq!(ui.app.input_text(), ">where is the pay slip");
    ui.press_with(ctrl('u').0, ctrl('u').1).await;
    assert_eq!(ui.app.input_text(), "");
    // Ctrl-Y puts back what Ctrl-U cut; Ctrl-Z undoes, Ctrl-R redoes.
    ui.press_with(ctrl('y').0, ctrl('y').1).await;
    assert_eq!(ui.app.input_text(), ">where is the pay slip");
    ui.press_with(ctrl('z').0, ctrl('z').1).await;
    assert_eq!(ui.app.input_text(), "");
    ui.press_with(ctrl('r').0, ctrl('r').1).await;
    assert_eq!(ui.app.input_text(), ">where is the pay slip");
    ui.press_with(KeyCode::Char('7'), KeyModifiers::CONTROL)
        .await;
    assert_eq!(
        ui.app.input_text(),
        "",
        "Ctrl-_ (sent as Ctrl-7) undoes too"
    );
    ui.type_text("abc def").await;
    ui.press_with(ctrl('a').0, ctrl('a').1).await;
    ui.press_with(ctrl('k').0, ctrl('k').1).await;
    assert_eq!(ui.app.input_text(), "");
}

#[tokio::test]
async fn esc_then_a_key_typed_fast_is_not_lost() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.type_text("draft").await;
    // crossterm reads Esc quickly followed by 2 as Alt-2.
    ui.press_with(KeyCode::Char('2'), KeyModifiers::ALT).await;
    assert_eq!(ui.app.mode, Mode::Normal);
    assert_eq!(ui.app.active, 1);
    assert_eq!(ui.app.input_text(), "draft", "nothing typed");
    // In normal mode too: Esc (nothing there) then l, read as Alt-l, is l.
    ui.press_with(KeyCode::Char('l'), KeyModifiers::ALT).await;
    assert_eq!(ui.app.active, 2);
    ui.press(KeyCode::Char('i')).await;
    ui.press_with(KeyCode::Char('q'), KeyModifiers::ALT).await;
    assert!(ui.quit, "Esc q quits");
}

#[tokio::test]
async fn history_recalls_this_bots_questions_and_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = interbot::history::History::path(dir.path());
    let mut ui = Harness::new(&fixture(), 80, 24).with_history(&path);
    ui.ask("first question").await;
    ui.ask("second question").await;
    ui.press(KeyCode::Tab).await;
    ui.ask("to sub1 only").await;
    ui.press(KeyCode::BackTab).await;
    assert_eq!(ui.history_saves, 3);
    ui.type_text("half typed").await;
    ui.press(KeyCode::Up).await;
    assert_eq!(ui.app.input_text(), "second question");
    ui.press(KeyCode::Up).await;
    assert_eq!(ui.app.input_text(), "first question");
    ui.press(KeyCode::Up).await;
    assert_eq!(ui.app.input_text(), "first question", "the oldest stays");
    ui.press(KeyCode::Down).await;
    ui.press(KeyCode::Down).await;
    assert_eq!(ui.app.input_text(), "half typed", "the draft comes back");
    // A restart: a new app reads the file the runtime saved.
    let mut again = Harness::new(&fixture(), 80, 24).with_history(&path);
    again
        .press_with(KeyCode::Char('p'), KeyModifiers::CONTROL)
        .await;
    assert_eq!(again.app.input_text(), "second question");
    again.press(KeyCode::Tab).await;
    again.press(KeyCode::Up).await;
    assert_eq!(again.app.input_text(), "to sub1 only", "per bot");
    // Sending a recalled question again records it once.
    again.press(KeyCode::Enter).await;
    assert_eq!(again.history_saves, 0, "a repeat is not saved again");
}

#[tokio::test]
async fn a_classifier_probability_shows_where_there_is_one() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.ask(ROUTED).await;
    let Some(Reply::Answered(turn)) = ui.app.tabs[0].exchanges.last_mut().map(|e| &mut e.reply)
    else {
        panic!("no answer");
    };
    turn.trace[0].classifier = Some(0.87);
    let expected = format!("raw {:.2} p.87", turn.trace[0].score);
    let screen = ui.screen();
    assert!(screen.contains(&expected), "{expected}:\n{screen}");
    assert_eq!(
        screen.matches(" p.").count(),
        1,
        "only where there is one:\n{screen}"
    );
}

#[tokio::test]
async fn the_focused_trace_and_the_picker_draw_at_any_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ui = eighteen_bots(dir.path(), 80, 24, Theme::no_color()).await;
    let widths = [0, 1, 19, 20, 30, 39, 40, 41, 60, 79, 80, 120, 250];
    let heights = [0, 1, 4, 5, 8, 11, 12, 13, 24, 60];
    for picker in [false, true] {
        if picker {
            ui.press(KeyCode::Char('b')).await;
            ui.type_text("a").await;
        }
        for width in widths {
            for height in heights {
                ui.resize(width, height);
                ui.screen();
                for key in [KeyCode::Char('G'), KeyCode::PageUp, KeyCode::Char('j')] {
                    ui.press(key).await;
                    ui.screen();
                }
            }
        }
    }
    assert_eq!(ui.app.key_mode(), Mode::Picker);
}

/// A remote sub-bot gets a tab like a local one, marked `⇄`; asked while unreachable, its
/// trace row carries the error and the turn still ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_bots_get_marked_tabs_and_their_errors_show_in_the_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("bots/master")).expect("master folder");
    std::fs::write(
        root.join("bots/master/bot.config.json"),
        r#"{"id": "master", "name": "Master"}"#,
    )
    .expect("config");
    // Port 9 (discard) on loopback: nothing listens there, so the call fails at once.
    std::fs::write(
        root.join("interbot.json"),
        r#"{"remoteBots": {"far": {"url": "http://127.0.0.1:9/api/v1/bots/far", "timeoutMs": 2000, "name": "Far away"}}}"#,
    )
    .expect("interbot.json");
    let mut ui = Harness::new(root, 100, 30);
    let remote = ui
        .app
        .tabs
        .iter()
        .find(|t| t.bot_id == "far")
        .expect("a tab for the remote bot");
    assert!(
        remote
            .remote
            .as_deref()
            .is_some_and(|u| u.contains("127.0.0.1:9"))
    );
    ui.ask("is anyone there").await;
    let screen = screen_text(&ui.draw());
    assert!(screen.contains("Far away (far) ⇄"), "{screen}");
    assert!(screen.contains("far ⇄"), "{screen}");
    assert!(screen.contains("error: cannot reach"), "{screen}");
}

#[tokio::test]
async fn x_expands_the_selected_row_into_why_it_scores_what_it_does() {
    let mut ui = Harness::new(&fixture(), 80, 24);
    ui.ask(ROUTED).await;
    ui.keys(&[KeyCode::Esc, KeyCode::Char('x')]).await;
    assert!(ui.app.trace_focused(), "x focuses the trace");
    let screen = ui.screen();
    // The words the entry holds, the terms with bars, the runner-up beside, the sum.
    assert!(screen.contains("here    sub2"), "{screen}");
    assert!(screen.contains("raw "), "{screen}");
    assert!(screen.contains("ideal"), "{screen}");
    assert!(screen.contains("pay"), "{screen}");
    insta::assert_snapshot!("explain_80x24", screen);
    ui.resize(40, 12);
    insta::assert_snapshot!("explain_40x12", ui.screen());
    ui.resize(80, 24);

    // The expansion follows the selection; x again folds it.
    ui.press(KeyCode::Char('j')).await;
    assert!(ui.screen().contains("here    sub1"), "{}", ui.screen());
    ui.press(KeyCode::Char('x')).await;
    assert!(!ui.screen().contains("ideal"), "{}", ui.screen());
}

#[tokio::test]
async fn the_explanation_marks_the_matched_words_in_the_question() {
    let mut ui = Harness::new(&fixture(), 160, 40);
    ui.ask(ROUTED).await;
    ui.keys(&[KeyCode::Esc, KeyCode::Char('x')]).await;
    let buffer = ui.draw();
    // "pay" is in the best entry: drawn bold in the question's line of the explanation.
    let (x, y) = tui_support::find_text(&buffer, "asked “I have").expect("the question line");
    let line: String = (x..buffer.area.width)
        .map(|col| buffer[(col, y)].symbol().to_string())
        .collect();
    let pay = line.find("pay").expect("pay in the line");
    let col = x + u16::try_from(line[..pay].chars().count()).expect("column");
    assert!(
        buffer[(col, y)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD),
        "{line}"
    );
}
