//! The JSON form (`nft -j -f`): the machine-readable twin of the text form.
//!
//! Serialised by serde_json from the typed structs below, streamed straight from the plan (no
//! intermediate `serde_json::Value`). One command per line and one set element per line, so
//! that the file diffs like the text form. The commands are the same as the text form's: add
//! the table, delete it, add it again with its sets, chains and rules, in one transaction.
//!
//! Why not the `nftables` crate (0.6): its `Set.flags` is a `HashSet`, so the JSON would not be
//! byte-identical from run to run without a canonicalising pass; it has no set `stmt` (the
//! per-element counters); and building its `Expression` trees costs an allocation per element
//! part where these borrowed structs cost none. The tests deserialise our JSON with that crate
//! to check it against an independent model of the schema.

use std::io;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use super::interval::{IpText, Iv, Key};
use super::plan::{FieldType, Index, Payload, Rule, Ruleset, Set, Stmt, Verdict};

/// Renders a ruleset as nft JSON.
pub fn render(ix: &Index<'_>, rs: &Ruleset<'_>) -> String {
    let elements: usize = rs.sets.iter().map(|s| s.elements.len()).sum();
    let mut buf = Vec::with_capacity(4096 + elements * 160);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, LineFormatter::default());
    let doc = Document { nftables: Commands { ix, rs } };
    // Writing to a Vec cannot fail, and every map key is a string.
    if doc.serialize(&mut ser).is_err() {
        return String::new();
    }
    buf.push(b'\n');
    String::from_utf8(buf).unwrap_or_default()
}

#[derive(Serialize)]
struct Document<'a> {
    nftables: Commands<'a>,
}

struct Commands<'a> {
    ix: &'a Index<'a>,
    rs: &'a Ruleset<'a>,
}

impl Serialize for Commands<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let table = Object::Table(Table { family: "inet", name: "ward" });
        let mut seq = s.serialize_seq(None)?;
        seq.serialize_element(&Command::Metainfo(Metainfo { json_schema_version: 1 }))?;
        seq.serialize_element(&Command::Add(&table))?;
        seq.serialize_element(&Command::Delete(&table))?;
        seq.serialize_element(&Command::Add(&table))?;
        for set in &self.rs.sets {
            seq.serialize_element(&Command::Add(&Object::Set(SetObj::new(self.ix, set))))?;
        }
        for chain in &self.rs.chains {
            let base = chain.base;
            let obj = ChainObj {
                family: "inet",
                table: "ward",
                name: chain.name,
                kind: base.map(|_| "filter"),
                hook: base.map(|b| b.hook),
                prio: base.map(|_| 0),
                policy: base.map(|b| b.policy.keyword()),
            };
            seq.serialize_element(&Command::Add(&Object::Chain(obj)))?;
        }
        for chain in &self.rs.chains {
            for rule in &chain.rules {
                let obj = RuleObj { family: "inet", table: "ward", chain: chain.name, expr: Exprs(rule) };
                seq.serialize_element(&Command::Add(&Object::Rule(obj)))?;
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Command<'a> {
    Metainfo(Metainfo),
    Add(&'a Object<'a>),
    Delete(&'a Object<'a>),
}

#[derive(Serialize)]
struct Metainfo {
    json_schema_version: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Object<'a> {
    Table(Table),
    Set(SetObj<'a>),
    Chain(ChainObj),
    Rule(RuleObj<'a>),
}

#[derive(Serialize)]
struct Table {
    family: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
struct SetObj<'a> {
    family: &'static str,
    table: &'static str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: SetType<'a>,
    flags: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    stmt: Option<[CounterStmt; 1]>,
    /// Omitted when empty: nft 1.0.6 rejects `"elem": []` ("Invalid set elem expression").
    #[serde(skip_serializing_if = "Option::is_none")]
    elem: Option<Elems<'a>>,
}

impl<'a> SetObj<'a> {
    fn new(ix: &'a Index<'a>, set: &'a Set<'a>) -> SetObj<'a> {
        SetObj {
            family: "inet",
            table: "ward",
            name: &set.name,
            kind: SetType(&set.fields),
            flags: ["interval"],
            stmt: set.counter.then_some([CounterStmt { counter: () }]),
            elem: (!set.elements.is_empty()).then_some(Elems { ix, set }),
        }
    }
}

/// `"ipv4_addr"` or `["ipv4_addr", "inet_service"]`.
struct SetType<'a>(&'a [FieldType]);

impl Serialize for SetType<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [one] => s.serialize_str(one.nft_type()),
            many => s.collect_seq(many.iter().map(|f| f.nft_type())),
        }
    }
}

