//! Compliance checks: a registry of rules run over the model, its graph and lineage.
//!
//! Each rule lives in its own file under `checks/rules/`, with its user documentation as the
//! doc comment of its code (what `ward explain` prints). A rule only *finds*: severity
//! overrides, waivers and their expiry are applied here, once, for every rule.

pub mod registry;
pub mod rules;
pub mod transfer_basis;
mod waivers;

use ward_lang::{Code, Diagnostic, Severity};

use crate::date::Date;
use crate::graph::Graph;
use crate::graph::lineage::Lineage;
use crate::model::{FlowId, Model, SeverityLevel, Subject, WaiverId};
use crate::reference::Reference;

/// Everything a rule may look at. Rules never read the clock: `today` comes from the caller.
pub struct Context<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    pub lineage: &'a Lineage,
    pub reference: &'a Reference,
    pub today: Date,
}

/// A compliance rule.
pub trait Rule: Sync {
    /// The rule's code, name, default severity and documentation.
    fn code(&self) -> &'static Code;

    /// Appends a finding for every violation in the policy.
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// A rule's finding about one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    /// What the finding is about; with the rule, its identity (see [`Finding::fingerprint`]).
    pub subject: Subject,
    /// Broader subjects the finding also concerns, which a waiver may name instead of the
    /// exact subject: the data classes involved (`waive … on data email`) and, for transfer
    /// findings, the jurisdictions crossed (`waive … on transfer EU -> US`).
    pub also: Vec<Subject>,
    /// Flows that must not be enforced as allowed while this finding stands unwaived as an
    /// error (fail closed: no backend turns them into an accept).
    pub blocks: Vec<FlowId>,
    /// The waiver that accepts this finding, if one does and has not expired.
    pub waived_by: Option<WaiverId>,
}

impl Finding {
    pub fn new(diagnostic: Diagnostic, subject: Subject) -> Finding {
        Finding {
            diagnostic,
            subject,
            also: Vec::new(),
            blocks: Vec::new(),
            waived_by: None,
        }
    }

    /// A finding that also blocks `flow` from being enforced as allowed.
    pub fn blocking(mut self, flow: FlowId) -> Finding {
        self.blocks.push(flow);
        self
    }

    /// A finding that a waiver of this broader subject also accepts.
    pub fn also_concerning(mut self, subject: Subject) -> Finding {
        if subject != self.subject && !self.also.contains(&subject) {
            self.also.push(subject);
        }
        self
    }

    /// The stable identity of a finding: `<rule-name>:<subject>`, e.g.
    /// `unencrypted-personal-data:flow legacy -> crm.sync`. Waivers match on it.
    pub fn fingerprint(&self, model: &Model) -> String {
        format!(
            "{}:{}",
            self.diagnostic.code.name,
            self.subject.describe(model)
        )
    }

    /// An unwaived error: fails `ward check` and blocks `ward build`.
    pub fn is_blocking_error(&self) -> bool {
        self.waived_by.is_none() && self.diagnostic.severity == Severity::Error
    }
}

/// The outcome of running all checks.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings of compliance rules (waived ones included, marked), in report order.
    pub findings: Vec<Finding>,
    /// Problems with the check configuration itself: unknown rule names in `severity` and
    /// `waive`, expired or unused waivers.
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    /// Flows that an unwaived error forbids enforcing as allowed, sorted and deduplicated.
    pub fn blocked_flows(&self) -> Vec<FlowId> {
        let mut flows: Vec<FlowId> = self
            .findings
            .iter()
            .filter(|f| f.is_blocking_error())
            .flat_map(|f| f.blocks.iter().copied())
            .collect();
        flows.sort_unstable();
        flows.dedup();
        flows
    }
}

/// Runs every enabled rule, applies severity overrides and waivers, and checks the waivers.
pub fn run(cx: &Context<'_>) -> Outcome {
    let mut diagnostics = Vec::new();
    let levels = registry::severity_levels(cx.model, &mut diagnostics);
    let mut findings = Vec::new();
    for rule in registry::RULES {
        let code = rule.code();
        let level = levels.get(code.name).copied();
        if level == Some(SeverityLevel::Off) {
            continue;
        }
        let start = findings.len();
        rule.check(cx, &mut findings);
        if let Some(new) = findings.get_mut(start..) {
            for finding in new {
                finding.diagnostic.severity = match level {
                    Some(SeverityLevel::Error) => Severity::Error,
                    Some(SeverityLevel::Warning) => Severity::Warning,
                    _ => code.default_severity,
                };
            }
        }
    }
    waivers::apply(cx, &levels, &mut findings, &mut diagnostics);
    findings.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    findings.dedup_by(|a, b| a.diagnostic == b.diagnostic && a.subject == b.subject);
    ward_lang::diag::sort_diagnostics(&mut diagnostics);
    Outcome {
        findings,
        diagnostics,
    }
}
