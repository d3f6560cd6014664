//! nftables backend.

use crate::emit::{Artifact, EmitContext};

pub fn emit(_cx: &EmitContext<'_>) -> Vec<Artifact> {
    Vec::new()
}
