//! Sub-bots on other machines, as `interbot.json` declares them: where each one's Botpress
//! converse API is, and how to authenticate (the name of an environment variable holding a
//! bearer token: interbot never writes a token into a file).
//!
//! ```json
//! {"remoteBots": {"sub1": {"url": "https://hr.example.com/api/v1/bots/sub1",
//!                          "tokenEnv": "HR_BOT_TOKEN", "timeoutMs": 5000}}}
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::LoadProblem;

/// Default time a remote bot has to answer, in milliseconds.
pub const DEFAULT_REMOTE_TIMEOUT_MS: u64 = 5_000;
/// Default largest response body read from a remote bot.
pub const DEFAULT_REMOTE_MAX_BYTES: usize = 1 << 20;

/// One remote sub-bot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteBotConfig {
    /// The bot's converse base URL: Botpress 12's `<host>/api/v1/bots/<botId>` (interbot
    /// appends `/converse/<userId>/secured`).
    pub url: String,
    /// The environment variable holding the bearer token, if the server wants one.
    #[serde(default)]
    pub token_env: Option<String>,
    /// How long one question may take, in milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// The largest response body accepted, in bytes.
    #[serde(default = "default_max_bytes")]
    pub max_response_bytes: usize,
    /// A display name (the tab title); the id otherwise.
    #[serde(default)]
    pub name: Option<String>,
}

fn default_timeout() -> u64 {
    DEFAULT_REMOTE_TIMEOUT_MS
}

fn default_max_bytes() -> usize {
    DEFAULT_REMOTE_MAX_BYTES
}

/// Drops the remote bots that cannot be used, with a problem naming `path` for each: an id
/// that is not a plain name or that a local bot already has, a URL that is not `http(s)://`,
/// a zero timeout or size cap.
pub(super) fn validate(
    remote: &mut BTreeMap<String, RemoteBotConfig>,
    local_ids: &[String],
    path: &Path,
    problems: &mut Vec<LoadProblem>,
) {
    remote.retain(|id, config| {
        let reason = if !is_plain_id(id) {
            Some("its id must be letters, digits, `_`, `-` or `.`".to_string())
        } else if local_ids.contains(id) {
            Some("a local bot has the same id".to_string())
        } else if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            Some(format!("url `{}` is not http:// or https://", config.url))
        } else if config.timeout_ms == 0 || config.max_response_bytes == 0 {
            Some("timeoutMs and maxResponseBytes must be positive".to_string())
        } else {
            None
        };
        if let Some(reason) = &reason {
            problems.push(LoadProblem::error(
                path,
                format!("remote bot `{id}` is ignored: {reason}"),
            ));
        }
        reason.is_none()
    });
}

/// Whether `id` is a plain bot id (safe in a URL path and as a tab title).
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> RemoteBotConfig {
        RemoteBotConfig {
            url: url.to_string(),
            token_env: None,
            timeout_ms: 100,
            max_response_bytes: 100,
            name: None,
        }
    }

    #[test]
    fn unusable_remote_bots_are_dropped_with_a_problem() {
        let mut remote = BTreeMap::from([
            (
                "ok".to_string(),
                config("http://127.0.0.1:1/api/v1/bots/ok"),
            ),
            (
                "sub1".to_string(),
                config("http://127.0.0.1:1/api/v1/bots/sub1"),
            ),
            ("../x".to_string(), config("http://127.0.0.1:1/")),
            ("ftp".to_string(), config("ftp://host/")),
        ]);
        let mut problems = Vec::new();
        validate(
            &mut remote,
            &["sub1".to_string()],
            Path::new("interbot.json"),
            &mut problems,
        );
        assert_eq!(remote.keys().collect::<Vec<_>>(), ["ok"]);
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
