//! The serialised report of `ward check`: ward's JSON schema, SARIF 2.1.0 and GitHub
//! workflow annotations.
//!
//! These types are a compatibility promise (documented in `compiler/docs/json-schema.md`) and
//! are kept separate from the model so the model stays free to change.

pub mod github;
pub mod json;
pub mod sarif;

use ward_lang::{Diagnostic, Sources};

use crate::date::Date;
use crate::model::Model;
use crate::pipeline::Compilation;

/// One reportable item: a diagnostic, plus for findings their fingerprint and waiver.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub diagnostic: &'a Diagnostic,
    pub fingerprint: Option<String>,
    pub waiver: Option<WaiverInfo>,
}

/// The waiver that accepted a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverInfo {
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub until: Date,
    pub span: ward_lang::Span,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub waived: usize,
}

/// Every entry of a compilation in report order: front-end diagnostics, then check
/// configuration diagnostics and findings merged by location.
pub fn entries(compilation: &Compilation) -> Vec<Entry<'_>> {
    let mut entries: Vec<Entry<'_>> = compilation
        .frontend
        .iter()
        .map(|d| Entry {
            diagnostic: d,
            fingerprint: None,
            waiver: None,
        })
        .collect();
    if let Some(analysis) = &compilation.analysis {
        let model = &analysis.model;
        entries.extend(analysis.outcome.diagnostics.iter().map(|d| Entry {
            diagnostic: d,
            fingerprint: None,
            waiver: None,
        }));
        entries.extend(analysis.outcome.findings.iter().map(|f| Entry {
            diagnostic: &f.diagnostic,
            fingerprint: Some(f.fingerprint(model)),
            waiver: f.waived_by.map(|id| waiver_info(model, id)),
        }));
    }
    entries.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    entries
}

fn waiver_info(model: &Model, id: crate::model::WaiverId) -> WaiverInfo {
    let waiver = &model.waivers[id.index()];
    WaiverInfo {
        reason: waiver.reason.as_ref().map(|r| r.value.clone()),
        owner: waiver.owner.as_ref().map(|o| o.value.clone()),
        until: waiver.until.value,
        span: waiver.span,
    }
}

/// Counts errors and warnings (unwaived) and waived findings.
pub fn summarise(entries: &[Entry<'_>]) -> Summary {
    let mut summary = Summary::default();
    for entry in entries {
        if entry.waiver.is_some() {
            summary.waived += 1;
        } else if entry.diagnostic.is_error() {
            summary.errors += 1;
        } else {
            summary.warnings += 1;
        }
    }
    summary
}

/// Files of the policy, for reports that list them.
pub fn file_paths(sources: &Sources) -> Vec<String> {
    sources.iter().map(|(_, f)| f.path.clone()).collect()
}
