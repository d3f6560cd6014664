//! `C301 unencrypted-personal-data`: personal data over a port without transport security.

use ward_lang::{Code, Diagnostic};

use crate::checks::{Context, Finding, Rule};
use crate::model::{Subject, Transport, Travels};

ward_lang::declare_codes! {
    /// ## What it checks
    /// A flow that carries personal data, as is or pseudonymised (hashed, tokenised, masked),
    /// to a port declared without transport security (`none`, the default).
    ///
    /// ## Why it matters
    /// Art. 32(1)(a) GDPR requires appropriate technical measures, naming encryption of personal
    /// data, and Art. 32(2) the risk of unauthorised disclosure in transit. Pseudonymised data is
    /// still personal data (Recital 26), so hashing a value does not make plain-text transport
    /// acceptable. Data redacted on the way or declared anonymised does not count.
    ///
    /// ## Example
    /// ```ward
    /// service crm in aws:eu-central-1 { hosts 198.18.2.0/24  port sync 8080/tcp }
    /// flow shop -> crm.sync { carries email }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// service crm in aws:eu-central-1 { hosts 198.18.2.0/24  port sync 8443/tcp tls }
    /// ```
    ///
    /// ## How to fix
    /// Serve the port with TLS or mTLS and declare it (`port sync 8443/tcp tls`), or stop
    /// sending the personal data (`carries email redacted`).
    ///
    /// ## Waiving
    /// `waive unencrypted-personal-data on flow shop -> crm.sync until 2027-03-31 { reason "..." owner "..." }`
    CODE = ("C301", "unencrypted-personal-data", Error, "personal data travels over a port without transport security");
}

/// See [`CODE`].
pub struct UnencryptedPersonalData;

impl Rule for UnencryptedPersonalData {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for id in cx.model.flow_ids() {
            let flow = cx.model.flow(id);
            let port = cx.model.port(flow.port);
            if port.transport != Transport::None {
                continue;
            }
            let personal: Vec<&str> = flow
                .carries
                .iter()
                .filter(|c| cx.model.class(c.class).is_personal())
                .filter(|c| {
                    matches!(
                        c.transform.travels(),
                        Travels::Plain | Travels::Pseudonymised
                    )
                })
                .map(|c| cx.model.class(c.class).name.as_str())
                .collect();
            if personal.is_empty() {
                continue;
            }
            let list = personal
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let port_label = match port.transport_span {
                Some(span) => (span, "declared without transport security".to_string()),
                None => (
                    port.name_span,
                    "no transport security declared (defaults to `none`)".to_string(),
                ),
            };
            let diagnostic = Diagnostic::new(
                &CODE,
                format!("personal data travels unencrypted from `{}` to `{}`", cx.model.service(flow.source).name, cx.model.port_path(flow.port)),
            )
            .at(flow.head_span, format!("carries {list} in plain text"))
            .with_secondary(port_label.0, port_label.1)
            .with_help(format!(
                "declare the port with `tls` or `mtls` (`port {} {}/{} tls`) and serve it so, or redact the personal data on this flow",
                port.name,
                port.range,
                port.protocol.as_str(),
            ));
            out.push(
                Finding::new(
                    diagnostic,
                    Subject::Flow {
                        source: flow.source,
                        port: flow.port,
                    },
                )
                .blocking(id),
            );
        }
    }
}
