//! `C305 onward-transfer-without-basis`: EU/EEA personal data passed on from one third country
//! to another with no Chapter V basis.

use ward_lang::{Code, Diagnostic, Span};

use crate::checks::transfer_basis::{self, Leg, TransferCheck, Unfounded};
use crate::checks::{Context, Finding, Rule};
use crate::model::{ClassId, FlowId, Jurisdiction};

ward_lang::declare_codes! {
    /// ## What it checks
    /// A flow between services placed outside the EU/EEA that passes on personal data collected
    /// in the EEA to another third country with no Chapter V basis. ward follows each class
    /// from the services that collect it along the flows that carry it as personal data (as
    /// is or pseudonymised; not redacted or declared anonymised), so data that went
    /// EU → UK → US is still EU personal data on the UK → US hop. The finding shows the whole
    /// path, hop by hop, from the EEA to the flow.
    ///
    /// The basis is judged as for a direct transfer (`transfer-without-basis`, C304): an
    /// adequacy decision in force for the destination that covers the recipient (for the
    /// United States, a recipient declared `certified dpf`), or a declared transfer to the
    /// destination, from `EU`/`EEA` or from the country the data is passed on from
    /// (`transfer GB -> US { ... }`), that names the recipient (or no recipient) with a valid
    /// mechanism. Passing data on within the same third country (US → US) is not an onward
    /// transfer in the sense of Art. 44 ("to another third country"), and sending it back to
    /// the EEA is no transfer at all.
    ///
    /// ## Why it matters
    /// Art. 44 GDPR applies the conditions of Chapter V "including for onward transfers of
    /// personal data from the third country ... to another third country": the protection
    /// travels with the data. An adequacy decision or SCCs for the first hop do not cover the
    /// next one; the 2021 SCCs (Decision (EU) 2021/914, clause 8.7/8.8) let the importer pass
    /// data on only to a country with an adequacy decision (Art. 45) or under safeguards of its
    /// own (Art. 46). A transfer without a basis falls under the highest tier of fines
    /// (Art. 83(5)(c)). Pseudonymised data is still personal data (Recital 26).
    ///
    /// ## Example
    /// ```ward
    /// service web in aws:eu-central-1 { hosts 198.18.1.0/24 }
    /// service proxy in aws:eu-west-2 { hosts 198.18.2.0/24  port api 443/tcp tls }
    /// external service analytics in aws:us-east-1 { port ingest 443/tcp tls  operator "Analytics, Inc." }
    /// flow web -> proxy.api { carries email  purpose product_analytics }
    /// flow proxy -> analytics.ingest { carries email  purpose product_analytics }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// transfer GB -> US {
    ///   mechanism scc module c2p  recipient analytics  reference "Onward SCCs, TIA-2025-09"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Declare the basis for the onward hop, naming the recipient (`transfer GB -> US { ... }`
    /// or `transfer EU -> US { ... }`); or declare `certified dpf` on a US recipient that is
    /// certified. Or send the data to the recipient from the EEA directly, keep it in the
    /// first country, or stop passing it on (`carries email redacted`).
    ///
    /// ## Waiving
    /// `waive onward-transfer-without-basis on flow proxy -> analytics.ingest until 2027-03-31 { reason "..." owner "..." }`
    ///
    /// A waiver may also name every such transfer between two countries (`on transfer GB -> US`,
    /// or `on transfer EU -> US` for every onward route to the United States) or of a data class
    /// (`on data email`).
    CODE = ("C305", "onward-transfer-without-basis", Error, "personal data from the EU/EEA is passed on to another third country without a transfer basis");
}

/// See [`CODE`].
pub struct OnwardTransferWithoutBasis;

impl Rule for OnwardTransferWithoutBasis {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let check = TransferCheck::new(cx);
        for unfounded in check.unfounded(Leg::Onward) {
            let diagnostic = diagnostic(cx, &check, &unfounded);
            out.push(transfer_basis::finding(
                cx,
                &unfounded,
                Leg::Onward,
                diagnostic,
            ));
        }
    }
}

