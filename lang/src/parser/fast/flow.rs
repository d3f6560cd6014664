//! `flow a -> b.p { carries x, y hashed, z masked with partial(keep_last = 4)  purpose q }`,
//! with every transformation; a second `purpose` (a diagnostic) is left to pest.

use super::reader::Reader;
use crate::ast::{Carried, FlowDecl, MaskArg, MaskStrategy, MaskValue, Transform, TransformKind};

/// `flow_decl`; `carries` is a buffer for the carried classes.
pub(super) fn flow(r: &mut Reader<'_>, carries: &mut Vec<Carried>) -> Option<FlowDecl> {
    carries.clear();
    let start = r.keyword("flow")?;
    r.trivia();
    let source = r.ident()?;
    r.trivia();
    r.literal("->")?;
    r.trivia();
    // `member_ref` is compound-atomic: no whitespace around the dot.
    let target = r.ident()?;
    r.punct(b'.')?;
    let port = r.ident()?;
    let mut flow = FlowDecl {
        source,
        target,
        port,
        carries: Vec::new(),
        purpose: None,
        span: r.span_from(start),
    };
    r.trivia();
    if r.punct(b'{').is_some() {
        loop {
            r.trivia();
            if r.punct(b'}').is_some() {
                break;
            } else if r.keyword("carries").is_some() {
                carries_list(r, carries)?;
            } else if flow.purpose.is_none() && r.keyword("purpose").is_some() {
                r.trivia();
                flow.purpose = Some(r.ident()?);
            } else {
                return None;
            }
        }
    }
    // Moved out one by one into a list of the exact size; the buffer keeps its capacity.
    flow.carries = Vec::with_capacity(carries.len());
    flow.carries.append(carries);
    flow.span = r.span_from(start);
    Some(flow)
}

/// The list after `carries`: `carried (, carried)*`.
fn carries_list(r: &mut Reader<'_>, list: &mut Vec<Carried>) -> Option<()> {
    loop {
        r.trivia();
        list.push(carried(r)?);
        r.trivia();
        if r.punct(b',').is_none() {
            return Some(());
        }
    }
}

/// `class` with an optional transformation.
fn carried(r: &mut Reader<'_>) -> Option<Carried> {
    let class = r.ident()?;
    let start = class.span.start as usize;
    r.trivia();
    let transform = transform(r)?;
    Some(Carried {
        span: r.span_from(start),
        class,
        transform,
    })
}

/// `hashed`, `tokenized`, `redacted`, `masked [with STRATEGY]`, `anonymized "..."` or nothing
/// (`Some(None)`); `None` to leave the flow to pest.
fn transform(r: &mut Reader<'_>) -> Option<Option<Transform>> {
    let start = r.pos;
    let kind = if r.keyword("hashed").is_some() {
        TransformKind::Hashed
    } else if r.keyword("tokenized").is_some() {
        TransformKind::Tokenized
    } else if r.keyword("redacted").is_some() {
        TransformKind::Redacted
    } else if r.keyword("masked").is_some() {
        r.trivia();
        let strategy = match r.keyword("with") {
            Some(_) => {
                r.trivia();
                Some(Box::new(mask_strategy(r)?))
            }
            None => None,
        };
        TransformKind::Masked(strategy)
    } else if r.keyword("anonymized").is_some() {
        r.trivia();
        TransformKind::Anonymized(Box::new(r.string()?))
    } else {
        return Some(None);
    };
    Some(Some(Transform {
        kind,
        span: r.span_from(start),
    }))
}

/// `name` or `name(arg = value, ...)`.
fn mask_strategy(r: &mut Reader<'_>) -> Option<MaskStrategy> {
    let name = r.ident()?;
    let start = name.span.start as usize;
    let mut args = Vec::new();
    r.trivia();
    if r.punct(b'(').is_some() {
        r.trivia();
        if r.punct(b')').is_none() {
            loop {
                args.push(mask_arg(r)?);
                r.trivia();
                if r.punct(b',').is_some() {
                    r.trivia();
                } else {
                    r.punct(b')')?;
                    break;
                }
            }
        }
    }
    Some(MaskStrategy {
        name,
        args,
        span: r.span_from(start),
    })
}

/// `name = 4`, `name = "text"` or `name = word` (the grammar's order: number, string, name).
fn mask_arg(r: &mut Reader<'_>) -> Option<MaskArg> {
    let name = r.ident()?;
    r.trivia();
    r.punct(b'=')?;
    r.trivia();
    let value = match r.peek()? {
        b'0'..=b'9' => MaskValue::Number(r.number()?),
        b'"' => MaskValue::Str(r.string()?),
        _ => MaskValue::Ident(r.ident()?),
    };
    Some(MaskArg { name, value })
}
