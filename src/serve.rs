//! `interbot serve`: every bot of the workspace over HTTP, in the shape of Botpress 12's
//! converse API (`converse-router.ts`), so a master elsewhere — another interbot, or a
//! Botpress master running the example's unmodified `delegate_to_bots` action — can delegate
//! to them.
//!
//! - `POST /api/v1/bots/{botId}/converse/{userId}`: the public route; like Botpress it
//!   returns only `responses` (any other `include` is refused with 401).
//! - `POST /api/v1/bots/{botId}/converse/{userId}/secured`: the same with `include=decision`,
//!   `nlu`, `state`; it needs `Authorization: Bearer <token>`, the token read from an
//!   environment variable when the server starts (no token configured: the route refuses
//!   every request).
//! - `GET /health`: `{"status": "ok", "bots": [...]}`.
//!
//! A response holds `responses` (each reply as `{"type": "text", "text", "markdown",
//! "typing"}`), and on request `decision` (`{"confidence", "payloads", "source": "qna",
//! "sourceDetails": <entry id>, "decision": {"status", "reason"}}`), `nlu`, `state`, and
//! interbot's own `interbot` (the turn's trace). Where Botpress reports "no suggestion
//! matched" with confidence 1, interbot reports confidence 0, so a Botpress master does not
//! take a bot that knows nothing for one that is sure.
//!
//! Errors are JSON `{"error": "…"}` with a 4xx status: malformed JSON, a question over
//! Botpress's 360 characters, an unknown bot, a wrong method, a missing or wrong token; a
//! body over the limit gets 413. Requests beyond the concurrency limit wait their turn. The
//! server binds where it is told (the CLI defaults to 127.0.0.1) and stops gracefully when
//! the `shutdown` future completes. Every request is logged through `tracing` (method, path,
//! status, µs), never printed.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::remote::converse::{ConverseRequest, Include, MAX_TEXT_CHARS};
use crate::session::{Engine, Turn};
use crate::workspace::MASTER_ID;

/// How a server is run.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The bearer token the `/secured` route wants (`None`: that route refuses all).
    pub token: Option<String>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How many questions are answered at once; more wait.
    pub max_concurrent: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            token: None,
            max_body_bytes: 64 * 1024,
            max_concurrent: 64,
        }
    }
}

struct Server {
    engine: Arc<Engine>,
    config: ServeConfig,
    permits: Semaphore,
}

/// The HTTP routes over `engine`.
pub fn router(engine: Arc<Engine>, config: ServeConfig) -> Router {
    let max_body = config.max_body_bytes;
    let server = Arc::new(Server {
        permits: Semaphore::new(config.max_concurrent.max(1)),
        engine,
        config,
    });
    let converse = |secured: bool| {
        post(move |state, path, query, headers, body| {
            converse(state, path, query, headers, body, secured)
        })
        .fallback(method_not_allowed)
    };
    Router::new()
        .route("/health", get(health).fallback(method_not_allowed))
        .route("/api/v1/bots/{bot_id}/converse/{user_id}", converse(false))
        .route(
            "/api/v1/bots/{bot_id}/converse/{user_id}/secured",
            converse(true),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(access_log))
        .with_state(server)
}

/// Serves `engine` on `listener` until `shutdown` completes, then finishes the requests
/// under way.
pub async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(engine, config))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A JSON error response.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such route")
}

async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

async fn health(State(server): State<Arc<Server>>) -> Response {
    let mut bots: Vec<String> = server
        .engine
        .workspace()
        .bots
        .iter()
        .map(|b| b.id.clone())
        .collect();
    bots.extend(
        server
            .engine
            .workspace()
            .settings
            .remote_bots
            .keys()
            .cloned(),
    );
    axum::Json(json!({ "status": "ok", "bots": bots })).into_response()
}

