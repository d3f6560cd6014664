//! `ward check --format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! Every ward code is a `reportingDescriptor` with its summary, explanation (as help text and
//! Markdown) and default level; results carry locations, related locations (secondary
//! labels), a stable `partialFingerprints` entry, and waived findings an accepted suppression.

use serde_json::{Value, json};
use ward_lang::{Code, Label, Severity, Sources};

use crate::report::Entry;

/// Builds the SARIF log for one run.
pub fn build(entries: &[Entry<'_>], sources: &Sources, codes: &[&'static Code]) -> Value {
    let rules: Vec<Value> = codes.iter().map(|c| rule(c)).collect();
    let results: Vec<Value> = entries.iter().map(|e| result(e, sources, codes)).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "ward",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(code: &Code) -> Value {
    json!({
        "id": code.id,
        "name": code.name,
        "shortDescription": { "text": code.summary },
        "fullDescription": { "text": code.summary },
        "help": { "text": code.doc(), "markdown": code.doc() },
        "defaultConfiguration": { "level": level(code.default_severity) },
        "properties": { "tags": [tag(code)] },
    })
}

/// The stage a code belongs to, from its letter.
fn tag(code: &Code) -> &'static str {
    match code.id.chars().next() {
        Some('P') => "syntax",
        Some('N') => "names",
        Some('V') => "values",
        _ => "compliance",
    }
}

fn result(entry: &Entry<'_>, sources: &Sources, codes: &[&'static Code]) -> Value {
    let d = entry.diagnostic;
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut value = json!({
        "ruleId": d.code.id,
        "level": level(d.severity),
        "message": { "text": message },
        "locations": d.primary.iter().filter_map(|l| location(l, sources, None)).collect::<Vec<_>>(),
        "relatedLocations": d.secondary.iter().enumerate()
            .filter_map(|(i, l)| location(l, sources, Some(i + 1))).collect::<Vec<_>>(),
    });
    if let Some(index) = codes.iter().position(|c| c.id == d.code.id) {
        value["ruleIndex"] = json!(index);
    }
    if let Some(fingerprint) = &entry.fingerprint {
        value["partialFingerprints"] = json!({ "wardFingerprint/v1": fingerprint });
    }
    if let Some(waiver) = &entry.waiver {
        value["suppressions"] = json!([{
            "kind": "inSource",
            "status": "accepted",
            "justification": format!(
                "{} (owner: {}, until {})",
                waiver.reason.as_deref().unwrap_or("no reason given"),
                waiver.owner.as_deref().unwrap_or("none"),
                waiver.until
            ),
        }]);
    }
    value
}

fn location(label: &Label, sources: &Sources, id: Option<usize>) -> Option<Value> {
    let file = sources.get(label.span.file)?;
    let (start_line, start_column) = file.line_col(label.span.start);
    let (end_line, end_column) = file.line_col(label.span.end);
    let mut value = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&file.path) },
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            }
        },
        "message": { "text": label.message },
    });
    if let Some(id) = id {
        value["id"] = json!(id);
    }
    Some(value)
}

/// A relative URI reference for a path: `/`-separated, with everything outside RFC 3986's
/// unreserved set (and `/`) percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
