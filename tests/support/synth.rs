//! Synthetic ward policies: a deterministic generator of large, realistic policies for the
//! benchmarks (`benches/pipeline.rs`), scale tests and the `cargo synth` command.
//!
//! [`generate`] turns a [`SynthSpec`] into policy files. The same spec always gives the same
//! bytes (an own xorshift PRNG seeded from [`SynthSpec::seed`]; no hashing order, clock or
//! environment is involved). What a generated policy contains:
//!
//! * settings: `controller` with contacts, `trust_domain`, `firewall_default`, one `severity`;
//!   eight purposes with their lawful bases; two on-premises `site`s (DE, CH);
//! * `classes` data classes in a fixed mix of 60% `personal`, 10% `special`, 5% `criminal` and
//!   25% `non_personal` (exact for multiples of 20), with categories, subjects and default
//!   masks (`partial_email`, `partial(...)`, `hash`, `tokenize`, `generalize(...)`, `redact`,
//!   `nullify`);
//! * `services` services, a few of them external processors (`operator`, `certified dpf`),
//!   placed about 80% in EU/EEA regions of AWS, GCP and Azure (and the DE site) and the rest in
//!   the US, GB, CH, CA, JP and SG, plus 0.5% in BR and IN, for which no transfer exists: the
//!   deliberate Chapter V violations. Transfers `EU -> US|GB|CH|CA|JP|SG` cover everything
//!   else, and services outside the EEA only send to the EEA or within their own country, so
//!   almost every flow is compliant;
//! * each service has 1 to 4 ports (TCP mostly, some UDP, some ranges, `mtls`/`tls`/`none` and
//!   an implicit transport), 1 or 2 purposes, about a third have stores with tables, fields and
//!   retention, and 5% own their whole host (`firewall host` with `management` access);
//! * hosts never overlap: every internal service gets its own IPv4 network in 198.18.0.0/15 (a
//!   `/29` while there are at most 16,384 internal services, a `/32` up to 131,072, none
//!   beyond) and an IPv6 `fd00:0:<hi>:<lo>::/64` (adjacent /64s, as consecutive subnets of a VPC
//!   would be, so firewall peer sets merge); external services get a `/32` in 203.0.113.0/24;
//! * `flows` flows, all with distinct `source -> target.port` (the resolver rejects duplicates),
//!   70% within the source's team, 3% to external services; each carries 1 to 4 distinct
//!   classes, transformed now and then (`hashed`, `tokenized`, `masked`, `masked with`,
//!   `redacted`, `anonymized`), and names a purpose of the target when it carries personal data.
//!   Special-category and criminal data go only to `mtls` ports, and every service that gets
//!   them unmasked (or stores them) has a purpose naming them (`purpose p for diagnosis`).
//!   Plaintext ports carry only non-personal data, except about 1 flow in 1,000 of them: the
//!   deliberate `unencrypted-personal-data` violations;
//! * a handful of waivers (`waive ... until ...`): up to three of the unencrypted flows, one
//!   flow to Brazil, one unused `metrics` port.
//!
//! With the checks of late 2026 the findings are therefore few and intended: a few
//! `transfer-without-basis` (BR, IN), the unwaived `unencrypted-personal-data` flows, and
//! `unused-port` warnings.
//!
//! The policy is split over [`SynthSpec::files`] files like a repository with one file per team:
//! `policy.ward` holds the shared declarations (settings, purposes, data, sites, external
//! services, transfers, waivers) and `team-NNN-<name>.ward` each team's services and the flows
//! they send. With `files == 1` everything is in `policy.ward`.
//!
//! Limits: the flow count is capped by the number of distinct `(source, target port)` pairs the
//! services offer (a tiny policy cannot hold a million flows); [`Synth::flows`] says how many were
//! generated. Every generated policy parses and resolves without errors (tested below).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthSpec {
    /// Number of services, external ones included.
    pub services: usize,
    /// Number of flows (capped by what the services can hold; see the module documentation).
    pub flows: usize,
    /// Number of data classes (at least one is generated).
    pub classes: usize,
    pub seed: u64,
    /// Number of files (at least 1, at most one per service plus `policy.ward`).
    pub files: usize,
}

impl SynthSpec {
    /// A spec with 50 classes, seed 1 and one file per 1,000 services (plus `policy.ward`).
    pub fn new(services: usize, flows: usize) -> SynthSpec {
        SynthSpec {
            services,
            flows,
            classes: 50,
            seed: 1,
            files: default_files(services),
        }
    }
}

/// One team file per 1,000 services, plus `policy.ward`.
pub fn default_files(services: usize) -> usize {
    1 + services.div_ceil(SERVICES_PER_TEAM)
}

/// Services per team file in [`default_files`].
pub const SERVICES_PER_TEAM: usize = 1000;

/// A generated policy: its files and what it contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synth {
    /// `(file name, text)`, `policy.ward` first.
    pub files: Vec<(String, String)>,
    pub services: usize,
    pub external_services: usize,
    pub flows: usize,
    pub classes: usize,
    /// Flows that carry personal data in plain text over a port without transport security.
    pub unencrypted_flows: usize,
    /// Services in a country no transfer covers (BR, IN).
    pub uncovered_services: usize,
    pub waivers: usize,
}

impl Synth {
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|(_, text)| text.len()).sum()
    }
}

/// The files of a policy for `spec`: `(file name, text)`, `policy.ward` first.
pub fn generate(spec: SynthSpec) -> Vec<(String, String)> {
    synthesize(spec).files
}

/// Like [`generate`], with counts of what was generated.
pub fn synthesize(spec: SynthSpec) -> Synth {
    let mut rng = Rng::new(spec.seed);
    let classes = make_classes(spec.classes.max(1));
    let teams = team_count(spec);
    let external_count = external_count(spec.services);
    let internal_count = spec.services - external_count;
    let mut services = make_services(&mut rng, internal_count, external_count, teams, &classes);
    let flows = make_flows(&mut rng, spec.flows, &services, teams, &classes);
    cover_sensitive_data(&mut services, &flows, &classes);
    let waivers = make_waivers(&services, &flows, &classes);
    let files = render(
        &services,
        &flows,
        &classes,
        &waivers,
        teams,
        spec.files <= 1,
    );
    Synth {
        files,
        services: services.len(),
        external_services: external_count,
        flows: flows.len(),
        classes: classes.len(),
        unencrypted_flows: flows.iter().filter(|f| f.violation).count(),
        uncovered_services: services
            .iter()
            .filter(|s| s.region.zone == Zone::Uncovered)
            .count(),
        waivers: waivers.len(),
    }
}

