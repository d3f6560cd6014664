//! The resolved, typed policy: what every later stage (graph, checks, backends) works on.
//!
//! INVARIANT: no strings are left to look up. Every reference is an index newtype into one of
//! the `Model` vectors, and every vector is sorted by name (ports by service then name, flows by
//! source, target and port) before ids are assigned, so ids, and everything emitted from them,
//! do not depend on declaration order or file order.

pub mod codes;
pub mod resolve;
pub mod values;

use std::fmt;

use ipnet::IpNet;
use ward_lang::Span;
pub use ward_lang::ast::{DataKind, Engine, FirewallMode, Protocol, SeverityLevel, Transport};

use crate::date::Date;
use crate::reference::{CountryCode, Provider};

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

id_type! {
    /// Index into [`Model::services`].
    ServiceId,
    /// Index into [`Model::ports`].
    PortId,
    /// Index into [`Model::classes`].
    ClassId,
    /// Index into [`Model::purposes`].
    PurposeId,
    /// Index into [`Model::stores`].
    StoreId,
    /// Index into [`Model::flows`].
    FlowId,
    /// Index into [`Model::sites`].
    SiteId,
    /// Index into [`Model::transfers`].
    TransferId,
    /// Index into [`Model::waivers`].
    WaiverId,
}

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// The whole resolved policy.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub controller: Option<Controller>,
    /// SPIFFE trust domain for mTLS identities (`spiffe://<trust_domain>/service/<name>`).
    pub trust_domain: Option<Spanned<String>>,
    /// How much of a host ward owns unless a service says otherwise. Default: [`FirewallMode::Ports`].
    pub firewall_default: FirewallMode,
    /// `severity <rule> <level>` as written; the checks validate rule names against the registry.
    pub severity_overrides: Vec<SeverityOverride>,
    pub purposes: Vec<Purpose>,
    pub classes: Vec<DataClass>,
    pub sites: Vec<Site>,
    pub services: Vec<Service>,
    pub ports: Vec<Port>,
    pub stores: Vec<Store>,
    pub flows: Vec<Flow>,
    pub transfers: Vec<Transfer>,
    pub waivers: Vec<Waiver>,
}

impl Model {
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }
    pub fn port(&self, id: PortId) -> &Port {
        &self.ports[id.index()]
    }
    pub fn class(&self, id: ClassId) -> &DataClass {
        &self.classes[id.index()]
    }
    pub fn purpose(&self, id: PurposeId) -> &Purpose {
        &self.purposes[id.index()]
    }
    pub fn store(&self, id: StoreId) -> &Store {
        &self.stores[id.index()]
    }
    pub fn flow(&self, id: FlowId) -> &Flow {
        &self.flows[id.index()]
    }
    pub fn site(&self, id: SiteId) -> &Site {
        &self.sites[id.index()]
    }
    pub fn transfer(&self, id: TransferId) -> &Transfer {
        &self.transfers[id.index()]
    }

    pub fn service_ids(&self) -> impl Iterator<Item = ServiceId> + '_ {
        (0..self.services.len()).map(|i| ServiceId(i as u32))
    }
    pub fn port_ids(&self) -> impl Iterator<Item = PortId> + '_ {
        (0..self.ports.len()).map(|i| PortId(i as u32))
    }
    pub fn class_ids(&self) -> impl Iterator<Item = ClassId> + '_ {
        (0..self.classes.len()).map(|i| ClassId(i as u32))
    }
    pub fn flow_ids(&self) -> impl Iterator<Item = FlowId> + '_ {
        (0..self.flows.len()).map(|i| FlowId(i as u32))
    }
    pub fn store_ids(&self) -> impl Iterator<Item = StoreId> + '_ {
        (0..self.stores.len()).map(|i| StoreId(i as u32))
    }
    pub fn transfer_ids(&self) -> impl Iterator<Item = TransferId> + '_ {
        (0..self.transfers.len()).map(|i| TransferId(i as u32))
    }

    /// `service.port`, as written in flows and waivers.
    pub fn port_path(&self, id: PortId) -> String {
        let port = self.port(id);
        format!("{}.{}", self.service(port.service).name, port.name)
    }

    /// `source -> target.port`, as written in flows and waivers.
    pub fn flow_path(&self, id: FlowId) -> String {
        let flow = self.flow(id);
        format!(
            "{} -> {}",
            self.service(flow.source).name,
            self.port_path(flow.port)
        )
    }
}

/// `controller "Shop GmbH" { dpo "..." }`: the Art. 30(1)(a) identity of the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    pub name: Spanned<String>,
    pub dpo: Option<Spanned<String>>,
    pub contact: Option<Spanned<String>>,
    pub representative: Option<Spanned<String>>,
    pub address: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityOverride {
    pub rule: Spanned<String>,
    pub level: SeverityLevel,
    pub span: Span,
}

