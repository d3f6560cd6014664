//! The built-in, dated reference library: countries, the EU and EEA, adequacy decisions and
//! cloud regions.
//!
//! Compliance checks need facts about the world: which country `eu-central-2` is in (Switzerland),
//! whether a country is in the EEA, whether an adequacy decision covers it on a given date and
//! for which recipients. Those facts change, so they are not written into code: they live in
//! TOML data files under `reference/` beside this module, embedded with `include_str!`. Each file
//! records where its facts come from (`source`) and when they were read (`retrieved`), so a
//! report can state which [`Edition`] of the library it used; facts that could not be confirmed
//! against a source are marked `verified = false` with a note in the data.
//!
//! The data are parsed and checked once, on first use of [`Reference::builtin`]. Every
//! collection iterates in a fixed order (sorted maps and vectors), so output that lists
//! countries or regions is reproducible.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::date::Date;

const COUNTRIES_TOML: &str = include_str!("reference/countries.toml");
const EU_EEA_TOML: &str = include_str!("reference/eu_eea.toml");
const ADEQUACY_TOML: &str = include_str!("reference/adequacy.toml");
const REGIONS_AWS_TOML: &str = include_str!("reference/regions_aws.toml");
const REGIONS_GCP_TOML: &str = include_str!("reference/regions_gcp.toml");
const REGIONS_AZURE_TOML: &str = include_str!("reference/regions_azure.toml");

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// ISO 3166-1 alpha-2 code, upper case.
///
/// Any two ASCII letters form a `CountryCode`; whether it names a country is a question for
/// [`Reference::country`]. It serializes as its two-letter text (`"DE"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The code for `s` if it is exactly two ASCII letters, in any case (`"de"` is `DE`).
    pub fn parse(s: &str) -> Option<CountryCode> {
        let &[a, b] = s.as_bytes() else {
            return None;
        };
        if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() {
            Some(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ]))
        } else {
            None
        }
    }

    /// The two upper-case letters.
    pub fn as_str(&self) -> &str {
        // Only `parse` constructs a code, and it admits ASCII letters only.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CountryCode, D::Error> {
        let text = String::deserialize(deserializer)?;
        CountryCode::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a two-letter country code"))
        })
    }
}

/// A country (or territory) with an ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    /// Its ISO 3166-1 alpha-2 code.
    pub code: CountryCode,
    /// Its ISO English short name (`"Korea, Republic of"`).
    pub name: String,
}

/// A cloud provider whose regions the library knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Amazon Web Services (all partitions: commercial, China, GovCloud, ISO, European
    /// Sovereign Cloud).
    Aws,
    /// Google Cloud.
    Gcp,
    /// Microsoft Azure (public cloud, plus Azure Government and Azure China).
    Azure,
}

impl Provider {
    /// Every provider, in a fixed order.
    pub const ALL: [Provider; 3] = [Provider::Aws, Provider::Gcp, Provider::Azure];

    /// The provider's name as written in policies: `aws`, `gcp`, `azure`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Gcp => "gcp",
            Provider::Azure => "azure",
        }
    }

    /// The provider named `s` (`aws`, `gcp`, `azure`, in any case).
    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }

    /// Whether region codes are matched ignoring case. Google writes multi-regions both ways
    /// (`EU`, `eu`) and Azure Resource Manager ignores case (`WestEurope`); AWS codes are
    /// always lower case and matched exactly.
    fn case_insensitive_codes(self) -> bool {
        match self {
            Provider::Aws => false,
            Provider::Gcp | Provider::Azure => true,
        }
    }

    fn data_file(self) -> (&'static str, &'static str) {
        match self {
            Provider::Aws => ("regions_aws.toml", REGIONS_AWS_TOML),
            Provider::Gcp => ("regions_gcp.toml", REGIONS_GCP_TOML),
            Provider::Azure => ("regions_azure.toml", REGIONS_AZURE_TOML),
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider's region (or multi-region) and the countries its data may be stored in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// Whose region it is.
    pub provider: Provider,
    /// The code as the provider writes it, lower case (`eu-central-1`, `europe-west6`,
    /// `westeurope`, GCP multi-region `eu`).
    pub code: String,
    /// Display name and/or physical location (`Europe (Zurich)`, `West Europe (Netherlands)`).
    pub name: String,
    /// The countries data may be stored in, sorted: one for a normal region, several for a
    /// multi-region or dual-region. Never empty.
    pub countries: Vec<CountryCode>,
    /// False when the mapping could not be confirmed against a source (the data file says why).
    pub verified: bool,
}

/// Which recipients in a country an adequacy decision covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdequacyScope {
    /// Every recipient in the jurisdiction.
    Full,
    /// Only commercial organisations subject to a commercial-sector law (Canada: PIPEDA).
    CommercialOnly,
    /// Only private-sector recipients (Japan: APPI).
    PrivateSector,
    /// Only recipients certified under a framework (United States: `dpf`, the EU-US Data
    /// Privacy Framework).
    CertifiedOnly {
        /// The certification framework, e.g. `dpf`.
        framework: String,
    },
}

