//! Asking one remote bot a question over the converse API, with the safety an operator
//! expects: a timeout for the whole exchange, a cap on the response body, redirects only to
//! the same origin, and every failure an error value (never a hang or a panic).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use thiserror::Error;

use super::converse::{ConverseReply, ConverseRequest};
use crate::workspace::RemoteBotConfig;

/// At most this many redirects are followed (to the same scheme, host and port only).
const MAX_REDIRECTS: usize = 3;

/// Why a remote bot gave no usable answer.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RemoteError {
    /// The configured URL cannot be used.
    #[error("bad remote url `{url}`: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token's environment variable is not set.
    #[error("the token variable {0} is not set")]
    MissingToken(String),
    /// No answer within the timeout.
    #[error("no answer within {0} ms")]
    Timeout(u64),
    /// The connection failed or broke.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL asked.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("HTTP {status}: {message}")]
    Status {
        /// The status code.
        status: u16,
        /// The server's error message, or the start of its body.
        message: String,
    },
    /// The response body was larger than allowed.
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    /// The body is not JSON, or not a converse response.
    #[error("malformed response: {0}")]
    Malformed(String),
}

/// What a remote bot answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteReply {
    /// Its confidence: `decision.confidence`, 0 when absent or when Botpress says nothing
    /// matched.
    pub confidence: f64,
    /// Whether it matched something (a confidence was reported and it is not Botpress's
    /// "no suggestion matched").
    pub matched: bool,
    /// Its answer: the decision's first text payload, else its first text response.
    pub answer: Option<String>,
    /// Every text it said, in order.
    pub texts: Vec<String>,
    /// The entry that answered, when the server says (a Botpress QnA id, or interbot's
    /// trace).
    pub entry_id: Option<String>,
    /// The closest question variant, when the server is an interbot.
    pub question: Option<String>,
    /// The raw score, when the server is an interbot.
    pub score: Option<f64>,
    /// Where interbot reads the response differently from Botpress.
    pub note: Option<String>,
    /// What Botpress's `delegate_to_bots` reads: `_.get(data, 'decision.confidence', 0)`,
    /// unclamped and including "no suggestion matched"'s 1.
    pub botpress_confidence: f64,
}

/// A remote sub-bot, ready to be asked.
#[derive(Debug, Clone)]
pub struct RemoteBot {
    /// Its id in this workspace.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The converse base URL (`<host>/api/v1/bots/<botId>`), without a trailing `/`.
    pub base_url: String,
    token: Result<Option<String>, RemoteError>,
    timeout_ms: u64,
    max_bytes: usize,
    http: reqwest::Client,
}

/// Distinguishes the user ids of concurrent questions.
static NEXT_USER: AtomicU64 = AtomicU64::new(0);

impl RemoteBot {
    /// A client for remote bot `id`; the token is read from its environment variable now.
    pub fn new(id: &str, config: &RemoteBotConfig) -> Result<RemoteBot, RemoteError> {
        let base_url = config.url.trim_end_matches('/').to_string();
        let bad = |reason: String| RemoteError::BadUrl {
            url: config.url.clone(),
            reason,
        };
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| bad(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(bad("not an http(s) URL with a host".to_string()));
        }
        let token = match &config.token_env {
            None => Ok(None),
            Some(name) => std::env::var(name)
                .map(Some)
                .map_err(|_| RemoteError::MissingToken(name.clone())),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same_origin = attempt
                    .previous()
                    .first()
                    .is_some_and(|first| first.origin() == attempt.url().origin());
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if same_origin {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(RemoteBot {
            id: id.to_string(),
            name: config.name.clone().unwrap_or_else(|| id.to_string()),
            base_url,
            token,
            timeout_ms: config.timeout_ms,
            max_bytes: config.max_response_bytes,
            http,
        })
    }

    /// Asks the bot `question` as Botpress's `delegate_to_bots` does, among entries of
    /// `contexts`.
    pub async fn ask(
        &self,
        question: &str,
        contexts: &[String],
    ) -> Result<RemoteReply, RemoteError> {
        let token = self.token.clone()?;
        let user = format!(
            "interbot_{}_{}",
            std::process::id(),
            NEXT_USER.fetch_add(1, Ordering::Relaxed)
        );
        let url = format!("{}/converse/{user}/secured", self.base_url);
        let body = ConverseRequest {
            kind: "text".to_string(),
            text: question.to_string(),
            included_contexts: contexts.to_vec(),
        };
        let mut request = self
            .http
            .post(&url)
            .query(&[("include", "decision")])
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| self.failure(&url, &e))?;
        let status = response.status();
        let bytes = self.read_capped(response, &url).await?;
        if !status.is_success() {
            return Err(RemoteError::Status {
                status: status.as_u16(),
                message: error_message(&bytes),
            });
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| RemoteError::Malformed(format!("not JSON ({e})")))?;
        let reply = ConverseReply::from_json(&value)
            .ok_or_else(|| RemoteError::Malformed("not a JSON object".to_string()))?;
        Ok(interpret(reply))
    }

    /// The body, read chunk by chunk and refused once it passes the cap.
    async fn read_capped(
        &self,
        mut response: reqwest::Response,
        url: &str,
    ) -> Result<Vec<u8>, RemoteError> {
        if response
            .content_length()
            .is_some_and(|length| length > self.max_bytes as u64)
        {
            return Err(RemoteError::TooLarge(self.max_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failure(url, &e))? {
            if bytes.len() + chunk.len() > self.max_bytes {
                return Err(RemoteError::TooLarge(self.max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    fn failure(&self, url: &str, error: &reqwest::Error) -> RemoteError {
        if error.is_timeout() {
            RemoteError::Timeout(self.timeout_ms)
        } else {
            // The innermost cause says what failed (refused, reset, DNS …).
            let mut reason = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                reason = cause.to_string();
                source = cause.source();
            }
            RemoteError::Unreachable {
                url: url.to_string(),
                reason,
            }
        }
    }
}

/// The reply as delegation reads it (see the module documentation).
fn interpret(reply: ConverseReply) -> RemoteReply {
    let first_row = reply
        .interbot_trace
        .as_ref()
        .and_then(|trace| trace.get(0))
        .cloned();
    let row_str = |field: &str| {
        first_row
            .as_ref()
            .and_then(|row| row.get(field))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (confidence, matched, note) = match reply.confidence {
        Some(reported) if reply.nothing_matched => (
            0.0,
            false,
            (reported > 0.0).then(|| {
                format!("Botpress: no suggestion matched (it reports confidence {reported})")
            }),
        ),
        Some(confidence) => (confidence.clamp(0.0, 1.0), true, None),
        None => (0.0, false, None),
    };
    let answer = if matched {
        reply.decision_text.or_else(|| reply.texts.first().cloned())
    } else {
        None
    };
    RemoteReply {
        confidence,
        matched,
        answer,
        entry_id: row_str("entryId")
            .or(reply.source_details)
            .filter(|_| matched),
        question: row_str("question").filter(|_| matched),
        score: first_row
            .as_ref()
            .and_then(|row| row.get("score"))
            .and_then(Value::as_f64)
            .filter(|_| matched),
        texts: reply.texts,
        note,
        botpress_confidence: reply.confidence.unwrap_or(0.0),
    }
}

/// The `error` of a JSON error body, else the body's start.
fn error_message(bytes: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes)
        && let Some(message) = value
            .get("error")
            .or_else(|| value.get("message"))
            .and_then(Value::as_str)
    {
        return message.to_string();
    }
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}
