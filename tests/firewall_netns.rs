//! End to end: the generated firewalls, loaded into real network namespaces, let exactly the
//! declared flows through.
//!
//! For a policy: one namespace per service with `hosts` (internal and external), one per
//! `management` network and one outside the policy, all joined by the lab's hub router.
//! Listeners answer on every probed port of every service: the first and last port of each
//! declared port in its protocol (every port of a range of up to 16 ports, the middle one of a
//! longer range), the port just after it, management ports and an undeclared port (TCP and
//! UDP). Then every source probes every (destination, family,
//! protocol, port), in parallel, and the outcome must be what the policy says:
//!
//! * allowed (`connected`): a declared flow no unwaived error blocks; management access from
//!   its networks; and traffic ward does not decide (`firewall ports`: other ports from
//!   outside the policy, and from the service to addresses outside the policy);
//! * everything else (`timeout`, dropped): reverse directions, undeclared pairs, ports nobody
//!   may reach, blocked flows, anything to or from a `firewall host` service not declared.
//!
//! The expectation is computed here from the language's rules (`compiler/src/emit/nftables.rs`
//! documents them), not from the generated sets. The host rulesets and the gateway decide the
//! same, with one exception: traffic between two external services passes no host ruleset, so
//! only the gateway drops it (undeclared traffic between two policy networks). Without any
//! firewall every probe must connect first (so every drop is the firewall's); then the matrix
//! is checked with the host rulesets (text form) only, with the gateway ruleset (text) on the
//! hub only, and with both in JSON form. Expected drops cost one probe timeout (300 ms), so
//! sources probe in parallel. Namespaces are deleted when the lab is dropped, on failure too.
//!
//! Needs root and `nft`; without them the tests FAIL, unless `WARD_SKIP_NETNS=1` is set.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "test helpers outside #[test] functions fail the test by panicking and report timings"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use ward_compiler::date::Date;
use ward_compiler::emit::{EmitContext, emit_all};
use ward_compiler::model::{FirewallMode, Model, Protocol, ServiceId};
use ward_compiler::pipeline::{self, Analysis};
use ward_lang::Sources;
use ward_tests::fixtures;
use ward_tests::netns::{HostId, Lab, Outcome, Probe, Target, lab_available};

/// Four internal services (one `firewall host`), an external partner, TCP and UDP, a port
/// range, IPv4 and IPv6, a blocked flow (personal data in plain text) and a waived one. The
/// same as in `firewall_load.rs` and `compiler/tests/nftables_emit.rs`.
const LAB_POLICY: &str = include_str!("policies/firewall-lab.ward");

/// Timeout of a probe that is expected to be dropped.
const DROP_TIMEOUT: Duration = Duration::from_millis(300);
/// A port no service of the test policies declares, probed everywhere (TCP and UDP).
const UNDECLARED: u16 = 65000;
/// The host outside the policy.
const OUTSIDE: [&str; 2] = ["198.19.254.0/24", "fd00:ffff::/64"];

#[test]
fn test_policy_allows_exactly_the_declared_flows() {
    if !lab_available("test_policy_allows_exactly_the_declared_flows") {
        return;
    }
    let mut sources = Sources::new();
    sources.add("policy.ward", LAB_POLICY.as_bytes().to_vec());
    let matrix = run_policy("fwlab", &sources, "lab");
    // The matrix covers what the policy is about.
    for (what, wanted) in [
        ("web -> api tcp 8443 v4 connected", true),
        ("web -> api tcp 8443 v6 connected", true),
        ("web -> api tcp 9010 v4 connected", true),
        ("web -> api tcp 9011 v4 dropped", true),
        ("web -> api tcp 8080 v4 dropped", true), // blocked by C301
        ("web -> api tcp 8081 v4 connected", true), // waived
        ("api -> web tcp 443 v4 dropped", true),  // reverse direction
        ("partner -> web tcp 443 v6 connected", true),
        ("web -> logs udp 8126 v6 connected", true),
        ("db -> logs udp 514 v4 connected", true),
        ("db -> outside tcp 65000 v4 dropped", true), // firewall host
        ("web -> outside tcp 65000 v4 connected", true), // firewall ports: not decided
        ("outside -> web tcp 65000 v4 connected", true),
        ("outside -> web tcp 443 v4 dropped", true),
        ("mgmt0 -> db tcp 22 v4 connected", true),
        ("mgmt0 -> db tcp 5432 v4 dropped", true),
        ("web -> web tcp 9443 v4 dropped", false), // no probes to itself
        ("api -> web tcp 9443 v4 dropped", true),  // a port nobody may reach
    ] {
        assert_eq!(matrix.contains(what), wanted, "matrix entry {what:?}");
    }
}

