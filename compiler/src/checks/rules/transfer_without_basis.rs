//! `C304 transfer-without-basis`: personal data leaves the EU/EEA with no Chapter V basis.

use ward_lang::{Code, Diagnostic};

use crate::checks::transfer_basis::{self, Leg, TransferCheck, Unfounded};
use crate::checks::{Context, Finding, Rule};
use crate::model::Jurisdiction;

ward_lang::declare_codes! {
    /// ## What it checks
    /// A flow from a service placed in the EU/EEA to a service placed in a third country that
    /// carries personal data with no Chapter V basis for that recipient. Personal data counts as
    /// is or pseudonymised (hashed, tokenised, masked); data redacted on the way or declared
    /// anonymised does not. A multi-region location counts every country it may keep data in.
    /// Iceland, Liechtenstein and Norway are in the EEA; Switzerland and the United Kingdom are
    /// not (both have adequacy decisions).
    ///
    /// A transfer has a basis when either
    /// - an adequacy decision (Art. 45) for the country is in force on the run date and covers
    ///   the recipient. No declaration is needed; ward's reference library knows the decisions,
    ///   their scope and dates. The United States decision ((EU) 2023/1795, the EU-US Data
    ///   Privacy Framework) covers only recipients declared `certified dpf`; it is contested
    ///   (appeal C-703/25 P before the Court of Justice) and ward treats it as valid law until
    ///   it is annulled. Canada's covers only commercial organisations subject to PIPEDA and
    ///   Japan's only private-sector operators, so a recipient declared `sector public` is not
    ///   covered. The United Kingdom's applies until 2031-12-27. Brazil's is pending and covers
    ///   nothing; or
    /// - a declared `transfer EU -> <country>` (or from the source's own country) names the
    ///   recipient, or names no recipient, with a mechanism that is valid for it: standard
    ///   contractual clauses `scc` (Art. 46(2)(c)), binding corporate rules `bcr` (Art. 47),
    ///   `code_of_conduct` (Art. 46(2)(e)), `certification` (Art. 46(2)(f)) or a `derogation`
    ///   (Art. 49(1)). `dpf` counts only for a recipient in the United States declared
    ///   `certified dpf`, and `adequacy` only where a decision in force covers the recipient
    ///   anyway: declaring either never creates a basis.
    ///
    /// The source's data counts wherever it was collected: an EU service returning data
    /// collected abroad makes a transfer too. Onward transfers, from one third country to
    /// another, are checked by `onward-transfer-without-basis` (C305).
    ///
    /// ## Why it matters
    /// Art. 44 GDPR allows a transfer of personal data to a third country only under the
    /// conditions of Chapter V: an adequacy decision (Art. 45), appropriate safeguards
    /// (Art. 46, Art. 47) or, for specific situations, a derogation (Art. 49). The exporter is
    /// subject to the GDPR for what it processes in the EU (Art. 3(1)), so this holds also for a
    /// processor sending data back to a controller abroad (SCC module four, `p2c`). A transfer
    /// without a basis falls under the highest tier of fines (Art. 83(5)(c)), and the record of
    /// processing must list transfers and their safeguards (Art. 30(1)(e)). Pseudonymised data
    /// is still personal data (Recital 26). ward checks that a basis is declared, not the
    /// transfer impact assessment that SCCs and BCRs need (Case C-311/18 *Schrems II*, EDPB
    /// Recommendations 01/2020): point `reference` at it. Derogations are meant for occasional
    /// transfers (EDPB Guidelines 2/2018); a regular service-to-service flow rarely qualifies.
    ///
    /// ## Example
    /// ```ward
    /// service shop in aws:eu-central-1 { hosts 198.18.1.0/24 }
    /// external service analytics in aws:us-east-1 { port ingest 443/tcp tls  operator "Analytics, Inc." }
    /// flow shop -> analytics.ingest { carries email  purpose product_analytics }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// transfer EU -> US {
    ///   mechanism scc module c2p  recipient analytics  reference "DPA 2025-04 with SCCs, TIA-2025-07"
    /// }
    /// ```
    /// or, if the recipient is on the Data Privacy Framework list, `certified dpf` in its service.
    ///
    /// ## How to fix
    /// Declare the basis the transfer relies on, naming the recipient: SCCs with the module
    /// that fits the roles (`c2c`, `c2p` controller to processor, `p2p`, `p2c`), BCRs, or a
    /// derogation; or declare `certified dpf` on a US recipient that is certified, or
    /// `sector commercial` on a Canadian or Japanese recipient that is a private company. Or
    /// keep the data in the EEA (place the recipient in an EEA region), or stop sending it
    /// (`carries email redacted`).
    ///
    /// ## Waiving
    /// `waive transfer-without-basis on flow shop -> analytics.ingest until 2027-03-31 { reason "..." owner "..." }`
    ///
    /// A waiver may also name every such transfer to a country (`on transfer EU -> BR`) or of
    /// a data class (`on data email`).
    CODE = ("C304", "transfer-without-basis", Error, "personal data leaves the EU/EEA without a transfer basis");
}

