//! `[external] service NAME in LOCATION { ... }` with every body item: hosts, ports, stores
//! (engines, retention, tables, fields), purposes, operator, certification, sector, firewall
//! mode and management access. An attribute written twice (`operator`, `sector`, `firewall`,
//! `retain`: a diagnostic) is left to pest.

use super::reader::Reader;
use crate::ast::{
    FieldDecl, FirewallModeLit, Ident, Location, ManagementDecl, PortDecl, PortRange, Raw,
    ServiceDecl, ServiceItem, ServicePurpose, StoreDecl, TableDecl,
};
use crate::lower::{ENGINES, FIREWALL_MODES, PROTOCOLS, TRANSPORTS};

/// `service_decl`.
pub(super) fn service(r: &mut Reader<'_>) -> Option<ServiceDecl> {
    let start = r.pos;
    let external = r.keyword("external").is_some();
    if external {
        r.trivia();
    }
    r.keyword("service")?;
    r.trivia();
    let name = r.ident()?;
    r.trivia();
    r.keyword("in")?;
    r.trivia();
    let location = location(r)?;
    let mut items = Vec::new();
    r.trivia();
    if r.punct(b'{').is_some() {
        body(r, &mut items)?;
    }
    Some(ServiceDecl {
        external,
        name,
        location,
        items,
        span: r.span_from(start),
    })
}

/// `aws:eu-central-1` (compound-atomic: no whitespace around the colon) or a site name.
fn location(r: &mut Reader<'_>) -> Option<Location> {
    let provider = r.ident()?;
    if r.punct(b':').is_none() {
        return Some(Location::Site(provider));
    }
    let start = provider.span.start as usize;
    let region = r.region_name()?;
    Some(Location::Region {
        provider,
        region,
        span: r.span_from(start),
    })
}

/// The items of a service body, after its `{`, up to and including its `}`.
fn body(r: &mut Reader<'_>, items: &mut Vec<ServiceItem>) -> Option<()> {
    let mut once = Once::default();
    loop {
        r.trivia();
        if r.punct(b'}').is_some() {
            return Some(());
        }
        let at = r.pos;
        let item = if r.keyword("port").is_some() {
            ServiceItem::Port(port(r, at)?)
        } else if r.keyword("hosts").is_some() {
            ServiceItem::Hosts(addresses(r)?)
        } else if r.keyword("purpose").is_some() {
            ServiceItem::Purpose(purpose(r, at)?)
        } else if r.keyword("store").is_some() {
            ServiceItem::Store(store(r, at)?)
        } else if r.keyword("firewall").is_some() {
            once.first(Attribute::Firewall)?;
            r.trivia();
            let (mode, span) = r.word(FIREWALL_MODES)?;
            ServiceItem::Firewall(FirewallModeLit { mode, span })
        } else if r.keyword("management").is_some() {
            ServiceItem::Management(management(r, at)?)
        } else if r.keyword("sector").is_some() {
            once.first(Attribute::Sector)?;
            r.trivia();
            ServiceItem::Sector(r.ident()?)
        } else if r.keyword("operator").is_some() {
            once.first(Attribute::Operator)?;
            r.trivia();
            ServiceItem::Operator(r.string()?)
        } else if r.keyword("certified").is_some() {
            r.trivia();
            ServiceItem::Certified(r.ident()?)
        } else {
            return None;
        };
        items.push(item);
    }
}

/// The attributes a service body may hold once.
#[derive(Clone, Copy)]
enum Attribute {
    Operator,
    Sector,
    Firewall,
}

/// Which once-only attributes were seen.
#[derive(Default)]
struct Once([bool; 3]);

impl Once {
    /// `None` the second time: the repeat is a diagnostic, which pest's lowering reports.
    fn first(&mut self, attr: Attribute) -> Option<()> {
        let seen = self.0.get_mut(attr as usize)?;
        (!std::mem::replace(seen, true)).then_some(())
    }
}

/// After `port`: `api 8443/tcp mtls`.
fn port(r: &mut Reader<'_>, start: usize) -> Option<PortDecl> {
    r.trivia();
    let name = r.ident()?;
    r.trivia();
    let range = port_range(r)?;
    r.trivia();
    r.punct(b'/')?;
    r.trivia();
    let (protocol, _) = r.word(PROTOCOLS)?;
    r.trivia();
    let transport = r.word(TRANSPORTS);
    Some(PortDecl {
        name,
        range,
        protocol,
        transport,
        span: r.span_from(start),
    })
}

