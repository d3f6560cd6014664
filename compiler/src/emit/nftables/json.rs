//! The JSON form (`nft -j -f`): the machine-readable twin of the text form.
//!
//! The same commands as the text form: add the table, delete it, add it again with its sets,
//! chains and rules, in one transaction. One command per line and one set element per line,
//! so that the file diffs like the text form.
//!
//! Written by a small writer rather than through serde's data model: keys and generated values
//! are constants written as they are, strings are copied when they have nothing to escape and
//! escaped by `serde_json` otherwise, and comments and log prefixes are sanitised first
//! (`escape`), so they never need escaping. For 10,000 hosts this is several times faster than
//! deriving `Serialize` (serde's token-by-token path dominated generation time), and the output
//! is one command per line and one set element per line by construction. The `nftables` crate
//! (0.6) was not used: its `Set.flags` is a `HashSet` (JSON not byte-identical between runs
//! without a canonicalising pass), it has no set `stmt` (the per-element counters), and building
//! its `Expression` trees costs allocations per element. The tests parse every generated file
//! with `serde_json`, deserialise it with the `nftables` crate (an independent model of the
//! schema), and load it into the kernel next to the text form, which must give the same table.

use super::index::Index;
use super::interval::{IpText, Iv, Out};
use super::plan::{FieldType, Payload, Rule, Ruleset, Set, Stmt, TableFamily, Verdict};

/// `"family":"inet","table":"ward"` (or `ip`, `ip6`): the members naming ward's table.
fn in_table(out: &mut Out, table: TableFamily) {
    out.push_str("\"family\":\"");
    out.push_str(table.keyword());
    out.push_str("\",\"table\":\"ward\"");
}

/// Renders a ruleset as nft JSON.
pub fn render(ix: &Index<'_>, rs: &Ruleset<'_>) -> String {
    let elements: usize = rs.sets.iter().map(|s| s.elements.len()).sum();
    let mut out = Out::with_capacity(12_288 + elements * 180);
    render_to(&mut out, ix, rs);
    out.into_string()
}

/// Appends a ruleset as nft JSON to `out`.
pub fn render_to(out: &mut Out, ix: &Index<'_>, rs: &Ruleset<'_>) {
    out.push_str("{\"nftables\":[\n");
    out.push_str("{\"metainfo\":{\"json_schema_version\":1}},\n");
    for (i, command) in ["add", "delete", "add"].into_iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str("{\"");
        out.push_str(command);
        out.push_str("\":{\"table\":{\"family\":\"");
        out.push_str(rs.table.keyword());
        out.push_str("\",\"name\":\"ward\"}}}");
    }
    for set in &rs.sets {
        out.push_str(",\n");
        write_set(out, ix, rs.table, set);
    }
    for chain in &rs.chains {
        out.push_str(",\n{\"add\":{\"chain\":{");
        in_table(out, rs.table);
        out.push_str(",\"name\":");
        constant(out, chain.name);
        if let Some(base) = chain.base {
            out.push_str(",\"type\":\"filter\",\"hook\":");
            constant(out, base.hook);
            out.push_str(",\"prio\":0,\"policy\":");
            constant(out, base.policy.keyword());
        }
        out.push_str("}}}");
    }
    for chain in &rs.chains {
        for rule in &chain.rules {
            out.push_str(",\n{\"add\":{\"rule\":{");
            in_table(out, rs.table);
            out.push_str(",\"chain\":");
            constant(out, chain.name);
            out.push_str(",\"expr\":");
            write_rule(out, rs, rule);
            out.push_str("}}}");
        }
    }
    out.push_str("\n]}\n");
}

