//! Flows: `source -> target.port`, the classes they carry and what is done to them.
//!
//! Two passes: [`quiet`] resolves, in parallel, every flow that needs no diagnostic; the rest
//! are resolved here, one after the other, with their diagnostics.

mod quiet;

use quiet::Resolved;

use ward_lang::ast::{self, TransformKind};
use ward_lang::{Diagnostic, Span};

use super::{Resolver, data, index, list_names};
use crate::model::codes;
use crate::model::{
    Carried, ClassId, Flow, MaskSpec, MaskStrategy, PortId, ServiceId, Spanned, Transform,
};

/// Resolves the flows, sorted by (source, target, port); at most one flow per triple.
pub(super) fn resolve_flows<'a>(cx: &mut Resolver<'a>, decls: &[&'a ast::FlowDecl]) {
    // Per declaration, in order: the flow's head and body, or `None` when its head does not
    // resolve. The quiet pass fills most; the rest are resolved here, in order.
    let mut resolved = quiet::resolve_quietly(cx, decls);
    // One packed (source, target, port, declaration index) per flow: sorting 16-byte keys is
    // several times faster than sorting the flows themselves.
    let mut keys: Vec<u128> = Vec::with_capacity(decls.len());
    for (i, (decl, slot)) in decls.iter().zip(resolved.iter_mut()).enumerate() {
        if slot.is_none() {
            let head = head(cx, decl);
            // The body is resolved even when the head is not: its names are independent
            // mistakes.
            let carries = carries(cx, decl);
            let purpose = decl
                .purpose
                .as_ref()
                .and_then(|p| cx.purpose(p).map(|id| Spanned::new(id, p.span)));
            *slot = head.map(|head| Resolved {
                head,
                carries,
                purpose,
            });
        }
        if let Some(Resolved {
            head: (source, target, port),
            ..
        }) = slot
        {
            let key = [source.0, target.0, port.0, index(i)];
            keys.push(
                key.iter()
                    .fold(0u128, |packed, part| packed << 32 | u128::from(*part)),
            );
        }
    }
    // INVARIANT: keys are unique (the index breaks ties, in declaration order), so the order
    // of an unstable sort is fully determined.
    keys.sort_unstable();
    let mut unique: Vec<Flow> = Vec::with_capacity(keys.len());
    for key in keys {
        let at = usize::try_from(key & u128::from(u32::MAX)).unwrap_or(usize::MAX);
        let (Some(decl), Some(r)) = (decls.get(at), resolved.get_mut(at).and_then(Option::take))
        else {
            continue;
        };
        let (source, target, port) = r.head;
        let flow = Flow {
            source,
            target,
            port,
            carries: r.carries,
            purpose: r.purpose,
            head_span: head_span(decl),
            span: decl.span,
        };
        if let Some(first) = unique
            .last()
            .filter(|f| (f.source, f.port) == (flow.source, flow.port))
        {
            let what = format!(
                "flow `{} -> {}.{}`",
                decl.source.text, decl.target.text, decl.port.text
            );
            let first_span = first.head_span;
            cx.report_duplicate(&what, flow.head_span, first_span);
            continue;
        }
        unique.push(flow);
    }
    cx.model.flows = unique;
}

fn head_span(decl: &ast::FlowDecl) -> Span {
    decl.source.span.to(decl.port.span)
}

/// Resolves `source -> target.port`; `None` after reporting (or silently for a broken service).
fn head<'a>(
    cx: &mut Resolver<'a>,
    decl: &'a ast::FlowDecl,
) -> Option<(ServiceId, ServiceId, PortId)> {
    let source = cx.service(&decl.source);
    let target = cx.service(&decl.target)?;
    let port = port(cx, target, &decl.port)?;
    Some((source?, target, port))
}

