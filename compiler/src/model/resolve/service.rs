//! Services with their hosts, ports, stores, purposes and settings, and the overlap checks
//! between ports of a service and between hosts of different services.

mod store;

use ipnet::IpNet;
use ward_lang::ast::{self, Ident, ServiceItem};
use ward_lang::diag::suggest::closest;
use ward_lang::{Diagnostic, Span};

use super::{Resolver, index, location, sorted_unique};
use crate::model::codes;
use crate::model::values::{self, AddressError, Interval, PortError};
use crate::model::{
    Certification, FirewallMode, Management, Placement, Port, PortId, PortRange, Sector, Service,
    ServiceId, ServicePurpose, Spanned, StoreId, Transport,
};

/// Declares the services, sorted by name, with their ports and stores (sorted by service, then
/// name). A service whose location cannot be resolved is validated, reported and dropped.
pub(super) fn resolve_services<'a>(cx: &mut Resolver<'a>, decls: &[&'a ast::ServiceDecl]) {
    let unique = sorted_unique(
        cx,
        decls.to_vec(),
        |s| s.name.text.as_str(),
        |s| s.name.span,
        |s| format!("service `{}`", s.name.text),
    );
    reserve(cx, &unique);
    let placed: Vec<(&'a ast::ServiceDecl, Option<Placement>)> = unique
        .into_iter()
        .map(|decl| (decl, location::placement(cx, &decl.location)))
        .collect();
    // Ids first, in name order, so that names resolve while bodies are read.
    let mut next = 0;
    for (decl, placement) in &placed {
        if placement.is_some() {
            cx.names
                .services
                .insert(decl.name.text.as_str().into(), ServiceId(next));
            next += 1;
        } else {
            cx.names.broken_services.insert(&decl.name.text);
        }
    }
    for (decl, placement) in placed {
        service(cx, decl, placement);
    }
    check_host_overlaps(cx);
}

/// Sizes the name tables and vectors once, instead of growing them 10,000 times.
fn reserve(cx: &mut Resolver<'_>, services: &[&ast::ServiceDecl]) {
    let count = |f: fn(&ServiceItem) -> bool| {
        services
            .iter()
            .map(|s| s.items.iter().filter(|i| f(i)).count())
            .sum()
    };
    let ports: usize = count(|i| matches!(i, ServiceItem::Port(_)));
    let stores: usize = count(|i| matches!(i, ServiceItem::Store(_)));
    cx.names.services.reserve(services.len());
    cx.model.services.reserve(services.len());
    cx.model.ports.reserve(ports);
    cx.names.port_ranges.reserve(services.len());
    cx.names.port_name_ends.reserve(ports);
    cx.model.stores.reserve(stores);
}

/// The items of a service body, grouped by kind.
#[derive(Default)]
struct Body<'a> {
    hosts: Vec<&'a ast::Raw>,
    ports: Vec<&'a ast::PortDecl>,
    stores: Vec<&'a ast::StoreDecl>,
    purposes: Vec<&'a ast::ServicePurpose>,
    operators: Vec<&'a ast::StrLit>,
    certified: Vec<&'a Ident>,
    sectors: Vec<&'a Ident>,
    firewalls: Vec<&'a ast::FirewallModeLit>,
    management: Vec<&'a ast::ManagementDecl>,
    /// Whether a `hosts` item is written at all (even if none of its addresses is valid).
    has_hosts: bool,
}