/// The finding's diagnostic for an onward transfer without basis.
fn diagnostic(
    cx: &Context<'_>,
    check: &TransferCheck<'_>,
    unfounded: &Unfounded<'_>,
) -> Diagnostic {
    let model = cx.model;
    let flow = model.flow(unfounded.flow);
    let source = model.service(flow.source);
    let target = model.service(flow.target);
    let countries = transfer_basis::country_list(
        cx.reference,
        unfounded.destinations.iter().map(|d| d.country),
    );

    // The route from the EEA of each class, grouped by route; the first group is drawn.
    let mut routes: Vec<(Vec<FlowId>, Vec<ClassId>)> = Vec::new();
    for sent in &unfounded.classes {
        let path = cx
            .lineage
            .path_from_eea(model, cx.graph, sent.class(), flow.source);
        match routes.iter_mut().find(|(p, _)| *p == path) {
            Some((_, classes)) => classes.push(sent.class()),
            None => routes.push((path, vec![sent.class()])),
        }
    }
    let names = |classes: &[ClassId]| {
        classes
            .iter()
            .map(|c| format!("`{}`", model.class(*c).name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut hops: Vec<(Span, String)> = Vec::new();
    if let Some((path, classes)) = routes.first() {
        let who = names(classes);
        for (i, hop) in path.iter().enumerate() {
            hops.push((
                model.flow(*hop).head_span,
                hop_label(cx, check, i + 1, *hop, &who, classes.len()),
            ));
        }
    }
    let number = routes.first().map_or(0, |(path, _)| path.len()) + 1;
    let hop = if number > 1 {
        format!("hop {number}: ")
    } else {
        String::new()
    };
    let (target_span, target_label) = transfer_basis::location_label(cx, target);
    let (source_span, source_label) = transfer_basis::location_label(cx, source);
    let mut diagnostic = Diagnostic::new(
        &CODE,
        format!(
            "`{}` passes EU/EEA personal data on to {countries} without a Chapter V basis",
            model.flow_path(unfounded.flow)
        ),
    )
    .at(
        flow.head_span,
        format!(
            "{hop}EU-origin {} {} on to {countries} without a basis",
            transfer_basis::class_list(model, &unfounded.classes),
            if unfounded.classes.len() == 1 {
                "goes"
            } else {
                "go"
            }
        ),
    );
    for (span, label) in hops {
        diagnostic = diagnostic.with_secondary(span, label);
    }
    diagnostic = diagnostic
        .with_secondary(target_span, target_label)
        .with_secondary(source_span, source_label);
    for destination in &unfounded.destinations {
        for (span, label) in transfer_basis::transfer_labels(cx, destination, target) {
            diagnostic = diagnostic.with_secondary(span, label);
        }
    }
    diagnostic = transfer_basis::notes(cx, unfounded, diagnostic);
    for (path, classes) in routes.iter().skip(1) {
        let route: Vec<String> = path
            .iter()
            .map(|f| format!("`{}`", model.flow_path(*f)))
            .collect();
        let route = if route.is_empty() {
            "directly".to_string()
        } else {
            format!("via {}", route.join(", "))
        };
        diagnostic = diagnostic.with_note(format!(
            "{} reaches `{}` from the EEA by another route: {route}",
            names(classes),
            source.name
        ));
    }
    // Declare the onward transfer from the country the data is passed on from.
    let from = source
        .placement
        .countries
        .iter()
        .find(|c| !cx.reference.is_eea(**c))
        .map_or(Jurisdiction::Eea, |c| Jurisdiction::Country(*c));
    let module = if source.external { "p2p" } else { "c2p" };
    diagnostic.with_help(transfer_basis::help(
        cx,
        unfounded,
        Leg::Onward,
        from,
        module,
    ))
}

/// `` hop 2: EU-origin `email` leaves the EEA here, for the United Kingdom ``; `count` is the
/// number of classes `who` names.
fn hop_label(
    cx: &Context<'_>,
    check: &TransferCheck<'_>,
    number: usize,
    hop: FlowId,
    who: &str,
    count: usize,
) -> String {
    let verb = |one: &'static str, many: &'static str| if count == 1 { one } else { many };
    let flow = cx.model.flow(hop);
    let target = cx.model.service(flow.target);
    let outside = || {
        let countries: Vec<_> = target
            .placement
            .countries
            .iter()
            .copied()
            .filter(|c| !cx.reference.is_eea(*c))
            .collect();
        transfer_basis::country_list(cx.reference, countries)
    };
    match (check.in_eea(flow.source), check.in_eea(flow.target)) {
        (true, true) => format!(
            "hop {number}: {who}, collected in the EEA, {} to `{}`",
            verb("goes", "go"),
            target.name
        ),
        (true, false) => {
            format!(
                "hop {number}: EU-origin {who} {} the EEA here, for {}",
                verb("leaves", "leave"),
                outside()
            )
        }
        (false, false) => format!(
            "hop {number}: EU-origin {who} {} on to {}",
            verb("goes", "go"),
            outside()
        ),
        (false, true) => format!(
            "hop {number}: {who} {} to the EEA",
            verb("returns", "return")
        ),
    }
}
