//! Waivers: `waive <rule> on <subject> until <date> { reason "..." owner "..." }`.
//!
//! Rule names stay strings: the checks stage validates them against its rule registry.

use ward_lang::Diagnostic;
use ward_lang::ast::{self, Ident};

use super::{Resolver, flow, list_names, location};
use crate::date::{Date, DateError};
use crate::model::codes;
use crate::model::values::describe_date_error;
use crate::model::{ServiceId, Spanned, StoreId, Subject, Waiver};

/// Resolves the waivers, sorted by (rule, subject text, expiry). A waiver whose subject or date
/// does not resolve is reported and dropped.
pub(super) fn resolve_waivers<'a>(cx: &mut Resolver<'a>, decls: &[&'a ast::WaiverDecl]) {
    let mut waivers: Vec<(String, Waiver)> = Vec::with_capacity(decls.len());
    for decl in decls {
        let subject = subject(cx, &decl.subject);
        let until = date(cx, &decl.until);
        let reason = decl
            .reasons
            .first()
            .map(|r| Spanned::new(r.value.clone(), r.span));
        let owner = decl
            .owners
            .first()
            .map(|o| Spanned::new(o.value.clone(), o.span));
        let (Some(subject), Some(until)) = (subject, until) else {
            continue;
        };
        let text = subject.describe(&cx.model);
        let waiver = Waiver {
            rule: Spanned::new(decl.rule.text.clone(), decl.rule.span),
            subject: Spanned::new(subject, decl.subject.span()),
            until: Spanned::new(until, decl.until.span),
            reason,
            owner,
            span: decl.span,
        };
        waivers.push((text, waiver));
    }
    waivers.sort_by(|(ta, a), (tb, b)| {
        (&a.rule.value, ta, a.until.value, a.span).cmp(&(&b.rule.value, tb, b.until.value, b.span))
    });
    cx.model.waivers = waivers.into_iter().map(|(_, w)| w).collect();
}

/// What the waiver names; `None` after reporting (or silently for a broken service).
fn subject<'a>(cx: &mut Resolver<'a>, subject: &'a ast::Subject) -> Option<Subject> {
    match subject {
        ast::Subject::Flow {
            source,
            target,
            port,
            ..
        } => {
            let source = cx.service(source);
            let target = cx.service(target)?;
            let port = flow::port(cx, target, port)?;
            Some(Subject::Flow {
                source: source?,
                port,
            })
        }
        ast::Subject::Port { service, port, .. } => {
            let service = cx.service(service)?;
            flow::port(cx, service, port).map(Subject::Port)
        }
        ast::Subject::Store {
            service,
            store: name,
            ..
        } => {
            let service = cx.service(service)?;
            store(cx, service, name).map(Subject::Store)
        }
        ast::Subject::Service(ident) => cx.service(ident).map(Subject::Service),
        ast::Subject::Data(ident) => cx.class(ident).map(Subject::Data),
        ast::Subject::Transfer { from, to, .. } => {
            let from = location::jurisdiction(cx, from);
            let to = location::jurisdiction(cx, to);
            Some(Subject::Transfer {
                from: from?,
                to: to?,
            })
        }
    }
}

/// The store `ident` of `service`, reported with the service's stores as help if it has none such.
fn store<'a>(cx: &mut Resolver<'a>, service: ServiceId, ident: &'a Ident) -> Option<StoreId> {
    if let Some(id) = cx.store_of(service, &ident.text) {
        return Some(id);
    }
    let s = cx.model.services.get(service.index())?;
    let names: Vec<&str> = s
        .stores
        .iter()
        .filter_map(|id| cx.model.stores.get(id.index()))
        .map(|st| st.name.as_str())
        .collect();
    let name = &ident.text;
    let help = match ward_lang::diag::suggest::closest(name, names.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if names.is_empty() => format!("`{}` declares no stores", s.name),
        None => format!(
            "`{}` declares {}",
            s.name,
            list_names(names.iter().copied())
        ),
    };
    super::report_unknown_member(cx, service, ident, "store", help);
    None
}

/// A `YYYY-MM-DD` date that exists; `None` after reporting.
fn date(cx: &mut Resolver<'_>, raw: &ast::Raw) -> Option<Date> {
    let error = match Date::parse(&raw.text) {
        Ok(date) => return Some(date),
        Err(error) => error,
    };
    let help = match &error {
        DateError::Day { days_in_month, .. } => {
            let month = raw.text.get(..8).unwrap_or("");
            format!("the last day of that month is `{month}{days_in_month:02}`")
        }
        DateError::Month(_) => "months are numbered 01 to 12".to_string(),
        DateError::Format => "write the date as `YYYY-MM-DD`, for example `2027-03-31`".to_string(),
    };
    cx.report(
        Diagnostic::new(
            &codes::INVALID_DATE,
            format!("`{}` is not a date", raw.text),
        )
        .at(raw.span, describe_date_error(&raw.text, &error))
        .with_help(help),
    );
    None
}