/// A declared purpose of processing (Art. 5(1)(b), Art. 30(1)(b)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    pub name: String,
    pub name_span: Span,
    /// Art. 6(1) lawful basis as written (`contract`, `consent`, ...); validated by the resolver.
    pub basis: Option<Spanned<LawfulBasis>>,
    pub description: Option<String>,
    pub span: Span,
}

/// Art. 6(1)(a)–(f).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LawfulBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests,
}

impl LawfulBasis {
    pub const ALL: [(LawfulBasis, &'static str, &'static str); 6] = [
        (LawfulBasis::Consent, "consent", "Art. 6(1)(a)"),
        (LawfulBasis::Contract, "contract", "Art. 6(1)(b)"),
        (
            LawfulBasis::LegalObligation,
            "legal_obligation",
            "Art. 6(1)(c)",
        ),
        (
            LawfulBasis::VitalInterests,
            "vital_interests",
            "Art. 6(1)(d)",
        ),
        (LawfulBasis::PublicTask, "public_task", "Art. 6(1)(e)"),
        (
            LawfulBasis::LegitimateInterests,
            "legitimate_interests",
            "Art. 6(1)(f)",
        ),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(b, _, _)| *b == self)
            .map_or("", |(_, n, _)| n)
    }

    pub fn article(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(b, _, _)| *b == self)
            .map_or("", |(_, _, a)| a)
    }
}

/// A data class: what kind of data, about whom, and how to mask it by default.
#[derive(Debug, Clone, PartialEq)]
pub struct DataClass {
    pub name: String,
    pub name_span: Span,
    pub kind: DataKind,
    pub kind_span: Span,
    /// Dotted taxonomy key such as `user.contact.email`.
    pub category: Option<Spanned<String>>,
    /// Categories of data subjects (Art. 30(1)(c)), sorted and deduplicated.
    pub subjects: Vec<Spanned<String>>,
    pub mask: Option<MaskSpec>,
    pub span: Span,
}

impl DataClass {
    /// Personal data in the sense of Art. 4(1): everything but `non_personal`.
    pub fn is_personal(&self) -> bool {
        self.kind != DataKind::NonPersonal
    }

    /// Art. 9 special category or Art. 10 criminal-offence data.
    pub fn is_sensitive(&self) -> bool {
        matches!(self.kind, DataKind::Special | DataKind::Criminal)
    }
}

/// A validated masking strategy with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskSpec {
    pub strategy: MaskStrategy,
    pub span: Span,
}

/// How a value is masked. Every strategy except `Redact`/`Nullify` leaves pseudonymised data,
/// which is still personal data (Recital 26).
#[derive(Debug, Clone, PartialEq)]
pub enum MaskStrategy {
    /// Replace the value with a fixed marker.
    Redact,
    /// Replace the value with NULL.
    Nullify,
    /// Keyed hash (HMAC-SHA-256) of the value; `salted = false` only with a documented reason.
    Hash,
    /// Replace with a random token kept in a vault (reversible by the vault holder).
    Tokenize,
    /// Keep `keep_first` leading and `keep_last` trailing characters, mask the rest.
    Partial {
        keep_first: u32,
        keep_last: u32,
        mask_char: char,
    },
    /// `j***@example.com`: first character of the local part and the domain.
    PartialEmail,
    /// Reduce precision: dates to `year`/`month`, numbers to a bucket `size`, locations to `region`.
    Generalize { to: String },
}

impl MaskStrategy {
    pub fn name(&self) -> &'static str {
        match self {
            MaskStrategy::Redact => "redact",
            MaskStrategy::Nullify => "nullify",
            MaskStrategy::Hash => "hash",
            MaskStrategy::Tokenize => "tokenize",
            MaskStrategy::Partial { .. } => "partial",
            MaskStrategy::PartialEmail => "partial_email",
            MaskStrategy::Generalize { .. } => "generalize",
        }
    }

    /// Whether the masked value no longer carries the original at all.
    pub fn removes_value(&self) -> bool {
        matches!(self, MaskStrategy::Redact | MaskStrategy::Nullify)
    }
}

/// `site frankfurt_dc country DE`: a user-declared location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    pub name_span: Span,
    pub country: Spanned<CountryCode>,
    pub description: Option<String>,
    pub span: Span,
}

/// Where a service runs, resolved to a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub kind: PlacementKind,
    /// Every country the location may put data in (several for a multi-region), sorted.
    pub countries: Vec<CountryCode>,
    /// Span of the location as written (`aws:eu-central-1` or the site name).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementKind {
    Region { provider: Provider, region: String },
    Site(SiteId),
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PlacementKind::Region { provider, region } => {
                write!(f, "{}:{}", provider.as_str(), region)
            }
            PlacementKind::Site(id) => write!(f, "site #{}", id.0),
        }
    }
}

