//! The text form (`nft -f`): the primary artifact, with `#` comments for the reader.
//!
//! The file declares the table, deletes it and declares it in full, so that `nft -f` replaces
//! whatever `table <family> ward` was loaded before in one transaction (never `flush table`, which
//! keeps old set elements on nft 1.0.6). Sets without elements have no `elements` clause
//! (`elements = { }` is a syntax error).

use super::index::Index;
use super::interval::{Iv, Out};
use super::plan::{FieldType, Rule, Ruleset, Set, Stmt, Verdict};

/// Renders a ruleset as nft text.
pub fn render(ix: &Index<'_>, rs: &Ruleset<'_>) -> String {
    let elements: usize = rs.sets.iter().map(|s| s.elements.len()).sum();
    let mut out = Out::with_capacity(6144 + elements * 110);
    render_to(&mut out, ix, rs);
    out.into_string()
}

/// Appends a ruleset as nft text to `out`.
pub fn render_to(out: &mut Out, ix: &Index<'_>, rs: &Ruleset<'_>) {
    for line in &rs.header {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push(b'\n');
        }
    }
    let table = rs.table.keyword();
    for line in ["\ntable ", " ward {}\ndelete table ", " ward\n\ntable "] {
        out.push_str(line);
        out.push_str(table);
    }
    out.push_str(" ward {\n");
    for (i, set) in rs.sets.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        write_set(out, ix, set);
    }
    for chain in &rs.chains {
        out.push_str("\n\tchain ");
        out.push_str(chain.name);
        out.push_str(" {\n");
        if let Some(base) = chain.base {
            out.push_str("\t\ttype filter hook ");
            out.push_str(base.hook);
            out.push_str(" priority filter; policy ");
            out.push_str(base.policy.keyword());
            out.push_str(";\n");
        }
        for rule in &chain.rules {
            out.push_str("\t\t");
            write_rule(out, rs, rule);
            out.push(b'\n');
        }
        out.push_str("\t}\n");
    }
    out.push_str("}\n");
}

fn write_set(out: &mut Out, ix: &Index<'_>, set: &Set<'_>) {
    out.push_str("\tset ");
    out.push_str(&set.name);
    out.push_str(" {\n\t\ttype ");
    for (i, field) in set.fields.iter().enumerate() {
        if i > 0 {
            out.push_str(" . ");
        }
        out.push_str(field.nft_type());
    }
    out.push_str("\n");
    if set.interval {
        out.push_str("\t\tflags interval\n");
    }
    if set.counter {
        out.push_str("\t\tcounter\n");
    }
    if !set.elements.is_empty() {
        out.push_str("\t\telements = {\n");
        let last = set.elements.items.len().saturating_sub(1);
        for (i, item) in set.elements.items.iter().enumerate() {
            out.push_str("\t\t\t");
            for (d, field) in set.fields.iter().enumerate() {
                if d > 0 {
                    out.push_str(" . ");
                }
                write_value(out, *field, item.key.get(d).copied().unwrap_or_default());
            }
            out.push_str(" comment \"");
            // Sanitised when the comment was made: no `"`, `\`, `$` or control characters.
            out.push_str(&ix.comment(set.elements.labels_of(item)));
            out.push(b'"');
            if i != last {
                out.push(b',');
            }
            out.push(b'\n');
        }
        out.push_str("\t\t}\n");
    }
    out.push_str("\t}\n");
}

fn write_value(out: &mut Out, field: FieldType, iv: Iv) {
    match field {
        FieldType::Addr(family) => out.addr(family, iv),
        FieldType::Network(family) => out.ip(family, iv.lo),
        FieldType::Port => out.ports(iv),
    }
}

fn write_rule(out: &mut Out, rs: &Ruleset<'_>, rule: &Rule) {
    for (i, stmt) in rule.stmts().iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        match stmt {
            Stmt::Interface { key, name } => {
                out.push_str(key);
                out.push_str(" \"");
                out.push_str(name);
                out.push(b'"');
            }
            Stmt::CtState(states) => {
                out.push_str("ct state ");
                for (k, state) in states.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    out.push_str(state);
                }
            }
            Stmt::Icmpv6Types(types) => {
                out.push_str("icmpv6 type { ");
                for (k, t) in types.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(t);
                }
                out.push_str(" }");
            }
            Stmt::HopLimit(n) => {
                out.push_str("ip6 hoplimit ");
                out.num(u32::from(*n));
            }
            Stmt::Lookup { fields, masks, set } => {
                for (k, p) in fields.iter().enumerate() {
                    if k > 0 {
                        out.push_str(" . ");
                    }
                    out.push_str(p.protocol);
                    out.push(b' ');
                    out.push_str(p.field);
                    if let Some(len) = masks.get(k).copied().flatten() {
                        out.push_str(" & ");
                        out.mask(family_of(*p), len);
                    }
                }
                out.push_str(" @");
                out.push_str(rs.sets.get(*set).map_or("", |s| &s.name));
            }
            Stmt::Counter => out.push_str("counter"),
            Stmt::Limit { rate, burst } => {
                out.push_str("limit rate ");
                out.num(*rate);
                out.push_str("/second burst ");
                out.num(*burst);
                out.push_str(" packets");
            }
            Stmt::Log(prefix) => {
                out.push_str("log prefix \"");
                // Sanitised by `escape::log_prefix`.
                out.push_str(
                    rs.log_prefixes
                        .get(*prefix)
                        .map_or("ward drop: ", String::as_str),
                );
                out.push(b'"');
            }
            Stmt::Verdict(verdict) => {
                out.push_str(verdict.keyword());
                if let Verdict::Jump(target) = verdict {
                    out.push(b' ');
                    out.push_str(target);
                }
            }
        }
    }
}

/// The address family of an address payload (`ip` or `ip6`).
pub fn family_of(p: super::plan::Payload) -> super::interval::Family {
    if p.protocol == "ip6" {
        super::interval::Family::V6
    } else {
        super::interval::Family::V4
    }
}
