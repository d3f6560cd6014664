//! Harnesses for ward's end-to-end tests: network namespaces with the real `nft`, the synthetic
//! policy generator, and helpers to find the repository's examples and fixtures.

pub mod fixtures;
pub mod netns;
pub mod synth;
