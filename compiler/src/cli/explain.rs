//! `ward explain`: the documentation of a diagnostic code.

use std::io::Write;

use crate::cli::{Exit, ExplainArgs, all_codes};

pub fn run(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let codes = all_codes();
    if args.list {
        for code in &codes {
            let _ = writeln!(
                out,
                "{:6} {:36} {:8} {}",
                code.id,
                code.name,
                code.default_severity.as_str(),
                code.summary
            );
        }
        return Exit::Clean;
    }
    let wanted = args.code.as_deref().unwrap_or_default();
    let found = codes
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(wanted) || c.name == wanted);
    let Some(code) = found else {
        let names = codes
            .iter()
            .map(|c| c.name)
            .chain(codes.iter().map(|c| c.id));
        let hint = ward_lang::diag::suggest::closest(wanted, names)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        let _ = writeln!(
            err,
            "error: no diagnostic code `{wanted}`{hint}; `ward explain --list` shows them all"
        );
        return Exit::Usage;
    };
    let _ = writeln!(
        out,
        "# {} {}\n\n{}\n\nDefault severity: {}\n\n{}",
        code.id,
        code.name,
        code.summary,
        code.default_severity.as_str(),
        code.doc()
    );
    Exit::Clean
}

/// The reference of every diagnostic code as one Markdown document: `compiler/docs/rules.md`
/// is this text (`cargo bless` writes it; a test fails when it is stale).
pub fn codes_markdown() -> String {
    let mut out = String::from(
        "# ward diagnostic codes\n\n<!-- Generated from the code registry by `cargo bless`; do not edit. -->\n\n\
         Letters name the stage: `P` files and syntax, `N` names, `V` values, `C` compliance rules.\n\
         Compliance rules can be set to `error`, `warning` or `off` with `severity <name> <level>`,\n\
         and their findings accepted for a time with `waive <name> on <subject> until <date>`.\n\n\
         | code | name | default | summary |\n|---|---|---|---|\n",
    );
    let codes = all_codes();
    for code in &codes {
        out.push_str(&format!(
            "| [{id}](#{anchor}) | `{name}` | {sev} | {summary} |\n",
            id = code.id,
            anchor = format!("{}-{}", code.id, code.name).to_lowercase(),
            name = code.name,
            sev = code.default_severity.as_str(),
            summary = code.summary,
        ));
    }
    for code in &codes {
        let body = code.doc().replace("\n## ", "\n### ");
        let body = body
            .strip_prefix("## ")
            .map_or(body.clone(), |rest| format!("### {rest}"));
        out.push_str(&format!(
            "\n## {}-{}\n\n{}\n\nDefault severity: {}.\n\n{}\n",
            code.id,
            code.name,
            code.summary,
            code.default_severity.as_str(),
            body
        ));
    }
    out
}
