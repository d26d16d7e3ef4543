//! The persistent index cache (`src/index/cache/`): results are the same with it, cold or
//! warm, as without it; a corrupt, foreign or partly written cache folder is rebuilt, never
//! used; a changed bot gets a new folder and its old one goes; nothing but the cache's own
//! folders is ever removed; the CLI's `--cache` and `--no-cache` do what they say.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use common::{demo_questions, runtime, strip_timings, workspace_copy};
use interbot::workspace::QnaSnapshots;
use interbot::{Engine, IndexCache, Workspace};

/// A sub-bot with many variants per entry, so the copy has a bot with a trained classifier.
const ALARM: &[(&str, &[&str])] = &[
    (
        "alarm_set",
        &[
            "set an alarm for six in the morning",
            "wake me at half past seven",
            "i want an alarm at nine tonight",
            "please put an alarm on for noon",
            "alarm at five tomorrow",
            "make me an alarm for the early flight",
        ],
    ),
    (
        "alarm_cancel",
        &[
            "cancel the alarm for tomorrow",
            "turn my morning alarm off",
            "delete every alarm",
            "i no longer need the six am alarm",
            "stop tonight's alarm",
            "switch the alarm off please",
        ],
    ),
    (
        "alarm_list",
        &[
            "which alarms are set",
            "show my alarms",
            "list the alarms for this week",
            "do i have an alarm tomorrow",
            "how many alarms are on",
            "what is my next alarm",
        ],
    ),
];

/// A copy of the demo workspace with the alarm bot added (the master's flow asks every
/// sub-bot listed in it, so the alarm bot is asked directly).
fn workspace_with_trained_bot() -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = workspace_copy();
    let bot = root.join("bots/alarm");
    fs::create_dir_all(bot.join("qna")).expect("alarm folders");
    fs::write(
        bot.join("bot.config.json"),
        r#"{"id": "alarm", "name": "Alarms"}"#,
    )
    .expect("alarm config");
    for (id, questions) in ALARM {
        let entry = serde_json::json!({"id": id, "data": {"questions": questions,
            "answers": [format!("intent {id}")], "category": "global", "enabled": true,
            "action": "text", "redirectFlow": "", "redirectNode": ""}});
        fs::write(bot.join(format!("qna/{id}.json")), entry.to_string()).expect("an entry");
    }
    (dir, root)
}

/// Everything a run answers, without timings: for each bot and question, the replies and
/// every trace row's entry, closest variant, raw score and confidence (as bits).
fn answers(engine: &Engine, questions: &[String]) -> Vec<String> {
    let runtime = runtime();
    let mut out = Vec::new();
    for bot in ["master", "sub1", "sub2", "alarm"] {
        for question in questions {
            let turn = runtime.block_on(engine.ask(bot, question)).expect("a turn");
            let rows: Vec<String> = turn
                .trace
                .iter()
                .map(|row| {
                    format!(
                        "{} {:?} {:?} {:x} {:x} {:?} {}",
                        row.bot_id,
                        row.entry_id,
                        row.question,
                        row.score.to_bits(),
                        row.confidence.to_bits(),
                        row.classifier.map(f64::to_bits),
                        row.passed
                    )
                })
                .collect();
            out.push(format!("{bot} {question:?} {:?} {rows:?}", turn.replies));
        }
    }
    out
}

fn questions() -> Vec<String> {
    let mut questions: Vec<String> = demo_questions().lines().map(str::to_string).collect();
    questions.truncate(30);
    questions.extend(
        [
            "wake me at six",
            "turn off my alarm",
            "what alarms do i have",
        ]
        .map(String::from),
    );
    questions
}

fn engine(root: &Path, cache: Option<IndexCache>) -> Engine {
    let workspace = Workspace::load(root).expect("the workspace loads");
    Engine::with_cache(workspace, cache, &|_| {})
}

