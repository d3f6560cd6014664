//! Transfers out of the EU/EEA (GDPR Chapter V): `transfer FROM -> TO { mechanism ... }`.

use pest::iterators::Pair;

use super::{Cx, Nodes, Seen, lower_names};
use crate::ast::{Mechanism, MechanismKind, TransferDecl};
use crate::parser::Rule;

/// `transfer EU -> US { mechanism dpf  recipient analytics  reference "DPF list entry" }`; any
/// number of mechanisms and recipient lists, one `reference`.
pub(super) fn lower_transfer(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<TransferDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let from = nodes.ident(cx)?;
    let to = nodes.ident(cx)?;
    let mut transfer = TransferDecl {
        from,
        to,
        mechanisms: Vec::new(),
        recipients: Vec::new(),
        references: Vec::new(),
        span,
    };
    let mut seen = Seen::new("transfer");
    for item in nodes {
        match item.as_rule() {
            Rule::mechanism_item => transfer.mechanisms.push(lower_mechanism(cx, item)?),
            Rule::recipient_item => {
                let names = lower_names(cx, Nodes::new(item));
                transfer.recipients.extend(names);
            }
            Rule::reference_item => {
                let span = cx.span(&item);
                let reference = Nodes::new(item).string(cx)?;
                seen.first(cx, "reference", span);
                transfer.references.push(reference);
            }
            _ => cx.unexpected(&item, "a transfer body"),
        }
    }
    Some(transfer)
}

/// `mechanism scc module c2p`, `mechanism derogation explicit_consent`, `mechanism dpf`
fn lower_mechanism(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Mechanism> {
    let span = cx.span(&pair);
    let mechanism = Nodes::new(pair).expect(cx, Rule::mechanism)?;
    let mut nodes = Nodes::new(mechanism);
    let Some(inner) = nodes.next() else {
        cx.internal(span, "empty transfer mechanism");
        return None;
    };
    let rule = inner.as_rule();
    let mut parts = Nodes::new(inner);
    let kind = match rule {
        Rule::scc => MechanismKind::Scc(parts.optional(Rule::ident).map(|m| cx.ident(&m))),
        Rule::derogation => MechanismKind::Derogation(parts.ident(cx)?),
        Rule::named_mechanism => MechanismKind::Named(parts.ident(cx)?),
        _ => {
            cx.internal(
                span,
                &format!("unexpected `{rule:?}` in a transfer mechanism"),
            );
            return None;
        }
    };
    Some(Mechanism { kind, span })
}
