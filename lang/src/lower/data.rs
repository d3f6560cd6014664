//! Data classes: `data NAME KIND [category ...] [subjects ...] [mask ...]`, and masking
//! strategies (shared with `masked with` in flows).

use pest::iterators::Pair;

use super::{Cx, Nodes, Seen, lower_names};
use crate::ast::{DataDecl, DataKind, MaskArg, MaskStrategy, MaskValue};
use crate::parser::Rule;

const DATA_KINDS: &[(&str, DataKind)] = &[
    ("personal", DataKind::Personal),
    ("special", DataKind::Special),
    ("criminal", DataKind::Criminal),
    ("non_personal", DataKind::NonPersonal),
];

/// `data email personal category user.contact.email subjects customers mask partial_email`
pub(super) fn lower_data(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<DataDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let kind_pair = nodes.expect(cx, Rule::data_kind)?;
    let kind = cx.word(&kind_pair, DATA_KINDS)?;
    let mut decl = DataDecl {
        name,
        kind,
        kind_span: cx.span(&kind_pair),
        category: None,
        subjects: Vec::new(),
        mask: None,
        span,
    };
    let mut seen = Seen::new("data declaration");
    for attr in nodes {
        lower_data_attr(cx, attr, &mut decl, &mut seen)?;
    }
    Some(decl)
}

/// One of `category`, `subjects` and `mask`; each may be written once.
fn lower_data_attr(
    cx: &mut Cx<'_>,
    attr: Pair<'_, Rule>,
    decl: &mut DataDecl,
    seen: &mut Seen,
) -> Option<()> {
    let span = cx.span(&attr);
    let rule = attr.as_rule();
    let mut nodes = Nodes::new(attr);
    match rule {
        Rule::category_attr => {
            let category = nodes.ident_of(cx, Rule::dotted)?;
            if seen.first(cx, "category", span) {
                decl.category = Some(category);
            }
        }
        Rule::subjects_attr => {
            let subjects = lower_names(cx, nodes);
            if seen.first(cx, "subjects", span) {
                decl.subjects = subjects;
            }
        }
        Rule::mask_attr => {
            let mask = nodes.lower(cx, Rule::mask_strategy, lower_mask_strategy)?;
            if seen.first(cx, "mask", span) {
                decl.mask = Some(mask);
            }
        }
        _ => cx.internal(
            span,
            &format!("unexpected `{rule:?}` in a data declaration"),
        ),
    }
    Some(())
}

/// `partial(keep_last = 4, mask_char = "*")` or a bare strategy name.
pub(super) fn lower_mask_strategy(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<MaskStrategy> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let mut args = Vec::new();
    if let Some(list) = nodes.optional(Rule::mask_args) {
        for arg in Nodes::new(list) {
            if arg.as_rule() == Rule::mask_arg {
                args.push(lower_mask_arg(cx, arg)?);
            } else {
                cx.unexpected(&arg, "masking arguments");
            }
        }
    }
    Some(MaskStrategy { name, args, span })
}

/// `keep_last = 4`, `mask_char = "*"` or `to = year`.
fn lower_mask_arg(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<MaskArg> {
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let Some(value) = nodes.next() else {
        cx.internal(name.span, "masking argument without a value");
        return None;
    };
    let value = match value.as_rule() {
        Rule::number => MaskValue::Number(cx.raw(&value)),
        Rule::string => MaskValue::Str(cx.string(&value)),
        Rule::ident => MaskValue::Ident(cx.ident(&value)),
        _ => {
            cx.unexpected(&value, "a masking argument");
            return None;
        }
    };
    Some(MaskArg { name, value })
}
