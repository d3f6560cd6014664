//! `C308 store-without-purpose`: a store of personal data that no declared purpose covers.

use ward_lang::{Code, Diagnostic};

use crate::checks::{Context, Finding, Rule};
use crate::model::{ClassId, Field, Model, ServiceId, ServicePurpose, Store, StoreId, Subject};

ward_lang::declare_codes! {
    /// ## What it checks
    /// A store holding personal data (a field whose data class is not `non_personal`) in a
    /// service that declares no purpose covering that data. A service purpose without `for`
    /// (`purpose billing`) covers every class the service holds; one with `for`
    /// (`purpose billing for email, iban`) covers only the classes it names.
    /// Special-category and criminal-offence data is reported by
    /// `sensitive-data-without-purpose` instead, which asks for a purpose naming the class.
    ///
    /// ## Why it matters
    /// Personal data may only be collected and kept for specified, explicit purposes
    /// (purpose limitation, Art. 5(1)(b) GDPR), and the record of processing activities must
    /// state them (Art. 30(1)(b)). Data kept with no stated purpose cannot be shown to be
    /// necessary (Art. 5(1)(c)) and usually outlives any reason to keep it.
    ///
    /// ## Example
    /// ```ward
    /// data email personal category user.contact.email subjects customers mask partial_email
    /// service shop in aws:eu-central-1 {
    ///   hosts 198.18.1.0/24
    ///   store orders postgres retain 2y { table customers { email: email } }
    /// }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// purpose order_fulfilment basis contract "Fulfil and ship customer orders"
    /// service shop in aws:eu-central-1 {
    ///   hosts 198.18.1.0/24  purpose order_fulfilment for email
    ///   store orders postgres retain 2y { table customers { email: email } }
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Declare the purpose (`purpose order_fulfilment basis contract "..."`) and state in the
    /// service that it processes the data for it (`purpose order_fulfilment for email`); or
    /// stop storing data the service has no purpose for.
    ///
    /// ## Waiving
    /// `waive store-without-purpose on store shop.orders until 2027-03-31 { reason "..." owner "..." }`
    ///
    /// `waive store-without-purpose on data email ...` accepts it for every store that keeps
    /// that class.
    CODE = ("C308", "store-without-purpose", Error, "a store keeps personal data that no declared purpose covers");
}

/// See [`CODE`].
pub struct StoreWithoutPurpose;

impl Rule for StoreWithoutPurpose {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let coverage = PurposeCoverage::compute(cx.model);
        for id in cx.model.store_ids() {
            let store = cx.model.store(id);
            let uncovered: Vec<&Field> = fields(store)
                .filter(|f| {
                    let class = cx.model.class(f.class);
                    class.is_personal()
                        && !class.is_sensitive()
                        && !coverage.covers(store.service, f.class)
                })
                .collect();
            if !uncovered.is_empty() {
                let finding =
                    Finding::new(diagnostic(cx.model, id, &uncovered), Subject::Store(id));
                out.push(concerning_classes(finding, &uncovered));
            }
        }
    }
}

/// The finding's diagnostic for a store whose `uncovered` fields no purpose covers.
fn diagnostic(model: &Model, id: StoreId, uncovered: &[&Field]) -> Diagnostic {
    let store = model.store(id);
    let service = model.service(store.service);
    let mut classes: Vec<ClassId> = uncovered.iter().map(|f| f.class).collect();
    classes.sort_unstable();
    classes.dedup();
    let names: Vec<&str> = classes
        .iter()
        .map(|&c| model.class(c).name.as_str())
        .collect();
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut diag = Diagnostic::new(
        &CODE,
        format!(
            "store `{}.{}` keeps personal data without a purpose",
            service.name, store.name
        ),
    )
    .at(
        store.name_span,
        format!(
            "keeps {list}, which no purpose of `{}` covers",
            service.name
        ),
    );
    diag = label_fields(
        diag,
        uncovered,
        |f| format!("`{}` holds `{}`", f.name, model.class(f.class).name),
        "personal data no purpose covers",
    );
    if service.purposes.is_empty() {
        diag = diag.with_secondary(
            service.name_span,
            format!("`{}` declares no purpose", service.name),
        );
    }
    for purpose in service.purposes.iter().take(3) {
        diag = diag.with_secondary(purpose.span, "declared for other data only");
    }
    let help = match purpose_fix(model, store.service, &classes) {
        PurposeFix::Extend(line) => format!("name the data in the service's purpose: `{line}`"),
        PurposeFix::Add(line) | PurposeFix::Declare(line) => format!(
            "state why `{}` keeps the data: write `{line}` in the service (and declare `purpose <name> basis <basis> \"...\"` at the top level)",
            service.name
        ),
    };
    diag.with_help(format!("{help}; or stop storing it"))
}

