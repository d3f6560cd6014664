//! Services: `[external] service NAME in LOCATION { ... }` with hosts, ports, stores, purposes,
//! firewall settings and, for external services, operator, certification and sector.

use pest::iterators::Pair;

use super::settings::lower_firewall_mode;
use super::{Cx, Nodes, Seen, lower_names};
use crate::ast::{
    Engine, FieldDecl, Location, ManagementDecl, PortDecl, PortRange, Protocol, Raw, ServiceDecl,
    ServiceItem, ServicePurpose, StoreDecl, TableDecl, Transport,
};
use crate::parser::Rule;
use crate::span::Span;

pub(crate) const ENGINES: &[(&str, Engine)] = &[
    ("postgres", Engine::Postgres),
    ("mysql", Engine::Mysql),
    ("mongodb", Engine::Mongodb),
    ("s3", Engine::S3),
    ("redis", Engine::Redis),
    ("elasticsearch", Engine::Elasticsearch),
    ("kafka", Engine::Kafka),
    ("other", Engine::Other),
];

pub(crate) const PROTOCOLS: &[(&str, Protocol)] = &[("tcp", Protocol::Tcp), ("udp", Protocol::Udp)];

pub(crate) const TRANSPORTS: &[(&str, Transport)] = &[
    ("none", Transport::None),
    ("tls", Transport::Tls),
    ("mtls", Transport::Mtls),
];

