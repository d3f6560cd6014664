//! The ward policy language: text to syntax tree, with diagnostics.
//!
//! `lang` knows syntax, not GDPR: it turns the text of policy files into an [`ast::Policy`] and
//! reports what is wrong with the text. Name resolution, jurisdictions and compliance rules live
//! in the `ward-compiler` crate. No file I/O happens here.

// pest's derive refers to `::alloc` when pest is built without its `std` feature, which we
// turn off because its per-rule stack guard costs about a quarter of the parse time.
extern crate alloc;

pub mod ast;
pub mod diag;
pub mod source;
pub mod span;

mod lower;
mod parser;

pub use diag::{Code, Diagnostic, Label, Severity};
pub use parser::TOP_LEVEL_KEYWORDS;
pub use source::Sources;
pub use span::{FileId, Span};

/// Parses every file of `sources` into one policy.
///
/// Each file is parsed on its own, so a syntax error in one file does not hide errors in
/// another; the items of all files that parsed are returned together, in file order. An empty
/// policy (no declarations at all) is reported as [`diag::codes::EMPTY_POLICY`].
pub fn parse(sources: &Sources) -> (ast::Policy, Vec<Diagnostic>) {
    parser::parse_all(sources, true)
}

/// [`parse`] without the hand-written fast paths: every item goes through pest. The result is
/// the same; this exists so tests can check that.
#[doc(hidden)]
pub fn parse_with_pest_only(sources: &Sources) -> (ast::Policy, Vec<Diagnostic>) {
    parser::parse_all(sources, false)
}

/// Whether the hand-written fast paths read the first declaration of `text` themselves (rather
/// than leaving it to pest). For tests: a differential test is only meaningful on text the fast
/// paths accept.
#[doc(hidden)]
pub fn fast_path_reads(text: &str) -> bool {
    parser::fast_path_reads(text)
}
