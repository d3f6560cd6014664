//! `C306 unused-port`: a port of an internal service that no flow uses.

use ward_lang::{Code, Diagnostic};

use crate::checks::{Context, Finding, Rule};
use crate::model::{Model, PortId, Subject};

ward_lang::declare_codes! {
    /// ## What it checks
    /// A `port` declared on an internal service that no `flow` targets. `ward build` opens
    /// every declared port in the service's firewall, so such a port is open for no declared
    /// reason. `management` access is not a port in this sense and is not checked here;
    /// ports of external services are not checked either (ward does not write their firewall).
    ///
    /// ## Why it matters
    /// Art. 32(1) GDPR asks for security appropriate to the risk, and Art. 25(1) for data
    /// protection by design: every open port is attack surface through which personal data on
    /// the host can be reached. A port nobody is declared to use is usually left over from an
    /// old integration, or used by a flow that is missing from the policy (and from the
    /// record of processing activities).
    ///
    /// ## Example
    /// ```ward
    /// service crm in aws:eu-central-1 {
    ///   hosts 198.18.2.0/24  port sync 8443/tcp tls  port legacy 8080/tcp
    /// }
    /// flow shop -> crm.sync { carries sku }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// service crm in aws:eu-central-1 { hosts 198.18.2.0/24  port sync 8443/tcp tls }
    /// flow shop -> crm.sync { carries sku }
    /// ```
    ///
    /// ## How to fix
    /// Close the port: delete its `port` line. If a client does use it, declare that flow
    /// (`flow backoffice -> crm.legacy { carries ... }`) so the policy says what crosses it.
    ///
    /// ## Waiving
    /// `waive unused-port on port crm.legacy until 2027-03-31 { reason "..." owner "..." }`
    CODE = ("C306", "unused-port", Warning, "a port is open but no flow uses it");
}

/// See [`CODE`].
pub struct UnusedPort;

impl Rule for UnusedPort {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut used = vec![false; cx.model.ports.len()];
        for flow in &cx.model.flows {
            if let Some(slot) = used.get_mut(flow.port.index()) {
                *slot = true;
            }
        }
        for id in cx.model.port_ids() {
            let port = cx.model.port(id);
            let unused = !used.get(id.index()).copied().unwrap_or(true);
            if unused && !cx.model.service(port.service).external {
                out.push(Finding::new(diagnostic(cx.model, id), Subject::Port(id)));
            }
        }
    }
}

/// The finding's diagnostic for an unused port.
fn diagnostic(model: &Model, id: PortId) -> Diagnostic {
    let port = model.port(id);
    let service = model.service(port.service);
    let transport = if port.transport_span.is_some() {
        format!(" {}", port.transport.as_str())
    } else {
        String::new()
    };
    Diagnostic::new(&CODE, format!("port `{}` is open but no flow uses it", model.port_path(id)))
        .at(port.name_span, "no flow targets this port")
        .with_help(format!(
            "close it: delete `port {} {}/{}{transport}` from `{}`; or, if a client uses it, declare that flow (`flow <client> -> {} {{ carries ... }}`)",
            port.name,
            port.range,
            port.protocol.as_str(),
            service.name,
            model.port_path(id),
        ))
}
