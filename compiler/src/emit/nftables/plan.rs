//! What goes into each ruleset, independent of how it is written: sets with disjoint,
//! labelled elements, and chains of rules. [`text`](super::text) and [`json`](super::json)
//! render the same [`Ruleset`], so both forms load into the same kernel state.
//!
//! Set and chain names, key types and rule shapes are constants of this module: nothing from
//! the policy becomes a name. Rules per chain are a constant of the mode; flows only add
//! set elements.

use std::borrow::Cow;

use crate::model::{FirewallMode, Protocol, ServiceId};

use super::escape;
use super::index::{Index, Label};
use super::interval::{self, Elements, Entry, Family, Iv};

/// Rate of drop log lines per chain; drops beyond it are still counted, not logged.
pub const LOG_RATE_PER_SECOND: u32 = 10;
/// Burst of drop log lines before [`LOG_RATE_PER_SECOND`] applies.
pub const LOG_BURST: u32 = 20;

/// A complete `table inet ward`.
pub struct Ruleset<'a> {
    /// `#` lines at the top of the text form (sanitised).
    pub header: Vec<Cow<'static, str>>,
    pub sets: Vec<Set<'a>>,
    pub chains: Vec<Chain>,
    /// Log prefixes (sanitised), referenced by [`Stmt::Log`].
    pub log_prefixes: Vec<String>,
}

/// A named set.
pub struct Set<'a> {
    pub name: &'static str,
    /// The concatenated key, e.g. `ipv4_addr . inet_service`.
    pub fields: &'static [FieldType],
    /// Per-element packet and byte counters.
    pub counter: bool,
    pub elements: Cow<'a, Elements<Label>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Addr(Family),
    Port,
}

impl FieldType {
    pub fn nft_type(self) -> &'static str {
        match self {
            FieldType::Addr(family) => family.addr_type(),
            FieldType::Port => "inet_service",
        }
    }
}

pub struct Chain {
    pub name: &'static str,
    pub base: Option<BaseChain>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy)]
pub struct BaseChain {
    pub hook: &'static str,
    pub policy: Verdict,
}

/// A rule: up to four statements in order (matches, then counter or log, then the verdict).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    stmts: [Stmt; 4],
    len: usize,
}

impl Rule {
    fn new(stmts: &[Stmt]) -> Rule {
        let mut rule = Rule {
            stmts: [Stmt::Counter; 4],
            len: 0,
        };
        for (slot, stmt) in rule.stmts.iter_mut().zip(stmts) {
            *slot = *stmt;
            rule.len += 1;
        }
        debug_assert_eq!(rule.len, stmts.len(), "a rule has at most four statements");
        rule
    }

    pub fn stmts(&self) -> &[Stmt] {
        self.stmts.get(..self.len).unwrap_or(&[])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    Jump(&'static str),
}

impl Verdict {
    pub fn keyword(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Drop => "drop",
            Verdict::Jump(_) => "jump",
        }
    }
}

/// A payload field of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    /// `ip`, `ip6`, `tcp`, `udp`, `icmpv6`.
    pub protocol: &'static str,
    /// `saddr`, `daddr`, `dport`, `type`, `hoplimit`.
    pub field: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stmt {
    /// `iif "lo"` / `oif "lo"`.
    Interface {
        key: &'static str,
        name: &'static str,
    },
    /// `ct state invalid`, `ct state established,related`.
    CtState(&'static [&'static str]),
    /// `icmpv6 type { ... }`.
    Icmpv6Types(&'static [&'static str]),
    /// `ip6 hoplimit N`.
    HopLimit(u8),
    /// `ip saddr . tcp dport @set`.
    Lookup {
        fields: &'static [Payload],
        set: &'static str,
    },
    Counter,
    Limit {
        rate: u32,
        burst: u32,
    },
    /// `log prefix "..."`: index into [`Ruleset::log_prefixes`].
    Log(usize),
    Verdict(Verdict),
}

