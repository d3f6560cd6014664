//! `C312 whole-host-without-management`: `firewall host` with no management access.

use ward_lang::{Code, Diagnostic};

use crate::checks::{Context, Finding, Rule};
use crate::model::{FirewallMode, Service, Subject};

ward_lang::declare_codes! {
    /// ## What it checks
    /// An internal service whose host ward owns entirely (`firewall host` in the service, or
    /// `firewall_default host` for the policy) that declares no `management` access. Its
    /// ruleset drops every connection that is not a declared flow, so applying it would also
    /// cut off SSH, configuration management and monitoring: the operators lock themselves out.
    ///
    /// ## Why it matters
    /// This is an operational safeguard rather than a requirement of the GDPR's text. Art.
    /// 32(1)(b) and (c) GDPR ask for the ongoing availability and resilience of processing
    /// systems and the ability to restore access to personal data in a timely manner after an
    /// incident; a host no operator can reach cannot be patched, restored or investigated.
    /// Declaring management access also keeps it narrow: only the listed ports, only from the
    /// listed networks.
    ///
    /// ## Example
    /// ```ward
    /// service db in aws:eu-central-1 {
    ///   hosts 198.18.3.0/24  firewall host  port sql 5432/tcp tls
    /// }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// service db in aws:eu-central-1 {
    ///   hosts 198.18.3.0/24  firewall host  port sql 5432/tcp tls
    ///   management 22/tcp from 198.18.250.0/24
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Declare how operators reach the host, from your bastion or VPN network only
    /// (`management 22/tcp from 198.18.250.0/24`); or let ward own only the declared ports
    /// (`firewall ports`).
    ///
    /// ## Waiving
    /// `waive whole-host-without-management on service db until 2027-03-31 { reason "..." owner "..." }`
    CODE = ("C312", "whole-host-without-management", Warning, "a host firewall would lock operators out");
}

/// See [`CODE`].
pub struct WholeHostWithoutManagement;

impl Rule for WholeHostWithoutManagement {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for id in cx.model.service_ids() {
            let service = cx.model.service(id);
            if !service.external
                && service.firewall == FirewallMode::Host
                && service.management.is_empty()
            {
                out.push(Finding::new(diagnostic(service), Subject::Service(id)));
            }
        }
    }
}

/// The finding's diagnostic for `service`.
fn diagnostic(service: &Service) -> Diagnostic {
    let diag = Diagnostic::new(
        &CODE,
        format!(
            "service `{}` owns its whole host but declares no management access",
            service.name
        ),
    );
    let diag = match service.firewall_span {
        Some(span) => diag
            .at(
                span,
                "drops every connection that is not a declared flow, operators' included",
            )
            .with_secondary(service.name_span, "no `management` access declared"),
        None => diag.at(
            service.name_span,
            "inherits `firewall_default host` and declares no `management` access",
        ),
    };
    diag.with_help(
        "declare how operators reach the host, from your bastion or VPN network only (e.g. `management 22/tcp from 198.18.250.0/24`), or write `firewall ports` to leave the rest of the host alone",
    )
}
