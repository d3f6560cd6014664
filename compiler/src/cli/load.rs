//! Reading a policy from disk: one `.ward` file, or every `*.ward` file below a directory.

use std::fs;
use std::path::{Path, PathBuf};

use ward_lang::{Diagnostic, Sources};

use crate::date::Date;

/// The files of a policy, read, with the diagnostics of reading them (non-UTF-8, too large).
pub struct Loaded {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, in the order they were added.
    pub files: Vec<PathBuf>,
}

/// Reads a policy. Directories are walked recursively in sorted order, skipping hidden
/// directories and not following symbolic links to directories (no loops). Errors are I/O
/// failures, reported by the caller with exit status 2.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let files = if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut sources = Sources::new();
    let mut diagnostics = Vec::new();
    for file in &files {
        let bytes = fs::read(file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let (_, diag) = sources.add(display_path(file), bytes);
        diagnostics.extend(diag);
    }
    Ok(Loaded {
        sources,
        diagnostics,
        files,
    })
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("cannot read directory `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read directory `{}`: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let hidden = name.to_string_lossy().starts_with('.');
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if kind.is_dir() && !hidden {
            walk(&path, files)?;
        } else if (kind.is_file() || kind.is_symlink() && path.is_file())
            && path.extension().is_some_and(|ext| ext == "ward")
        {
            files.push(path);
        }
    }
    Ok(())
}

/// A path as shown in diagnostics: as given, with `/` separators.
fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// The date to evaluate waivers against: `--today` if given, else the system clock (UTC).
pub fn today(flag: Option<&str>) -> Result<Date, String> {
    if let Some(text) = flag {
        return Date::parse(text)
            .map_err(|_| format!("`--today {text}` is not a date of the form YYYY-MM-DD"));
    }
    #[expect(
        clippy::disallowed_methods,
        reason = "the CLI is the one place that reads the clock"
    )]
    let now = std::time::SystemTime::now();
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| "the system clock is before 1970".to_string())?
        .as_secs();
    Date::from_days_since_epoch(i64::try_from(secs / 86_400).unwrap_or(0))
        .ok_or_else(|| "the system clock is out of range".to_string())
}
