//! Address and port intervals, and the normalisation that keeps set elements disjoint.
//!
//! The kernel rejects overlapping elements in a concatenated interval set ("File exists"), and
//! nft does not merge them. Every set ward writes therefore goes through [`disjoint`]: exact
//! duplicates become one element with the labels (flows) of all of them, and boxes that
//! overlap partially are cut into pieces along every boundary, each piece carrying the labels
//! of every box that covers it. The common case, where nothing overlaps, is one sort and one
//! linear check.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::model::PortRange;

/// An inclusive interval of addresses (IPv4 as the low 32 bits) or ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Iv {
    pub lo: u128,
    pub hi: u128,
}

/// IPv4 or IPv6: which set, which rule, which payload field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub const BOTH: [Family; 2] = [Family::V4, Family::V6];

    /// 0 for IPv4, 1 for IPv6: the index in per-family arrays.
    pub fn index(self) -> usize {
        match self {
            Family::V4 => 0,
            Family::V6 => 1,
        }
    }

    /// Address width in bits.
    pub fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    /// nft data type (`ipv4_addr`, `ipv6_addr`).
    pub fn addr_type(self) -> &'static str {
        match self {
            Family::V4 => "ipv4_addr",
            Family::V6 => "ipv6_addr",
        }
    }
}

impl Iv {
    pub fn new(lo: u128, hi: u128) -> Iv {
        Iv { lo, hi }
    }

    /// The addresses of a network (host bits ignored).
    pub fn of_net(net: &IpNet) -> (Family, Iv) {
        match net.trunc() {
            IpNet::V4(n) => {
                let lo = u32::from(n.network());
                let hi = u32::from(n.broadcast());
                (Family::V4, Iv::new(u128::from(lo), u128::from(hi)))
            }
            IpNet::V6(n) => {
                let lo = u128::from(n.network());
                let hi = u128::from(n.broadcast());
                (Family::V6, Iv::new(lo, hi))
            }
        }
    }

    pub fn of_ports(range: PortRange) -> Iv {
        let (a, b) = (range.first.min(range.last), range.first.max(range.last));
        Iv::new(u128::from(a), u128::from(b))
    }

    #[cfg(test)]
    pub fn overlaps(self, other: Iv) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }

    /// The prefix length when the interval is exactly one CIDR block of a `bits`-wide space.
    pub fn prefix_len(self, bits: u32) -> Option<u32> {
        let span = self.hi.checked_sub(self.lo)?;
        // A block has a size that is a power of two (span is all ones) and an aligned start.
        if span & span.wrapping_add(1) != 0 || self.lo & span != 0 {
            return None;
        }
        bits.checked_sub(span.count_ones())
    }
}

/// Sorts intervals and merges overlapping and adjacent ones (`10.0.0.0/25` + `10.0.0.128/25` =
/// `10.0.0.0/24`): the normal form of one service's networks.
pub fn aggregate(ivs: &mut Vec<Iv>) {
    ivs.sort_unstable();
    let mut out: Vec<Iv> = Vec::with_capacity(ivs.len());
    for iv in ivs.drain(..) {
        match out.last_mut() {
            Some(last) if iv.lo <= last.hi.saturating_add(1) => last.hi = last.hi.max(iv.hi),
            _ => out.push(iv),
        }
    }
    *ivs = out;
}

/// Up to three dimensions: `(address, port)`, `(address, address, port)`, or one.
pub type Key = [Iv; 3];

/// A set element before normalisation: a box and what it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry<L> {
    pub key: Key,
    pub label: L,
}

/// Disjoint elements with their labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elements<L> {
    /// Sorted by key; no two overlap.
    pub items: Vec<Item>,
    /// Labels of all items; an item's are `labels[item.labels.0..item.labels.1]`, sorted.
    pub labels: Vec<L>,
}

impl<L> Default for Elements<L> {
    fn default() -> Self {
        Elements {
            items: Vec::new(),
            labels: Vec::new(),
        }
    }
}

/// One element of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub key: Key,
    pub labels: (u32, u32),
}