#[test]
fn every_example_allows_exactly_the_declared_flows() {
    if !lab_available("every_example_allows_exactly_the_declared_flows") {
        return;
    }
    let examples = fixtures::examples();
    assert!(
        examples.iter().any(|e| e == "shop"),
        "examples/shop is missing"
    );
    for name in &examples {
        let sources = fixtures::load_example(name).unwrap();
        run_policy("fwexample", &sources, name);
    }
}

/// One node of the lab: a service with hosts, a management network, or the outside host.
#[derive(Debug, Clone)]
struct Node {
    name: String,
    service: Option<ServiceId>,
    host: HostId,
    /// The addresses probes from this node come from.
    v4: Option<IpAddr>,
    v6: Option<IpAddr>,
    /// What is probed on this node, with listeners: (protocol, port).
    ports: Vec<(Protocol, u16)>,
}

/// Runs the whole matrix three times and returns its entries as
/// `"<src> -> <dst> <proto> <port> <v4|v6> <connected|dropped>"` lines.
fn run_policy(tag: &str, sources: &Sources, policy_name: &str) -> BTreeSet<String> {
    let t0 = Instant::now();
    let compilation = pipeline::analyse(sources, Date::parse(fixtures::FIXTURE_DATE).unwrap());
    let analysis = compilation
        .analysis
        .as_ref()
        .unwrap_or_else(|| panic!("{policy_name} does not resolve"));
    let artifacts: BTreeMap<String, String> = emit_all(&EmitContext {
        analysis,
        policy_name,
    })
    .into_iter()
    .map(|a| (a.path, a.contents))
    .collect();
    let model = &analysis.model;

    let mut lab = Lab::new(tag)
        .unwrap()
        .with_nettool(env!("CARGO_BIN_EXE_nettool"))
        .with_probe_timeout(DROP_TIMEOUT);
    let nodes = build_lab(&mut lab, model);
    let _listeners: Vec<_> = nodes
        .iter()
        .filter(|n| !n.ports.is_empty())
        .map(|n| {
            let tcp: Vec<u16> = n
                .ports
                .iter()
                .filter(|p| p.0 == Protocol::Tcp)
                .map(|p| p.1)
                .collect();
            let udp: Vec<u16> = n
                .ports
                .iter()
                .filter(|p| p.0 == Protocol::Udp)
                .map(|p| p.1)
                .collect();
            lab.listen_ports(n.host, &tcp, &udp).unwrap()
        })
        .collect();
    println!(
        "{policy_name}: lab with {} hosts and listeners in {:.1?}",
        nodes.len(),
        t0.elapsed()
    );

    let by_hosts = cases(&nodes, analysis, Enforcement::Hosts);
    let by_gateway = cases(&nodes, analysis, Enforcement::Gateway);
    let count = |cases: &Cases| cases.iter().flat_map(|(_, c)| c).filter(|c| c.2).count();
    let total: usize = by_hosts.iter().map(|(_, c)| c.len()).sum();
    println!(
        "{policy_name}: {total} probes, {} allowed by the host rulesets, {} by the gateway",
        count(&by_hosts),
        count(&by_gateway)
    );

    let internal: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.service.is_some_and(|s| !model.service(s).external))
        .collect();
    let ruleset = |node: &Node, ext: &str| {
        let name = &model.service(node.service.unwrap()).name;
        artifacts
            .get(&format!("nftables/hosts/{name}.{ext}"))
            .unwrap_or_else(|| panic!("no ruleset for {name}"))
    };
    // Without a firewall every probe connects: listeners and routes work, so every drop later
    // is the firewall's.
    let t = Instant::now();
    let open: Cases = by_hosts
        .iter()
        .map(|(i, c)| {
            (
                *i,
                c.iter().map(|(p, w, _)| (*p, w.clone(), true)).collect(),
            )
        })
        .collect();
    let problems: Vec<String> = probe_all(&lab, &nodes, &open)
        .into_iter()
        .filter(|l| l.starts_with("!!"))
        .collect();
    assert!(
        problems.is_empty(),
        "{policy_name}, no firewall: {} probes fail:\n{}",
        problems.len(),
        problems.join("\n")
    );
    println!(
        "{policy_name}: no firewall: all {total} probes connect ({:.1?})",
        t.elapsed()
    );

    let mut matrix = BTreeSet::new();
    for phase in [
        "host rulesets (text)",
        "gateway ruleset (text)",
        "host and gateway rulesets (JSON)",
    ] {
        let t = Instant::now();
        for node in &internal {
            lab.nft_flush(node.host).unwrap();
        }
        lab.nft_flush(Target::Hub).unwrap();
        let json = phase.contains("JSON");
        if !phase.starts_with("gateway") {
            for node in &internal {
                let ext = if json { "json" } else { "nft" };
                lab.nft_apply(node.host, ruleset(node, ext), json)
                    .unwrap_or_else(|e| panic!("{phase}: {}: {e}", node.name));
            }
        }
        if phase.starts_with("gateway") || json {
            // One table per address family, as on a dual-stack router.
            for family in ["ipv4", "ipv6"] {
                let path = format!(
                    "nftables/gateway-{family}.{}",
                    if json { "json" } else { "nft" }
                );
                lab.nft_apply(Target::Hub, &artifacts[&path], json)
                    .unwrap_or_else(|e| panic!("{phase}: {path}: {e}"));
            }
        }
        let cases = if phase.starts_with("host rulesets") {
            &by_hosts
        } else {
            &by_gateway
        };
        let got = probe_all(&lab, &nodes, cases);
        let problems: Vec<&String> = got.iter().filter(|l| l.starts_with("!!")).collect();
        assert!(
            problems.is_empty(),
            "{policy_name}, {phase}: {} of {total} probes differ from the policy:\n{}",
            problems.len(),
            problems
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
        println!(
            "{policy_name}: {phase}: {total} probes as declared in {:.1?}",
            t.elapsed()
        );
        matrix = got;
    }
    println!("{policy_name}: {:.1?} in total", t0.elapsed());
    matrix
}

