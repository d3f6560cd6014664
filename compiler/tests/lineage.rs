//! Lineage through the whole pipeline: where each personal class reaching a service was
//! collected, and the path it took from the EEA. Also the Chapter V checks that depend on the
//! run date (adequacy decisions with a sunset clause).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use ward_compiler::date::Date;
use ward_compiler::pipeline::{self, Analysis, Compilation};
use ward_compiler::reference::CountryCode;
use ward_lang::Sources;

const TODAY: &str = "2026-12-01";

/// Declarations every test policy starts with.
const PRELUDE: &str = r#"
purpose analytics basis consent "Measure how the shop is used"
data email   personal category user.contact.email subjects customers
data user_id personal category user.unique_id subjects customers
data sku     non_personal
"#;

fn compile_on(policy: &str, today: &str) -> Compilation {
    let mut sources = Sources::new();
    sources.add("policy.ward", format!("{PRELUDE}{policy}").into_bytes());
    let compilation = pipeline::analyse(&sources, Date::parse(today).unwrap());
    assert!(
        compilation.analysis.is_some(),
        "the policy does not compile: {:#?}",
        compilation.frontend
    );
    compilation
}

fn analyse(policy: &str) -> Analysis {
    compile_on(policy, TODAY).analysis.unwrap()
}

/// Helpers to look things up by name.
trait Lookup {
    fn service(&self, name: &str) -> ward_compiler::model::ServiceId;
    fn class(&self, name: &str) -> ward_compiler::model::ClassId;
    /// Origin countries of `class` at `service`, as codes; `None` if it never gets there.
    fn origins(&self, class: &str, service: &str) -> Option<Vec<String>>;
    /// `path_from_eea`, as `source -> target.port` texts.
    fn path(&self, class: &str, service: &str) -> Vec<String>;
}

impl Lookup for Analysis {
    fn service(&self, name: &str) -> ward_compiler::model::ServiceId {
        self.model
            .service_ids()
            .find(|id| self.model.service(*id).name == name)
            .unwrap_or_else(|| panic!("no service `{name}`"))
    }

    fn class(&self, name: &str) -> ward_compiler::model::ClassId {
        self.model
            .class_ids()
            .find(|id| self.model.class(*id).name == name)
            .unwrap_or_else(|| panic!("no class `{name}`"))
    }

    fn origins(&self, class: &str, service: &str) -> Option<Vec<String>> {
        let set = self
            .lineage
            .origins(self.class(class), self.service(service))?;
        Some(
            self.lineage
                .countries()
                .members(set)
                .iter()
                .map(CountryCode::to_string)
                .collect(),
        )
    }

    fn path(&self, class: &str, service: &str) -> Vec<String> {
        self.lineage
            .path_from_eea(
                &self.model,
                &self.graph,
                self.class(class),
                self.service(service),
            )
            .into_iter()
            .map(|f| self.model.flow_path(f))
            .collect()
    }
}

fn codes(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| (*s).to_string()).collect())
}

#[test]
fn origin_survives_three_hops() {
    let a = analyse(
        r#"
service web in aws:eu-central-1 { hosts 198.18.1.0/24 }
service fr  in aws:eu-west-3    { hosts 198.18.2.0/24  port api 443/tcp tls }
service gb  in aws:eu-west-2    { hosts 198.18.3.0/24  port api 443/tcp tls }
service us  in aws:us-east-1    { hosts 198.18.4.0/24  port api 443/tcp tls }
flow web -> fr.api { carries email }
flow fr  -> gb.api { carries email }
flow gb  -> us.api { carries email }
"#,
    );
    for service in ["web", "fr", "gb", "us"] {
        assert_eq!(a.origins("email", service), codes(&["DE"]), "{service}");
        assert!(
            a.lineage
                .has_eea_origin(a.class("email"), a.service(service)),
            "{service}"
        );
    }
    assert!(a.lineage.collects(a.class("email"), a.service("web")));
    for service in ["fr", "gb", "us"] {
        assert!(
            !a.lineage.collects(a.class("email"), a.service(service)),
            "{service}"
        );
    }
    // A class that never travels to a service has no origins there.
    assert_eq!(a.origins("user_id", "us"), None);
}

