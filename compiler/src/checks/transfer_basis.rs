//! GDPR Chapter V, shared by `C304 transfer-without-basis` and `C305
//! onward-transfer-without-basis`: which flows transfer personal data to a third country, and
//! whether each transfer has a basis.
//!
//! A flow *transfers* personal data to a country `X` when
//! - it carries a personal class as personal data: plain or pseudonymised (hashed, tokenised,
//!   masked; still personal data, Recital 26), not redacted or declared anonymised;
//! - its target is placed in `X`, outside the EU/EEA (any country of a multi-region counts);
//! - and either its source is placed in the EEA (a *direct* transfer, Art. 44–46: the exporter
//!   processes the data under the GDPR, Art. 3(1), wherever the data was collected), or its
//!   source is outside the EEA, the class reaching the source was collected in the EEA (see
//!   [`Lineage`](crate::graph::lineage::Lineage)) and `X` is another country than the source's
//!   (an *onward* transfer, Art. 44: "to another third country"). Data returning to the EEA is
//!   never a transfer.
//!
//! A transfer of a class to target `T` in `X` has a *basis* when
//! - an adequacy decision for `X` is in force on the run date (a contested one still is; a
//!   pending or expired one is not) and its scope covers `T`: every recipient, DPF-certified
//!   recipients only (United States), or commercial / private-sector recipients only (Canada,
//!   Japan); no declaration is needed; or
//! - a declared `transfer F -> X` applies: `F` is `EU`/`EEA` or a country the source is placed
//!   in, its recipients are empty or name `T`, and one of its mechanisms is valid here: SCCs,
//!   BCRs, a code of conduct, a certification or a derogation as declared; `dpf` only for a
//!   DPF-certified recipient in the United States while that decision is in force; `adequacy`
//!   only when the first case holds.
//!
//! Cost: indexes are built once per run (services' places, adequacy per country, transfers by
//! `(from, to)`), then each flow costs O(classes carried + destinations × matching transfers).
//! Nothing here reconstructs paths; the rules do that for their findings only.

use std::collections::BTreeMap;

use ward_lang::{Diagnostic, Span};

use crate::checks::{Context, Finding};
use crate::model::{
    Carried, Certification, ClassId, FlowId, Jurisdiction, Mechanism, Model, PlacementKind, Sector,
    Service, ServiceId, Subject, Transfer, TransferId, Transform, Travels,
};
use crate::reference::{Adequacy, AdequacyScope, AdequacyStatus, CountryCode, Reference};

/// Whether a transfer starts in the EEA or continues from a third country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    /// From the EEA to a third country (Art. 44–46).
    Direct,
    /// From a third country to another, of data collected in the EEA (Art. 44, onward
    /// transfers).
    Onward,
}

/// A flow that transfers personal data to at least one country without a basis.
#[derive(Debug, Clone)]
pub struct Unfounded<'a> {
    pub flow: FlowId,
    /// The personal classes transferred, in class-id order.
    pub classes: Vec<Sent<'a>>,
    /// The countries the transfer has no basis for, sorted.
    pub destinations: Vec<Destination<'a>>,
}

/// A class transferred on a flow.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    pub carried: &'a Carried,
    /// Whether any of the class's data at the source was collected in the EEA.
    pub eea_origin: bool,
}

impl Sent<'_> {
    pub fn class(&self) -> ClassId {
        self.carried.class
    }

    pub fn is_pseudonymised(&self) -> bool {
        self.carried.transform.travels() == Travels::Pseudonymised
    }
}

/// A destination country without a basis, and why each candidate failed.
#[derive(Debug, Clone)]
pub struct Destination<'a> {
    pub country: CountryCode,
    /// Why no adequacy decision covers the transfer; `None`: there is no decision for the
    /// country at all.
    pub adequacy: Option<AdequacyGap<'a>>,
    /// The declared transfers to this country from a matching origin, each with why it does not
    /// apply, in declaration-id order.
    pub transfers: Vec<(TransferId, TransferGap)>,
}

