//! `ward check`: report every problem of a policy.

use std::io::{IsTerminal, Write};

use ward_lang::diag::render::HumanRenderer;
use ward_lang::{Diagnostic, Sources};

use crate::cli::{CheckArgs, Color, Exit, Format, all_codes, load};
use crate::pipeline::{self, Compilation};
use crate::reference::Reference;
use crate::report::{self, Entry};

pub fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let today = match load::today(args.policy.today.as_deref()) {
        Ok(date) => date,
        Err(message) => return usage(err, &message),
    };
    let loaded = match load::load(&args.policy.path) {
        Ok(loaded) => loaded,
        Err(message) => return usage(err, &message),
    };
    let mut compilation = pipeline::analyse(&loaded.sources, today);
    compilation.frontend.extend(loaded.diagnostics);
    ward_lang::diag::sort_diagnostics(&mut compilation.frontend);
    let entries = report::entries(&compilation);
    let written = match args.format {
        Format::Human => write_human(
            out,
            &entries,
            &loaded.sources,
            args.color,
            loaded.files.len(),
        ),
        Format::Json => {
            let edition = Reference::builtin().edition().retrieved.to_string();
            let report =
                report::json::build(&entries, &loaded.sources, &today.to_string(), &edition);
            serde_json::to_writer_pretty(&mut *out, &report)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
        Format::Sarif => {
            let log = report::sarif::build(&entries, &loaded.sources, &all_codes());
            serde_json::to_writer_pretty(&mut *out, &log)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
        Format::Github => {
            out.write_all(report::github::render(&entries, &loaded.sources).as_bytes())
        }
    };
    if let Err(e) = written {
        return usage(err, &format!("cannot write the report: {e}"));
    }
    let status = exit_status(&compilation, args.deny_warnings);
    // The process ends right after this: freeing the model, graph and sources allocation by
    // allocation would only delay the exit (by a tenth of a second on a 10,000-service policy).
    std::mem::forget(compilation);
    std::mem::forget(loaded.sources);
    status
}

/// 1 when errors remain (or warnings, under `--deny-warnings`), else 0.
pub fn exit_status(compilation: &Compilation, deny_warnings: bool) -> Exit {
    if compilation.has_errors() || deny_warnings && compilation.has_warnings() {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

pub(crate) fn write_human(
    out: &mut dyn Write,
    entries: &[Entry<'_>],
    sources: &Sources,
    color: Color,
    files: usize,
) -> std::io::Result<()> {
    let color = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal(),
    };
    let renderer = HumanRenderer::new(color);
    let mut waived: Vec<&Entry<'_>> = Vec::new();
    for entry in entries {
        if entry.waiver.is_some() {
            waived.push(entry);
        } else {
            out.write_all(renderer.render(entry.diagnostic, sources).as_bytes())?;
            writeln!(out)?;
        }
    }
    for entry in &waived {
        write_waived(out, entry, sources)?;
    }
    let summary = report::summarise(entries);
    writeln!(
        out,
        "ward: {} error{}, {} warning{}, {} waived finding{} in {} file{}",
        summary.errors,
        plural(summary.errors),
        summary.warnings,
        plural(summary.warnings),
        summary.waived,
        plural(summary.waived),
        files,
        plural(files),
    )
}

fn write_waived(out: &mut dyn Write, entry: &Entry<'_>, sources: &Sources) -> std::io::Result<()> {
    let d: &Diagnostic = entry.diagnostic;
    let Some(waiver) = &entry.waiver else {
        return Ok(());
    };
    let at = d
        .primary
        .as_ref()
        .and_then(|l| ward_lang::diag::render::start_line_col(l.span, sources))
        .map(|(file, line, col)| format!("{file}:{line}:{col}"))
        .unwrap_or_default();
    writeln!(
        out,
        "waived [{}] {}: {}\n  at {at}, until {}, owner {}, reason: {}",
        d.code.id,
        d.code.name,
        d.message,
        waiver.until,
        waiver.owner.as_deref().unwrap_or("(none)"),
        waiver.reason.as_deref().unwrap_or("(none)"),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(crate) fn usage(err: &mut dyn Write, message: &str) -> Exit {
    let _ = writeln!(err, "error: {message}");
    Exit::Usage
}
