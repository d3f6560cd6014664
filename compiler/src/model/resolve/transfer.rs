//! Transfers (GDPR Chapter V): jurisdictions, mechanisms and recipients.

use ward_lang::Diagnostic;
use ward_lang::ast::{self, Ident, MechanismKind};
use ward_lang::diag::suggest::closest;

use super::{Resolver, list_names, location};
use crate::model::codes;
use crate::model::{Derogation, Jurisdiction, Mechanism, SccModule, ServiceId, Spanned, Transfer};

/// Every mechanism keyword, sorted.
const MECHANISMS: [&str; 7] = [
    "adequacy",
    "bcr",
    "certification",
    "code_of_conduct",
    "derogation",
    "dpf",
    "scc",
];

/// The Art. 49(1) grounds, by keyword.
const DEROGATIONS: [(&str, Derogation); 8] = [
    ("explicit_consent", Derogation::ExplicitConsent),
    ("contract", Derogation::Contract),
    ("contract_in_interest", Derogation::ContractInInterest),
    ("public_interest", Derogation::PublicInterest),
    ("legal_claims", Derogation::LegalClaims),
    ("vital_interests", Derogation::VitalInterests),
    ("public_register", Derogation::PublicRegister),
    (
        "compelling_legitimate_interests",
        Derogation::CompellingLegitimateInterests,
    ),
];

const SCC_MODULES: [(&str, SccModule); 4] = [
    ("c2c", SccModule::C2c),
    ("c2p", SccModule::C2p),
    ("p2p", SccModule::P2p),
    ("p2c", SccModule::P2c),
];

/// Resolves the transfers, sorted by (from, to); at most one transfer per pair.
pub(super) fn resolve_transfers<'a>(cx: &mut Resolver<'a>, decls: &[&'a ast::TransferDecl]) {
    let mut transfers: Vec<(&'a ast::TransferDecl, Transfer)> = Vec::with_capacity(decls.len());
    for decl in decls {
        let from = location::jurisdiction(cx, &decl.from);
        let to = location::jurisdiction(cx, &decl.to);
        let mut mechanisms: Vec<Spanned<Mechanism>> = decl
            .mechanisms
            .iter()
            .filter_map(|m| mechanism(cx, m))
            .collect();
        mechanisms.sort_by(|a, b| a.value.cmp(&b.value).then(a.span.cmp(&b.span)));
        mechanisms.dedup_by(|later, first| later.value == first.value);
        let recipients = recipients(cx, &decl.recipients, to);
        let reference = decl
            .references
            .first()
            .map(|r| Spanned::new(r.value.clone(), r.span));
        if let (Some(from), Some(to)) = (from, to) {
            let transfer = Transfer {
                from: Spanned::new(from, decl.from.span),
                to: Spanned::new(to, decl.to.span),
                mechanisms,
                recipients,
                reference,
                span: decl.span,
            };
            transfers.push((decl, transfer));
        }
    }
    transfers.sort_by_key(|(_, t)| (t.from.value, t.to.value, t.span));
    let mut unique: Vec<Transfer> = Vec::with_capacity(transfers.len());
    for (decl, t) in transfers {
        if let Some(first) = unique
            .last()
            .filter(|f| (f.from.value, f.to.value) == (t.from.value, t.to.value))
        {
            let (first_span, again) =
                (first.from.span.to(first.to.span), t.from.span.to(t.to.span));
            cx.report_duplicate(
                &format!("transfer `{} -> {}`", decl.from.text, decl.to.text),
                again,
                first_span,
            );
            continue;
        }
        unique.push(t);
    }
    cx.model.transfers = unique;
}

/// A mechanism; `None` after reporting. An unknown SCC module is reported and kept as `scc`.
fn mechanism(cx: &mut Resolver<'_>, decl: &ast::Mechanism) -> Option<Spanned<Mechanism>> {
    let value = match &decl.kind {
        MechanismKind::Scc(None) => Mechanism::Scc(None),
        MechanismKind::Scc(Some(module)) => Mechanism::Scc(scc_module(cx, module)),
        MechanismKind::Derogation(ground) => Mechanism::Derogation(derogation(cx, ground)?),
        MechanismKind::Named(ident) => named_mechanism(cx, ident)?,
    };
    Some(Spanned::new(value, decl.span))
}

fn named_mechanism(cx: &mut Resolver<'_>, ident: &Ident) -> Option<Mechanism> {
    let text = ident.text.as_str();
    let mechanism = match text {
        "adequacy" => Mechanism::Adequacy,
        "dpf" => Mechanism::Dpf,
        "scc" => Mechanism::Scc(None),
        "bcr" => Mechanism::Bcr,
        "code_of_conduct" => Mechanism::CodeOfConduct,
        "certification" => Mechanism::Certification,
        "derogation" => {
            cx.report(
                Diagnostic::new(
                    &codes::UNKNOWN_DEROGATION,
                    "`derogation` does not say which Art. 49(1) ground applies",
                )
                .at(ident.span, "which derogation?")
                .with_help(format!(
                    "write `derogation <ground>`, where the ground is one of {}",
                    derogation_names()
                )),
            );
            return None;
        }
        _ => {
            let help = match text {
                "privacy_shield" | "safe_harbor" | "safe_harbour" => {
                    format!("`{text}` was invalidated by the Court of Justice; use `dpf` or `scc`")
                }
                _ => match closest(text, MECHANISMS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the mechanisms are {}", list_names(MECHANISMS)),
                },
            };
            cx.report(
                Diagnostic::new(
                    &codes::UNKNOWN_MECHANISM,
                    format!("unknown transfer mechanism `{text}`"),
                )
                .at(ident.span, "not a GDPR Chapter V mechanism ward knows")
                .with_help(help),
            );
            return None;
        }
    };
    Some(mechanism)
}

fn derogation_names() -> String {
    list_names(DEROGATIONS.iter().map(|(name, _)| *name))
}

fn derogation(cx: &mut Resolver<'_>, ident: &Ident) -> Option<Derogation> {
    if let Some((_, d)) = DEROGATIONS.iter().find(|(name, _)| *name == ident.text) {
        return Some(*d);
    }
    let help = match closest(&ident.text, DEROGATIONS.iter().map(|(name, _)| *name)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the grounds are {}", derogation_names()),
    };
    cx.report(
        Diagnostic::new(
            &codes::UNKNOWN_DEROGATION,
            format!("unknown derogation `{}`", ident.text),
        )
        .at(ident.span, "not a ground of GDPR Art. 49(1)")
        .with_help(help),
    );
    None
}

fn scc_module(cx: &mut Resolver<'_>, ident: &Ident) -> Option<SccModule> {
    if let Some((_, m)) = SCC_MODULES.iter().find(|(name, _)| *name == ident.text) {
        return Some(*m);
    }
    let names = SCC_MODULES.iter().map(|(name, _)| *name);
    let help = match closest(&ident.text, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "the modules are {} (controller/processor to controller/processor)",
            list_names(names)
        ),
    };
    cx.report(
        Diagnostic::new(
            &codes::UNKNOWN_SCC_MODULE,
            format!("unknown SCC module `{}`", ident.text),
        )
        .at(
            ident.span,
            "not a module of the 2021 standard contractual clauses",
        )
        .with_help(help),
    );
    None
}