/// A service purpose line that would cover `classes`.
pub(crate) enum PurposeFix {
    /// The service's first purpose with a `for` list, extended by the classes.
    Extend(String),
    /// A new line for the service's first purpose (which has no `for` list).
    Add(String),
    /// A new line with a placeholder name: the service declares no purpose.
    Declare(String),
}

/// How to declare that `service` processes `classes` for a purpose.
pub(crate) fn purpose_fix(model: &Model, service: ServiceId, classes: &[ClassId]) -> PurposeFix {
    let purposes = &model.service(service).purposes;
    let line = |p: &ServicePurpose, classes: &[ClassId]| {
        let names = p.purposes.iter().map(|&id| model.purpose(id).name.as_str());
        let names = names.collect::<Vec<_>>().join(", ");
        let list = classes.iter().map(|&c| model.class(c).name.as_str());
        format!(
            "purpose {names} for {}",
            list.collect::<Vec<_>>().join(", ")
        )
    };
    if let Some(p) = purposes.iter().find(|p| !p.classes.is_empty()) {
        let all: Vec<ClassId> = p.classes.iter().chain(classes).copied().collect();
        return PurposeFix::Extend(line(p, &all));
    }
    match purposes.first() {
        Some(p) => PurposeFix::Add(line(p, classes)),
        None => {
            let list = classes.iter().map(|&c| model.class(c).name.as_str());
            PurposeFix::Declare(format!(
                "purpose <name> for {}",
                list.collect::<Vec<_>>().join(", ")
            ))
        }
    }
}

/// Every field of every table of a store, in table then column order.
pub(crate) fn fields(store: &Store) -> impl Iterator<Item = &Field> {
    store.tables.iter().flat_map(|t| t.fields.iter())
}

/// The finding, waivable also by naming the data class of any of `fields`.
pub(crate) fn concerning_classes(finding: Finding, fields: &[&Field]) -> Finding {
    let mut classes: Vec<ClassId> = fields.iter().map(|f| f.class).collect();
    classes.sort_unstable();
    classes.dedup();
    classes
        .into_iter()
        .fold(finding, |f, c| f.also_concerning(Subject::Data(c)))
}

/// How many fields a diagnostic labels; a note counts the rest.
const FIELD_LABELS: usize = 3;

/// Labels the first field of each class in `fields` (a few at most) with `label`; a note
/// says how many more hold `rest`.
pub(crate) fn label_fields(
    mut diag: Diagnostic,
    fields: &[&Field],
    label: impl Fn(&Field) -> String,
    rest: &str,
) -> Diagnostic {
    let mut labelled: Vec<ClassId> = Vec::with_capacity(FIELD_LABELS);
    for field in fields {
        if labelled.len() == FIELD_LABELS {
            break;
        }
        if !labelled.contains(&field.class) {
            labelled.push(field.class);
            diag = diag.with_secondary(field.span, label(field));
        }
    }
    let more = fields.len().saturating_sub(labelled.len());
    if more > 0 {
        let (noun, verb) = if more == 1 {
            ("field", "holds")
        } else {
            ("fields", "hold")
        };
        diag = diag.with_note(format!("{more} more {noun} {verb} {rest}"));
    }
    diag
}

/// Which data classes the purposes of each service cover, computed once per run in
/// O(services + purpose entries).
pub(crate) struct PurposeCoverage {
    /// Per service: whether some purpose is declared without `for` (covers every class).
    general: Vec<bool>,
    /// Per service: the classes named in a `for` list, sorted and deduplicated.
    named: Vec<Vec<ClassId>>,
}

impl PurposeCoverage {
    pub(crate) fn compute(model: &Model) -> PurposeCoverage {
        let mut general = vec![false; model.services.len()];
        let mut named = vec![Vec::new(); model.services.len()];
        for (i, service) in model.services.iter().enumerate() {
            let (Some(general), Some(named)) = (general.get_mut(i), named.get_mut(i)) else {
                continue;
            };
            for purpose in &service.purposes {
                *general |= purpose.classes.is_empty();
                named.extend(purpose.classes.iter().copied());
            }
            named.sort_unstable();
            named.dedup();
        }
        PurposeCoverage { general, named }
    }

    /// Whether some purpose of `service` covers `class`, with or without naming it.
    pub(crate) fn covers(&self, service: ServiceId, class: ClassId) -> bool {
        self.general.get(service.index()).copied().unwrap_or(false) || self.names(service, class)
    }

    /// Whether some purpose of `service` names `class` in its `for` list.
    pub(crate) fn names(&self, service: ServiceId, class: ClassId) -> bool {
        self.named
            .get(service.index())
            .is_some_and(|list| list.binary_search(&class).is_ok())
    }
}