const NEIGHBOUR_DISCOVERY: &[&str] = &[
    "nd-router-solicit",
    "nd-router-advert",
    "nd-neighbor-solicit",
    "nd-neighbor-advert",
];
const MULTICAST_LISTENER: &[&str] = &[
    "mld-listener-query",
    "mld-listener-report",
    "mld-listener-done",
    "mld2-listener-report",
];

/// (family, protocol) slots of the four sets of a kind: v4 tcp, v4 udp, v6 tcp, v6 udp.
const SLOTS: [(Family, Protocol); 4] = [
    (Family::V4, Protocol::Tcp),
    (Family::V4, Protocol::Udp),
    (Family::V6, Protocol::Tcp),
    (Family::V6, Protocol::Udp),
];

/// Names of the sets, per slot (or per family).
const IN: [&str; 4] = ["in4_tcp", "in4_udp", "in6_tcp", "in6_udp"];
const OUT: [&str; 4] = ["out4_tcp", "out4_udp", "out6_tcp", "out6_udp"];
const MGMT: [&str; 4] = ["mgmt4_tcp", "mgmt4_udp", "mgmt6_tcp", "mgmt6_udp"];
const FLOWS: [&str; 4] = ["flows4_tcp", "flows4_udp", "flows6_tcp", "flows6_udp"];
const OWNED: [&str; 4] = ["owned4_tcp", "owned4_udp", "owned6_tcp", "owned6_udp"];
const PORTS: [&str; 2] = ["ports_tcp", "ports_udp"];
const PEERS: [&str; 2] = ["peers4", "peers6"];
const NETS: [&str; 2] = ["nets4", "nets6"];
const SAME: [&str; 2] = ["same4", "same6"];
const WHOLE_HOST: [&str; 2] = ["wholehost4", "wholehost6"];

fn slot(family: Family, protocol: Protocol) -> usize {
    family.index() * 2 + usize::from(protocol == Protocol::Udp)
}

fn pick<const N: usize>(names: &[&'static str; N], i: usize) -> &'static str {
    names.get(i).copied().unwrap_or("")
}

fn addr(family: Family) -> &'static [FieldType] {
    match family {
        Family::V4 => &[FieldType::Addr(Family::V4)],
        Family::V6 => &[FieldType::Addr(Family::V6)],
    }
}

fn addr_port(family: Family) -> &'static [FieldType] {
    match family {
        Family::V4 => &[FieldType::Addr(Family::V4), FieldType::Port],
        Family::V6 => &[FieldType::Addr(Family::V6), FieldType::Port],
    }
}

fn addr_addr(family: Family) -> &'static [FieldType] {
    match family {
        Family::V4 => &[FieldType::Addr(Family::V4), FieldType::Addr(Family::V4)],
        Family::V6 => &[FieldType::Addr(Family::V6), FieldType::Addr(Family::V6)],
    }
}

fn addr_addr_port(family: Family) -> &'static [FieldType] {
    match family {
        Family::V4 => &[
            FieldType::Addr(Family::V4),
            FieldType::Addr(Family::V4),
            FieldType::Port,
        ],
        Family::V6 => &[
            FieldType::Addr(Family::V6),
            FieldType::Addr(Family::V6),
            FieldType::Port,
        ],
    }
}

const IP_SADDR: Payload = Payload {
    protocol: "ip",
    field: "saddr",
};
const IP_DADDR: Payload = Payload {
    protocol: "ip",
    field: "daddr",
};
const IP6_SADDR: Payload = Payload {
    protocol: "ip6",
    field: "saddr",
};
const IP6_DADDR: Payload = Payload {
    protocol: "ip6",
    field: "daddr",
};
const TCP_DPORT: Payload = Payload {
    protocol: "tcp",
    field: "dport",
};
const UDP_DPORT: Payload = Payload {
    protocol: "udp",
    field: "dport",
};

/// `ip saddr` and the like.
fn address_field(family: Family, field: &'static str) -> &'static [Payload] {
    match (family, field) {
        (Family::V4, "saddr") => &[IP_SADDR],
        (Family::V4, _) => &[IP_DADDR],
        (Family::V6, "saddr") => &[IP6_SADDR],
        (Family::V6, _) => &[IP6_DADDR],
    }
}

fn dport(protocol: Protocol) -> &'static [Payload] {
    match protocol {
        Protocol::Tcp => &[TCP_DPORT],
        Protocol::Udp => &[UDP_DPORT],
    }
}

