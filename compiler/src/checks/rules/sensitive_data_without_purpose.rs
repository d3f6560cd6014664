//! `C303 sensitive-data-without-purpose`: Art. 9/10 data held by a service with no purpose
//! declared for it.

use ward_lang::{Code, Diagnostic};

use crate::checks::rules::sensitive_data_without_mtls::kinds;
use crate::checks::rules::store_without_purpose::{
    PurposeCoverage, PurposeFix, concerning_classes, fields, label_fields, purpose_fix,
};
use crate::checks::{Context, Finding, Rule};
use crate::model::{
    ClassId, DataClass, Field, Model, Service, ServiceId, StoreId, Subject, Travels,
};

ward_lang::declare_codes! {
    /// ## What it checks
    /// Special-category data (`data ... special`, Art. 9) or criminal-offence data
    /// (`data ... criminal`, Art. 10) that a service receives unmasked on a flow, or keeps in
    /// one of its stores, although none of its purposes names that class in a `for` list.
    /// A purpose without `for` (`purpose care`) does not count here: it covers ordinary
    /// personal data, but these categories need a purpose stated for them specifically
    /// (`purpose care for diagnosis`). Data hashed, tokenised, masked, redacted or anonymised
    /// on the flow does not count.
    ///
    /// ## Why it matters
    /// Processing special-category data is prohibited (Art. 9(1) GDPR) unless one of the
    /// conditions of Art. 9(2) applies to that processing, and criminal-offence data may only
    /// be processed under official authority or where law authorises it (Art. 10). Each
    /// service that sees the data must therefore have a purpose that names it. Purpose
    /// limitation (Art. 5(1)(b)) and data minimisation (Art. 5(1)(c)) mean that a service with
    /// no such purpose should not receive the data in the clear at all.
    ///
    /// ## Example
    /// ```ward
    /// data diagnosis special category health.diagnosis subjects patients mask redact
    /// purpose billing basis contract "Invoice treatments"
    /// service clinic  in aws:eu-central-1 { hosts 198.18.1.0/24 }
    /// service invoices in aws:eu-central-1 { hosts 198.18.2.0/24  port api 8443/tcp mtls  purpose billing }
    /// flow clinic -> invoices.api { carries diagnosis }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// flow clinic -> invoices.api { carries diagnosis tokenized }
    /// ```
    /// or, when the service does need the data under an Art. 9(2) condition:
    /// ```ward
    /// service invoices in aws:eu-central-1 {
    ///   hosts 198.18.2.0/24  port api 8443/tcp mtls  purpose billing for diagnosis
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Mask the data on the flow (`carries diagnosis tokenized`, `hashed` or `masked`) so the
    /// service only sees a pseudonym, or redact it; or, if the service needs the data, name it
    /// in a purpose of the service (`purpose billing for diagnosis`) and document the Art. 9(2)
    /// or Art. 10 condition in the purpose's description.
    ///
    /// ## Waiving
    /// `waive sensitive-data-without-purpose on flow clinic -> invoices.api until 2027-03-31 { reason "..." owner "..." }`,
    /// or `... on store invoices.ledger ...` for a store. `... on data diagnosis ...` accepts it
    /// for every flow and store with that class.
    CODE = ("C303", "sensitive-data-without-purpose", Error, "special-category or criminal-offence data reaches a service with no purpose declared for it");
}

/// See [`CODE`].
pub struct SensitiveDataWithoutPurpose;

impl Rule for SensitiveDataWithoutPurpose {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let coverage = PurposeCoverage::compute(cx.model);
        check_flows(cx, &coverage, out);
        check_stores(cx, &coverage, out);
    }
}

/// Flows that deliver sensitive data unmasked to a service without a purpose naming it.
fn check_flows(cx: &Context<'_>, coverage: &PurposeCoverage, out: &mut Vec<Finding>) {
    for id in cx.model.flow_ids() {
        let flow = cx.model.flow(id);
        let classes: Vec<ClassId> = flow
            .carries
            .iter()
            .filter(|c| c.transform.travels() == Travels::Plain)
            .map(|c| c.class)
            .filter(|&c| cx.model.class(c).is_sensitive() && !coverage.names(flow.target, c))
            .collect();
        if classes.is_empty() {
            continue;
        }
        let target = cx.model.service(flow.target);
        let sensitive = classes_of(cx.model, &classes);
        let list = names(&sensitive);
        let diag = Diagnostic::new(
            &CODE,
            format!(
                "{} data reaches `{}` unmasked without a purpose declared for it",
                kinds(&sensitive),
                target.name
            ),
        )
        .at(
            flow.head_span,
            format!(
                "carries {list} unmasked to `{}`, which names no purpose for it",
                target.name
            ),
        );
        let help = format!(
            "mask the data on this flow ({}); or, if `{}` needs it under an Art. 9(2) or Art. 10 condition, {}",
            mask_example(&sensitive),
            target.name,
            purpose_help(cx.model, flow.target, &classes),
        );
        let diag = explain(diag, target).with_help(help);
        let subject = Subject::Flow {
            source: flow.source,
            port: flow.port,
        };
        let finding = Finding::new(diag, subject);
        let finding = classes
            .iter()
            .fold(finding, |f, &c| f.also_concerning(Subject::Data(c)));
        out.push(finding.blocking(id));
    }
}