#[test]
fn non_personal_data_has_no_lineage() {
    let a = analyse(
        r#"
service web in aws:eu-central-1 { hosts 198.18.1.0/24 }
service us  in aws:us-east-1    { hosts 198.18.4.0/24  port api 443/tcp tls }
flow web -> us.api { carries sku }
"#,
    );
    assert_eq!(a.origins("sku", "web"), None);
    assert_eq!(a.origins("sku", "us"), None);
}

#[test]
fn pseudonymised_data_keeps_its_origin_anonymised_and_redacted_data_do_not() {
    let a = analyse(
        r#"
service web    in aws:eu-central-1 { hosts 198.18.1.0/24 }
service hashed in aws:us-east-1    { hosts 198.18.2.0/24  port api 443/tcp tls }
service tokens in aws:us-east-1    { hosts 198.18.3.0/24  port api 443/tcp tls }
service masked in aws:us-east-1    { hosts 198.18.4.0/24  port api 443/tcp tls }
service anon   in aws:us-east-1    { hosts 198.18.5.0/24  port api 443/tcp tls }
service gone   in aws:us-east-1    { hosts 198.18.6.0/24  port api 443/tcp tls }
service next   in aws:ap-southeast-1 { hosts 198.18.7.0/24  port api 443/tcp tls }
flow web -> hashed.api { carries email hashed }
flow web -> tokens.api { carries email tokenized }
flow web -> masked.api { carries email masked with partial_email }
flow web -> anon.api   { carries email anonymized "counts per day only" }
flow web -> gone.api   { carries email redacted }
flow hashed -> next.api { carries email }
"#,
    );
    for service in ["hashed", "tokens", "masked", "next"] {
        assert_eq!(a.origins("email", service), codes(&["DE"]), "{service}");
    }
    assert_eq!(a.origins("email", "anon"), None);
    assert_eq!(a.origins("email", "gone"), None);
    assert_eq!(
        a.path("email", "next"),
        ["web -> hashed.api", "hashed -> next.api"]
    );
}

#[test]
fn anonymised_data_sent_on_as_personal_data_starts_a_new_lineage() {
    // `anon` receives only anonymised data; if it sends the class as personal data anyway, it
    // must have collected it itself, in the US.
    let a = analyse(
        r#"
service web  in aws:eu-central-1 { hosts 198.18.1.0/24 }
service anon in aws:us-east-1    { hosts 198.18.2.0/24  port api 443/tcp tls }
service sg   in aws:ap-southeast-1 { hosts 198.18.3.0/24  port api 443/tcp tls }
flow web  -> anon.api { carries email anonymized "counts per day only" }
flow anon -> sg.api   { carries email }
"#,
    );
    assert_eq!(a.origins("email", "anon"), codes(&["US"]));
    assert_eq!(a.origins("email", "sg"), codes(&["US"]));
    assert!(!a.lineage.has_eea_origin(a.class("email"), a.service("sg")));
    assert!(a.path("email", "sg").is_empty());
}

#[test]
fn a_fed_cycle_carries_the_origin_around() {
    let a = analyse(
        r#"
service web in aws:eu-central-1   { hosts 198.18.1.0/24 }
service us  in aws:us-east-1      { hosts 198.18.2.0/24  port api 443/tcp tls }
service sg  in aws:ap-southeast-1 { hosts 198.18.3.0/24  port api 443/tcp tls }
flow web -> us.api { carries email }
flow us  -> sg.api { carries email }
flow sg  -> us.api { carries email }
"#,
    );
    assert_eq!(a.origins("email", "us"), codes(&["DE"]));
    assert_eq!(a.origins("email", "sg"), codes(&["DE"]));
    assert!(!a.lineage.collects(a.class("email"), a.service("us")));
    assert_eq!(a.path("email", "sg"), ["web -> us.api", "us -> sg.api"]);
}

