//! Rule fixtures: `tests/rules/<CODE>-<name>/*.ward`, one policy per file.
//!
//! Inline expectations say *where*: `# expect: <rule-name>` on a line means an unwaived
//! diagnostic of that rule starts on that line; `# expect-waived: <rule-name>` a waived one.
//! Every diagnostic must be expected (a fixture without annotations asserts "quiet"). The
//! snapshot says *how it looks*: the human rendering and the JSON report of the fixture.
//!
//! Fixtures are checked as of 2026-12-01 so waiver expiry is reproducible.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::collections::BTreeSet;
use std::path::Path;

use ward_compiler::date::Date;
use ward_compiler::pipeline;
use ward_compiler::report;
use ward_lang::Sources;
use ward_lang::diag::render::HumanRenderer;

const TODAY: &str = "2026-12-01";

#[test]
fn rule_fixtures() {
    insta::glob!("rules/*/*.ward", |path| {
        let snapshot = check_fixture(path);
        insta::with_settings!({ omit_expression => true, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(snapshot);
        });
    });
}

fn check_fixture(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let rel = relative(path);
    let mut sources = Sources::new();
    sources.add(rel.clone(), text.clone().into_bytes());
    let compilation = pipeline::analyse(&sources, Date::parse(TODAY).unwrap());
    let entries = report::entries(&compilation);

    let expected = expectations(&text);
    let actual: BTreeSet<(usize, String, bool)> = entries
        .iter()
        .filter_map(|e| {
            let label = e.diagnostic.primary.as_ref()?;
            let (_, line, _) = ward_lang::diag::render::start_line_col(label.span, &sources)?;
            Some((line, e.diagnostic.code.name.to_string(), e.waiver.is_some()))
        })
        .collect();
    assert_eq!(
        actual, expected,
        "{rel}: diagnostics (line, rule, waived) differ from the `# expect:` annotations"
    );

    let renderer = HumanRenderer::new(false);
    let mut out = String::new();
    for entry in &entries {
        if entry.waiver.is_none() {
            out.push_str(&renderer.render(entry.diagnostic, &sources));
            out.push('\n');
        }
    }
    let json = report::json::build(&entries, &sources, TODAY, "reference");
    out.push_str("--- json ---\n");
    out.push_str(&serde_json::to_string_pretty(&json.diagnostics).unwrap());
    out.push('\n');
    out
}

/// `(line, rule, waived)` for every annotation in the text.
fn expectations(text: &str) -> BTreeSet<(usize, String, bool)> {
    let mut set = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        for (marker, waived) in [("# expect-waived:", true), ("# expect:", false)] {
            if let Some(pos) = line.find(marker) {
                for name in line[pos + marker.len()..].split(',') {
                    set.insert((i + 1, name.trim().to_string(), waived));
                }
                break;
            }
        }
    }
    set
}

fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every registered rule has a fixture directory with a firing case, and every fixture
/// directory belongs to a registered code.
#[test]
fn registry_and_fixtures_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        dirs.insert(entry.unwrap().file_name().to_string_lossy().into_owned());
    }
    let codes: Vec<&ward_lang::Code> = ward_compiler::checks::registry::codes().collect();
    for code in &codes {
        let name = format!("{}-{}", code.id, code.name);
        assert!(
            dirs.contains(&name),
            "rule {name} has no fixture directory tests/rules/{name}/"
        );
        let fires = std::fs::read_to_string(dir.join(&name).join("fires.ward"))
            .unwrap_or_else(|_| panic!("tests/rules/{name}/fires.ward is missing"));
        assert!(
            fires.contains(&format!("# expect: {}", code.name)),
            "tests/rules/{name}/fires.ward never expects `{}`",
            code.name
        );
    }
    for d in &dirs {
        assert!(
            codes.iter().any(|c| format!("{}-{}", c.id, c.name) == *d),
            "tests/rules/{d} does not name a registered code"
        );
    }
}

/// Rule names read as "allow <name>" (ruff's convention): no imperative prefixes.
#[test]
fn rule_names_follow_the_convention() {
    for code in ward_compiler::cli::all_codes() {
        let name = code.name;
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "`{name}` is not kebab-case"
        );
        for prefix in [
            "no-",
            "avoid-",
            "use-",
            "prefer-",
            "missing-",
            "require-",
            "disallow-",
        ] {
            assert!(
                !name.starts_with(prefix),
                "`{name}` should read as \"allow {name}\""
            );
        }
    }
}

/// Codes are unique, and every code has an explanation with the fixed sections.
#[test]
fn codes_are_unique_and_documented() {
    let codes = ward_compiler::cli::all_codes();
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for code in &codes {
        assert!(ids.insert(code.id), "duplicate code id {}", code.id);
        assert!(names.insert(code.name), "duplicate code name {}", code.name);
        assert!(
            !code.summary.ends_with('.'),
            "{}: summary ends with a period",
            code.id
        );
        assert!(
            code.explanation.contains("## "),
            "{}: explanation has no sections",
            code.id
        );
    }
    for code in ward_compiler::checks::registry::codes() {
        for section in ["## What it checks", "## Why it matters", "## How to fix"] {
            assert!(
                code.explanation.contains(section),
                "{} lacks `{section}`",
                code.id
            );
        }
        assert!(
            code.explanation.contains("Art."),
            "{}: explanation cites no GDPR article",
            code.id
        );
    }
}