/// Stores that keep sensitive data in a service without a purpose naming it.
fn check_stores(cx: &Context<'_>, coverage: &PurposeCoverage, out: &mut Vec<Finding>) {
    for id in cx.model.store_ids() {
        let store = cx.model.store(id);
        let offending: Vec<&Field> = fields(store)
            .filter(|f| {
                cx.model.class(f.class).is_sensitive() && !coverage.names(store.service, f.class)
            })
            .collect();
        if !offending.is_empty() {
            let finding = Finding::new(
                store_diagnostic(cx.model, id, &offending),
                Subject::Store(id),
            );
            out.push(concerning_classes(finding, &offending));
        }
    }
}

/// The diagnostic for a store whose `offending` fields hold sensitive data no purpose names.
fn store_diagnostic(model: &Model, id: StoreId, offending: &[&Field]) -> Diagnostic {
    let store = model.store(id);
    let service = model.service(store.service);
    let mut classes: Vec<ClassId> = offending.iter().map(|f| f.class).collect();
    classes.sort_unstable();
    classes.dedup();
    let sensitive = classes_of(model, &classes);
    let mut diag = Diagnostic::new(
        &CODE,
        format!(
            "store `{}.{}` keeps {} data without a purpose declared for it",
            service.name,
            store.name,
            kinds(&sensitive)
        ),
    )
    .at(
        store.name_span,
        format!(
            "keeps {}, which no purpose of `{}` names",
            names(&sensitive),
            service.name
        ),
    );
    diag = label_fields(
        diag,
        offending,
        |f| format!("`{}` holds `{}`", f.name, model.class(f.class).name),
        "such data",
    );
    explain(diag, service).with_help(format!(
        "if `{}` needs the data under an Art. 9(2) or Art. 10 condition, {}; otherwise stop storing it",
        service.name,
        purpose_help(model, store.service, &classes),
    ))
}

/// The purpose line to write, phrased for the help text.
fn purpose_help(model: &Model, service: ServiceId, classes: &[ClassId]) -> String {
    match purpose_fix(model, service, classes) {
        PurposeFix::Extend(line) => format!("name it in the service's purpose: `{line}`"),
        PurposeFix::Add(line) => format!("add `{line}` to the service"),
        PurposeFix::Declare(line) => format!(
            "write `{line}` in the service (and declare `purpose <name> basis <basis> \"...\"` at the top level)"
        ),
    }
}

/// Secondary labels on what the service's purposes lack.
fn explain(mut diag: Diagnostic, service: &Service) -> Diagnostic {
    if service.purposes.is_empty() {
        diag = diag.with_secondary(
            service.name_span,
            format!("`{}` declares no purpose", service.name),
        );
    }
    for purpose in service.purposes.iter().take(3) {
        let label = if purpose.classes.is_empty() {
            "a purpose without `for` does not cover special-category or criminal-offence data"
        } else {
            "declared for other data only"
        };
        diag = diag.with_secondary(purpose.span, label);
    }
    diag
}

/// The classes behind `ids`.
fn classes_of<'m>(model: &'m Model, classes: &[ClassId]) -> Vec<&'m DataClass> {
    classes.iter().map(|&c| model.class(c)).collect()
}

/// "`a`, `b`" for labels.
fn names(classes: &[&DataClass]) -> String {
    classes
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How to write the first class masked on a flow: `masked` needs a mask strategy, so it is
/// only suggested for a class that declares one.
fn mask_example(classes: &[&DataClass]) -> String {
    let Some(class) = classes.first() else {
        return String::new();
    };
    let other = if class.mask.is_some() {
        "masked"
    } else {
        "hashed"
    };
    format!("`carries {} tokenized`, or `{other}`", class.name)
}
