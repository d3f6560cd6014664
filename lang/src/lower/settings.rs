//! Policy-wide declarations: `controller`, `trust_domain`, `firewall_default`, `severity`,
//! `purpose` and `site`.

use pest::iterators::Pair;

use super::{Cx, Nodes, Seen};
use crate::ast::{
    Contact, ContactKind, Controller, FirewallMode, FirewallModeLit, PurposeDecl, SeverityDecl,
    SeverityLevel, SiteDecl, StrLit,
};
use crate::parser::Rule;

const CONTACT_KINDS: &[(&str, ContactKind)] = &[
    ("dpo", ContactKind::Dpo),
    ("contact", ContactKind::Contact),
    ("representative", ContactKind::Representative),
    ("address", ContactKind::Address),
];

const SEVERITY_LEVELS: &[(&str, SeverityLevel)] = &[
    ("error", SeverityLevel::Error),
    ("warning", SeverityLevel::Warning),
    ("off", SeverityLevel::Off),
];

pub(crate) const FIREWALL_MODES: &[(&str, FirewallMode)] =
    &[("ports", FirewallMode::Ports), ("host", FirewallMode::Host)];

/// `controller "Shop GmbH" { dpo "dpo@shop.example" contact "privacy@shop.example" }`
pub(super) fn lower_controller(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Controller> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.string(cx)?;
    let mut contacts = Vec::new();
    if let Some(body) = nodes.optional(Rule::controller_body) {
        let mut seen = Seen::new("controller");
        for item in Nodes::new(body) {
            if item.as_rule() != Rule::contact_item {
                cx.unexpected(&item, "a controller body");
                continue;
            }
            let item_span = cx.span(&item);
            let contact = lower_contact(cx, item)?;
            // Each kind once; a repeat is reported and kept, as written.
            let attr = CONTACT_KINDS
                .iter()
                .find(|(_, kind)| *kind == contact.kind)
                .map_or("contact", |(word, _)| *word);
            seen.first(cx, attr, item_span);
            contacts.push(contact);
        }
    }
    Some(Controller {
        name,
        contacts,
        span,
    })
}

/// `dpo "dpo@shop.example"`
fn lower_contact(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Contact> {
    let mut nodes = Nodes::new(pair);
    let kind_pair = nodes.expect(cx, Rule::contact_kind)?;
    let kind = cx.word(&kind_pair, CONTACT_KINDS)?;
    let value = nodes.string(cx)?;
    Some(Contact {
        kind,
        kind_span: cx.span(&kind_pair),
        value,
    })
}

/// `trust_domain "shop.example"`
pub(super) fn lower_trust_domain(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<StrLit> {
    let mut nodes = Nodes::new(pair);
    nodes.string(cx)
}

/// `firewall_default host`
pub(super) fn lower_firewall_default(
    cx: &mut Cx<'_>,
    pair: Pair<'_, Rule>,
) -> Option<FirewallModeLit> {
    let mode = Nodes::new(pair).expect(cx, Rule::firewall_mode)?;
    lower_firewall_mode(cx, &mode)
}

/// `ports` or `host` (shared with the service-level `firewall`).
pub(super) fn lower_firewall_mode(
    cx: &mut Cx<'_>,
    pair: &Pair<'_, Rule>,
) -> Option<FirewallModeLit> {
    Some(FirewallModeLit {
        mode: cx.word(pair, FIREWALL_MODES)?,
        span: cx.span(pair),
    })
}

/// `severity unused-port warning`
pub(super) fn lower_severity(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<SeverityDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let rule = nodes.ident(cx)?;
    let level_pair = nodes.expect(cx, Rule::severity_level)?;
    let level = cx.word(&level_pair, SEVERITY_LEVELS)?;
    Some(SeverityDecl {
        rule,
        level,
        level_span: cx.span(&level_pair),
        span,
    })
}

/// `purpose order_fulfilment basis contract "Fulfil and ship orders"`
pub(super) fn lower_purpose(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<PurposeDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let basis = match nodes.optional(Rule::basis) {
        Some(basis) => Some(Nodes::new(basis).ident(cx)?),
        None => None,
    };
    let description = nodes.optional(Rule::string).map(|s| cx.string(&s));
    Some(PurposeDecl {
        name,
        basis,
        description,
        span,
    })
}

/// `site fra_dc country DE "Colo Frankfurt"`
pub(super) fn lower_site(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<SiteDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let country = nodes.ident(cx)?;
    let description = nodes.optional(Rule::string).map(|s| cx.string(&s));
    Some(SiteDecl {
        name,
        country,
        description,
        span,
    })
}
