//! `generated-fixtures/` is up to date: regenerating every example gives the same bytes.
//!
//! On failure, run `cargo bless` and review the diff.

use ward_tests::fixtures;

#[test]
fn generated_fixtures_are_fresh() {
    let examples = fixtures::examples();
    assert!(!examples.is_empty(), "no examples found under examples/");
    let mut problems = Vec::new();
    for name in &examples {
        let artifacts = fixtures::generate_example(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dir = fixtures::fixture_dir(name);
        let on_disk = fixtures::files_on_disk(&dir);
        for artifact in &artifacts {
            match std::fs::read_to_string(dir.join(&artifact.path)) {
                Ok(text) if text == artifact.contents => {}
                Ok(text) => problems.push(format!(
                    "{name}/{}: stale ({})",
                    artifact.path,
                    first_difference(&text, &artifact.contents)
                )),
                Err(_) => problems.push(format!("{name}/{}: missing", artifact.path)),
            }
        }
        for path in on_disk {
            if !artifacts.iter().any(|a| a.path == path) {
                problems.push(format!("{name}/{path}: no longer generated"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "generated-fixtures/ is stale; run `cargo bless`:\n  {}",
        problems.join("\n  ")
    );
}

/// "line N: `old` != `new`" for the first differing line.
fn first_difference(old: &str, new: &str) -> String {
    let mut old_lines = old.lines();
    let mut new_lines = new.lines();
    for line in 1.. {
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => {
                return format!(
                    "line {line}: on disk `{}`, generated `{}`",
                    a.unwrap_or("<end>"),
                    b.unwrap_or("<end>")
                );
            }
        }
    }
    String::new()
}
