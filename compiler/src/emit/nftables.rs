//! nftables backend: a host firewall per internal service and one for the gateway between
//! the policy networks, each in a text form (`nft -f`) and a JSON twin (`nft -j -f`).
//!
//! Artifacts: `nftables/hosts/<service>.nft` and `.json` for every internal service, and
//! `nftables/gateway-ipv4.nft` and `nftables/gateway-ipv6.nft` (with `.json` twins).
//!
//! # What the rulesets allow
//!
//! An *allowed flow* is a declared flow that no unwaived error finding blocks
//! ([`Outcome::blocked_flows`]): a blocked flow never becomes a set element, whatever `ward
//! build` decides (fail closed). A flow is enforced by addresses: its source's `hosts`, its
//! target's `hosts` and the port's range and protocol, per address family. A flow between
//! services with no address family in common (or without `hosts`) cannot be allowed; the text
//! form lists such flows, and blocked ones, in its header.
//!
//! ## Host, `firewall ports` (the default)
//! ward decides only traffic to the service's declared ports, and traffic from and to *peers*:
//! the `hosts` networks of every other service of the policy, external ones included.
//! * input: a packet to a declared port is accepted when its source is in a network of a
//!   service with an allowed flow to that port; a packet from a `management` network to the
//!   management ports is accepted; any other packet to a declared port, and any other packet
//!   from a peer (any port, any protocol), is dropped. Other packets are not decided.
//! * output: a packet to a peer is accepted when it goes to the port of an allowed flow of this
//!   service to that peer, or to the management ports of a service whose `management` networks
//!   overlap this service's networks; any other packet to a peer is dropped. Other packets
//!   (to the service's own networks, to addresses outside the policy) are not decided.
//! * Both chains have policy `accept`. An accept of ward's is not final: other tables on the
//!   same hook (the host's own rules) still see the packet and may drop it. ward's drops are
//!   final.
//!
//! ## Host, `firewall host`
//! ward owns the whole host: input and output have policy `drop`. Accepted are the packets
//! every mode accepts (below), the allowed flows in both directions, and `management` access
//! (inbound from the given networks to the given ports; outbound to other services'
//! management ports as above). Nothing else: no DNS, NTP, DHCP or ping unless declared as a
//! flow to a service that provides it. The `forward` hook is not touched.
//!
//! ## Both host modes
//! In this order: loopback is accepted; IPv6 neighbour discovery (hop limit 255) and MLD (hop
//! limit 1) are accepted (conntrack does not track them, and IPv6 stops without them);
//! `ct state invalid` is dropped (counted, not logged); replies (`ct state
//! established,related`, ICMP errors included) are accepted. Revoking a flow does not cut
//! connections that are already established; delete them with `conntrack -D` if needed.
//!
//! ## Gateway
//! One `forward` chain with policy `accept` per address family (`table ip ward` in
//! `gateway-ipv4.nft`, `table ip6 ward` in `gateway-ipv6.nft`), for the router between the
//! policy networks. A packet only meets the table of its family, so the two files decide what
//! one `inet` table would; split, each loads in half the time and memory, which matters at
//! scale (the flow sets hold one element per flow and family; see [`gateway::gateway`]). It
//! takes for every service the decisions its host ruleset takes, so enforcing on the hosts,
//! on the gateway, or both allows the same traffic:
//! * accepted: allowed flows (source network, destination network, port), `management` access,
//!   and replies;
//! * dropped: any other packet to a declared port of a `firewall ports` service (from
//!   anywhere); any other packet between the networks of two services (any protocol; this
//!   includes two external services, which no host ruleset sees); any other packet to or from
//!   a `firewall host` service;
//! * not decided: traffic that touches no policy network; traffic between a `firewall ports`
//!   or external service and addresses outside the policy, to ports the service does not
//!   declare (an external service's ports are not protected: it has no host ruleset either);
//!   and traffic between two networks of one `firewall ports` (or external) service to ports
//!   it does not declare.
//!
//! # Logging
//! Every drop except `ct state invalid` goes through a chain `drop_in`, `drop_out` (hosts) or
//! `drop_fwd` (gateway) that logs at most 10 packets per second (burst 20) with the prefix
//! `ward <policy>/<service> in drop: ` (`out`; `ward <policy>/gateway fwd drop: `) and drops.
//! The rule that jumps there counts every packet, logged or not. Set elements of allowed flows
//! carry a comment naming the flow (`flow checkout -> orders.api`), with `(waived: <rule> until
//! <date>)` when a waiver let it through. Accepted packets are counted per flow on the hosts
//! (per-element counters) and per rule on the gateway, where a counter per element would make
//! a large ruleset load about a third slower.
//!
//! # Applying
//! Each file declares its table (`table inet ward` for hosts, `table ip ward` and `table ip6
//! ward` for the gateway), deletes it and declares it in full: `nft -f` replaces the previous
//! ward table of that family in one transaction (a file with an error changes nothing) and
//! leaves every other table alone. The JSON twin has the same commands and loads into the
//! same kernel state (checked by `tests/firewall_load.rs`).
//!
//! # Scale
//! Rules per chain are bounded by constants (hosts: 17 in input and 11 in output in `firewall
//! ports` mode, 14 and 10 in `firewall host` mode; gateway: at most 28 in forward per family);
//! flows are elements of concatenated sets, one per family and protocol (`ipv4_addr .
//! inet_service`, `ipv4_addr . ipv4_addr . inet_service`, IPv6 likewise). Host sets are interval
//! sets (`flags interval`, networks as prefixes, port ranges). The gateway's big sets (`flows*`,
//! `owned*`) are split: elements whose addresses are whole networks and whose port is one port go
//! into up to four exact-match sets per family and protocol, one per combination of prefix lengths,
//! matched with masks (`ip saddr & 255.255.255.248 . ip daddr & ... . tcp dport`), the rest into
//! the interval set. The kernel loads an exact-match (hash) element several times faster than an
//! element of a concatenated interval set (about 1-4 us against 10 us for IPv4 and 35 us for IPv6
//! on nft 1.0.6).
//!
//! Elements are made disjoint (the kernel rejects overlaps) by [`interval::disjoint`]. The
//! `peers`/`nets` sets hold the union of all policy networks with adjacent networks merged:
//! their size is the number of separate address blocks the policy uses. Every host ruleset
//! carries its `peers` sets, so allocate service networks from a few contiguous ranges: with
//! 10,000 services each in its own isolated block, every host ruleset would list 10,000 blocks.

