//! The syntax tree: what the user wrote, with a span on every node.
//!
//! The tree is deliberately unresolved: names are [`Ident`]s, values are kept as written
//! (addresses, dates and durations as text with spans) so that the compiler's resolver can give
//! precise value diagnostics. Items keep declaration order; the resolver sorts what it needs.

use crate::span::Span;

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// A string literal after unescaping, with the span of the literal (quotes included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// Raw text of a lexically valid but not yet validated value (address, date, duration, number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    pub text: String,
    pub span: Span,
}

/// One whole policy: the items of every file, in file order then declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Controller(Controller),
    TrustDomain(StrLit),
    FirewallDefault(FirewallModeLit),
    Severity(SeverityDecl),
    Purpose(PurposeDecl),
    Data(DataDecl),
    Site(SiteDecl),
    Service(ServiceDecl),
    Flow(FlowDecl),
    Transfer(TransferDecl),
    /// Boxed, as the largest and rarest item: every item of the list is as large as the
    /// largest one, and a large policy holds hundreds of thousands of flows.
    Waiver(Box<WaiverDecl>),
}

/// `controller "Shop GmbH" { dpo "dpo@shop.example" contact "..." }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    pub name: StrLit,
    pub contacts: Vec<Contact>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContactKind {
    Dpo,
    Contact,
    Representative,
    Address,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub kind: ContactKind,
    pub kind_span: Span,
    pub value: StrLit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeverityLevel {
    Error,
    Warning,
    Off,
}

/// `severity unused-port warning`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityDecl {
    pub rule: Ident,
    pub level: SeverityLevel,
    pub level_span: Span,
    pub span: Span,
}

/// `purpose order_fulfilment basis contract "Fulfil and ship orders"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurposeDecl {
    pub name: Ident,
    /// Art. 6(1) lawful basis, e.g. `contract`, `consent`, `legal_obligation`.
    pub basis: Option<Ident>,
    pub description: Option<StrLit>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataKind {
    Personal,
    /// Art. 9 special category.
    Special,
    /// Art. 10 criminal-offence data.
    Criminal,
    NonPersonal,
}

/// `data email personal category user.contact.email subjects customers mask partial_email`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDecl {
    pub name: Ident,
    pub kind: DataKind,
    pub kind_span: Span,
    /// Dotted taxonomy key, e.g. `user.contact.email`.
    pub category: Option<Ident>,
    pub subjects: Vec<Ident>,
    pub mask: Option<MaskStrategy>,
    pub span: Span,
}

/// `partial(keep_last = 4)`: a strategy name with optional arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskStrategy {
    pub name: Ident,
    pub args: Vec<MaskArg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskArg {
    pub name: Ident,
    pub value: MaskValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskValue {
    Number(Raw),
    Str(StrLit),
    Ident(Ident),
}

/// `site frankfurt_dc country DE "Equinix FR5"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDecl {
    pub name: Ident,
    pub country: Ident,
    pub description: Option<StrLit>,
    pub span: Span,
}

/// Where a service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `aws:eu-central-1`: provider and region, each with its own span.
    Region {
        provider: Ident,
        region: Ident,
        span: Span,
    },
    /// A user-declared `site`.
    Site(Ident),
}

impl Location {
    pub fn span(&self) -> Span {
        match self {
            Location::Region { span, .. } => *span,
            Location::Site(ident) => ident.span,
        }
    }
}

/// `service checkout in aws:eu-central-1 { ... }` or `external service stripe in ... { ... }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDecl {
    pub external: bool,
    pub name: Ident,
    pub location: Location,
    pub items: Vec<ServiceItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceItem {
    Hosts(Vec<Raw>),
    Port(PortDecl),
    Store(StoreDecl),
    Purpose(ServicePurpose),
    /// `operator "Stripe, Inc."`: the legal entity running an external service.
    Operator(StrLit),
    /// `certified dpf`
    Certified(Ident),
    /// `sector commercial`
    Sector(Ident),
    Firewall(FirewallModeLit),
    Management(ManagementDecl),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    None,
    Tls,
    Mtls,
}

impl Protocol {
    /// The keyword as written in policies and nftables (`tcp`, `udp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

impl Transport {
    /// The keyword as written in policies (`none`, `tls`, `mtls`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::None => "none",
            Transport::Tls => "tls",
            Transport::Mtls => "mtls",
        }
    }
}

