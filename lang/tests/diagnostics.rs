//! Snapshots of every `lang` diagnostic: the human rendering followed by the JSON.
//!
//! One case per file in `syntax/err/`, named after the code it shows (`P0001-unclosed-brace.ward`).
//! Cases that need bytes a text file should not hold (invalid UTF-8, control characters) or no
//! file at all are built in code below, and snapshotted the same way.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a panic is a test failure"
)]

use std::path::Path;

use ward_lang::diag::codes;
use ward_lang::diag::render::{HumanRenderer, JsonDiagnostic};
use ward_lang::{Diagnostic, Sources};

/// Parses `files` as one policy and renders everything reported, `Sources::add` included.
fn check(files: &[(&str, &[u8])]) -> String {
    let mut sources = Sources::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    for (name, bytes) in files {
        let (_, diag) = sources.add(*name, bytes.to_vec());
        diags.extend(diag);
    }
    let (_, parsed) = ward_lang::parse(&sources);
    diags.extend(parsed);
    render(&sources, &diags)
}

fn render(sources: &Sources, diags: &[Diagnostic]) -> String {
    let renderer = HumanRenderer::new(false);
    let mut out = String::new();
    for diag in diags {
        out.push_str(&renderer.render(diag, sources));
        out.push('\n');
    }
    let json: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| JsonDiagnostic::new(d, sources))
        .collect();
    out.push_str("---- json ----\n");
    out.push_str(&serde_json::to_string_pretty(&json).unwrap());
    out.push('\n');
    visible(&out)
}

/// Control characters written as `\u{…}`, so that the snapshot itself stays plain text.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n') || bidi {
            out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn snapshot(name: &str, report: &str) {
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!(name, report);
    });
}

#[test]
fn syntax_error_files() {
    insta::glob!("syntax/err/*.ward", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let report = check(&[(&name, &bytes)]);
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(report);
        });
    });
}

#[test]
fn invalid_utf8_skips_the_file_only() {
    let report = check(&[
        ("latin1.ward", b"data caf\xe9 personal\n"),
        ("ok.ward", b"data email personal\n"),
    ]);
    snapshot("P0002-invalid-utf8", &report);
}

#[test]
fn invalid_utf8_alone_is_not_an_empty_policy() {
    let report = check(&[("latin1.ward", b"\xff\xfe d\x00a\x00t\x00a\x00")]);
    snapshot("P0002-invalid-utf8-only-file", &report);
}

#[test]
fn control_characters_are_reported_even_in_comments() {
    let text = "data em\u{0}ail personal\n\
                purpose p \"esc \u{1b}[31m red\"\n\
                # access check \u{202e} }\u{2066}if admin\u{2069} {\n";
    snapshot(
        "P0006-control-characters",
        &check(&[("trojan.ward", text.as_bytes())]),
    );
}

#[test]
fn control_characters_are_capped_per_file() {
    let text = format!("data a personal # {}\n", "\u{7}".repeat(14));
    snapshot(
        "P0006-many-control-characters",
        &check(&[("bells.ward", text.as_bytes())]),
    );
}

#[test]
fn no_files_is_an_empty_policy() {
    snapshot("P0003-no-files", &check(&[]));
}

#[test]
fn several_empty_files_are_an_empty_policy() {
    let report = check(&[
        ("a.ward", b"# nothing yet\n"),
        ("b.ward", b""),
        ("c.ward", b"\n\n"),
    ]);
    snapshot("P0003-several-empty-files", &report);
}

/// Every code `lang` declares has a snapshot, except those no policy text can trigger.
#[test]
fn every_code_has_a_case() {
    // P0004: needs a file over 512 MiB. P0009: internal errors are ward bugs.
    let untestable = [codes::FILE_TOO_LARGE.id, codes::INTERNAL_ERROR.id];
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let names: Vec<String> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("diagnostics__"))
        .collect();
    for code in codes::ALL {
        if untestable.contains(&code.id) {
            continue;
        }
        let tag = format!("{}-", code.id);
        assert!(
            names
                .iter()
                .any(|n| n.contains(&format!("@{tag}")) || n.contains(&format!("__{tag}"))),
            "no diagnostics snapshot for {} ({})",
            code.id,
            code.name
        );
    }
    // And every case file is named after a declared code.
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/syntax/err");
    for entry in std::fs::read_dir(cases).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let id = name.split('-').next().unwrap();
        assert!(
            codes::ALL.iter().any(|c| c.id == id),
            "{name}: unknown code `{id}`"
        );
    }
}
