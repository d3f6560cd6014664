//! The `ward` binary as users and CI see it: exit codes, output formats, explain, help.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::path::Path;
use std::process::{Command, Output};

const TODAY: &str = "2026-12-01";

fn ward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("ward runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn exit_codes() {
    let errors = ward(&["check", "tests/cli/two_errors.ward", "--today", TODAY]);
    assert_eq!(errors.status.code(), Some(1), "{}", stdout(&errors));
    let warnings = ward(&["check", "tests/cli/warning_only.ward", "--today", TODAY]);
    assert_eq!(warnings.status.code(), Some(0), "{}", stdout(&warnings));
    let denied = ward(&[
        "check",
        "tests/cli/warning_only.ward",
        "--today",
        TODAY,
        "--deny-warnings",
    ]);
    assert_eq!(denied.status.code(), Some(1));
    let missing = ward(&["check", "tests/cli/does-not-exist.ward"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
    let bad_flag = ward(&["check", "--format", "yaml", "tests/cli/warning_only.ward"]);
    assert_eq!(bad_flag.status.code(), Some(2));
    let bad_date = ward(&[
        "check",
        "tests/cli/warning_only.ward",
        "--today",
        "2027-02-30",
    ]);
    assert_eq!(bad_date.status.code(), Some(2));
}

#[test]
fn human_output() {
    let output = ward(&[
        "check",
        "tests/cli/two_errors.ward",
        "--today",
        TODAY,
        "--color",
        "never",
    ]);
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn json_output() {
    let output = ward(&[
        "check",
        "tests/cli/two_errors.ward",
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let mut json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["ward_version"] = "<version>".into();
    json["reference_edition"] = "<edition>".into();
    insta::assert_json_snapshot!(json);
}

#[test]
fn github_output() {
    let output = ward(&[
        "check",
        "tests/cli/two_errors.ward",
        "--today",
        TODAY,
        "--format",
        "github",
    ]);
    let text = stdout(&output);
    for line in text.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "{line}"
        );
    }
    insta::assert_snapshot!(text);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    // The rtm.5 schema has a known erratum: the `language` patterns have a stray `]`, which
    // is not a valid regex, so schema meta-validation rejects the schema itself. Later
    // editions fixed it to this pattern; apply the same fix in memory.
    for definition in ["run", "toolComponent"] {
        schema["definitions"][definition]["properties"]["language"]["pattern"] =
            "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
    }
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    for file in [
        "tests/cli/two_errors.ward",
        "tests/cli/warning_only.ward",
        "../examples/shop",
    ] {
        let output = ward(&["check", file, "--today", TODAY, "--format", "sarif"]);
        let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{file}: SARIF does not validate:\n{}",
            errors.join("\n")
        );
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{file}: no results");
        for result in results {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                log["runs"][0]["tool"]["driver"]["rules"][index]["id"],
                result["ruleId"]
            );
        }
    }
    // The validator does reject what is not SARIF.
    let mut broken: serde_json::Value = serde_json::from_slice(
        &ward(&[
            "check",
            "tests/cli/two_errors.ward",
            "--today",
            TODAY,
            "--format",
            "sarif",
        ])
        .stdout,
    )
    .unwrap();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !validator.is_valid(&broken),
        "the schema check must be able to fail"
    );
    // A waived finding is a suppressed result, not a dropped one.
    let output = ward(&[
        "check",
        "tests/cli/two_errors.ward",
        "--today",
        TODAY,
        "--format",
        "sarif",
    ]);
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let suppressed: Vec<_> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert!(
        suppressed[0]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("OPS-123")
    );
}

#[test]
fn explain_every_code() {
    let list = ward(&["explain", "--list"]);
    assert_eq!(list.status.code(), Some(0));
    let text = stdout(&list);
    for code in ward_compiler::cli::all_codes() {
        assert!(text.contains(code.id), "--list lacks {}", code.id);
        let by_id = ward(&["explain", code.id]);
        assert_eq!(by_id.status.code(), Some(0), "explain {}", code.id);
        assert!(stdout(&by_id).contains(code.name));
        let by_name = ward(&["explain", code.name]);
        assert_eq!(stdout(&by_name), stdout(&by_id));
    }
    let unknown = ward(&["explain", "C3011"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean"));
}

#[test]
fn explain_output() {
    insta::assert_snapshot!(stdout(&ward(&["explain", "C301"])));
}

#[test]
fn help_reads_like_a_manual() {
    let help = ward(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = stdout(&help);
    for needle in ["EXIT STATUS", "check", "build", "explain", "EXAMPLES"] {
        assert!(text.contains(needle), "--help lacks {needle}");
    }
    let check_help = stdout(&ward(&["check", "--help"]));
    for needle in ["--format", "sarif", "github", "--deny-warnings", "--today"] {
        assert!(check_help.contains(needle), "check --help lacks {needle}");
    }
}

#[test]
fn build_writes_nothing_when_the_policy_has_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let good = ward(&[
        "build",
        "tests/cli/warning_only.ward",
        "--today",
        TODAY,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(good.status.code(), Some(0), "{}", stdout(&good));
    let before = snapshot_dir(&out);
    assert!(!before.is_empty(), "a good build writes files");
    let bad = ward(&[
        "build",
        "tests/cli/two_errors.ward",
        "--today",
        TODAY,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("not building"));
    assert_eq!(
        snapshot_dir(&out),
        before,
        "a failed build must leave the last good outputs untouched"
    );
}

fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn rules_reference_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == ward_compiler::cli::explain::codes_markdown(),
        "compiler/docs/rules.md is stale: run `cargo bless`"
    );
}