/// The port `ident` of `service`, reported with the service's ports as help if it has none such.
pub(super) fn port<'a>(
    cx: &mut Resolver<'a>,
    service: ServiceId,
    ident: &'a ast::Ident,
) -> Option<PortId> {
    if let Some(id) = cx.port_of(service, &ident.text) {
        return Some(id);
    }
    let s = cx.model.services.get(service.index())?;
    let names: Vec<&str> = s
        .ports
        .iter()
        .filter_map(|p| cx.model.ports.get(p.index()))
        .map(|p| p.name.as_str())
        .collect();
    let name = &ident.text;
    let help = match ward_lang::diag::suggest::closest(name, names.iter().copied()) {
        Some(close) => format!(
            "did you mean `{close}`? `{}` declares {}",
            s.name,
            list_names(names.iter().copied())
        ),
        None if names.is_empty() => format!(
            "`{}` declares no ports; add `port {name} <number>/tcp` to it",
            s.name
        ),
        None => format!(
            "`{}` declares {}",
            s.name,
            list_names(names.iter().copied())
        ),
    };
    super::report_unknown_member(cx, service, ident, "port", help);
    None
}

/// The carried classes, sorted by class; a class carried twice is reported.
fn carries<'a>(cx: &mut Resolver<'a>, decl: &'a ast::FlowDecl) -> Vec<Carried> {
    let mut carried: Vec<Carried> = Vec::with_capacity(decl.carries.len());
    for item in &decl.carries {
        let Some(class) = cx.class(&item.class) else {
            continue;
        };
        let transform = transform(cx, class, item);
        let transform_span = item.transform.as_ref().map(|t| t.span);
        carried.push(Carried {
            class,
            transform,
            transform_span,
            span: item.span,
        });
    }
    carried.sort_by_key(|c| (c.class, c.span));
    let mut twice = Vec::new();
    carried.dedup_by(|again, first| {
        let same = again.class == first.class;
        if same {
            twice.push((again.class, again.span, first.span));
        }
        same
    });
    for (class, again, first) in twice {
        let name = cx
            .model
            .classes
            .get(class.index())
            .map_or("", |c| c.name.as_str());
        let diag = Diagnostic::new(
            &codes::DUPLICATE_DEFINITION,
            format!("data class `{name}` is carried twice by this flow"),
        )
        .at(again, "carried again here")
        .with_secondary(first, "first carried here")
        .with_help("carry each class once, with the transform it gets on the way");
        cx.report(diag);
    }
    carried
}

/// What the flow does to a class. An invalid or missing masking strategy is reported and
/// becomes `redact` (nothing travels), so that no later check reports on it a second time.
fn transform(cx: &mut Resolver<'_>, class: ClassId, item: &ast::Carried) -> Transform {
    let Some(t) = &item.transform else {
        return Transform::None;
    };
    let placeholder = || {
        Transform::Masked(MaskSpec {
            strategy: MaskStrategy::Redact,
            span: t.span,
        })
    };
    match &t.kind {
        TransformKind::Hashed => Transform::Hashed,
        TransformKind::Tokenized => Transform::Tokenized,
        TransformKind::Redacted => Transform::Redacted,
        TransformKind::Anonymized(justification) => Transform::Anonymized {
            justification: justification.value.clone(),
        },
        TransformKind::Masked(Some(strategy)) => {
            data::mask_spec(cx, strategy).map_or_else(placeholder, Transform::Masked)
        }
        TransformKind::Masked(None) => {
            let Some(c) = cx.model.classes.get(class.index()) else {
                return placeholder();
            };
            if let Some(mask) = &c.mask {
                return Transform::Masked(MaskSpec {
                    strategy: mask.strategy.clone(),
                    span: t.span,
                });
            }
            if !cx
                .names
                .broken_masks
                .get(class.index())
                .copied()
                .unwrap_or(false)
            {
                let diag = Diagnostic::new(
                    &codes::MASK_WITHOUT_STRATEGY,
                    format!("`{}` is masked, but no masking strategy is given", c.name),
                )
                .at(t.span, "masked with what?")
                .with_secondary(c.name_span, format!("`{}` declares no default `mask`", c.name))
                .with_help(format!(
                    "write `masked with <strategy>` here, or give the class a default: `data {} ... mask <strategy>`",
                    c.name
                ));
                cx.report(diag);
            }
            placeholder()
        }
    }
}
