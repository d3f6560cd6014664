//! The first, parallel pass over the flows: every flow whose names are all declared and that
//! needs no diagnostic is resolved here, read-only, on all cores.
//!
//! A large policy is mostly flows, and almost all of them are fine. What could report something
//! (an unknown or broken name, a masking strategy to validate, a class carried twice, a `masked`
//! class without a default) makes this pass give up on that flow, and the sequential pass
//! resolves it with the reporting code, in declaration order: the diagnostics, and their order,
//! are exactly those of resolving every flow sequentially. What is resolved here is what the
//! sequential pass would have built (same lookups, same sort).

use ward_lang::ast::{self, TransformKind};

use super::super::{Lookup, NameKind, Resolver};
use crate::model::{Carried, ClassId, MaskSpec, PortId, PurposeId, ServiceId, Spanned, Transform};

/// Flows below which threads cost more than they save.
const PARALLEL_FROM: usize = 4096;

/// A flow's resolved head (source, target, port) and body.
pub(in super::super) struct Resolved {
    pub(in super::super) head: (ServiceId, ServiceId, PortId),
    /// Sorted by class.
    pub(in super::super) carries: Vec<Carried>,
    pub(in super::super) purpose: Option<Spanned<PurposeId>>,
}

/// Each flow of `decls` resolved quietly, or `None` where the sequential pass must do it.
pub(in super::super) fn resolve_quietly(
    cx: &Resolver<'_>,
    decls: &[&ast::FlowDecl],
) -> Vec<Option<Resolved>> {
    let mut resolved: Vec<Option<Resolved>> =
        std::iter::repeat_with(|| None).take(decls.len()).collect();
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = if workers <= 1 || decls.len() < PARALLEL_FROM {
        decls.len().max(1)
    } else {
        decls.len().div_ceil(workers)
    };
    let fill = |slots: &mut [Option<Resolved>], part: &[&ast::FlowDecl]| {
        for (slot, decl) in slots.iter_mut().zip(part) {
            *slot = flow(cx, decl);
        }
    };
    if chunk >= decls.len() {
        fill(&mut resolved, decls);
        return resolved;
    }
    // Each worker fills its own part of the result, in place.
    std::thread::scope(|scope| {
        let handles: Vec<_> = resolved
            .chunks_mut(chunk)
            .zip(decls.chunks(chunk))
            .map(|(slots, part)| scope.spawn(move || fill(slots, part)))
            .collect();
        for handle in handles {
            // A worker cannot fail short of a bug; its panic goes on as it would without
            // threads.
            handle
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
    });
    resolved
}

fn flow(cx: &Resolver<'_>, decl: &ast::FlowDecl) -> Option<Resolved> {
    let source = ServiceId(found(cx, NameKind::Service, &decl.source)?);
    let target = ServiceId(found(cx, NameKind::Service, &decl.target)?);
    let port = cx.port_of(target, &decl.port.text)?;
    let mut carries = Vec::with_capacity(decl.carries.len());
    for item in &decl.carries {
        let class = ClassId(found(cx, NameKind::Class, &item.class)?);
        carries.push(Carried {
            class,
            transform: transform(cx, class, item)?,
            transform_span: item.transform.as_ref().map(|t| t.span),
            span: item.span,
        });
    }
    carries.sort_by_key(|c| (c.class, c.span));
    if carries
        .windows(2)
        .any(|pair| matches!(pair, [a, b] if a.class == b.class))
    {
        return None;
    }
    let purpose = match &decl.purpose {
        Some(p) => Some(Spanned::new(
            PurposeId(found(cx, NameKind::Purpose, p)?),
            p.span,
        )),
        None => None,
    };
    Some(Resolved {
        head: (source, target, port),
        carries,
        purpose,
    })
}

fn found(cx: &Resolver<'_>, kind: NameKind, ident: &ast::Ident) -> Option<u32> {
    match cx.find(kind, &ident.text) {
        Lookup::Found(id) => Some(id),
        Lookup::Broken | Lookup::Unknown => None,
    }
}

/// The transformations that need no validation; `None` for the others.
fn transform(cx: &Resolver<'_>, class: ClassId, item: &ast::Carried) -> Option<Transform> {
    let Some(t) = &item.transform else {
        return Some(Transform::None);
    };
    Some(match &t.kind {
        TransformKind::Hashed => Transform::Hashed,
        TransformKind::Tokenized => Transform::Tokenized,
        TransformKind::Redacted => Transform::Redacted,
        TransformKind::Anonymized(justification) => Transform::Anonymized {
            justification: justification.value.clone(),
        },
        TransformKind::Masked(None) => {
            let mask = cx.model.classes.get(class.index())?.mask.as_ref()?;
            Transform::Masked(MaskSpec {
                strategy: mask.strategy.clone(),
                span: t.span,
            })
        }
        TransformKind::Masked(Some(_)) => return None,
    })
}