/// Why an existing adequacy decision does not cover a transfer.
#[derive(Debug, Clone, Copy)]
pub enum AdequacyGap<'a> {
    /// Not adopted (Brazil).
    Pending(&'a Adequacy),
    /// Adopted after the run date.
    NotYetAdopted(&'a Adequacy),
    /// Its `valid_until` date has passed (the UK decision has a sunset clause).
    Expired(&'a Adequacy),
    /// In force, but the recipient is outside its scope.
    Scope(&'a Adequacy),
}

impl<'a> AdequacyGap<'a> {
    pub fn decision(&self) -> &'a Adequacy {
        match *self {
            AdequacyGap::Pending(a)
            | AdequacyGap::NotYetAdopted(a)
            | AdequacyGap::Expired(a)
            | AdequacyGap::Scope(a) => a,
        }
    }
}

/// Why a declared transfer to the right country does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferGap {
    /// It names other recipients only. `would_cover`: one of its mechanisms would be valid
    /// for the recipient if it were named.
    OtherRecipients { would_cover: bool },
    /// It declares no mechanism.
    NoMechanism,
    /// Each of its mechanisms fails, with the mechanism's span.
    Mechanisms(Vec<(Span, MechanismGap)>),
}

/// Why a declared mechanism is no basis for a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MechanismGap {
    /// `adequacy`, but no decision in force covers the recipient.
    Adequacy,
    /// `dpf` for a recipient outside the United States.
    DpfOutsideUs,
    /// `dpf` for a recipient not declared `certified dpf`.
    DpfNotCertified,
    /// `dpf`, but the EU-US decision is not in force on the run date.
    DpfNotInForce,
}

/// The adequacy decision for a country and whether it is in force on the run date.
#[derive(Debug, Clone, Copy)]
struct Decision<'a> {
    adequacy: &'a Adequacy,
    in_force: bool,
}

/// Where a service is, as far as Chapter V is concerned.
#[derive(Debug, Clone, Default)]
struct Place {
    /// Placed (at least partly) in the EEA.
    in_eea: bool,
    /// Its countries outside the EEA, sorted.
    outside: Vec<CountryCode>,
}

/// The per-run indexes for Chapter V checks.
pub struct TransferCheck<'a> {
    cx: &'a Context<'a>,
    places: Vec<Place>,
    decisions: BTreeMap<CountryCode, Decision<'a>>,
    /// The decision that `dpf` relies on: the one covering DPF-certified recipients.
    dpf: Option<Decision<'a>>,
    transfers: BTreeMap<(Jurisdiction, Jurisdiction), Vec<TransferId>>,
}

