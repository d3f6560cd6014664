//! `ward check --format github`: GitHub Actions workflow commands
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`).
//!
//! Escaping follows the runner's rules: in the message `%`, `\r`, `\n` are percent-encoded; in
//! property values additionally `:` and `,`. Policy text cannot start a new workflow command.

use std::fmt::Write as _;

use ward_lang::Sources;

use crate::report::Entry;

/// Renders one annotation per unwaived diagnostic, and a notice per waived finding.
pub fn render(entries: &[Entry<'_>], sources: &Sources) -> String {
    let mut out = String::new();
    for entry in entries {
        let d = entry.diagnostic;
        let command = match (&entry.waiver, d.is_error()) {
            (Some(_), _) => "notice",
            (None, true) => "error",
            (None, false) => "warning",
        };
        let mut props = Vec::new();
        if let Some(label) = &d.primary
            && let Some(file) = sources.get(label.span.file)
        {
            let (line, col) = file.line_col(label.span.start);
            let (end_line, end_col) = file.line_col(label.span.end);
            props.push(format!("file={}", escape_property(&file.path)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
            props.push(format!("endLine={end_line}"));
            if end_line == line {
                props.push(format!("endColumn={end_col}"));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{} {}", d.code.id, d.code.name))
        ));
        let mut message = d.message.clone();
        if let Some(waiver) = &entry.waiver {
            let _ = write!(
                message,
                "\nwaived until {} by {}: {}",
                waiver.until,
                waiver.owner.as_deref().unwrap_or("(no owner)"),
                waiver.reason.as_deref().unwrap_or("(no reason)")
            );
        } else if let Some(help) = &d.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    out
}

/// Escapes a workflow-command message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_text_cannot_start_a_command() {
        assert_eq!(escape_data("a\n::error::x"), "a%0A::error::x");
        assert_eq!(escape_property("a,b:c%"), "a%2Cb%3Ac%25");
    }
}
