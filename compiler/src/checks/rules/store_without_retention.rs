//! `C307 store-without-retention`: personal data kept with no retention period.

use ward_lang::{Code, Diagnostic};

use crate::checks::rules::store_without_purpose::{concerning_classes, label_fields};
use crate::checks::{Context, Finding, Rule};
use crate::model::{Engine, Field, Model, Store, StoreId, Subject, Table};

ward_lang::declare_codes! {
    /// ## What it checks
    /// A store holding personal data (a field whose data class is not `non_personal`) that
    /// declares no retention period, where some table holding personal data declares none
    /// either. A table's `retain` overrides the store's, so a store without `retain` is fine
    /// when every table with personal data has its own.
    ///
    /// ## Why it matters
    /// Personal data may be kept no longer than necessary for its purposes (storage
    /// limitation, Art. 5(1)(e) GDPR), and the record of processing activities states the
    /// envisaged time limits for erasure (Art. 30(1)(f)). Without a declared period nothing
    /// says when the data must go, and in practice it stays forever.
    ///
    /// ## Example
    /// ```ward
    /// data email personal category user.contact.email subjects customers mask partial_email
    /// service shop in aws:eu-central-1 {
    ///   hosts 198.18.1.0/24  purpose order_fulfilment
    ///   store orders postgres { table customers { email: email } }
    /// }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// service shop in aws:eu-central-1 {
    ///   hosts 198.18.1.0/24  purpose order_fulfilment
    ///   store orders postgres retain 2y { table customers { email: email } }
    /// }
    /// ```
    /// or per table:
    /// ```ward
    /// service shop in aws:eu-central-1 {
    ///   hosts 198.18.1.0/24  purpose order_fulfilment
    ///   store orders postgres { table customers retain 2y { email: email } }
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Declare how long the data is kept, on the store (`store orders postgres retain 2y`) or on
    /// each table holding personal data (`table customers retain 90d`), and make the store
    /// delete what is older.
    ///
    /// ## Waiving
    /// `waive store-without-retention on store shop.orders until 2027-03-31 { reason "..." owner "..." }`
    ///
    /// `waive store-without-retention on data email ...` accepts it for every store that keeps
    /// that class without a period.
    CODE = ("C307", "store-without-retention", Error, "a store keeps personal data without a retention period");
}

/// See [`CODE`].
pub struct StoreWithoutRetention;

impl Rule for StoreWithoutRetention {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for id in cx.model.store_ids() {
            let store = cx.model.store(id);
            if store.retention.is_some() {
                continue;
            }
            let offending: Vec<&Table> = store
                .tables
                .iter()
                .filter(|t| t.retention.is_none() && personal_fields(cx.model, t).next().is_some())
                .collect();
            if !offending.is_empty() {
                let fields: Vec<&Field> = offending
                    .iter()
                    .flat_map(|t| personal_fields(cx.model, t))
                    .collect();
                let finding = Finding::new(
                    diagnostic(cx.model, id, &fields, &offending),
                    Subject::Store(id),
                );
                out.push(concerning_classes(finding, &fields));
            }
        }
    }
}

/// The finding's diagnostic for a store whose `offending` tables keep personal data (their
/// personal `fields`) with no end.
fn diagnostic(model: &Model, id: StoreId, fields: &[&Field], offending: &[&Table]) -> Diagnostic {
    let store = model.store(id);
    let service = model.service(store.service);
    let mut diag = Diagnostic::new(
        &CODE,
        format!(
            "store `{}.{}` keeps personal data without a retention period",
            service.name, store.name
        ),
    )
    .at(store.name_span, "no `retain` period declared");
    let label = |f: &Field| {
        format!(
            "`{}` holds `{}`, kept with no end",
            f.name,
            model.class(f.class).name
        )
    };
    diag = label_fields(
        diag,
        fields,
        label,
        "personal data with no retention period",
    );
    diag.with_help(help(store, offending))
}

/// How to fix: a store-level `retain`, or (when the store has declared tables) per table.
fn help(store: &Store, offending: &[&Table]) -> String {
    let engine = store
        .engine
        .map_or(String::new(), |e| format!(" {}", engine_keyword(e)));
    let store_level = format!(
        "declare how long the data is kept: `store {}{engine} retain <period>` (e.g. `retain 2y`)",
        store.name
    );
    match offending.iter().find(|t| !is_implicit(store, t)) {
        Some(table) => format!(
            "{store_level}, or a period on each table with personal data (`table {} retain <period>`)",
            table.name
        ),
        None => store_level,
    }
}

/// The engine as written after the store's name.
fn engine_keyword(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "mysql",
        Engine::Mongodb => "mongodb",
        Engine::S3 => "s3",
        Engine::Redis => "redis",
        Engine::Elasticsearch => "elasticsearch",
        Engine::Kafka => "kafka",
        Engine::Other => "other",
    }
}

/// Fields written directly in a store form a table named after the store; `table` is not
/// written, so it cannot take its own `retain`.
fn is_implicit(store: &Store, table: &Table) -> bool {
    store.tables.len() == 1 && table.name == store.name
}

/// The fields of `table` whose class is personal data.
fn personal_fields<'m>(model: &'m Model, table: &'m Table) -> impl Iterator<Item = &'m Field> {
    table
        .fields
        .iter()
        .filter(|f| model.class(f.class).is_personal())
}