/// The cache folders under `root` (names of the cache's own form).
fn folders(root: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = fs::read_dir(root)
        .map(|listing| {
            listing
                .flatten()
                .map(|item| item.path())
                .filter(|path| path.join("manifest").is_file())
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    folders
}

/// Whether every file a folder's manifest lists has the size and hash it records.
fn intact(folder: &Path) -> bool {
    let Ok(manifest) = fs::read_to_string(folder.join("manifest")) else {
        return false;
    };
    manifest.starts_with("interbot index cache 3\n")
        && manifest.lines().skip(3).all(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            let Ok(bytes) = fs::read(folder.join(parts[0])) else {
                return false;
            };
            parts[1] == bytes.len().to_string()
                && parts[2] == blake3::hash(&bytes).to_hex().as_str()
        })
}

/// The files of every folder's entries index: segment files are named by a fresh id each
/// build, so an unchanged listing means the folder was opened, not rebuilt.
fn index_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = folders(root)
        .iter()
        .flat_map(|folder| {
            fs::read_dir(folder.join("entries"))
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|item| item.path())
        .collect();
    files.sort();
    files
}

/// The largest segment file of a cache folder's entries index (the master's empty index has
/// none).
fn a_segment_file(folder: &Path) -> Option<PathBuf> {
    fs::read_dir(folder.join("entries"))
        .expect("the entries index")
        .flatten()
        .map(|item| item.path())
        .filter(|path| path.extension().is_some_and(|e| e != "json" && e != "lock"))
        .max_by_key(|path| fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

#[test]
fn answers_are_identical_without_a_cache_with_a_cold_one_and_with_a_warm_one() {
    let (_dir, root) = workspace_with_trained_bot();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let questions = questions();
    let without = answers(&engine(&root, None), &questions);

    let cold = engine(&root, Some(IndexCache::at(cache_dir.path())));
    assert!(cold.index("alarm").is_some_and(|i| i.is_trained()));
    assert_eq!(answers(&cold, &questions), without);
    // One folder per bot (the master has no entries: its empty index is kept too).
    let stored = folders(cache_dir.path());
    assert_eq!(stored.len(), 5, "{stored:?}");
    assert!(stored.iter().all(|folder| intact(folder)));

    let built = index_files(cache_dir.path());
    let warm = engine(&root, Some(IndexCache::at(cache_dir.path())));
    assert!(warm.index("alarm").is_some_and(|i| i.is_trained()));
    assert_eq!(answers(&warm, &questions), without);
    assert_eq!(
        folders(cache_dir.path()),
        stored,
        "a warm start stores nothing new"
    );
    assert_eq!(
        index_files(cache_dir.path()),
        built,
        "a warm start builds nothing"
    );
}

#[test]
fn a_corrupt_foreign_or_unfinished_folder_is_rebuilt_not_used() {
    let (_dir, root) = workspace_with_trained_bot();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let questions = questions();
    let expected = answers(&engine(&root, None), &questions);
    engine(&root, Some(IndexCache::at(cache_dir.path())));
    let stored = folders(cache_dir.path());
    let first_build = index_files(cache_dir.path());

    type Damage = fn(&Path);
    let damages: [(&str, Damage); 5] = [
        ("a flipped byte in a segment", |folder| {
            let Some(file) = a_segment_file(folder) else {
                return;
            };
            let mut bytes = fs::read(&file).expect("segment bytes");
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x5a;
            fs::write(&file, bytes).expect("damaged");
        }),
        ("a truncated segment", |folder| {
            let Some(file) = a_segment_file(folder) else {
                return;
            };
            let bytes = fs::read(&file).expect("segment bytes");
            fs::write(&file, &bytes[..bytes.len() / 3]).expect("truncated");
        }),
        ("a missing manifest (never finished)", |folder| {
            fs::remove_file(folder.join("manifest")).expect("removed");
        }),
        ("a foreign manifest", |folder| {
            let manifest = fs::read_to_string(folder.join("manifest")).expect("manifest");
            let foreign = manifest.replacen("interbot index cache 3", "interbot index cache 99", 1);
            fs::write(folder.join("manifest"), foreign).expect("rewritten");
        }),
        ("a manifest naming a file outside the folder", |folder| {
            let mut manifest = fs::read_to_string(folder.join("manifest")).expect("manifest");
            manifest.push_str("../../etc/passwd 1 00\n");
            fs::write(folder.join("manifest"), manifest).expect("rewritten");
        }),
    ];
    for (what, damage) in damages {
        for folder in &stored {
            damage(folder);
        }
        let after = engine(&root, Some(IndexCache::at(cache_dir.path())));
        assert_eq!(answers(&after, &questions), expected, "after {what}");
        let now = folders(cache_dir.path());
        assert_eq!(now, stored, "after {what}: the same folders, rebuilt");
        assert!(now.iter().all(|folder| intact(folder)), "after {what}");
    }
    assert_ne!(
        index_files(cache_dir.path()),
        first_build,
        "the folders were rebuilt"
    );
}

#[test]
fn a_changed_bot_gets_a_new_folder_and_its_old_one_goes_and_nothing_else_is_touched() {
    let (_dir, root) = workspace_with_trained_bot();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let cache = IndexCache::at(cache_dir.path());
    // Things in the cache folder that are not the cache's: never removed.
    let notes = cache_dir.path().join("notes.txt");
    fs::write(&notes, "mine").expect("a note");
    let lookalike = cache_dir.path().join("0123456789abcdef-not-a-key");
    fs::create_dir(&lookalike).expect("a folder");
    // A staging folder left by a run that stopped more than an hour ago: removed.
    let stale = cache_dir.path().join(".staging-stopped");
    fs::create_dir(&stale).expect("a staging folder");
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    fs::File::open(&stale)
        .and_then(|dir| dir.set_modified(two_hours_ago))
        .expect("an old time");

    let engine_before = engine(&root, Some(cache.clone()));
    let before = folders(cache_dir.path());
    let entry = root.join("bots/alarm/qna/alarm_list.json");
    let text = fs::read_to_string(&entry).expect("the entry");
    fs::write(
        &entry,
        text.replace("show my alarms", "show me every alarm i have"),
    )
    .expect("edited");

    // Re-indexing after the edit (as the app does) stores the alarm bot's new version.
    let (reloaded, _) = engine_before.reload_bot("alarm").expect("reloaded");
    assert_eq!(reloaded.cache(), Some(&cache));
    let after = folders(cache_dir.path());
    assert_eq!(after.len(), before.len());
    let replaced: Vec<_> = before.iter().filter(|f| !after.contains(f)).collect();
    assert_eq!(
        replaced.len(),
        1,
        "only the alarm bot's folder is new: {replaced:?}"
    );
    let questions = questions();
    assert_eq!(
        answers(&reloaded, &questions),
        answers(&engine(&root, None), &questions)
    );

    assert_eq!(fs::read_to_string(&notes).ok().as_deref(), Some("mine"));
    assert!(lookalike.is_dir());
    assert!(!stale.exists(), "the stale staging folder is cleaned up");
}

#[test]
fn a_cache_that_cannot_be_written_costs_only_the_build() {
    let (_dir, root) = workspace_with_trained_bot();
    let blocker = tempfile::NamedTempFile::new().expect("a file");
    // A cache folder below a regular file can never be created.
    let cache = IndexCache::at(blocker.path().join("cache"));
    let questions = questions();
    assert_eq!(
        answers(&engine(&root, Some(cache)), &questions),
        answers(&engine(&root, None), &questions)
    );
}

fn interbot(cache_home: &Path) -> Command {
    let mut command = Command::cargo_bin("interbot").expect("the interbot binary");
    command
        .env("XDG_CACHE_HOME", cache_home)
        .env("HOME", cache_home);
    command
}

#[test]
fn the_cli_caches_in_the_users_cache_folder_or_where_told_or_not_at_all() {
    let (_dir, root) = workspace_copy();
    let home = tempfile::tempdir().expect("a cache home");
    let ask = |extra: &[&str]| {
        let output = interbot(home.path())
            .arg("-w")
            .arg(&root)
            .args(extra)
            .args(["ask", "--json", "my laptop will not start"])
            .output()
            .expect("interbot runs");
        assert!(output.status.success(), "{output:?}");
        let mut turn: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("a JSON turn");
        strip_timings(&mut turn);
        turn
    };
    let uncached = ask(&["--no-cache"]);
    assert!(
        fs::read_dir(home.path())
            .expect("a listing")
            .next()
            .is_none(),
        "--no-cache writes nothing"
    );
    assert_eq!(ask(&[]), uncached);
    let default = home.path().join("interbot");
    assert_eq!(folders(&default).len(), 4, "one folder per bot of the demo");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&default)
            .expect("the cache folder")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "the cache folder is the user's alone");
    }
    assert_eq!(ask(&[]), uncached, "warm");

    let elsewhere = home.path().join("elsewhere");
    let flag = elsewhere.to_string_lossy().into_owned();
    assert_eq!(ask(&["--cache", &flag]), uncached);
    assert_eq!(folders(&elsewhere).len(), 4);

    interbot(home.path())
        .args(["--cache", &flag, "--no-cache", "ask", "hi"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cannot be used with"));
}

#[test]
fn two_runs_storing_the_same_workspace_at_once_both_answer_and_leave_one_folder_per_bot() {
    let (_dir, root) = workspace_with_trained_bot();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let questions = questions();
    let expected = answers(&engine(&root, None), &questions);
    let engines: Vec<Engine> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| engine(&root, Some(IndexCache::at(cache_dir.path())))))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a run"))
            .collect()
    });
    for engine in &engines {
        assert_eq!(answers(engine, &questions), expected);
    }
    let stored = folders(cache_dir.path());
    assert_eq!(stored.len(), 5, "{stored:?}");
    assert!(stored.iter().all(|folder| intact(folder)));
    let leftovers: Vec<_> = fs::read_dir(cache_dir.path())
        .expect("a listing")
        .flatten()
        .filter(|item| item.file_name().to_string_lossy().starts_with(".staging-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_folders_of_a_deleted_workspace_go_when_another_is_stored() {
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let (gone_dir, gone_root) = workspace_copy();
    engine(&gone_root, Some(IndexCache::at(cache_dir.path())));
    let of_the_deleted = folders(cache_dir.path());
    assert_eq!(of_the_deleted.len(), 4);
    drop(gone_dir);
    assert!(!gone_root.exists());

    let (_dir, root) = workspace_copy();
    engine(&root, Some(IndexCache::at(cache_dir.path())));
    let now = folders(cache_dir.path());
    assert_eq!(now.len(), 4, "{now:?}");
    assert!(now.iter().all(|folder| !of_the_deleted.contains(folder)));
}

/// A folder whose `interbot.bin` was changed and whose manifest was made to agree (what
/// someone who can write to the cache folder could do): the manifest cannot tell, so the
/// decoders' own checks are all that stands between the bytes and the search. Whatever the
/// bytes, nothing panics: the folder is refused and rebuilt, or used with other numbers.
mod hostile_sidecar {
    use proptest::prelude::*;

    use super::*;

    fn rewrite_manifest(folder: &Path, sidecar: &[u8]) {
        let manifest = fs::read_to_string(folder.join("manifest")).expect("manifest");
        let agreeing: Vec<String> = manifest
            .lines()
            .map(|line| match line.strip_prefix("interbot.bin ") {
                Some(_) => format!(
                    "interbot.bin {} {}",
                    sidecar.len(),
                    blake3::hash(sidecar).to_hex()
                ),
                None => line.to_string(),
            })
            .collect();
        fs::write(folder.join("manifest"), agreeing.join("\n") + "\n").expect("manifest");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn changed_sidecar_bytes_never_panic(
            flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6),
            cut in prop::option::of(any::<prop::sample::Index>()),
        ) {
            let (_dir, root) = workspace_with_trained_bot();
            let cache_dir = tempfile::tempdir().expect("a cache folder");
            engine(&root, Some(IndexCache::at(cache_dir.path())));
            for folder in folders(cache_dir.path()) {
                let mut bytes = fs::read(folder.join("interbot.bin")).expect("sidecar");
                for (at, flip) in &flips {
                    let at = at.index(bytes.len());
                    bytes[at] ^= flip;
                }
                if let Some(cut) = cut {
                    bytes.truncate(cut.index(bytes.len() + 1));
                }
                fs::write(folder.join("interbot.bin"), &bytes).expect("sidecar");
                rewrite_manifest(&folder, &bytes);
            }
            let engine = engine(&root, Some(IndexCache::at(cache_dir.path())));
            let runtime = runtime();
            for bot in ["master", "sub1", "alarm"] {
                for question in ["wake me at six", "my pay check", "turn off my alarm"] {
                    let turn = runtime.block_on(engine.ask(bot, question));
                    prop_assert!(turn.is_ok());
                }
            }
        }
    }
}

