//! `ward check --format json`: schema `ward.check/v1`.

use serde::Serialize;
use ward_lang::Sources;
use ward_lang::diag::render::{JsonDiagnostic, JsonLocation, json_location};

use crate::report::{Entry, Summary, summarise};

/// The top-level JSON report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Always `ward.check/v1` for this shape; a breaking change gets a new version.
    pub schema: &'static str,
    pub ward_version: &'static str,
    /// The date waivers and adequacy decisions were evaluated against.
    pub today: String,
    /// Retrieval date of the built-in jurisdiction reference used.
    pub reference_edition: String,
    pub files: Vec<String>,
    pub summary: Summary,
    pub diagnostics: Vec<ReportDiagnostic>,
}

/// A diagnostic with its finding metadata.
#[derive(Debug, Serialize)]
pub struct ReportDiagnostic {
    #[serde(flatten)]
    pub diagnostic: JsonDiagnostic,
    /// `<rule-name>:<subject>` for compliance findings; `null` for other diagnostics.
    pub fingerprint: Option<String>,
    /// The waiver accepting this finding, or `null`.
    pub waiver: Option<ReportWaiver>,
}

#[derive(Debug, Serialize)]
pub struct ReportWaiver {
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub until: String,
    pub location: Option<JsonLocation>,
}

/// Builds the JSON report.
pub fn build(entries: &[Entry<'_>], sources: &Sources, today: &str, edition: &str) -> Report {
    Report {
        schema: "ward.check/v1",
        ward_version: env!("CARGO_PKG_VERSION"),
        today: today.to_string(),
        reference_edition: edition.to_string(),
        files: crate::report::file_paths(sources),
        summary: summarise(entries),
        diagnostics: entries
            .iter()
            .map(|e| ReportDiagnostic {
                diagnostic: JsonDiagnostic::new(e.diagnostic, sources),
                fingerprint: e.fingerprint.clone(),
                waiver: e.waiver.as_ref().map(|w| ReportWaiver {
                    reason: w.reason.clone(),
                    owner: w.owner.clone(),
                    until: w.until.to_string(),
                    location: json_location(&ward_lang::Label::new(w.span, "waiver"), sources),
                }),
            })
            .collect(),
    }
}