fn write_set(out: &mut Out, ix: &Index<'_>, table: TableFamily, set: &Set<'_>) {
    out.push_str("{\"add\":{\"set\":{");
    in_table(out, table);
    out.push_str(",\"name\":");
    constant(out, &set.name);
    out.push_str(",\"type\":");
    match set.fields {
        [one] => constant(out, one.nft_type()),
        many => {
            out.push(b'[');
            for (i, field) in many.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                constant(out, field.nft_type());
            }
            out.push(b']');
        }
    }
    if set.interval {
        out.push_str(",\"flags\":[\"interval\"]");
    }
    if set.counter {
        out.push_str(",\"stmt\":[{\"counter\":null}]");
    }
    // nft 1.0.6 rejects `"elem": []` ("Invalid set elem expression"): no key for an empty set.
    if !set.elements.is_empty() {
        out.push_str(",\"elem\":[");
        for (i, item) in set.elements.items.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str("{\"elem\":{\"val\":");
            match set.fields {
                [one] => value(out, *one, item.key[0]),
                many => {
                    out.push_str("{\"concat\":[");
                    for (d, field) in many.iter().enumerate() {
                        if d > 0 {
                            out.push(b',');
                        }
                        value(out, *field, item.key.get(d).copied().unwrap_or_default());
                    }
                    out.push_str("]}");
                }
            }
            out.push_str(",\"comment\":");
            sanitized(out, &ix.comment(set.elements.labels_of(item)));
            out.push_str("}}");
        }
        out.push_str("\n]");
    }
    out.push_str("}}}");
}

/// An element part: an address (`"10.0.0.1"`, `{"prefix":...}`, `{"range":[...]}`) or ports
/// (`8443`, `{"range":[9000,9010]}`).
fn value(out: &mut Out, field: FieldType, iv: Iv) {
    match field {
        FieldType::Addr(family) => match iv.prefix_len(family.bits()) {
            Some(len) if len == family.bits() => address(out, IpText(family, iv.lo)),
            Some(len) => {
                out.push_str("{\"prefix\":{\"addr\":");
                address(out, IpText(family, iv.lo));
                out.push_str(",\"len\":");
                out.num(len);
                out.push_str("}}");
            }
            None => {
                out.push_str("{\"range\":[");
                address(out, IpText(family, iv.lo));
                out.push(b',');
                address(out, IpText(family, iv.hi));
                out.push_str("]}");
            }
        },
        FieldType::Network(family) => address(out, IpText(family, iv.lo)),
        FieldType::Port => {
            if iv.lo == iv.hi {
                out.num(iv.lo as u32);
            } else {
                out.push_str("{\"range\":[");
                out.num(iv.lo as u32);
                out.push(b',');
                out.num(iv.hi as u32);
                out.push_str("]}");
            }
        }
    }
}

/// An address as a JSON string (digits, dots, colons and hex letters: nothing to escape).
fn address(out: &mut Out, ip: IpText) {
    out.push(b'"');
    out.ip(ip.0, ip.1);
    out.push(b'"');
}