impl<L> Elements<L> {
    /// The labels of an item.
    pub fn labels_of(&self, item: &Item) -> &[L] {
        self.labels
            .get(item.labels.0 as usize..item.labels.1 as usize)
            .unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Makes the boxes of `entries` (using the first `dims` dimensions of each key) pairwise
/// disjoint, merging the labels of boxes that cover the same points.
pub fn disjoint<L: Copy + Ord>(dims: usize, mut entries: Vec<Entry<L>>) -> Elements<L> {
    let dims = dims.clamp(1, 3);
    entries.sort_unstable();
    entries.dedup();
    if overlap_possible(&entries, 0, dims) {
        entries = refine(entries, 0, dims);
        entries.sort_unstable();
        entries.dedup();
    }
    group(entries)
}

/// Turns sorted entries whose keys are equal or disjoint into items.
fn group<L: Copy + Ord>(entries: Vec<Entry<L>>) -> Elements<L> {
    let mut out = Elements {
        items: Vec::with_capacity(entries.len()),
        labels: Vec::with_capacity(entries.len()),
    };
    let mut start = 0;
    while start < entries.len() {
        let key = entries.get(start).map(|e| e.key).unwrap_or_default();
        let end = entries.get(start..).map_or(start, |rest| {
            start + rest.iter().take_while(|e| e.key == key).count()
        });
        let first = out.labels.len() as u32;
        // Sorted by (key, label) and deduplicated: the labels of one key are sorted and unique.
        out.labels.extend(
            entries
                .get(start..end)
                .unwrap_or(&[])
                .iter()
                .map(|e| e.label),
        );
        out.items.push(Item {
            key,
            labels: (first, out.labels.len() as u32),
        });
        start = end.max(start + 1);
    }
    out
}

/// Whether two boxes of `entries` (sorted, all equal in dimensions `< dim`) might overlap
/// without being equal. Conservative: it says yes as soon as intervals overlap in one
/// dimension among entries equal in the previous ones.
fn overlap_possible<L>(entries: &[Entry<L>], dim: usize, dims: usize) -> bool {
    let Some(first) = entries.first() else {
        return false;
    };
    let mut group_start = 0;
    let mut current = first.key[dim];
    let mut max_hi: Option<u128> = None;
    for (i, entry) in entries.iter().enumerate() {
        let iv = entry.key[dim];
        if iv == current {
            continue;
        }
        // A new distinct interval in this dimension: check the group that just ended.
        if max_hi.is_some_and(|hi| current.lo <= hi) {
            return true;
        }
        max_hi = Some(max_hi.map_or(current.hi, |h| h.max(current.hi)));
        if dim + 1 < dims
            && overlap_possible(entries.get(group_start..i).unwrap_or(&[]), dim + 1, dims)
        {
            return true;
        }
        group_start = i;
        current = iv;
    }
    if max_hi.is_some_and(|hi| current.lo <= hi) {
        return true;
    }
    dim + 1 < dims && overlap_possible(entries.get(group_start..).unwrap_or(&[]), dim + 1, dims)
}

/// Cuts every box along every boundary of every other box in dimension `dim`, then recurses
/// into groups of equal intervals. The result has pairwise equal-or-disjoint boxes.
fn refine<L: Copy + Ord>(entries: Vec<Entry<L>>, dim: usize, dims: usize) -> Vec<Entry<L>> {
    if dim >= dims || entries.len() < 2 {
        return entries;
    }
    let mut starts: Vec<u128> = Vec::with_capacity(entries.len() * 2);
    for e in &entries {
        starts.push(e.key[dim].lo);
        if let Some(next) = e.key[dim].hi.checked_add(1) {
            starts.push(next);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let mut pieces = Vec::with_capacity(entries.len());
    for e in &entries {
        let iv = e.key[dim];
        let mut i = starts.partition_point(|&s| s < iv.lo);
        while let Some(&lo) = starts.get(i) {
            if lo > iv.hi {
                break;
            }
            let hi = starts
                .get(i + 1)
                .map_or(iv.hi, |&next| (next - 1).min(iv.hi));
            let mut key = e.key;
            key[dim] = Iv::new(lo, hi);
            pieces.push(Entry {
                key,
                label: e.label,
            });
            i += 1;
        }
    }
    pieces.sort_unstable_by(|a, b| a.key[dim].cmp(&b.key[dim]).then(a.cmp(b)));
    let mut out = Vec::with_capacity(pieces.len());
    let mut rest = pieces.as_slice();
    while let Some(first) = rest.first() {
        let n = rest
            .iter()
            .take_while(|e| e.key[dim] == first.key[dim])
            .count()
            .max(1);
        let (group, tail) = rest.split_at(n.min(rest.len()));
        out.extend(refine(group.to_vec(), dim + 1, dims));
        rest = tail;
    }
    out
}

/// An output buffer for the text and JSON forms, with the number and address formatting they
/// share.
///
/// Bytes, not a `String`: every push is ASCII or a `&str`, so the buffer is UTF-8 by
/// construction and is checked once when taken out ([`Out::as_str`], [`Out::into_string`])
/// rather than once per number or address.
#[derive(Debug)]
pub struct Out {
    bytes: Vec<u8>,
    /// The text of recently written addresses, direct-mapped by address. A host's ruleset
    /// names each peer network in both forms, and a thread renders many hosts into one
    /// reused `Out`: most addresses are formatted once.
    addresses: Vec<CachedIp>,
}

/// How many address texts an [`Out`] keeps (a power of two).
const ADDRESS_CACHE: usize = 1024;

#[derive(Debug, Clone, Copy)]
struct CachedIp {
    family: Option<Family>,
    addr: u128,
    text: [u8; 40],
    len: u8,
}

impl Default for Out {
    fn default() -> Out {
        Out::with_capacity(0)
    }
}

impl Out {
    pub fn with_capacity(bytes: usize) -> Out {
        let empty = CachedIp {
            family: None,
            addr: 0,
            text: [0; 40],
            len: 0,
        };
        Out {
            bytes: Vec::with_capacity(bytes),
            addresses: vec![empty; ADDRESS_CACHE],
        }
    }

    pub fn push_str(&mut self, text: &str) {
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// One ASCII character (anything else becomes `?`, so the buffer stays UTF-8).
    pub fn push(&mut self, c: u8) {
        debug_assert!(c.is_ascii());
        self.bytes.push(if c.is_ascii() { c } else { b'?' });
    }

    pub fn into_string(self) -> String {
        // UTF-8 by construction (see the type's documentation).
        String::from_utf8(self.bytes).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes).unwrap_or("")
    }

    /// Empties the buffer, keeping its allocation (and the address texts).
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// A decimal number.
    pub fn num(&mut self, n: u32) {
        let mut buf = [0u8; 10];
        let start = digit_bytes(&mut buf, n);
        self.bytes
            .extend_from_slice(buf.get(start..).unwrap_or(&[]));
    }

    /// One address (the low 32 bits for IPv4) in its canonical text form.
    pub fn ip(&mut self, family: Family, addr: u128) {
        let hash = ((addr as u64) ^ ((addr >> 64) as u64)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let slot = (hash >> (64 - ADDRESS_CACHE.trailing_zeros())) as usize;
        let Some(cached) = self.addresses.get_mut(slot) else {
            return;
        };
        if cached.family != Some(family) || cached.addr != addr {
            let (text, len) = IpText(family, addr).render();
            *cached = CachedIp {
                family: Some(family),
                addr,
                text,
                len: len as u8,
            };
        }
        self.bytes
            .extend_from_slice(cached.text.get(..usize::from(cached.len)).unwrap_or(&[]));
    }

    /// The netmask of a prefix length: `255.255.255.248`, `ffff:ffff:ffff:ffff::`.
    pub fn mask(&mut self, family: Family, len: u8) {
        let bits = family.bits();
        let len = u32::from(len).min(bits);
        let ones = if len == 0 {
            0
        } else {
            u128::MAX << (128 - len)
        };
        let mask = match family {
            Family::V4 => ones >> 96,
            Family::V6 => ones,
        };
        self.ip(family, mask);
    }

    /// An address interval as nft text: `198.18.3.0/24`, `198.18.3.1`, or a range
    /// `198.18.3.1-198.18.3.9`.
    pub fn addr(&mut self, family: Family, iv: Iv) {
        match iv.prefix_len(family.bits()) {
            Some(len) if len == family.bits() => self.ip(family, iv.lo),
            Some(len) => {
                self.ip(family, iv.lo);
                self.push(b'/');
                self.num(len);
            }
            None => {
                self.ip(family, iv.lo);
                self.push(b'-');
                self.ip(family, iv.hi);
            }
        }
    }

    /// A port interval: `8443` or `9000-9010`.
    pub fn ports(&mut self, iv: Iv) {
        self.num(iv.lo as u32);
        if iv.hi != iv.lo {
            self.push(b'-');
            self.num(iv.hi as u32);
        }
    }
}

/// Decimal text of every octet: digits and length.
static OCTETS: [([u8; 3], usize); 256] = octet_table();

const fn octet_table() -> [([u8; 3], usize); 256] {
    let mut table = [([0u8; 3], 0usize); 256];
    let mut i = 0;
    while i < 256 {
        let n = i as u8;
        table[i] = if n >= 100 {
            ([b'0' + n / 100, b'0' + n / 10 % 10, b'0' + n % 10], 3)
        } else if n >= 10 {
            ([b'0' + n / 10, b'0' + n % 10, 0], 2)
        } else {
            ([b'0' + n, 0, 0], 1)
        };
        i += 1;
    }
    table
}

/// An address in its canonical text form (the low 32 bits for IPv4), formatted on the stack.
#[derive(Debug, Clone, Copy)]
pub struct IpText(pub Family, pub u128);

/// A small stack buffer.
struct Stack {
    buf: [u8; 40],
    len: usize,
}

impl Stack {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
            self.len = end;
        }
    }
}

impl IpText {
    /// The text and its length: at most 39 bytes (IPv6), 15 (IPv4).
    pub fn render(self) -> ([u8; 40], usize) {
        let mut out = Stack {
            buf: [0u8; 40],
            len: 0,
        };
        match self.0 {
            Family::V4 => {
                for (i, octet) in Ipv4Addr::from(self.1 as u32)
                    .octets()
                    .into_iter()
                    .enumerate()
                {
                    if i > 0 {
                        out.put(b".");
                    }
                    let (digits, len) = &OCTETS[usize::from(octet)];
                    out.put(digits.get(..*len).unwrap_or(&[]));
                }
            }
            Family::V6 => {
                // RFC 5952: lowercase hex without leading zeros, the longest run of two or more
                // zero groups (the first of equal runs) written as `::`.
                let groups = Ipv6Addr::from(self.1).segments();
                let (mut best, mut best_len, mut run, mut run_len) = (0, 0, 0, 0);
                for (i, &g) in groups.iter().enumerate() {
                    if g == 0 {
                        if run_len == 0 {
                            run = i;
                        }
                        run_len += 1;
                        if run_len > best_len {
                            (best, best_len) = (run, run_len);
                        }
                    } else {
                        run_len = 0;
                    }
                }
                if best_len < 2 {
                    best_len = 0;
                }
                let mut i = 0;
                while i < 8 {
                    if best_len > 0 && i == best {
                        out.put(b"::");
                        i += best_len;
                        continue;
                    }
                    if i > 0 && !(best_len > 0 && i == best + best_len) {
                        out.put(b":");
                    }
                    let g = groups.get(i).copied().unwrap_or(0);
                    let hex = b"0123456789abcdef";
                    let nibbles = [g >> 12, (g >> 8) & 0xf, (g >> 4) & 0xf, g & 0xf]
                        .map(|n| hex.get(usize::from(n)).copied().unwrap_or(b'0'));
                    let skip = match g {
                        0..=0xf => 3,
                        0x10..=0xff => 2,
                        0x100..=0xfff => 1,
                        _ => 0,
                    };
                    out.put(nibbles.get(skip..).unwrap_or(&[]));
                    i += 1;
                }
            }
        }
        (out.buf, out.len)
    }
}

impl fmt::Display for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (buf, len) = self.render();
        f.write_str(std::str::from_utf8(buf.get(..len).unwrap_or(&[])).unwrap_or(""))
    }
}

/// Writes the decimal digits of `n` into the end of `buf` and returns where they start.
fn digit_bytes(buf: &mut [u8; 10], mut n: u32) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Iv {
        Iv::of_net(&s.parse().unwrap()).1
    }