impl<'a> Body<'a> {
    fn collect(decl: &'a ast::ServiceDecl) -> Body<'a> {
        let mut body = Body::default();
        for item in &decl.items {
            match item {
                ServiceItem::Hosts(hosts) => {
                    body.has_hosts = true;
                    body.hosts.extend(hosts);
                }
                ServiceItem::Port(p) => body.ports.push(p),
                ServiceItem::Store(s) => body.stores.push(s),
                ServiceItem::Purpose(p) => body.purposes.push(p),
                ServiceItem::Operator(o) => body.operators.push(o),
                ServiceItem::Certified(c) => body.certified.push(c),
                ServiceItem::Sector(s) => body.sectors.push(s),
                ServiceItem::Firewall(f) => body.firewalls.push(f),
                ServiceItem::Management(m) => body.management.push(m),
            }
        }
        body
    }
}

/// Resolves one service; adds it, its ports and its stores to the model if it has a placement.
fn service<'a>(cx: &mut Resolver<'a>, decl: &'a ast::ServiceDecl, placement: Option<Placement>) {
    let body = Body::collect(decl);
    let name = decl.name.text.as_str();
    let id = cx
        .names
        .services
        .get(name)
        .copied()
        .filter(|_| placement.is_some());
    let hosts = hosts(cx, decl, &body);
    let (firewall, firewall_span) = firewall(cx, decl, &body);
    let management = management(cx, decl, &body);
    let ports = ports(cx, name, &body.ports);
    let stores = store::stores(cx, name, &body.stores);
    let purposes = service_purposes(cx, &body.purposes);
    let operator = body
        .operators
        .first()
        .map(|o| Spanned::new(o.value.clone(), o.span));
    let certifications = certifications(cx, &body.certified);
    let sector = sector(cx, decl, &body.sectors);
    let (Some(id), Some(placement)) = (id, placement) else {
        return;
    };
    cx.index_ports(
        PortId(index(cx.model.ports.len())),
        ports.iter().map(|(name, _)| *name),
    );
    let mut port_ids = Vec::with_capacity(ports.len());
    for (_, mut port) in ports {
        let port_id = PortId(index(cx.model.ports.len()));
        port.service = id;
        cx.model.ports.push(port);
        port_ids.push(port_id);
    }
    let mut store_ids = Vec::with_capacity(stores.len());
    for (_, mut store) in stores {
        let store_id = StoreId(index(cx.model.stores.len()));
        store.service = id;
        cx.model.stores.push(store);
        store_ids.push(store_id);
    }
    cx.model.services.push(Service {
        name: decl.name.text.clone(),
        name_span: decl.name.span,
        external: decl.external,
        placement,
        hosts,
        ports: port_ids,
        stores: store_ids,
        purposes,
        operator,
        certifications,
        sector,
        firewall,
        firewall_span,
        management,
        span: decl.span,
    });
}

/// The validated hosts of a service, sorted. An internal service must list them; an external
/// one may (its addresses then let the firewalls of internal services admit flows to it).
fn hosts(cx: &mut Resolver<'_>, decl: &ast::ServiceDecl, body: &Body<'_>) -> Vec<Spanned<IpNet>> {
    let name = &decl.name.text;
    if !decl.external && !body.has_hosts {
        cx.report(
            Diagnostic::new(
                &codes::INTERNAL_SERVICE_WITHOUT_HOSTS,
                format!("internal service `{name}` does not list its hosts"),
            )
            .at(decl.name.span, "ward cannot write a firewall for this service without its addresses")
            .with_help(format!(
                "add `hosts <address or network>` to `{name}`, or declare it `external service` if a third party runs it"
            )),
        );
    }
    let mut hosts: Vec<Spanned<IpNet>> = body
        .hosts
        .iter()
        .filter_map(|raw| address(cx, raw))
        .collect();
    hosts.sort_by(|a, b| a.value.cmp(&b.value).then(a.span.cmp(&b.span)));
    hosts.dedup_by(|later, first| later.value == first.value);
    hosts
}

/// `firewall host|ports`; the policy default when not written.
fn firewall(
    cx: &mut Resolver<'_>,
    decl: &ast::ServiceDecl,
    body: &Body<'_>,
) -> (FirewallMode, Option<Span>) {
    let default = (cx.model.firewall_default, None);
    let Some(lit) = body.firewalls.first() else {
        return default;
    };
    if decl.external {
        ignored_on_external(cx, "firewall", &decl.name.text, lit.span);
        return default;
    }
    (lit.mode, Some(lit.span))
}