/// Every bot's entries and the load problems, as loading gives them.
fn loaded(
    workspace: &Workspace,
) -> (
    Vec<Vec<interbot::workspace::QnaEntry>>,
    Vec<interbot::LoadProblem>,
) {
    let entries = workspace.bots.iter().map(|bot| bot.qna.to_vec()).collect();
    (entries, workspace.problems.clone())
}

#[test]
fn a_workspace_loaded_through_qna_snapshots_is_the_one_read_from_its_files() {
    let (_dir, root) = workspace_with_trained_bot();
    let languages = tempfile::tempdir().expect("a folder");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/languages");
    common::copy_dir(&fixture, languages.path());
    for root in [root.as_path(), languages.path()] {
        let cache_dir = tempfile::tempdir().expect("a cache folder");
        // Record files at once: these were written a moment ago.
        let snapshots = QnaSnapshots::in_cache(cache_dir.path()).settled_after(Duration::ZERO);
        let read = Workspace::load(root).expect("the workspace loads");
        let recording = Workspace::load_with(root, Some(snapshots.clone())).expect("loads");
        assert_eq!(loaded(&recording), loaded(&read));
        assert!(
            cache_dir
                .path()
                .join("qna")
                .read_dir()
                .is_ok_and(|mut d| d.next().is_some())
        );
        let recorded = Workspace::load_with(root, Some(snapshots.clone())).expect("loads");
        assert_eq!(
            loaded(&recorded),
            loaded(&read),
            "the same entries from the snapshots"
        );

        // An entry saved through the workspace is read again, by a reload as by a start.
        let bot = recorded
            .bots
            .iter()
            .find(|b| !b.qna.is_empty())
            .expect("a bot with QnA");
        let mut entry = bot.qna[0].clone();
        entry.answers = vec!["A new answer.".to_string()];
        let bot_id = bot.id.clone();
        recorded.save_entry(&bot_id, &entry).expect("saved");
        let (reloaded, _) = recorded.reload_bot(&bot_id).expect("reloaded");
        let started = Workspace::load_with(root, Some(snapshots)).expect("loads");
        let fresh = Workspace::load(root).expect("loads");
        assert_eq!(loaded(&reloaded).0, loaded(&fresh).0);
        assert_eq!(loaded(&started), loaded(&fresh));
        let answers = |w: &Workspace| w.bot(&bot_id).map(|b| b.qna[0].answers.clone());
        assert_eq!(answers(&started), Some(vec!["A new answer.".to_string()]));
    }
}

