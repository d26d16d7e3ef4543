//! Generated workspaces and questions for the peer benchmark: bots in Botpress's on-disk
//! layout (`bots/<id>/bot.config.json`, `bots/<id>/qna/<entry>.json`, Botpress 11 form), each
//! entry 2–5 question variants made of words drawn Zipf-like (s = 1) from the project's own
//! vocabulary (`benches/data/`), and questions made from entries with their source known.
//!
//! Every bot draws its content words from a window of the topic list (twice as wide as the
//! step between bots, so each topic word belongs to about two bots) plus the common words
//! every bot shares; routing is therefore meaningful but not trivial.

use std::fmt;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::json;

/// The most bots a size may have (each is a folder and an FTS5 table).
const MAX_BOTS: usize = 1_000;

/// The most entries a bot may have (each is a file).
const MAX_ENTRIES: usize = 1_000_000;

/// How many bots and entries a generated workspace has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Sub-bots (the master comes on top).
    pub bots: usize,
    /// Entries per sub-bot.
    pub entries: usize,
}

impl Size {
    /// The four sizes of issue 16: 3 × 30, 10 × 1k, 10 × 10k, 50 × 10k.
    pub const ALL: [Size; 4] = [
        Size::new(3, 30),
        Size::new(10, 1_000),
        Size::new(10, 10_000),
        Size::new(50, 10_000),
    ];

    const fn new(bots: usize, entries: usize) -> Size {
        Size { bots, entries }
    }

    /// Parses `BOTSxENTRIES`, where a count may end in `k` (thousands): `10x1k`.
    pub fn parse(text: &str) -> Result<Size> {
        let count = |part: &str| -> Result<usize> {
            let (digits, scale) = match part.strip_suffix(['k', 'K']) {
                Some(digits) => (digits, 1_000),
                None => (part, 1),
            };
            let n: usize = digits
                .parse()
                .with_context(|| format!("`{part}` is not a count in size `{text}`"))?;
            if n == 0 {
                bail!("size `{text}` has a zero count");
            }
            n.checked_mul(scale)
                .with_context(|| format!("size `{text}` is too large"))
        };
        let Some((bots, entries)) = text.split_once(['x', 'X']) else {
            bail!("size `{text}` is not BOTSxENTRIES (e.g. 10x1k)");
        };
        let size = Size::new(count(bots)?, count(entries)?);
        if size.bots > MAX_BOTS || size.entries > MAX_ENTRIES {
            bail!("size `{text}` is over {MAX_BOTS} bots or {MAX_ENTRIES} entries a bot");
        }
        Ok(size)
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = if self.entries >= 1_000 && self.entries.is_multiple_of(1_000) {
            format!("{}k", self.entries / 1_000)
        } else {
            self.entries.to_string()
        };
        write!(f, "{} × {}", self.bots, entries)
    }
}

/// A small seeded generator (SplitMix64), so every run makes the same workspace and questions.
pub struct Rng(u64);

impl Rng {
    /// A generator for this seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `[0, n)`; `n` must not be 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `[low, high]`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Zipf weights (s = 1) over a list: rank `k` (from 0) is drawn with weight `1 / (k + 1)`.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|k| {
                total += 1.0 / (k as f64 + 1.0);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c <= target)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

/// The benchmark's vocabulary: common words every bot uses, and topic words, both roughly in
/// frequency order.
pub struct Vocabulary {
    common: Vec<String>,
    topics: Vec<String>,
}

impl Vocabulary {
    /// Reads `common-words.txt` and `topic-words.txt` from `dir`.
    pub fn load(dir: &Path) -> Result<Vocabulary> {
        let read = |name: &str| -> Result<Vec<String>> {
            let path = dir.join(name);
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read the vocabulary {}", path.display()))?;
            let words: Vec<String> = text
                .lines()
                .map(|line| line.split('#').next().unwrap_or(""))
                .flat_map(str::split_whitespace)
                .map(str::to_lowercase)
                .collect();
            if words.len() < 20 {
                bail!("the vocabulary {} has fewer than 20 words", path.display());
            }
            Ok(words)
        };
        Ok(Vocabulary {
            common: read("common-words.txt")?,
            topics: read("topic-words.txt")?,
        })
    }

    /// The vocabulary shipped with the benchmark (`benches/data/`).
    pub fn bundled() -> Result<Vocabulary> {
        Vocabulary::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data"))
    }

    /// The topic words of bot `bot` of `bots`: a window twice as wide as the step between bots
    /// (wrapping around the list), so neighbouring bots share half their topic words.
    fn window(&self, bot: usize, bots: usize) -> Vec<&str> {
        let n = self.topics.len();
        let start = bot * n / bots;
        let width = (2 * n / bots).clamp(8, n);
        (0..width)
            .map(|i| self.topics[(start + i) % n].as_str())
            .collect()
    }
}

/// A question made from an entry, with the bot and entry it was made from.
#[derive(Debug, Clone)]
pub struct Question {
    /// The question's text.
    pub text: String,
    /// The bot whose entry it was made from.
    pub bot: String,
    /// The entry it was made from.
    pub entry: String,
}

