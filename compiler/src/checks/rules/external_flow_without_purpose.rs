//! `C309 external-flow-without-purpose`: personal data sent to an external service with no
//! purpose on the flow.

use ward_lang::{Code, Diagnostic};

use crate::checks::{Context, Finding, Rule};
use crate::model::{ClassId, Flow, Model, Subject, Travels};

ward_lang::declare_codes! {
    /// ## What it checks
    /// A flow to an `external service` (a processor or other third party) that carries
    /// personal data, as is or pseudonymised (hashed, tokenised, masked), without a `purpose`
    /// in the flow. Data redacted on the way or declared anonymised does not count. Transfers
    /// out of the EU/EEA are checked separately (C304).
    ///
    /// ## Why it matters
    /// A processor may process personal data only on documented instructions from the
    /// controller (Art. 28(3)(a) GDPR), and the record of processing activities lists the
    /// recipients to whom data is disclosed and for which purposes (Art. 30(1)(b) and (d)).
    /// The flow's `purpose` is that instruction: it says what the recipient may use the data
    /// for, and ward lists it in the audit report. Pseudonymised data is still personal data
    /// (Recital 26).
    ///
    /// ## Example
    /// ```ward
    /// external service stripe in aws:eu-west-1 { port api 443/tcp tls  operator "Stripe, Inc." }
    /// flow checkout -> stripe.api { carries email, card_number }
    /// ```
    ///
    /// ## Compliant
    /// ```ward
    /// purpose payment basis contract "Take payment for orders"
    /// flow checkout -> stripe.api { carries email, card_number  purpose payment }
    /// ```
    ///
    /// ## How to fix
    /// Add the purpose the recipient receives the data for to the flow (`purpose payment`),
    /// declared once with its lawful basis (`purpose payment basis contract "..."`); or stop
    /// sending the personal data (`carries email redacted`).
    ///
    /// ## Waiving
    /// `waive external-flow-without-purpose on flow checkout -> stripe.api until 2027-03-31 { reason "..." owner "..." }`
    ///
    /// `waive external-flow-without-purpose on data email ...` accepts it for every flow that
    /// carries that class.
    CODE = ("C309", "external-flow-without-purpose", Error, "personal data goes to an external service without a purpose");
}

/// See [`CODE`].
pub struct ExternalFlowWithoutPurpose;

impl Rule for ExternalFlowWithoutPurpose {
    fn code(&self) -> &'static Code {
        &CODE
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for id in cx.model.flow_ids() {
            let flow = cx.model.flow(id);
            if flow.purpose.is_some() || !cx.model.service(flow.target).external {
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
                .filter(|&c| cx.model.class(c).is_personal())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let personal: Vec<&str> = ids
                .iter()
                .map(|&c| cx.model.class(c).name.as_str())
                .collect();
            let subject = Subject::Flow {
                source: flow.source,
                port: flow.port,
            };
            let finding = Finding::new(diagnostic(cx.model, flow, &personal), subject);
            let finding = ids
                .iter()
                .fold(finding, |f, &c| f.also_concerning(Subject::Data(c)));
            out.push(finding.blocking(id));
        }
    }
}

/// The finding's diagnostic for `flow`, which carries the `personal` classes.
fn diagnostic(model: &Model, flow: &Flow, personal: &[&str]) -> Diagnostic {
    let target = model.service(flow.target);
    let list = personal
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let operator = target.operator.as_ref().map_or_else(
        || format!("`{}` is an external service", target.name),
        |op| {
            format!(
                "`{}` is an external service run by {}",
                target.name, op.value
            )
        },
    );
    let declared = target
        .purposes
        .iter()
        .flat_map(|p| p.purposes.iter())
        .next();
    let purpose = match declared {
        Some(&id) => format!("`purpose {}`", model.purpose(id).name),
        None => {
            "`purpose <name>` (declared once as `purpose <name> basis <basis> \"...\"`)".to_string()
        }
    };
    Diagnostic::new(
        &CODE,
        format!(
            "personal data goes from `{}` to external service `{}` without a purpose",
            model.service(flow.source).name,
            target.name,
        ),
    )
    .at(flow.head_span, format!("carries {list} with no `purpose` for the recipient"))
    .with_secondary(target.name_span, operator)
    .with_help(format!(
        "add {purpose} to the flow to say what `{}` may use the data for, or redact the personal data on this flow",
        target.name,
    ))
}
