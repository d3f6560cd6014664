//! What every ruleset of a policy shares, computed once: the networks of each service, the
//! flows into and out of each service, the comments of set elements, the union of all policy
//! networks, and which services may use which `management` access.
//!
//! Everything here is O(services + flows + findings); building one host's ruleset afterwards
//! touches only that host's flows.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::checks::Outcome;
use crate::model::{FlowId, Model, PortId, ServiceId, Subject};

use super::escape;
use super::interval::{self, Elements, Family, Iv, Key};

/// What a set element stands for; its comment names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    Flow(FlowId),
    Port(PortId),
    /// The `index`-th `management` entry of a service.
    Management(ServiceId, u32),
    /// Policy networks: the service networks `start..end` of a family (see `PolicyNets`).
    PolicyNets(Family, u32, u32),
    /// The networks of a service that owns its whole host (`firewall host`).
    WholeHost(ServiceId),
    /// Traffic between two networks of one service.
    SameService(ServiceId),
}

/// Per-policy data shared by every ruleset.
pub struct Index<'a> {
    pub model: &'a Model,
    /// The policy name, sanitised (for headers and log prefixes).
    pub policy: String,
    blocked: Vec<bool>,
    /// Per service, per family: its networks, aggregated.
    nets: Vec<[Vec<Iv>; 2]>,
    /// The comments of flows (`flow a -> b.p`, plus the waivers that let it through) and ports
    /// (`port b.p`), sanitised, one after the other: one allocation, not one per flow.
    comment_text: String,
    /// Sanitised names: each service's, then each port's `service.port`, one after the other.
    names: String,
    /// Per service: its sanitised name's byte range in `names`.
    service_names: Vec<(usize, usize)>,
    /// Per flow: its comment's byte range in `comment_text`.
    flow_comments: Vec<(u32, u32)>,
    /// Per port: its comment's byte range in `comment_text`.
    port_comments: Vec<(u32, u32)>,
    /// Per service: flows arriving, in flow-id order.
    inbound: Vec<Vec<FlowId>>,
    /// Per service: flows leaving, in flow-id order.
    outbound: Vec<Vec<FlowId>>,
    /// Every policy network (all services, external ones included), merged into blocks.
    policy_nets: PolicyNets,
    /// Per service: the `management` entries `(service, index)` of other services whose source
    /// networks overlap its networks. Its host may connect to them (the target accepts it).
    management_out: Vec<Vec<(ServiceId, u32)>>,
}

