//! The candidates of one search: which documents of the entries index a search has met,
//! each candidate's score so far, and the bookkeeping that lets a set be reused by the next
//! search in time proportional to what it touched.

/// A document not met yet in a search, a candidate, or out of the allowed entries.
pub(super) const UNSEEN: u8 = 0;
pub(super) const CANDIDATE: u8 = 1;
const EXCLUDED: u8 = 2;

/// The candidates of one search, by document of the entries index. Kept between searches
/// (see `EntrySearch::spare_candidates`), so a search costs what it touches, not the number
/// of entries.
pub(super) struct Candidates {
    /// Each candidate's score so far: its floor plus the evidence of the terms processed so
    /// far, a lower bound of its final score. Meaningless for other documents.
    pub score: Vec<f32>,
    /// `UNSEEN`, `CANDIDATE` or `EXCLUDED`, by document.
    pub state: Vec<u8>,
    /// The candidates, in the order they were met until `sort_by_doc`.
    pub docs: Vec<usize>,
    /// Whether `docs` is sorted.
    sorted: bool,
    /// The documents met out of the allowed entries.
    excluded: Vec<usize>,
    /// The best score so far.
    pub best: f32,
}

impl Candidates {
    /// No candidate among `documents` documents.
    pub fn new(documents: usize) -> Candidates {
        Candidates {
            score: vec![0.0; documents],
            state: vec![UNSEEN; documents],
            docs: Vec::new(),
            sorted: false,
            excluded: Vec::new(),
            best: f32::NEG_INFINITY,
        }
    }

    /// Back to no candidate, in time proportional to the documents met.
    pub fn clear(&mut self) {
        for doc in self.docs.drain(..).chain(self.excluded.drain(..)) {
            self.state[doc] = UNSEEN;
        }
        self.best = f32::NEG_INFINITY;
        self.sorted = false;
    }

    /// Makes `doc` a candidate scoring `floor` so far.
    pub fn admit(&mut self, doc: usize, floor: f32) {
        self.state[doc] = CANDIDATE;
        self.docs.push(doc);
        self.score[doc] = floor;
    }

    /// The entry ord (`doc_entries`) and score of the best candidate if its score is positive
    /// (equal scores: the lowest ord), as `best_first` with a limit of 1 would pick it.
    pub fn best_one(&self, doc_entries: &[u32]) -> Option<(usize, f32)> {
        // `best` is the best current score: scores only grow and `add` tracks each new one.
        if self.best <= 0.0 {
            return None;
        }
        let ord = self
            .docs
            .iter()
            .filter(|&&doc| self.score[doc] == self.best)
            .map(|&doc| doc_entries[doc] as usize)
            .min()?;
        Some((ord, self.best))
    }

    /// Sorts the candidates by document (once: candidates are only sorted after the last is
    /// admitted).
    pub fn sort_by_doc(&mut self) {
        if !self.sorted {
            self.docs.sort_unstable();
            self.sorted = true;
        }
    }

    /// Marks `doc` as out of the allowed entries.
    pub fn exclude(&mut self, doc: usize) {
        self.state[doc] = EXCLUDED;
        self.excluded.push(doc);
    }

    /// Adds `evidence` to candidate `doc`.
    pub fn add(&mut self, doc: usize, evidence: f32) {
        self.score[doc] += evidence;
        self.best = self.best.max(self.score[doc]);
    }

    /// The `limit`-th best score so far (`limit` ≥ 1, at most the number of candidates).
    pub fn kth_best(&self, limit: usize) -> f32 {
        if limit == 1 {
            // Scores only grow and each candidate is scored as it is admitted, so the best
            // score seen is the best current one.
            return self.best;
        }
        let mut scores: Vec<f32> = self.docs.iter().map(|&doc| self.score[doc]).collect();
        let (_, kth, _) = scores.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a));
        *kth
    }
}