/// `ip saddr . tcp dport` and the like.
fn address_dport(family: Family, field: &'static str, protocol: Protocol) -> &'static [Payload] {
    match (family, field, protocol) {
        (Family::V4, "saddr", Protocol::Tcp) => &[IP_SADDR, TCP_DPORT],
        (Family::V4, "saddr", Protocol::Udp) => &[IP_SADDR, UDP_DPORT],
        (Family::V4, _, Protocol::Tcp) => &[IP_DADDR, TCP_DPORT],
        (Family::V4, _, Protocol::Udp) => &[IP_DADDR, UDP_DPORT],
        (Family::V6, "saddr", Protocol::Tcp) => &[IP6_SADDR, TCP_DPORT],
        (Family::V6, "saddr", Protocol::Udp) => &[IP6_SADDR, UDP_DPORT],
        (Family::V6, _, Protocol::Tcp) => &[IP6_DADDR, TCP_DPORT],
        (Family::V6, _, Protocol::Udp) => &[IP6_DADDR, UDP_DPORT],
    }
}

/// `ip saddr . ip daddr . tcp dport` and the like.
fn saddr_daddr_dport(family: Family, protocol: Protocol) -> &'static [Payload] {
    match (family, protocol) {
        (Family::V4, Protocol::Tcp) => &[IP_SADDR, IP_DADDR, TCP_DPORT],
        (Family::V4, Protocol::Udp) => &[IP_SADDR, IP_DADDR, UDP_DPORT],
        (Family::V6, Protocol::Tcp) => &[IP6_SADDR, IP6_DADDR, TCP_DPORT],
        (Family::V6, Protocol::Udp) => &[IP6_SADDR, IP6_DADDR, UDP_DPORT],
    }
}

fn saddr_daddr(family: Family) -> &'static [Payload] {
    match family {
        Family::V4 => &[IP_SADDR, IP_DADDR],
        Family::V6 => &[IP6_SADDR, IP6_DADDR],
    }
}

/// `<lookup> accept`.
fn accept(fields: &'static [Payload], set: &'static str) -> Rule {
    Rule::new(&[Stmt::Lookup { fields, set }, Stmt::Verdict(Verdict::Accept)])
}

/// `<lookup> counter jump <chain>`.
fn drop_to(fields: &'static [Payload], set: &'static str, chain: &'static str) -> Rule {
    Rule::new(&[
        Stmt::Lookup { fields, set },
        Stmt::Counter,
        Stmt::Verdict(Verdict::Jump(chain)),
    ])
}

fn set<'a>(
    name: &'static str,
    fields: &'static [FieldType],
    counter: bool,
    elements: Elements<Label>,
) -> Set<'a> {
    Set {
        name,
        fields,
        counter,
        elements: Cow::Owned(elements),
    }
}

