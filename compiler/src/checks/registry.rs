//! THE list of compliance rules. Codes, names and docs (`ward explain`, `docs/rules.md`) all
//! come from here; a test cross-checks it against the rule fixtures.

use std::collections::BTreeMap;

use ward_lang::diag::suggest;
use ward_lang::{Code, Diagnostic};

use crate::checks::Rule;
use crate::checks::rules;
use crate::model::{Model, SeverityLevel};

/// Every rule that inspects the policy, in code order.
pub static RULES: &[&dyn Rule] = &[
    &rules::unencrypted_personal_data::UnencryptedPersonalData,
    &rules::sensitive_data_without_mtls::SensitiveDataWithoutMtls,
    &rules::sensitive_data_without_purpose::SensitiveDataWithoutPurpose,
    &rules::transfer_without_basis::TransferWithoutBasis,
    &rules::onward_transfer_without_basis::OnwardTransferWithoutBasis,
    &rules::unused_port::UnusedPort,
    &rules::store_without_retention::StoreWithoutRetention,
    &rules::store_without_purpose::StoreWithoutPurpose,
    &rules::external_flow_without_purpose::ExternalFlowWithoutPurpose,
    &rules::whole_host_without_management::WholeHostWithoutManagement,
];

/// Codes reported by the checks stage about its own configuration (waivers, severities).
pub static CONFIG_CODES: &[&Code] = &[
    &rules::expired_waiver::CODE,
    &rules::unused_waiver::CODE,
    &rules::unknown_rule::CODE,
];

/// Every code of the checks stage: rules first, then configuration codes.
pub fn codes() -> impl Iterator<Item = &'static Code> {
    RULES
        .iter()
        .map(|r| r.code())
        .chain(CONFIG_CODES.iter().copied())
}

/// A rule by kebab-case name.
pub fn rule_by_name(name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.code().name == name)
}

/// Whether `severity NAME level` may name this code.
fn is_configurable(name: &str) -> bool {
    rule_by_name(name).is_some()
        || name == rules::expired_waiver::CODE.name
        || name == rules::unused_waiver::CODE.name
}

/// The policy's `severity` settings by rule name. Unknown names are reported (with a
/// suggestion); when a rule is configured twice, the later declaration wins and both are shown.
pub fn severity_levels(
    model: &Model,
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<&'static str, SeverityLevel> {
    let mut levels = BTreeMap::new();
    let mut seen: BTreeMap<&'static str, ward_lang::Span> = BTreeMap::new();
    for setting in &model.severity_overrides {
        let name = setting.rule.value.as_str();
        let Some(code) = codes().find(|c| c.name == name && is_configurable(c.name)) else {
            out.push(unknown_rule(
                name,
                setting.rule.span,
                "`severity` names a rule",
            ));
            continue;
        };
        if let Some(previous) = seen.insert(code.name, setting.span) {
            out.push(
                Diagnostic::new(
                    &rules::unknown_rule::CODE,
                    format!("severity of `{name}` is set twice"),
                )
                .at(setting.span, "set again here")
                .with_secondary(previous, "first set here")
                .with_help("keep one `severity` line per rule"),
            );
        }
        levels.insert(code.name, setting.level);
    }
    levels
}

/// The diagnostic for a rule name that no rule has.
pub fn unknown_rule(name: &str, span: ward_lang::Span, context: &str) -> Diagnostic {
    let names = codes().filter(|c| is_configurable(c.name)).map(|c| c.name);
    let help = match suggest::closest(name, names) {
        Some(close) => format!("did you mean `{close}`? `ward explain --list` shows every rule"),
        None => "`ward explain --list` shows every rule".to_string(),
    };
    Diagnostic::new(&rules::unknown_rule::CODE, format!("unknown rule `{name}`"))
        .at(span, format!("{context} that does not exist"))
        .with_help(help)
}