impl<'a> Index<'a> {
    /// Precomputes everything the rulesets share.
    pub fn build(model: &'a Model, outcome: &Outcome, policy_name: &str) -> Index<'a> {
        let mut blocked = vec![false; model.flows.len()];
        for id in outcome.blocked_flows() {
            if let Some(b) = blocked.get_mut(id.index()) {
                *b = true;
            }
        }
        let nets: Vec<[Vec<Iv>; 2]> = model
            .services
            .iter()
            .map(|s| service_nets(s.hosts.iter().map(|h| &h.value)))
            .collect();
        let mut inbound = vec![Vec::new(); model.services.len()];
        let mut outbound = vec![Vec::new(); model.services.len()];
        for id in model.flow_ids() {
            let flow = model.flow(id);
            if let Some(list) = inbound.get_mut(flow.target.index()) {
                list.push(id);
            }
            if let Some(list) = outbound.get_mut(flow.source.index()) {
                list.push(id);
            }
        }
        let waivers = waiver_notes(model, outcome);
        let mut comment_text =
            String::with_capacity(model.flows.len() * 48 + model.ports.len() * 24);
        // Names are sanitised once each, not once per flow that mentions them: `svc` per
        // service and `svc.port` per port, uncut, one after the other in `names`.
        let mut names = String::with_capacity(model.services.len() * 16 + model.ports.len() * 24);
        let service_names: Vec<(usize, usize)> = model
            .services
            .iter()
            .map(|svc| {
                let start = names.len();
                escape::push_sanitized(&mut names, &svc.name);
                (start, names.len())
            })
            .collect();
        let port_names: Vec<(usize, usize)> = model
            .port_ids()
            .map(|id| {
                let port = model.port(id);
                let start = names.len();
                if let Some(&(a, b)) = service_names.get(port.service.index()) {
                    names.extend_from_within(a..b);
                }
                names.push('.');
                escape::push_sanitized(&mut names, &port.name);
                (start, names.len())
            })
            .collect();
        let name = |range: Option<&(usize, usize)>| {
            range.and_then(|&(a, b)| names.get(a..b)).unwrap_or("")
        };
        let mut flow_comments = Vec::with_capacity(model.flows.len());
        for id in model.flow_ids() {
            let flow = model.flow(id);
            let start = comment_text.len();
            comment_text.push_str("flow ");
            comment_text.push_str(name(service_names.get(flow.source.index())));
            comment_text.push_str(" -> ");
            comment_text.push_str(name(port_names.get(flow.port.index())));
            if let Some(notes) = waivers.get(&id) {
                comment_text.push_str(" (waived: ");
                for (i, (rule, until)) in notes.iter().enumerate() {
                    if i > 0 {
                        comment_text.push_str("; ");
                    }
                    escape::push_sanitized(&mut comment_text, rule);
                    comment_text.push_str(" until ");
                    escape::push_sanitized(&mut comment_text, until);
                }
                comment_text.push(')');
            }
            flow_comments.push(escape::cut_tail(
                &mut comment_text,
                start,
                escape::COMMENT_MAX,
            ));
        }
        let mut port_comments = Vec::with_capacity(model.ports.len());
        for range in &port_names {
            let start = comment_text.len();
            comment_text.push_str("port ");
            comment_text.push_str(name(Some(range)));
            port_comments.push(escape::cut_tail(
                &mut comment_text,
                start,
                escape::COMMENT_MAX,
            ));
        }
        let policy_nets = PolicyNets::build(model, &nets);
        let management_out = management_sources(model, &policy_nets);
        Index {
            names,
            service_names,
            model,
            policy: escape::sanitize_to(policy_name, 32),
            blocked,
            nets,
            comment_text,
            flow_comments,
            port_comments,
            inbound,
            outbound,
            policy_nets,
            management_out,
        }
    }

    /// Whether an unwaived error finding forbids enforcing the flow as allowed.
    pub fn is_blocked(&self, flow: FlowId) -> bool {
        self.blocked.get(flow.index()).copied().unwrap_or(true)
    }

    /// A service's networks of one family, aggregated and sorted.
    pub fn nets(&self, service: ServiceId, family: Family) -> &[Iv] {
        self.nets
            .get(service.index())
            .map_or(&[], |n| n[family.index()].as_slice())
    }

    pub fn has_family(&self, service: ServiceId, family: Family) -> bool {
        !self.nets(service, family).is_empty()
    }

    /// Flows arriving at a service, in flow-id order.
    pub fn inbound(&self, service: ServiceId) -> &[FlowId] {
        self.inbound.get(service.index()).map_or(&[], Vec::as_slice)
    }

    /// Flows leaving a service, in flow-id order.
    pub fn outbound(&self, service: ServiceId) -> &[FlowId] {
        self.outbound
            .get(service.index())
            .map_or(&[], Vec::as_slice)
    }

    /// The management entries of other services this service may connect to.
    pub fn management_out(&self, service: ServiceId) -> &[(ServiceId, u32)] {
        self.management_out
            .get(service.index())
            .map_or(&[], Vec::as_slice)
    }

    /// Every policy network block as one element (the gateway's `nets` sets).
    pub fn policy_nets(&self, family: Family) -> Elements<Label> {
        self.policy_nets.all(family)
    }

    /// Every policy network except the service's own (a host's `peers` sets).
    pub fn peers(&self, service: ServiceId, family: Family) -> Elements<Label> {
        self.policy_nets.without(family, self.nets(service, family))
    }

    /// The comment of an element standing for `labels` (one or more, sorted).
    pub fn comment(&self, labels: &[Label]) -> Cow<'_, str> {
        match labels {
            [one] => self.label_comment(*one),
            _ => {
                let mut text = String::with_capacity(escape::COMMENT_MAX + 8);
                for (i, label) in labels.iter().enumerate() {
                    if i > 0 {
                        text.push_str("; ");
                    }
                    text.push_str(&self.label_comment(*label));
                    if text.len() > escape::COMMENT_MAX {
                        break;
                    }
                }
                escape::truncate(&mut text, escape::COMMENT_MAX);
                Cow::Owned(text)
            }
        }
    }

