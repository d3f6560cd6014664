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

/// How many threads compare and write files at once (I/O-bound work).
const WRITERS: usize = 16;

/// Writes every artifact under `out` (created if missing) and removes stale ones.
///
/// In two phases:
/// 1. every artifact whose file differs is written to a temporary sibling and flushed to disk,
///    by [`WRITERS`] threads (flushing is bound by waiting for the disk: at 10,000 services,
///    20,000 files written and flushed one after the other took about 14 s on this machine's
///    virtual disk, against about 5 s in parallel, its write bandwidth);
/// 2. each is renamed over its target, and the directories are flushed.
///
/// Each file is replaced atomically: a reader (or a crash) sees the old file or the new one,
/// never a torn one. If any file of phase 1 fails, the temporary files are removed and no file
/// is replaced. The manifest is written last.
pub fn write_artifacts(out: &Path, artifacts: &[Artifact]) -> io::Result<WriteSummary> {
    fs::create_dir_all(out)?;
    let previous = read_manifest(out);
    let mut current = BTreeSet::new();
    let mut targets = Vec::with_capacity(artifacts.len());
    for artifact in artifacts {
        targets.push(safe_join(out, &artifact.path)?);
        current.insert(artifact.path.clone());
    }
    let jobs: Vec<(&PathBuf, &Artifact)> = targets.iter().zip(artifacts).collect();
    let chunk = jobs.len().div_ceil(WRITERS).max(1);
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut first_error = None;
    std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| scope.spawn(move || stage_changed(part)))
            .collect();
        for worker in workers {
            let (done, error) = worker
                .join()
                .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
            staged.extend(done);
            if first_error.is_none() {
                first_error = error;
            }
        }
    });
    if let Some(e) = first_error {
        for (temp, _) in &staged {
            let _ = fs::remove_file(temp);
        }
        return Err(e);
    }
    let mut dirs = BTreeSet::new();
    for (temp, target) in &staged {
        if let Err(e) = fs::rename(temp, target) {
            let _ = fs::remove_file(temp);
            return Err(e);
        }
        if let Some(dir) = target.parent() {
            dirs.insert(dir.to_path_buf());
        }
    }
    for dir in &dirs {
        sync_dir(dir)?;
    }
    let mut summary = WriteSummary {
        written: staged.len(),
        unchanged: artifacts.len() - staged.len(),
        removed: 0,
    };
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

/// Writes each artifact whose file differs from its contents to a temporary sibling, flushed
/// to disk. Returns the (temporary, target) pairs written, and the first error (after which it
/// stops).
fn stage_changed(jobs: &[(&PathBuf, &Artifact)]) -> (Vec<(PathBuf, PathBuf)>, Option<io::Error>) {
    let mut staged = Vec::new();
    for (target, artifact) in jobs {
        if fs::read(target).is_ok_and(|old| old == artifact.contents.as_bytes()) {
            continue;
        }
        let temp = temp_sibling(target);
        let written = target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| write_synced(&temp, artifact.contents.as_bytes()));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return (staged, Some(e));
        }
        staged.push((temp, (*target).clone()));
    }
    (staged, None)
}

/// Writes `bytes` to a new file at `path` and flushes it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes a directory, so that the renames in it survive a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// `.<name>.ward-tmp-<pid>` next to `path`.
fn temp_sibling(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.ward-tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` via a temporary sibling and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let temp = temp_sibling(path);
    let result = write_synced(&temp, bytes).and_then(|()| fs::rename(&temp, path));
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
    fn a_failed_write_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        write_artifacts(dir.path(), &[artifact("a/x.nft", "old")]).unwrap();
        // `blocker` is a file, so nothing can be written under `blocker/`.
        fs::write(dir.path().join("blocker"), "not a directory").unwrap();
        let many: Vec<Artifact> = (0..100)
            .map(|i| artifact(&format!("a/{i}.nft"), "new"))
            .chain([artifact("a/x.nft", "new"), artifact("blocker/y.nft", "new")])
            .collect();
        assert!(write_artifacts(dir.path(), &many).is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("a/x.nft")).unwrap(),
            "old"
        );
        let left: Vec<_> = fs::read_dir(dir.path().join("a"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["x.nft"], "no new file and no temporary file");
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