/// `8443` or `9000-9010` (compound-atomic: no whitespace around the dash).
fn port_range(r: &mut Reader<'_>) -> Option<PortRange> {
    let start = r.number()?;
    let from = start.span.start as usize;
    // After a range comes `/`: a `-` not followed by a number fails in pest as well.
    let end = match r.punct(b'-') {
        Some(()) => Some(r.number()?),
        None => None,
    };
    Some(PortRange {
        start,
        end,
        span: r.span_from(from),
    })
}

/// After `management`: `22/tcp from 198.18.250.0/24, ...`.
fn management(r: &mut Reader<'_>, start: usize) -> Option<ManagementDecl> {
    r.trivia();
    let range = port_range(r)?;
    r.trivia();
    r.punct(b'/')?;
    r.trivia();
    let (protocol, _) = r.word(PROTOCOLS)?;
    r.trivia();
    r.keyword("from")?;
    let from = addresses(r)?;
    Some(ManagementDecl {
        range,
        protocol,
        from,
        span: r.span_from(start),
    })
}

/// `address (, address)*`, after its keyword.
fn addresses(r: &mut Reader<'_>) -> Option<Vec<Raw>> {
    comma_list(r, Reader::address)
}

/// `item (, item)*`, each item read by `item`.
fn comma_list<'t, T>(
    r: &mut Reader<'t>,
    item: impl Fn(&mut Reader<'t>) -> Option<T>,
) -> Option<Vec<T>> {
    let mut list = Vec::with_capacity(2);
    loop {
        r.trivia();
        list.push(item(r)?);
        r.trivia();
        if r.punct(b',').is_none() {
            return Some(list);
        }
    }
}

/// After `purpose`: `care, billing` with an optional `for diagnosis, prescription`.
fn purpose(r: &mut Reader<'_>, start: usize) -> Option<ServicePurpose> {
    let purposes = names(r)?;
    r.trivia();
    let classes = match r.keyword("for") {
        Some(_) => names(r)?,
        None => Vec::new(),
    };
    Some(ServicePurpose {
        purposes,
        classes,
        span: r.span_from(start),
    })
}

/// `name (, name)*`, after its keyword.
fn names(r: &mut Reader<'_>) -> Option<Vec<Ident>> {
    comma_list(r, Reader::ident)
}

/// After `store`: `main_db postgres retain 30d { table t { a: a } b: b } [retain 1y]`.
fn store(r: &mut Reader<'_>, start: usize) -> Option<StoreDecl> {
    r.trivia();
    let name = r.ident()?;
    r.trivia();
    let engine = r.word(ENGINES);
    let mut store = StoreDecl {
        name,
        engine,
        retain: Vec::new(),
        tables: Vec::new(),
        fields: Vec::new(),
        span: r.span_from(start),
    };
    r.trivia();
    retain(r, &mut store.retain)?;
    r.trivia();
    if r.punct(b'{').is_some() {
        loop {
            r.trivia();
            let at = r.pos;
            if r.punct(b'}').is_some() {
                break;
            } else if r.keyword("table").is_some() {
                store.tables.push(table(r, at)?);
            } else {
                store.fields.push(field(r)?);
            }
        }
        r.trivia();
        retain(r, &mut store.retain)?;
    }
    store.span = r.span_from(start);
    Some(store)
}

/// An optional `retain DURATION`; `None` for a second one (a diagnostic, left to pest).
fn retain(r: &mut Reader<'_>, retain: &mut Vec<Raw>) -> Option<()> {
    if r.keyword("retain").is_none() {
        return Some(());
    }
    if !retain.is_empty() {
        return None;
    }
    r.trivia();
    retain.push(r.duration()?);
    Some(())
}

/// After `table`: `accounts retain 2y { email: email, card: card_number } [retain 1y]`.
fn table(r: &mut Reader<'_>, start: usize) -> Option<TableDecl> {
    r.trivia();
    let name = r.ident()?;
    let mut table = TableDecl {
        name,
        retain: Vec::new(),
        fields: Vec::new(),
        span: r.span_from(start),
    };
    r.trivia();
    retain(r, &mut table.retain)?;
    r.trivia();
    r.punct(b'{')?;
    loop {
        r.trivia();
        if r.punct(b'}').is_some() {
            break;
        }
        table.fields.push(field(r)?);
    }
    r.trivia();
    retain(r, &mut table.retain)?;
    table.span = r.span_from(start);
    Some(table)
}

/// `email: email` with an optional `,` after it (not part of its span).
fn field(r: &mut Reader<'_>) -> Option<FieldDecl> {
    let name = r.ident()?;
    r.trivia();
    r.punct(b':')?;
    r.trivia();
    let class = r.ident()?;
    let span = name.span.to(class.span);
    r.trivia();
    // An optional comma ends a field: `{ a: a, b: b, }` is valid.
    let _ = r.punct(b',');
    Some(FieldDecl { name, class, span })
}