async fn converse(
    State(server): State<Arc<Server>>,
    Path((bot_id, _user_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
    secured: bool,
) -> Response {
    let include = Include::parse(query.get("include").map(String::as_str));
    if secured {
        if let Err(refusal) = server.authorize(&headers) {
            return error(StatusCode::UNAUTHORIZED, refusal);
        }
    } else if include.beyond_responses {
        // As Botpress's public route.
        return error(
            StatusCode::UNAUTHORIZED,
            "Unauthenticated converse API can only return 'responses'",
        );
    }
    let request: ConverseRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")),
    };
    if request.kind != "text" {
        return error(StatusCode::BAD_REQUEST, "\"type\" must be \"text\"");
    }
    if crate::remote::converse::botpress_rejects(&request.text) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Text must be a valid string of less than {MAX_TEXT_CHARS} chars"),
        );
    }
    let workspace = server.engine.workspace();
    if workspace.bot(&bot_id).is_none() && workspace.remote_bot(&bot_id).is_none() {
        return error(StatusCode::NOT_FOUND, format!("no bot `{bot_id}`"));
    }
    let Ok(_permit) = server.permits.acquire().await else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    };
    match server.engine.ask(&bot_id, &request.text).await {
        Ok(turn) => axum::Json(converse_response(&turn, include)).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

impl Server {
    /// Checks the bearer token of a `/secured` request; why it is refused otherwise.
    fn authorize(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        let Some(expected) = &self.config.token else {
            return Err("this server has no token configured for the secured route");
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        match given {
            Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err("missing or wrong bearer token"),
        }
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The converse response for a turn (see the module documentation).
pub fn converse_response(turn: &Turn, include: Include) -> Value {
    let responses: Vec<Value> = turn
        .replies
        .iter()
        .map(|text| json!({ "type": "text", "text": text, "markdown": true, "typing": true }))
        .collect();
    let mut response = json!({ "responses": responses });
    // What decided the reply: the master's best delegation (its payloads are what the master
    // said), or the sub-bot's best entry, passing its threshold or not (the asking master
    // applies its own, as it does to a local bot).
    let (best, payloads) = if turn.bot == MASTER_ID {
        let best = turn.trace.first().filter(|_| !turn.delegation.is_empty());
        (best, turn.replies.clone())
    } else {
        let best = turn.trace.first().filter(|row| row.entry_id.is_some());
        (
            best,
            best.and_then(|row| row.answer.clone())
                .into_iter()
                .collect(),
        )
    };
    if include.decision {
        response["decision"] = match best {
            Some(row) => {
                let payloads: Vec<Value> = payloads
                    .iter()
                    .map(|text| json!({ "type": "text", "text": text }))
                    .collect();
                let (status, reason) = if row.passed {
                    ("elected", "best remaining suggestion available".to_string())
                } else {
                    (
                        "dropped",
                        format!("confidence lower than {}", turn.min_confidence),
                    )
                };
                json!({
                    "confidence": row.confidence,
                    "payloads": payloads,
                    "source": "qna",
                    "sourceDetails": row.entry_id,
                    "decision": { "status": status, "reason": reason },
                })
            }
            None => json!({
                "confidence": 0,
                "payloads": [],
                "source": "decisionEngine",
                "sourceDetails": "execute default flow",
                "decision": { "status": "elected", "reason": "no suggestion matched (interbot reports confidence 0)" },
            }),
        };
    }
    if include.nlu {
        response["nlu"] = json!({
            "includedContexts": ["global"],
            "intent": best.map_or(json!({ "name": "none", "confidence": 1 }), |row| {
                json!({ "name": row.entry_id, "confidence": row.confidence })
            }),
        });
    }
    if include.state {
        response["state"] = json!({ "temp": { "delegation": turn.delegation } });
    }
    if include.decision || include.nlu {
        response["interbot"] = json!({
            "bot": turn.bot,
            "trace": turn.trace,
            "minConfidence": turn.min_confidence,
            "nodes": turn.nodes,
            "problems": turn.problems,
        });
    }
    response
}

/// Logs each request (method, path, status, µs) through `tracing`.
async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::info!(
        target: "interbot::access",
        %method,
        path = %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// Where a server bound to `address` can be reached, for messages.
pub fn url_of(address: SocketAddr) -> String {
    format!("http://{address}")
}
