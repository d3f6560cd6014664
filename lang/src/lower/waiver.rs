//! Waivers: `waive RULE on SUBJECT until DATE { reason "..." owner "..." }`.

use pest::iterators::Pair;

use super::{Cx, Nodes, Seen, lower_member_ref};
use crate::ast::{Subject, WaiverDecl};
use crate::parser::Rule;

/// `waive unencrypted-personal-data on flow legacy -> crm.sync until 2027-03-31 { ... }`
pub(super) fn lower_waiver(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<WaiverDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let rule = nodes.ident(cx)?;
    let subject = nodes.lower(cx, Rule::subject, lower_subject)?;
    let until = nodes.raw(cx, Rule::date)?;
    let mut waiver = WaiverDecl {
        rule,
        subject,
        until,
        reasons: Vec::new(),
        owners: Vec::new(),
        span,
    };
    let mut seen = Seen::new("waiver");
    for item in nodes {
        let item_span = cx.span(&item);
        let (attr, list) = match item.as_rule() {
            Rule::reason_item => ("reason", &mut waiver.reasons),
            Rule::owner_item => ("owner", &mut waiver.owners),
            _ => {
                cx.unexpected(&item, "a waiver body");
                continue;
            }
        };
        let value = Nodes::new(item).string(cx)?;
        // Written twice is reported, but both are kept: the syntax tree lists every one.
        seen.first(cx, attr, item_span);
        list.push(value);
    }
    Some(waiver)
}

/// What is waived: `flow a -> b.p`, `port s.p`, `store s.st`, `service s`, `data c` or
/// `transfer EU -> US`.
fn lower_subject(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Subject> {
    let mut nodes = Nodes::new(pair);
    let Some(inner) = nodes.next() else {
        cx.internal(nodes.parent_span(cx), "empty waiver subject");
        return None;
    };
    let span = cx.span(&inner);
    let rule = inner.as_rule();
    let mut parts = Nodes::new(inner);
    Some(match rule {
        Rule::subject_flow => {
            let source = parts.ident(cx)?;
            let (target, port, _) = parts.lower(cx, Rule::member_ref, lower_member_ref)?;
            Subject::Flow {
                source,
                target,
                port,
                span,
            }
        }
        Rule::subject_port => {
            let (service, port, _) = parts.lower(cx, Rule::member_ref, lower_member_ref)?;
            Subject::Port {
                service,
                port,
                span,
            }
        }
        Rule::subject_store => {
            let (service, store, _) = parts.lower(cx, Rule::member_ref, lower_member_ref)?;
            Subject::Store {
                service,
                store,
                span,
            }
        }
        Rule::subject_service => Subject::Service(parts.ident(cx)?),
        Rule::subject_data => Subject::Data(parts.ident(cx)?),
        Rule::subject_transfer => {
            let from = parts.ident(cx)?;
            let to = parts.ident(cx)?;
            Subject::Transfer { from, to, span }
        }
        _ => {
            cx.internal(span, &format!("unexpected `{rule:?}` in a waiver subject"));
            return None;
        }
    })
}