/// What [`generate`] wrote.
pub struct Generated {
    /// The sub-bots' ids, in workspace order.
    pub bots: Vec<String>,
    /// Question variants written, over every bot.
    pub variants: usize,
    /// The questions to route.
    pub questions: Vec<Question>,
}

/// The id of sub-bot `b` (sorted the same way as numbers, as the workspace orders bots).
fn bot_id(b: usize) -> String {
    format!("bot{b:02}")
}

/// Writes a workspace of `size` under `root` (which must exist): a master without QnA and
/// `size.bots` sub-bots of `size.entries` entries each; and makes `questions` questions from
/// entries picked at random, each a variant with a word dropped, replaced or added.
pub fn generate(
    root: &Path,
    size: Size,
    vocabulary: &Vocabulary,
    questions: usize,
    seed: u64,
) -> Result<Generated> {
    let mut rng = Rng::new(seed ^ ((size.bots as u64) << 32) ^ size.entries as u64);
    let common = Zipf::new(vocabulary.common.len());
    let bots_dir = root.join("bots");
    write_bot_config(&bots_dir.join("master"), "master")?;
    let mut bots = Vec::with_capacity(size.bots);
    let mut variants_written = 0;
    // Entries of every bot, kept only as word lists, to make questions from afterwards.
    let mut entries: Vec<Vec<Vec<Vec<&str>>>> = Vec::with_capacity(size.bots);
    for b in 0..size.bots {
        let id = bot_id(b);
        let dir = bots_dir.join(&id);
        write_bot_config(&dir, &id)?;
        let window = vocabulary.window(b, size.bots);
        let topic = Zipf::new(window.len());
        let mut bot_entries = Vec::with_capacity(size.entries);
        for e in 0..size.entries {
            let core: Vec<&str> = (0..rng.between(2, 3))
                .map(|_| window[topic.draw(&mut rng)])
                .collect();
            let variants: Vec<Vec<&str>> = (0..rng.between(2, 5))
                .map(|_| {
                    let mut words: Vec<&str> =
                        core.iter().copied().filter(|_| rng.chance(0.8)).collect();
                    if words.is_empty() {
                        words.push(core[0]);
                    }
                    for _ in 0..rng.between(1, 3) {
                        words.push(window[topic.draw(&mut rng)]);
                    }
                    for _ in 0..rng.between(1, 4) {
                        words.push(&vocabulary.common[common.draw(&mut rng)]);
                    }
                    shuffle(&mut words, &mut rng);
                    words
                })
                .collect();
            variants_written += variants.len();
            write_entry(&dir, &entry_id(e), &variants)?;
            bot_entries.push(variants);
        }
        entries.push(bot_entries);
        bots.push(id);
    }
    let everything = Zipf::new(vocabulary.common.len() + vocabulary.topics.len());
    let any_word = |rng: &mut Rng| -> &str {
        let k = everything.draw(rng);
        match vocabulary.common.get(k) {
            Some(word) => word,
            None => &vocabulary.topics[k - vocabulary.common.len()],
        }
    };
    let questions = (0..questions)
        .map(|_| {
            let b = rng.below(size.bots);
            let e = rng.below(size.entries);
            let variants = &entries[b][e];
            let mut words = variants[rng.below(variants.len())].clone();
            if words.len() > 3 && rng.chance(0.5) {
                words.remove(rng.below(words.len()));
            }
            if rng.chance(0.5) {
                let at = rng.below(words.len());
                words[at] = &vocabulary.common[common.draw(&mut rng)];
            }
            if rng.chance(0.5) {
                let at = rng.below(words.len() + 1);
                words.insert(at, any_word(&mut rng));
            }
            Question {
                text: words.join(" "),
                bot: bot_id(b),
                entry: entry_id(e),
            }
        })
        .collect();
    Ok(Generated {
        bots,
        variants: variants_written,
        questions,
    })
}

fn entry_id(e: usize) -> String {
    format!("e{e:05}_generated")
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

fn write_bot_config(dir: &Path, id: &str) -> Result<()> {
    fs::create_dir_all(dir.join("qna"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let config = json!({"id": id, "name": id, "version": "11.0.0", "description": "generated"});
    write_json(&dir.join("bot.config.json"), &config)
}

fn write_entry(bot_dir: &Path, id: &str, variants: &[Vec<&str>]) -> Result<()> {
    let questions: Vec<String> = variants.iter().map(|words| words.join(" ")).collect();
    let entry = json!({
        "id": id,
        "data": {
            "action": "text",
            "answers": [format!("the answer of {id}")],
            "category": "global",
            "enabled": true,
            "questions": questions,
            "redirectFlow": "",
            "redirectNode": ""
        }
    });
    write_json(&bot_dir.join("qna").join(format!("{id}.json")), &entry)
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .with_context(|| format!("cannot serialize {}", path.display()))?;
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