/// Adds a lab host per service with hosts, per management network (outside the policy) and
/// one outside everything.
fn build_lab(lab: &mut Lab, model: &Model) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut policy_nets: Vec<IpNet> = Vec::new();
    for service in model.service_ids() {
        let svc = model.service(service);
        let nets: Vec<IpNet> = svc.hosts.iter().map(|h| h.value.trunc()).collect();
        if nets.is_empty() {
            continue;
        }
        policy_nets.extend(&nets);
        let host = lab.add_host(&svc.name, &nets).unwrap();
        let mut ports: Vec<(Protocol, u16)> = Vec::new();
        for &p in &svc.ports {
            let port = model.port(p);
            let (first, last) = (port.range.first, port.range.last);
            // Every port of a short range, not only its ends: a range can reach the kernel in
            // pieces (`interval::disjoint` cuts overlapping elements apart).
            if last - first < 16 {
                ports.extend((first..=last).map(|n| (port.protocol, n)));
            } else {
                ports.extend([first, first + (last - first) / 2, last].map(|n| (port.protocol, n)));
            }
            if let Some(next) = last.checked_add(1) {
                ports.push((port.protocol, next));
            }
        }
        for m in &svc.management {
            ports.push((m.protocol, m.ports.first));
            ports.push((m.protocol, m.ports.last));
        }
        ports.push((Protocol::Tcp, UNDECLARED));
        ports.push((Protocol::Udp, UNDECLARED));
        ports.sort();
        ports.dedup();
        nodes.push(node(lab, &svc.name, Some(service), host, ports));
    }
    // Management networks outside the policy: one host per group of networks named together.
    let mut groups: Vec<Vec<IpNet>> = Vec::new();
    for svc in &model.services {
        for m in &svc.management {
            let nets: Vec<IpNet> = m
                .from
                .iter()
                .map(|n| n.value.trunc())
                .filter(|n| !policy_nets.iter().any(|p| overlaps(p, n)))
                .collect();
            let mut merged = nets.clone();
            groups.retain(|g| {
                let touches = g.iter().any(|a| merged.iter().any(|b| overlaps(a, b)));
                if touches {
                    merged.extend(g.iter().copied());
                }
                !touches
            });
            if !merged.is_empty() {
                groups.push(merged);
            }
        }
    }
    for (i, group) in groups.into_iter().enumerate() {
        let nets = IpNet::aggregate(&group);
        let name = format!("mgmt{i}");
        let host = lab.add_host(&name, &nets).unwrap();
        nodes.push(node(lab, &name, None, host, Vec::new()));
    }
    let outside: Vec<IpNet> = OUTSIDE.iter().map(|n| n.parse().unwrap()).collect();
    assert!(
        !outside
            .iter()
            .any(|o| policy_nets.iter().any(|p| overlaps(o, p))),
        "pick another outside network"
    );
    let host = lab.add_host("outside", &outside).unwrap();
    nodes.push(node(
        lab,
        "outside",
        None,
        host,
        vec![(Protocol::Tcp, UNDECLARED), (Protocol::Udp, UNDECLARED)],
    ));
    nodes
}