/// The host ruleset of an internal service.
pub fn host<'a>(ix: &'a Index<'a>, service: ServiceId) -> Ruleset<'a> {
    let model = ix.model;
    let svc = model.service(service);
    let whole_host = svc.firewall == FirewallMode::Host;

    let mut ins: [Vec<Entry<Label>>; 4] = Default::default();
    let mut outs: [Vec<Entry<Label>>; 4] = Default::default();
    let mut mgmt: [Vec<Entry<Label>>; 4] = Default::default();
    for &id in ix.inbound(service) {
        if ix.is_blocked(id) {
            continue;
        }
        let flow = model.flow(id);
        let port = model.port(flow.port);
        let ports = Iv::of_ports(port.range);
        for family in Family::BOTH {
            if !ix.has_family(service, family) {
                continue;
            }
            let list = &mut ins[slot(family, port.protocol)];
            for &src in ix.nets(flow.source, family) {
                list.push(Entry {
                    key: [src, ports, Iv::default()],
                    label: Label::Flow(id),
                });
            }
        }
    }
    for &id in ix.outbound(service) {
        if ix.is_blocked(id) {
            continue;
        }
        let flow = model.flow(id);
        let port = model.port(flow.port);
        let ports = Iv::of_ports(port.range);
        for family in Family::BOTH {
            if !ix.has_family(service, family) {
                continue;
            }
            let list = &mut outs[slot(family, port.protocol)];
            for &dst in ix.nets(flow.target, family) {
                list.push(Entry {
                    key: [dst, ports, Iv::default()],
                    label: Label::Flow(id),
                });
            }
        }
    }
    for (i, m) in svc.management.iter().enumerate() {
        let ports = Iv::of_ports(m.ports);
        for from in &m.from {
            let (family, iv) = Iv::of_net(&from.value);
            mgmt[slot(family, m.protocol)].push(Entry {
                key: [iv, ports, Iv::default()],
                label: Label::Management(service, i as u32),
            });
        }
    }
    // Management access this host has to others (its networks overlap their `from`).
    for &(target, i) in ix.management_out(service) {
        let Some(m) = model.service(target).management.get(i as usize) else {
            continue;
        };
        let ports = Iv::of_ports(m.ports);
        for family in Family::BOTH {
            if !ix.has_family(service, family) {
                continue;
            }
            let list = &mut outs[slot(family, m.protocol)];
            for &dst in ix.nets(target, family) {
                list.push(Entry {
                    key: [dst, ports, Iv::default()],
                    label: Label::Management(target, i),
                });
            }
        }
    }

    let mut sets = Vec::with_capacity(16);
    let mut rules_in = prologue("iif");
    let mut rules_out = prologue("oif");
    for (i, list) in ins.into_iter().enumerate() {
        let (family, protocol) = SLOTS[i];
        rules_in.push(accept(
            address_dport(family, "saddr", protocol),
            pick(&IN, i),
        ));
        sets.push(set(
            pick(&IN, i),
            addr_port(family),
            true,
            interval::disjoint(2, list),
        ));
    }
    for (i, list) in mgmt.into_iter().enumerate() {
        let (family, protocol) = SLOTS[i];
        rules_in.push(accept(
            address_dport(family, "saddr", protocol),
            pick(&MGMT, i),
        ));
        sets.push(set(
            pick(&MGMT, i),
            addr_port(family),
            true,
            interval::disjoint(2, list),
        ));
    }
    for (i, list) in outs.into_iter().enumerate() {
        let (family, protocol) = SLOTS[i];
        rules_out.push(accept(
            address_dport(family, "daddr", protocol),
            pick(&OUT, i),
        ));
        sets.push(set(
            pick(&OUT, i),
            addr_port(family),
            true,
            interval::disjoint(2, list),
        ));
    }
    if whole_host {
        rules_in.push(Rule::new(&[
            Stmt::Counter,
            Stmt::Verdict(Verdict::Jump("drop_in")),
        ]));
        rules_out.push(Rule::new(&[
            Stmt::Counter,
            Stmt::Verdict(Verdict::Jump("drop_out")),
        ]));
    } else {
        // The ports ward owns: anything to them that was not accepted above is dropped.
        for (i, protocol) in [Protocol::Tcp, Protocol::Udp].into_iter().enumerate() {
            let entries = svc
                .ports
                .iter()
                .filter(|&&p| model.port(p).protocol == protocol)
                .map(|&p| Entry {
                    key: [
                        Iv::of_ports(model.port(p).range),
                        Iv::default(),
                        Iv::default(),
                    ],
                    label: Label::Port(p),
                })
                .collect();
            rules_in.push(drop_to(dport(protocol), pick(&PORTS, i), "drop_in"));
            sets.push(set(
                pick(&PORTS, i),
                &[FieldType::Port],
                false,
                interval::disjoint(1, entries),
            ));
        }
        // Other services' networks: anything from or to them that was not accepted is dropped.
        for family in Family::BOTH {
            let name = pick(&PEERS, family.index());
            rules_in.push(drop_to(address_field(family, "saddr"), name, "drop_in"));
            rules_out.push(drop_to(address_field(family, "daddr"), name, "drop_out"));
            sets.push(set(name, addr(family), false, ix.peers(service, family)));
        }
    }

    let chains = vec![
        base_chain(
            "input",
            if whole_host {
                Verdict::Drop
            } else {
                Verdict::Accept
            },
            rules_in,
        ),
        base_chain(
            "output",
            if whole_host {
                Verdict::Drop
            } else {
                Verdict::Accept
            },
            rules_out,
        ),
        drop_chain("drop_in", 0),
        drop_chain("drop_out", 1),
    ];
    let log_prefixes = vec![
        escape::log_prefix(&ix.policy, &svc.name, "in"),
        escape::log_prefix(&ix.policy, &svc.name, "out"),
    ];

    let mut header: Vec<Cow<'static, str>> = vec![
        Cow::Owned(format!(
            "ward nftables ruleset for host `{}` of policy `{}` (firewall {}).",
            escape::sanitize(&svc.name),
            ix.policy,
            if whole_host { "host" } else { "ports" }
        )),
        Cow::Borrowed(
            "Generated by ward: do not edit. `nft -f` on this file replaces table inet ward in one",
        ),
        Cow::Borrowed("transaction and leaves every other table alone."),
        Cow::Borrowed(""),
    ];
    let mode_text: &[&'static str] = if whole_host {
        &[
            "firewall host: ward owns the whole host; input and output drop by default. Accepted:",
            "loopback, IPv6 neighbour discovery and MLD, replies (ct established,related), the",
            "declared flows from and to this host (in*, out* sets) and management access (mgmt*).",
            "Nothing else: no DNS, NTP, DHCP or ping unless declared as a flow. Drops are counted",
            "and logged (rate-limited).",
        ]
    } else {
        &[
            "firewall ports: ward decides traffic to the declared ports of this host (ports_* sets)",
            "and traffic from and to the networks of the other services of the policy (peers*).",
            "Accepted: the declared flows to this host from their sources (in* sets), the declared",
            "flows from this host (out*) and management access (mgmt*). Any other packet to a",
            "declared port, from a peer or to a peer is dropped (counted, logged rate-limited);",
            "everything else is left to the host's other rules.",
        ]
    };
    header.extend(mode_text.iter().map(|line| Cow::Borrowed(*line)));
    let mut involved: Vec<_> = ix
        .inbound(service)
        .iter()
        .chain(ix.outbound(service))
        .copied()
        .collect();
    involved.sort_unstable();
    involved.dedup();
    header.extend(ix.not_enforced(involved.into_iter()));
    Ruleset {
        header,
        sets,
        chains,
        log_prefixes,
    }
}