/// See [`CODE`].
pub struct TransferWithoutBasis;

impl Rule for TransferWithoutBasis {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let check = TransferCheck::new(cx);
        for unfounded in check.unfounded(Leg::Direct) {
            let diagnostic = diagnostic(cx, &unfounded);
            out.push(transfer_basis::finding(
                cx,
                &unfounded,
                Leg::Direct,
                diagnostic,
            ));
        }
    }
}

/// The finding's diagnostic for a direct transfer without basis.
fn diagnostic(cx: &Context<'_>, unfounded: &Unfounded<'_>) -> Diagnostic {
    let model = cx.model;
    let flow = model.flow(unfounded.flow);
    let source = model.service(flow.source);
    let target = model.service(flow.target);
    let countries = transfer_basis::country_list(
        cx.reference,
        unfounded.destinations.iter().map(|d| d.country),
    );
    let (target_span, target_label) = transfer_basis::location_label(cx, target);
    let (source_span, source_label) = transfer_basis::location_label(cx, source);
    let mut diagnostic = Diagnostic::new(
        &CODE,
        format!(
            "`{}` transfers personal data to {countries} without a Chapter V basis",
            model.flow_path(unfounded.flow)
        ),
    )
    .at(
        flow.head_span,
        format!(
            "transfers {} out of the EEA to {countries}",
            transfer_basis::class_list(model, &unfounded.classes)
        ),
    )
    .with_secondary(target_span, target_label)
    .with_secondary(source_span, source_label);
    for destination in &unfounded.destinations {
        for (span, label) in transfer_basis::transfer_labels(cx, destination, target) {
            diagnostic = diagnostic.with_secondary(span, label);
        }
    }
    diagnostic = transfer_basis::notes(cx, unfounded, diagnostic);
    let foreign: Vec<String> = unfounded
        .classes
        .iter()
        .filter(|s| !s.eea_origin)
        .map(|s| format!("`{}`", model.class(s.class()).name))
        .collect();
    if !foreign.is_empty() {
        diagnostic = diagnostic.with_note(format!(
            "{} reaches `{}` only from outside the EEA, but `{}` processes it in the EEA under the GDPR (Art. 3(1)), so sending it out is a transfer too (a processor returning data to its controller: SCC module `p2c`)",
            transfer_basis::join_and(foreign),
            source.name,
            source.name,
        ));
    }
    // Data that reaches the EU exporter only from abroad goes back, typically from a processor
    // to its controller (module four); otherwise a controller sends it to a processor.
    let module = if unfounded.classes.iter().all(|s| !s.eea_origin) {
        "p2c"
    } else {
        "c2p"
    };
    diagnostic.with_help(transfer_basis::help(
        cx,
        unfounded,
        Leg::Direct,
        Jurisdiction::Eea,
        module,
    ))
}
