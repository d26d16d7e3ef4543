//! The printed results: a block per size as soon as it is measured, then two Markdown tables
//! (build, routing) over every size, ready for the README.

use std::time::Duration;

use crate::measure::{Build, Measured};
use crate::stats::{Timings, mib, micros, percent};

/// One size's figures, printed when measured (long runs show progress).
pub fn size_block(m: &Measured) {
    let entries = m.size.bots * m.size.entries;
    println!(
        "\n## {} ({entries} entries, {} variants, {} questions)",
        m.size, m.variants, m.questions
    );
    println!(
        "build  interbot: load {:.2} s + index {:.2} s = {:.2} s{}",
        m.interbot_load.as_secs_f64(),
        m.interbot_index.as_secs_f64(),
        (m.interbot_load + m.interbot_index).as_secs_f64(),
        child_note(m.interbot_child)
    );
    println!(
        "start  interbot from its index cache: {:.2} s{}",
        m.interbot_cached.as_secs_f64(),
        child_note(m.interbot_cached_child)
    );
    println!(
        "build  FTS5:     {:.2} s{}",
        m.fts5_build.as_secs_f64(),
        child_note(m.fts5_child)
    );
    for (name, t) in [
        ("interbot (fan-out)", &m.interbot),
        ("interbot (1 thread)", &m.interbot_one_thread),
        ("FTS5", &m.fts5),
    ] {
        println!(
            "route  {name:<20} median {:>8} µs  p90 {:>8} µs  {:>9.0} q/s",
            micros(t.median()),
            micros(t.quantile(0.9)),
            t.per_second()
        );
    }
    println!(
        "ratio  interbot/FTS5 throughput {:.1}× (1 thread {:.1}×), median {:.1}×",
        throughput_ratio(&m.interbot, &m.fts5),
        throughput_ratio(&m.interbot_one_thread, &m.fts5),
        median_ratio(&m.interbot, &m.fts5)
    );
    println!(
        "routes right bot: interbot {} FTS5 {}; right entry: interbot {} FTS5 {}; \
         same bot {} same entry {}",
        percent(m.interbot_right_bot, m.questions),
        percent(m.fts5_right_bot, m.questions),
        percent(m.interbot_right_entry, m.questions),
        percent(m.fts5_right_entry, m.questions),
        percent(m.same_bot, m.questions),
        percent(m.same_entry, m.questions),
    );
}

/// The two summary tables.
pub fn tables(results: &[Measured]) {
    println!("\n### Build (folder → ready index; peak RSS of a process doing only that build)\n");
    println!(
        "| workspace | variants | interbot load + index | interbot peak | interbot cached start \
         | its peak | FTS5 build | FTS5 peak |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for m in results {
        let ours = m.interbot_load + m.interbot_index;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            m.size,
            m.variants,
            seconds(ours, m.interbot_child),
            mib(m.interbot_child.and_then(|b| b.peak_kib)),
            seconds(m.interbot_cached, m.interbot_cached_child),
            mib(m.interbot_cached_child.and_then(|b| b.peak_kib)),
            seconds(m.fts5_build, m.fts5_child),
            mib(m.fts5_child.and_then(|b| b.peak_kib)),
        );
    }
    println!("\n### Routing (per question, every bot asked; µs)\n");
    println!(
        "| workspace | interbot median / p90 | interbot 1 thread median | FTS5 median / p90 \
         | q/s interbot / FTS5 | ratio | right bot interbot / FTS5 | right entry interbot / \
         FTS5 | same bot / entry |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for m in results {
        println!(
            "| {} | {} / {} | {} | {} / {} | {:.0} / {:.0} | {:.1}× | {} / {} | {} / {} | {} / {} |",
            m.size,
            micros(m.interbot.median()),
            micros(m.interbot.quantile(0.9)),
            micros(m.interbot_one_thread.median()),
            micros(m.fts5.median()),
            micros(m.fts5.quantile(0.9)),
            m.interbot.per_second(),
            m.fts5.per_second(),
            throughput_ratio(&m.interbot, &m.fts5),
            percent(m.interbot_right_bot, m.questions),
            percent(m.fts5_right_bot, m.questions),
            percent(m.interbot_right_entry, m.questions),
            percent(m.fts5_right_entry, m.questions),
            percent(m.same_bot, m.questions),
            percent(m.same_entry, m.questions),
        );
    }
}

fn child_note(child: Option<Build>) -> String {
    match child {
        Some(build) => format!(
            " (alone in a process: {:.2} s, peak {})",
            build.took.as_secs_f64(),
            mib(build.peak_kib)
        ),
        None => String::new(),
    }
}

/// This process's build time, with the child's as a range when there is one.
fn seconds(here: Duration, child: Option<Build>) -> String {
    let here = here.as_secs_f64();
    match child {
        Some(build) => {
            let there = build.took.as_secs_f64();
            format!("{:.2}–{:.2} s", here.min(there), here.max(there))
        }
        None => format!("{here:.2} s"),
    }
}

fn throughput_ratio(ours: &Timings, theirs: &Timings) -> f64 {
    let theirs = theirs.per_second();
    if theirs == 0.0 {
        0.0
    } else {
        ours.per_second() / theirs
    }
}

fn median_ratio(ours: &Timings, theirs: &Timings) -> f64 {
    let ours = ours.median().as_secs_f64();
    if ours == 0.0 {
        0.0
    } else {
        theirs.median().as_secs_f64() / ours
    }
}