/// `service checkout in aws:eu-central-1 { ... }` or `external service stripe in ... { ... }`
pub(super) fn lower_service(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<ServiceDecl> {
    let span = cx.span(&pair);
    // `external` is a keyword, which `Nodes` skips: look at the first raw child.
    let external = pair
        .clone()
        .into_inner()
        .next()
        .is_some_and(|p| p.as_rule() == Rule::kw_external);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let location = nodes.lower(cx, Rule::location, lower_location)?;
    let mut items = Vec::new();
    if let Some(body) = nodes.optional(Rule::service_body) {
        let mut seen = Seen::new("service");
        for item in Nodes::new(body) {
            if let Some(item) = lower_service_item(cx, item, &mut seen) {
                items.push(item);
            }
        }
    }
    Some(ServiceDecl {
        external,
        name,
        location,
        items,
        span,
    })
}

/// `aws:eu-central-1` or a site name.
fn lower_location(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Location> {
    let mut nodes = Nodes::new(pair);
    let Some(inner) = nodes.next() else {
        cx.internal(nodes.parent_span(cx), "empty location");
        return None;
    };
    match inner.as_rule() {
        Rule::ident => Some(Location::Site(cx.ident(&inner))),
        Rule::region_ref => {
            let span = cx.span(&inner);
            let mut parts = Nodes::new(inner);
            let provider = parts.ident(cx)?;
            let region = parts.ident_of(cx, Rule::region_name)?;
            Some(Location::Region {
                provider,
                region,
                span,
            })
        }
        _ => {
            cx.unexpected(&inner, "a location");
            None
        }
    }
}

/// One item of a service body; `operator`, `sector` and `firewall` may be written once.
fn lower_service_item(
    cx: &mut Cx<'_>,
    pair: Pair<'_, Rule>,
    seen: &mut Seen,
) -> Option<ServiceItem> {
    let span = cx.span(&pair);
    let rule = pair.as_rule();
    let once = match rule {
        Rule::operator_item => Some("operator"),
        Rule::sector_item => Some("sector"),
        Rule::firewall_item => Some("firewall"),
        _ => None,
    };
    let item = match rule {
        Rule::hosts_item => ServiceItem::Hosts(Nodes::new(pair).map(|a| cx.raw(&a)).collect()),
        Rule::port_item => ServiceItem::Port(lower_port(cx, pair)?),
        Rule::store_item => ServiceItem::Store(lower_store(cx, pair)?),
        Rule::service_purpose_item => ServiceItem::Purpose(lower_service_purpose(cx, pair)),
        Rule::operator_item => ServiceItem::Operator(Nodes::new(pair).string(cx)?),
        Rule::certified_item => ServiceItem::Certified(Nodes::new(pair).ident(cx)?),
        Rule::sector_item => ServiceItem::Sector(Nodes::new(pair).ident(cx)?),
        Rule::firewall_item => {
            let mode = Nodes::new(pair).expect(cx, Rule::firewall_mode)?;
            ServiceItem::Firewall(lower_firewall_mode(cx, &mode)?)
        }
        Rule::management_item => ServiceItem::Management(lower_management(cx, pair)?),
        _ => {
            cx.unexpected(&pair, "a service body");
            return None;
        }
    };
    // A repeat is reported and kept: the syntax tree lists what was written.
    if let Some(attr) = once {
        seen.first(cx, attr, span);
    }
    Some(item)
}

/// `port api 8443/tcp mtls`
fn lower_port(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<PortDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let range = nodes.lower(cx, Rule::port_range, lower_port_range)?;
    let protocol = nodes.word(cx, Rule::protocol, PROTOCOLS)?;
    let transport = match nodes.optional(Rule::transport) {
        Some(t) => Some((cx.word(&t, TRANSPORTS)?, cx.span(&t))),
        None => None,
    };
    Some(PortDecl {
        name,
        range,
        protocol,
        transport,
        span,
    })
}

/// `8443` or `9000-9010`
fn lower_port_range(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<PortRange> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let start = nodes.raw(cx, Rule::number)?;
    let end = nodes.optional(Rule::number).map(|n| cx.raw(&n));
    Some(PortRange { start, end, span })
}

/// `management 22/tcp from 198.18.250.0/24, 198.18.251.0/24`
fn lower_management(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<ManagementDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let range = nodes.lower(cx, Rule::port_range, lower_port_range)?;
    let protocol = nodes.word(cx, Rule::protocol, PROTOCOLS)?;
    let from = nodes.map(|a| cx.raw(&a)).collect();
    Some(ManagementDecl {
        range,
        protocol,
        from,
        span,
    })
}

/// `purpose care, billing for diagnosis, prescription`
fn lower_service_purpose(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> ServicePurpose {
    let span = cx.span(&pair);
    let mut purposes = Vec::new();
    let mut classes = Vec::new();
    for child in Nodes::new(pair) {
        match child.as_rule() {
            Rule::ident => purposes.push(cx.ident(&child)),
            Rule::purpose_classes => classes = lower_names(cx, Nodes::new(child)),
            _ => cx.unexpected(&child, "a service purpose"),
        }
    }
    ServicePurpose {
        purposes,
        classes,
        span,
    }
}

/// `store customers postgres retain 90d { table accounts { email: email } total: order_total }`
fn lower_store(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<StoreDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let mut store = StoreDecl {
        name,
        engine: None,
        retain: Vec::new(),
        tables: Vec::new(),
        fields: Vec::new(),
        span,
    };
    let mut seen = Seen::new("store");
    for child in nodes {
        match child.as_rule() {
            Rule::engine => store.engine = Some((cx.word(&child, ENGINES)?, cx.span(&child))),
            Rule::retain => store.retain.push(lower_retain(cx, child, &mut seen)?),
            Rule::store_body => lower_store_body(cx, child, &mut store)?,
            _ => cx.unexpected(&child, "a store"),
        }
    }
    Some(store)
}

/// The tables and fields of a store body, in any order.
fn lower_store_body(cx: &mut Cx<'_>, pair: Pair<'_, Rule>, store: &mut StoreDecl) -> Option<()> {
    for child in Nodes::new(pair) {
        match child.as_rule() {
            Rule::table => store.tables.push(lower_table(cx, child)?),
            Rule::field => store.fields.push(lower_field(cx, child)?),
            _ => cx.unexpected(&child, "a store body"),
        }
    }
    Some(())
}

/// `table accounts retain 2y { email: email, card: card_number }`
fn lower_table(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<TableDecl> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let mut table = TableDecl {
        name,
        retain: Vec::new(),
        fields: Vec::new(),
        span,
    };
    let mut seen = Seen::new("table");
    for child in nodes {
        match child.as_rule() {
            Rule::retain => table.retain.push(lower_retain(cx, child, &mut seen)?),
            Rule::field => table.fields.push(lower_field(cx, child)?),
            _ => cx.unexpected(&child, "a table"),
        }
    }
    Some(table)
}

/// `retain 90d`; a second `retain` on the same store or table is reported (and kept).
fn lower_retain(cx: &mut Cx<'_>, pair: Pair<'_, Rule>, seen: &mut Seen) -> Option<Raw> {
    let span: Span = cx.span(&pair);
    let duration = Nodes::new(pair).raw(cx, Rule::duration)?;
    seen.first(cx, "retain", span);
    Some(duration)
}

/// `email: email` (field name, data class)
fn lower_field(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<FieldDecl> {
    let mut nodes = Nodes::new(pair);
    let name = nodes.ident(cx)?;
    let class = nodes.ident(cx)?;
    // The span ends at the class: the optional separating comma is not part of the field.
    let span = name.span.to(class.span);
    Some(FieldDecl { name, class, span })
}