#[derive(Serialize)]
struct CounterStmt {
    counter: (),
}

struct Elems<'a> {
    ix: &'a Index<'a>,
    set: &'a Set<'a>,
}

impl Serialize for Elems<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let elements = &self.set.elements;
        let mut seq = s.serialize_seq(Some(elements.items.len()))?;
        for item in &elements.items {
            let comment = self.ix.comment(elements.labels_of(item));
            seq.serialize_element(&ElemObj {
                elem: ElemBody { val: Val { fields: &self.set.fields, key: &item.key }, comment: &comment },
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct ElemObj<'a> {
    elem: ElemBody<'a>,
}

#[derive(Serialize)]
struct ElemBody<'a> {
    val: Val<'a>,
    comment: &'a str,
}

/// An element's value: one part, or `{"concat": [parts]}`.
struct Val<'a> {
    fields: &'a [FieldType],
    key: &'a Key,
}

impl Serialize for Val<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let part = |d: usize, field: FieldType| Part(field, self.key.get(d).copied().unwrap_or_default());
        match self.fields {
            [one] => part(0, *one).serialize(s),
            many => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("concat", &Parts(many.iter().enumerate().map(|(d, f)| part(d, *f))))?;
                map.end()
            }
        }
    }
}

struct Parts<I>(I);

impl<I: Iterator<Item = Part> + Clone> Serialize for Parts<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

/// One part of an element: an address (`"10.0.0.1"`, `{"prefix": ...}`, `{"range": [...]}`) or
/// ports (`8443`, `{"range": [9000, 9010]}`).
struct Part(FieldType, Iv);

impl Serialize for Part {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Part(field, iv) = *self;
        match field {
            FieldType::Addr(family) => match iv.prefix_len(family.bits()) {
                Some(len) if len == family.bits() => Addr(IpText(family, iv.lo)).serialize(s),
                Some(len) => {
                    let mut map = s.serialize_map(Some(1))?;
                    map.serialize_entry("prefix", &Prefix { addr: Addr(IpText(family, iv.lo)), len })?;
                    map.end()
                }
                None => {
                    let mut map = s.serialize_map(Some(1))?;
                    map.serialize_entry("range", &[Addr(IpText(family, iv.lo)), Addr(IpText(family, iv.hi))])?;
                    map.end()
                }
            },
            FieldType::Port => {
                let (lo, hi) = (iv.lo as u16, iv.hi as u16);
                if lo == hi {
                    s.serialize_u16(lo)
                } else {
                    let mut map = s.serialize_map(Some(1))?;
                    map.serialize_entry("range", &[lo, hi])?;
                    map.end()
                }
            }
        }
    }
}

#[derive(Serialize)]
struct Prefix {
    addr: Addr,
    len: u32,
}

/// An address serialised as its text, streamed without an intermediate `String`.
#[derive(Clone, Copy)]
struct Addr(IpText);

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (buf, len) = self.0.render();
        s.serialize_str(std::str::from_utf8(buf.get(..len).unwrap_or(&[])).unwrap_or(""))
    }
}

#[derive(Serialize)]
struct ChainObj {
    family: &'static str,
    table: &'static str,
    name: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hook: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prio: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'static str>,
}

#[derive(Serialize)]
struct RuleObj<'a> {
    family: &'static str,
    table: &'static str,
    chain: &'static str,
    expr: Exprs<'a>,
}

struct Exprs<'a>(&'a Rule);

