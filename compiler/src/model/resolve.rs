//! Name resolution and value validation: syntax tree to [`Model`](super::Model).
//!
//! One pass per construct, in dependency order: settings, purposes, data classes, sites,
//! services (with their ports and stores), flows, transfers, waivers. Each pass collects its
//! declarations, sorts them by name and only then assigns ids, so the model does not depend on
//! declaration or file order.
//!
//! Errors accumulate: a bad item becomes a diagnostic and is skipped or gets a placeholder, and
//! resolution goes on. A declaration dropped because of an error reported on it (a service in an
//! unknown region, a site in an unknown country) is remembered as *broken*, and references to it
//! are skipped without a second diagnostic, so one mistake reports once. An attribute written
//! twice in one declaration (`retain`, `reason`, `sector`, ...) is reported by the parser
//! (`P0008`) and kept in the syntax tree; the resolver takes the first.
//!
//! Performance: names are looked up in hash maps keyed by `&str` borrowed from the syntax tree;
//! the maps are only ever probed, never iterated (iteration order would leak into the model).
//! Every other step is a sort or a linear pass, so resolution is O(n log n) in policy size.

mod data;
mod flow;
mod location;
mod names;
mod service;
mod settings;
mod transfer;
mod waiver;

use ward_lang::ast::{self, Ident};
use ward_lang::diag::suggest::closest;
use ward_lang::{Diagnostic, Span};

use crate::model::codes;
use crate::model::{ClassId, Model, PortId, PurposeId, ServiceId, SiteId, StoreId};
use crate::reference::Reference;
use names::{NameMap, NameSet};

/// Resolves a parsed policy against the reference library.
///
/// Always returns a model, complete for a valid policy and best effort otherwise; the
/// diagnostics, sorted into report order, say what is wrong. The model is only fit for the
/// later stages when no diagnostic is an error.
pub fn resolve(policy: &ast::Policy, reference: &Reference) -> (Model, Vec<Diagnostic>) {
    let mut cx = Resolver::new(reference);
    let items = Items::collect(policy);
    settings::resolve(&mut cx, &items);
    data::resolve_purposes(&mut cx, &items.purposes);
    data::resolve_classes(&mut cx, &items.data);
    location::resolve_sites(&mut cx, &items.sites);
    service::resolve_services(&mut cx, &items.services);
    flow::resolve_flows(&mut cx, &items.flows);
    transfer::resolve_transfers(&mut cx, &items.transfers);
    waiver::resolve_waivers(&mut cx, &items.waivers);
    let Resolver {
        model, mut diags, ..
    } = cx;
    ward_lang::diag::sort_diagnostics(&mut diags);
    (model, diags)
}

/// The policy's items grouped by kind, in declaration order.
#[derive(Default)]
struct Items<'a> {
    controllers: Vec<&'a ast::Controller>,
    trust_domains: Vec<&'a ast::StrLit>,
    firewall_defaults: Vec<&'a ast::FirewallModeLit>,
    severities: Vec<&'a ast::SeverityDecl>,
    purposes: Vec<&'a ast::PurposeDecl>,
    data: Vec<&'a ast::DataDecl>,
    sites: Vec<&'a ast::SiteDecl>,
    services: Vec<&'a ast::ServiceDecl>,
    flows: Vec<&'a ast::FlowDecl>,
    transfers: Vec<&'a ast::TransferDecl>,
    waivers: Vec<&'a ast::WaiverDecl>,
}

impl<'a> Items<'a> {
    fn collect(policy: &'a ast::Policy) -> Items<'a> {
        let mut items = Items::default();
        for item in &policy.items {
            match item {
                ast::Item::Controller(c) => items.controllers.push(c),
                ast::Item::TrustDomain(t) => items.trust_domains.push(t),
                ast::Item::FirewallDefault(f) => items.firewall_defaults.push(f),
                ast::Item::Severity(s) => items.severities.push(s),
                ast::Item::Purpose(p) => items.purposes.push(p),
                ast::Item::Data(d) => items.data.push(d),
                ast::Item::Site(s) => items.sites.push(s),
                ast::Item::Service(s) => items.services.push(s),
                ast::Item::Flow(f) => items.flows.push(f),
                ast::Item::Transfer(t) => items.transfers.push(t),
                ast::Item::Waiver(w) => items.waivers.push(w),
            }
        }
        items
    }
}

/// The kinds of names a policy declares, for lookups and "unknown name" diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NameKind {
    Purpose,
    Class,
    Site,
    Service,
}

impl NameKind {
    fn noun(self) -> &'static str {
        match self {
            NameKind::Purpose => "purpose",
            NameKind::Class => "data class",
            NameKind::Site => "site",
            NameKind::Service => "service",
        }
    }

    /// How to declare a missing name of this kind.
    fn declare_hint(self, name: &str) -> String {
        match self {
            NameKind::Purpose => format!("declare it with `purpose {name} basis <lawful basis>`"),
            NameKind::Class => format!("declare it with `data {name} personal`"),
            NameKind::Site => format!("declare it with `site {name} country <code>`"),
            NameKind::Service => {
                format!("declare it with `service {name} in <location> {{ ... }}`")
            }
        }
    }
}

