//! Policy-wide settings: `controller`, `trust_domain`, `firewall_default`, `severity`.

use ward_lang::Span;
use ward_lang::ast::{self, ContactKind};

use super::{Items, Resolver, sorted_unique};
use crate::model::{Controller, SeverityOverride, Spanned};

/// Resolves the settings; each may be written once (the severity once per rule).
pub(super) fn resolve(cx: &mut Resolver<'_>, items: &Items<'_>) {
    cx.model.controller = controller(cx, &items.controllers);
    if let Some(first) = once(cx, "`trust_domain`", &items.trust_domains, |t| t.span) {
        cx.model.trust_domain = Some(Spanned::new(first.value.clone(), first.span));
    }
    if let Some(first) = once(cx, "`firewall_default`", &items.firewall_defaults, |f| {
        f.span
    }) {
        cx.model.firewall_default = first.mode;
    }
    cx.model.severity_overrides = severities(cx, &items.severities);
}

/// The first of a setting that may appear once in a policy, reporting the others.
fn once<'a, T>(
    cx: &mut Resolver<'_>,
    what: &str,
    decls: &[&'a T],
    span: impl Fn(&T) -> Span,
) -> Option<&'a T> {
    let mut sorted: Vec<&'a T> = decls.to_vec();
    sorted.sort_by_key(|d| span(d));
    let first = *sorted.first()?;
    for again in sorted.iter().skip(1) {
        cx.report_duplicate(what, span(again), span(first));
    }
    Some(first)
}

fn controller(cx: &mut Resolver<'_>, decls: &[&ast::Controller]) -> Option<Controller> {
    let decl = once(cx, "the `controller`", decls, |c| c.span)?;
    let contact = |kind: ContactKind| {
        let value = decl
            .contacts
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| &c.value);
        value.map(|v| Spanned::new(v.value.clone(), v.span))
    };
    Some(Controller {
        name: Spanned::new(decl.name.value.clone(), decl.name.span),
        dpo: contact(ContactKind::Dpo),
        contact: contact(ContactKind::Contact),
        representative: contact(ContactKind::Representative),
        address: contact(ContactKind::Address),
        span: decl.span,
    })
}

/// `severity <rule> <level>`, sorted by rule; the rule names are checked by the checks stage.
fn severities(cx: &mut Resolver<'_>, decls: &[&ast::SeverityDecl]) -> Vec<SeverityOverride> {
    let unique = sorted_unique(
        cx,
        decls.to_vec(),
        |s| s.rule.text.as_str(),
        |s| s.rule.span,
        |s| format!("the severity of `{}`", s.rule.text),
    );
    unique
        .into_iter()
        .map(|s| SeverityOverride {
            rule: Spanned::new(s.rule.text.clone(), s.rule.span),
            level: s.level,
            span: s.span,
        })
        .collect()
}
