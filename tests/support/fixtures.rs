//! The examples and their generated fixtures: what `cargo bless` writes and `tests/fixtures.rs`
//! checks.
//!
//! Fixtures are generated as of a pinned date ([`FIXTURE_DATE`]) so that they do not change
//! when a waiver in an example expires in real time.

use std::path::{Path, PathBuf};

use ward_compiler::date::Date;
use ward_compiler::emit::{self, Artifact, EmitContext};
use ward_compiler::pipeline::{self, Compilation};
use ward_compiler::reference::Reference;
use ward_compiler::report;
use ward_lang::Sources;

/// The date fixtures are generated as of.
pub const FIXTURE_DATE: &str = "2026-12-01";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The names of the example policies (directories under `examples/`), sorted.
pub fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("examples"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Reads an example policy into sources, with paths relative to the repository root.
pub fn load_example(name: &str) -> Result<Sources, String> {
    let root = repo_root();
    let loaded = ward_compiler::cli::load::load(&root.join("examples").join(name))?;
    let mut sources = Sources::new();
    for (_, file) in loaded.sources.iter() {
        let path = Path::new(&file.path);
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        sources.add(rel, file.text.clone().into_bytes());
    }
    Ok(sources)
}

/// Analyses an example as of [`FIXTURE_DATE`].
pub fn analyse_example(name: &str) -> Result<(Sources, Compilation), String> {
    let sources = load_example(name)?;
    let today = Date::parse(FIXTURE_DATE).map_err(|e| format!("{e:?}"))?;
    let compilation = pipeline::analyse(&sources, today);
    Ok((sources, compilation))
}

/// Every generated file of an example: `findings.json` (the check report) and, when the
/// example has no unwaived error, every backend's artifacts.
pub fn generate_example(name: &str) -> Result<Vec<Artifact>, String> {
    let (sources, compilation) = analyse_example(name)?;
    let entries = report::entries(&compilation);
    let edition = Reference::builtin().edition().retrieved.to_string();
    let json = report::json::build(&entries, &sources, FIXTURE_DATE, &edition);
    let mut findings = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    findings.push('\n');
    let mut artifacts = vec![Artifact {
        path: "findings.json".to_string(),
        contents: findings,
    }];
    if let Some(analysis) = compilation
        .analysis
        .as_ref()
        .filter(|_| !compilation.has_errors())
    {
        artifacts.extend(emit::emit_all(&EmitContext {
            analysis,
            policy_name: name,
        }));
    }
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(artifacts)
}

/// `generated-fixtures/<example>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    repo_root().join("generated-fixtures").join(name)
}

/// Every file under a fixture directory, as relative `/`-separated paths, sorted (the
/// build manifest excluded).
pub fn files_on_disk(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel != ward_compiler::cli::write::MANIFEST {
                    out.push(rel);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
