//! One size measured: the workspace generated, each side's build timed (and, in a child
//! process of its own, its peak memory), then the same questions routed by both sides in this
//! process, alternating question by question so machine noise falls on both alike.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use interbot::workspace::QnaSnapshots;
use interbot::{Engine, IndexCache, Workspace};

use interbot::delegation::Delegation;

use crate::fts5::{self, Best, Fts5};
use crate::generate::{self, Question, Size, Vocabulary};
use crate::stats::{Timings, peak_rss_kib};

/// The threshold the delegation runs with (Botpress's default); routing reads the trace's
/// best row, which does not depend on it.
const MIN_CONFIDENCE: f64 = 0.5;

/// Questions routed before timing starts, on each side (caches, page faults, thread pool).
const WARM_UP: usize = 20;

/// A side's build, as one process saw it.
#[derive(Debug, Clone, Copy)]
pub struct Build {
    /// Wall time from the folder to a ready index.
    pub took: Duration,
    /// Peak resident memory of a process that did only this build (KiB).
    pub peak_kib: Option<u64>,
}

/// Everything measured for one size.
pub struct Measured {
    pub size: Size,
    pub variants: usize,
    pub questions: usize,
    /// interbot in this process: `Workspace::load`, then `Engine::new` (every bot's index).
    pub interbot_load: Duration,
    pub interbot_index: Duration,
    /// interbot's build in a child process (time and peak memory), when asked for.
    pub interbot_child: Option<Build>,
    /// interbot's start from its cache in this process, as the CLI starts: the workspace
    /// loaded through its QnA snapshots, then `Engine::with_cache` finding every bot's
    /// folder (both filled by a start just before).
    pub interbot_cached: Duration,
    /// The same start in a child process, when asked for.
    pub interbot_cached_child: Option<Build>,
    /// FTS5's build in this process.
    pub fts5_build: Duration,
    /// FTS5's build in a child process, when asked for.
    pub fts5_child: Option<Build>,
    /// interbot: the whole delegation fan-out (every bot asked, on the runtime's threads).
    pub interbot: Timings,
    /// interbot: every bot asked in turn on one thread (`Delegator::ask_one`).
    pub interbot_one_thread: Timings,
    /// FTS5: one `MATCH … ORDER BY rank LIMIT 1` per bot table, on one connection.
    pub fts5: Timings,
    pub interbot_right_bot: usize,
    pub interbot_right_entry: usize,
    pub fts5_right_bot: usize,
    pub fts5_right_entry: usize,
    pub same_bot: usize,
    pub same_entry: usize,
}

