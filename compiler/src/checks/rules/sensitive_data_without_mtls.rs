//! `C302 sensitive-data-without-mtls`: Art. 9/10 data to a port without mutual TLS.

use ward_lang::{Code, Diagnostic};

use crate::checks::{Context, Finding, Rule};
use crate::model::{ClassId, DataClass, DataKind, Flow, Model, Port, Subject, Transport, Travels};

ward_lang::declare_codes! {
    /// ## What it checks
    /// A flow that carries special-category data (`data ... special`, Art. 9) or
    /// criminal-offence data (`data ... criminal`, Art. 10), as is or pseudonymised (hashed,
    /// tokenised, masked), to a port that is not declared `mtls`. A `tls` port authenticates
    /// only the server; a port without transport security (reported by
    /// `unencrypted-personal-data` too) authenticates nobody.
    ///
    /// ## Why it matters
    /// Art. 9(1) and Art. 10 GDPR single these categories out because their disclosure
    /// seriously harms the data subject, and Art. 32(1) asks for security appropriate to that
    /// risk. With mutual TLS both ends prove who they are, so only the declared sender can
    /// write to the port and the data cannot be sent to, or read by, an impostor service on the
    /// network. Pseudonymised data is still personal data (Recital 26). Data redacted on the
    /// way or declared anonymised does not count.
    ///
    /// ## Example
    /// ```ward
    /// data diagnosis special category health.diagnosis subjects patients mask redact
    /// service clinic  in aws:eu-central-1 { hosts 198.18.1.0/24 }
    /// service records in aws:eu-central-1 {
    ///   hosts 198.18.2.0/24  port api 8443/tcp tls  purpose care for diagnosis
    /// }
    /// flow clinic -> records.api { carries diagnosis }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// service records in aws:eu-central-1 {
    ///   hosts 198.18.2.0/24  port api 8443/tcp mtls  purpose care for diagnosis
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Declare the port `mtls` (`port api 8443/tcp mtls`) and serve it with the certificates
    /// `ward build` issues, so the sender presents its own; or stop sending the data
    /// (`carries diagnosis redacted`).
    ///
    /// ## Waiving
    /// `waive sensitive-data-without-mtls on flow clinic -> records.api until 2027-03-31 { reason "..." owner "..." }`
    ///
    /// `waive sensitive-data-without-mtls on data diagnosis ...` accepts it for every flow that
    /// carries that class.
    CODE = ("C302", "sensitive-data-without-mtls", Error, "special-category or criminal-offence data travels to a port without mutual tls");
}

/// See [`CODE`].
pub struct SensitiveDataWithoutMtls;

impl Rule for SensitiveDataWithoutMtls {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for id in cx.model.flow_ids() {
            let flow = cx.model.flow(id);
            let port = cx.model.port(flow.port);
            if port.transport == Transport::Mtls {
                continue;
            }
            let ids: Vec<ClassId> = flow
                .carries
                .iter()
                .filter(|c| {
                    matches!(
                        c.transform.travels(),
                        Travels::Plain | Travels::Pseudonymised
                    )
                })
                .map(|c| c.class)
                .filter(|&c| cx.model.class(c).is_sensitive())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let sensitive: Vec<&DataClass> = ids.iter().map(|&c| cx.model.class(c)).collect();
            let subject = Subject::Flow {
                source: flow.source,
                port: flow.port,
            };
            let finding = Finding::new(diagnostic(cx.model, flow, port, &sensitive), subject);
            let finding = ids
                .iter()
                .fold(finding, |f, &c| f.also_concerning(Subject::Data(c)));
            out.push(finding.blocking(id));
        }
    }
}

/// The finding's diagnostic for `flow`, which carries the `sensitive` classes to `port`.
fn diagnostic(model: &Model, flow: &Flow, port: &Port, sensitive: &[&DataClass]) -> Diagnostic {
    let list = sensitive
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let (port_span, port_label) = match port.transport_span {
        Some(span) if port.transport == Transport::Tls => {
            (span, "`tls` authenticates only the server, not the sender")
        }
        Some(span) => (span, "declared without transport security"),
        None => (
            port.name_span,
            "no transport security declared (defaults to `none`)",
        ),
    };
    Diagnostic::new(
        &CODE,
        format!(
            "{} data travels from `{}` to `{}` without mutual tls",
            kinds(sensitive),
            model.service(flow.source).name,
            model.port_path(flow.port),
        ),
    )
    .at(
        flow.head_span,
        format!("carries {list} without mutual authentication"),
    )
    .with_secondary(port_span, port_label)
    .with_help(format!(
        "declare the port with `mtls` (`port {} {}/{} mtls`) so both ends present certificates, or redact this data on the flow",
        port.name,
        port.range,
        port.protocol.as_str(),
    ))
}

/// `special-category`, `criminal-offence`, or both, for the message.
pub(crate) fn kinds(classes: &[&DataClass]) -> &'static str {
    let special = classes.iter().any(|c| c.kind == DataKind::Special);
    let criminal = classes.iter().any(|c| c.kind == DataKind::Criminal);
    match (special, criminal) {
        (true, true) => "special-category and criminal-offence",
        (false, true) => "criminal-offence",
        _ => "special-category",
    }
}