/// `management 22/tcp from ...`, validated, for internal services only.
fn management(cx: &mut Resolver<'_>, decl: &ast::ServiceDecl, body: &Body<'_>) -> Vec<Management> {
    if decl.external {
        for m in &body.management {
            ignored_on_external(cx, "management", &decl.name.text, m.span);
        }
        return Vec::new();
    }
    let mut entries: Vec<Management> = Vec::new();
    for m in &body.management {
        let range = port_range(cx, &m.range);
        let mut from: Vec<Spanned<IpNet>> =
            m.from.iter().filter_map(|raw| address(cx, raw)).collect();
        from.sort_by(|a, b| a.value.cmp(&b.value).then(a.span.cmp(&b.span)));
        from.dedup_by(|later, first| later.value == first.value);
        if let Some(ports) = range {
            entries.push(Management {
                ports,
                protocol: m.protocol,
                from,
                span: m.span,
            });
        }
    }
    entries.sort_by_key(|m| (m.protocol, m.ports, m.span));
    entries
}

fn ignored_on_external(cx: &mut Resolver<'_>, setting: &str, service: &str, span: Span) {
    cx.report(
        Diagnostic::new(
            &codes::IGNORED_EXTERNAL_SETTING,
            format!("`{setting}` of external service `{service}` is ignored"),
        )
        .at(span, "ward writes no firewall for an external service")
        .with_help(format!(
            "remove `{setting}`, or drop `external` if ward should enforce this service's firewall"
        )),
    );
}

/// Ports sorted by name, each with its name; `service` ids are filled in by the caller. A port
/// with an invalid number is kept with the placeholder range `0-0` (after its diagnostic), so
/// flows to it still resolve.
fn ports<'a>(
    cx: &mut Resolver<'a>,
    service: &str,
    decls: &[&'a ast::PortDecl],
) -> Vec<(&'a str, Port)> {
    let unique = sorted_unique(
        cx,
        decls.to_vec(),
        |p| p.name.text.as_str(),
        |p| p.name.span,
        |p| format!("port `{service}.{}`", p.name.text),
    );
    let mut ports = Vec::with_capacity(unique.len());
    let mut intervals = Vec::new();
    for (item, decl) in unique.iter().enumerate() {
        let range = port_range(cx, &decl.range);
        if let Some(r) = range {
            let group = protocol_group(decl.protocol);
            intervals.push(Interval {
                group,
                start: r.first.into(),
                end: r.last.into(),
                owner: item,
                item,
            });
        }
        ports.push((
            decl.name.text.as_str(),
            Port {
                service: ServiceId(u32::MAX),
                name: decl.name.text.clone(),
                name_span: decl.name.span,
                range: range.unwrap_or(PortRange { first: 0, last: 0 }),
                protocol: decl.protocol,
                transport: decl.transport.map_or(Transport::None, |(t, _)| t),
                transport_span: decl.transport.map(|(_, span)| span),
                span: decl.span,
            },
        ));
    }
    for (a, b) in values::overlaps(&mut intervals) {
        if let (Some(a), Some(b)) = (unique.get(a), unique.get(b)) {
            report_port_overlap(cx, service, a, b, &ports);
        }
    }
    ports
}

fn protocol_group(protocol: ast::Protocol) -> u8 {
    match protocol {
        ast::Protocol::Tcp => 0,
        ast::Protocol::Udp => 1,
    }
}

fn report_port_overlap(
    cx: &mut Resolver<'_>,
    service: &str,
    a: &ast::PortDecl,
    b: &ast::PortDecl,
    ports: &[(&str, Port)],
) {
    let (later, earlier) = if a.span > b.span { (a, b) } else { (b, a) };
    let describe = |decl: &ast::PortDecl| {
        let range = ports
            .iter()
            .find(|(n, _)| *n == decl.name.text)
            .map(|(_, p)| p.range);
        let proto = protocol_name(decl.protocol);
        format!(
            "`{}` is `{}/{proto}`",
            decl.name.text,
            range.map_or(String::new(), |r| r.to_string())
        )
    };
    cx.report(
        Diagnostic::new(
            &codes::OVERLAPPING_PORTS,
            format!(
                "ports `{}` and `{}` of `{service}` share port numbers",
                earlier.name.text, later.name.text
            ),
        )
        .at(later.range.span, describe(later))
        .with_secondary(earlier.range.span, describe(earlier))
        .with_help("give each port its own numbers, or merge the two into one port"),
    );
}