impl Serialize for Exprs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.stmts.len()))?;
        for stmt in &self.0.stmts {
            match stmt {
                Stmt::Interface { key, name } => seq.serialize_element(&JStmt::Match(JMatch {
                    op: "==",
                    left: JExpr::Meta(JKey { key }),
                    right: JRight::Str(name),
                }))?,
                Stmt::CtState(states) => seq.serialize_element(&JStmt::Match(JMatch {
                    op: "in",
                    left: JExpr::Ct(JKey { key: "state" }),
                    right: match states {
                        [one] => JRight::Str(one),
                        many => JRight::List(many),
                    },
                }))?,
                Stmt::Icmpv6Types(types) => seq.serialize_element(&JStmt::Match(JMatch {
                    op: "==",
                    left: JExpr::Payload(Payload { protocol: "icmpv6", field: "type" }.into()),
                    right: JRight::Set { set: types },
                }))?,
                Stmt::HopLimit(n) => seq.serialize_element(&JStmt::Match(JMatch {
                    op: "==",
                    left: JExpr::Payload(Payload { protocol: "ip6", field: "hoplimit" }.into()),
                    right: JRight::Num(u32::from(*n)),
                }))?,
                Stmt::Lookup { fields, set } => {
                    let left = match fields.as_slice() {
                        [one] => JExpr::Payload((*one).into()),
                        many => JExpr::Concat(many.iter().map(|p| JExpr::Payload((*p).into())).collect()),
                    };
                    let right = format!("@{set}");
                    seq.serialize_element(&JStmt::Match(JMatch { op: "==", left, right: JRight::Str(&right) }))?;
                }
                Stmt::Counter => seq.serialize_element(&JStmt::Counter(()))?,
                Stmt::Limit { rate, burst } => {
                    seq.serialize_element(&JStmt::Limit(JLimit { rate: *rate, burst: *burst, per: "second" }))?
                }
                Stmt::Log { prefix } => seq.serialize_element(&JStmt::Log(JLog { prefix }))?,
                Stmt::Verdict(Verdict::Accept) => seq.serialize_element(&JStmt::Accept(()))?,
                Stmt::Verdict(Verdict::Drop) => seq.serialize_element(&JStmt::Drop(()))?,
                Stmt::Verdict(Verdict::Jump(target)) => seq.serialize_element(&JStmt::Jump(JJump { target }))?,
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum JStmt<'a> {
    Match(JMatch<'a>),
    Counter(()),
    Limit(JLimit),
    Log(JLog<'a>),
    Accept(()),
    Drop(()),
    Jump(JJump),
}

#[derive(Serialize)]
struct JMatch<'a> {
    op: &'static str,
    left: JExpr,
    right: JRight<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum JExpr {
    Meta(JKey),
    Ct(JKey),
    Payload(JPayload),
    Concat(Vec<JExpr>),
}

#[derive(Serialize)]
struct JKey {
    key: &'static str,
}

#[derive(Serialize)]
struct JPayload {
    protocol: &'static str,
    field: &'static str,
}

impl From<Payload> for JPayload {
    fn from(p: Payload) -> JPayload {
        JPayload { protocol: p.protocol, field: p.field }
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum JRight<'a> {
    Str(&'a str),
    List(&'a [&'static str]),
    Num(u32),
    Set { set: &'a [&'static str] },
}

#[derive(Serialize)]
struct JLimit {
    rate: u32,
    burst: u32,
    per: &'static str,
}

#[derive(Serialize)]
struct JLog<'a> {
    prefix: &'a str,
}

#[derive(Serialize)]
struct JJump {
    target: &'static str,
}

/// Compact JSON with a line break before every command (the `nftables` array) and every set
/// element (`elem` arrays).
#[derive(Default)]
struct LineFormatter {
    /// For every open array: whether its values go on their own lines.
    arrays: Vec<bool>,
    /// The object key being written, and the last one written.
    in_key: bool,
    key: String,
}

impl serde_json::ser::Formatter for LineFormatter {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.arrays.push(matches!(self.key.as_str(), "nftables" | "elem"));
        self.key.clear();
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.arrays.pop() == Some(true) {
            w.write_all(b"\n")?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.arrays.last() == Some(&true) {
            w.write_all(b"\n")?;
        }
        Ok(())
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.in_key = true;
        self.key.clear();
        if first { Ok(()) } else { w.write_all(b",") }
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.in_key = false;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        if self.in_key {
            self.key.push_str(fragment);
        }
        w.write_all(fragment.as_bytes())
    }
}