    fn key2(a: Iv, p: (u16, u16)) -> Key {
        [a, Iv::new(u128::from(p.0), u128::from(p.1)), Iv::default()]
    }

    #[test]
    fn prefixes() {
        assert_eq!(v4("10.0.0.0/8").prefix_len(32), Some(8));
        assert_eq!(v4("10.0.0.1/32").prefix_len(32), Some(32));
        assert_eq!(v4("0.0.0.0/0").prefix_len(32), Some(0));
        assert_eq!(Iv::new(0, u128::MAX).prefix_len(128), Some(0));
        assert_eq!(Iv::new(1, 2).prefix_len(32), None);
        let mut out = Out::default();
        out.addr(Family::V4, Iv::new(0x0a00_0001, 0x0a00_0009));
        assert_eq!(out.into_string(), "10.0.0.1-10.0.0.9");
    }

    #[test]
    fn aggregate_merges_contained_and_adjacent() {
        let mut ivs = vec![
            v4("10.0.0.128/25"),
            v4("10.0.0.0/25"),
            v4("10.0.0.7/32"),
            v4("10.9.0.0/16"),
        ];
        aggregate(&mut ivs);
        assert_eq!(ivs, vec![v4("10.0.0.0/24"), v4("10.9.0.0/16")]);
    }

