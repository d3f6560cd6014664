//! Same policy, any declaration order, any file order: byte-identical artifacts and the same
//! findings.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test on bad input"
)]

use ward_compiler::date::Date;
use ward_compiler::emit::{EmitContext, emit_all};
use ward_compiler::pipeline;
use ward_lang::Sources;
use ward_tests::fixtures;

/// Splits a file into top-level declarations (each with the comments just above it).
fn declarations(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut pending = String::new();
    let mut current = String::new();
    for line in text.lines() {
        let starts_item = ward_lang::TOP_LEVEL_KEYWORDS.iter().any(|kw| {
            line.strip_prefix(kw)
                .is_some_and(|rest| rest.starts_with(' '))
        });
        let is_comment_or_blank = line.trim().is_empty() || line.starts_with('#');
        if starts_item {
            if !current.is_empty() {
                chunks.push(std::mem::take(&mut current));
            }
            current.push_str(&pending);
            pending.clear();
            current.push_str(line);
            current.push('\n');
        } else if is_comment_or_blank && line.starts_with('#') || line.trim().is_empty() {
            pending.push_str(line);
            pending.push('\n');
        } else {
            current.push_str(&pending);
            pending.clear();
            current.push_str(line);
            current.push('\n');
        }
    }
    current.push_str(&pending);
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

fn analyse_and_emit(
    files: &[(String, String)],
    name: &str,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut sources = Sources::new();
    for (path, text) in files {
        sources.add(path.clone(), text.clone().into_bytes());
    }
    let compilation = pipeline::analyse(&sources, Date::parse(fixtures::FIXTURE_DATE).unwrap());
    let analysis = compilation.analysis.as_ref().expect("example analyses");
    let mut fingerprints: Vec<String> = analysis
        .outcome
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} waived={}",
                f.fingerprint(&analysis.model),
                f.waived_by.is_some()
            )
        })
        .collect();
    fingerprints.sort();
    let artifacts = emit_all(&EmitContext {
        analysis,
        policy_name: name,
    })
    .into_iter()
    .map(|a| (a.path, a.contents))
    .collect();
    (artifacts, fingerprints)
}

#[test]
fn declaration_and_file_order_do_not_change_outputs() {
    for name in fixtures::examples() {
        let sources = fixtures::load_example(&name).unwrap();
        let files: Vec<(String, String)> = sources
            .iter()
            .map(|(_, f)| (f.path.clone(), f.text.clone()))
            .collect();
        let shuffled: Vec<(String, String)> = files
            .iter()
            .rev()
            .map(|(path, text)| {
                let mut chunks = declarations(text);
                chunks.reverse();
                (path.clone(), chunks.concat())
            })
            .collect();
        assert_ne!(files, shuffled, "{name}: the shuffle changed nothing");
        let (a, fa) = analyse_and_emit(&files, &name);
        let (b, fb) = analyse_and_emit(&shuffled, &name);
        assert_eq!(fa, fb, "{name}: findings differ with declaration order");
        assert_eq!(a.len(), b.len(), "{name}: different artifact sets");
        for ((pa, ca), (pb, cb)) in a.iter().zip(&b) {
            assert_eq!(pa, pb, "{name}: different artifact paths");
            assert!(ca == cb, "{name}: {pa} differs with declaration order");
        }
        let (again, _) = analyse_and_emit(&files, &name);
        assert_eq!(a, again, "{name}: two runs differ");
    }
}