/// The gateway ruleset: one `forward` chain for the router between the policy networks.
pub fn gateway<'a>(ix: &'a Index<'a>) -> Ruleset<'a> {
    let model = ix.model;
    let mut flows: [Vec<Entry<Label>>; 4] = Default::default();
    let mut mgmt: [Vec<Entry<Label>>; 4] = Default::default();
    let mut owned: [Vec<Entry<Label>>; 4] = Default::default();
    let mut whole: [Vec<Entry<Label>>; 2] = Default::default();
    let mut same: [Vec<Entry<Label>>; 2] = Default::default();
    for id in model.flow_ids() {
        if ix.is_blocked(id) {
            continue;
        }
        let flow = model.flow(id);
        let port = model.port(flow.port);
        let ports = Iv::of_ports(port.range);
        for family in Family::BOTH {
            let dsts = ix.nets(flow.target, family);
            let list = &mut flows[slot(family, port.protocol)];
            for &src in ix.nets(flow.source, family) {
                for &dst in dsts {
                    list.push(Entry {
                        key: [src, dst, ports],
                        label: Label::Flow(id),
                    });
                }
            }
        }
    }
    for service in model.service_ids() {
        let svc = model.service(service);
        if svc.external || svc.firewall == FirewallMode::Ports {
            for family in Family::BOTH {
                let nets = ix.nets(service, family);
                for &a in nets {
                    same[family.index()].extend(nets.iter().filter(|&&b| b != a).map(|&b| Entry {
                        key: [a, b, Iv::default()],
                        label: Label::SameService(service),
                    }));
                }
            }
        }
        if svc.external {
            continue;
        }
        for (i, m) in svc.management.iter().enumerate() {
            let ports = Iv::of_ports(m.ports);
            for from in &m.from {
                let (family, src) = Iv::of_net(&from.value);
                for &dst in ix.nets(service, family) {
                    mgmt[slot(family, m.protocol)].push(Entry {
                        key: [src, dst, ports],
                        label: Label::Management(service, i as u32),
                    });
                }
            }
        }
        for family in Family::BOTH {
            let nets = ix.nets(service, family);
            match svc.firewall {
                FirewallMode::Host => whole[family.index()].extend(nets.iter().map(|&n| Entry {
                    key: [n, Iv::default(), Iv::default()],
                    label: Label::WholeHost(service),
                })),
                FirewallMode::Ports => {
                    for &p in &svc.ports {
                        let port = model.port(p);
                        let ports = Iv::of_ports(port.range);
                        owned[slot(family, port.protocol)].extend(nets.iter().map(|&n| Entry {
                            key: [n, ports, Iv::default()],
                            label: Label::Port(p),
                        }));
                    }
                }
            }
        }
    }

    let mut sets = Vec::with_capacity(22);
    let mut rules = vec![
        Rule::new(&[
            Stmt::CtState(&["invalid"]),
            Stmt::Counter,
            Stmt::Verdict(Verdict::Drop),
        ]),
        Rule::new(&[
            Stmt::CtState(&["established", "related"]),
            Stmt::Verdict(Verdict::Accept),
        ]),
    ];
    for (i, list) in flows.into_iter().enumerate() {
        let (family, protocol) = SLOTS[i];
        rules.push(accept(saddr_daddr_dport(family, protocol), pick(&FLOWS, i)));
        sets.push(set(
            pick(&FLOWS, i),
            addr_addr_port(family),
            true,
            interval::disjoint(3, list),
        ));
    }
    for (i, list) in mgmt.into_iter().enumerate() {
        let (family, protocol) = SLOTS[i];
        rules.push(accept(saddr_daddr_dport(family, protocol), pick(&MGMT, i)));
        sets.push(set(
            pick(&MGMT, i),
            addr_addr_port(family),
            true,
            interval::disjoint(3, list),
        ));
    }
    // The declared ports of `firewall ports` services, from anywhere.
    for (i, list) in owned.into_iter().enumerate() {
        let (family, protocol) = SLOTS[i];
        rules.push(drop_to(
            address_dport(family, "daddr", protocol),
            pick(&OWNED, i),
            "drop_fwd",
        ));
        sets.push(set(
            pick(&OWNED, i),
            addr_port(family),
            false,
            interval::disjoint(2, list),
        ));
    }
    // Traffic between two networks of one `firewall ports` (or external) service that no rule
    // above decided is its own business, as on its hosts.
    for (i, list) in same.into_iter().enumerate() {
        let family = if i == 0 { Family::V4 } else { Family::V6 };
        rules.push(accept(saddr_daddr(family), pick(&SAME, i)));
        sets.push(set(
            pick(&SAME, i),
            addr_addr(family),
            false,
            interval::disjoint(2, list),
        ));
    }
    // Between the networks of two services, only what was accepted above.
    for family in Family::BOTH {
        let name = pick(&NETS, family.index());
        rules.push(Rule::new(&[
            Stmt::Lookup {
                fields: address_field(family, "saddr"),
                set: name,
            },
            Stmt::Lookup {
                fields: address_field(family, "daddr"),
                set: name,
            },
            Stmt::Counter,
            Stmt::Verdict(Verdict::Jump("drop_fwd")),
        ]));
        sets.push(set(name, addr(family), false, ix.policy_nets(family)));
    }
    // Everything else to and from `firewall host` services.
    for (i, list) in whole.into_iter().enumerate() {
        let family = if i == 0 { Family::V4 } else { Family::V6 };
        let name = pick(&WHOLE_HOST, i);
        rules.push(drop_to(address_field(family, "saddr"), name, "drop_fwd"));
        rules.push(drop_to(address_field(family, "daddr"), name, "drop_fwd"));
        sets.push(set(name, addr(family), false, interval::disjoint(1, list)));
    }

    let chains = vec![
        base_chain("forward", Verdict::Accept, rules),
        drop_chain("drop_fwd", 0),
    ];
    let log_prefixes = vec![escape::log_prefix(&ix.policy, "gateway", "fwd")];
    let mut header: Vec<Cow<'static, str>> = vec![
        Cow::Owned(format!(
            "ward nftables ruleset for the gateway of policy `{}`.",
            ix.policy
        )),
        Cow::Borrowed(
            "Generated by ward: do not edit. `nft -f` on this file replaces table inet ward in one",
        ),
        Cow::Borrowed("transaction and leaves every other table alone."),
        Cow::Borrowed(""),
        Cow::Borrowed(
            "Forwarded traffic, the same decisions as the host rulesets: accepted are the declared",
        ),
        Cow::Borrowed(
            "flows (flows* sets) and management access (mgmt*). Dropped (counted, logged",
        ),
        Cow::Borrowed(
            "rate-limited): anything else to a declared port of a `firewall ports` service (owned*),",
        ),
        Cow::Borrowed(
            "anything else between the networks of two services (nets*; traffic within one",
        ),
        Cow::Borrowed(
            "`firewall ports` service, same*, is not decided), and anything else from or to a",
        ),
        Cow::Borrowed(
            "`firewall host` service (wholehost*). Traffic that touches no policy network is left",
        ),
        Cow::Borrowed("to the router's other rules."),
    ];
    header.extend(ix.not_enforced(model.flow_ids()));
    Ruleset {
        header,
        sets,
        chains,
        log_prefixes,
    }
}

