//! Lineage: for each personal data class, the countries in which the data reaching each service
//! was collected.
//!
//! Data received and passed on keeps its origin: EU-origin data that goes EU → UK → US is still
//! EU personal data on the UK → US hop (Art. 44, onward transfers). Pseudonymised data keeps its
//! origin too (Recital 26); data the policy declares anonymised, or removes, does not carry it.
//!
//! A service *originates* a class when it handles the class (stores it or sends it) but no flow
//! brings it the class as personal data: that is where the data was collected. Members of a
//! cycle that nothing outside feeds are origins too (someone in the cycle collected it).
//!
//! Cost: one worklist propagation per class over only the flows carrying that class, with
//! country sets as fixed 256-bit sets, so the whole analysis is O(Σ carried classes × countries
//! reached) — near-linear in the policy. Paths are reconstructed on demand for diagnostics.

use std::collections::VecDeque;

use crate::graph::Graph;
use crate::model::{ClassId, FlowId, Model, ServiceId, Travels};
use crate::reference::{CountryCode, Reference};

/// Interned countries of a model: every country a service can be placed in, sorted.
#[derive(Debug, Clone, Default)]
pub struct Countries {
    codes: Vec<CountryCode>,
}

impl Countries {
    fn of(model: &Model) -> Countries {
        let mut codes: Vec<CountryCode> = model
            .services
            .iter()
            .flat_map(|s| s.placement.countries.iter().copied())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        Countries { codes }
    }

    fn index(&self, code: CountryCode) -> Option<usize> {
        self.codes.binary_search(&code).ok()
    }

    fn set_of(&self, codes: &[CountryCode]) -> CountrySet {
        let mut set = CountrySet::default();
        for code in codes {
            if let Some(i) = self.index(*code) {
                set.insert(i);
            }
        }
        set
    }

    /// The countries in a set, sorted.
    pub fn members(&self, set: &CountrySet) -> Vec<CountryCode> {
        set.indices()
            .filter_map(|i| self.codes.get(i).copied())
            .collect()
    }
}

/// A set of interned countries (ISO 3166-1 has fewer than 256 codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct CountrySet([u64; 4]);

impl CountrySet {
    fn insert(&mut self, i: usize) {
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    /// Adds every member of `other`; true if that changed `self`.
    fn union_with(&mut self, other: &CountrySet) -> bool {
        let mut changed = false;
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            let merged = *mine | theirs;
            changed |= merged != *mine;
            *mine = merged;
        }
        changed
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    fn intersects(&self, other: &CountrySet) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..256).filter(|i| self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0))
    }
}

/// Origins of each personal class at each service that receives or originates it.
#[derive(Debug, Clone, Default)]
pub struct Lineage {
    countries: Countries,
    /// The interned EU/EEA countries.
    eea: CountrySet,
    /// Per class: the services it reaches or is collected at, sorted by service. Empty for
    /// non-personal classes.
    origins: Vec<Vec<Origin>>,
}

/// The origins of one class at one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Origin {
    service: ServiceId,
    countries: CountrySet,
    /// Whether the service collects the class itself (see the module documentation), as
    /// opposed to only receiving it.
    collected: bool,
}

impl Lineage {
    /// Propagates every personal class from where it is collected along the flows that carry
    /// it as personal data, to a fixpoint (cycles are fine: sets only grow).
    pub fn compute(model: &Model, graph: &Graph, reference: &Reference) -> Lineage {
        let countries = Countries::of(model);
        let eea = countries.set_of(
            &countries
                .codes
                .iter()
                .copied()
                .filter(|c| reference.is_eea(*c))
                .collect::<Vec<_>>(),
        );
        let home: Vec<CountrySet> = model
            .services
            .iter()
            .map(|s| countries.set_of(&s.placement.countries))
            .collect();
        let stored = classes_stored_by_service(model);
        let mut scratch = Scratch::new(model.services.len());
        let origins = model
            .class_ids()
            .map(|class| {
                if !model.class(class).is_personal() {
                    return Vec::new();
                }
                propagate(model, graph, class, &home, &stored, &mut scratch)
            })
            .collect();
        Lineage {
            countries,
            eea,
            origins,
        }
    }

    /// Where the class reaching (or collected at) `service` originated; `None` if the class
    /// never reaches the service as personal data.
    pub fn origins(&self, class: ClassId, service: ServiceId) -> Option<&CountrySet> {
        self.entry(class, service).map(|o| &o.countries)
    }

