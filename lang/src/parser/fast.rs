//! A fast path for the most common declaration, the plain flow.
//!
//! Large policies are mostly flows (ten per service is typical), and pest spends most of the
//! parse time on them. This hand-written reader accepts only a strict subset of the flow
//! syntax: `flow a -> b.p`, optionally with a body of `carries` lists (classes optionally
//! `hashed`, `tokenized`, `redacted`, `masked` or `masked with strategy(name = 4, ...)`) and one
//! `purpose`, separated by whitespace only. It returns exactly what the pest parser and the
//! lowering would, or `None` on anything else (comments, string arguments, anonymisation, long
//! names, a name that is also a keyword, anything that is not a complete declaration followed
//! by another one), and then pest parses the item as usual, with its diagnostics. `tests/fast_path.rs` in `ward-tests` checks that both paths
//! give identical syntax trees on the examples and on synthetic policies.

use crate::ast::{
    Carried, FlowDecl, Ident, MaskArg, MaskStrategy, MaskValue, Raw, Transform, TransformKind,
};
use crate::lower::MAX_NAME_CHARS;
use crate::span::{FileId, Span};

/// Words that the flow grammar treats specially; a name spelt like one goes to pest.
const RESERVED: &[&str] = &[
    "flow",
    "carries",
    "purpose",
    "hashed",
    "tokenized",
    "redacted",
    "masked",
    "anonymized",
    "with",
];

/// Reads a plain flow at `pos`; returns it and the offset just after its last token.
pub(super) fn flow(file: FileId, text: &str, pos: usize) -> Option<(FlowDecl, usize)> {
    let mut r = Reader {
        file,
        text,
        bytes: text.as_bytes(),
        pos,
    };
    r.keyword("flow")?;
    r.blanks1()?;
    let source = r.ident()?;
    r.blanks();
    r.literal(b"->")?;
    r.blanks();
    let target = r.ident()?;
    r.literal(b".")?;
    let port = r.ident()?;
    let mut end = r.pos;
    let mut flow = FlowDecl {
        source,
        target,
        port,
        carries: Vec::new(),
        purpose: None,
        span: Span::default(),
    };
    r.blanks();
    if r.peek() == Some(b'{') {
        r.pos += 1;
        loop {
            r.blanks();
            match r.peek()? {
                b'}' => {
                    r.pos += 1;
                    end = r.pos;
                    break;
                }
                _ if r.at_keyword("carries") => {
                    r.keyword("carries")?;
                    r.blanks1()?;
                    loop {
                        flow.carries.push(r.carried()?);
                        let before = r.pos;
                        r.blanks();
                        if r.peek() == Some(b',') {
                            r.pos += 1;
                            r.blanks();
                        } else {
                            r.pos = before;
                            break;
                        }
                    }
                }
                _ if r.at_keyword("purpose") => {
                    if flow.purpose.is_some() {
                        return None;
                    }
                    r.keyword("purpose")?;
                    r.blanks1()?;
                    flow.purpose = Some(r.ident()?);
                }
                _ => return None,
            }
        }
    }
    // The grammar requires a declaration to be followed by another one or the end of the file.
    let next = skip_blanks_and_comments(text, end);
    if next < text.len() && !super::starts_with_keyword(text, next, super::TOP_LEVEL_KEYWORDS) {
        return None;
    }
    flow.span = Span::new(file, pos, end);
    Some((flow, end))
}