/// The legal standing of an adequacy decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdequacyStatus {
    /// Adopted and in force.
    InForce,
    /// In force, but challenged before the courts (the EU-US DPF: appeal C-703/25 P).
    Contested,
    /// Not adopted yet (Brazil): a transfer cannot rely on it.
    Pending,
}

/// An adequacy decision (GDPR Art. 45) for a third country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adequacy {
    /// The country (or territory, e.g. the Faroe Islands `FO`) it covers.
    pub country: CountryCode,
    /// The jurisdiction's name as the decision calls it (`Republic of Korea`).
    pub name: String,
    /// The decision's number (`(EU) 2023/1795`), or a description while pending.
    pub decision: String,
    /// Which recipients it covers.
    pub scope: AdequacyScope,
    /// When it was adopted; `None` while pending.
    #[serde(serialize_with = "serialize_opt_date")]
    pub adopted: Option<Date>,
    /// The last day it applies, for decisions with a sunset clause (the UK: 2031-12-27).
    #[serde(serialize_with = "serialize_opt_date")]
    pub valid_until: Option<Date>,
    /// In force, contested or pending.
    pub status: AdequacyStatus,
    /// The main source for this entry (a URL).
    pub source: String,
    /// Context: the scope's limits, litigation, and what in the entry is unverified.
    pub note: Option<String>,
}

impl Adequacy {
    /// Whether the decision is valid law on `date`: not pending (a contested decision still
    /// is), adopted on or before `date` (when the adoption date is known), and `date` not after
    /// `valid_until` (when set).
    pub fn in_force_on(&self, date: Date) -> bool {
        in_force_on(self.status, self.adopted, self.valid_until, date)
    }
}

/// An adequacy decision for an international organisation (GDPR Art. 45(1)), which is not a
/// country and so has no country code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    /// A short identifier, lower case (`epo`).
    pub id: String,
    /// The organisation's name (`European Patent Organisation`).
    pub name: String,
    /// The decision's number, when recorded.
    pub decision: Option<String>,
    /// Which recipients it covers.
    pub scope: AdequacyScope,
    /// When it was adopted; `None` while pending.
    #[serde(serialize_with = "serialize_opt_date")]
    pub adopted: Option<Date>,
    /// The last day it applies, if it has a sunset clause.
    #[serde(serialize_with = "serialize_opt_date")]
    pub valid_until: Option<Date>,
    /// In force, contested or pending.
    pub status: AdequacyStatus,
    /// The main source for this entry (a URL).
    pub source: String,
    /// Context, and what in the entry is unverified.
    pub note: Option<String>,
}

impl Organisation {
    /// Whether the decision is valid law on `date`; the same rule as [`Adequacy::in_force_on`].
    pub fn in_force_on(&self, date: Date) -> bool {
        in_force_on(self.status, self.adopted, self.valid_until, date)
    }
}

/// A source the library's facts were taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// What it is (page title, file and version).
    pub title: String,
    /// Where it is.
    pub url: String,
    /// When it was read.
    #[serde(serialize_with = "serialize_date")]
    pub retrieved: Date,
}

/// Which edition of the library is in use: its date and every source behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edition {
    /// The latest retrieval date across all data files.
    #[serde(serialize_with = "serialize_date")]
    pub retrieved: Date,
    /// Every source, in data-file order (countries, EU/EEA, adequacy, AWS, GCP, Azure), each URL
    /// once.
    pub sources: Vec<Source>,
}

/// The reference library: the parsed, cross-checked contents of the embedded data files.
#[derive(Debug, Clone)]
pub struct Reference {
    countries: BTreeMap<CountryCode, Country>,
    /// Upper-case alias text to the country it stands for.
    aliases: BTreeMap<String, CountryCode>,
    eu: BTreeSet<CountryCode>,
    eea_efta: BTreeSet<CountryCode>,
    adequacy: BTreeMap<CountryCode, Adequacy>,
    organisations: BTreeMap<String, Organisation>,
    /// Per provider: lower-case code to region.
    regions: BTreeMap<Provider, BTreeMap<String, Region>>,
    edition: Edition,
}