/// The outcome of looking a name up.
enum Lookup<T> {
    Found(T),
    /// Declared, but dropped because of an error already reported on its declaration.
    Broken,
    Unknown,
}

/// Name tables, filled pass by pass. Small tables borrow their keys from the syntax tree; the
/// large ones keep compact copies (see below). Stores are found by binary search in their
/// service's sorted list in the model: only waivers name them.
#[derive(Default)]
struct Names<'a> {
    purposes: NameMap<&'a str, PurposeId>,
    classes: NameMap<&'a str, ClassId>,
    sites: NameMap<&'a str, SiteId>,
    /// Owned keys, allocated one after the other: probing them stays in cache, where keys
    /// borrowed from the syntax tree would be scattered over the whole tree (a cache miss per
    /// lookup, and a policy with 100,000 flows makes 300,000 of them).
    services: NameMap<Box<str>, ServiceId>,
    /// Per service: its first port id and its number of ports (a service's ports have
    /// consecutive ids, in name order).
    /// INVARIANT: indexed by `ServiceId`: [`Resolver::index_ports`] is called once per service
    /// added to the model, in id order.
    port_ranges: Vec<(u32, u32)>,
    /// The names of all ports, one after the other, in id order, and where each ends: a
    /// contiguous copy that binary searches over a service's ports read from cache.
    port_names: String,
    port_name_ends: Vec<u32>,
    broken_sites: NameSet<&'a str>,
    broken_services: NameSet<&'a str>,
    /// Per class: its default `mask` was written but is invalid (already reported), so a flow
    /// relying on it must not report a missing strategy again.
    broken_masks: Vec<bool>,
}

/// The state of one resolution: the model being built, the name tables and the diagnostics.
struct Resolver<'a> {
    reference: &'a Reference,
    model: Model,
    names: Names<'a>,
    diags: Vec<Diagnostic>,
    /// "Did you mean" answers already computed, so that 1,000 flows naming the same unknown
    /// service compute the edit distances once.
    suggestions: NameMap<(NameKind, &'a str), Option<String>>,
}

impl<'a> Resolver<'a> {
    fn new(reference: &'a Reference) -> Resolver<'a> {
        Resolver {
            reference,
            model: Model::default(),
            names: Names::default(),
            diags: Vec::new(),
            suggestions: NameMap::default(),
        }
    }

    fn report(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// Looks up a declared name without reporting anything.
    fn find(&self, kind: NameKind, name: &str) -> Lookup<u32> {
        let found = match kind {
            NameKind::Purpose => self.names.purposes.get(name).map(|id| id.0),
            NameKind::Class => self.names.classes.get(name).map(|id| id.0),
            NameKind::Site => self.names.sites.get(name).map(|id| id.0),
            NameKind::Service => self.names.services.get(name).map(|id| id.0),
        };
        if let Some(id) = found {
            return Lookup::Found(id);
        }
        let broken = match kind {
            NameKind::Site => self.names.broken_sites.contains(name),
            NameKind::Service => self.names.broken_services.contains(name),
            NameKind::Purpose | NameKind::Class => false,
        };
        if broken {
            Lookup::Broken
        } else {
            Lookup::Unknown
        }
    }

    /// Looks up a name, reporting it if unknown; `None` also for a broken declaration.
    fn lookup(&mut self, kind: NameKind, ident: &'a Ident) -> Option<u32> {
        match self.find(kind, &ident.text) {
            Lookup::Found(id) => Some(id),
            Lookup::Broken => None,
            Lookup::Unknown => {
                self.report_unknown(kind, ident);
                None
            }
        }
    }

    /// The port `name` of `service`, by binary search (a service's ports are sorted by name).
    fn port_of(&self, service: ServiceId, name: &str) -> Option<PortId> {
        let names = &self.names;
        let &(first, count) = names.port_ranges.get(service.index())?;
        let name_of = |id: u32| {
            let end = names.port_name_ends.get(id as usize).copied().unwrap_or(0);
            let start = id
                .checked_sub(1)
                .and_then(|p| names.port_name_ends.get(p as usize))
                .copied()
                .unwrap_or(0);
            names
                .port_names
                .get(start as usize..end as usize)
                .unwrap_or("")
        };
        let (mut low, mut high) = (first, first.saturating_add(count));
        while low < high {
            let mid = low + (high - low) / 2;
            match name_of(mid).cmp(name) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Some(PortId(mid)),
            }
        }
        None
    }

    /// Records the ports of the next service (ids `first..`), in name order.
    fn index_ports<'n>(&mut self, first: PortId, names: impl ExactSizeIterator<Item = &'n str>) {
        self.names.port_ranges.push((first.0, index(names.len())));
        for name in names {
            self.names.port_names.push_str(name);
            self.names
                .port_name_ends
                .push(index(self.names.port_names.len()));
        }
    }

