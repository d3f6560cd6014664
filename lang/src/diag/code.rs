//! Diagnostic codes: the stable identity of every kind of diagnostic.

use serde::Serialize;

/// How serious a diagnostic is. Errors fail `ward check`; warnings fail it only with
/// `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A diagnostic code. Codes are declared once, as statics, with [`declare_codes!`]; the
/// explanation is the doc comment on the declaration and is what `ward explain` prints.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    /// Stable identifier such as `P0001`; the letter names the stage, never the severity.
    pub id: &'static str,
    /// Stable kebab-case name, read as "allow ⟨name⟩", e.g. `unencrypted-personal-data`.
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line, lowercase, no trailing period.
    pub summary: &'static str,
    /// Markdown: what it checks, why it matters, how to fix.
    pub explanation: &'static str,
}

impl Code {
    /// The explanation as Markdown: the doc comment's text without the one space that
    /// `/// text` puts before every line.
    pub fn doc(&self) -> String {
        let mut out = String::with_capacity(self.explanation.len());
        for line in self.explanation.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_string()
    }
}

/// Declares `pub static` [`Code`]s and an `ALL` slice listing them in declaration order.
///
/// ```ignore
/// declare_codes! {
///     /// Explanation in Markdown.
///     SYNTAX_ERROR = ("P0001", "syntax-error", Error, "the text does not follow the grammar");
/// }
/// ```
#[macro_export]
macro_rules! declare_codes {
    ($( $(#[doc = $doc:literal])* $ident:ident = ($id:literal, $name:literal, $sev:ident, $summary:literal); )*) => {
        $(
            pub static $ident: $crate::diag::Code = $crate::diag::Code {
                id: $id,
                name: $name,
                default_severity: $crate::diag::Severity::$sev,
                summary: $summary,
                explanation: $crate::declare_codes!(@doc $($doc)*),
            };
        )*
        /// Every code declared in this module, in declaration order.
        pub static ALL: &[&$crate::diag::Code] = &[$(&$ident),*];
    };
    (@doc $($doc:literal)*) => { concat!($($doc, "\n"),*) };
}
