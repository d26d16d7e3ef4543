//! Sub-bots on other machines, over Botpress 12's converse API: the wire format
//! ([`converse`]) and the client that asks a remote bot a question ([`client`]).
//!
//! A remote sub-bot is asked exactly as the Botpress example's `delegate_to_bots` action asks
//! one (`examples/interbot/bots/master/actions/delegate_to_bots.js`):
//! `POST <base>/converse/<userId>/secured?include=decision` with
//! `{"type": "text", "text": …, "includedContexts": ["global"]}` and the bot's bearer token;
//! its confidence is
//! `decision.confidence` (0 when absent) and its answer the first response with a text.
//! Where Botpress reports "no suggestion matched" (its decision engine elects the default
//! flow with confidence 1, `decision-engine.ts`), interbot reads no match: confidence 0.
//!
//! The server side, `interbot serve`, is [`crate::serve`]; it sits above the session, this
//! module below delegation.

pub mod client;
pub mod converse;

pub use client::{RemoteBot, RemoteError, RemoteReply};
