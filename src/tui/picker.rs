//! The bot picker's matching: which tabs a typed filter selects, best first. Fuzzy in the
//! way fzf and atuin users expect: the filter's characters must appear in order (case
//! ignored) in the bot's id or its name; matches at the start, at word starts and in a run
//! rank higher, and shorter names break ties. An empty filter lists every bot in tab order.

use super::tab::BotTab;

/// The score of `query` against `text`, or `None` when its characters do not all appear in
/// order. Higher is better.
pub fn score(query: &str, text: &str) -> Option<i64> {
    let query: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    if query.is_empty() {
        return Some(0);
    }
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let mut score = 0i64;
    let mut next = 0;
    let mut previous: Option<usize> = None;
    for (i, c) in text.iter().enumerate() {
        if next == query.len() {
            break;
        }
        if *c != query[next] {
            continue;
        }
        score += 1;
        let word_start = i == 0 || !text[i - 1].is_alphanumeric();
        if i == 0 {
            score += 8;
        } else if word_start {
            score += 5;
        }
        match previous {
            Some(p) if p + 1 == i => score += 4,
            Some(p) => score -= i64::try_from(i - p - 1).unwrap_or(i64::MAX).min(3),
            None => {}
        }
        previous = Some(i);
        next += 1;
    }
    (next == query.len()).then(|| score * 100 - i64::try_from(text.len()).unwrap_or(0))
}

/// The tabs `query` matches, by index, best first (by id or by name, whichever scores
/// higher; ties in tab order).
pub fn matches(tabs: &[BotTab], query: &str) -> Vec<usize> {
    let mut scored: Vec<(i64, usize)> = tabs
        .iter()
        .enumerate()
        .filter_map(|(i, tab)| {
            let by_id = score(query, &tab.bot_id);
            let by_name = score(query, &tab.name);
            by_id.max(by_name).map(|s| (s, i))
        })
        .collect();
    if query.is_empty() {
        return scored.into_iter().map(|(_, i)| i).collect();
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tabs() -> Vec<BotTab> {
        [
            ("master", "Master"),
            ("music", "Music player"),
            ("play_game", "Games"),
            ("alarm", "Alarms and timers"),
            ("iot", "Smart home"),
        ]
        .iter()
        .map(|(id, name)| BotTab::new(id, name, 1, *id == "master"))
        .collect()
    }

    #[test]
    fn subsequences_match_in_order_only() {
        assert!(score("msc", "music").is_some());
        assert!(score("MUS", "music").is_some(), "case is ignored");
        assert_eq!(score("cm", "music"), None);
        assert_eq!(score("x", "music"), None);
        assert_eq!(score("", "anything"), Some(0));
    }

    #[test]
    fn starts_and_runs_rank_higher() {
        assert!(score("mu", "music").unwrap_or(0) > score("mu", "a_mu").unwrap_or(0));
        assert!(score("ga", "play_game").unwrap_or(0) > score("ga", "gxxa").unwrap_or(0));
    }

    #[test]
    fn matches_by_id_or_name_best_first() {
        let tabs = tabs();
        assert_eq!(matches(&tabs, ""), [0, 1, 2, 3, 4]);
        assert_eq!(matches(&tabs, "home"), [4], "by name");
        assert_eq!(matches(&tabs, "game")[0], 2);
        assert_eq!(matches(&tabs, "mus")[0], 1);
        assert!(matches(&tabs, "zzz").is_empty());
    }
}