/// A service: internal (ward writes its host firewall) or external (a third-party processor).
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    pub name_span: Span,
    pub external: bool,
    pub placement: Placement,
    pub hosts: Vec<Spanned<IpNet>>,
    /// Sorted by port name.
    pub ports: Vec<PortId>,
    /// Sorted by store name.
    pub stores: Vec<StoreId>,
    pub purposes: Vec<ServicePurpose>,
    /// The legal entity operating an external service (`operator "Stripe, Inc."`).
    pub operator: Option<Spanned<String>>,
    pub certifications: Vec<Spanned<Certification>>,
    pub sector: Spanned<Sector>,
    /// The policy default unless the service sets `firewall`.
    pub firewall: FirewallMode,
    pub firewall_span: Option<Span>,
    pub management: Vec<Management>,
    pub span: Span,
}

impl Service {
    pub fn is_certified(&self, certification: Certification) -> bool {
        self.certifications.iter().any(|c| c.value == certification)
    }
}

/// Certifications of a recipient that matter to Chapter V.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Certification {
    /// Certified under the EU-US Data Privacy Framework (Decision (EU) 2023/1795).
    Dpf,
}

/// Whether a recipient is a commercial organisation (Canada's adequacy covers only PIPEDA,
/// i.e. commercial organisations; Japan's only the private sector) or a public body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sector {
    Commercial,
    Public,
    /// Not declared. A sector-limited adequacy decision does not cover such a recipient: ward
    /// fails closed rather than assume the recipient is in scope.
    Unspecified,
}

/// `purpose care, billing for diagnosis`: purposes for which a service processes data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePurpose {
    pub purposes: Vec<PurposeId>,
    /// Empty: the purposes cover every class the service processes.
    pub classes: Vec<ClassId>,
    pub span: Span,
}

/// `management 22/tcp from 198.18.250.0/24`: access kept open when ward owns the whole host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Management {
    pub ports: PortRange,
    pub protocol: Protocol,
    pub from: Vec<Spanned<IpNet>>,
    pub span: Span,
}

/// An inclusive port range; a single port has `first == last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// A named port of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub service: ServiceId,
    pub name: String,
    pub name_span: Span,
    pub range: PortRange,
    pub protocol: Protocol,
    pub transport: Transport,
    /// Where the transport was written; `None` when it defaulted to [`Transport::None`].
    pub transport_span: Option<Span>,
    pub span: Span,
}

/// A data store of a service, with its tables and their tagged fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub service: ServiceId,
    pub name: String,
    pub name_span: Span,
    pub engine: Option<Engine>,
    pub retention: Option<Spanned<Retention>>,
    /// Sorted by name. Fields written directly in a store form a table named after the store.
    pub tables: Vec<Table>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub name_span: Span,
    /// A table's own retention, overriding the store's.
    pub retention: Option<Spanned<Retention>>,
    /// In declaration order (the order of the columns).
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub class: ClassId,
    pub span: Span,
}

/// A retention period as written (`90d`, `6mo`, `7y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Retention {
    pub amount: u32,
    pub unit: RetentionUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RetentionUnit {
    Days,
    Weeks,
    Months,
    Years,
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, plural) = match self.unit {
            RetentionUnit::Days => ("day", "days"),
            RetentionUnit::Weeks => ("week", "weeks"),
            RetentionUnit::Months => ("month", "months"),
            RetentionUnit::Years => ("year", "years"),
        };
        write!(
            f,
            "{} {}",
            self.amount,
            if self.amount == 1 { unit } else { plural }
        )
    }
}

/// A flow of data from a service to a named port of another.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub source: ServiceId,
    pub target: ServiceId,
    pub port: PortId,
    /// Sorted by class id; each class at most once.
    pub carries: Vec<Carried>,
    pub purpose: Option<Spanned<PurposeId>>,
    /// The `source -> target.port` part of the declaration.
    pub head_span: Span,
    pub span: Span,
}

/// A data class on a flow and what is done to it on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Carried {
    pub class: ClassId,
    pub transform: Transform,
    pub transform_span: Option<Span>,
    pub span: Span,
}

/// What a flow does to a data class before it leaves the source.
#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    /// Sent as is.
    None,
    /// Keyed hash: pseudonymised, still personal data (Recital 26).
    Hashed,
    /// Replaced by a vault token: pseudonymised, still personal data (Recital 26).
    Tokenized,
    /// Removed before sending: the class no longer travels.
    Redacted,
    /// Masked with a strategy (the class default when none is written). Pseudonymised unless
    /// the strategy removes the value.
    Masked(MaskSpec),
    /// Declared anonymised by the policy, with the justification: no longer personal data.
    Anonymized { justification: String },
}