    /// Whether `service` is where `class` is collected: it handles the class but no flow
    /// brings it the class as personal data, or it is in a cycle that nothing outside feeds.
    pub fn collects(&self, class: ClassId, service: ServiceId) -> bool {
        self.entry(class, service).is_some_and(|o| o.collected)
    }

    fn entry(&self, class: ClassId, service: ServiceId) -> Option<&Origin> {
        let list = self.origins.get(class.index())?;
        let i = list.binary_search_by_key(&service, |o| o.service).ok()?;
        list.get(i)
    }

    /// Whether any of the class's data at `service` was collected in the EU/EEA.
    pub fn has_eea_origin(&self, class: ClassId, service: ServiceId) -> bool {
        self.origins(class, service)
            .is_some_and(|set| set.intersects(&self.eea))
    }

    pub fn countries(&self) -> &Countries {
        &self.countries
    }

    /// The shortest chain of flows, each carrying `class` as personal data, from a service
    /// that collected it in the EU/EEA to `service`. Empty if `service` itself collected it.
    pub fn path_from_eea(
        &self,
        model: &Model,
        graph: &Graph,
        class: ClassId,
        service: ServiceId,
    ) -> Vec<FlowId> {
        let mut previous: Vec<Option<FlowId>> = vec![None; model.services.len()];
        let mut seen = vec![false; model.services.len()];
        let mut queue = VecDeque::from([service]);
        if let Some(slot) = seen.get_mut(service.index()) {
            *slot = true;
        }
        while let Some(current) = queue.pop_front() {
            if self.collected_in_eea(model, class, current) {
                return walk_forward(model, &previous, current, service);
            }
            for flow in graph.incoming(current) {
                let source = model.flow(flow).source;
                if !carries_personal(model, flow, class)
                    || seen.get(source.index()).copied().unwrap_or(true)
                {
                    continue;
                }
                if !self.has_eea_origin(class, source) {
                    continue;
                }
                if let Some(slot) = seen.get_mut(source.index()) {
                    *slot = true;
                }
                if let Some(slot) = previous.get_mut(source.index()) {
                    *slot = Some(flow);
                }
                queue.push_back(source);
            }
        }
        Vec::new()
    }

    /// Whether `service` collects `class` and is placed in an EU/EEA country. (A member of a
    /// cycle that nothing feeds collects the class but also receives its neighbours' origins,
    /// so its own placement decides, not its origin set.)
    fn collected_in_eea(&self, model: &Model, class: ClassId, service: ServiceId) -> bool {
        self.collects(class, service)
            && model.services.get(service.index()).is_some_and(|s| {
                self.countries
                    .set_of(&s.placement.countries)
                    .intersects(&self.eea)
            })
    }
}

/// Follows `previous` links (each pointing one flow closer to `target`) from `start`.
fn walk_forward(
    model: &Model,
    previous: &[Option<FlowId>],
    start: ServiceId,
    target: ServiceId,
) -> Vec<FlowId> {
    let mut path = Vec::new();
    let mut current = start;
    while current != target {
        let Some(Some(flow)) = previous.get(current.index()) else {
            break;
        };
        path.push(*flow);
        current = model.flow(*flow).target;
        if path.len() > model.flows.len() {
            break;
        }
    }
    path
}

/// Whether `flow` carries `class` as personal data (plain or pseudonymised).
pub fn carries_personal(model: &Model, flow: FlowId, class: ClassId) -> bool {
    model.flow(flow).carries.iter().any(|c| {
        c.class == class
            && matches!(
                c.transform.travels(),
                Travels::Plain | Travels::Pseudonymised
            )
    })
}

/// For each service, the classes its stores hold, sorted.
fn classes_stored_by_service(model: &Model) -> Vec<Vec<ClassId>> {
    let mut stored = vec![Vec::new(); model.services.len()];
    for store in &model.stores {
        if let Some(list) = stored.get_mut(store.service.index()) {
            list.extend(
                store
                    .tables
                    .iter()
                    .flat_map(|t| t.fields.iter().map(|f| f.class)),
            );
        }
    }
    for list in &mut stored {
        list.sort_unstable();
        list.dedup();
    }
    stored
}