    fn label_comment(&self, label: Label) -> Cow<'_, str> {
        let model = self.model;
        match label {
            Label::Flow(id) => Cow::Borrowed(self.arena(self.flow_comments.get(id.index()))),
            Label::Port(id) => Cow::Borrowed(self.arena(self.port_comments.get(id.index()))),
            Label::PolicyNets(family, start, end) => {
                Cow::Owned(
                    self.policy_nets
                        .comment(|s| self.service_name(s), family, start, end),
                )
            }
            Label::SameService(service) => Cow::Owned(escape::comment(&format!(
                "within service {}",
                model.service(service).name
            ))),
            Label::Management(service, i) => {
                let name = &model.service(service).name;
                let text = match model.service(service).management.get(i as usize) {
                    Some(m) => format!("management {}/{} of {name}", m.ports, m.protocol.as_str()),
                    None => format!("management of {name}"),
                };
                Cow::Owned(escape::comment(&text))
            }
            Label::WholeHost(service) => Cow::Owned(escape::comment(&format!(
                "service {} (firewall host)",
                model.service(service).name
            ))),
        }
    }

    /// A service's name, sanitised for comments.
    fn service_name(&self, service: ServiceId) -> &str {
        self.service_names
            .get(service.index())
            .and_then(|&(a, b)| self.names.get(a..b))
            .unwrap_or("")
    }

    fn arena(&self, range: Option<&(u32, u32)>) -> &str {
        range
            .and_then(|&(a, b)| self.comment_text.get(a as usize..b as usize))
            .unwrap_or("")
    }

    /// Header lines naming the flows among `flows` that the ruleset does not allow, and why.
    pub fn not_enforced(&self, flows: impl Iterator<Item = FlowId>) -> Vec<Cow<'static, str>> {
        let mut blocked = Vec::new();
        let mut no_family = Vec::new();
        for id in flows {
            let flow = self.model.flow(id);
            if self.is_blocked(id) {
                blocked.push(id);
            } else if !Family::BOTH
                .iter()
                .any(|&f| self.has_family(flow.source, f) && self.has_family(flow.target, f))
            {
                no_family.push(id);
            }
        }
        let mut lines: Vec<Cow<'static, str>> = Vec::new();
        let mut list = |title: &'static str, ids: &[FlowId]| {
            if !ids.is_empty() {
                lines.push(Cow::Borrowed(""));
                lines.push(Cow::Borrowed(title));
                lines.extend(ids.iter().map(|&id| {
                    Cow::Owned(format!("  {}", escape::sanitize(&self.model.flow_path(id))))
                }));
            }
        };
        list(
            "Not allowed: blocked by an unwaived error finding (fail closed):",
            &blocked,
        );
        list(
            "Not allowed: source and target have no address family in common (or no hosts):",
            &no_family,
        );
        lines
    }
}

/// A service's networks per family, aggregated (contained ones removed, adjacent ones merged).
fn service_nets<'n>(hosts: impl Iterator<Item = &'n ipnet::IpNet>) -> [Vec<Iv>; 2] {
    let mut out: [Vec<Iv>; 2] = Default::default();
    for net in hosts {
        let (family, iv) = Iv::of_net(net);
        out[family.index()].push(iv);
    }
    for list in &mut out {
        interval::aggregate(list);
    }
    out
}

