//! The whole check pipeline as one pure function: sources in, model and findings out.
//!
//! Stages stop early on errors that would only cause noise downstream: a policy with syntax
//! errors is not resolved, and a policy that does not resolve is not checked.

use ward_lang::{Diagnostic, Sources};

use crate::checks::{self, Outcome};
use crate::date::Date;
use crate::graph::Graph;
use crate::graph::lineage::Lineage;
use crate::model::{Model, resolve};
use crate::reference::Reference;

/// A policy that got through the front end, with its graph and check outcome.
#[derive(Debug)]
pub struct Analysis {
    pub model: Model,
    pub graph: Graph,
    pub lineage: Lineage,
    pub outcome: Outcome,
}

/// Everything a run found out about a policy.
#[derive(Debug)]
pub struct Compilation {
    /// Parse and resolution diagnostics (errors stop the pipeline before the checks).
    pub frontend: Vec<Diagnostic>,
    /// `None` when the front end reported errors.
    pub analysis: Option<Analysis>,
}

impl Compilation {
    /// Whether anything blocks the policy: a front-end error, an unwaived error finding, or an
    /// error about waivers and settings.
    pub fn has_errors(&self) -> bool {
        self.frontend.iter().any(Diagnostic::is_error)
            || self.analysis.as_ref().is_some_and(|a| {
                a.outcome.findings.iter().any(|f| f.is_blocking_error())
                    || a.outcome.diagnostics.iter().any(Diagnostic::is_error)
            })
    }

    /// Whether any warning (unwaived) was reported.
    pub fn has_warnings(&self) -> bool {
        let warning = |d: &Diagnostic| d.severity == ward_lang::Severity::Warning;
        self.frontend.iter().any(warning)
            || self.analysis.as_ref().is_some_and(|a| {
                a.outcome
                    .findings
                    .iter()
                    .any(|f| f.waived_by.is_none() && warning(&f.diagnostic))
                    || a.outcome.diagnostics.iter().any(warning)
            })
    }
}

/// Parses, resolves and checks a policy. `today` decides which waivers and adequacy
/// decisions are in force; it is a parameter so that runs are reproducible.
pub fn analyse(sources: &Sources, today: Date) -> Compilation {
    let reference = Reference::builtin();
    let (ast, mut frontend) = ward_lang::parse(sources);
    if frontend.iter().any(Diagnostic::is_error) {
        ward_lang::diag::sort_diagnostics(&mut frontend);
        return Compilation {
            frontend,
            analysis: None,
        };
    }
    let (model, resolve_diags) = resolve::resolve(&ast, reference);
    // Freeing a large syntax tree takes a noticeable share of a run (hundreds of thousands of
    // small allocations); nothing needs it any more, so it is freed on another thread while the
    // checks run on this one.
    std::thread::spawn(move || drop(ast));
    frontend.extend(resolve_diags);
    ward_lang::diag::sort_diagnostics(&mut frontend);
    if frontend.iter().any(Diagnostic::is_error) {
        return Compilation {
            frontend,
            analysis: None,
        };
    }
    let graph = Graph::build(&model);
    let lineage = Lineage::compute(&model, &graph, reference);
    let cx = checks::Context {
        model: &model,
        graph: &graph,
        lineage: &lineage,
        reference,
        today,
    };
    let outcome = checks::run(&cx);
    Compilation {
        frontend,
        analysis: Some(Analysis {
            model,
            graph,
            lineage,
            outcome,
        }),
    }
}