impl<'a> TransferCheck<'a> {
    /// Builds the indexes in O(services + transfers + adequacy decisions).
    pub fn new(cx: &'a Context<'a>) -> TransferCheck<'a> {
        let reference = cx.reference;
        let places = cx
            .model
            .services
            .iter()
            .map(|s| Place {
                in_eea: s.placement.countries.iter().any(|c| reference.is_eea(*c)),
                outside: s
                    .placement
                    .countries
                    .iter()
                    .copied()
                    .filter(|c| !reference.is_eea(*c))
                    .collect(),
            })
            .collect();
        let decisions: BTreeMap<CountryCode, Decision<'a>> = reference
            .adequacies()
            .map(|a| {
                (
                    a.country,
                    Decision {
                        adequacy: a,
                        in_force: a.in_force_on(cx.today),
                    },
                )
            })
            .collect();
        let dpf = decisions.values().copied().find(|d| {
            matches!(&d.adequacy.scope, AdequacyScope::CertifiedOnly { framework } if framework == "dpf")
        });
        let mut transfers: BTreeMap<(Jurisdiction, Jurisdiction), Vec<TransferId>> =
            BTreeMap::new();
        for id in cx.model.transfer_ids() {
            let t = cx.model.transfer(id);
            transfers
                .entry((t.from.value, t.to.value))
                .or_default()
                .push(id);
        }
        TransferCheck {
            cx,
            places,
            decisions,
            dpf,
            transfers,
        }
    }

    fn place(&self, service: ServiceId) -> Option<&Place> {
        self.places.get(service.index())
    }

    /// Whether `service` is placed (at least partly) in the EEA.
    pub fn in_eea(&self, service: ServiceId) -> bool {
        self.place(service).is_some_and(|p| p.in_eea)
    }

    /// Every flow of the given leg that transfers personal data without a basis, in flow order.
    pub fn unfounded(&self, leg: Leg) -> Vec<Unfounded<'a>> {
        let model = self.cx.model;
        let mut found = Vec::new();
        for id in model.flow_ids() {
            let flow = model.flow(id);
            let (Some(source), Some(target)) = (self.place(flow.source), self.place(flow.target))
            else {
                continue;
            };
            if target.outside.is_empty() || (leg == Leg::Direct) != source.in_eea {
                continue;
            }
            let source_countries = &model.service(flow.source).placement.countries;
            let destinations: Vec<CountryCode> = target
                .outside
                .iter()
                .copied()
                .filter(|c| leg == Leg::Direct || !source_countries.contains(c))
                .collect();
            if destinations.is_empty() {
                continue;
            }
            let classes: Vec<Sent<'a>> = flow
                .carries
                .iter()
                .filter(|c| model.class(c.class).is_personal())
                .filter(|c| {
                    matches!(
                        c.transform.travels(),
                        Travels::Plain | Travels::Pseudonymised
                    )
                })
                .map(|c| Sent {
                    carried: c,
                    eea_origin: self.cx.lineage.has_eea_origin(c.class, flow.source),
                })
                .filter(|s| leg == Leg::Direct || s.eea_origin)
                .collect();
            if classes.is_empty() {
                continue;
            }
            let destinations: Vec<Destination<'a>> = destinations
                .into_iter()
                .filter_map(|country| self.missing_basis(flow.source, flow.target, country))
                .collect();
            if !destinations.is_empty() {
                found.push(Unfounded {
                    flow: id,
                    classes,
                    destinations,
                });
            }
        }
        found
    }

    /// `None` if sending personal data from `source` to `target` in `country` has a basis;
    /// otherwise why not.
    fn missing_basis(
        &self,
        source: ServiceId,
        target: ServiceId,
        country: CountryCode,
    ) -> Option<Destination<'a>> {
        let model = self.cx.model;
        let recipient = model.service(target);
        let adequacy = match self.adequacy_covers(country, recipient) {
            Ok(()) => return None,
            Err(gap) => gap,
        };
        let mut origins = vec![Jurisdiction::Eea];
        origins.extend(
            model
                .service(source)
                .placement
                .countries
                .iter()
                .map(|c| Jurisdiction::Country(*c)),
        );
        let mut candidates: Vec<TransferId> = origins
            .into_iter()
            .filter_map(|from| self.transfers.get(&(from, Jurisdiction::Country(country))))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut transfers = Vec::new();
        for id in candidates {
            match self.transfer_gap(model.transfer(id), target, country) {
                None => return None,
                Some(gap) => transfers.push((id, gap)),
            }
        }
        Some(Destination {
            country,
            adequacy,
            transfers,
        })
    }

    /// Whether an adequacy decision in force covers `recipient` in `country`: `Err(None)` if
    /// the country has no decision.
    fn adequacy_covers(
        &self,
        country: CountryCode,
        recipient: &Service,
    ) -> Result<(), Option<AdequacyGap<'a>>> {
        let Some(decision) = self.decisions.get(&country) else {
            return Err(None);
        };
        let a = decision.adequacy;
        if !decision.in_force {
            let today = self.cx.today;
            return Err(Some(if a.status == AdequacyStatus::Pending {
                AdequacyGap::Pending(a)
            } else if a.adopted.is_some_and(|d| today < d) {
                AdequacyGap::NotYetAdopted(a)
            } else {
                AdequacyGap::Expired(a)
            }));
        }
        if scope_covers(&a.scope, recipient) {
            Ok(())
        } else {
            Err(Some(AdequacyGap::Scope(a)))
        }
    }

    /// `None` if `transfer` gives a basis for sending to `target` in `country`.
    fn transfer_gap(
        &self,
        transfer: &Transfer,
        target: ServiceId,
        country: CountryCode,
    ) -> Option<TransferGap> {
        let listed =
            transfer.recipients.is_empty() || transfer.recipients.iter().any(|r| r.value == target);
        let mechanisms = self.mechanism_gaps(transfer, target, country);
        match (listed, mechanisms) {
            (true, Ok(())) => None,
            (false, mechanisms) => Some(TransferGap::OtherRecipients {
                would_cover: mechanisms.is_ok(),
            }),
            (true, Err(_)) if transfer.mechanisms.is_empty() => Some(TransferGap::NoMechanism),
            (true, Err(gaps)) => Some(TransferGap::Mechanisms(gaps)),
        }
    }

    /// `Ok` if one of the transfer's mechanisms is valid for `target` in `country`; otherwise
    /// why each is not.
    fn mechanism_gaps(
        &self,
        transfer: &Transfer,
        target: ServiceId,
        country: CountryCode,
    ) -> Result<(), Vec<(Span, MechanismGap)>> {
        let recipient = self.cx.model.service(target);
        let mut gaps = Vec::new();
        for mechanism in &transfer.mechanisms {
            let gap = match mechanism.value {
                // Only an adequacy decision in force that covers the recipient, which was
                // checked before any declaration was looked at.
                Mechanism::Adequacy => MechanismGap::Adequacy,
                Mechanism::Dpf if self.dpf.is_none_or(|d| d.adequacy.country != country) => {
                    MechanismGap::DpfOutsideUs
                }
                Mechanism::Dpf if !recipient.is_certified(Certification::Dpf) => {
                    MechanismGap::DpfNotCertified
                }
                Mechanism::Dpf if !self.dpf.is_some_and(|d| d.in_force) => {
                    MechanismGap::DpfNotInForce
                }
                Mechanism::Dpf
                | Mechanism::Scc(_)
                | Mechanism::Bcr
                | Mechanism::CodeOfConduct
                | Mechanism::Certification
                | Mechanism::Derogation(_) => return Ok(()),
            };
            gaps.push((mechanism.span, gap));
        }
        Err(gaps)
    }
}