/// Per flow, the `(rule, until)` of every waiver that accepts a finding about it (its subject
/// is the flow, or the finding lists it as blocked), sorted and deduplicated.
fn waiver_notes(model: &Model, outcome: &Outcome) -> BTreeMap<FlowId, BTreeSet<(String, String)>> {
    let mut by_subject: BTreeMap<Subject, Vec<(String, String)>> = BTreeMap::new();
    let mut notes: BTreeMap<FlowId, BTreeSet<(String, String)>> = BTreeMap::new();
    for finding in &outcome.findings {
        let Some(waiver) = finding.waived_by.and_then(|w| model.waivers.get(w.index())) else {
            continue;
        };
        let note = (waiver.rule.value.clone(), waiver.until.value.to_string());
        if matches!(finding.subject, Subject::Flow { .. }) {
            by_subject
                .entry(finding.subject)
                .or_default()
                .push(note.clone());
        }
        for &flow in &finding.blocks {
            notes.entry(flow).or_default().insert(note.clone());
        }
    }
    if !by_subject.is_empty() {
        for id in model.flow_ids() {
            let flow = model.flow(id);
            if let Some(list) = by_subject.get(&Subject::Flow {
                source: flow.source,
                port: flow.port,
            }) {
                notes.entry(id).or_default().extend(list.iter().cloned());
            }
        }
    }
    notes
}

/// For every service, the management entries of other internal services whose `from` networks
/// overlap its networks.
fn management_sources(model: &Model, nets: &PolicyNets) -> Vec<Vec<(ServiceId, u32)>> {
    let mut out: Vec<Vec<(ServiceId, u32)>> = vec![Vec::new(); model.services.len()];
    for target in model.service_ids() {
        let svc = model.service(target);
        if svc.external {
            continue;
        }
        for (i, m) in svc.management.iter().enumerate() {
            for from in &m.from {
                let (family, iv) = Iv::of_net(&from.value);
                let f = family.index();
                let blocks = &nets.blocks[f];
                let first = blocks.partition_point(|b| b.iv.hi < iv.lo);
                for block in blocks
                    .get(first..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|b| b.iv.lo <= iv.hi)
                {
                    let members =
                        nets.members[f].get(block.members.0 as usize..block.members.1 as usize);
                    for &(net, source) in members.unwrap_or(&[]) {
                        if source != target
                            && net.lo <= iv.hi
                            && iv.lo <= net.hi
                            && let Some(list) = out.get_mut(source.index())
                        {
                            list.push((target, i as u32));
                        }
                    }
                }
            }
        }
    }
    for list in &mut out {
        list.sort_unstable();
        list.dedup();
    }
    out
}

/// The union of all policy networks per family: disjoint blocks of adjacent or overlapping
/// networks, each with the (network, service) pairs it is made of.
#[derive(Default)]
struct PolicyNets {
    /// Per family, sorted.
    blocks: [Vec<Block>; 2],
    /// Per family: every service network, sorted; a block's members are contiguous.
    members: [Vec<(Iv, ServiceId)>; 2],
}

#[derive(Debug, Clone, Copy)]
struct Block {
    iv: Iv,
    /// Its networks: `members[start..end]`.
    members: (u32, u32),
}

/// How many networks a `peers`/`nets` element comment names one by one.
const NAMED_NETWORKS: usize = 8;

