//! The human name of every grammar rule, for "expected ..." in syntax errors.

use super::{Rule, TOP_LEVEL_KEYWORDS};

/// What the parser expected, as a user would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A literal token, shown in backticks: a keyword or punctuation.
    Token(&'static str),
    /// A description such as "a name".
    Phrase(&'static str),
}

impl Expected {
    pub(super) fn render(self) -> String {
        match self {
            Expected::Token(token) => format!("`{token}`"),
            Expected::Phrase(phrase) => phrase.to_owned(),
        }
    }
}

/// The human name of every non-silent rule (`None` for silent ones, which pest never reports).
/// Exhaustive on purpose: a new rule does not compile until it is listed here.
pub(crate) fn expected(rule: Rule) -> Option<Expected> {
    use Expected::{Phrase, Token};
    Some(match rule {
        Rule::WHITESPACE
        | Rule::COMMENT
        | Rule::data_attr
        | Rule::mask_value
        | Rule::service_item
        | Rule::flow_item
        | Rule::transfer_item
        | Rule::waiver_item
        | Rule::name_list
        | Rule::address_list
        | Rule::ident_char
        | Rule::kw_end => return None,
        Rule::EOI => Phrase("end of file"),
        Rule::policy => Phrase("a policy"),
        Rule::item | Rule::declaration | Rule::declaration_start => Phrase("a declaration"),
        Rule::controller_decl => Phrase("a `controller` declaration"),
        Rule::controller_body => Phrase("a controller body `{ ... }`"),
        Rule::contact_item | Rule::contact_kind => {
            Phrase("a contact (`dpo`, `contact`, `representative` or `address`)")
        }
        Rule::trust_domain_decl => Phrase("a `trust_domain` declaration"),
        Rule::firewall_default_decl => Phrase("a `firewall_default` declaration"),
        Rule::severity_decl => Phrase("a `severity` declaration"),
        Rule::purpose_decl => Phrase("a `purpose` declaration"),
        Rule::basis => Phrase("a lawful basis such as `basis contract`"),
        Rule::data_decl => Phrase("a `data` declaration"),
        Rule::category_attr => Phrase("a `category`"),
        Rule::subjects_attr => Phrase("a `subjects` list"),
        Rule::mask_attr => Phrase("a `mask`"),
        Rule::mask_strategy => Phrase("a masking strategy such as `partial_email`"),
        Rule::mask_args => Phrase("strategy arguments such as `(keep_last = 4)`"),
        Rule::mask_arg => Phrase("an argument such as `keep_last = 4`"),
        Rule::site_decl => Phrase("a `site` declaration"),
        Rule::location => Phrase("a location such as `aws:eu-central-1` or a site name"),
        Rule::region_ref => Phrase("a cloud region such as `aws:eu-central-1`"),
        Rule::region_name => Phrase("a region name such as `eu-central-1`"),
        Rule::service_decl => Phrase("a `service` declaration"),
        Rule::service_body => Phrase("a service body `{ ... }`"),
        Rule::hosts_item => Phrase("a `hosts` list"),
        Rule::port_item => Phrase("a `port`"),
        Rule::port_range => Phrase("a port number or range such as `8443` or `9000-9010`"),
        Rule::store_item => Phrase("a `store`"),
        Rule::retain => Phrase("a retention period such as `retain 90d`"),
        Rule::store_body => Phrase("a store body `{ ... }`"),
        Rule::table => Phrase("a `table`"),
        Rule::field => Phrase("a field such as `email: email`"),
        Rule::service_purpose_item => Phrase("a `purpose`"),
        Rule::purpose_classes => Phrase("`for` and a list of data classes"),
        Rule::operator_item => Phrase("an `operator`"),
        Rule::certified_item => Phrase("a certification such as `certified dpf`"),
        Rule::sector_item => Phrase("a `sector`"),
        Rule::firewall_item => Phrase("a `firewall` mode"),
        Rule::management_item => Phrase("a `management` rule"),
        Rule::flow_decl => Phrase("a `flow` declaration"),
        Rule::flow_body => Phrase("a flow body `{ ... }`"),
        Rule::carries_item => Phrase("a `carries` list"),
        Rule::carried => Phrase("a data class"),
        Rule::transform => {
            Phrase("a transformation (`hashed`, `tokenized`, `redacted`, `masked` or `anonymized`)")
        }
        Rule::masked => Token("masked"),
        Rule::anonymized => Phrase("`anonymized` and a justification"),
        Rule::flow_purpose_item => Phrase("a `purpose`"),
        Rule::transfer_decl => Phrase("a `transfer` declaration"),
        Rule::mechanism_item => Phrase("a `mechanism`"),
        Rule::mechanism => Phrase("a transfer mechanism such as `adequacy`, `dpf` or `scc`"),
        Rule::scc => Token("scc"),
        Rule::derogation => Phrase("`derogation` and an Art. 49 ground"),
        Rule::named_mechanism => Phrase("a transfer mechanism"),
        Rule::recipient_item => Phrase("a `recipient` list"),
        Rule::reference_item => Phrase("a `reference`"),
        Rule::waiver_decl => Phrase("a `waive` declaration"),
        Rule::subject => {
            Phrase("what is waived (`flow`, `port`, `store`, `service`, `data` or `transfer`)")
        }
        Rule::subject_flow => Phrase("a flow such as `flow checkout -> analytics.ingest`"),
        Rule::subject_port => Phrase("a port such as `port analytics.ingest`"),
        Rule::subject_store => Phrase("a store such as `store checkout.customers`"),
        Rule::subject_service => Phrase("a service such as `service checkout`"),
        Rule::subject_data => Phrase("a data class such as `data email`"),
        Rule::subject_transfer => Phrase("a transfer such as `transfer EU -> US`"),
        Rule::reason_item => Phrase("a `reason`"),
        Rule::owner_item => Phrase("an `owner`"),
        Rule::member_ref => {
            Phrase("a service and one of its ports or stores, such as `analytics.ingest`")
        }
        Rule::data_kind => {
            Phrase("a kind of data (`personal`, `special`, `criminal` or `non_personal`)")
        }
        Rule::severity_level => Phrase("a severity (`error`, `warning` or `off`)"),
        Rule::firewall_mode => Phrase("a firewall mode (`ports` or `host`)"),
        Rule::engine => Phrase(
            "a store engine (`postgres`, `mysql`, `mongodb`, `s3`, `redis`, `elasticsearch`, \
             `kafka` or `other`)",
        ),
        Rule::protocol => Phrase("a protocol (`tcp` or `udp`)"),
        Rule::transport => Phrase("a transport (`none`, `tls` or `mtls`)"),
        Rule::ident => Phrase("a name"),
        Rule::dotted => Phrase("a category such as `user.contact.email`"),
        Rule::string => Phrase("a string in double quotes"),
        Rule::number => Phrase("a number"),
        Rule::date => Phrase("a date such as `2027-03-31`"),
        Rule::address => Phrase("an IP address or CIDR such as `198.18.1.0/24`"),
        Rule::duration => Phrase("a duration such as `90d`, `6w`, `18mo` or `2y`"),
        Rule::comma => Token(","),
        Rule::colon => Token(":"),
        Rule::dot => Token("."),
        Rule::slash => Token("/"),
        Rule::dash => Token("-"),
        Rule::arrow => Token("->"),
        Rule::equals => Token("="),
        Rule::lparen => Token("("),
        Rule::lbrace => Token("{"),
        Rule::rparen => Token(")"),
        Rule::rbrace => Token("}"),
        Rule::kw_controller => Token("controller"),
        Rule::kw_trust_domain => Token("trust_domain"),
        Rule::kw_firewall_default => Token("firewall_default"),
        Rule::kw_severity => Token("severity"),
        Rule::kw_purpose => Token("purpose"),
        Rule::kw_basis => Token("basis"),
        Rule::kw_data => Token("data"),
        Rule::kw_category => Token("category"),
        Rule::kw_subjects => Token("subjects"),
        Rule::kw_mask => Token("mask"),
        Rule::kw_site => Token("site"),
        Rule::kw_country => Token("country"),
        Rule::kw_external => Token("external"),
        Rule::kw_service => Token("service"),
        Rule::kw_in => Token("in"),
        Rule::kw_hosts => Token("hosts"),
        Rule::kw_port => Token("port"),
        Rule::kw_store => Token("store"),
        Rule::kw_retain => Token("retain"),
        Rule::kw_table => Token("table"),
        Rule::kw_for => Token("for"),
        Rule::kw_operator => Token("operator"),
        Rule::kw_certified => Token("certified"),
        Rule::kw_sector => Token("sector"),
        Rule::kw_firewall => Token("firewall"),
        Rule::kw_management => Token("management"),
        Rule::kw_from => Token("from"),
        Rule::kw_flow => Token("flow"),
        Rule::kw_carries => Token("carries"),
        Rule::kw_hashed => Token("hashed"),
        Rule::kw_tokenized => Token("tokenized"),
        Rule::kw_redacted => Token("redacted"),
        Rule::kw_masked => Token("masked"),
        Rule::kw_with => Token("with"),
        Rule::kw_anonymized => Token("anonymized"),
        Rule::kw_transfer => Token("transfer"),
        Rule::kw_mechanism => Token("mechanism"),
        Rule::kw_scc => Token("scc"),
        Rule::kw_module => Token("module"),
        Rule::kw_derogation => Token("derogation"),
        Rule::kw_recipient => Token("recipient"),
        Rule::kw_reference => Token("reference"),
        Rule::kw_waive => Token("waive"),
        Rule::kw_on => Token("on"),
        Rule::kw_until => Token("until"),
        Rule::kw_reason => Token("reason"),
        Rule::kw_owner => Token("owner"),
    })
}

/// Whether a rule is a keyword or punctuation: its pair carries no value for the syntax tree.
pub(crate) fn is_token(rule: Rule) -> bool {
    matches!(expected(rule), Some(Expected::Token(_))) && !matches!(rule, Rule::masked | Rule::scc)
}

/// The words a grouped rule accepts, offered as "did you mean" suggestions.
pub(super) fn words(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::contact_kind | Rule::contact_item => &["dpo", "contact", "representative", "address"],
        Rule::data_kind => &["personal", "special", "criminal", "non_personal"],
        Rule::severity_level => &["error", "warning", "off"],
        Rule::firewall_mode => &["ports", "host"],
        Rule::engine => &[
            "postgres",
            "mysql",
            "mongodb",
            "s3",
            "redis",
            "elasticsearch",
            "kafka",
            "other",
        ],
        Rule::protocol => &["tcp", "udp"],
        Rule::transport => &["none", "tls", "mtls"],
        Rule::transform => &["hashed", "tokenized", "redacted", "masked", "anonymized"],
        Rule::subject => &["flow", "port", "store", "service", "data", "transfer"],
        Rule::item | Rule::declaration | Rule::declaration_start => TOP_LEVEL_KEYWORDS,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of the rules the grammar declares, with whether each is silent (`_{`).
    fn grammar_rules() -> Vec<(String, bool)> {
        let grammar = include_str!("../ward.pest");
        let mut rules = Vec::new();
        for line in grammar.lines() {
            let Some((name, rest)) = line.split_once('=') else {
                continue;
            };
            let name = name.trim();
            let rest = rest.trim_start();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            if line.starts_with(char::is_whitespace) || line.starts_with("//") {
                continue;
            }
            rules.push((name.to_owned(), rest.starts_with('_')));
        }
        rules
    }

    #[test]
    fn every_non_silent_rule_has_a_human_name() {
        let declared = grammar_rules();
        assert!(
            declared.len() > 100,
            "the grammar scan found {} rules",
            declared.len()
        );
        for &rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            let silent = declared
                .iter()
                .find(|(n, _)| *n == name)
                .is_some_and(|(_, s)| *s);
            match expected(rule) {
                None => assert!(silent, "non-silent rule `{name}` has no human name"),
                Some(Expected::Token(token)) => assert!(!token.is_empty(), "{name}"),
                Some(Expected::Phrase(phrase)) => {
                    assert!(!silent, "silent rule `{name}` is named");
                    assert!(!phrase.ends_with('.'), "{name}: {phrase}");
                    assert!(
                        phrase.starts_with(|c: char| c.is_lowercase() || c == '`'),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn keyword_rules_are_named_after_their_keyword() {
        for &rule in Rule::all_rules() {
            if format!("{rule:?}").starts_with("kw_") && rule != Rule::kw_end {
                let Some(Expected::Token(word)) = expected(rule) else {
                    panic!("{rule:?}")
                };
                assert_eq!(format!("{rule:?}"), format!("kw_{word}"));
            }
        }
    }
}