// ---------------------------------------------------------------------------------------------
// Random numbers

/// xorshift64* seeded through splitmix64: small, fast and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }

    /// An index into `weights`, each picked with probability proportional to its weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len().saturating_sub(1)
    }
}

// ---------------------------------------------------------------------------------------------
// Data classes

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Personal,
    Special,
    Criminal,
    NonPersonal,
}

impl Kind {
    fn keyword(self) -> &'static str {
        match self {
            Kind::Personal => "personal",
            Kind::Special => "special",
            Kind::Criminal => "criminal",
            Kind::NonPersonal => "non_personal",
        }
    }

    fn is_personal(self) -> bool {
        self != Kind::NonPersonal
    }

    /// Art. 9 special category or Art. 10 criminal-offence data.
    fn is_sensitive(self) -> bool {
        matches!(self, Kind::Special | Kind::Criminal)
    }
}

/// Name, category, subjects and default mask of the classes of one kind; names repeat with a
/// numeric suffix when more classes are asked for.
type ClassTemplate = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const PERSONAL: &[ClassTemplate] = &[
    (
        "email",
        "user.contact.email",
        "customers",
        Some("partial_email"),
    ),
    (
        "phone_number",
        "user.contact.phone",
        "customers",
        Some("partial(keep_last = 4)"),
    ),
    (
        "full_name",
        "user.name",
        "customers, employees",
        Some("partial(keep_first = 1)"),
    ),
    (
        "postal_address",
        "user.contact.address",
        "customers",
        Some("redact"),
    ),
    (
        "date_of_birth",
        "user.demographic.date_of_birth",
        "customers",
        Some("generalize(to = year)"),
    ),
    (
        "iban",
        "user.financial.bank_account",
        "customers",
        Some("partial(keep_last = 4, mask_char = \"*\")"),
    ),
    (
        "ip_address",
        "user.device.ip_address",
        "customers, visitors",
        Some("hash"),
    ),
    (
        "device_id",
        "user.device.id",
        "customers, visitors",
        Some("tokenize"),
    ),
    (
        "customer_id",
        "user.account.id",
        "customers",
        Some("tokenize"),
    ),
    ("order_history", "user.behavior.purchase", "customers", None),
    (
        "employee_id",
        "user.employment.id",
        "employees",
        Some("hash"),
    ),
    (
        "salary",
        "user.financial.salary",
        "employees",
        Some("redact"),
    ),
    (
        "passport_number",
        "user.government_id.passport",
        "customers",
        Some("nullify"),
    ),
    (
        "username",
        "user.account.username",
        "customers",
        Some("partial(keep_first = 2)"),
    ),
    (
        "card_number",
        "user.financial.card",
        "customers",
        Some("partial(keep_first = 6, keep_last = 4)"),
    ),
    (
        "location_trace",
        "user.location.precise",
        "customers",
        Some("redact"),
    ),
];

const SPECIAL: &[ClassTemplate] = &[
    ("health_record", "user.health", "patients", Some("redact")),
    (
        "diagnosis",
        "user.health.diagnosis",
        "patients",
        Some("redact"),
    ),
    (
        "biometric_template",
        "user.biometric",
        "employees",
        Some("nullify"),
    ),
    (
        "ethnic_origin",
        "user.demographic.ethnic_origin",
        "customers",
        Some("redact"),
    ),
    (
        "religious_belief",
        "user.demographic.religion",
        "customers",
        Some("redact"),
    ),
    (
        "trade_union_membership",
        "user.employment.union",
        "employees",
        Some("redact"),
    ),
    (
        "genetic_profile",
        "user.health.genetic",
        "patients",
        Some("nullify"),
    ),
    (
        "sexual_orientation",
        "user.demographic.sexual_orientation",
        "customers",
        Some("redact"),
    ),
];

const CRIMINAL: &[ClassTemplate] = &[
    (
        "criminal_record",
        "user.criminal.record",
        "employees",
        Some("redact"),
    ),
    (
        "offence_history",
        "user.criminal.offences",
        "customers",
        Some("redact"),
    ),
    (
        "background_check",
        "user.criminal.background_check",
        "employees",
        Some("nullify"),
    ),
];

const NON_PERSONAL: &[ClassTemplate] = &[
    ("product_sku", "business.catalog.sku", "", None),
    ("price_list", "business.catalog.price", "", None),
    ("inventory_level", "business.stock.level", "", None),
    ("exchange_rate", "business.finance.rate", "", None),
    ("page_view_count", "system.telemetry.aggregate", "", None),
    ("build_version", "system.release.version", "", None),
    ("error_rate", "system.telemetry.errors", "", None),
    ("warehouse_code", "business.logistics.site", "", None),
];

/// The kind of class `i`: 12 personal, 2 special, 1 criminal and 5 non-personal in every 20,
/// interleaved so that a handful of classes already has every kind.
const KIND_CYCLE: [Kind; 20] = {
    use Kind::{Criminal as C, NonPersonal as N, Personal as P, Special as S};
    [P, N, S, P, C, P, N, P, P, S, N, P, P, N, P, P, P, N, P, P]
};

#[derive(Debug, Clone)]
struct Class {
    name: String,
    kind: Kind,
    category: &'static str,
    subjects: &'static str,
    mask: Option<&'static str>,
}

