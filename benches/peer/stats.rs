//! Small measuring helpers: percentiles of timings and the process's peak memory.

use std::time::Duration;

/// Timings of one side over every question.
#[derive(Debug, Clone, Default)]
pub struct Timings(Vec<Duration>);

impl From<Vec<Duration>> for Timings {
    fn from(times: Vec<Duration>) -> Timings {
        Timings(times)
    }
}

impl Timings {
    /// The `p` quantile (0–1), nearest rank; zero when empty.
    pub fn quantile(&self, p: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * p).round().max(0.0) as usize;
        sorted.get(index).copied().unwrap_or_default()
    }

    /// The median.
    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    /// Questions per second over the whole run (count over total time).
    pub fn per_second(&self) -> f64 {
        let total: Duration = self.0.iter().sum();
        if total.is_zero() {
            0.0
        } else {
            self.0.len() as f64 / total.as_secs_f64()
        }
    }
}

/// This process's peak resident memory (`VmHWM`) in KiB, where the system says (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Microseconds with one decimal below 100, whole above.
pub fn micros(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 100.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.0}")
    }
}

/// A KiB count as MiB.
pub fn mib(kib: Option<u64>) -> String {
    match kib {
        Some(kib) => format!("{:.0} MiB", kib as f64 / 1024.0),
        None => "n/a".to_string(),
    }
}

/// A share as a percentage.
pub fn percent(count: usize, of: usize) -> String {
    if of == 0 {
        "n/a".to_string()
    } else {
        format!("{:.1} %", 100.0 * count as f64 / of as f64)
    }
}
