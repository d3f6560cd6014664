//! Renderings of diagnostics: human (miette's graphical report) and JSON (ward's own schema).
//!
//! The JSON shape is a compatibility promise documented in `docs/json-schema.md`; it is built
//! from our own types here, never from miette's JSON handler, whose shape is not ours to keep.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::diag::{Diagnostic, Label, Severity};
use crate::source::{SourceFile, Sources};
use crate::span::Span;

/// Renders diagnostics for a terminal or a log.
pub struct HumanRenderer {
    handler: GraphicalReportHandler,
}

impl HumanRenderer {
    /// `color`: ANSI colours (for a terminal). Tests and CI logs use `false`.
    pub fn new(color: bool) -> HumanRenderer {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_links(false);
        HumanRenderer { handler }
    }

    /// Renders one diagnostic, ending with a newline.
    pub fn render(&self, diag: &Diagnostic, sources: &Sources) -> String {
        let report = MietteReport::new(diag, sources);
        let mut out = String::new();
        if self.handler.render_report(&mut out, &report).is_err() {
            // Rendering into a String cannot fail short of a formatter bug; fall back to plain.
            out = format!(
                "{}[{}]: {}\n",
                diag.severity.as_str(),
                diag.code.id,
                diag.message
            );
        }
        out
    }
}

/// A diagnostic seen through miette's trait, with the source of its primary file. Labels in
/// other files become related reports, each with its own file.
struct MietteReport<'a> {
    diag: &'a Diagnostic,
    message: String,
    file: Option<FileCode<'a>>,
    labels: Vec<(&'a Label, bool)>,
    related: Vec<MietteReport<'a>>,
    severity: Severity,
    top: bool,
}

impl<'a> MietteReport<'a> {
    fn new(diag: &'a Diagnostic, sources: &'a Sources) -> MietteReport<'a> {
        let message = format!("[{}] {}", diag.code.id, diag.message);
        let primary_file = diag.primary.as_ref().map(|l| l.span.file);
        let file = diag
            .primary
            .as_ref()
            .and_then(|l| sources.get(l.span.file))
            .map(FileCode);
        let mut labels: Vec<(&Label, bool)> = diag.primary.iter().map(|l| (l, true)).collect();
        let mut related = Vec::new();
        for label in &diag.secondary {
            if Some(label.span.file) == primary_file {
                labels.push((label, false));
            } else {
                related.push(MietteReport {
                    diag,
                    message: label.message.clone(),
                    file: sources.get(label.span.file).map(FileCode),
                    labels: vec![(label, false)],
                    related: Vec::new(),
                    severity: Severity::Warning,
                    top: false,
                });
            }
        }
        MietteReport {
            diag,
            message,
            file,
            labels,
            related,
            severity: diag.severity,
            top: true,
        }
    }

    /// The report itself, as opposed to a related report that only shows a label elsewhere.
    fn is_top(&self) -> bool {
        self.top
    }
}

impl fmt::Debug for MietteReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for MietteReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteReport<'_> {}

impl miette::Diagnostic for MietteReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.is_top()
            .then(|| Box::new(self.diag.code.name) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error if self.is_top() => miette::Severity::Error,
            Severity::Warning if self.is_top() => miette::Severity::Warning,
            _ => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.is_top() {
            return None;
        }
        let mut text = self.diag.help.clone().unwrap_or_default();
        for note in &self.diag.notes {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str("note: ");
            text.push_str(note);
        }
        (!text.is_empty()).then(|| Box::new(text) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.file.as_ref().map(|f| f as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.file.as_ref()?;
        Some(Box::new(self.labels.iter().map(|(label, primary)| {
            let span = SourceSpan::new((label.span.start as usize).into(), label.span.len());
            if *primary {
                LabeledSpan::new_primary_with_span(Some(label.message.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(label.message.clone()), span)
            }
        })))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// A borrowed source file as miette source code (no copy of the text per diagnostic).
struct FileCode<'a>(&'a SourceFile);

impl SourceCode for FileCode<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, miette::MietteError> {
        let file = self.0;
        let text = file.display_text();
        let offset = span.offset().min(text.len());
        let last = (offset + span.len().saturating_sub(1)).min(text.len());
        // Use the file's line index: miette's `str` implementation scans from the start of
        // the file on every excerpt, which costs milliseconds per diagnostic on large policies.
        let span_line = file.line_of(offset);
        let first_line = span_line.saturating_sub(context_lines_before);
        let last_line = file.line_of(last) + context_lines_after;
        // Same shape as miette's own implementation: without context the excerpt is exactly
        // the span (and `column` its byte column); with context, whole lines.
        let (start, column) = if context_lines_before == 0 {
            (offset, offset - file.line_start(span_line).unwrap_or(0))
        } else {
            (file.line_start(first_line).unwrap_or(0), 0)
        };
        let end = if context_lines_after == 0 {
            (offset + span.len()).min(text.len())
        } else {
            file.line_start(last_line + 1).unwrap_or(text.len())
        }
        .max(start);
        let data = text
            .get(start..end)
            .ok_or(miette::MietteError::OutOfBounds)?;
        let line_count = data.bytes().filter(|&b| b == b'\n').count() + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            file.path.clone(),
            data.as_bytes(),
            SourceSpan::new(start.into(), end - start),
            if context_lines_before == 0 {
                span_line
            } else {
                first_line
            },
            column,
            line_count,
        )))
    }
}

/// A position in a file, 1-based line and column (in characters), 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JsonPosition {
    pub line: usize,
    pub column: usize,
    pub offset: u32,
}

/// A labelled span in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonLocation {
    pub file: String,
    pub start: JsonPosition,
    pub end: JsonPosition,
    pub label: String,
}

/// One diagnostic in the JSON report (schema version 1; see `docs/json-schema.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub location: Option<JsonLocation>,
    pub related: Vec<JsonLocation>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl JsonDiagnostic {
    pub fn new(diag: &Diagnostic, sources: &Sources) -> JsonDiagnostic {
        JsonDiagnostic {
            code: diag.code.id,
            name: diag.code.name,
            severity: diag.severity,
            message: diag.message.clone(),
            location: diag
                .primary
                .as_ref()
                .and_then(|l| json_location(l, sources)),
            related: diag
                .secondary
                .iter()
                .filter_map(|l| json_location(l, sources))
                .collect(),
            help: diag.help.clone(),
            notes: diag.notes.clone(),
        }
    }
}

/// The JSON location of a label; `None` if its file is unknown.
pub fn json_location(label: &Label, sources: &Sources) -> Option<JsonLocation> {
    let file = sources.get(label.span.file)?;
    Some(JsonLocation {
        file: file.path.clone(),
        start: position(file, label.span.start),
        end: position(file, label.span.end),
        label: label.message.clone(),
    })
}

/// Line and column of the start of a span (for one-line formats such as GitHub annotations).
pub fn start_line_col(span: Span, sources: &Sources) -> Option<(&str, usize, usize)> {
    let file = sources.get(span.file)?;
    let (line, column) = file.line_col(span.start);
    Some((file.path.as_str(), line, column))
}

fn position(file: &SourceFile, offset: u32) -> JsonPosition {
    let (line, column) = file.line_col(offset);
    JsonPosition {
        line,
        column,
        offset,
    }
}