/// What reaches the target of a flow, as far as data protection is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Travels {
    /// The data itself.
    Plain,
    /// Pseudonymised data: still personal data (Recital 26).
    Pseudonymised,
    /// Anonymised data, as the policy declares: not personal data.
    Anonymised,
    /// Nothing: the class is removed on the way.
    Nothing,
}

impl Transform {
    pub fn travels(&self) -> Travels {
        match self {
            Transform::None => Travels::Plain,
            Transform::Hashed | Transform::Tokenized => Travels::Pseudonymised,
            Transform::Redacted => Travels::Nothing,
            Transform::Masked(spec) if spec.strategy.removes_value() => Travels::Nothing,
            Transform::Masked(_) => Travels::Pseudonymised,
            Transform::Anonymized { .. } => Travels::Anonymised,
        }
    }
}

/// A jurisdiction a transfer is declared between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Jurisdiction {
    /// The EU/EEA, where the GDPR applies (written `EU` or `EEA`).
    Eea,
    Country(CountryCode),
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Jurisdiction::Eea => f.write_str("EU/EEA"),
            Jurisdiction::Country(code) => write!(f, "{code}"),
        }
    }
}

/// `transfer EU -> US { mechanism dpf recipient analytics reference "..." }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub from: Spanned<Jurisdiction>,
    pub to: Spanned<Jurisdiction>,
    pub mechanisms: Vec<Spanned<Mechanism>>,
    /// Empty: the transfer covers every recipient in `to`.
    pub recipients: Vec<Spanned<ServiceId>>,
    pub reference: Option<Spanned<String>>,
    pub span: Span,
}

/// A Chapter V transfer mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mechanism {
    /// Art. 45 adequacy decision for the destination.
    Adequacy,
    /// Art. 45 via the EU-US Data Privacy Framework: the recipient is certified.
    Dpf,
    /// Art. 46(2)(c) standard contractual clauses (Decision (EU) 2021/914).
    Scc(Option<SccModule>),
    /// Art. 46(2)(b), Art. 47 binding corporate rules.
    Bcr,
    /// Art. 46(2)(e) approved code of conduct.
    CodeOfConduct,
    /// Art. 46(2)(f) approved certification mechanism.
    Certification,
    /// Art. 49(1) derogation for specific situations.
    Derogation(Derogation),
}

/// The four modules of the 2021 SCCs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SccModule {
    C2c,
    C2p,
    P2p,
    P2c,
}

/// Art. 49(1) grounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Derogation {
    /// (a) explicit consent.
    ExplicitConsent,
    /// (b) performance of a contract with the data subject.
    Contract,
    /// (c) contract concluded in the interest of the data subject.
    ContractInInterest,
    /// (d) important reasons of public interest.
    PublicInterest,
    /// (e) legal claims.
    LegalClaims,
    /// (f) vital interests.
    VitalInterests,
    /// (g) public register.
    PublicRegister,
    /// Art. 49(1) second subparagraph: compelling legitimate interests.
    CompellingLegitimateInterests,
}

/// `waive <rule> on <subject> until <date> { reason "..." owner "..." }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The rule's kebab-case name as written; the checks validate it against the registry.
    pub rule: Spanned<String>,
    pub subject: Spanned<Subject>,
    pub until: Spanned<Date>,
    pub reason: Option<Spanned<String>>,
    pub owner: Option<Spanned<String>>,
    pub span: Span,
}

/// What a finding concerns and a waiver names. Flows are named by their endpoints, so a waiver
/// for a flow that does not exist still resolves (and is reported as matching nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Flow {
        source: ServiceId,
        port: PortId,
    },
    Port(PortId),
    Store(StoreId),
    Service(ServiceId),
    Data(ClassId),
    Transfer {
        from: Jurisdiction,
        to: Jurisdiction,
    },
}

impl Subject {
    /// The canonical text of a subject, as used in fingerprints: `flow a -> b.p`, `port b.p`, ...
    pub fn describe(&self, model: &Model) -> String {
        match *self {
            Subject::Flow { source, port } => {
                format!(
                    "flow {} -> {}",
                    model.service(source).name,
                    model.port_path(port)
                )
            }
            Subject::Port(port) => format!("port {}", model.port_path(port)),
            Subject::Store(store) => {
                let store = model.store(store);
                format!("store {}.{}", model.service(store.service).name, store.name)
            }
            Subject::Service(service) => format!("service {}", model.service(service).name),
            Subject::Data(class) => format!("data {}", model.class(class).name),
            Subject::Transfer { from, to } => format!(
                "transfer {} -> {}",
                jurisdiction_code(from),
                jurisdiction_code(to)
            ),
        }
    }
}

/// A jurisdiction as written in policies (`EU`, `US`).
pub fn jurisdiction_code(j: Jurisdiction) -> String {
    match j {
        Jurisdiction::Eea => "EU".to_string(),
        Jurisdiction::Country(code) => code.to_string(),
    }
}