/// Whether an adequacy decision's scope covers `recipient`.
fn scope_covers(scope: &AdequacyScope, recipient: &Service) -> bool {
    match scope {
        AdequacyScope::Full => true,
        AdequacyScope::CertifiedOnly { framework } => {
            framework == "dpf" && recipient.is_certified(Certification::Dpf)
        }
        AdequacyScope::CommercialOnly | AdequacyScope::PrivateSector => {
            recipient.sector.value == Sector::Commercial
        }
    }
}

/// The finding for a transfer without basis: about the flow (`waive ... on flow a -> b.p`),
/// blocking it; a waiver may also name a class it carries (`on data email`) or the pair of
/// jurisdictions a declaration would name (`on transfer EU -> US`; for an onward transfer also
/// `on transfer GB -> US`).
pub fn finding(
    cx: &Context<'_>,
    unfounded: &Unfounded<'_>,
    leg: Leg,
    diagnostic: Diagnostic,
) -> Finding {
    let model = cx.model;
    let flow = model.flow(unfounded.flow);
    let mut finding = Finding::new(
        diagnostic,
        Subject::Flow {
            source: flow.source,
            port: flow.port,
        },
    )
    .blocking(unfounded.flow);
    for sent in &unfounded.classes {
        finding = finding.also_concerning(Subject::Data(sent.class()));
    }
    let mut origins = vec![Jurisdiction::Eea];
    if leg == Leg::Onward {
        origins.extend(
            model
                .service(flow.source)
                .placement
                .countries
                .iter()
                .filter(|c| !cx.reference.is_eea(**c))
                .map(|c| Jurisdiction::Country(*c)),
        );
    }
    for destination in &unfounded.destinations {
        for from in &origins {
            finding = finding.also_concerning(Subject::Transfer {
                from: *from,
                to: Jurisdiction::Country(destination.country),
            });
        }
    }
    finding
}