/// The first rules of a host's input (`iif`) or output (`oif`) chain, in both modes.
fn prologue(interface: &'static str) -> Vec<Rule> {
    let mut rules = Vec::with_capacity(20);
    rules.extend([
        Rule::new(&[
            Stmt::Interface {
                key: interface,
                name: "lo",
            },
            Stmt::Verdict(Verdict::Accept),
        ]),
        // IPv6 stops working without neighbour discovery, which conntrack does not track (its
        // packets are neither established nor invalid). Hop limits keep both link-local.
        Rule::new(&[
            Stmt::Icmpv6Types(NEIGHBOUR_DISCOVERY),
            Stmt::HopLimit(255),
            Stmt::Verdict(Verdict::Accept),
        ]),
        Rule::new(&[
            Stmt::Icmpv6Types(MULTICAST_LISTENER),
            Stmt::HopLimit(1),
            Stmt::Verdict(Verdict::Accept),
        ]),
        Rule::new(&[
            Stmt::CtState(&["invalid"]),
            Stmt::Counter,
            Stmt::Verdict(Verdict::Drop),
        ]),
        Rule::new(&[
            Stmt::CtState(&["established", "related"]),
            Stmt::Verdict(Verdict::Accept),
        ]),
    ]);
    rules
}

fn base_chain(hook: &'static str, policy: Verdict, rules: Vec<Rule>) -> Chain {
    Chain {
        name: hook,
        base: Some(BaseChain { hook, policy }),
        rules,
    }
}

/// `chain NAME { limit ... log prefix "..."; drop }`: every drop of ward's but `ct state
/// invalid` goes through one.
fn drop_chain(name: &'static str, prefix: usize) -> Chain {
    Chain {
        name,
        base: None,
        rules: vec![
            Rule::new(&[
                Stmt::Limit {
                    rate: LOG_RATE_PER_SECOND,
                    burst: LOG_BURST,
                },
                Stmt::Log(prefix),
            ]),
            Rule::new(&[Stmt::Verdict(Verdict::Drop)]),
        ],
    }
}