/// Per-service slots reused across classes so each propagation costs only what it touches.
struct Scratch {
    slot: Vec<u32>,
}

impl Scratch {
    fn new(services: usize) -> Scratch {
        Scratch {
            slot: vec![u32::MAX; services],
        }
    }
}

fn propagate(
    model: &Model,
    graph: &Graph,
    class: ClassId,
    home: &[CountrySet],
    stored: &[Vec<ClassId>],
    scratch: &mut Scratch,
) -> Vec<Origin> {
    let edges: Vec<FlowId> = graph
        .flows_carrying(class)
        .iter()
        .copied()
        .filter(|f| carries_personal(model, *f, class))
        .collect();
    let mut sets: Vec<(ServiceId, CountrySet)> = Vec::new();
    let mut receives: Vec<bool> = Vec::new();
    let mut slot_of = |service: ServiceId,
                       sets: &mut Vec<(ServiceId, CountrySet)>,
                       receives: &mut Vec<bool>|
     -> usize {
        let slot = scratch
            .slot
            .get(service.index())
            .copied()
            .unwrap_or(u32::MAX);
        if slot != u32::MAX {
            return slot as usize;
        }
        sets.push((service, CountrySet::default()));
        receives.push(false);
        let new = sets.len() - 1;
        if let Some(s) = scratch.slot.get_mut(service.index()) {
            *s = new as u32;
        }
        new
    };
    // Adjacency of this class's personal flows, by local slot.
    let mut out: Vec<Vec<usize>> = Vec::new();
    for &flow in &edges {
        let f = model.flow(flow);
        let from = slot_of(f.source, &mut sets, &mut receives);
        let to = slot_of(f.target, &mut sets, &mut receives);
        if let Some(r) = receives.get_mut(to) {
            *r = true;
        }
        if out.len() < sets.len() {
            out.resize(sets.len(), Vec::new());
        }
        if let Some(list) = out.get_mut(from) {
            list.push(to);
        }
    }
    for (service, list) in stored.iter().enumerate() {
        if list.binary_search(&class).is_ok() {
            slot_of(ServiceId(service as u32), &mut sets, &mut receives);
        }
    }
    out.resize(sets.len(), Vec::new());
    // Seed: services that handle the class without receiving it collected it at home.
    let mut collected: Vec<bool> = receives.iter().map(|r| !r).collect();
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (i, (service, set)) in sets.iter_mut().enumerate() {
        if collected.get(i).copied().unwrap_or(false) {
            *set = home.get(service.index()).copied().unwrap_or_default();
            queue.push_back(i);
        }
    }
    run_worklist(&mut sets, &out, &mut queue);
    // What is still empty is fed by nothing collected above. Every such service receives the
    // class, and only from other such services, so their flows contain cycles. The cycles that
    // nothing feeds (source components: A → B → A) collected the data themselves, so their
    // members are seeded with their own countries; the services downstream of them (A → C) only
    // receive it and get their origins by propagation, not their own countries.
    let unfed: Vec<bool> = sets.iter().map(|(_, set)| set.is_empty()).collect();
    for i in source_components(&out, &unfed) {
        if let (Some((service, set)), Some(c)) = (sets.get_mut(i), collected.get_mut(i)) {
            *set = home.get(service.index()).copied().unwrap_or_default();
            *c = true;
            queue.push_back(i);
        }
    }
    run_worklist(&mut sets, &out, &mut queue);
    for (service, _) in &sets {
        if let Some(s) = scratch.slot.get_mut(service.index()) {
            *s = u32::MAX;
        }
    }
    let mut origins: Vec<Origin> = sets
        .into_iter()
        .zip(collected)
        .map(|((service, countries), collected)| Origin {
            service,
            countries,
            collected,
        })
        .collect();
    origins.sort_unstable_by_key(|o| o.service);
    origins
}