impl PolicyNets {
    /// Merges every service network into blocks, per family.
    fn build(model: &Model, nets: &[[Vec<Iv>; 2]]) -> PolicyNets {
        let mut out = PolicyNets::default();
        for family in Family::BOTH {
            let f = family.index();
            let members = &mut out.members[f];
            for service in model.service_ids() {
                if let Some(list) = nets.get(service.index()) {
                    members.extend(list[f].iter().map(|&iv| (iv, service)));
                }
            }
            members.sort_unstable();
            let blocks = &mut out.blocks[f];
            for (i, &(iv, _)) in members.iter().enumerate() {
                match blocks.last_mut() {
                    Some(block) if iv.lo <= block.iv.hi.saturating_add(1) => {
                        block.iv.hi = block.iv.hi.max(iv.hi);
                        block.members.1 = i as u32 + 1;
                    }
                    _ => blocks.push(Block {
                        iv,
                        members: (i as u32, i as u32 + 1),
                    }),
                }
            }
        }
        out
    }

    fn all(&self, family: Family) -> Elements<Label> {
        let mut out = Elements::default();
        for block in &self.blocks[family.index()] {
            let label = Label::PolicyNets(family, block.members.0, block.members.1);
            push_item(&mut out, [block.iv, Iv::default(), Iv::default()], label);
        }
        out
    }

    /// Blocks that hold none of `own` are copied, the others are cut around `own`.
    fn without(&self, family: Family, own: &[Iv]) -> Elements<Label> {
        let mut out = Elements::default();
        let members = &self.members[family.index()];
        // The label of the piece `lo..=hi` of a block: the networks that start in it.
        let piece = |out: &mut Elements<Label>, lo: u128, hi: u128| {
            let start = members.partition_point(|(iv, _)| iv.lo < lo) as u32;
            let end = members.partition_point(|(iv, _)| iv.lo <= hi) as u32;
            push_item(
                out,
                [Iv::new(lo, hi), Iv::default(), Iv::default()],
                Label::PolicyNets(family, start, end),
            );
        };
        for block in &self.blocks[family.index()] {
            let first = own.partition_point(|o| o.hi < block.iv.lo);
            let cuts = own
                .get(first..)
                .unwrap_or(&[])
                .iter()
                .take_while(|o| o.lo <= block.iv.hi);
            let mut lo = Some(block.iv.lo);
            for o in cuts {
                if let Some(start) = lo.filter(|&start| o.lo > start) {
                    piece(&mut out, start, o.lo - 1);
                }
                lo = o.hi.checked_add(1).filter(|&next| next <= block.iv.hi);
            }
            if let Some(start) = lo {
                piece(&mut out, start, block.iv.hi);
            }
        }
        out
    }

    /// `service a`, `services a, b, c`, or `1200 policy networks: a, b, ...` for the networks
    /// `start..end`; O(1) whatever their number.
    ///
    /// `name` gives a service's sanitised name, so the comment needs no sanitising of its own.
    fn comment<'n>(
        &self,
        name: impl Fn(ServiceId) -> &'n str,
        family: Family,
        start: u32,
        end: u32,
    ) -> String {
        let networks = self.members[family.index()]
            .get(start as usize..end as usize)
            .unwrap_or(&[]);
        let mut names: Vec<ServiceId> = Vec::new();
        for &(_, service) in networks.iter().take(NAMED_NETWORKS) {
            if !names.contains(&service) {
                names.push(service);
            }
        }
        let mut text = if networks.len() > NAMED_NETWORKS {
            format!("{} policy networks: ", networks.len())
        } else if names.len() == 1 {
            String::from("service ")
        } else {
            String::from("services ")
        };
        for (k, service) in names.iter().enumerate() {
            if k > 0 {
                text.push_str(", ");
            }
            text.push_str(name(*service));
        }
        if networks.len() > NAMED_NETWORKS {
            text.push_str(", ...");
        }
        escape::truncate(&mut text, escape::COMMENT_MAX);
        text
    }
}

fn push_item(out: &mut Elements<Label>, key: Key, label: Label) {
    let start = out.labels.len() as u32;
    out.labels.push(label);
    out.items.push(interval::Item {
        key,
        labels: (start, start + 1),
    });
}