struct Reader<'t> {
    file: FileId,
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Spaces, tabs and line breaks (a comment sends the item to pest).
    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn blanks1(&mut self) -> Option<()> {
        let start = self.pos;
        self.blanks();
        (self.pos > start).then_some(())
    }

    fn literal(&mut self, expected: &[u8]) -> Option<()> {
        let end = self.pos + expected.len();
        (self.bytes.get(self.pos..end)? == expected).then(|| self.pos = end)
    }

    fn at_keyword(&self, word: &str) -> bool {
        let end = self.pos + word.len();
        self.bytes.get(self.pos..end) == Some(word.as_bytes())
            && !self
                .bytes
                .get(end)
                .is_some_and(|&b| is_name_byte(b) || b == b'-')
    }

    fn keyword(&mut self, word: &str) -> Option<()> {
        self.at_keyword(word).then(|| self.pos += word.len())
    }

    /// `[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*`, not reserved, at most the name limit.
    fn ident(&mut self) -> Option<Ident> {
        let start = self.pos;
        let first = self.peek()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        self.pos += 1;
        loop {
            match self.peek() {
                Some(b) if is_name_byte(b) => self.pos += 1,
                Some(b'-')
                    if self
                        .bytes
                        .get(self.pos + 1)
                        .is_some_and(|&b| is_name_byte(b)) =>
                {
                    self.pos += 1
                }
                _ => break,
            }
        }
        let text = self.text.get(start..self.pos)?;
        if text.len() > MAX_NAME_CHARS || RESERVED.contains(&text) {
            return None;
        }
        Some(Ident {
            text: text.to_owned(),
            span: Span::new(self.file, start, self.pos),
        })
    }

    /// `class` or `class hashed|tokenized|redacted`.
    fn carried(&mut self) -> Option<Carried> {
        let class = self.ident()?;
        let mut end = class.span.end as usize;
        let before = self.pos;
        self.blanks();
        let mut transform = None;
        for (word, kind) in [
            ("hashed", TransformKind::Hashed),
            ("tokenized", TransformKind::Tokenized),
            ("redacted", TransformKind::Redacted),
        ] {
            let at = self.pos;
            if self.keyword(word).is_some() {
                transform = Some(Transform {
                    kind,
                    span: Span::new(self.file, at, self.pos),
                });
                end = self.pos;
                break;
            }
        }
        if transform.is_none() && self.at_keyword("masked") {
            let at = self.pos;
            self.keyword("masked")?;
            let strategy = self.with_strategy()?;
            end = strategy.as_ref().map_or(self.pos, |s| s.span.end as usize);
            if strategy.is_none() {
                self.pos = end;
            }
            let kind = TransformKind::Masked(strategy);
            transform = Some(Transform {
                kind,
                span: Span::new(self.file, at, end),
            });
        }
        if transform.is_none() {
            if self.at_keyword("anonymized") {
                return None;
            }
            self.pos = before;
        }
        Some(Carried {
            span: Span::new(self.file, class.span.start as usize, end),
            class,
            transform,
        })
    }

    /// After `masked`: ` with name` or ` with name(arg = value, ...)`; `Some(None)` when no
    /// `with` follows (the position is then unchanged), `None` to give up.
    fn with_strategy(&mut self) -> Option<Option<MaskStrategy>> {
        let after_masked = self.pos;
        self.blanks();
        if !self.at_keyword("with") {
            self.pos = after_masked;
            return Some(None);
        }
        self.keyword("with")?;
        self.blanks1()?;
        let name = self.ident()?;
        let start = name.span.start as usize;
        let mut end = self.pos;
        let mut args = Vec::new();
        self.blanks();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            self.blanks();
            if self.peek() != Some(b')') {
                loop {
                    args.push(self.mask_arg()?);
                    self.blanks();
                    match self.peek()? {
                        b',' => {
                            self.pos += 1;
                            self.blanks();
                        }
                        b')' => break,
                        _ => return None,
                    }
                }
            }
            self.literal(b")")?;
            end = self.pos;
        } else {
            self.pos = end;
        }
        Some(Some(MaskStrategy {
            name,
            args,
            span: Span::new(self.file, start, end),
        }))
    }

    /// `name = 4` or `name = word` (a string value goes to pest, for its escapes).
    fn mask_arg(&mut self) -> Option<MaskArg> {
        let name = self.ident()?;
        self.blanks();
        self.literal(b"=")?;
        self.blanks();
        let value = match self.peek()? {
            b'0'..=b'9' => {
                let start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                }
                if self.peek().is_some_and(is_name_byte) {
                    return None;
                }
                let text = self.text.get(start..self.pos)?.to_owned();
                MaskValue::Number(Raw {
                    text,
                    span: Span::new(self.file, start, self.pos),
                })
            }
            _ => MaskValue::Ident(self.ident()?),
        };
        Some(MaskArg { name, value })
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Like the parser's trivia skipping: whitespace and `#` comments.
fn skip_blanks_and_comments(text: &str, pos: usize) -> usize {
    super::skip_trivia(text, pos)
}