#[test]
fn an_unfed_cycle_collects_but_what_it_feeds_only_receives() {
    // `us` and `jp` send each other the class and nothing feeds them: they collected it.
    // `de` only receives it from them, so its data comes from the US and Japan, not Germany.
    let a = analyse(
        r#"
service us in aws:us-east-1      { hosts 198.18.1.0/24  port api 443/tcp tls }
service jp in aws:ap-northeast-1 { hosts 198.18.2.0/24  port api 443/tcp tls }
service de in aws:eu-central-1   { hosts 198.18.3.0/24  port api 443/tcp tls }
service sg in aws:ap-southeast-1 { hosts 198.18.4.0/24  port api 443/tcp tls }
flow us -> jp.api { carries email }
flow jp -> us.api { carries email }
flow jp -> de.api { carries email }
flow de -> sg.api { carries email }
"#,
    );
    assert_eq!(a.origins("email", "us"), codes(&["JP", "US"]));
    assert_eq!(a.origins("email", "jp"), codes(&["JP", "US"]));
    assert_eq!(a.origins("email", "de"), codes(&["JP", "US"]));
    assert_eq!(a.origins("email", "sg"), codes(&["JP", "US"]));
    assert!(a.lineage.collects(a.class("email"), a.service("us")));
    assert!(a.lineage.collects(a.class("email"), a.service("jp")));
    assert!(!a.lineage.collects(a.class("email"), a.service("de")));
    assert!(!a.lineage.has_eea_origin(a.class("email"), a.service("sg")));
}

#[test]
fn path_from_eea_starts_in_an_unfed_cycle_in_the_eea() {
    let a = analyse(
        r#"
service de in aws:eu-central-1 { hosts 198.18.1.0/24  port api 443/tcp tls }
service fr in aws:eu-west-3    { hosts 198.18.2.0/24  port api 443/tcp tls }
service gb in aws:eu-west-2    { hosts 198.18.3.0/24  port api 443/tcp tls }
service us in aws:us-east-1    { hosts 198.18.4.0/24  port api 443/tcp tls }
flow de -> fr.api { carries email }
flow fr -> de.api { carries email }
flow fr -> gb.api { carries email }
flow gb -> us.api { carries email }
"#,
    );
    assert_eq!(a.origins("email", "us"), codes(&["DE", "FR"]));
    assert_eq!(a.path("email", "us"), ["fr -> gb.api", "gb -> us.api"]);
}

#[test]
fn multi_regions_contribute_every_country() {
    let a = analyse(
        r#"
service eu_app   in gcp:eur4 { hosts 198.18.1.0/24 }
service asia_app in gcp:asia { hosts 198.18.2.0/24  port api 443/tcp tls }
service us_app   in gcp:us   { hosts 198.18.3.0/24  port api 443/tcp tls }
flow eu_app -> asia_app.api { carries email }
flow asia_app -> us_app.api { carries email, user_id }
"#,
    );
    assert_eq!(a.origins("email", "asia_app"), codes(&["FI", "NL"]));
    assert_eq!(a.origins("email", "us_app"), codes(&["FI", "NL"]));
    assert_eq!(
        a.origins("user_id", "us_app"),
        codes(&["HK", "ID", "IN", "JP", "KR", "SG", "TH", "TW"])
    );
    assert!(
        a.lineage
            .has_eea_origin(a.class("email"), a.service("us_app"))
    );
    assert!(
        !a.lineage
            .has_eea_origin(a.class("user_id"), a.service("us_app"))
    );
    assert_eq!(
        a.path("email", "us_app"),
        ["eu_app -> asia_app.api", "asia_app -> us_app.api"]
    );
}

#[test]
fn path_from_eea_lists_the_hops_in_order() {
    let a = analyse(
        r#"
service web in aws:eu-central-1 { hosts 198.18.1.0/24 }
service fr  in aws:eu-west-3    { hosts 198.18.2.0/24  port api 443/tcp tls }
service ch  in aws:eu-central-2 { hosts 198.18.3.0/24  port api 443/tcp tls }
service gb  in azure:uksouth    { hosts 198.18.4.0/24  port api 443/tcp tls }
service india in aws:ap-south-1 { hosts 198.18.5.0/24  port api 443/tcp tls }
flow gb  -> india.api { carries email }
flow ch  -> gb.api { carries email }
flow web -> fr.api { carries email }
flow fr  -> ch.api { carries email }
"#,
    );
    assert_eq!(
        a.path("email", "india"),
        [
            "web -> fr.api",
            "fr -> ch.api",
            "ch -> gb.api",
            "gb -> india.api"
        ]
    );
    assert_eq!(a.path("email", "fr"), ["web -> fr.api"]);
    // Where the class is collected, the path is empty.
    assert!(a.path("email", "web").is_empty());
}

