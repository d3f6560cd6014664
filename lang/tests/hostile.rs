//! Hostile input: nothing panics, nothing overflows the stack, everything finishes fast.
//!
//! Each case also checks two invariants of whatever is reported: every primary span lies inside
//! its file on character boundaries, and no internal error (a ward bug) is ever reported.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a panic is a test failure"
)]

use std::time::{Duration, Instant};

use ward_lang::diag::codes;
use ward_lang::{Diagnostic, Sources};

/// Parses `bytes` as one file and checks the invariants; returns the diagnostics.
fn parse_bytes(bytes: &[u8]) -> Vec<Diagnostic> {
    let mut sources = Sources::new();
    let (_, add) = sources.add("hostile.ward", bytes.to_vec());
    let (_, diags) = ward_lang::parse(&sources);
    for diag in add.iter().chain(&diags) {
        assert_ne!(
            diag.code.id,
            codes::INTERNAL_ERROR.id,
            "internal error: {}",
            diag.message
        );
        if let Some(label) = &diag.primary {
            let file = sources.get(label.span.file).expect("file of a span");
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(
                start <= end && end <= file.text.len(),
                "span out of range: {diag:?}"
            );
            assert!(file.text.is_char_boundary(start) && file.text.is_char_boundary(end));
        }
    }
    diags
}

fn parse_text(text: &str) -> Vec<Diagnostic> {
    parse_bytes(text.as_bytes())
}

/// Runs `f` and fails if it takes longer than `limit` (generous: debug builds, busy machines).
fn within(limit: Duration, what: &str, f: impl FnOnce()) {
    let start = Instant::now();
    f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?}");
}

/// Per test, in a debug build, with the tests running in parallel on a possibly busy machine.
/// Linear cases take a few seconds at most; the quadratic behaviours this guards against (pest
/// errors scanning the rest of the file once per error) took minutes.
const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn deeply_nested_braces() {
    within(LIMIT, "nested braces", || {
        let braces = "{".repeat(100_000);
        assert!(!parse_text(&braces).is_empty());
        assert!(!parse_text(&format!("service a in x {braces}")).is_empty());
        assert!(!parse_text(&format!("service a in x {{ store s {braces}")).is_empty());
        assert!(!parse_text(&"}".repeat(100_000)).is_empty());
        assert!(!parse_text(&"( ".repeat(100_000)).is_empty());
    });
}

#[test]
fn ten_megabytes_of_one_token() {
    const TEN_MB: usize = 10 * 1024 * 1024;
    within(LIMIT, "one huge token", || {
        for text in [
            "a".repeat(TEN_MB),
            "7".repeat(TEN_MB),
            "-".repeat(TEN_MB),
            "\"".repeat(TEN_MB),
            format!("purpose p \"{}\"", "x".repeat(TEN_MB)),
            format!("# {}", "x".repeat(TEN_MB)),
        ] {
            parse_text(&text);
        }
        // An unterminated string is re-read to report it; 1 MB is enough to show it stays linear.
        parse_text(&format!("purpose p \"{}", "x".repeat(TEN_MB / 10)));
    });
}

#[test]
fn one_megabyte_name() {
    within(LIMIT, "1 MB name", || {
        let name = "n".repeat(1024 * 1024);
        let diags = parse_text(&format!(
            "data {name} personal\nflow {name} -> {name}.{name}"
        ));
        assert!(diags.iter().all(|d| d.code.id == codes::NAME_TOO_LONG.id));
        assert_eq!(diags.len(), 4);
    });
}

#[test]
fn nul_bytes_and_control_characters() {
    within(LIMIT, "control characters", || {
        let diags = parse_bytes(&[0; 100_000]);
        assert_eq!(diags.len(), 10);
        assert!(
            diags
                .iter()
                .all(|d| d.code.id == codes::CONTROL_CHARACTER.id)
        );
        assert!(!parse_bytes(b"data a\0 personal").is_empty());
        assert!(!parse_bytes("data a personal # \u{202e}".as_bytes()).is_empty());
    });
}

#[test]
fn huge_numbers_are_kept_as_written() {
    within(LIMIT, "huge numbers", || {
        assert!(parse_text("service a in x { port a 99999999999999999999/tcp }").is_empty());
        assert!(
            parse_text(&format!(
                "service a in x {{ port a {}/tcp }}",
                "9".repeat(100_000)
            ))
            .is_empty()
        );
        assert!(
            parse_text("service a in x { store s retain 99999999999999999999999y }").is_empty()
        );
        assert!(parse_text("waive r on data c until 99999999999-99999-999999 { }").is_empty());
    });
}

