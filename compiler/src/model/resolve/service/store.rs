//! Stores of a service: engine, retention, tables and their tagged fields.

use ward_lang::ast::{self, FieldDecl, Raw};
use ward_lang::{Diagnostic, Span};

use super::super::names::NameMap;
use super::super::{Resolver, sorted_unique};
use crate::model::codes;
use crate::model::values::{self, RetentionError};
use crate::model::{Field, Retention, ServiceId, Spanned, Store, Table};

/// Stores sorted by name, each with its name; `service` ids are filled in by the caller.
pub(super) fn stores<'a>(
    cx: &mut Resolver<'a>,
    service: &str,
    decls: &[&'a ast::StoreDecl],
) -> Vec<(&'a str, Store)> {
    let unique = sorted_unique(
        cx,
        decls.to_vec(),
        |s| s.name.text.as_str(),
        |s| s.name.span,
        |s| format!("store `{service}.{}`", s.name.text),
    );
    unique
        .into_iter()
        .map(|decl| (decl.name.text.as_str(), store(cx, decl)))
        .collect()
}

fn store<'a>(cx: &mut Resolver<'a>, decl: &'a ast::StoreDecl) -> Store {
    Store {
        service: ServiceId(u32::MAX),
        name: decl.name.text.clone(),
        name_span: decl.name.span,
        engine: decl.engine.map(|(engine, _)| engine),
        retention: retention(cx, &decl.retain),
        tables: tables(cx, decl),
        span: decl.span,
    }
}

/// A table as declared, or the fields written directly in the store.
struct TableSource<'a> {
    name: &'a str,
    name_span: Span,
    retain: &'a [Raw],
    fields: &'a [FieldDecl],
    span: Span,
}

/// The store's tables sorted by name; fields written directly in the store form a table named
/// after the store.
fn tables<'a>(cx: &mut Resolver<'a>, store: &'a ast::StoreDecl) -> Vec<Table> {
    let mut sources: Vec<TableSource<'a>> = store
        .tables
        .iter()
        .map(|t| TableSource {
            name: &t.name.text,
            name_span: t.name.span,
            retain: &t.retain,
            fields: &t.fields,
            span: t.span,
        })
        .collect();
    if let (Some(first), Some(last)) = (store.fields.first(), store.fields.last()) {
        sources.push(TableSource {
            name: &store.name.text,
            name_span: store.name.span,
            retain: &[],
            fields: &store.fields,
            span: first.span.to(last.span),
        });
    }
    let unique = sorted_unique(
        cx,
        sources.iter().collect(),
        |t| t.name,
        |t| t.name_span,
        |t| format!("table `{}` of store `{}`", t.name, store.name.text),
    );
    unique.into_iter().map(|t| table(cx, t)).collect()
}

fn table<'a>(cx: &mut Resolver<'a>, source: &TableSource<'a>) -> Table {
    let mut seen: NameMap<&str, Span> = NameMap::default();
    let mut fields = Vec::with_capacity(source.fields.len());
    for field in source.fields {
        if let Some(&first) = seen.get(field.name.text.as_str()) {
            let what = format!("field `{}` of table `{}`", field.name.text, source.name);
            cx.report_duplicate(&what, field.name.span, first);
            continue;
        }
        seen.insert(&field.name.text, field.name.span);
        if let Some(class) = cx.class(&field.class) {
            fields.push(Field {
                name: field.name.text.clone(),
                class,
                span: field.span,
            });
        }
    }
    Table {
        name: source.name.to_string(),
        name_span: source.name_span,
        retention: retention(cx, source.retain),
        fields,
        span: source.span,
    }
}

/// The retention written (`retain 90d`), validated; `None` when absent or invalid.
fn retention(cx: &mut Resolver<'_>, retain: &[Raw]) -> Option<Spanned<Retention>> {
    let raw = retain.first()?;
    let text = &raw.text;
    let (message, label, help) = match values::parse_retention(text) {
        Ok(r) => return Some(Spanned::new(r, raw.span)),
        Err(RetentionError::Zero) => (
            format!("retention `{text}` keeps nothing"),
            "zero".to_string(),
            "write how long the data is kept, for example `retain 90d`".to_string(),
        ),
        Err(RetentionError::TooLong) => (
            format!("retention `{text}` is longer than {} years", values::MAX_RETENTION_YEARS),
            format!("longer than {} years", values::MAX_RETENTION_YEARS),
            "storage limitation (GDPR Art. 5(1)(e)) needs a real limit: write how long the data is needed".to_string(),
        ),
        Err(RetentionError::UnknownUnit(unit)) => (
            format!("retention `{text}` has an unknown unit `{unit}`"),
            "unknown unit".to_string(),
            "units are `d` (days), `w` (weeks), `mo` (months) and `y` (years)".to_string(),
        ),
        Err(RetentionError::Number) => (
            format!("retention `{text}` has no number"),
            "no number".to_string(),
            "write a number before the unit, for example `retain 90d`".to_string(),
        ),
    };
    cx.report(
        Diagnostic::new(&codes::INVALID_RETENTION, message)
            .at(raw.span, label)
            .with_help(help),
    );
    None
}
