//! Parsing speed on a large generated policy (10,000 services, 100,000 flows, about 10 MB).
//!
//! The measurement is `#[ignore]`d because it only means something in release mode:
//! `cargo test -p ward-lang --release --test perf -- --ignored --nocapture`.
//! A small version runs with the normal tests, as a check that the generated policy is valid.

use std::fmt::Write as _;
use std::time::Instant;

use ward_lang::Sources;
use ward_lang::ast::Item;

/// A policy with `services` services and `flows` flows between them, in a realistic layout.
fn generate(services: usize, flows: usize) -> String {
    let mut text = String::with_capacity(flows * 100 + services * 300);
    text.push_str("controller \"Synthetic GmbH\" { dpo \"dpo@synthetic.example\" }\n");
    text.push_str("purpose analytics basis legitimate_interests \"Product analytics\"\n");
    text.push_str(
        "data email personal category user.contact.email subjects customers mask partial_email\n",
    );
    text.push_str("data order_total non_personal\n\n");
    for i in 0..services {
        let _ = write!(
            text,
            "# Service {i}\nservice svc_{i} in aws:eu-central-1 {{\n  hosts 10.{}.{}.0/24\n  \
             port api 8443/tcp mtls\n  port metrics 9100-9101/tcp\n  \
             store db postgres retain 90d {{ table accounts {{ email: email, total: order_total }} }}\n  \
             purpose analytics for email\n  firewall host\n}}\n",
            i / 256 % 256,
            i % 256
        );
    }
    for i in 0..flows {
        let (from, to) = (i % services, (i * 7 + 1) % services);
        let _ = writeln!(
            text,
            "flow svc_{from} -> svc_{to}.api {{ carries email hashed, order_total  purpose analytics }}"
        );
    }
    text
}

fn sources(text: &str) -> Sources {
    let mut sources = Sources::new();
    sources.add("synthetic.ward", text.as_bytes().to_vec());
    sources
}

/// The number of flows and of diagnostics.
fn summary(policy: &ward_lang::ast::Policy, diags: &[ward_lang::Diagnostic]) -> (usize, usize) {
    (
        policy
            .items
            .iter()
            .filter(|i| matches!(i, Item::Flow(_)))
            .count(),
        diags.len(),
    )
}

#[test]
fn generated_policy_is_valid() {
    let (policy, diags) = ward_lang::parse(&sources(&generate(10, 100)));
    assert_eq!(summary(&policy, &diags), (100, 0));
}

/// CPU time of this thread in seconds (Linux), so that a busy machine does not skew the result.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

#[test]
#[ignore = "measurement; run in release mode with --ignored --nocapture"]
fn parse_ten_megabytes() {
    let text = generate(10_000, 100_000);
    let sources = sources(&text);
    let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        let (start, cpu_start) = (Instant::now(), thread_cpu_seconds());
        let (policy, diags) = ward_lang::parse(&sources);
        wall = wall.min(start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu_seconds()) {
            cpu = cpu.min(b - a);
        }
        assert_eq!(summary(&policy, &diags), (100_000, 0));
    }
    println!(
        "parsed {:.1} MB (10,000 services, 100,000 flows): {:.0} ms wall, {:.0} ms CPU (best of 5)",
        text.len() as f64 / 1e6,
        wall * 1e3,
        cpu * 1e3,
    );
}