#[test]
fn path_from_eea_takes_the_shortest_route() {
    let a = analyse(
        r#"
service web in aws:eu-central-1 { hosts 198.18.1.0/24 }
service a   in aws:eu-west-2    { hosts 198.18.2.0/24  port api 443/tcp tls }
service b   in aws:eu-central-2 { hosts 198.18.3.0/24  port api 443/tcp tls }
service us  in aws:us-east-1    { hosts 198.18.4.0/24  port api 443/tcp tls }
flow web -> a.api  { carries email }
flow a   -> b.api  { carries email }
flow b   -> us.api { carries email }
flow web -> us.api { carries email }
flow us  -> b.api  { carries email }
"#,
    );
    assert_eq!(a.path("email", "us"), ["web -> us.api"]);
    assert_eq!(a.path("email", "b"), ["web -> a.api", "a -> b.api"]);
}

#[test]
fn a_store_alone_makes_a_service_collect() {
    let a = analyse(
        r#"
service crm in aws:eu-west-1 {
  hosts 198.18.1.0/24
  purpose analytics
  store main postgres retain 1y { table customers { email: email } }
}
"#,
    );
    assert_eq!(a.origins("email", "crm"), codes(&["IE"]));
    assert!(a.lineage.collects(a.class("email"), a.service("crm")));
}

// ---------------------------------------------------------------------------------------------
// Chapter V depends on the run date: the UK adequacy decision applies until 2031-12-27.

const TO_THE_UK: &str = r#"
service shop in aws:eu-central-1 { hosts 198.18.1.0/24 }
service london in aws:eu-west-2 { hosts 198.18.2.0/24  port api 443/tcp tls  purpose analytics }
flow shop -> london.api { carries email  purpose analytics }
"#;

/// The (rule name, message, notes) of every finding on `day`.
fn findings_on(policy: &str, day: &str) -> Vec<(String, String, Vec<String>)> {
    let compilation = compile_on(policy, day);
    let analysis = compilation.analysis.unwrap();
    analysis
        .outcome
        .findings
        .iter()
        .map(|f| {
            (
                f.diagnostic.code.name.to_string(),
                f.diagnostic.message.clone(),
                f.diagnostic.notes.clone(),
            )
        })
        .collect()
}

#[test]
fn uk_adequacy_covers_transfers_until_2031_12_27() {
    for day in [TODAY, "2031-12-27"] {
        let findings = findings_on(TO_THE_UK, day);
        assert!(findings.is_empty(), "{day}: {findings:#?}");
    }
}

#[test]
fn uk_transfers_need_another_basis_once_the_decision_has_expired() {
    let findings = findings_on(TO_THE_UK, "2032-01-10");
    let [(rule, message, notes)] = findings.as_slice() else {
        panic!("expected one finding, got {findings:#?}");
    };
    assert_eq!(rule, "transfer-without-basis");
    assert_eq!(
        message,
        "`shop -> london.api` transfers personal data to the United Kingdom without a Chapter V basis"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("applied until 2031-12-27 and has expired")),
        "{notes:#?}"
    );
    let analysis = compile_on(TO_THE_UK, "2032-01-10").analysis.unwrap();
    let flow = analysis.model.flow_ids().next().unwrap();
    assert_eq!(analysis.outcome.blocked_flows(), [flow]);
    // Declared SCCs are a basis whatever the date.
    let with_sccs = format!(
        "{TO_THE_UK}transfer EU -> GB {{ mechanism adequacy  mechanism scc module c2p  recipient london  reference \"SCCs as a fallback\" }}\n"
    );
    let findings = findings_on(&with_sccs, "2032-01-10");
    assert!(findings.is_empty(), "{findings:#?}");
}
