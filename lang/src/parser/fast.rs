//! Fast paths for the declarations a large policy is made of: flows and services.
//!
//! A policy with 10,000 services and 100,000 flows is almost nothing else, and pest (with the
//! lowering of its pairs) spends most of the parse time on them. These hand-written readers
//! follow the grammar rule by rule for a strict subset of it, and return exactly what pest and
//! the lowering would, or `None` on anything else, and then pest parses the item as usual, with
//! its diagnostics. The subset leaves out everything that can produce a diagnostic (an
//! attribute written twice, an over-long name, a string escape) and names spelt like keywords;
//! whitespace and comments are read as pest reads them. pest stays the specification:
//! `tests/fast_path.rs` in `ward-tests` checks that both paths give identical syntax trees and
//! diagnostics on the examples, synthetic policies and near misses.

mod flow;
mod reader;
mod service;

use self::reader::Reader;
use crate::ast::{Carried, Item};
use crate::span::FileId;

/// Buffers reused from one declaration to the next, so that the lists of the syntax tree can be
/// allocated at their final size (a large policy holds hundreds of thousands of them).
#[derive(Default)]
pub(super) struct Scratch {
    carries: Vec<Carried>,
}

/// Reads a flow or service declaration at `pos`; returns it and the offset just after its last
/// token.
pub(super) fn declaration(
    file: FileId,
    text: &str,
    pos: usize,
    scratch: &mut Scratch,
) -> Option<(Item, usize)> {
    let mut r = Reader::new(file, text, pos);
    let item = match r.peek()? {
        b'f' => Item::Flow(flow::flow(&mut r, &mut scratch.carries)?),
        b's' | b'e' => Item::Service(service::service(&mut r)?),
        _ => return None,
    };
    // The grammar's `item` requires a declaration to be followed by another one or the end of
    // the file.
    let next = super::skip_trivia(text, r.end);
    if next < text.len() && !super::starts_with_keyword(text, next, super::TOP_LEVEL_KEYWORDS) {
        return None;
    }
    Some((item, r.end))
}
