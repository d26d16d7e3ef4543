//! The JSON of Botpress 12's converse API, as its `converse-router.ts` and
//! `services/converse.ts` read and write it, plus interbot's own `interbot` field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Botpress's limit on a converse question (`ConverseService.sendMessage`: "Text must be a
/// valid string of less than 360 chars").
pub const MAX_TEXT_CHARS: usize = 360;

/// Whether Botpress's converse API refuses `text`: empty, or longer than
/// [`MAX_TEXT_CHARS`] as JavaScript counts length (UTF-16 code units: an emoji counts two).
/// `ConverseService.sendMessage` (`src/bp/core/services/converse.ts`) checks
/// `!payload.text || payload.text.length > 360`.
pub fn botpress_rejects(text: &str) -> bool {
    text.is_empty() || text.encode_utf16().count() > MAX_TEXT_CHARS
}

/// A converse request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseRequest {
    /// Always `text` (the only type Botpress's schema accepts).
    #[serde(rename = "type", default = "text_type")]
    pub kind: String,
    /// The question.
    pub text: String,
    /// Contexts whose QnA entries may answer.
    #[serde(default)]
    pub included_contexts: Vec<String>,
}

fn text_type() -> String {
    "text".to_string()
}

/// What a converse response says, read leniently from its JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConverseReply {
    /// The `text` of each response, in order.
    pub texts: Vec<String>,
    /// `decision.confidence`, if the response carries a decision.
    pub confidence: Option<f64>,
    /// Whether the decision is Botpress's "no suggestion matched" (the default flow, which
    /// Botpress reports with confidence 1).
    pub nothing_matched: bool,
    /// The text of the decision's first text payload.
    pub decision_text: Option<String>,
    /// The elected suggestion's source details (a QnA id for `source: "qna"`).
    pub source_details: Option<String>,
    /// interbot's trace of the answering bot, when the server is an interbot.
    pub interbot_trace: Option<Value>,
}

impl ConverseReply {
    /// Reads a converse response; `None` when it is not a JSON object.
    pub fn from_json(value: &Value) -> Option<ConverseReply> {
        let object = value.as_object()?;
        let texts = object
            .get("responses")
            .and_then(Value::as_array)
            .map(|responses| {
                responses
                    .iter()
                    .filter_map(|r| r.get("text").and_then(Value::as_str))
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let decision = object.get("decision");
        let confidence = decision
            .and_then(|d| d.get("confidence"))
            .and_then(Value::as_f64);
        let nothing_matched = decision.is_some_and(|d| {
            d.get("source").and_then(Value::as_str) == Some("decisionEngine")
                || d.pointer("/decision/reason").and_then(Value::as_str)
                    == Some("no suggestion matched")
        });
        let decision_text = decision
            .and_then(|d| d.get("payloads"))
            .and_then(Value::as_array)
            .and_then(|payloads| {
                payloads
                    .iter()
                    .find_map(|p| p.get("text").and_then(Value::as_str))
            })
            .map(str::to_string);
        let source_details = decision
            .filter(|d| d.get("source").and_then(Value::as_str) == Some("qna"))
            .and_then(|d| d.get("sourceDetails"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let interbot_trace = object.get("interbot").and_then(|i| i.get("trace")).cloned();
        Some(ConverseReply {
            texts,
            confidence,
            nothing_matched,
            decision_text,
            source_details,
            interbot_trace,
        })
    }
}

/// The `include` query parameter: which optional parts a response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Include {
    /// `decision`.
    pub decision: bool,
    /// `nlu`.
    pub nlu: bool,
    /// `state`.
    pub state: bool,
    /// Anything but `responses` (the public route refuses it, as Botpress does).
    pub beyond_responses: bool,
}

impl Include {
    /// Parses `include=decision,nlu` (case-insensitive, as Botpress's `prepareResponse`).
    pub fn parse(raw: Option<&str>) -> Include {
        let mut include = Include::default();
        let Some(raw) = raw else {
            return include;
        };
        for part in raw.to_lowercase().split(',').map(str::trim) {
            match part {
                "decision" => include.decision = true,
                "nlu" => include.nlu = true,
                "state" => include.state = true,
                _ => {}
            }
        }
        include.beyond_responses = raw.to_lowercase() != "responses" && !raw.is_empty();
        include
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_qna_decision_gives_its_confidence_and_answer() {
        let reply = ConverseReply::from_json(&json!({
            "responses": [{"type": "typing"}, {"type": "text", "text": "Payroll, how can I help?"}],
            "decision": {"confidence": 0.81, "source": "qna", "sourceDetails": "pay",
                         "payloads": [{"type": "text", "text": "Payroll, how can I help?"}],
                         "decision": {"status": "elected", "reason": "best remaining suggestion available"}}
        }))
        .expect("an object");
        assert_eq!(reply.confidence, Some(0.81));
        assert!(!reply.nothing_matched);
        assert_eq!(reply.texts, ["Payroll, how can I help?"]);
        assert_eq!(reply.source_details.as_deref(), Some("pay"));
    }

    #[test]
    fn botpress_no_suggestion_matched_is_recognised() {
        let reply = ConverseReply::from_json(&json!({
            "responses": [{"type": "text", "text": "Sorry?"}],
            "decision": {"decision": {"reason": "no suggestion matched", "status": "elected"},
                         "confidence": 1, "payloads": [], "source": "decisionEngine",
                         "sourceDetails": "execute default flow"}
        }))
        .expect("an object");
        assert!(reply.nothing_matched);
        assert_eq!(reply.confidence, Some(1.0));
        assert!(ConverseReply::from_json(&json!([1, 2])).is_none());
    }

    #[test]
    fn include_is_parsed_like_botpress() {
        assert_eq!(Include::parse(None), Include::default());
        let both = Include::parse(Some("Decision,nlu"));
        assert!(both.decision && both.nlu && !both.state && both.beyond_responses);
        assert!(!Include::parse(Some("responses")).beyond_responses);
    }
}