// ---------------------------------------------------------------------------------------------
// Describing findings: shared text for both rules.
// ---------------------------------------------------------------------------------------------

/// A country in running text: `the United States`, `Singapore`, `the Republic of Korea`.
pub fn country_name(reference: &Reference, code: CountryCode) -> String {
    // The adequacy decision's name reads better than the inverted ISO short name
    // (`Korea, Republic of`).
    let name = match (reference.adequacy(code), reference.country(code)) {
        (Some(a), _) => a.name.clone(),
        (None, Some(c)) => c.name.clone(),
        (None, None) => return code.to_string(),
    };
    let article = name.starts_with("United ")
        || name.starts_with("Republic ")
        || name.starts_with("Holy See")
        || matches!(
            name.as_str(),
            "Netherlands" | "Philippines" | "Bahamas" | "Gambia" | "Maldives" | "Comoros"
        )
        || name.ends_with(" Islands");
    if article { format!("the {name}") } else { name }
}

/// `the United States and Singapore`.
pub fn country_list(reference: &Reference, codes: impl IntoIterator<Item = CountryCode>) -> String {
    join_and(
        codes
            .into_iter()
            .map(|c| country_name(reference, c))
            .collect(),
    )
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and(items: Vec<String>) -> String {
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `` `email`, `phone` (pseudonymised) ``.
pub fn class_list(model: &Model, sent: &[Sent<'_>]) -> String {
    let items: Vec<String> = sent
        .iter()
        .map(|s| {
            let name = &model.class(s.class()).name;
            if s.is_pseudonymised() {
                format!("`{name}` (pseudonymised)")
            } else {
                format!("`{name}`")
            }
        })
        .collect();
    items.join(", ")
}

/// How a location is written in the policy: `aws:us-east-1`, or a site's name.
pub fn location_text(model: &Model, service: &Service) -> String {
    match &service.placement.kind {
        PlacementKind::Region { provider, region } => format!("{}:{region}", provider.as_str()),
        PlacementKind::Site(id) => model
            .sites
            .get(id.index())
            .map_or_else(|| service.placement.to_string(), |s| s.name.clone()),
    }
}

/// The label on a service's location: `` `aws:us-east-1` is in the United States, outside the
/// EEA ``.
pub fn location_label(cx: &Context<'_>, service: &Service) -> (Span, String) {
    let reference = cx.reference;
    let countries = &service.placement.countries;
    let inside: Vec<CountryCode> = countries
        .iter()
        .copied()
        .filter(|c| reference.is_eea(*c))
        .collect();
    let outside: Vec<CountryCode> = countries
        .iter()
        .copied()
        .filter(|c| !reference.is_eea(*c))
        .collect();
    let text = location_text(cx.model, service);
    let message = match (inside.is_empty(), outside.is_empty()) {
        (false, true) if countries.len() == 1 => format!(
            "`{text}` is in {}, in the EEA",
            country_list(reference, inside)
        ),
        (false, true) => format!(
            "`{text}` keeps data in {}, all in the EEA",
            country_list(reference, inside)
        ),
        (true, false) if countries.len() == 1 => {
            format!(
                "`{text}` is in {}, outside the EEA",
                country_list(reference, outside)
            )
        }
        (true, false) => format!(
            "`{text}` keeps data in {}, outside the EEA",
            country_list(reference, outside)
        ),
        _ => format!(
            "`{text}` keeps data in {} (EEA) and {} (outside the EEA)",
            country_list(reference, inside),
            country_list(reference, outside)
        ),
    };
    (service.placement.span, message)
}

/// `the adequacy decision for the United States ((EU) 2023/1795)`.
fn decision_name(reference: &Reference, a: &Adequacy) -> String {
    format!(
        "the adequacy decision for {} ({})",
        country_name(reference, a.country),
        a.decision
    )
}

/// Who an adequacy decision with a limited scope covers.
fn scope_text(scope: &AdequacyScope) -> &'static str {
    match scope {
        AdequacyScope::Full => "every recipient",
        AdequacyScope::CertifiedOnly { framework } if framework == "dpf" => {
            "organisations certified under the EU-US Data Privacy Framework"
        }
        AdequacyScope::CertifiedOnly { .. } => "certified organisations",
        AdequacyScope::CommercialOnly => "commercial organisations subject to PIPEDA",
        AdequacyScope::PrivateSector => "private-sector business operators subject to the APPI",
    }
}

/// Why the recipient falls outside a scope: `` `analytics` is not declared `certified dpf` ``.
fn outside_scope(scope: &AdequacyScope, recipient: &Service) -> String {
    match scope {
        AdequacyScope::CertifiedOnly { framework } => {
            format!(
                "`{}` is not declared `certified {framework}`",
                recipient.name
            )
        }
        _ if recipient.sector.value == Sector::Public => {
            format!("`{}` is declared `sector public`", recipient.name)
        }
        _ => format!(
            "`{}` does not declare `sector commercial` (a decision limited to commercial or private-sector recipients covers only recipients declared so)",
            recipient.name
        ),
    }
}

/// The note explaining why no adequacy decision covers the transfer to `destination`.
pub fn adequacy_note(
    cx: &Context<'_>,
    destination: &Destination<'_>,
    recipient: &Service,
) -> String {
    let reference = cx.reference;
    let Some(gap) = destination.adequacy else {
        return format!(
            "there is no adequacy decision for {} (Art. 45)",
            country_name(reference, destination.country)
        );
    };
    let a = gap.decision();
    let name = decision_name(reference, a);
    match gap {
        AdequacyGap::Pending(_) => format!(
            "adequacy for {} is pending, not in force ({}): a transfer cannot rely on it until it is adopted",
            country_name(reference, a.country),
            a.decision
        ),
        AdequacyGap::NotYetAdopted(_) => format!(
            "{name} applies from {}, after the run date {}",
            a.adopted.map_or_else(String::new, |d| d.to_string()),
            cx.today
        ),
        AdequacyGap::Expired(_) => format!(
            "{name} applied until {} and has expired as of {}; if it has been renewed, update ward's reference data",
            a.valid_until.map_or_else(String::new, |d| d.to_string()),
            cx.today
        ),
        AdequacyGap::Scope(_) => format!(
            "{name} covers only {}; {}",
            scope_text(&a.scope),
            outside_scope(&a.scope, recipient)
        ),
    }
}

/// Short form of the adequacy gap, for a label on a declared `mechanism adequacy`.
fn adequacy_short(cx: &Context<'_>, destination: &Destination<'_>, recipient: &Service) -> String {
    let reference = cx.reference;
    let country = country_name(reference, destination.country);
    match destination.adequacy {
        None => format!("no adequacy decision covers {country}"),
        Some(AdequacyGap::Pending(_)) => format!("adequacy for {country} is pending, not in force"),
        Some(AdequacyGap::NotYetAdopted(a)) => format!(
            "adequacy for {country} applies only from {}",
            a.adopted.map_or_else(String::new, |d| d.to_string())
        ),
        Some(AdequacyGap::Expired(a)) => format!(
            "adequacy for {country} expired after {}",
            a.valid_until.map_or_else(String::new, |d| d.to_string())
        ),
        Some(AdequacyGap::Scope(a)) => format!(
            "adequacy for {country} covers only {}; {}",
            scope_text(&a.scope),
            outside_scope(&a.scope, recipient)
        ),
    }
}

/// `transfer EU -> US`, as the declaration is written.
pub fn transfer_head(transfer: &Transfer) -> String {
    format!(
        "transfer {} -> {}",
        crate::model::jurisdiction_code(transfer.from.value),
        crate::model::jurisdiction_code(transfer.to.value)
    )
}

/// Labels on the declared transfers that did not apply, and why.
pub fn transfer_labels(
    cx: &Context<'_>,
    destination: &Destination<'_>,
    recipient: &Service,
) -> Vec<(Span, String)> {
    let model = cx.model;
    let mut labels = Vec::new();
    for (id, gap) in &destination.transfers {
        let transfer = model.transfer(*id);
        let head = transfer_head(transfer);
        match gap {
            TransferGap::OtherRecipients { .. } => {
                let names: Vec<String> = transfer
                    .recipients
                    .iter()
                    .map(|r| format!("`{}`", model.service(r.value).name))
                    .collect();
                let span = match (transfer.recipients.first(), transfer.recipients.last()) {
                    (Some(first), Some(last)) => first.span.to(last.span),
                    _ => transfer.span,
                };
                labels.push((
                    span,
                    format!(
                        "this `{head}` covers only {}, not `{}`",
                        join_and(names),
                        recipient.name
                    ),
                ));
            }
            TransferGap::NoMechanism => {
                labels.push((
                    transfer.from.span.to(transfer.to.span),
                    format!("`{head}` declares no mechanism"),
                ));
            }
            TransferGap::Mechanisms(gaps) => {
                for (span, gap) in gaps {
                    let message = match gap {
                        MechanismGap::Adequacy => {
                            format!(
                                "`adequacy` is no basis here: {}",
                                adequacy_short(cx, destination, recipient)
                            )
                        }
                        MechanismGap::DpfOutsideUs => format!(
                            "`dpf` covers only recipients in the United States, not in {}",
                            country_name(cx.reference, destination.country)
                        ),
                        MechanismGap::DpfNotCertified => format!(
                            "`dpf` covers only recipients certified under the Data Privacy Framework; `{}` is not declared `certified dpf`",
                            recipient.name
                        ),
                        MechanismGap::DpfNotInForce => {
                            format!(
                                "`dpf`: the EU-US adequacy decision is not in force on {}",
                                cx.today
                            )
                        }
                    };
                    labels.push((*span, message));
                }
            }
        }
    }
    labels
}

/// The declaration that would give the transfer a basis, and the alternatives, as help text.
/// `from` is the origin to declare (the EEA, or the country an onward transfer leaves from) and
/// `module` the SCC module to suggest. ward allows one `transfer` per pair of jurisdictions, so
/// when the pair is declared already the help says what to add to it.
pub fn help(
    cx: &Context<'_>,
    unfounded: &Unfounded<'_>,
    leg: Leg,
    from: Jurisdiction,
    module: &str,
) -> String {
    let model = cx.model;
    let flow = model.flow(unfounded.flow);
    let recipient = model.service(flow.target);
    let name = &recipient.name;
    let from_code = crate::model::jurisdiction_code(from);
    let scc = format!("mechanism scc module {module}");
    let declaration = |to: CountryCode| {
        format!("`transfer {from_code} -> {to} {{ {scc}  recipient {name}  reference \"...\" }}`")
    };
    let mut parts = Vec::new();
    // Destinations with nothing declared and nothing particular to say share one example.
    let mut plain: Vec<CountryCode> = Vec::new();
    for destination in &unfounded.destinations {
        let to = destination.country;
        let head = |id: TransferId| transfer_head(model.transfer(id));
        let same_pair = destination
            .transfers
            .iter()
            .find(|(id, _)| model.transfer(*id).from.value == from);
        let would_cover = destination
            .transfers
            .iter()
            .find(|(_, gap)| *gap == TransferGap::OtherRecipients { would_cover: true });
        let alternative = match destination.adequacy.map(|g| (g, &g.decision().scope)) {
            Some((AdequacyGap::Scope(_), AdequacyScope::CertifiedOnly { framework })) => {
                Some(format!(
                    "if `{name}` is certified under the Data Privacy Framework (https://www.dataprivacyframework.gov/list), declare `certified {framework}` in its service"
                ))
            }
            Some((
                AdequacyGap::Scope(_),
                AdequacyScope::CommercialOnly | AdequacyScope::PrivateSector,
            )) => Some(format!(
                "if `{name}` is a private company, declare `sector commercial` in its service"
            )),
            _ => None,
        };
        let mut text = match (would_cover, same_pair) {
            (Some((id, _)), Some((same, _))) if id == same => format!(
                "add `{name}` to the `recipient` list of the declared `{}`, once the agreement behind it covers `{name}` too",
                head(*id)
            ),
            (Some((id, _)), _) => format!(
                "if the agreement behind the declared `{}` covers `{name}` too, add `{name}` to that transfer's `recipient` list; if not, declare {}",
                head(*id),
                declaration(to)
            ),
            (None, Some((id, TransferGap::OtherRecipients { .. }))) => format!(
                "add `recipient {name}` and a mechanism that covers it (e.g. `{scc}`) to the declared `{}`",
                head(*id)
            ),
            (None, Some((id, _))) => format!(
                "add a mechanism that covers `{name}` to the declared `{}`, e.g. standard contractual clauses `{scc}`",
                head(*id)
            ),
            (None, None) if alternative.is_none() => {
                plain.push(to);
                continue;
            }
            (None, None) => format!(
                "declare the basis, e.g. standard contractual clauses: {}",
                declaration(to)
            ),
        };
        if let Some(alternative) = alternative {
            text.push_str("; or, ");
            text.push_str(&alternative);
        }
        parts.push(text);
    }
    match plain.as_slice() {
        [] => {}
        [to] => parts.insert(0, format!("declare the basis, e.g. standard contractual clauses: {}", declaration(*to))),
        [first, ..] => parts.insert(
            0,
            format!(
                "declare a basis for each of {}, e.g. standard contractual clauses: {} and likewise for the others",
                join_and(plain.iter().map(|c| format!("`{c}`")).collect()),
                declaration(*first)
            ),
        ),
    }
    let example = unfounded
        .classes
        .first()
        .map_or("...", |s| model.class(s.class()).name.as_str());
    parts.push(match leg {
        Leg::Direct => format!(
            "or keep the data in the EEA (place `{name}` in an EEA region), or stop sending it (`carries {example} redacted`)"
        ),
        Leg::Onward => format!("or stop passing it on (`carries {example} redacted`)"),
    });
    parts.join("; ")
}

/// The notes common to both rules: adequacy per destination, and pseudonymised classes.
pub fn notes(
    cx: &Context<'_>,
    unfounded: &Unfounded<'_>,
    mut diagnostic: Diagnostic,
) -> Diagnostic {
    let model = cx.model;
    let recipient = model.service(model.flow(unfounded.flow).target);
    let undecided: Vec<CountryCode> = unfounded
        .destinations
        .iter()
        .filter(|d| d.adequacy.is_none())
        .map(|d| d.country)
        .collect();
    if !undecided.is_empty() {
        diagnostic = diagnostic.with_note(format!(
            "there is no adequacy decision for {} (Art. 45)",
            country_list(cx.reference, undecided)
        ));
    }
    for destination in unfounded
        .destinations
        .iter()
        .filter(|d| d.adequacy.is_some())
    {
        diagnostic = diagnostic.with_note(adequacy_note(cx, destination, recipient));
    }
    let pseudonymised: Vec<String> = unfounded
        .classes
        .iter()
        .filter(|s| s.is_pseudonymised())
        .map(|s| {
            format!(
                "`{}` travels {}",
                model.class(s.class()).name,
                transform_text(&s.carried.transform)
            )
        })
        .collect();
    if !pseudonymised.is_empty() {
        diagnostic = diagnostic.with_note(format!(
            "pseudonymised data is still personal data (Recital 26): {}, which does not take it out of Chapter V",
            join_and(pseudonymised)
        ));
    }
    diagnostic
}

/// `hashed`, `tokenized`, `masked with partial_email`.
fn transform_text(transform: &Transform) -> String {
    match transform {
        Transform::Hashed => "hashed".to_string(),
        Transform::Tokenized => "tokenized".to_string(),
        Transform::Masked(spec) => format!("masked with `{}`", spec.strategy.name()),
        Transform::None => "as is".to_string(),
        Transform::Redacted => "redacted".to_string(),
        Transform::Anonymized { .. } => "anonymised".to_string(),
    }
}