    /// The store `name` of `service`, by binary search (a service's stores are sorted by name).
    fn store_of(&self, service: ServiceId, name: &str) -> Option<StoreId> {
        let stores = &self.model.services.get(service.index())?.stores;
        let name_of = |id: &StoreId| {
            self.model
                .stores
                .get(id.index())
                .map_or("", |s| s.name.as_str())
        };
        let at = stores.binary_search_by(|id| name_of(id).cmp(name)).ok()?;
        stores.get(at).copied()
    }

    fn service(&mut self, ident: &'a Ident) -> Option<ServiceId> {
        self.lookup(NameKind::Service, ident).map(ServiceId)
    }

    fn class(&mut self, ident: &'a Ident) -> Option<ClassId> {
        self.lookup(NameKind::Class, ident).map(ClassId)
    }

    fn purpose(&mut self, ident: &'a Ident) -> Option<PurposeId> {
        self.lookup(NameKind::Purpose, ident).map(PurposeId)
    }

    /// Reports `ident` as an unknown name of `kind`, with the closest declared name as help.
    fn report_unknown(&mut self, kind: NameKind, ident: &'a Ident) {
        let name = ident.text.as_str();
        let suggestion = match self.suggestions.get(&(kind, name)) {
            Some(cached) => cached.clone(),
            None => {
                let found = self.closest_name(kind, name);
                self.suggestions.insert((kind, name), found.clone());
                found
            }
        };
        let noun = kind.noun();
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => kind.declare_hint(name),
        };
        self.report(
            Diagnostic::new(&codes::UNKNOWN_NAME, format!("unknown {noun} `{name}`"))
                .at(ident.span, format!("no {noun} is named `{name}`"))
                .with_help(help),
        );
    }

    /// The declared name of `kind` closest to `name` (sorted candidates: deterministic).
    fn closest_name(&self, kind: NameKind, name: &str) -> Option<String> {
        let m = &self.model;
        let found = match kind {
            NameKind::Purpose => closest(name, m.purposes.iter().map(|p| p.name.as_str())),
            NameKind::Class => closest(name, m.classes.iter().map(|c| c.name.as_str())),
            NameKind::Site => closest(name, m.sites.iter().map(|s| s.name.as_str())),
            NameKind::Service => closest(name, m.services.iter().map(|s| s.name.as_str())),
        };
        found.map(str::to_string)
    }

    /// Reports that `what` is declared twice: `again` is the later declaration.
    fn report_duplicate(&mut self, what: &str, again: Span, first: Span) {
        self.report(
            Diagnostic::new(
                &codes::DUPLICATE_DEFINITION,
                format!("{what} is declared more than once"),
            )
            .at(again, "declared again here")
            .with_secondary(first, "first declared here")
            .with_help("merge the two declarations into one, or rename one of them"),
        );
    }
}

/// Sorts declarations by `key` (then by position, so the first written wins), and splits off
/// the duplicates, reporting each against the first declaration of the same key.
fn sorted_unique<'a, T: ?Sized, K: Ord>(
    cx: &mut Resolver<'_>,
    mut decls: Vec<&'a T>,
    key: impl Fn(&'a T) -> K,
    span: impl Fn(&T) -> Span,
    describe: impl Fn(&T) -> String,
) -> Vec<&'a T> {
    decls.sort_by(|a, b| key(*a).cmp(&key(*b)).then_with(|| span(a).cmp(&span(b))));
    let mut duplicates: Vec<(&'a T, &'a T)> = Vec::new();
    decls.dedup_by(|again, first| {
        let same = key(*again) == key(*first);
        if same {
            duplicates.push((*again, *first));
        }
        same
    });
    for (again, first) in duplicates {
        cx.report_duplicate(&describe(again), span(again), span(first));
    }
    decls
}

/// `u32` index for an id, saturating (a policy cannot hold 4 billion declarations: the files
/// are limited to 512 MiB each).
fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Reports that `service` has no member (`port`, `store`) named `ident`, pointing at the name
/// and at the service's declaration.
fn report_unknown_member(
    cx: &mut Resolver<'_>,
    service: crate::model::ServiceId,
    ident: &ast::Ident,
    kind: &str,
    help: String,
) {
    let Some(s) = cx.model.services.get(service.index()) else {
        return;
    };
    let (owner, owner_span, name) = (s.name.clone(), s.name_span, &ident.text);
    let diag = Diagnostic::new(
        &codes::UNKNOWN_NAME,
        format!("service `{owner}` has no {kind} `{name}`"),
    )
    .at(ident.span, format!("no {kind} `{name}` in `{owner}`"))
    .with_secondary(owner_span, format!("`{owner}` is declared here"))
    .with_help(help);
    cx.report(diag);
}

/// "`a`, `b` and `c`".
fn list_names<'s>(names: impl IntoIterator<Item = &'s str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