fn node(
    lab: &Lab,
    name: &str,
    service: Option<ServiceId>,
    host: HostId,
    ports: Vec<(Protocol, u16)>,
) -> Node {
    Node {
        name: name.to_string(),
        service,
        host,
        v4: lab.addr_v4(host).map(IpAddr::from),
        v6: lab.addr_v6(host).map(IpAddr::from),
        ports,
    }
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Per source node: (probe, description, allowed).
type Cases = Vec<(usize, Vec<(Probe, String, bool)>)>;

/// Where the rulesets are loaded: they decide the same, except that traffic between two
/// external services passes no host ruleset, so only the gateway can drop it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enforcement {
    Hosts,
    Gateway,
}

fn cases(nodes: &[Node], analysis: &Analysis, at: Enforcement) -> Cases {
    let blocked = analysis.outcome.blocked_flows();
    nodes
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let mut list = Vec::new();
            for dst in nodes.iter().filter(|d| d.name != src.name) {
                for (family, from, to) in [("v4", src.v4, dst.v4), ("v6", src.v6, dst.v6)] {
                    let (Some(from), Some(to)) = (from, to) else {
                        continue;
                    };
                    for &(protocol, port) in &dst.ports {
                        let allowed =
                            allowed(analysis, &blocked, src, from, dst, protocol, port, at);
                        let probe = match protocol {
                            Protocol::Tcp => Probe::tcp(to, port),
                            Protocol::Udp => Probe::udp(to, port),
                        };
                        let what = format!(
                            "{} -> {} {} {port} {family}",
                            src.name,
                            dst.name,
                            protocol.as_str()
                        );
                        list.push((probe, what, allowed));
                    }
                }
            }
            (i, list)
        })
        .collect()
}