/// `8443` or `9000-9010`, numbers unvalidated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRange {
    pub start: Raw,
    pub end: Option<Raw>,
    pub span: Span,
}

/// `port api 8443/tcp mtls`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortDecl {
    pub name: Ident,
    pub range: PortRange,
    pub protocol: Protocol,
    /// `None` when the transport was not written (it then defaults to no transport security).
    pub transport: Option<(Transport, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    Postgres,
    Mysql,
    Mongodb,
    S3,
    Redis,
    Elasticsearch,
    Kafka,
    Other,
}

/// `store orders_db postgres retain 90d { table customers { email: email } }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDecl {
    pub name: Ident,
    pub engine: Option<(Engine, Span)>,
    /// Every `retain` written (before or after the body); more than one is a diagnostic.
    pub retain: Vec<Raw>,
    pub tables: Vec<TableDecl>,
    /// Fields written directly in the store body (a store without tables).
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDecl {
    pub name: Ident,
    pub retain: Vec<Raw>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

/// `email: email` (field name, data class)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDecl {
    pub name: Ident,
    pub class: Ident,
    pub span: Span,
}

/// `purpose care, billing for diagnosis, prescription`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePurpose {
    pub purposes: Vec<Ident>,
    /// Empty: the purposes cover every data class the service receives or stores.
    pub classes: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FirewallMode {
    /// ward owns only the ports the service declares; other traffic passes to other rules.
    #[default]
    Ports,
    /// ward owns the whole host: default drop, plus declared management access.
    Host,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallModeLit {
    pub mode: FirewallMode,
    pub span: Span,
}

/// `management 22/tcp from 198.18.250.0/24`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagementDecl {
    pub range: PortRange,
    pub protocol: Protocol,
    pub from: Vec<Raw>,
    pub span: Span,
}

/// `flow checkout -> analytics.ingest { carries email hashed  purpose analytics }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowDecl {
    pub source: Ident,
    pub target: Ident,
    pub port: Ident,
    pub carries: Vec<Carried>,
    pub purpose: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    pub class: Ident,
    pub transform: Option<Transform>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformKind {
    Hashed,
    Tokenized,
    Redacted,
    /// `masked` or `masked with partial(keep_last = 4)`; without a strategy the class default.
    /// Boxed (as is `Anonymized`), so that the common transformations keep every carried
    /// class small.
    Masked(Option<Box<MaskStrategy>>),
    /// `anonymized "k-anonymity k=20, DPIA-7"`: the policy declares the result non-personal.
    Anonymized(Box<StrLit>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    pub kind: TransformKind,
    pub span: Span,
}

/// `transfer EU -> US { mechanism dpf recipient analytics reference "..." }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferDecl {
    pub from: Ident,
    pub to: Ident,
    pub mechanisms: Vec<Mechanism>,
    pub recipients: Vec<Ident>,
    pub references: Vec<StrLit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MechanismKind {
    /// `scc` with an optional `module c2p`.
    Scc(Option<Ident>),
    /// `derogation explicit_consent` (Art. 49(1)).
    Derogation(Ident),
    /// `adequacy`, `dpf`, `bcr`, `code_of_conduct`, `certification`, ... validated later.
    Named(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mechanism {
    pub kind: MechanismKind,
    pub span: Span,
}

/// `waive unencrypted-personal-data on flow legacy -> crm.sync until 2027-03-31 { ... }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverDecl {
    pub rule: Ident,
    pub subject: Subject,
    pub until: Raw,
    pub reasons: Vec<StrLit>,
    pub owners: Vec<StrLit>,
    pub span: Span,
}

/// What a waiver (and a finding's fingerprint) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Flow {
        source: Ident,
        target: Ident,
        port: Ident,
        span: Span,
    },
    Port {
        service: Ident,
        port: Ident,
        span: Span,
    },
    Store {
        service: Ident,
        store: Ident,
        span: Span,
    },
    Service(Ident),
    Data(Ident),
    Transfer {
        from: Ident,
        to: Ident,
        span: Span,
    },
}

impl Subject {
    pub fn span(&self) -> Span {
        match self {
            Subject::Flow { span, .. }
            | Subject::Port { span, .. }
            | Subject::Store { span, .. }
            | Subject::Transfer { span, .. } => *span,
            Subject::Service(ident) | Subject::Data(ident) => ident.span,
        }
    }
}
