//! pest pairs to syntax tree.
