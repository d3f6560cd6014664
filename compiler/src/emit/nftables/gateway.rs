//! The gateway ruleset: one `forward` chain for the router between the policy networks,
//! taking for every service the decisions its host ruleset takes (see the module
//! documentation of the backend).
//!
//! Its flow sets are the big ones (one element per flow and family), so they are split into
//! exact-match sets where possible ([`add_split`]).

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::model::FirewallMode;

use super::escape;
use super::index::{Index, Label};
use super::interval::{self, Elements, Entry, Family, Iv};
use super::plan::{
    FieldType, MGMT, Payload, Rule, Ruleset, SLOTS, Set, Stmt, TableFamily, Verdict, accept, add,
    addr, addr_addr, addr_addr_port, addr_port, address_dport, address_field, base_chain,
    drop_chain, drop_to, lookup, pick, saddr_daddr, saddr_daddr_dport, slot,
};

const FLOWS: [&str; 4] = ["flows4_tcp", "flows4_udp", "flows6_tcp", "flows6_udp"];
const OWNED: [&str; 4] = ["owned4_tcp", "owned4_udp", "owned6_tcp", "owned6_udp"];
const NETS: [&str; 2] = ["nets4", "nets6"];
const SAME: [&str; 2] = ["same4", "same6"];
const WHOLE_HOST: [&str; 2] = ["wholehost4", "wholehost6"];