/// How many files loading skipped as repeating an id.
fn duplicates(workspace: &Workspace) -> usize {
    workspace
        .problems
        .iter()
        .filter(|problem| problem.message.contains("duplicate QnA id"))
        .count()
}

#[test]
fn a_repeated_id_is_found_whether_the_snapshot_serves_its_files_or_not() {
    let (_dir, root) = workspace_with_trained_bot();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let snapshots = QnaSnapshots::in_cache(cache_dir.path()).settled_after(Duration::ZERO);
    let qna = root.join("bots/alarm/qna");
    let copy = qna.join("zz_copy.json");
    let load = || Workspace::load_with(&root, Some(snapshots.clone())).expect("loads");
    // Recorded with the repeat, then served with it: the snapshot tells its ids repeat.
    fs::copy(qna.join("alarm_set.json"), &copy).expect("a copy");
    let read = Workspace::load(&root).expect("loads");
    assert_eq!(duplicates(&read), 1);
    for _ in 0..2 {
        let started = load();
        assert_eq!((loaded(&started), duplicates(&started)), (loaded(&read), 1));
    }
    // Recorded with distinct ids; a repeat added since is a file the snapshot does not
    // serve, so the ids are looked at again.
    fs::remove_file(&copy).expect("removed");
    load();
    let served = load();
    assert_eq!(duplicates(&served), 0);
    fs::copy(qna.join("alarm_list.json"), &copy).expect("a copy");
    let read = Workspace::load(&root).expect("loads");
    let started = load();
    assert_eq!((loaded(&started), duplicates(&started)), (loaded(&read), 1));
}