fn write_rule(out: &mut Out, rs: &Ruleset<'_>, rule: &Rule) {
    out.push(b'[');
    for (i, stmt) in rule.stmts().iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match stmt {
            Stmt::Interface { key, name } => {
                out.push_str("{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":");
                constant(out, key);
                out.push_str("}},\"right\":");
                constant(out, name);
                out.push_str("}}");
            }
            Stmt::CtState(states) => {
                out.push_str(
                    "{\"match\":{\"op\":\"in\",\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":",
                );
                match states {
                    [one] => constant(out, one),
                    many => list(out, many),
                }
                out.push_str("}}");
            }
            Stmt::Icmpv6Types(types) => {
                out.push_str("{\"match\":{\"op\":\"==\",\"left\":");
                payload(
                    out,
                    Payload {
                        protocol: "icmpv6",
                        field: "type",
                    },
                );
                out.push_str(",\"right\":{\"set\":");
                list(out, types);
                out.push_str("}}}");
            }
            Stmt::HopLimit(n) => {
                out.push_str("{\"match\":{\"op\":\"==\",\"left\":");
                payload(
                    out,
                    Payload {
                        protocol: "ip6",
                        field: "hoplimit",
                    },
                );
                out.push_str(",\"right\":");
                out.num(u32::from(*n));
                out.push_str("}}");
            }
            Stmt::Lookup { fields, masks, set } => {
                out.push_str("{\"match\":{\"op\":\"==\",\"left\":");
                let part =
                    |out: &mut Out, k: usize, p: Payload| match masks.get(k).copied().flatten() {
                        Some(len) => {
                            out.push_str("{\"&\":[");
                            payload(out, p);
                            out.push_str(",\"");
                            out.mask(super::text::family_of(p), len);
                            out.push_str("\"]}");
                        }
                        None => payload(out, p),
                    };
                match fields {
                    [one] => part(out, 0, *one),
                    many => {
                        out.push_str("{\"concat\":[");
                        for (k, p) in many.iter().enumerate() {
                            if k > 0 {
                                out.push(b',');
                            }
                            part(out, k, *p);
                        }
                        out.push_str("]}");
                    }
                }
                // Set names are generated by the backend (`[a-z0-9_]`): nothing to escape.
                out.push_str(",\"right\":\"@");
                out.push_str(rs.sets.get(*set).map_or("", |s| &s.name));
                out.push_str("\"}}");
            }
            Stmt::Counter => out.push_str("{\"counter\":null}"),
            Stmt::Limit { rate, burst } => {
                out.push_str("{\"limit\":{\"rate\":");
                out.num(*rate);
                out.push_str(",\"burst\":");
                out.num(*burst);
                out.push_str(",\"per\":\"second\"}}");
            }
            Stmt::Log(prefix) => {
                out.push_str("{\"log\":{\"prefix\":");
                string(
                    out,
                    rs.log_prefixes
                        .get(*prefix)
                        .map_or("ward drop: ", String::as_str),
                );
                out.push_str("}}");
            }
            Stmt::Verdict(Verdict::Accept) => out.push_str("{\"accept\":null}"),
            Stmt::Verdict(Verdict::Drop) => out.push_str("{\"drop\":null}"),
            Stmt::Verdict(Verdict::Jump(target)) => {
                out.push_str("{\"jump\":{\"target\":");
                constant(out, target);
                out.push_str("}}");
            }
        }
    }
    out.push(b']');
}

fn payload(out: &mut Out, p: Payload) {
    out.push_str("{\"payload\":{\"protocol\":");
    constant(out, p.protocol);
    out.push_str(",\"field\":");
    constant(out, p.field);
    out.push_str("}}");
}

fn list(out: &mut Out, items: &[&str]) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        constant(out, item);
    }
    out.push(b']');
}

/// A comment as a JSON string. Comments are sanitised (`escape`): printable ASCII without `"`,
/// `\` or `$`, so there is nothing to escape; checked in debug builds, and by the tests that
/// parse every file.
fn sanitized(out: &mut Out, text: &str) {
    debug_assert!(
        text.bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    );
    out.push(b'"');
    out.push_str(text);
    out.push(b'"');
}

/// A name the backend chose (chain, set, hook, keyword, payload field): `[a-z0-9_-]` and
/// constants, never policy text, so it is written without an escape check.
fn constant(out: &mut Out, text: &str) {
    debug_assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'),
        "{text}"
    );
    out.push(b'"');
    out.push_str(text);
    out.push(b'"');
}

/// A JSON string. Strings with nothing to escape (every comment and
/// log prefix, which are sanitised) are copied as they are; anything else is escaped by
/// `serde_json`.
fn string(out: &mut Out, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.push_str(text);
        out.push(b'"');
        return;
    }
    match serde_json::to_string(text) {
        Ok(json) => out.push_str(&json),
        // Serialising a `&str` cannot fail; the fallback keeps the output valid JSON anyway.
        Err(_) => out.push_str("\"\""),
    }
}