#[test]
fn many_errors_are_capped() {
    within(LIMIT, "many errors", || {
        let diags = parse_text(&"data a personnal\n".repeat(200_000));
        assert_eq!(diags.len(), 25);
        let escapes = format!("purpose p \"{}\"", "\\q".repeat(10_000));
        let diags = parse_text(&escapes);
        assert_eq!(diags.len(), 100);
        assert!(diags.last().is_some_and(|d| !d.notes.is_empty()));
        let repeats = format!("data a personal {}", "mask m ".repeat(10_000));
        assert_eq!(parse_text(&repeats).len(), 100);
    });
}

#[test]
fn many_small_declarations() {
    within(LIMIT, "many declarations", || {
        // Debug builds of pest are about 30 times slower than release ones: keep this modest.
        assert!(parse_text(&"data a personal\n".repeat(10_000)).is_empty());
        assert!(parse_text(&"flow a->b.c ".repeat(10_000)).is_empty());
    });
}

/// A small deterministic pseudo-random generator (xorshift64*).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Pieces of the language (and of near misses) that random inputs are built from.
const TOKENS: &[&str] = &[
    "controller",
    "trust_domain",
    "firewall_default",
    "severity",
    "purpose",
    "basis",
    "data",
    "category",
    "subjects",
    "mask",
    "site",
    "country",
    "external",
    "service",
    "in",
    "hosts",
    "port",
    "store",
    "retain",
    "table",
    "for",
    "operator",
    "certified",
    "sector",
    "firewall",
    "management",
    "from",
    "flow",
    "carries",
    "hashed",
    "tokenized",
    "redacted",
    "masked",
    "with",
    "anonymized",
    "transfer",
    "mechanism",
    "scc",
    "module",
    "derogation",
    "recipient",
    "reference",
    "waive",
    "on",
    "until",
    "reason",
    "owner",
    "personal",
    "special",
    "non_personal",
    "postgres",
    "tcp",
    "udp",
    "tls",
    "mtls",
    "none",
    "host",
    "ports",
    "error",
    "warning",
    "off",
    "dpo",
    "a",
    "b",
    "portal",
    "a-b",
    "a->b",
    "x.y",
    "aws:eu-west-1",
    "EU",
    "US",
    "{",
    "}",
    "(",
    ")",
    ",",
    ":",
    ".",
    "/",
    "-",
    "->",
    "=",
    "\"",
    "\"str\"",
    "\"esc\\q\"",
    "\"\\\"\"",
    "8443",
    "9000-9010",
    "443/tcp",
    "90d",
    "2y",
    "6mo",
    "2027-03-31",
    "10.0.0.0/8",
    "fd00::/64",
    "::",
    "# comment\n",
    "\n",
    " ",
    "\t",
    "\r\n",
    "é",
    "😀",
    "\u{feff}",
    "\u{0}",
    "\u{202e}",
];

#[test]
fn random_token_soup() {
    within(LIMIT, "random token soup", || {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2500 {
            let mut text = String::new();
            for _ in 0..rng.below(40) + 1 {
                text.push_str(rng.pick(TOKENS));
                text.push_str(rng.pick(&[" ", " ", "", "\n"]));
            }
            parse_text(&text);
        }
    });
}

#[test]
fn random_mutations_of_a_valid_policy() {
    let valid = include_str!("syntax/ok/example.ward");
    within(LIMIT, "random mutations", || {
        let mut rng = XorShift(42);
        for _ in 0..400 {
            let mut bytes = valid.as_bytes().to_vec();
            for _ in 0..rng.below(4) + 1 {
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, b"{}\",->#:/.\n a9"[rng.below(14)]),
                    _ => bytes.truncate(at),
                }
            }
            parse_bytes(&bytes);
        }
    });
}

#[test]
fn random_bytes() {
    within(LIMIT, "random bytes", || {
        let mut rng = XorShift(7);
        for _ in 0..2000 {
            let len = rng.below(64);
            let bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 24) as u8).collect();
            parse_bytes(&bytes);
            let ascii: Vec<u8> = bytes.iter().map(|b| b % 95 + 32).collect();
            parse_bytes(&ascii);
        }
    });
}