/// Measures one size in a fresh temporary folder (removed afterwards).
pub fn measure(
    size: Size,
    vocabulary: &Vocabulary,
    questions: usize,
    seed: u64,
    memory: bool,
    passes: usize,
) -> Result<Measured> {
    let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let root = dir.path();
    let started = Instant::now();
    let generated = generate::generate(root, size, vocabulary, questions, seed)?;
    eprintln!(
        "peer {size}: generated {} variants in {:.1} s",
        generated.variants,
        started.elapsed().as_secs_f64()
    );

    // Both sides are timed on files written out and read once already. Right after
    // generating, the system is still writing hundreds of thousands of new files out: at
    // 50 x 10k interbot's build, which comes first, took 11.5-12.2 s then (load 6.8-7.0 s),
    // against 5.0-5.1 s once the files had been read; FTS5, built later, paid less of it.
    let started = Instant::now();
    let synced = Command::new("sync")
        .status()
        .is_ok_and(|status| status.success());
    let read = read_every_qna_file(root, &generated.bots)?;
    eprintln!(
        "peer {size}: {}read the {read} QnA files once in {:.2} s",
        if synced { "synced and " } else { "" },
        started.elapsed().as_secs_f64()
    );

    let (interbot_child, fts5_child) = if memory {
        let interbot = build_in_child("interbot", root, &generated.bots)?;
        eprintln!(
            "peer {size}: interbot child build {:.2} s",
            interbot.took.as_secs_f64()
        );
        let fts5 = build_in_child("fts5", root, &generated.bots)?;
        eprintln!(
            "peer {size}: FTS5 child build {:.2} s",
            fts5.took.as_secs_f64()
        );
        (Some(interbot), Some(fts5))
    } else {
        (None, None)
    };

    let started = Instant::now();
    let workspace = Workspace::load(root)?;
    let interbot_load = started.elapsed();
    let started = Instant::now();
    let engine = Engine::new(workspace);
    let interbot_index = started.elapsed();
    if let Some(problem) = engine.problems().first() {
        bail!("the generated workspace has a problem: {problem}");
    }
    // A start that fills the index cache, then the start that finds it.
    let cache = cache_folder(root);
    Engine::with_cache(
        load_through_snapshots(root)?,
        Some(IndexCache::at(&cache)),
        &|_| {},
    );
    let started = Instant::now();
    let cached = Engine::with_cache(
        load_through_snapshots(root)?,
        Some(IndexCache::at(&cache)),
        &|_| {},
    );
    let interbot_cached = started.elapsed();
    drop(cached);
    let interbot_cached_child = if memory {
        let build = build_in_child("interbot-cached", root, &generated.bots)?;
        eprintln!(
            "peer {size}: interbot cached start in a child {:.2} s",
            build.took.as_secs_f64()
        );
        Some(build)
    } else {
        None
    };
    let started = Instant::now();
    let fts5 = Fts5::build(root, &generated.bots)?;
    let fts5_build = started.elapsed();
    eprintln!(
        "peer {size}: built interbot in {:.2} s, FTS5 in {:.2} s; routing {} questions",
        (interbot_load + interbot_index).as_secs_f64(),
        fts5_build.as_secs_f64(),
        generated.questions.len()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    let bots = engine.workspace().sub_bot_ids();
    let delegator = engine.delegator();
    for question in generated.questions.iter().take(WARM_UP) {
        std::hint::black_box(runtime.block_on(delegator.delegate(
            &question.text,
            &bots,
            MIN_CONFIDENCE,
        )));
        std::hint::black_box(fts5.best_per_bot(&question.text)?);
    }

    let mut measured = Measured {
        size,
        variants: generated.variants,
        questions: generated.questions.len(),
        interbot_load,
        interbot_index,
        interbot_child,
        interbot_cached,
        interbot_cached_child,
        fts5_build,
        fts5_child,
        interbot: Timings::default(),
        interbot_one_thread: Timings::default(),
        fts5: Timings::default(),
        interbot_right_bot: 0,
        interbot_right_entry: 0,
        fts5_right_bot: 0,
        fts5_right_entry: 0,
        same_bot: 0,
        same_entry: 0,
    };
    // Each question's time is its fastest over the passes, on each side alike: the other
    // work on a shared machine only ever adds time.
    let count = generated.questions.len();
    let (mut fan_out, mut one_thread, mut peer) = (
        vec![Duration::MAX; count],
        vec![Duration::MAX; count],
        vec![Duration::MAX; count],
    );
    for pass in 0..passes {
        for (i, question) in generated.questions.iter().enumerate() {
            let started = Instant::now();
            let delegation =
                runtime.block_on(delegator.delegate(&question.text, &bots, MIN_CONFIDENCE));
            fan_out[i] = fan_out[i].min(started.elapsed());

            // Another question than the one just asked, so this one finds none of its
            // postings in the CPU caches (the question FTS5 asks next shares nothing with
            // interbot's data either).
            let other = (i + count / 2) % count;
            let text = &generated.questions[other].text;
            let started = Instant::now();
            for bot in &bots {
                std::hint::black_box(delegator.ask_one(bot, text, MIN_CONFIDENCE));
            }
            one_thread[other] = one_thread[other].min(started.elapsed());

            let started = Instant::now();
            let best = fts5.best_per_bot(&question.text)?;
            peer[i] = peer[i].min(started.elapsed());

            if pass == 0 {
                tally(&mut measured, question, &delegation, &best);
            }
        }
    }
    measured.interbot = Timings::from(fan_out);
    measured.interbot_one_thread = Timings::from(one_thread);
    measured.fts5 = Timings::from(peer);
    Ok(measured)
}

/// Counts where each side routed `question`: to its source bot and entry, and to the same
/// bot and entry as the other side.
fn tally(
    measured: &mut Measured,
    question: &Question,
    delegation: &Delegation,
    best: &[Option<Best>],
) {
    let ours = delegation
        .trace
        .first()
        .filter(|row| row.confidence > 0.0)
        .and_then(|row| Some((row.bot_id.as_str(), row.entry_id.as_deref()?)));
    let theirs = fts5::route(best).map(|b| (b.bot.as_str(), b.entry.as_str()));
    let right = |route: Option<(&str, &str)>| {
        route.map(|(bot, entry)| {
            (
                bot == question.bot,
                bot == question.bot && entry == question.entry,
            )
        })
    };
    if let Some((bot, entry)) = right(ours) {
        measured.interbot_right_bot += usize::from(bot);
        measured.interbot_right_entry += usize::from(entry);
    }
    if let Some((bot, entry)) = right(theirs) {
        measured.fts5_right_bot += usize::from(bot);
        measured.fts5_right_entry += usize::from(entry);
    }
    if let (Some(ours), Some(theirs)) = (ours, theirs) {
        measured.same_bot += usize::from(ours.0 == theirs.0);
        measured.same_entry += usize::from(ours == theirs);
    }
}

/// Builds one side (`interbot` or `fts5`) from `root` in a fresh process, which reports its
/// build time and peak memory (see [`child`]).
fn build_in_child(side: &str, root: &Path, bots: &[String]) -> Result<Build> {
    let exe = std::env::current_exe().context("cannot find this benchmark's executable")?;
    let output = Command::new(exe)
        .arg("--child")
        .arg(side)
        .arg(root)
        .arg(bots.join(","))
        .output()
        .with_context(|| format!("cannot start the {side} build process"))?;
    if !output.status.success() {
        bail!(
            "the {side} build process failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut fields = stdout.split_whitespace();
    let took: f64 = fields
        .next()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("the {side} build process said `{}`", stdout.trim()))?;
    let peak_kib = fields.next().and_then(|s| s.parse().ok());
    Ok(Build {
        took: Duration::from_secs_f64(took),
        peak_kib,
    })
}

/// The child's side of [`build_in_child`]: builds `side` from `root` and prints
/// `SECONDS PEAK_KIB` (or `SECONDS -` where the system does not say).
pub fn child(side: &str, root: &Path, bots: &str) -> Result<()> {
    let bots: Vec<String> = bots.split(',').map(String::from).collect();
    let started = Instant::now();
    match side {
        "interbot" => {
            let engine = Engine::new(Workspace::load(root)?);
            let took = started.elapsed();
            std::hint::black_box(&engine);
            report(took);
        }
        "interbot-cached" => {
            let cache = Some(IndexCache::at(cache_folder(root)));
            let engine = Engine::with_cache(load_through_snapshots(root)?, cache, &|_| {});
            let took = started.elapsed();
            std::hint::black_box(&engine);
            report(took);
        }
        "fts5" => {
            let fts5 = Fts5::build(root, &bots)?;
            let took = started.elapsed();
            std::hint::black_box(&fts5);
            report(took);
        }
        other => bail!("no side `{other}` (interbot, interbot-cached or fts5)"),
    }
    Ok(())
}

/// The index cache of the generated workspace at `root`: beside its `bots/`, removed with it.
fn cache_folder(root: &Path) -> PathBuf {
    root.join("index-cache")
}

/// Reads every QnA file of `bots` once (their bytes only), so that no side's timed build
/// is the first to read them; returns how many there are.
fn read_every_qna_file(root: &Path, bots: &[String]) -> Result<usize> {
    let mut read = 0;
    for bot in bots {
        let qna = root.join("bots").join(bot).join("qna");
        let listing =
            std::fs::read_dir(&qna).with_context(|| format!("cannot list {}", qna.display()))?;
        for file in listing {
            let path = file
                .with_context(|| format!("cannot list {}", qna.display()))?
                .path();
            std::hint::black_box(
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
            );
            read += 1;
        }
    }
    Ok(read)
}

/// The workspace at `root` loaded as the CLI loads it with a cache: unchanged QnA files
/// taken from the cache's snapshots. The bench wrote the files a moment ago and nothing
/// edits them, so they are recorded at once instead of after two seconds.
fn load_through_snapshots(root: &Path) -> Result<Workspace> {
    let snapshots = QnaSnapshots::in_cache(&cache_folder(root)).settled_after(Duration::ZERO);
    Ok(Workspace::load_with(root, Some(snapshots))?)
}

fn report(took: Duration) {
    let peak = peak_rss_kib().map_or_else(|| "-".to_string(), |kib| kib.to_string());
    println!("{} {peak}", took.as_secs_f64());
}
