//! Backends: everything ward generates from an analysed policy.
//!
//! Each backend is a pure function from the [`Analysis`] to [`Artifact`]s (relative path +
//! bytes); no backend does I/O. The CLI writes them atomically, and only when the policy has
//! no unwaived error.
//!
//! INVARIANT: no backend ever turns a flow in [`Outcome::blocked_flows`] into an allow rule
//! (fail closed), and artifacts are byte-identical for the same model.
//!
//! [`Outcome::blocked_flows`]: crate::checks::Outcome::blocked_flows

pub mod nftables;

use crate::pipeline::Analysis;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative, `/`-separated path under the output directory.
    pub path: String,
    pub contents: String,
}

/// What every backend gets.
pub struct EmitContext<'a> {
    pub analysis: &'a Analysis,
    /// A short name for the policy (the directory or file name), used in log prefixes and
    /// headers. Backends must escape or map it like any other policy text.
    pub policy_name: &'a str,
}

/// Runs every backend. Artifacts are sorted by path.
pub fn emit_all(cx: &EmitContext<'_>) -> Vec<Artifact> {
    let mut artifacts = nftables::emit(cx);
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    artifacts
}