fn protocol_name(protocol: ast::Protocol) -> &'static str {
    match protocol {
        ast::Protocol::Tcp => "tcp",
        ast::Protocol::Udp => "udp",
    }
}

/// A validated port range (`8443` or `9100-9101`); `None` after reporting.
pub(super) fn port_range(cx: &mut Resolver<'_>, range: &ast::PortRange) -> Option<PortRange> {
    let first = port_number(cx, &range.start);
    let last = match &range.end {
        Some(end) => port_number(cx, end),
        None => first,
    };
    let (first, last) = (first?, last?);
    match values::port_range(first, last) {
        Ok(r) => Some(r),
        Err(_) => {
            cx.report(
                Diagnostic::new(
                    &codes::INVALID_PORT_RANGE,
                    format!("port range `{first}-{last}` starts after it ends"),
                )
                .at(range.span, format!("`{first}` is greater than `{last}`"))
                .with_help(format!("write `{last}-{first}`")),
            );
            None
        }
    }
}

fn port_number(cx: &mut Resolver<'_>, raw: &ast::Raw) -> Option<u16> {
    let error = match values::parse_port(&raw.text) {
        Ok(port) => return Some(port),
        Err(error) => error,
    };
    let (message, label) = match error {
        PortError::Zero => (
            "port `0` is not a port number".to_string(),
            "ports are numbered from 1",
        ),
        PortError::TooLarge(_) => (
            format!("port `{}` is out of range", raw.text),
            "larger than 65535",
        ),
        PortError::NotANumber => (
            format!("`{}` is not a port number", raw.text),
            "not a number",
        ),
    };
    cx.report(
        Diagnostic::new(&codes::INVALID_PORT, message)
            .at(raw.span, label)
            .with_help("write a port number between 1 and 65535"),
    );
    None
}

/// A validated address or network; `None` after reporting.
pub(super) fn address(cx: &mut Resolver<'_>, raw: &ast::Raw) -> Option<Spanned<IpNet>> {
    let error = match values::parse_net(&raw.text) {
        Ok(net) => return Some(Spanned::new(net, raw.span)),
        Err(error) => error,
    };
    let text = &raw.text;
    let diag = match error {
        AddressError::Syntax | AddressError::PrefixSyntax => Diagnostic::new(
            &codes::INVALID_ADDRESS,
            format!("`{text}` is not an IP address or network"),
        )
        .at(raw.span, "not an IPv4 or IPv6 address")
        .with_help(
            "write an address such as `198.51.100.7` or a network such as `198.51.100.0/24`",
        ),
        AddressError::PrefixTooLong { prefix, max } => Diagnostic::new(
            &codes::INVALID_ADDRESS,
            format!("prefix `/{prefix}` of `{text}` is longer than the address"),
        )
        .at(
            raw.span,
            format!(
                "an IPv{} prefix is at most /{max}",
                if max == 32 { 4 } else { 6 }
            ),
        )
        .with_help(format!("write a prefix between /0 and /{max}")),
        AddressError::HostBits { network } => {
            let host = text.split('/').next().unwrap_or(text);
            Diagnostic::new(&codes::INVALID_ADDRESS, format!("`{text}` has host bits set"))
                .at(raw.span, format!("the network of this prefix is `{network}`"))
                .with_help(format!(
                    "write the network `{network}`, or `{host}` for the single host; ward does not guess which one a firewall should admit"
                ))
        }
    };
    cx.report(diag);
    None
}