    #[test]
    fn duplicates_merge_labels() {
        let e = |k, l| Entry {
            key: key2(v4(k), (80, 80)),
            label: l,
        };
        let out = disjoint(
            2,
            vec![
                e("10.0.0.0/24", 2),
                e("10.0.0.0/24", 1),
                e("10.0.1.0/24", 3),
            ],
        );
        assert_eq!(out.items.len(), 2);
        assert_eq!(out.labels_of(&out.items[0]), &[1, 2]);
        assert_eq!(out.labels_of(&out.items[1]), &[3]);
    }

    #[test]
    fn nested_networks_are_split() {
        let e = |k, p, l| Entry {
            key: key2(v4(k), p),
            label: l,
        };
        let out = disjoint(
            2,
            vec![e("10.0.0.0/8", (80, 90), 1), e("10.1.0.0/16", (85, 85), 2)],
        );
        for (i, a) in out.items.iter().enumerate() {
            for b in out.items.iter().skip(i + 1) {
                assert!(
                    !(a.key[0].overlaps(b.key[0]) && a.key[1].overlaps(b.key[1])),
                    "{a:?} {b:?}"
                );
            }
        }
        // The shared piece carries both labels.
        let both: Vec<_> = out
            .items
            .iter()
            .filter(|i| out.labels_of(i) == [1, 2])
            .collect();
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].key[0], v4("10.1.0.0/16"));
        assert_eq!(both[0].key[1], Iv::new(85, 85));
        // Everything the inputs covered is still covered.
        let covered = |a: u128, p: u128| {
            out.items.iter().any(|i| {
                i.key[0].lo <= a && a <= i.key[0].hi && i.key[1].lo <= p && p <= i.key[1].hi
            })
        };
        assert!(covered(v4("10.0.0.1/32").lo, 80));
        assert!(covered(v4("10.1.2.3/32").lo, 90));
        assert!(covered(v4("10.255.0.0/32").lo, 85));
        assert!(!covered(v4("11.0.0.0/32").lo, 85));
    }

    #[test]
    fn ipv6_text_is_canonical() {
        let mut x: u128 = 0x1234_5678_9abc_def0_0fed_cba9_8765_4321;
        let mut cases: Vec<u128> = vec![
            0,
            1,
            u128::MAX,
            1 << 127,
            0xfd00_0000_0000_0000_0000_0000_0000_0000,
        ];
        cases.extend([
            0x2001_0db8_0000_0000_0001_0000_0000_0001,
            0x2001_0db8_0000_0001_0000_0000_0000_0000,
        ]);
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Zero some groups to get runs.
            let mask = (0..8).fold(0u128, |m, i| {
                if (x >> (i * 3)) & 1 == 1 {
                    m | (0xffff << (i * 16))
                } else {
                    m
                }
            });
            cases.push(x & mask);
        }
        for addr in cases {
            let ip = Ipv6Addr::from(addr);
            if ip.to_ipv4_mapped().is_some() {
                continue; // std writes ::ffff:a.b.c.d; ours is all hex (also valid)
            }
            assert_eq!(IpText(Family::V6, addr).to_string(), ip.to_string());
        }
        for addr in [0u32, 1, 0x0a00_0001, 0xffff_ffff, 0xc612_0a0b] {
            assert_eq!(
                IpText(Family::V4, u128::from(addr)).to_string(),
                Ipv4Addr::from(addr).to_string()
            );
        }
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 65535, u32::MAX] {
            let mut out = Out::default();
            out.num(n);
            assert_eq!(out.into_string(), n.to_string());
        }
    }
}
