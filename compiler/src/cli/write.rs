//! Writing artifacts: atomically, completely, and without touching what ward did not write.
//!
//! Each file is written to a temporary file in its target directory, flushed to disk and
//! renamed over the target, so a reader (or a crash) sees the old file or the new one, never a
//! torn one. A manifest (`.ward-manifest`) lists what the last build wrote; files it listed
//! that the new build no longer produces are removed, and nothing else in the directory is.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::emit::Artifact;

/// The manifest file in the output directory.
pub const MANIFEST: &str = ".ward-manifest";

/// What a write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes every artifact under `out` (created if missing) and removes stale ones.
pub fn write_artifacts(out: &Path, artifacts: &[Artifact]) -> io::Result<WriteSummary> {
    let mut summary = WriteSummary::default();
    fs::create_dir_all(out)?;
    let previous = read_manifest(out);
    let mut current = BTreeSet::new();
    for artifact in artifacts {
        let target = safe_join(out, &artifact.path)?;
        current.insert(artifact.path.clone());
        if fs::read(&target).is_ok_and(|old| old == artifact.contents.as_bytes()) {
            summary.unchanged += 1;
            continue;
        }
        write_atomic(&target, artifact.contents.as_bytes())?;
        summary.written += 1;
    }
    for stale in previous.difference(&current) {
        let Ok(path) = safe_join(out, stale) else {
            continue;
        };
        match fs::remove_file(&path) {
            Ok(()) => summary.removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    let manifest: String = current.iter().map(|p| format!("{p}\n")).collect();
    write_atomic(&out.join(MANIFEST), manifest.as_bytes())?;
    Ok(summary)
}

/// Writes `bytes` to `path` via a temporary sibling and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.ward-tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn read_manifest(out: &Path) -> BTreeSet<String> {
    fs::read_to_string(out.join(MANIFEST))
        .map(|text| {
            text.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `out/relative`, refusing anything but plain relative components (no `..`, no roots).
fn safe_join(out: &Path, relative: &str) -> io::Result<PathBuf> {
    let path = Path::new(relative);
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    if relative.is_empty() || !plain {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to write outside the output directory: `{relative}`"),
        ));
    }
    Ok(out.join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(path: &str, contents: &str) -> Artifact {
        Artifact {
            path: path.to_string(),
            contents: contents.to_string(),
        }
    }

    #[test]
    fn writes_replaces_and_removes_only_its_own_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("user-notes.txt"), "mine").unwrap();
        let first = write_artifacts(
            dir.path(),
            &[artifact("a/x.nft", "1"), artifact("b.json", "2")],
        )
        .unwrap();
        assert_eq!(
            first,
            WriteSummary {
                written: 2,
                unchanged: 0,
                removed: 0
            }
        );
        let second = write_artifacts(dir.path(), &[artifact("a/x.nft", "1")]).unwrap();
        assert_eq!(
            second,
            WriteSummary {
                written: 0,
                unchanged: 1,
                removed: 1
            }
        );
        assert!(!dir.path().join("b.json").exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("user-notes.txt")).unwrap(),
            "mine"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no temporary files are left behind: {leftovers:?}"
        );
    }

    #[test]
    fn refuses_paths_outside_the_output_directory() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../evil", "/etc/passwd", "", "a/../../b"] {
            assert!(
                write_artifacts(dir.path(), &[artifact(bad, "x")]).is_err(),
                "{bad}"
            );
        }
    }
}