/// The recipients, sorted; each must run in the destination (when both are known).
fn recipients<'a>(
    cx: &mut Resolver<'a>,
    idents: &'a [Ident],
    to: Option<Jurisdiction>,
) -> Vec<Spanned<ServiceId>> {
    let mut out: Vec<Spanned<ServiceId>> = Vec::with_capacity(idents.len());
    for ident in idents {
        let Some(id) = cx.service(ident) else {
            continue;
        };
        if let Some(to) = to {
            check_located(cx, ident, id, to);
        }
        out.push(Spanned::new(id, ident.span));
    }
    out.sort_by(|a, b| a.value.cmp(&b.value).then(a.span.cmp(&b.span)));
    out.dedup_by(|later, first| later.value == first.value);
    out
}

/// Reports a recipient that does not run in the transfer's destination.
fn check_located(cx: &mut Resolver<'_>, ident: &Ident, id: ServiceId, to: Jurisdiction) {
    let Some(service) = cx.model.services.get(id.index()) else {
        return;
    };
    let countries = &service.placement.countries;
    let inside = match to {
        Jurisdiction::Eea => countries.iter().any(|c| cx.reference.is_eea(*c)),
        Jurisdiction::Country(code) => countries.contains(&code),
    };
    if inside || countries.is_empty() {
        return;
    }
    let name = &service.name;
    let runs_in = list_names(countries.iter().map(|c| c.as_str()));
    let to_text = crate::model::jurisdiction_code(to);
    let placement = match &service.placement.kind {
        crate::model::PlacementKind::Region { provider, region } => format!("{provider}:{region}"),
        crate::model::PlacementKind::Site(site) => cx
            .model
            .sites
            .get(site.index())
            .map_or(String::new(), |s| s.name.clone()),
    };
    let diag = Diagnostic::new(
        &codes::RECIPIENT_OUTSIDE_DESTINATION,
        format!("recipient `{name}` is not in `{to_text}`, the destination of this transfer"),
    )
    .at(ident.span, format!("`{name}` runs in {runs_in}"))
    .with_secondary(service.placement.span, format!("placed in `{placement}`"))
    .with_help(format!(
        "list `{name}` under the transfer to where it runs, or correct its location"
    ));
    cx.report(diag);
}
