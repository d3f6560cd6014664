//! `ward build`: check a policy and, only if it has no unwaived error, write its artifacts.

use std::io::Write;
use std::path::Path;

use crate::cli::{BuildArgs, Exit, check, load, write};
use crate::emit::{self, EmitContext};
use crate::pipeline;
use crate::report;

pub fn run(args: &BuildArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let today = match load::today(args.policy.today.as_deref()) {
        Ok(date) => date,
        Err(message) => return check::usage(err, &message),
    };
    let loaded = match load::load(&args.policy.path) {
        Ok(loaded) => loaded,
        Err(message) => return check::usage(err, &message),
    };
    let mut compilation = pipeline::analyse(&loaded.sources, today);
    compilation.frontend.extend(loaded.diagnostics);
    ward_lang::diag::sort_diagnostics(&mut compilation.frontend);
    let entries = report::entries(&compilation);
    if let Err(e) = check::write_human(
        out,
        &entries,
        &loaded.sources,
        args.color,
        loaded.files.len(),
    ) {
        return check::usage(err, &format!("cannot write the report: {e}"));
    }
    let analysis = match &compilation.analysis {
        Some(analysis) if !compilation.has_errors() => analysis,
        _ => {
            let _ = writeln!(
                out,
                "ward: not building: fix the errors above (nothing in `{}` was changed)",
                args.out.display()
            );
            return Exit::Findings;
        }
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| policy_name(&args.policy.path));
    let artifacts = emit::emit_all(&EmitContext {
        analysis,
        policy_name: &name,
    });
    let written = write::write_artifacts(&args.out, &artifacts);
    // The process ends right after this; see `check::run`.
    std::mem::forget(artifacts);
    match written {
        Ok(summary) => {
            let _ = writeln!(
                out,
                "ward: wrote {} file{} to `{}` ({} unchanged, {} removed)",
                summary.written,
                if summary.written == 1 { "" } else { "s" },
                args.out.display(),
                summary.unchanged,
                summary.removed
            );
            Exit::Clean
        }
        Err(e) => check::usage(
            err,
            &format!("cannot write to `{}`: {e}", args.out.display()),
        ),
    }
}

/// The policy's short name: its directory name, or its file name without `.ward`.
pub fn policy_name(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let name = if path.is_dir() {
        path.file_name()
    } else {
        path.file_stem()
    };
    name.map_or_else(
        || "policy".to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