impl Reference {
    /// The library built into this binary, parsed on first use.
    #[expect(
        clippy::expect_used,
        reason = "the embedded data is parsed by a unit test; it cannot fail at run time"
    )]
    pub fn builtin() -> &'static Reference {
        static BUILTIN: OnceLock<Reference> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Reference::from_embedded().expect("the embedded reference data is valid")
        })
    }

    /// The country with this code, if ISO 3166-1 assigns it.
    pub fn country(&self, code: CountryCode) -> Option<&Country> {
        self.countries.get(&code)
    }

    /// The country that `text` stands for when it is a known alias that is not an ISO code
    /// (`UK` for GB, `EL` for GR), in any case. Real ISO codes are not aliases: use
    /// [`CountryCode::parse`] and [`Reference::country`] for those.
    pub fn country_alias(&self, text: &str) -> Option<CountryCode> {
        self.aliases.get(&text.trim().to_ascii_uppercase()).copied()
    }

    /// Every country, sorted by code.
    pub fn countries(&self) -> impl Iterator<Item = &Country> {
        self.countries.values()
    }

    /// The provider's region with this code. GCP and Azure codes match in any case (`EU`,
    /// `WestEurope`); AWS codes match exactly.
    pub fn region(&self, provider: Provider, code: &str) -> Option<&Region> {
        let regions = self.regions.get(&provider)?;
        if provider.case_insensitive_codes() {
            regions.get(&code.to_ascii_lowercase())
        } else {
            regions.get(code)
        }
    }

    /// The provider's regions, sorted by code (for "did you mean" suggestions).
    pub fn regions(&self, provider: Provider) -> impl Iterator<Item = &Region> {
        self.regions
            .get(&provider)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    /// Whether `c` is an EU member state.
    pub fn is_eu(&self, c: CountryCode) -> bool {
        self.eu.contains(&c)
    }

    /// Whether `c` is in the EEA: an EU member state, or Iceland, Liechtenstein or Norway.
    /// Switzerland is not.
    pub fn is_eea(&self, c: CountryCode) -> bool {
        self.is_eu(c) || self.eea_efta.contains(&c)
    }

    /// The adequacy decision for `c`, including a pending one (check
    /// [`Adequacy::in_force_on`] before relying on it).
    pub fn adequacy(&self, c: CountryCode) -> Option<&Adequacy> {
        self.adequacy.get(&c)
    }

    /// Every country adequacy decision, sorted by country code.
    pub fn adequacies(&self) -> impl Iterator<Item = &Adequacy> {
        self.adequacy.values()
    }

    /// The adequacy decision for the international organisation `id` (`epo`), in any case.
    pub fn organisation(&self, id: &str) -> Option<&Organisation> {
        self.organisations.get(&id.to_ascii_lowercase())
    }

    /// Every international-organisation adequacy decision, sorted by id.
    pub fn organisations(&self) -> impl Iterator<Item = &Organisation> {
        self.organisations.values()
    }

    /// Which edition of the library this is.
    pub fn edition(&self) -> &Edition {
        &self.edition
    }

    /// Parses and cross-checks the embedded data files.
    fn from_embedded() -> Result<Reference, String> {
        let mut edition = EditionBuilder::default();

        let countries_file: CountriesFile = parse_toml("countries.toml", COUNTRIES_TOML)?;
        edition.add(
            "countries.toml",
            &countries_file.retrieved,
            countries_file.source,
        )?;
        let mut countries = BTreeMap::new();
        for raw in countries_file.country {
            let country = Country {
                code: raw.code,
                name: raw.name,
            };
            if countries.insert(raw.code, country).is_some() {
                return Err(format!("countries.toml: country {} listed twice", raw.code));
            }
        }
        let mut aliases = BTreeMap::new();
        for raw in countries_file.alias {
            let at = format!("countries.toml: alias `{}`", raw.alias);
            check_note(&at, raw.verified, raw.note.as_deref())?;
            let text = raw.alias.to_ascii_uppercase();
            if CountryCode::parse(&text).is_some_and(|c| countries.contains_key(&c)) {
                return Err(format!("{at} is an assigned ISO code"));
            }
            if !countries.contains_key(&raw.code) {
                return Err(format!("{at} stands for unknown country {}", raw.code));
            }
            if aliases.insert(text, raw.code).is_some() {
                return Err(format!("{at} listed twice"));
            }
        }
        let known = |at: &str, c: CountryCode| -> Result<CountryCode, String> {
            if countries.contains_key(&c) {
                Ok(c)
            } else {
                Err(format!("{at}: unknown country code {c}"))
            }
        };

        let eu_file: EuEeaFile = parse_toml("eu_eea.toml", EU_EEA_TOML)?;
        edition.add("eu_eea.toml", &eu_file.retrieved, eu_file.source)?;
        check_note("eu_eea.toml", eu_file.verified, eu_file.note.as_deref())?;
        let eu = unique_set("eu_eea.toml: eu", &eu_file.eu, &known)?;
        let eea_efta = unique_set("eu_eea.toml: eea_efta", &eu_file.eea_efta, &known)?;
        if let Some(both) = eu.intersection(&eea_efta).next() {
            return Err(format!(
                "eu_eea.toml: {both} is listed as both EU and EEA EFTA"
            ));
        }

        let adequacy_file: AdequacyFile = parse_toml("adequacy.toml", ADEQUACY_TOML)?;
        edition.add(
            "adequacy.toml",
            &adequacy_file.retrieved,
            adequacy_file.source,
        )?;
        let mut adequacy = BTreeMap::new();
        for raw in adequacy_file.decision {
            let at = format!("adequacy.toml: decision for {}", raw.country);
            let country = known(&at, raw.country)?;
            if eu.contains(&country) || eea_efta.contains(&country) {
                return Err(format!("{at}: an EEA country needs no adequacy decision"));
            }
            check_note(&at, raw.verified, raw.note.as_deref())?;
            let decision = Adequacy {
                country,
                name: raw.name,
                decision: raw.decision,
                scope: scope(&at, raw.scope, raw.framework)?,
                adopted: opt_date(&at, raw.adopted.as_deref())?,
                valid_until: opt_date(&at, raw.valid_until.as_deref())?,
                status: raw.status,
                source: raw.source,
                note: raw.note,
            };
            check_dates(&at, decision.status, decision.adopted, decision.valid_until)?;
            if adequacy.insert(country, decision).is_some() {
                return Err(format!("{at} listed twice"));
            }
        }
        let mut organisations = BTreeMap::new();
        for raw in adequacy_file.organisation {
            let at = format!("adequacy.toml: organisation `{}`", raw.id);
            if raw.id.is_empty() || raw.id != raw.id.to_ascii_lowercase() {
                return Err(format!("{at}: the id must be non-empty and lower case"));
            }
            check_note(&at, raw.verified, raw.note.as_deref())?;
            let organisation = Organisation {
                id: raw.id.clone(),
                name: raw.name,
                decision: raw.decision,
                scope: scope(&at, raw.scope, raw.framework)?,
                adopted: opt_date(&at, raw.adopted.as_deref())?,
                valid_until: opt_date(&at, raw.valid_until.as_deref())?,
                status: raw.status,
                source: raw.source,
                note: raw.note,
            };
            check_dates(
                &at,
                organisation.status,
                organisation.adopted,
                organisation.valid_until,
            )?;
            if organisations.insert(raw.id, organisation).is_some() {
                return Err(format!("{at} listed twice"));
            }
        }

        let mut regions = BTreeMap::new();
        for provider in Provider::ALL {
            let (file, text) = provider.data_file();
            let regions_file: RegionsFile = parse_toml(file, text)?;
            edition.add(file, &regions_file.retrieved, regions_file.source)?;
            let mut by_code = BTreeMap::new();
            for raw in regions_file.region {
                let at = format!("{file}: region `{}`", raw.code);
                if raw.code.is_empty() || raw.code != raw.code.to_ascii_lowercase() {
                    return Err(format!("{at}: the code must be non-empty and lower case"));
                }
                check_note(&at, raw.verified, raw.note.as_deref())?;
                let listed = match (raw.country, raw.countries) {
                    (Some(one), None) => vec![one],
                    (None, Some(several)) if !several.is_empty() => several,
                    _ => return Err(format!("{at}: give exactly one of `country`, `countries`")),
                };
                let countries = unique_set(&at, &listed, &known)?.into_iter().collect();
                let region = Region {
                    provider,
                    code: raw.code.clone(),
                    name: raw.name,
                    countries,
                    verified: raw.verified,
                };
                if by_code.insert(raw.code, region).is_some() {
                    return Err(format!("{at} listed twice"));
                }
            }
            regions.insert(provider, by_code);
        }

        Ok(Reference {
            countries,
            aliases,
            eu,
            eea_efta,
            adequacy,
            organisations,
            regions,
            edition: edition.finish()?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Data-file schema and helpers
// ---------------------------------------------------------------------------------------------

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    title: String,
    url: String,
    /// Overrides the file's `retrieved` for this source.
    retrieved: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountriesFile {
    retrieved: String,
    source: Vec<RawSource>,
    alias: Vec<RawAlias>,
    country: Vec<RawCountry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlias {
    alias: String,
    code: CountryCode,
    #[serde(default = "default_true")]
    verified: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    code: CountryCode,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EuEeaFile {
    retrieved: String,
    source: Vec<RawSource>,
    #[serde(default = "default_true")]
    verified: bool,
    note: Option<String>,
    eu: Vec<CountryCode>,
    eea_efta: Vec<CountryCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdequacyFile {
    retrieved: String,
    source: Vec<RawSource>,
    decision: Vec<RawDecision>,
    #[serde(default)]
    organisation: Vec<RawOrganisation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawScope {
    Full,
    CommercialOnly,
    PrivateSector,
    CertifiedOnly,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    country: CountryCode,
    name: String,
    decision: String,
    scope: RawScope,
    framework: Option<String>,
    adopted: Option<String>,
    valid_until: Option<String>,
    status: AdequacyStatus,
    source: String,
    #[serde(default = "default_true")]
    verified: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    id: String,
    name: String,
    decision: Option<String>,
    scope: RawScope,
    framework: Option<String>,
    adopted: Option<String>,
    valid_until: Option<String>,
    status: AdequacyStatus,
    source: String,
    #[serde(default = "default_true")]
    verified: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionsFile {
    retrieved: String,
    source: Vec<RawSource>,
    region: Vec<RawRegion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    code: String,
    name: String,
    country: Option<CountryCode>,
    countries: Option<Vec<CountryCode>>,
    #[serde(default = "default_true")]
    verified: bool,
    note: Option<String>,
}

/// Collects sources across files: each URL once, the latest retrieval date overall.
#[derive(Default)]
struct EditionBuilder {
    retrieved: Option<Date>,
    sources: Vec<Source>,
}

impl EditionBuilder {
    fn add(&mut self, file: &str, retrieved: &str, sources: Vec<RawSource>) -> Result<(), String> {
        let file_date = date(&format!("{file}: retrieved"), retrieved)?;
        if sources.is_empty() {
            return Err(format!("{file}: no source"));
        }
        for raw in sources {
            let at = format!("{file}: source {}", raw.url);
            if raw.url.is_empty() || raw.title.is_empty() {
                return Err(format!("{at}: title and url must not be empty"));
            }
            let retrieved = opt_date(&at, raw.retrieved.as_deref())?.unwrap_or(file_date);
            self.retrieved = self.retrieved.max(Some(retrieved));
            match self.sources.iter_mut().find(|s| s.url == raw.url) {
                Some(seen) => seen.retrieved = seen.retrieved.max(retrieved),
                None => self.sources.push(Source {
                    title: raw.title,
                    url: raw.url,
                    retrieved,
                }),
            }
        }
        self.retrieved = self.retrieved.max(Some(file_date));
        Ok(())
    }

    fn finish(self) -> Result<Edition, String> {
        let retrieved = self.retrieved.ok_or("no data file was read")?;
        Ok(Edition {
            retrieved,
            sources: self.sources,
        })
    }
}

fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("{file}: {e}"))
}

fn date(at: &str, text: &str) -> Result<Date, String> {
    Date::parse(text).map_err(|e| format!("{at}: `{text}` is not a date ({e:?})"))
}

fn opt_date(at: &str, text: Option<&str>) -> Result<Option<Date>, String> {
    text.map(|t| date(at, t)).transpose()
}

/// An unverified entry must say why in a note.
fn check_note(at: &str, verified: bool, note: Option<&str>) -> Result<(), String> {
    if !verified && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(format!(
            "{at}: `verified = false` needs a `note` saying what is unverified"
        ));
    }
    Ok(())
}

fn scope(at: &str, raw: RawScope, framework: Option<String>) -> Result<AdequacyScope, String> {
    match (raw, framework) {
        (RawScope::CertifiedOnly, Some(framework)) if !framework.is_empty() => {
            Ok(AdequacyScope::CertifiedOnly { framework })
        }
        (RawScope::CertifiedOnly, _) => Err(format!("{at}: `certified_only` needs a `framework`")),
        (_, Some(_)) => Err(format!("{at}: `framework` only goes with `certified_only`")),
        (RawScope::Full, None) => Ok(AdequacyScope::Full),
        (RawScope::CommercialOnly, None) => Ok(AdequacyScope::CommercialOnly),
        (RawScope::PrivateSector, None) => Ok(AdequacyScope::PrivateSector),
    }
}

fn check_dates(
    at: &str,
    status: AdequacyStatus,
    adopted: Option<Date>,
    valid_until: Option<Date>,
) -> Result<(), String> {
    if status != AdequacyStatus::Pending && adopted.is_none() {
        return Err(format!(
            "{at}: an adopted decision needs its `adopted` date"
        ));
    }
    if let (Some(from), Some(until)) = (adopted, valid_until)
        && until < from
    {
        return Err(format!(
            "{at}: `valid_until` {until} is before `adopted` {from}"
        ));
    }
    Ok(())
}

/// The codes as a set, each known and listed once.
fn unique_set(
    at: &str,
    codes: &[CountryCode],
    known: &impl Fn(&str, CountryCode) -> Result<CountryCode, String>,
) -> Result<BTreeSet<CountryCode>, String> {
    let mut set = BTreeSet::new();
    for &code in codes {
        if !set.insert(known(at, code)?) {
            return Err(format!("{at}: {code} listed twice"));
        }
    }
    Ok(set)
}

fn in_force_on(
    status: AdequacyStatus,
    adopted: Option<Date>,
    valid_until: Option<Date>,
    date: Date,
) -> bool {
    status != AdequacyStatus::Pending
        && adopted.is_none_or(|from| from <= date)
        && valid_until.is_none_or(|until| date <= until)
}

fn serialize_opt_date<S: Serializer>(
    date: &Option<Date>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.collect_str(date),
        None => serializer.serialize_none(),
    }
}

fn serialize_date<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap()
    }

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn reference() -> &'static Reference {
        Reference::builtin()
    }

    fn countries_of(provider: Provider, code: &str) -> Vec<&'static str> {
        let region = reference()
            .region(provider, code)
            .unwrap_or_else(|| panic!("{provider} region {code} is missing"));
        region.countries.iter().map(CountryCode::as_str).collect()
    }

    #[test]
    fn embedded_data_parses_and_cross_checks() {
        if let Err(e) = Reference::from_embedded() {
            panic!("{e}");
        }
    }

    #[test]
    fn country_code_parse() {
        assert_eq!(cc("de").as_str(), "DE");
        assert_eq!(cc("De").to_string(), "DE");
        assert_eq!(CountryCode::parse("DEU"), None);
        assert_eq!(CountryCode::parse("D"), None);
        assert_eq!(CountryCode::parse("D1"), None);
        assert_eq!(CountryCode::parse("É1"), None);
        assert_eq!(CountryCode::parse(""), None);
        assert_eq!(serde_json::to_string(&cc("ch")).unwrap(), "\"CH\"");
    }

    #[test]
    fn all_iso_countries() {
        let r = reference();
        assert_eq!(r.countries().count(), 249);
        assert_eq!(r.country(cc("GB")).unwrap().name, "United Kingdom");
        assert_eq!(r.country(cc("FO")).unwrap().name, "Faroe Islands");
        assert!(r.country(cc("UK")).is_none());
        assert!(r.country(cc("EL")).is_none());
        let codes: Vec<_> = r.countries().map(|c| c.code).collect();
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "countries iterate sorted by code"
        );
    }

    #[test]
    fn aliases() {
        let r = reference();
        assert_eq!(r.country_alias("UK"), Some(cc("GB")));
        assert_eq!(r.country_alias("uk"), Some(cc("GB")));
        assert_eq!(r.country_alias("EL"), Some(cc("GR")));
        assert_eq!(r.country_alias("GB"), None);
        assert_eq!(r.country_alias("DE"), None);
    }

    #[test]
    fn eu_and_eea() {
        let r = reference();
        let eu: Vec<_> = r.countries().filter(|c| r.is_eu(c.code)).collect();
        let eea: Vec<_> = r.countries().filter(|c| r.is_eea(c.code)).collect();
        assert_eq!(eu.len(), 27);
        assert_eq!(eea.len(), 30);
        for code in ["IS", "LI", "NO"] {
            assert!(r.is_eea(cc(code)) && !r.is_eu(cc(code)), "{code}");
        }
        for code in ["DE", "GR", "HR", "IE", "CY"] {
            assert!(r.is_eu(cc(code)), "{code}");
        }
        for code in ["CH", "GB", "FO", "GL", "US"] {
            assert!(!r.is_eea(cc(code)), "{code}");
        }
    }

    #[test]
    fn switzerland_is_not_eea_but_adequate() {
        let r = reference();
        assert!(!r.is_eea(cc("CH")));
        let ch = r.adequacy(cc("CH")).unwrap();
        assert_eq!(ch.scope, AdequacyScope::Full);
        assert_eq!(ch.status, AdequacyStatus::InForce);
        assert!(ch.in_force_on(day("2026-12-01")));
    }

    #[test]
    fn region_traps() {
        use Provider::{Aws, Azure, Gcp};
        assert_eq!(countries_of(Azure, "westeurope"), ["NL"]);
        assert_eq!(countries_of(Azure, "northeurope"), ["IE"]);
        assert_eq!(countries_of(Azure, "eastasia"), ["HK"]);
        assert_eq!(countries_of(Azure, "uksouth"), ["GB"]);
        assert_eq!(countries_of(Aws, "eu-central-2"), ["CH"]);
        assert_eq!(countries_of(Aws, "eu-west-2"), ["GB"]);
        assert_eq!(countries_of(Aws, "me-central-1"), ["AE"]);
        assert_eq!(countries_of(Gcp, "europe-west6"), ["CH"]);
        assert_eq!(countries_of(Gcp, "europe-west2"), ["GB"]);
        assert_eq!(countries_of(Gcp, "me-central1"), ["QA"]);
        // The hyphen matters: each provider knows only its own spelling.
        assert!(reference().region(Aws, "me-central1").is_none());
        assert!(reference().region(Gcp, "me-central-1").is_none());
    }

    #[test]
    fn other_partitions() {
        use Provider::Aws;
        assert_eq!(countries_of(Aws, "cn-north-1"), ["CN"]);
        assert_eq!(countries_of(Aws, "cn-northwest-1"), ["CN"]);
        assert_eq!(countries_of(Aws, "us-gov-west-1"), ["US"]);
        assert_eq!(countries_of(Aws, "eusc-de-east-1"), ["DE"]);
        assert!(reference().region(Aws, "eu-isoe-west-1").is_none());
    }

    #[test]
    fn gcp_multi_regions() {
        let r = reference();
        assert_eq!(countries_of(Provider::Gcp, "EUR4"), ["FI", "NL"]);
        assert_eq!(countries_of(Provider::Gcp, "nam4"), ["US"]);
        assert_eq!(countries_of(Provider::Gcp, "US"), ["US"]);
        let eu = r.region(Provider::Gcp, "EU").unwrap();
        assert_eq!(eu.code, "eu");
        assert!(eu.countries.len() > 1);
        assert!(
            eu.countries.iter().all(|&c| r.is_eu(c)),
            "the EU multi-region stays in the EU"
        );
        assert!(!eu.countries.contains(&cc("GB")) && !eu.countries.contains(&cc("CH")));
        assert!(!eu.verified);
        let asia = r.region(Provider::Gcp, "asia").unwrap();
        assert!(asia.countries.contains(&cc("JP")) && asia.countries.len() > 1);
    }

    #[test]
    fn case_rules() {
        let r = reference();
        assert_eq!(
            r.region(Provider::Azure, "WestEurope").unwrap().code,
            "westeurope"
        );
        assert_eq!(
            r.region(Provider::Gcp, "Europe-West6").unwrap().code,
            "europe-west6"
        );
        assert!(r.region(Provider::Aws, "EU-WEST-1").is_none());
        assert!(r.region(Provider::Aws, "eu-west-1").is_some());
    }

    #[test]
    fn verified_flags() {
        let r = reference();
        assert!(r.region(Provider::Aws, "eu-central-1").unwrap().verified);
        assert!(!r.region(Provider::Gcp, "europe-north2").unwrap().verified);
        assert!(
            !r.region(Provider::Gcp, "northamerica-south1")
                .unwrap()
                .verified
        );
        assert!(r.region(Provider::Gcp, "africa-south1").unwrap().verified);
    }

    #[test]
    fn regions_sorted_and_known() {
        let r = reference();
        for provider in Provider::ALL {
            let codes: Vec<_> = r.regions(provider).map(|g| g.code.as_str()).collect();
            assert!(codes.len() > 30, "{provider}: {} regions", codes.len());
            assert!(
                codes.windows(2).all(|w| w[0] < w[1]),
                "{provider}: sorted by code"
            );
            for region in r.regions(provider) {
                assert_eq!(region.provider, provider);
                assert!(!region.countries.is_empty(), "{provider} {}", region.code);
                for &c in &region.countries {
                    assert!(r.country(c).is_some(), "{provider} {}: {c}", region.code);
                }
            }
        }
    }

    #[test]
    fn provider_names() {
        for provider in Provider::ALL {
            assert_eq!(Provider::parse(provider.as_str()), Some(provider));
        }
        assert_eq!(Provider::parse("AWS"), Some(Provider::Aws));
        assert_eq!(Provider::parse("google"), None);
        assert_eq!(serde_json::to_string(&Provider::Gcp).unwrap(), "\"gcp\"");
    }

    #[test]
    fn uk_adequacy_sunset() {
        let gb = reference().adequacy(cc("GB")).unwrap();
        assert_eq!(gb.valid_until, Some(day("2031-12-27")));
        assert_eq!(gb.scope, AdequacyScope::Full);
        assert!(gb.in_force_on(day("2026-12-01")));
        assert!(gb.in_force_on(day("2031-12-27")));
        assert!(!gb.in_force_on(day("2031-12-28")));
    }

    #[test]
    fn us_dpf_certified_only_and_contested() {
        let us = reference().adequacy(cc("US")).unwrap();
        assert_eq!(
            us.scope,
            AdequacyScope::CertifiedOnly {
                framework: "dpf".to_owned()
            }
        );
        assert_eq!(us.status, AdequacyStatus::Contested);
        assert!(us.in_force_on(day("2026-12-01")));
        assert!(
            !us.in_force_on(day("2023-07-09")),
            "not before its adoption"
        );
        assert!(us.note.as_deref().unwrap().contains("C-703/25 P"));
    }

    #[test]
    fn sectoral_scopes() {
        let r = reference();
        assert_eq!(
            r.adequacy(cc("CA")).unwrap().scope,
            AdequacyScope::CommercialOnly
        );
        assert_eq!(
            r.adequacy(cc("JP")).unwrap().scope,
            AdequacyScope::PrivateSector
        );
        assert_eq!(r.adequacy(cc("KR")).unwrap().scope, AdequacyScope::Full);
    }

    #[test]
    fn brazil_is_pending_not_adequate() {
        let br = reference().adequacy(cc("BR")).unwrap();
        assert_eq!(br.status, AdequacyStatus::Pending);
        assert_eq!(br.adopted, None);
        assert!(!br.in_force_on(day("2026-12-01")));
        assert!(!br.in_force_on(day("2099-01-01")));
    }

    #[test]
    fn adequacy_countries_exist_and_are_third_countries() {
        let r = reference();
        let listed: Vec<_> = r.adequacies().map(|a| a.country.as_str()).collect();
        assert_eq!(
            listed,
            [
                "AD", "AR", "BR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ",
                "US", "UY"
            ]
        );
        for a in r.adequacies() {
            assert!(r.country(a.country).is_some(), "{}", a.country);
            assert!(!r.is_eea(a.country), "{}", a.country);
            assert!(!a.source.is_empty());
        }
        let in_force = r
            .adequacies()
            .filter(|a| a.in_force_on(day("2026-12-01")))
            .count();
        assert_eq!(in_force, 15);
    }

    #[test]
    fn epo_is_an_organisation_not_a_country() {
        let r = reference();
        let epo = r.organisation("EPO").unwrap();
        assert_eq!(epo.name, "European Patent Organisation");
        assert_eq!(epo.adopted, Some(day("2025-07-15")));
        assert!(epo.in_force_on(day("2026-12-01")));
        assert_eq!(r.organisations().count(), 1);
        assert!(r.adequacies().all(|a| !a.name.contains("Patent")));
    }

    #[test]
    fn edition_is_dated_and_sourced() {
        let edition = reference().edition();
        assert_eq!(edition.retrieved, day("2026-12-01"));
        assert!(
            edition
                .sources
                .iter()
                .all(|s| s.retrieved <= edition.retrieved)
        );
        let mut urls: Vec<_> = edition.sources.iter().map(|s| s.url.as_str()).collect();
        assert!(urls.iter().any(|u| u.contains("botocore")));
        assert!(urls.iter().any(|u| u.contains("adequacy-decisions")));
        let count = urls.len();
        urls.sort_unstable();
        urls.dedup();
        assert_eq!(urls.len(), count, "each source once");
        let json = serde_json::to_value(edition).unwrap();
        assert_eq!(json["retrieved"], "2026-12-01");
    }

    #[test]
    fn data_checks_reject_bad_entries() {
        assert!(check_note("x", false, None).is_err());
        assert!(check_note("x", false, Some("  ")).is_err());
        assert!(check_note("x", false, Some("from memory")).is_ok());
        assert!(check_note("x", true, None).is_ok());
        assert!(scope("x", RawScope::CertifiedOnly, None).is_err());
        assert!(scope("x", RawScope::Full, Some("dpf".to_owned())).is_err());
        let pending = AdequacyStatus::Pending;
        assert!(check_dates("x", AdequacyStatus::InForce, None, None).is_err());
        assert!(check_dates("x", pending, None, None).is_ok());
        let (from, until) = (Some(day("2021-06-28")), Some(day("2020-01-01")));
        assert!(check_dates("x", AdequacyStatus::InForce, from, until).is_err());
        let unknown_field = "retrieved = \"2026-12-01\"\nsource = []\nregion = []\nzone = 1\n";
        assert!(parse_toml::<RegionsFile>("t.toml", unknown_field).is_err());
        let bad_code = "retrieved = \"2026-12-01\"\nsource = []\n\
                        region = [{ code = \"x\", name = \"x\", country = \"DEU\" }]\n";
        assert!(parse_toml::<RegionsFile>("t.toml", bad_code).is_err());
    }

    #[test]
    fn serializes_adequacy() {
        let json = serde_json::to_value(reference().adequacy(cc("US")).unwrap()).unwrap();
        assert_eq!(json["country"], "US");
        assert_eq!(json["scope"]["kind"], "certified_only");
        assert_eq!(json["scope"]["framework"], "dpf");
        assert_eq!(json["status"], "contested");
        assert_eq!(json["adopted"], "2023-07-10");
        assert_eq!(json["valid_until"], serde_json::Value::Null);
    }
}
