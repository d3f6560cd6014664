//! `ward explain`: the documentation of a diagnostic code.

use std::io::Write;

use crate::cli::{Exit, ExplainArgs, all_codes};

pub fn run(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let codes = all_codes();
    if args.list {
        for code in &codes {
            let _ = writeln!(out, "{:6} {:36} {:8} {}", code.id, code.name, code.default_severity.as_str(), code.summary);
        }
        return Exit::Clean;
    }
    let wanted = args.code.as_deref().unwrap_or_default();
    let found = codes.iter().find(|c| c.id.eq_ignore_ascii_case(wanted) || c.name == wanted);
    let Some(code) = found else {
        let names = codes.iter().map(|c| c.name).chain(codes.iter().map(|c| c.id));
        let hint = ward_lang::diag::suggest::closest(wanted, names)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        let _ = writeln!(err, "error: no diagnostic code `{wanted}`{hint}; `ward explain --list` shows them all");
        return Exit::Usage;
    };
    let _ = writeln!(
        out,
        "# {} {}\n\n{}\n\nDefault severity: {}\n\n{}",
        code.id,
        code.name,
        code.summary,
        code.default_severity.as_str(),
        code.explanation.trim_end()
    );
    Exit::Clean
}