/// `purpose care, billing for diagnosis`, sorted; items naming no known purpose are dropped.
fn service_purposes<'a>(
    cx: &mut Resolver<'a>,
    decls: &[&'a ast::ServicePurpose],
) -> Vec<ServicePurpose> {
    let mut out: Vec<ServicePurpose> = Vec::new();
    for decl in decls {
        let mut purposes: Vec<_> = decl.purposes.iter().filter_map(|p| cx.purpose(p)).collect();
        let mut classes: Vec<_> = decl.classes.iter().filter_map(|c| cx.class(c)).collect();
        purposes.sort_unstable();
        purposes.dedup();
        classes.sort_unstable();
        classes.dedup();
        if !purposes.is_empty() {
            out.push(ServicePurpose {
                purposes,
                classes,
                span: decl.span,
            });
        }
    }
    out.sort_by(|a, b| (&a.purposes, &a.classes, a.span).cmp(&(&b.purposes, &b.classes, b.span)));
    out
}

fn certifications(cx: &mut Resolver<'_>, idents: &[&Ident]) -> Vec<Spanned<Certification>> {
    let mut out: Vec<Spanned<Certification>> = Vec::new();
    for ident in idents {
        match ident.text.as_str() {
            "dpf" => out.push(Spanned::new(Certification::Dpf, ident.span)),
            other => {
                let help = match closest(other, ["dpf"]) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => {
                        "ward knows `dpf` (EU-US Data Privacy Framework); remove the line otherwise"
                            .to_string()
                    }
                };
                cx.report(
                    Diagnostic::new(
                        &codes::UNKNOWN_CERTIFICATION,
                        format!("unknown certification `{other}`"),
                    )
                    .at(ident.span, "not a certification ward knows")
                    .with_help(help),
                );
            }
        }
    }
    out.sort_by(|a, b| a.value.cmp(&b.value).then(a.span.cmp(&b.span)));
    out.dedup_by(|later, first| later.value == first.value);
    out
}

/// `sector commercial|public`; unspecified (at the service's name) when not written.
fn sector(cx: &mut Resolver<'_>, decl: &ast::ServiceDecl, idents: &[&Ident]) -> Spanned<Sector> {
    let default = Spanned::new(Sector::Unspecified, decl.name.span);
    let Some(ident) = idents.first() else {
        return default;
    };
    match ident.text.as_str() {
        "commercial" => Spanned::new(Sector::Commercial, ident.span),
        "public" => Spanned::new(Sector::Public, ident.span),
        other => {
            let help = match closest(other, ["commercial", "public"]) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "write `sector commercial` or `sector public`".to_string(),
            };
            cx.report(
                Diagnostic::new(&codes::UNKNOWN_SECTOR, format!("unknown sector `{other}`"))
                    .at(ident.span, "not `commercial` or `public`")
                    .with_help(help),
            );
            default
        }
    }
}

/// Reports hosts of different internal services that share addresses (sort and sweep).
fn check_host_overlaps(cx: &mut Resolver<'_>) {
    let mut intervals = Vec::new();
    let mut hosts: Vec<(usize, &Spanned<IpNet>)> = Vec::new();
    for (service, s) in cx.model.services.iter().enumerate() {
        for host in &s.hosts {
            let (group, start, end) = values::net_bounds(&host.value);
            intervals.push(Interval {
                group,
                start,
                end,
                owner: service,
                item: hosts.len(),
            });
            hosts.push((service, host));
        }
    }
    let mut diags = Vec::new();
    for (a, b) in values::overlaps(&mut intervals) {
        let (Some(&a), Some(&b)) = (hosts.get(a), hosts.get(b)) else {
            continue;
        };
        let (later, earlier) = if a.1.span > b.1.span { (a, b) } else { (b, a) };
        let name = |(service, _): (usize, &Spanned<IpNet>)| {
            cx.model
                .services
                .get(service)
                .map_or("", |s| s.name.as_str())
        };
        diags.push(
            Diagnostic::new(
                &codes::OVERLAPPING_HOSTS,
                format!("services `{}` and `{}` share addresses", name(earlier), name(later)),
            )
            .at(later.1.span, format!("`{}` of `{}`", later.1.value, name(later)))
            .with_secondary(earlier.1.span, format!("overlaps `{}` of `{}`", earlier.1.value, name(earlier)))
            .with_help("give each service its own addresses; one host running both should be one service with both sets of ports"),
        );
    }
    for diag in diags {
        cx.report(diag);
    }
}
