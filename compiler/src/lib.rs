//! The ward compiler: from a parsed policy to findings and enforceable artifacts.
//!
//! Pipeline: `ward_lang::parse` (text to syntax tree) → [`model::resolve`] (names and values to a
//! typed [`model::Model`]) → [`graph`] (data-flow graph and lineage) → [`checks`] (findings) →
//! backends. Everything here is a pure function of its inputs; the only I/O (files, clock,
//! terminal) is in [`cli`].

pub mod checks;
pub mod cli;
pub mod date;
pub mod emit;
pub mod graph;
pub mod model;
pub mod pipeline;
pub mod reference;
pub mod report;
