//! Diagnostics: one type for every error, warning and finding ward reports.
//!
//! House style (cedar-policy's error conventions): the message is lowercase, has no trailing
//! period and puts user input in backticks; the long explanation goes in `help`; every
//! diagnostic has a stable [`Code`] that `ward explain` documents.

pub mod code;
pub mod codes;
pub mod render;
pub mod suggest;

pub use code::{Code, Severity};

use crate::span::Span;

/// A span with a short text shown under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One reported problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static Code,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is. `None` only when there is no text to point at (no policy files).
    pub primary: Option<Label>,
    /// Related places: the other definition of a duplicate, each hop of a transfer path, ...
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and no location yet.
    pub fn new(code: &'static Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn with_primary(mut self, label: Label) -> Diagnostic {
        self.primary = Some(label);
        self
    }

    /// Shorthand for `with_primary(Label::new(span, message))`.
    pub fn at(self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.with_primary(Label::new(span, message))
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label::new(span, message));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The key diagnostics are reported in: file, position, then code and message, so that
    /// output does not depend on the order in which stages found them.
    pub fn sort_key(&self) -> (Option<Span>, &'static str, &str) {
        (
            self.primary.as_ref().map(|l| l.span),
            self.code.id,
            &self.message,
        )
    }
}

/// Sorts diagnostics into report order and drops exact duplicates.
pub fn sort_diagnostics(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
}