#[test]
fn a_start_from_snapshots_answers_the_same_and_decodes_only_the_entries_it_answers_with() {
    let (_dir, root) = workspace_with_trained_bot();
    let cache_dir = tempfile::tempdir().expect("a cache folder");
    let snapshots = QnaSnapshots::in_cache(cache_dir.path()).settled_after(Duration::ZERO);
    let start = || {
        let workspace = Workspace::load_with(&root, Some(snapshots.clone())).expect("loads");
        Engine::with_cache(workspace, Some(IndexCache::at(cache_dir.path())), &|_| {})
    };
    // The first start records the snapshots and the indexes; the second is served by both.
    drop(start());
    let served = start();
    let decoded = |engine: &Engine| -> Vec<String> {
        engine
            .workspace()
            .bots
            .iter()
            .filter(|bot| !bot.qna.is_empty() && bot.qna.is_decoded())
            .map(|bot| bot.id.clone())
            .collect()
    };
    // The demo's bots are in Botpress's own layout, so their entries stay encoded (the
    // alarm bot's files are kept whole, with their documents: decoded as they are loaded).
    let to_start = decoded(&served);
    for bot in ["sub1", "sub2"] {
        assert!(
            !to_start.contains(&bot.to_string()),
            "{bot}'s entries decoded to start"
        );
    }
    let questions = questions();
    assert_eq!(
        answers(&served, &questions),
        answers(&engine(&root, None), &questions),
        "the same answers as from the files"
    );
    assert_eq!(
        decoded(&served),
        to_start,
        "turns decode only the entries they answer with"
    );
}
