//! The one error type of the condition language: what is wrong and at which column.

use thiserror::Error;

/// A condition that is not in the supported subset; `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message} at column {column}")]
pub struct ExprError {
    /// What is wrong, in words.
    pub message: String,
    /// Where, in characters from 1 (one past the end for "ends too early").
    pub column: usize,
}

impl ExprError {
    pub(super) fn new(message: impl Into<String>, column: usize) -> Self {
        ExprError {
            message: message.into(),
            column,
        }
    }
}
