//! Flows: `flow SOURCE -> TARGET.PORT { carries CLASS [TRANSFORM], ...  purpose PURPOSE }`.

use pest::iterators::Pair;

use super::data::lower_mask_strategy;
use super::{Cx, Nodes, Seen, lower_member_ref};
use crate::ast::{Carried, FlowDecl, Transform, TransformKind};
use crate::parser::Rule;

/// `flow checkout -> analytics.ingest { carries email hashed, order_total  purpose analytics }`
pub(super) fn lower_flow(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<FlowDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let source = nodes.ident(cx)?;
    let (target, port, _) = nodes.lower(cx, Rule::member_ref, lower_member_ref)?;
    let mut flow = FlowDecl {
        source,
        target,
        port,
        carries: Vec::new(),
        purpose: None,
        span,
    };
    if let Some(body) = nodes.optional(Rule::flow_body) {
        lower_flow_body(cx, body, &mut flow)?;
    }
    Some(flow)
}

/// Any number of `carries` lists (concatenated) and at most one `purpose`.
fn lower_flow_body(cx: &mut Cx<'_>, pair: Pair<'_, Rule>, flow: &mut FlowDecl) -> Option<()> {
    let mut seen = Seen::new("flow");
    for item in Nodes::new(pair) {
        match item.as_rule() {
            Rule::carries_item => {
                for carried in Nodes::new(item) {
                    flow.carries.push(lower_carried(cx, carried)?);
                }
            }
            Rule::flow_purpose_item => {
                let span = cx.span(&item);
                let purpose = Nodes::new(item).ident(cx)?;
                if seen.first(cx, "purpose", span) {
                    flow.purpose = Some(purpose);
                }
            }
            _ => cx.unexpected(&item, "a flow body"),
        }
    }
    Some(())
}

/// `email`, `email hashed`, `card masked with partial(keep_last = 4)`, ...
fn lower_carried(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Carried> {
    if pair.as_rule() != Rule::carried {
        cx.unexpected(&pair, "a `carries` list");
        return None;
    }
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let class = nodes.ident(cx)?;
    let transform = match nodes.optional(Rule::transform) {
        Some(t) => Some(lower_transform(cx, t)?),
        None => None,
    };
    Some(Carried {
        class,
        transform,
        span,
    })
}

/// `hashed`, `tokenized`, `redacted`, `masked [with STRATEGY]` or `anonymized "justification"`.
fn lower_transform(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Transform> {
    let span = cx.span(&pair);
    // The simple transformations are bare keywords, which `Nodes` skips: read the raw child.
    let Some(inner) = pair.into_inner().next() else {
        cx.internal(span, "empty transformation");
        return None;
    };
    let kind = match inner.as_rule() {
        Rule::kw_hashed => TransformKind::Hashed,
        Rule::kw_tokenized => TransformKind::Tokenized,
        Rule::kw_redacted => TransformKind::Redacted,
        Rule::masked => {
            let strategy = Nodes::new(inner).optional(Rule::mask_strategy);
            TransformKind::Masked(match strategy {
                Some(s) => Some(Box::new(lower_mask_strategy(cx, s)?)),
                None => None,
            })
        }
        Rule::anonymized => {
            let justification = Nodes::new(inner).expect(cx, Rule::string)?;
            TransformKind::Anonymized(Box::new(cx.string(&justification)))
        }
        _ => {
            cx.unexpected(&inner, "a transformation");
            return None;
        }
    };
    Some(Transform { kind, span })
}
