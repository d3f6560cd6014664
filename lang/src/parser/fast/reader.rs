//! The lexical pieces of the fast paths: one method per grammar token, each consuming exactly
//! what the pest rule of the same name would, or nothing (`None`) when the text is not that
//! token or is one the fast paths leave to pest (a name spelt like a keyword, a string with an
//! escape, an over-long name).
//!
//! Spans follow the lowering: a construct ends where its last token ends, never after the
//! whitespace or comments that follow it. [`Reader::end`] is that position.

use crate::ast::{Ident, Raw, StrLit};
use crate::lower::MAX_NAME_CHARS;
use crate::span::{FileId, Span};

/// A position in one file's text, and where the last token read ends.
pub(super) struct Reader<'t> {
    pub(super) file: FileId,
    text: &'t str,
    bytes: &'t [u8],
    pub(super) pos: usize,
    /// The end of the last token read: where the construct being read ends so far.
    pub(super) end: usize,
}

impl<'t> Reader<'t> {
    pub(super) fn new(file: FileId, text: &'t str, pos: usize) -> Reader<'t> {
        Reader {
            file,
            text,
            bytes: text.as_bytes(),
            pos,
            end: pos,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The span from `start` to the end of the last token read.
    pub(super) fn span_from(&self, start: usize) -> Span {
        Span::new(self.file, start, self.end)
    }

    /// Skips whitespace and comments, as pest does between the tokens of a non-atomic rule.
    pub(super) fn trivia(&mut self) {
        self.pos = crate::parser::skip_trivia(self.text, self.pos);
    }

    /// Moves past a token that ends at `end`.
    fn take(&mut self, end: usize) {
        self.pos = end;
        self.end = end;
    }

    /// A one-byte punctuation token (`{`, `,`, `:`, ...).
    pub(super) fn punct(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.take(self.pos + 1))
    }

    /// A punctuation token of several bytes (`->`).
    pub(super) fn literal(&mut self, token: &str) -> Option<()> {
        let end = self.pos + token.len();
        (self.bytes.get(self.pos..end) == Some(token.as_bytes())).then(|| self.take(end))
    }

    /// Whether `word` is next, ending as the grammar's `kw_end` requires.
    pub(super) fn at_keyword(&self, word: &str) -> bool {
        let end = self.pos + word.len();
        // Most tries fail at the first byte (`hashed`, `tokenized`, ... after every class):
        // checking it first saves a `memcmp` call.
        self.peek() == word.as_bytes().first().copied()
            && self.bytes.get(self.pos..end) == Some(word.as_bytes())
            && !self.bytes.get(end).is_some_and(|&b| ends_keyword_not(b))
    }

    /// The keyword `word`; returns where it starts.
    pub(super) fn keyword(&mut self, word: &str) -> Option<usize> {
        let start = self.pos;
        self.at_keyword(word)
            .then(|| self.take(start + word.len()))
            .map(|()| start)
    }

    /// One of a closed set of words (`engine`, `protocol`, ...), looked up in `table`.
    /// INVARIANT (the grammar's): no word of a table is a prefix of a later one, so the first
    /// match is pest's.
    pub(super) fn word<T: Copy>(&mut self, table: &[(&str, T)]) -> Option<(T, Span)> {
        let &(word, value) = table.iter().find(|(word, _)| self.at_keyword(word))?;
        let start = self.pos;
        self.take(start + word.len());
        Some((value, self.span_from(start)))
    }

    /// `ident`: `[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*`; a keyword or a name over the limit
    /// (which the lowering reports) is left to pest.
    pub(super) fn ident(&mut self) -> Option<Ident> {
        let start = self.pos;
        let first = self.peek()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let mut end = self.run(start + 1, is_name_byte);
        // `a-b` is one name, `a->b` two: a hyphen must be followed by a name character.
        while self.bytes.get(end) == Some(&b'-') && self.name_byte_at(end + 1) {
            end = self.run(end + 2, is_name_byte);
        }
        let text = self.text.get(start..end)?;
        if text.len() > MAX_NAME_CHARS || is_keyword(text) {
            return None;
        }
        self.take(end);
        Some(Ident {
            text: text.to_owned(),
            span: self.span_from(start),
        })
    }

    /// `region_name`: `[A-Za-z0-9][A-Za-z0-9_-]*` (the part after `aws:`).
    pub(super) fn region_name(&mut self) -> Option<Ident> {
        let start = self.pos;
        if !self.peek()?.is_ascii_alphanumeric() {
            return None;
        }
        let end = self.run(start + 1, |b| is_name_byte(b) || b == b'-');
        let text = self.text.get(start..end)?;
        if text.len() > MAX_NAME_CHARS {
            return None;
        }
        self.take(end);
        Some(Ident {
            text: text.to_owned(),
            span: self.span_from(start),
        })
    }

    /// `string` without escapes (an escape may need a diagnostic: pest reads it).
    pub(super) fn string(&mut self) -> Option<StrLit> {
        let start = self.pos;
        if self.peek()? != b'"' {
            return None;
        }
        let close = self.run(start + 1, |b| !matches!(b, b'"' | b'\\' | b'\n'));
        if self.bytes.get(close) != Some(&b'"') {
            return None;
        }
        let value = self.text.get(start + 1..close)?.to_owned();
        self.take(close + 1);
        Some(StrLit {
            value,
            span: self.span_from(start),
        })
    }

    /// `number`: digits not followed by a name character.
    pub(super) fn number(&mut self) -> Option<Raw> {
        let start = self.pos;
        let end = self.run(start, |b| b.is_ascii_digit());
        if end == start || self.name_byte_at(end) {
            return None;
        }
        self.raw(start, end)
    }

    /// `duration`: digits, then `mo`, `d`, `w` or `y`, not followed by a name character.
    pub(super) fn duration(&mut self) -> Option<Raw> {
        let start = self.pos;
        let digits = self.run(start, |b| b.is_ascii_digit());
        if digits == start {
            return None;
        }
        let unit = ["mo", "d", "w", "y"]
            .into_iter()
            .find(|u| self.bytes.get(digits..digits + u.len()) == Some(u.as_bytes()))?;
        let end = digits + unit.len();
        if self.name_byte_at(end) {
            return None;
        }
        self.raw(start, end)
    }

    /// `address`: hex digits, `:` and `.`, an optional `/digits`, not followed by a name
    /// character (validated by the resolver, like pest leaves it).
    pub(super) fn address(&mut self) -> Option<Raw> {
        let start = self.pos;
        let mut end = self.run(start, |b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if end == start {
            return None;
        }
        if self.bytes.get(end) == Some(&b'/') {
            let digits = self.run(end + 1, |b| b.is_ascii_digit());
            if digits > end + 1 {
                end = digits;
            }
        }
        if self.name_byte_at(end) {
            return None;
        }
        self.raw(start, end)
    }

    fn raw(&mut self, start: usize, end: usize) -> Option<Raw> {
        let text = self.text.get(start..end)?.to_owned();
        self.take(end);
        Some(Raw {
            text,
            span: self.span_from(start),
        })
    }

    /// The end of the run of bytes matching `accept` from `from`.
    fn run(&self, from: usize, accept: impl Fn(u8) -> bool) -> usize {
        let rest = self.bytes.get(from..).unwrap_or_default();
        from + rest.iter().position(|&b| !accept(b)).unwrap_or(rest.len())
    }

    fn name_byte_at(&self, at: usize) -> bool {
        self.bytes.get(at).is_some_and(|&b| is_name_byte(b))
    }
}

/// The grammar's `ident_char`.
fn is_name_byte(b: u8) -> bool {
    NAME_BYTES[usize::from(b)]
}

/// [`is_name_byte`] as a table: it is the innermost loop of reading names.
static NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// A byte after which a keyword would not end (`kw_end` fails): `portal`, `port-a`.
fn ends_keyword_not(b: u8) -> bool {
    is_name_byte(b) || b == b'-'
}

/// The words of the grammar's `kw_*` rules. pest reads a name spelt like one as a name (`port
/// purpose 1/tcp`); the fast paths leave such names to pest rather than reason about where a
/// keyword could also start something else. Grouped by length: every name is looked up.
pub(super) fn is_keyword(word: &str) -> bool {
    let candidates: &[&str] = match word.len() {
        2 => &["in", "on"],
        3 => &["for", "scc"],
        4 => &["data", "site", "flow", "mask", "port", "from", "with"],
        5 => &[
            "waive", "basis", "hosts", "store", "table", "until", "owner",
        ],
        6 => &["sector", "retain", "hashed", "masked", "module", "reason"],
        7 => &["service", "country", "carries", "purpose"],
        8 => &[
            "severity", "external", "transfer", "category", "subjects", "operator", "firewall",
            "redacted",
        ],
        9 => &[
            "certified",
            "tokenized",
            "mechanism",
            "recipient",
            "reference",
        ],
        10 => &["controller", "management", "anonymized", "derogation"],
        12 => &["trust_domain"],
        16 => &["firewall_default"],
        _ => &[],
    };
    candidates.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `kw_x = @{ "word" ~ kw_end }` of the grammar is a keyword here.
    #[test]
    fn keywords_match_the_grammar() {
        let grammar = include_str!("../../ward.pest");
        let mut count = 0;
        for line in grammar
            .lines()
            .filter(|l| l.starts_with("kw_") && l.contains("@{"))
        {
            let Some(word) = line.split('"').nth(1) else {
                continue;
            };
            assert!(is_keyword(word), "`{word}` is a keyword in the grammar");
            count += 1;
        }
        assert_eq!(
            count, 47,
            "the grammar's keyword count changed: update `is_keyword`"
        );
    }

    fn read<T>(text: &str, f: impl FnOnce(&mut Reader<'_>) -> Option<T>) -> Option<(T, usize)> {
        let mut r = Reader::new(FileId(0), text, 0);
        f(&mut r).map(|t| (t, r.end))
    }

    #[test]
    fn tokens_stop_where_pest_stops() {
        assert_eq!(
            read("a-b-c->", |r| r.ident()).map(|(i, e)| (i.text, e)),
            Some(("a-b-c".into(), 5))
        );
        assert!(read("portal", |r| r.ident()).is_some());
        assert!(read("port", |r| r.ident()).is_none());
        assert_eq!(
            read("10.0.0.1/ x", |r| r.address()).map(|(_, e)| e),
            Some(8)
        );
        assert!(read("deadbeefx", |r| r.address()).is_none());
        assert_eq!(read("6mo}", |r| r.duration()).map(|(_, e)| e), Some(3));
        assert!(read("6m", |r| r.duration()).is_none());
        assert!(read("8443x", |r| r.number()).is_none());
        assert!(read("\"a\\\"b\"", |r| r.string()).is_none());
        assert_eq!(
            read("\"a b\" c", |r| r.string()).map(|(s, e)| (s.value, e)),
            Some(("a b".into(), 5))
        );
    }
}
