//! `cargo bless`: regenerate `generated-fixtures/` from `examples/`, and the generated
//! reference of diagnostic codes, `compiler/docs/rules.md`.
//!
//! Every example's outputs are written with ward's own atomic writer; files of an example
//! that are no longer generated are removed. CI never runs this: `tests/fixtures.rs` fails
//! when the fixtures are stale instead.

use std::process::ExitCode;

use ward_compiler::cli::write::write_artifacts;
use ward_tests::fixtures;

fn main() -> ExitCode {
    let mut failed = false;
    for name in fixtures::examples() {
        let result = fixtures::generate_example(&name).and_then(|artifacts| {
            let dir = fixtures::fixture_dir(&name);
            // Remove files the writer's manifest may not know (e.g. from before it existed).
            for stale in fixtures::files_on_disk(&dir) {
                if !artifacts.iter().any(|a| a.path == stale) {
                    std::fs::remove_file(dir.join(&stale)).map_err(|e| e.to_string())?;
                }
            }
            write_artifacts(&dir, &artifacts).map_err(|e| e.to_string())
        });
        match result {
            Ok(summary) => report(&format!(
                "bless: {name}: {} written, {} unchanged, {} removed",
                summary.written, summary.unchanged, summary.removed
            )),
            Err(e) => {
                report(&format!("bless: {name}: {e}"));
                failed = true;
            }
        }
    }
    let docs = fixtures::repo_root().join("compiler/docs/rules.md");
    match ward_compiler::cli::write::write_atomic(
        &docs,
        ward_compiler::cli::explain::codes_markdown().as_bytes(),
    ) {
        Ok(()) => report("bless: compiler/docs/rules.md written"),
        Err(e) => {
            report(&format!("bless: compiler/docs/rules.md: {e}"));
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[expect(clippy::print_stderr, reason = "a developer tool reporting progress")]
fn report(line: &str) {
    eprintln!("{line}");
}