/// What the policy says about a connection from `src` (address `from`) to `dst`: the
/// language's rules, written independently of the generator.
#[expect(
    clippy::too_many_arguments,
    reason = "a probe is described by all of them"
)]
fn allowed(
    analysis: &Analysis,
    blocked: &[ward_compiler::model::FlowId],
    src: &Node,
    from: IpAddr,
    dst: &Node,
    protocol: Protocol,
    port: u16,
    at: Enforcement,
) -> bool {
    let model = &analysis.model;
    let declared = model.flow_ids().any(|id| {
        let flow = model.flow(id);
        let p = model.port(flow.port);
        Some(flow.source) == src.service
            && Some(flow.target) == dst.service
            && p.protocol == protocol
            && (p.range.first..=p.range.last).contains(&port)
            && !blocked.contains(&id)
    });
    if declared {
        return true;
    }
    let internal = |n: &Node| n.service.filter(|&s| !model.service(s).external);
    let management = internal(dst).is_some_and(|d| {
        model.service(d).management.iter().any(|m| {
            m.protocol == protocol
                && (m.ports.first..=m.ports.last).contains(&port)
                && m.from.iter().any(|n| n.value.contains(&from))
        })
    });
    if management {
        return true;
    }
    // Between the networks of two services nothing else passes; with host rulesets only,
    // nobody sees traffic between two external services.
    if at == Enforcement::Gateway && src.service.is_some() && dst.service.is_some() {
        return false;
    }
    // The source's own firewall lets it leave: no ruleset (outside the policy or external),
    // or `firewall ports` and a destination outside the policy.
    let src_ok = match internal(src) {
        None => true,
        Some(s) => model.service(s).firewall == FirewallMode::Ports && dst.service.is_none(),
    };
    // The destination's firewall lets it in: no ruleset, or `firewall ports`, a port it does
    // not declare and a source outside the policy.
    let dst_ok = match internal(dst) {
        None => true,
        Some(d) => {
            let svc = model.service(d);
            svc.firewall == FirewallMode::Ports
                && src.service.is_none()
                && !svc.ports.iter().any(|&p| {
                    let p = model.port(p);
                    p.protocol == protocol && (p.range.first..=p.range.last).contains(&port)
                })
        }
    };
    src_ok && dst_ok
}

/// Probes every case from every source in parallel. Returns one line per case, ending in
/// `connected` or `dropped`; lines of cases whose outcome differs from the expectation start
/// with `!!`. A dropped packet shows as a timeout, or for UDP dropped by the sender's own
/// output chain as `Operation not permitted` from `sendto`. An allowed probe that did not
/// connect is tried once more with a longer timeout (first packets may wait for neighbour
/// discovery); a connection that should have been dropped never is.
fn probe_all(lab: &Lab, nodes: &[Node], cases: &Cases) -> BTreeSet<String> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(i, list)| {
                scope.spawn(move || {
                    let from = nodes[*i].host;
                    let probes: Vec<Probe> = list.iter().map(|c| c.0).collect();
                    let results = lab.probe(from, &probes).unwrap();
                    let mut lines = Vec::new();
                    for ((probe, what, allowed), result) in list.iter().zip(results) {
                        let mut outcome = result.outcome;
                        if *allowed && outcome != Outcome::Connected {
                            outcome = lab
                                .probe_with_timeout(from, &[*probe], Duration::from_secs(3))
                                .unwrap()[0]
                                .outcome
                                .clone();
                        }
                        let dropped = match &outcome {
                            Outcome::Timeout => true,
                            Outcome::Error(e) => e.contains("not permitted"),
                            Outcome::Connected | Outcome::Refused => false,
                        };
                        let (seen, ok) = match (&outcome, *allowed) {
                            (Outcome::Connected, true) => ("connected", true),
                            (Outcome::Connected, false) => ("connected", false),
                            (_, false) if dropped => ("dropped", true),
                            _ => ("dropped", false),
                        };
                        if ok {
                            lines.push(format!("{what} {seen}"));
                        } else {
                            let want = if *allowed { "connected" } else { "dropped" };
                            lines.push(format!("!! {what}: {outcome}, want {want}"));
                        }
                    }
                    lines
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}
