//! Waivers: accepting a named finding on a named subject until a date.
//!
//! A waiver applies when its rule and subject equal a finding's (the finding's fingerprint),
//! or one of the broader subjects the finding also concerns (a data class, the jurisdictions
//! of a transfer), and `today` is on or before its `until` date. An expired waiver applies to nothing and is
//! an error; a waiver that matches no finding is a warning (the problem it accepted is gone,
//! or the waiver names the subject wrongly).

use std::collections::BTreeMap;

use ward_lang::{Diagnostic, Severity};

use crate::checks::rules::{expired_waiver, unused_waiver};
use crate::checks::{Context, Finding, registry};
use crate::model::{SeverityLevel, WaiverId};

/// Marks waived findings and reports unknown, expired and unused waivers.
pub fn apply(
    cx: &Context<'_>,
    levels: &BTreeMap<&'static str, SeverityLevel>,
    findings: &mut [Finding],
    out: &mut Vec<Diagnostic>,
) {
    let mut index: BTreeMap<(&str, crate::model::Subject), Vec<usize>> = BTreeMap::new();
    for (i, finding) in findings.iter().enumerate() {
        for subject in std::iter::once(&finding.subject).chain(&finding.also) {
            index
                .entry((finding.diagnostic.code.name, *subject))
                .or_default()
                .push(i);
        }
    }
    for (i, waiver) in cx.model.waivers.iter().enumerate() {
        let id = WaiverId(i as u32);
        let name = waiver.rule.value.as_str();
        if registry::rule_by_name(name).is_none() {
            out.push(registry::unknown_rule(
                name,
                waiver.rule.span,
                "this waiver names a rule",
            ));
            continue;
        }
        let subject = waiver.subject.value.describe(cx.model);
        if waiver.until.value < cx.today {
            let days = cx.today.days_since_epoch() - waiver.until.value.days_since_epoch();
            push(out, levels, expired_waiver::CODE.name, || {
                Diagnostic::new(
                    &expired_waiver::CODE,
                    format!("waiver of `{name}` on {subject} expired on {}", waiver.until.value),
                )
                .at(waiver.until.span, format!("expired {days} day{} ago", if days == 1 { "" } else { "s" }))
                .with_secondary(waiver.subject.span, "the finding it waived is reported again")
                .with_help("fix the finding, or renew the waiver with a new `until` date after review by its owner")
            });
            continue;
        }
        let matched = index.get(&(name, waiver.subject.value));
        match matched {
            Some(list) => {
                for &i in list {
                    if let Some(finding) = findings.get_mut(i) {
                        finding.waived_by.get_or_insert(id);
                    }
                }
            }
            None => push(out, levels, unused_waiver::CODE.name, || {
                Diagnostic::new(&unused_waiver::CODE, format!("waiver of `{name}` on {subject} matches no finding"))
                    .at(waiver.subject.span, format!("`{name}` reports nothing here"))
                    .with_help("the problem it accepted is gone: delete the waiver (or check the rule name and subject)")
            }),
        }
    }
}

/// Pushes a configuration diagnostic with its configured severity, unless it is turned off.
fn push(
    out: &mut Vec<Diagnostic>,
    levels: &BTreeMap<&'static str, SeverityLevel>,
    name: &str,
    make: impl FnOnce() -> Diagnostic,
) {
    let diag = make();
    let severity = match levels.get(name) {
        Some(SeverityLevel::Off) => return,
        Some(SeverityLevel::Error) => Severity::Error,
        Some(SeverityLevel::Warning) => Severity::Warning,
        None => diag.code.default_severity,
    };
    out.push(diag.with_severity(severity));
}