fn make_classes(count: usize) -> Vec<Class> {
    let mut seen = [0usize; 4];
    (0..count)
        .map(|i| {
            let kind = KIND_CYCLE[i % KIND_CYCLE.len()];
            let (slot, templates) = match kind {
                Kind::Personal => (0, PERSONAL),
                Kind::Special => (1, SPECIAL),
                Kind::Criminal => (2, CRIMINAL),
                Kind::NonPersonal => (3, NON_PERSONAL),
            };
            let n = seen[slot];
            seen[slot] += 1;
            let (base, category, subjects, mask) = templates[n % templates.len()];
            let round = n / templates.len();
            let name = if round == 0 {
                base.to_string()
            } else {
                format!("{base}_{}", round + 1)
            };
            Class {
                name,
                kind,
                category,
                subjects,
                mask,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Locations

/// Where a location is, as far as Chapter V is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// The EU/EEA.
    Eea,
    /// A third country a `transfer EU -> XX` of the policy covers.
    Covered,
    /// A third country no transfer covers: flows of personal data there are violations.
    Uncovered,
}

#[derive(Debug, Clone, Copy)]
struct Region {
    /// As written after `in`: `aws:eu-central-1` or a site name.
    location: &'static str,
    country: &'static str,
    zone: Zone,
    /// Per mille of internal services placed here.
    weight: u32,
}

const fn region(location: &'static str, country: &'static str, zone: Zone, weight: u32) -> Region {
    Region {
        location,
        country,
        zone,
        weight,
    }
}

/// Internal service placement: 80% EU/EEA, 19.5% covered third countries, 0.5% uncovered.
const REGIONS: &[Region] = &[
    region("aws:eu-central-1", "DE", Zone::Eea, 140),
    region("aws:eu-west-1", "IE", Zone::Eea, 110),
    region("aws:eu-west-3", "FR", Zone::Eea, 50),
    region("aws:eu-north-1", "SE", Zone::Eea, 40),
    region("aws:eu-south-1", "IT", Zone::Eea, 25),
    region("aws:eu-south-2", "ES", Zone::Eea, 25),
    region("gcp:europe-west1", "BE", Zone::Eea, 50),
    region("gcp:europe-west3", "DE", Zone::Eea, 50),
    region("gcp:europe-west4", "NL", Zone::Eea, 45),
    region("gcp:europe-central2", "PL", Zone::Eea, 25),
    region("gcp:europe-north1", "FI", Zone::Eea, 20),
    region("azure:westeurope", "NL", Zone::Eea, 60),
    region("azure:northeurope", "IE", Zone::Eea, 40),
    region("azure:germanywestcentral", "DE", Zone::Eea, 30),
    region("azure:francecentral", "FR", Zone::Eea, 20),
    region("azure:norwayeast", "NO", Zone::Eea, 10),
    region("azure:austriaeast", "AT", Zone::Eea, 10),
    region("fra_dc", "DE", Zone::Eea, 50),
    region("aws:us-east-1", "US", Zone::Covered, 30),
    region("aws:us-west-2", "US", Zone::Covered, 15),
    region("gcp:us-central1", "US", Zone::Covered, 15),
    region("azure:eastus", "US", Zone::Covered, 10),
    region("aws:eu-west-2", "GB", Zone::Covered, 20),
    region("gcp:europe-west2", "GB", Zone::Covered, 10),
    region("azure:uksouth", "GB", Zone::Covered, 10),
    region("aws:eu-central-2", "CH", Zone::Covered, 10),
    region("gcp:europe-west6", "CH", Zone::Covered, 5),
    region("azure:switzerlandnorth", "CH", Zone::Covered, 5),
    region("zrh_dc", "CH", Zone::Covered, 10),
    region("aws:ca-central-1", "CA", Zone::Covered, 10),
    region("azure:canadacentral", "CA", Zone::Covered, 10),
    region("aws:ap-northeast-1", "JP", Zone::Covered, 10),
    region("gcp:asia-northeast1", "JP", Zone::Covered, 10),
    region("aws:ap-southeast-1", "SG", Zone::Covered, 10),
    region("azure:southeastasia", "SG", Zone::Covered, 5),
    region("aws:sa-east-1", "BR", Zone::Uncovered, 3),
    region("aws:ap-south-1", "IN", Zone::Uncovered, 2),
];

/// `(site name, country, description)`; the sites [`REGIONS`] uses.
const SITES: &[(&str, &str, &str)] = &[
    ("fra_dc", "DE", "Colocation Frankfurt, cage 4"),
    ("zrh_dc", "CH", "Colocation Zurich, rack row B"),
];

/// `(to, mechanisms, reference)`: the transfers out of the EEA the policy declares.
const TRANSFERS: &[(&str, &[&str], &str)] = &[
    (
        "US",
        &["dpf", "scc module c2p"],
        "DPA-2024-017 and cloud SCCs, TIA-2024-03",
    ),
    ("GB", &["adequacy"], "Implementing Decision (EU) 2021/1772"),
    ("CH", &["adequacy"], "Commission Decision 2000/518/EC"),
    (
        "CA",
        &["adequacy"],
        "Commission Decision 2002/2/EC (PIPEDA recipients)",
    ),
    ("JP", &["adequacy"], "Implementing Decision (EU) 2019/419"),
    (
        "SG",
        &["scc module c2p"],
        "Cloud DPA with SCCs, TIA-2025-11",
    ),
];

// ---------------------------------------------------------------------------------------------
// Services

/// `(name, port range, protocol, transport as written)`; names and numbers are distinct, so any
/// subset is a valid set of ports for one service.
type PortTemplate = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

/// The main port of a service: one of these.
const MAIN_PORTS: &[PortTemplate] = &[
    ("api", "8443", "tcp", Some("mtls")),
    ("grpc", "50051", "tcp", Some("mtls")),
    ("https", "443", "tcp", Some("tls")),
];
const MAIN_PORT_WEIGHTS: &[u32] = &[50, 25, 25];

/// Further ports (0 to 3 of them).
const EXTRA_PORTS: &[PortTemplate] = &[
    ("metrics", "9100", "tcp", None),
    ("events", "9092", "tcp", Some("tls")),
    ("ingest", "9000-9010", "tcp", Some("tls")),
    ("db", "5432", "tcp", Some("tls")),
    ("admin", "8081", "tcp", Some("none")),
    ("syslog", "514", "udp", Some("none")),
    ("statsd", "8125", "udp", None),
    ("media", "20000-20100", "udp", Some("none")),
];
const EXTRA_PORT_WEIGHTS: &[u32] = &[30, 15, 8, 10, 8, 10, 12, 7];

#[derive(Debug, Clone, Copy)]
struct Port {
    template: PortTemplate,
}

impl Port {
    fn name(self) -> &'static str {
        self.template.0
    }
}

const TEAMS: &[&str] = &[
    "checkout",
    "payments",
    "identity",
    "catalog",
    "search",
    "shipping",
    "warehouse",
    "support",
    "marketing",
    "analytics",
    "billing",
    "accounts",
    "notifications",
    "fraud",
    "pricing",
    "reviews",
    "loyalty",
    "hr",
    "finance",
    "security",
    "platform",
    "data",
    "mobile",
    "partners",
];

const COMPONENTS: &[&str] = &[
    "api",
    "worker",
    "gateway",
    "ledger",
    "indexer",
    "scheduler",
    "importer",
    "exporter",
    "cache",
    "frontend",
    "backend",
    "sync",
    "reporter",
    "auth",
    "router",
    "store",
    "stream",
    "batch",
];

/// `(purpose, lawful basis, description)`.
const PURPOSES: &[(&str, &str, &str)] = &[
    (
        "order_fulfilment",
        "contract",
        "Fulfil and ship customer orders",
    ),
    (
        "billing",
        "contract",
        "Invoice customers and collect payments",
    ),
    ("customer_support", "contract", "Answer customer requests"),
    (
        "fraud_prevention",
        "legitimate_interests",
        "Detect and prevent payment fraud",
    ),
    (
        "product_analytics",
        "consent",
        "Measure and improve how the product is used",
    ),
    (
        "marketing",
        "consent",
        "Send newsletters and personalised offers",
    ),
    (
        "security_monitoring",
        "legitimate_interests",
        "Detect attacks and abuse",
    ),
    (
        "tax_records",
        "legal_obligation",
        "Keep the accounting records tax law requires",
    ),
];

/// `(store name, engine, has tables)`.
const STORES: &[(&str, &str, bool)] = &[
    ("main_db", "postgres", true),
    ("legacy_db", "mysql", true),
    ("documents", "mongodb", false),
    ("cache", "redis", false),
    ("archive", "s3", false),
    ("search_index", "elasticsearch", false),
    ("event_log", "kafka", false),
];
const STORE_WEIGHTS: &[u32] = &[40, 8, 10, 15, 12, 8, 7];
const TABLES: &[&str] = &[
    "customers",
    "orders",
    "events",
    "profiles",
    "audit_log",
    "invoices",
];
const RETENTIONS: &[&str] = &["7d", "30d", "90d", "2w", "6mo", "1y", "7y"];

/// `(name, operator, location, country, certified dpf)`.
const EXTERNALS: &[(&str, &str, &str, &str, bool)] = &[
    (
        "payments",
        "Payments Processor, Inc.",
        "aws:us-east-1",
        "US",
        true,
    ),
    ("mailer", "Mail Delivery Ltd", "aws:eu-west-1", "IE", false),
    (
        "analytics",
        "Product Analytics, Inc.",
        "gcp:us-central1",
        "US",
        true,
    ),
    (
        "crm",
        "CRM Cloud GmbH",
        "azure:germanywestcentral",
        "DE",
        false,
    ),
    ("sms", "SMS Gateway Ltd", "aws:eu-west-2", "GB", false),
];

#[derive(Debug, Clone)]
struct Store {
    template: (&'static str, &'static str, bool),
    retain: &'static str,
    /// `(table name, own retention, field classes)`; one entry named after the store when the
    /// engine has no tables.
    tables: Vec<(&'static str, Option<&'static str>, Vec<usize>)>,
}

#[derive(Debug, Clone)]
struct Service {
    name: String,
    team: usize,
    external: Option<(&'static str, bool)>,
    region: Region,
    hosts: String,
    ports: Vec<Port>,
    purposes: Vec<usize>,
    /// A purpose limited to some classes: `purpose p for c1, c2`.
    limited_purpose: Option<(usize, Vec<usize>)>,
    stores: Vec<Store>,
    firewall_host: bool,
}

fn team_count(spec: SynthSpec) -> usize {
    if spec.files <= 1 {
        1
    } else {
        (spec.files - 1).min(spec.services.max(1))
    }
}

fn team_name(team: usize) -> String {
    let base = TEAMS[team % TEAMS.len()];
    let round = team / TEAMS.len();
    if round == 0 {
        base.to_string()
    } else {
        format!("{base}{}", round + 1)
    }
}

fn external_count(services: usize) -> usize {
    if services < 20 {
        0
    } else {
        ((services / 200).clamp(1, 5) + services / 5000).min(64)
    }
}

/// IPv4 networks available in 198.18.0.0/15.
const V4_ADDRESSES: usize = 1 << 17;

fn internal_hosts(index: usize, internal_count: usize) -> String {
    let v6 = format!(
        "fd00:0:{:x}:{:x}::/64",
        (index >> 16) & 0xffff,
        index & 0xffff
    );
    let base = u32::from(Ipv4Addr::new(198, 18, 0, 0));
    if internal_count <= V4_ADDRESSES / 8 {
        format!("{}/29, {v6}", Ipv4Addr::from(base + (index as u32) * 8))
    } else if internal_count <= V4_ADDRESSES {
        format!("{}/32, {v6}", Ipv4Addr::from(base + index as u32))
    } else {
        v6
    }
}

fn make_services(
    rng: &mut Rng,
    internal_count: usize,
    external_count: usize,
    teams: usize,
    classes: &[Class],
) -> Vec<Service> {
    let weights: Vec<u32> = REGIONS.iter().map(|r| r.weight).collect();
    let per_team = internal_count.div_ceil(teams.max(1)).max(1);
    let mut services = Vec::with_capacity(internal_count + external_count);
    for index in 0..internal_count {
        let team = index / per_team;
        let local = index % per_team;
        let component = COMPONENTS[rng.below(COMPONENTS.len())];
        let region = REGIONS[rng.weighted(&weights)];
        let purpose_count = 1 + rng.below(2);
        services.push(Service {
            name: format!("{}-{component}-{local}", team_name(team)),
            team,
            external: None,
            region,
            hosts: internal_hosts(index, internal_count),
            ports: make_ports(rng),
            purposes: pick_distinct(rng, PURPOSES.len(), purpose_count),
            limited_purpose: None,
            stores: Vec::new(),
            firewall_host: rng.chance(50),
        });
        let service = services.last_mut();
        if let Some(service) = service {
            if rng.chance(150) {
                let others: Vec<usize> = (0..PURPOSES.len())
                    .filter(|p| !service.purposes.contains(p))
                    .collect();
                let purpose = others[rng.below(others.len())];
                let count = 1 + rng.below(2);
                let limited = pick_distinct(rng, classes.len(), count);
                service.limited_purpose = Some((purpose, limited));
            }
            if rng.chance(350) {
                let template = STORES[rng.weighted(STORE_WEIGHTS)];
                service.stores.push(make_store(rng, template, classes));
                if rng.chance(150) {
                    service.stores.push(make_store(rng, STORES[3], classes));
                    service.stores.dedup_by_key(|s| s.template.0);
                }
            }
        }
    }
    for index in 0..external_count {
        let (kind, operator, location, country, dpf) = EXTERNALS[index % EXTERNALS.len()];
        let zone = if country == "DE" || country == "IE" {
            Zone::Eea
        } else {
            Zone::Covered
        };
        services.push(Service {
            name: format!("ext-{kind}-{}", index / EXTERNALS.len() + 1),
            team: 0,
            external: Some((operator, dpf)),
            region: region(location, country, zone, 0),
            hosts: format!("{}/32", Ipv4Addr::new(203, 0, 113, (index % 256) as u8)),
            ports: vec![Port {
                template: ("api", "443", "tcp", Some("tls")),
            }],
            purposes: vec![index % PURPOSES.len()],
            limited_purpose: None,
            stores: Vec::new(),
            firewall_host: false,
        });
    }
    services
}

fn make_ports(rng: &mut Rng) -> Vec<Port> {
    let mut ports = vec![Port {
        template: MAIN_PORTS[rng.weighted(MAIN_PORT_WEIGHTS)],
    }];
    let extra = [50u32, 30, 13, 7];
    let extra = rng.weighted(&extra);
    let mut weights = EXTRA_PORT_WEIGHTS.to_vec();
    for _ in 0..extra {
        let i = rng.weighted(&weights);
        weights[i] = 0;
        ports.push(Port {
            template: EXTRA_PORTS[i],
        });
    }
    ports
}

fn make_store(
    rng: &mut Rng,
    template: (&'static str, &'static str, bool),
    classes: &[Class],
) -> Store {
    let retain = RETENTIONS[rng.below(RETENTIONS.len())];
    let table_count = if template.2 { 1 + rng.below(3) } else { 1 };
    let names = pick_distinct(rng, TABLES.len(), table_count);
    let tables = names
        .into_iter()
        .map(|t| {
            let name = if template.2 { TABLES[t] } else { template.0 };
            let own = if template.2 && rng.chance(200) {
                Some(RETENTIONS[rng.below(3)])
            } else {
                None
            };
            let count = 1 + rng.below(4);
            let fields = pick_distinct(rng, classes.len(), count);
            (name, own, fields)
        })
        .collect();
    Store {
        template,
        retain,
        tables,
    }
}

/// `count` distinct numbers in `0..n` (fewer when `n < count`), in the order drawn.
fn pick_distinct(rng: &mut Rng, n: usize, count: usize) -> Vec<usize> {
    let mut picked = Vec::with_capacity(count);
    while picked.len() < count.min(n) {
        let i = rng.below(n);
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked
}

// ---------------------------------------------------------------------------------------------
// Flows

#[derive(Debug, Clone)]
struct Flow {
    source: usize,
    target: usize,
    port: usize,
    /// `(class, transform as written)`.
    carries: Vec<(usize, &'static str)>,
    purpose: Option<usize>,
    /// Personal data in plain text to a port without transport security.
    violation: bool,
}

/// Transforms of personal data and their weights (per mille).
const TRANSFORMS: &[&str] = &[
    "",
    "hashed",
    "tokenized",
    "masked",
    "masked with partial(keep_last = 4)",
    "redacted",
    "anonymized \"k-anonymity k=20, DPIA-7\"",
];
const TRANSFORM_WEIGHTS: &[u32] = &[620, 100, 80, 60, 50, 50, 40];

/// One flow in this many to a plaintext port carries personal data anyway.
const VIOLATION_ODDS: usize = 1000;

fn make_flows(
    rng: &mut Rng,
    wanted: usize,
    services: &[Service],
    teams: usize,
    classes: &[Class],
) -> Vec<Flow> {
    let internal: Vec<usize> = (0..services.len())
        .filter(|&s| services[s].external.is_none())
        .collect();
    let external: Vec<usize> = (0..services.len())
        .filter(|&s| services[s].external.is_some())
        .collect();
    if internal.is_empty() || services.len() < 2 {
        return Vec::new();
    }
    // Internal services of each team, for the flows that stay within a team.
    let mut by_team: Vec<Vec<usize>> = vec![Vec::new(); teams.max(1)];
    for &s in &internal {
        by_team[services[s].team].push(s);
    }
    // A global number for every port, to key the (source, port) pairs already used.
    let mut first_port = Vec::with_capacity(services.len());
    let mut total_ports = 0u64;
    for service in services {
        first_port.push(total_ports);
        total_ports += service.ports.len() as u64;
    }
    let key = |source: usize, target: usize, port: usize| {
        source as u64 * total_ports + first_port[target] + port as u64
    };
    let pools = ClassPools::new(classes);

    let mut used = HashSet::with_capacity(wanted);
    let mut flows = Vec::with_capacity(wanted);
    let mut attempts = 0usize;
    let max_attempts = wanted.saturating_mul(20).saturating_add(1000);
    while flows.len() < wanted && attempts < max_attempts {
        attempts += 1;
        let source = internal[rng.below(internal.len())];
        let team = &by_team[services[source].team];
        let target = if !external.is_empty() && rng.chance(30) {
            external[rng.below(external.len())]
        } else if rng.chance(700) {
            team[rng.below(team.len())]
        } else {
            internal[rng.below(internal.len())]
        };
        if target == source || !allowed_route(&services[source], &services[target]) {
            continue;
        }
        let port = rng.below(services[target].ports.len());
        if used.insert(key(source, target, port)) {
            flows.push(make_flow(
                rng, source, target, port, services, classes, &pools,
            ));
        }
    }
    // Dense requests (few services, many flows): take the remaining pairs in order.
    'sweep: for &source in &internal {
        for target in 0..services.len() {
            for port in 0..services[target].ports.len() {
                if flows.len() >= wanted {
                    break 'sweep;
                }
                if target != source && used.insert(key(source, target, port)) {
                    flows.push(make_flow(
                        rng, source, target, port, services, classes, &pools,
                    ));
                }
            }
        }
    }
    flows
}

/// Services outside the EEA send only to the EEA or within their own country, so that no flow
/// needs a transfer the policy does not declare (except to the uncovered countries).
fn allowed_route(source: &Service, target: &Service) -> bool {
    source.region.zone == Zone::Eea
        || target.region.zone == Zone::Eea
        || source.region.country == target.region.country
}

/// The classes a flow may carry, by the transport security of the target port.
struct ClassPools {
    /// Every class: for `mtls` ports.
    all: Vec<usize>,
    /// All but special-category and criminal-offence data: for `tls` ports (sensitive data
    /// needs mTLS).
    not_sensitive: Vec<usize>,
    /// Non-personal data: for ports without transport security.
    not_personal: Vec<usize>,
}

impl ClassPools {
    fn new(classes: &[Class]) -> ClassPools {
        let select = |keep: fn(Kind) -> bool| -> Vec<usize> {
            (0..classes.len())
                .filter(|&c| keep(classes[c].kind))
                .collect()
        };
        ClassPools {
            all: select(|_| true),
            not_sensitive: select(|k| !k.is_sensitive()),
            not_personal: select(|k| !k.is_personal()),
        }
    }
}

fn make_flow(
    rng: &mut Rng,
    source: usize,
    target: usize,
    port: usize,
    services: &[Service],
    classes: &[Class],
    pools: &ClassPools,
) -> Flow {
    let transport = services[target].ports[port].template.3;
    let count = 1 + rng.weighted(&[40, 30, 20, 10]);
    let violation = !matches!(transport, Some("tls" | "mtls")) && rng.below(VIOLATION_ODDS) == 0;
    let pool = match transport {
        Some("mtls") => &pools.all,
        Some("tls") => &pools.not_sensitive,
        _ if violation => &pools.not_sensitive,
        _ => &pools.not_personal,
    };
    // Too few kinds of classes for this port: send personal data redacted (nothing travels).
    let (pool, redact) = if pool.is_empty() {
        (&pools.all, true)
    } else {
        (pool, false)
    };
    let mut carries: Vec<(usize, &'static str)> = pick_distinct(rng, pool.len(), count)
        .into_iter()
        .map(|i| {
            let class = pool[i];
            let transform = if !classes[class].kind.is_personal() {
                ""
            } else if redact {
                "redacted"
            } else {
                match TRANSFORMS[rng.weighted(TRANSFORM_WEIGHTS)] {
                    "masked" if classes[class].mask.is_none() => "hashed",
                    t => t,
                }
            };
            (class, transform)
        })
        .collect();
    if violation {
        // The deliberate violation: the first personal class (if any) travels as is.
        if let Some(first) = carries
            .iter_mut()
            .find(|(c, _)| classes[*c].kind.is_personal())
        {
            first.1 = "";
        }
    }
    let personal = carries
        .iter()
        .any(|&(c, t)| classes[c].kind.is_personal() && t != "redacted");
    let external = services[target].external.is_some();
    let target_purposes = &services[target].purposes;
    let purpose = if personal || external || rng.chance(500) {
        Some(target_purposes[rng.below(target_purposes.len())])
    } else {
        None
    };
    let violation = violation
        && carries
            .iter()
            .any(|&(c, t)| classes[c].kind.is_personal() && t.is_empty());
    Flow {
        source,
        target,
        port,
        carries,
        purpose,
        violation,
    }
}

/// Special-category and criminal-offence data needs a purpose that names it (`purpose p for
/// diagnosis`) in every service that receives it unmasked or stores it: add the classes to the
/// service's limited purpose, creating one if needed.
fn cover_sensitive_data(services: &mut [Service], flows: &[Flow], classes: &[Class]) {
    let mut needed: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    for flow in flows {
        for &(class, transform) in &flow.carries {
            if classes[class].kind.is_sensitive() && transform.is_empty() {
                needed[flow.target].push(class);
            }
        }
    }
    for (service, needed) in services.iter_mut().zip(&mut needed) {
        for store in &service.stores {
            for (_, _, fields) in &store.tables {
                needed.extend(fields.iter().filter(|&&c| classes[c].kind.is_sensitive()));
            }
        }
        if needed.is_empty() {
            continue;
        }
        let purposes = &service.purposes;
        let (_, limited) = service.limited_purpose.get_or_insert_with(|| {
            let other = (0..PURPOSES.len()).find(|p| !purposes.contains(p));
            (other.unwrap_or(0), Vec::new())
        });
        for &class in needed.iter() {
            if !limited.contains(&class) {
                limited.push(class);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Waivers

/// `(rule, subject, until, reason, owner)`.
type Waiver = (&'static str, String, &'static str, &'static str, String);

fn make_waivers(services: &[Service], flows: &[Flow], classes: &[Class]) -> Vec<Waiver> {
    let flow_subject = |f: &Flow| {
        format!(
            "flow {} -> {}.{}",
            services[f.source].name,
            services[f.target].name,
            services[f.target].ports[f.port].name()
        )
    };
    let mut waivers: Vec<Waiver> = flows
        .iter()
        .filter(|f| f.violation)
        .take(3)
        .map(|f| {
            let owner = format!("{}@synthetic.example", team_name(services[f.source].team));
            (
                "unencrypted-personal-data",
                flow_subject(f),
                "2027-06-30",
                "Legacy agent; TLS rollout tracked in SEC-1042",
                owner,
            )
        })
        .collect();
    // The first flow of personal data from the EEA to Brazil, where no transfer applies.
    let to_brazil = flows.iter().find(|f| {
        services[f.source].region.zone == Zone::Eea
            && services[f.target].region.country == "BR"
            && f.carries.iter().any(|&(c, t)| {
                classes[c].kind.is_personal() && matches!(t, "" | "hashed" | "tokenized")
            })
    });
    if let Some(flow) = to_brazil {
        waivers.push((
            "transfer-without-basis",
            flow_subject(flow),
            "2027-03-31",
            "Brazil adequacy decision expected; SCCs under negotiation (LEGAL-88)",
            "dpo@synthetic.example".to_string(),
        ));
    }
    // A metrics port no flow targets: scraped from outside the policy.
    let mut targeted = vec![false; services.len()];
    for flow in flows {
        if services[flow.target].ports[flow.port].name() == "metrics" {
            targeted[flow.target] = true;
        }
    }
    let unused_metrics = services
        .iter()
        .zip(&targeted)
        .find(|(s, targeted)| !**targeted && s.ports.iter().any(|p| p.name() == "metrics"));
    if let Some((service, _)) = unused_metrics {
        waivers.push((
            "unused-port",
            format!("port {}.metrics", service.name),
            "2027-12-31",
            "Scraped by the monitoring stack outside the policy",
            "platform@synthetic.example".to_string(),
        ));
    }
    waivers
}

// ---------------------------------------------------------------------------------------------
// Text

fn render(
    services: &[Service],
    flows: &[Flow],
    classes: &[Class],
    waivers: &[Waiver],
    teams: usize,
    single: bool,
) -> Vec<(String, String)> {
    let mut common = String::new();
    render_settings(&mut common, classes);
    render_transfers(&mut common, services);
    // Flows by source, in source order, each source's flows in generation order.
    let mut by_source: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    for (i, flow) in flows.iter().enumerate() {
        by_source[flow.source].push(i);
    }
    let mut team_texts: Vec<String> = vec![String::new(); teams.max(1)];
    for service in services {
        let out = if service.external.is_some() {
            &mut common
        } else {
            &mut team_texts[service.team]
        };
        render_service(out, service, classes);
    }
    for (i, service) in services.iter().enumerate() {
        let out = if service.external.is_some() {
            &mut common
        } else {
            &mut team_texts[service.team]
        };
        for &f in &by_source[i] {
            render_flow(out, &flows[f], services, classes);
        }
    }
    render_waivers(&mut common, waivers);
    if single {
        let mut text = common;
        text.push_str(&team_texts.concat());
        return vec![("policy.ward".to_string(), text)];
    }
    let mut files = vec![("policy.ward".to_string(), common)];
    for (team, body) in team_texts.into_iter().enumerate() {
        let name = team_name(team);
        let header = format!("# Team {name}: its services and the flows they send.\n\n");
        files.push((format!("team-{:03}-{name}.ward", team + 1), header + &body));
    }
    files
}

fn render_settings(out: &mut String, classes: &[Class]) {
    out.push_str(
        "# Synthetic policy generated by ward-tests (support/synth.rs). Do not edit.\n\n\
         controller \"Synthetic Shop GmbH\" {\n  \
           dpo \"dpo@synthetic.example\"\n  \
           contact \"privacy@synthetic.example\"\n  \
           address \"Musterstrasse 1, 10115 Berlin, Germany\"\n}\n\
         trust_domain \"synthetic.example\"\n\
         firewall_default ports\n\
         severity unused-port warning\n\n",
    );
    for (name, basis, description) in PURPOSES {
        let _ = writeln!(out, "purpose {name} basis {basis} \"{description}\"");
    }
    out.push('\n');
    for (name, country, description) in SITES {
        let _ = writeln!(out, "site {name} country {country} \"{description}\"");
    }
    out.push('\n');
    for class in classes {
        let _ = write!(
            out,
            "data {} {} category {}",
            class.name,
            class.kind.keyword(),
            class.category
        );
        if !class.subjects.is_empty() {
            let _ = write!(out, " subjects {}", class.subjects);
        }
        if let Some(mask) = class.mask {
            let _ = write!(out, " mask {mask}");
        }
        out.push('\n');
    }
    out.push('\n');
}

fn render_transfers(out: &mut String, services: &[Service]) {
    for (to, mechanisms, reference) in TRANSFERS {
        let _ = write!(out, "transfer EU -> {to} {{");
        for mechanism in *mechanisms {
            let _ = write!(out, " mechanism {mechanism}");
        }
        let _ = writeln!(out, " reference \"{reference}\" }}");
    }
    // India: binding corporate rules cover the first few services there; the others are not.
    let india: Vec<&str> = services
        .iter()
        .filter(|s| s.region.country == "IN")
        .take(3)
        .map(|s| s.name.as_str())
        .collect();
    if !india.is_empty() {
        let _ = writeln!(
            out,
            "transfer EU -> IN {{ mechanism bcr recipient {} reference \"Group BCR, approved 2023\" }}",
            india.join(", ")
        );
    }
    out.push('\n');
}

fn render_service(out: &mut String, service: &Service, classes: &[Class]) {
    if service.external.is_some() {
        out.push_str("external ");
    }
    let _ = writeln!(
        out,
        "service {} in {} {{",
        service.name, service.region.location
    );
    let _ = writeln!(out, "  hosts {}", service.hosts);
    for port in &service.ports {
        let (name, range, protocol, transport) = port.template;
        let _ = write!(out, "  port {name} {range}/{protocol}");
        if let Some(transport) = transport {
            let _ = write!(out, " {transport}");
        }
        out.push('\n');
    }
    let purposes: Vec<&str> = service.purposes.iter().map(|&p| PURPOSES[p].0).collect();
    let _ = writeln!(out, "  purpose {}", purposes.join(", "));
    if let Some((purpose, limited)) = &service.limited_purpose {
        let names: Vec<&str> = limited.iter().map(|&c| classes[c].name.as_str()).collect();
        let _ = writeln!(
            out,
            "  purpose {} for {}",
            PURPOSES[*purpose].0,
            names.join(", ")
        );
    }
    if let Some((operator, dpf)) = service.external {
        let _ = writeln!(out, "  operator \"{operator}\"");
        if dpf {
            out.push_str("  certified dpf\n");
        }
    }
    if matches!(service.region.country, "CA" | "JP") {
        out.push_str("  sector commercial\n");
    }
    if service.firewall_host {
        out.push_str("  firewall host\n  management 22/tcp from 192.0.2.0/24\n");
    }
    for store in &service.stores {
        render_store(out, store, classes);
    }
    out.push_str("}\n\n");
}

fn render_store(out: &mut String, store: &Store, classes: &[Class]) {
    let (name, engine, has_tables) = store.template;
    let _ = writeln!(out, "  store {name} {engine} retain {} {{", store.retain);
    for (table, retain, fields) in &store.tables {
        let fields: Vec<String> = fields
            .iter()
            .map(|&c| format!("{0}: {0}", classes[c].name))
            .collect();
        if has_tables {
            let _ = write!(out, "    table {table} ");
            if let Some(retain) = retain {
                let _ = write!(out, "retain {retain} ");
            }
            let _ = writeln!(out, "{{ {} }}", fields.join(", "));
        } else {
            let _ = writeln!(out, "    {}", fields.join(", "));
        }
    }
    out.push_str("  }\n");
}

fn render_flow(out: &mut String, flow: &Flow, services: &[Service], classes: &[Class]) {
    let target = &services[flow.target];
    let _ = write!(
        out,
        "flow {} -> {}.{} {{ carries ",
        services[flow.source].name,
        target.name,
        target.ports[flow.port].name()
    );
    for (i, &(class, transform)) in flow.carries.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&classes[class].name);
        if !transform.is_empty() {
            out.push(' ');
            out.push_str(transform);
        }
    }
    if let Some(purpose) = flow.purpose {
        let _ = write!(out, "  purpose {}", PURPOSES[purpose].0);
    }
    out.push_str(" }\n");
}

fn render_waivers(out: &mut String, waivers: &[Waiver]) {
    if waivers.is_empty() {
        return;
    }
    out.push('\n');
    for (rule, subject, until, reason, owner) in waivers {
        let _ = writeln!(
            out,
            "waive {rule} on {subject} until {until} {{\n  reason \"{reason}\"\n  owner \"{owner}\"\n}}"
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(services: usize, flows: usize, classes: usize, seed: u64, files: usize) -> SynthSpec {
        SynthSpec {
            services,
            flows,
            classes,
            seed,
            files,
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(spec(300, 3000, 30, 7, 3));
        assert_eq!(a, generate(spec(300, 3000, 30, 7, 3)));
        assert_ne!(a, generate(spec(300, 3000, 30, 8, 3)));
    }

    #[test]
    fn counts_files_and_kinds() {
        let synth = synthesize(spec(2500, 25_000, 40, 1, default_files(2500)));
        assert_eq!(synth.services, 2500);
        assert_eq!(synth.flows, 25_000);
        assert_eq!(synth.classes, 40);
        assert_eq!(synth.files.len(), 4);
        assert_eq!(synth.files[0].0, "policy.ward");
        assert_eq!(synth.files[1].0, "team-001-checkout.ward");
        let text: String = synth.files.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(text.matches("\nflow ").count(), 25_000);
        assert_eq!(text.matches(" personal category").count(), 24);
        assert_eq!(text.matches(" special category").count(), 4);
        assert_eq!(text.matches(" criminal category").count(), 2);
        assert_eq!(text.matches(" non_personal category").count(), 10);
        assert!(synth.external_services > 0);
        assert!(synth.uncovered_services > 0, "{synth:?}");
        assert!(synth.unencrypted_flows > 0, "{synth:?}");
        assert!(synth.waivers > 0);
    }

    #[test]
    fn flows_are_distinct() {
        let text: String = generate(spec(40, 1000, 8, 3, 1)).concat_text();
        let heads: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("flow "))
            .map(|l| l.split(" {").next().unwrap_or(""))
            .collect();
        let distinct: HashSet<&str> = heads.iter().copied().collect();
        assert_eq!(heads.len(), 1000);
        assert_eq!(distinct.len(), heads.len());
    }

    #[test]
    fn dense_requests_are_capped_at_the_distinct_pairs() {
        let synth = synthesize(spec(3, 10_000, 5, 1, 1));
        let ports: usize = synth.files[0].1.matches("\n  port ").count();
        // Every service can send to every port of the two others.
        assert_eq!(synth.flows, 2 * ports);
    }

    #[test]
    fn hosts_do_not_overlap() {
        // 16,384 services of which 8 are external: /29s up to the end of 198.18.0.0/15; a few
        // more internal services than /29s fit: /32s.
        for (services, prefix, last) in [
            (16_384, "/29", "198.19.255.184/29"),
            (16_400, "/32", "198.18.64.7/32"),
        ] {
            let text = generate(spec(services, 0, 4, 1, 1)).concat_text();
            let v4: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("  hosts "))
                .filter(|h| h.starts_with("198.1"))
                .map(|h| h.split(',').next().unwrap_or(""))
                .collect();
            assert_eq!(v4.len(), services - external_count(services));
            assert!(v4.iter().all(|h| h.ends_with(prefix)));
            assert_eq!(v4.iter().collect::<HashSet<_>>().len(), v4.len());
            assert_eq!(v4.last().copied(), Some(last));
            let v6: HashSet<&str> = text
                .lines()
                .filter_map(|l| l.split(", fd00:0:").nth(1))
                .collect();
            assert_eq!(v6.len(), v4.len());
        }
    }

    trait ConcatText {
        fn concat_text(&self) -> String;
    }

    impl ConcatText for Vec<(String, String)> {
        fn concat_text(&self) -> String {
            self.iter().map(|f| f.1.as_str()).collect()
        }
    }

    /// Parses and resolves a generated policy; every diagnostic that is an error fails the test.
    fn check_pipeline(spec: SynthSpec) {
        let synth = synthesize(spec);
        let mut sources = ward_lang::Sources::new();
        for (name, text) in &synth.files {
            let (_, diag) = sources.add(name.clone(), text.clone().into_bytes());
            assert!(diag.is_none(), "{diag:?}");
        }
        let (policy, parse_diags) = ward_lang::parse(&sources);
        let render = |diags: &[ward_lang::Diagnostic]| -> String {
            diags
                .iter()
                .filter(|d| d.is_error())
                .take(10)
                .map(|d| {
                    let snippet = d.primary.as_ref().map_or("", |l| sources.snippet(l.span));
                    format!("{} {}: `{snippet}`\n", d.code.id, d.message)
                })
                .collect()
        };
        assert!(
            !parse_diags.iter().any(|d| d.is_error()),
            "{spec:?} parse:\n{}",
            render(&parse_diags)
        );
        let reference = ward_compiler::reference::Reference::builtin();
        let (model, diags) = ward_compiler::model::resolve::resolve(&policy, reference);
        assert!(
            !diags.iter().any(|d| d.is_error()),
            "{spec:?} resolve:\n{}",
            render(&diags)
        );
        assert_eq!(model.services.len(), synth.services, "{spec:?}");
        assert_eq!(model.flows.len(), synth.flows, "{spec:?}");
        assert_eq!(model.classes.len(), synth.classes, "{spec:?}");
        assert_eq!(model.waivers.len(), synth.waivers, "{spec:?}");
    }

    #[test]
    fn generated_policies_parse_and_resolve_without_errors() {
        check_pipeline(spec(1, 0, 1, 1, 1));
        check_pipeline(spec(3, 50, 5, 2, 1));
        check_pipeline(spec(25, 200, 12, 3, 2));
        for seed in 1..=3 {
            check_pipeline(spec(1200, 12_000, 50, seed, default_files(1200)));
        }
    }
}