mod escape;
mod gateway;
mod index;
mod interval;
mod json;
mod plan;
mod text;

use crate::emit::{Artifact, EmitContext};
use crate::model::ServiceId;

use interval::Family;

#[cfg(doc)]
use crate::checks::Outcome;

/// The nftables rulesets of a policy: one per internal service, and the gateway's per family.
///
/// Rulesets are independent, so they are generated on all cores (each gateway ruleset on its
/// own thread, the hosts in chunks); the result does not depend on the number of threads.
pub fn emit(cx: &EmitContext<'_>) -> Vec<Artifact> {
    let analysis = cx.analysis;
    let model = &analysis.model;
    let ix = index::Index::build(model, &analysis.outcome, cx.policy_name);
    let hosts: Vec<ServiceId> = model
        .service_ids()
        .filter(|&s| !model.service(s).external)
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 16);
    let chunk = hosts.len().div_ceil(threads).max(1);
    let mut artifacts = Vec::with_capacity(2 * hosts.len() + 2);
    std::thread::scope(|scope| {
        let ix = &ix;
        let gateways: Vec<_> = [(Family::V4, "ipv4"), (Family::V6, "ipv6")]
            .into_iter()
            .map(|(family, name)| {
                scope.spawn(move || {
                    let ruleset = gateway::gateway(ix, family);
                    [
                        Artifact {
                            path: format!("nftables/gateway-{name}.json"),
                            contents: json::render(ix, &ruleset),
                        },
                        Artifact {
                            path: format!("nftables/gateway-{name}.nft"),
                            contents: text::render(ix, &ruleset),
                        },
                    ]
                })
            })
            .collect();
        let parts: Vec<_> = hosts
            .chunks(chunk)
            .map(|part| scope.spawn(move || host_artifacts(ix, part)))
            .collect();
        for part in parts {
            artifacts.extend(join(part));
        }
        for gateway in gateways {
            artifacts.extend(join(gateway));
        }
    });
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    artifacts
}

/// The text and JSON rulesets of some hosts.
///
/// Each is rendered into one buffer that the thread reuses, then copied into a string of its
/// exact size: growing a string per file would copy it several times and touch (and have the
/// kernel zero) up to twice the memory, which at 10,000 hosts was a good part of generation.
fn host_artifacts(ix: &index::Index<'_>, hosts: &[ServiceId]) -> Vec<Artifact> {
    let mut out = Vec::with_capacity(2 * hosts.len());
    let mut scratch = interval::Out::with_capacity(1 << 16);
    for &service in hosts {
        let ruleset = plan::host(ix, service);
        let stem = format!(
            "nftables/hosts/{}",
            file_stem(&ix.model.service(service).name)
        );
        scratch.clear();
        json::render_to(&mut scratch, ix, &ruleset);
        out.push(Artifact {
            path: format!("{stem}.json"),
            contents: scratch.as_str().to_owned(),
        });
        scratch.clear();
        text::render_to(&mut scratch, ix, &ruleset);
        out.push(Artifact {
            path: format!("{stem}.nft"),
            contents: scratch.as_str().to_owned(),
        });
    }
    out
}

/// The result of a generator thread; a panic in it is re-raised here.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// A service name as a file name. Names are identifiers (`[A-Za-z_][A-Za-z0-9_-]*`), so this
/// is the name itself; anything else is mapped to `_` so that no name can leave the directory.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem.starts_with('-') {
        format!("_{stem}")
    } else {
        stem
    }
}
