//! The hasher of the resolver's name tables.
//!
//! Resolving 100,000 flows takes about 500,000 name lookups, and with std's SipHash hashing a
//! name costs more than everything else a lookup does. [`NameHash`] folds each 8-byte word of
//! the name into the state with a 64×64→128-bit multiply (the construction of `foldhash`), a
//! few instructions per word. It is seeded from std's [`RandomState`] for every resolution, so
//! the bucket a name lands in cannot be predicted from the policy text, and a policy crafted to
//! collide (making lookups quadratic) is impractical, as it is with SipHash.
//!
//! The tables are only probed, never iterated, so the random seed cannot leak into the model.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher, RandomState};

/// A hash map keyed by names.
pub(super) type NameMap<K, V> = HashMap<K, V, NameHash>;

/// A hash set of names.
pub(super) type NameSet<K> = HashSet<K, NameHash>;

/// Builds [`NameHasher`]s with one random seed.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameHash {
    seed: u64,
}

impl Default for NameHash {
    fn default() -> NameHash {
        NameHash {
            seed: RandomState::new().hash_one(0x5eed_u64) | 1,
        }
    }
}

impl BuildHasher for NameHash {
    type Hasher = NameHasher;

    fn build_hasher(&self) -> NameHasher {
        NameHasher { state: self.seed }
    }
}

/// Odd 64-bit constants (digits of pi), one per kind of input.
const WORD: u64 = 0x243f_6a88_85a3_08d3;
const TAIL: u64 = 0x1319_8a2e_0370_7344 | 1;
const FINISH: u64 = 0xa409_3822_299f_31d0 | 1;

/// The high and low halves of the 128-bit product, folded together.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// See the module documentation.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameHasher {
    state: u64,
}

impl NameHasher {
    fn mix(&mut self, word: u64, constant: u64) {
        self.state = fold(self.state ^ word, constant);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(word);
            self.mix(u64::from_le_bytes(buf), WORD);
        }
        let tail = words.remainder();
        let mut buf = [0u8; 8];
        if let Some(head) = buf.get_mut(..tail.len()) {
            head.copy_from_slice(tail);
        }
        // The length goes in with the tail, so `a` and `a\0` differ.
        self.mix(u64::from_le_bytes(buf) ^ ((bytes.len() as u64) << 56), TAIL);
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i), TAIL);
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i), WORD);
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i, WORD);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64, WORD);
    }

    fn finish(&self) -> u64 {
        fold(self.state, FINISH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(build: &NameHash, text: &str) -> u64 {
        build.hash_one(text)
    }

    #[test]
    fn equal_names_hash_equal_and_different_names_differently() {
        let build = NameHash::default();
        assert_eq!(hash(&build, "checkout"), hash(&build, "checkout"));
        let names = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "a\0",
            "checkout",
            "checkout1",
            "service-00001",
            "service-00010",
        ];
        let mut hashes: Vec<u64> = names.iter().map(|n| hash(&build, n)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), names.len());
    }

    #[test]
    fn seeds_differ_between_tables() {
        let (a, b) = (NameHash::default(), NameHash::default());
        assert_ne!(hash(&a, "checkout"), hash(&b, "checkout"));
    }

    #[test]
    fn many_similar_names_spread_over_buckets() {
        let build = NameHash::default();
        let mut buckets = [0u32; 64];
        for i in 0..64_000 {
            let h = hash(&build, &format!("service-{i:05}"));
            if let Some(bucket) = buckets.get_mut((h & 63) as usize) {
                *bucket += 1;
            }
        }
        assert!(
            buckets.iter().all(|&n| (700..1300).contains(&n)),
            "{buckets:?}"
        );
    }
}