/// The members of the source strongly connected components of the subgraph induced by
/// `member` (components that no edge from another member enters), in increasing order.
fn source_components(out: &[Vec<usize>], member: &[bool]) -> Vec<usize> {
    if !member.iter().any(|m| *m) {
        return Vec::new();
    }
    let mut tarjan = Tarjan::new(out, member);
    for root in 0..member.len() {
        if tarjan.is_member(root) && tarjan.index.get(root).copied() == Some(UNSEEN) {
            tarjan.run(root);
        }
    }
    let component = &tarjan.component;
    let mut entered = vec![false; tarjan.components];
    for v in (0..member.len()).filter(|&v| tarjan.is_member(v)) {
        for &w in tarjan.successors(v) {
            let (cv, cw) = (component.get(v).copied(), component.get(w).copied());
            if tarjan.is_member(w)
                && cv != cw
                && let Some(e) = cw.and_then(|c| entered.get_mut(c))
            {
                *e = true;
            }
        }
    }
    (0..member.len())
        .filter(|&v| tarjan.is_member(v))
        .filter(|&v| {
            component
                .get(v)
                .is_some_and(|&c| !entered.get(c).copied().unwrap_or(true))
        })
        .collect()
}

const UNSEEN: usize = usize::MAX;

/// Tarjan's strongly connected components, iterative (no recursion depth limit), over the
/// subgraph of `out` induced by `member`. O(nodes + edges).
struct Tarjan<'a> {
    out: &'a [Vec<usize>],
    member: &'a [bool],
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    /// The component of each member, numbered in completion order.
    component: Vec<usize>,
    components: usize,
    next_index: usize,
    stack: Vec<usize>,
    /// The depth-first path: (node, next successor to look at).
    calls: Vec<(usize, usize)>,
}

impl<'a> Tarjan<'a> {
    fn new(out: &'a [Vec<usize>], member: &'a [bool]) -> Tarjan<'a> {
        let n = member.len();
        Tarjan {
            out,
            member,
            index: vec![UNSEEN; n],
            low: vec![UNSEEN; n],
            on_stack: vec![false; n],
            component: vec![UNSEEN; n],
            components: 0,
            next_index: 0,
            stack: Vec::new(),
            calls: Vec::new(),
        }
    }

    fn is_member(&self, v: usize) -> bool {
        self.member.get(v).copied().unwrap_or(false)
    }

    fn successors(&self, v: usize) -> &'a [usize] {
        self.out.get(v).map_or(&[][..], Vec::as_slice)
    }

    fn visit(&mut self, v: usize) {
        if let (Some(i), Some(l), Some(o)) = (
            self.index.get_mut(v),
            self.low.get_mut(v),
            self.on_stack.get_mut(v),
        ) {
            *i = self.next_index;
            *l = self.next_index;
            *o = true;
        }
        self.next_index += 1;
        self.stack.push(v);
        self.calls.push((v, 0));
    }

    fn run(&mut self, root: usize) {
        self.visit(root);
        while let Some(&(v, edge)) = self.calls.last() {
            if let Some(&w) = self.successors(v).get(edge) {
                if let Some(call) = self.calls.last_mut() {
                    call.1 += 1;
                }
                if !self.is_member(w) {
                    continue;
                }
                if self.index.get(w).copied() == Some(UNSEEN) {
                    self.visit(w);
                } else if self.on_stack.get(w).copied().unwrap_or(false) {
                    let w_index = self.index.get(w).copied().unwrap_or(UNSEEN);
                    if let Some(l) = self.low.get_mut(v) {
                        *l = (*l).min(w_index);
                    }
                }
                continue;
            }
            self.calls.pop();
            let v_low = self.low.get(v).copied().unwrap_or(UNSEEN);
            if let Some(&(parent, _)) = self.calls.last()
                && let Some(l) = self.low.get_mut(parent)
            {
                *l = (*l).min(v_low);
            }
            if Some(v_low) == self.index.get(v).copied() {
                while let Some(w) = self.stack.pop() {
                    if let Some(o) = self.on_stack.get_mut(w) {
                        *o = false;
                    }
                    if let Some(c) = self.component.get_mut(w) {
                        *c = self.components;
                    }
                    if w == v {
                        break;
                    }
                }
                self.components += 1;
            }
        }
    }
}

/// Propagates sets along `out` edges until nothing changes.
fn run_worklist(
    sets: &mut [(ServiceId, CountrySet)],
    out: &[Vec<usize>],
    queue: &mut VecDeque<usize>,
) {
    while let Some(i) = queue.pop_front() {
        let Some(&(_, from_set)) = sets.get(i) else {
            continue;
        };
        for &j in out.get(i).map_or(&[][..], Vec::as_slice) {
            if let Some((_, to_set)) = sets.get_mut(j)
                && to_set.union_with(&from_set)
            {
                queue.push_back(j);
            }
        }
    }
}