/// The gateway ruleset of one address family: one `forward` chain for the router between the
/// policy networks, in `table ip ward` or `table ip6 ward`.
///
/// One table per family rather than one `inet` table: a family's packets only ever meet its
/// own sets, so the two tables decide exactly what one `inet` table would, while each file is
/// half the size. nft's memory and time to load a ruleset grow with its set elements (about
/// 1.2 KiB of nft memory per element on 1.0.6), and the flow sets hold one element per flow
/// and family: at 100,000 dual-stack flows one `inet` table needs about 300 MB in one
/// transaction, one table per family about half that each. A router with one family loads one
/// file.
pub fn gateway<'a>(ix: &'a Index<'a>, family: Family) -> Ruleset<'a> {
    let model = ix.model;
    // Per protocol (tcp, udp), like the slots of this family.
    let slots: Vec<usize> = (0..SLOTS.len())
        .filter(|&i| SLOTS.get(i).is_some_and(|s| s.0 == family))
        .collect();
    let mut flows: [Vec<Entry<Label>>; 4] = Default::default();
    let mut mgmt: [Vec<Entry<Label>>; 4] = Default::default();
    let mut owned: [Vec<Entry<Label>>; 4] = Default::default();
    let mut whole: Vec<Entry<Label>> = Vec::new();
    let mut same: Vec<Entry<Label>> = Vec::new();
    for id in model.flow_ids() {
        if ix.is_blocked(id) {
            continue;
        }
        let flow = model.flow(id);
        let port = model.port(flow.port);
        let ports = Iv::of_ports(port.range);
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
    for service in model.service_ids() {
        let svc = model.service(service);
        let nets = ix.nets(service, family);
        if svc.external || svc.firewall == FirewallMode::Ports {
            for &a in nets {
                same.extend(nets.iter().filter(|&&b| b != a).map(|&b| Entry {
                    key: [a, b, Iv::default()],
                    label: Label::SameService(service),
                }));
            }
        }
        if svc.external {
            continue;
        }
        for (i, m) in svc.management.iter().enumerate() {
            let ports = Iv::of_ports(m.ports);
            for from in &m.from {
                let (from_family, src) = Iv::of_net(&from.value);
                if from_family != family {
                    continue;
                }
                for &dst in nets {
                    mgmt[slot(family, m.protocol)].push(Entry {
                        key: [src, dst, ports],
                        label: Label::Management(service, i as u32),
                    });
                }
            }
        }
        match svc.firewall {
            FirewallMode::Host => whole.extend(nets.iter().map(|&n| Entry {
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

    let mut sets = Vec::with_capacity(11);
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
    for &i in &slots {
        let (_, protocol) = SLOTS[i];
        let elements = interval::disjoint(3, std::mem::take(&mut flows[i]));
        let payloads = saddr_daddr_dport(family, protocol);
        // Counted per rule, not per element: a per-element counter costs the kernel a
        // per-CPU allocation for each of the (here ~100,000) elements, about a quarter of the
        // load time of a large gateway ruleset. The host rulesets count per flow.
        let count_accept =
            |lookup| Rule::new(&[lookup, Stmt::Counter, Stmt::Verdict(Verdict::Accept)]);
        add_split(
            &mut sets,
            &mut rules,
            pick(&FLOWS, i),
            family,
            payloads,
            false,
            elements,
            count_accept,
        );
    }
    for &i in &slots {
        let (_, protocol) = SLOTS[i];
        let s = add(
            &mut sets,
            pick(&MGMT, i),
            addr_addr_port(family),
            true,
            interval::disjoint(3, std::mem::take(&mut mgmt[i])),
        );
        rules.push(accept(saddr_daddr_dport(family, protocol), s));
    }
    // The declared ports of `firewall ports` services, from anywhere.
    for &i in &slots {
        let (_, protocol) = SLOTS[i];
        let elements = interval::disjoint(2, std::mem::take(&mut owned[i]));
        let payloads = address_dport(family, "daddr", protocol);
        let drop = |lookup| {
            Rule::new(&[
                lookup,
                Stmt::Counter,
                Stmt::Verdict(Verdict::Jump("drop_fwd")),
            ])
        };
        add_split(
            &mut sets,
            &mut rules,
            pick(&OWNED, i),
            family,
            payloads,
            false,
            elements,
            drop,
        );
    }
    // Traffic between two networks of one `firewall ports` (or external) service that no rule
    // above decided is its own business, as on its hosts.
    let s = add(
        &mut sets,
        pick(&SAME, family.index()),
        addr_addr(family),
        false,
        interval::disjoint(2, same),
    );
    rules.push(accept(saddr_daddr(family), s));
    // Between the networks of two services, only what was accepted above.
    let s = add(
        &mut sets,
        pick(&NETS, family.index()),
        addr(family),
        false,
        ix.policy_nets(family),
    );
    rules.push(Rule::new(&[
        lookup(address_field(family, "saddr"), s),
        lookup(address_field(family, "daddr"), s),
        Stmt::Counter,
        Stmt::Verdict(Verdict::Jump("drop_fwd")),
    ]));
    // Everything else to and from `firewall host` services.
    let s = add(
        &mut sets,
        pick(&WHOLE_HOST, family.index()),
        addr(family),
        false,
        interval::disjoint(1, whole),
    );
    rules.push(drop_to(address_field(family, "saddr"), s, "drop_fwd"));
    rules.push(drop_to(address_field(family, "daddr"), s, "drop_fwd"));

    let chains = vec![
        base_chain("forward", Verdict::Accept, rules),
        drop_chain("drop_fwd", 0),
    ];
    let log_prefixes = vec![escape::log_prefix(&ix.policy, "gateway", "fwd")];
    let table = TableFamily::of(family);
    let (name, other) = match family {
        Family::V4 => ("IPv4", "IPv6 traffic: gateway-ipv6.nft"),
        Family::V6 => ("IPv6", "IPv4 traffic: gateway-ipv4.nft"),
    };
    let mut header: Vec<Cow<'static, str>> = vec![
        Cow::Owned(format!(
            "ward nftables ruleset for the gateway of policy `{}`: {name} traffic.",
            ix.policy
        )),
        Cow::Owned(format!(
            "Generated by ward: do not edit. `nft -f` on this file replaces table {} ward in one",
            table.keyword()
        )),
        Cow::Owned(format!(
            "transaction and leaves every other table alone. {other}."
        )),
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
        table,
        header,
        sets,
        chains,
        log_prefixes,
    }
}

/// How many exact-match sets one interval set may be split into (per family and protocol):
/// keeps the number of rules per chain constant.
const MAX_EXACT_SETS: usize = 4;

/// Adds the elements of a big set as up to [`MAX_EXACT_SETS`] exact-match sets, one per
/// combination of prefix lengths (for the largest groups of elements whose address parts are
/// whole networks and whose port is one port), and an interval set `name` for the rest, with a
/// rule each built by `rule` from the lookup.
///
/// Why: the kernel loads an interval set of concatenations (`pipapo`) at roughly 10 us per
/// IPv4 and 35 us per IPv6 element; an exact-match (hash) set at 1-4 us. With prefix masks in
/// the rule (`ip saddr & 255.255.255.248 . ip daddr & ... . tcp dport @set`) the common case,
/// flows between networks of the same prefix length to one port, needs no intervals.
#[expect(
    clippy::too_many_arguments,
    reason = "one set family, described in full"
)]
fn add_split<'a>(
    sets: &mut Vec<Set<'a>>,
    rules: &mut Vec<Rule>,
    name: &'static str,
    family: Family,
    payloads: &'static [Payload],
    counter: bool,
    elements: Elements<Label>,
    rule: impl Fn(Stmt) -> Rule,
) {
    let bits = family.bits();
    let dims = payloads.len();
    let addr_dims = dims - 1; // every set split this way ends in a port
    // The prefix lengths of an item, when it can go into an exact-match set.
    let lens = |item: &interval::Item| -> Option<[u8; 2]> {
        let mut lens = [0u8; 2];
        for d in 0..addr_dims {
            let len = item.key.get(d)?.prefix_len(bits)?;
            *lens.get_mut(d)? = u8::try_from(len).ok().filter(|&l| l > 0)?;
        }
        let port = item.key.get(addr_dims)?;
        (port.lo == port.hi).then_some(lens)
    };
    let mut groups: BTreeMap<[u8; 2], Vec<usize>> = BTreeMap::new();
    for (i, item) in elements.items.iter().enumerate() {
        if let Some(key) = lens(item) {
            groups.entry(key).or_default().push(i);
        }
    }
    let mut chosen: Vec<([u8; 2], Vec<usize>)> = groups.into_iter().collect();
    chosen.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    chosen.truncate(MAX_EXACT_SETS);
    chosen.sort_by_key(|c| c.0);
    // Per item: 0 for the interval set, `k + 1` for the `k`-th exact-match set.
    let mut target = vec![0u8; elements.items.len()];
    for (k, (_, items)) in chosen.iter().enumerate() {
        for &i in items {
            if let Some(t) = target.get_mut(i) {
                *t = k as u8 + 1;
            }
        }
    }
    let mut parts: Vec<Elements<Label>> = (0..=chosen.len()).map(|_| Elements::default()).collect();
    for (item, &t) in elements.items.iter().zip(&target) {
        if let Some(out) = parts.get_mut(usize::from(t)) {
            let start = out.labels.len() as u32;
            out.labels.extend_from_slice(elements.labels_of(item));
            out.items.push(interval::Item {
                key: item.key,
                labels: (start, out.labels.len() as u32),
            });
        }
    }
    let mut parts = parts.into_iter();
    let fields = match dims {
        2 => addr_port(family),
        _ => addr_addr_port(family),
    };
    let s = add(
        sets,
        name,
        fields,
        counter,
        parts.next().unwrap_or_default(),
    );
    rules.push(rule(lookup(payloads, s)));
    for ((lens, _), members) in chosen.into_iter().zip(parts) {
        let mut set_name = name.to_string();
        let mut masks = [None; 3];
        for d in 0..addr_dims {
            let len = lens.get(d).copied().unwrap_or(0);
            set_name.push('_');
            set_name.push_str(&len.to_string());
            if let Some(mask) = masks.get_mut(d) {
                *mask = (u32::from(len) < bits).then_some(len);
            }
        }
        sets.push(Set {
            name: Cow::Owned(set_name),
            interval: false,
            fields: match dims {
                2 => network_port(family),
                _ => network_network_port(family),
            },
            counter,
            elements: Cow::Owned(members),
        });
        rules.push(rule(Stmt::Lookup {
            fields: payloads,
            masks,
            set: sets.len() - 1,
        }));
    }
}

fn network_port(family: Family) -> &'static [FieldType] {
    match family {
        Family::V4 => &[FieldType::Network(Family::V4), FieldType::Port],
        Family::V6 => &[FieldType::Network(Family::V6), FieldType::Port],
    }
}

fn network_network_port(family: Family) -> &'static [FieldType] {
    match family {
        Family::V4 => &[
            FieldType::Network(Family::V4),
            FieldType::Network(Family::V4),
            FieldType::Port,
        ],
        Family::V6 => &[
            FieldType::Network(Family::V6),
            FieldType::Network(Family::V6),
            FieldType::Port,
        ],
    }
}
