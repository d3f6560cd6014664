//! pest pairs to syntax tree: one function per construct.
//!
//! The grammar guarantees the shape of each pair, but the lowering never relies on it blindly: a
//! pair it did not expect becomes an internal-error diagnostic ([`codes::INTERNAL_ERROR`]) at
//! that pair's span and the declaration is dropped; nothing here panics. Besides building the
//! tree, lowering reports what the grammar cannot: unknown string escapes, over-long names and
//! attributes written twice.
//!
//! Split by construct: [`settings`] (controller, trust domain, severity, purposes, sites),
//! [`data`], [`service`], [`flow`], [`transfer`] and [`waiver`].

mod data;
mod flow;
mod service;
mod settings;
mod transfer;
mod waiver;

pub(crate) use service::{ENGINES, PROTOCOLS, TRANSPORTS};
pub(crate) use settings::FIREWALL_MODES;

use std::iter::{Filter, Peekable};

use pest::iterators::{Pair, Pairs};

use crate::ast::{Ident, Item, Raw, StrLit};
use crate::diag::{Diagnostic, codes};
use crate::parser::{Rule, is_token};
use crate::span::{FileId, Span};

/// Longest name accepted, in characters (names are ASCII).
pub(crate) const MAX_NAME_CHARS: usize = 128;
/// Lowering diagnostics reported per file; the rest are counted in a note.
const MAX_DIAGNOSTICS: usize = 100;

/// Lowering context for one file: where pairs are in the file, and where diagnostics go.
pub(crate) struct Cx<'a> {
    file: FileId,
    /// Offset in the file of the text the current pairs were parsed from.
    base: usize,
    diags: &'a mut Vec<Diagnostic>,
    /// Lowering diagnostics in this file so far, reported or not.
    reported: usize,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(file: FileId, diags: &'a mut Vec<Diagnostic>) -> Cx<'a> {
        Cx {
            file,
            base: 0,
            diags,
            reported: 0,
        }
    }

    /// The context for pairs parsed from the text starting at file offset `base`.
    pub(crate) fn at(&mut self, base: usize) -> &mut Cx<'a> {
        self.base = base;
        self
    }

    /// Adds a diagnostic found outside lowering (a syntax error), not subject to the cap.
    pub(crate) fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// Ends the file: says how many lowering diagnostics were left out, if any.
    pub(crate) fn finish(self) {
        if self.reported > MAX_DIAGNOSTICS {
            let hidden = self.reported - MAX_DIAGNOSTICS;
            if let Some(last) = self.diags.last_mut() {
                last.notes.push(format!(
                    "{hidden} more diagnostics in this file are not shown"
                ));
            }
        }
    }

    /// Reports a diagnostic, up to [`MAX_DIAGNOSTICS`] per file.
    fn report(&mut self, diag: Diagnostic) {
        self.reported += 1;
        if self.reported <= MAX_DIAGNOSTICS {
            self.diags.push(diag);
        }
    }

    /// The span of a pair, without trailing whitespace and comments.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let start = pair.as_span().start();
        Span::new(
            self.file,
            self.base + start,
            self.base + end_of_last_token(pair),
        )
    }

    /// Reports a pair whose shape the lowering did not expect (a bug in ward).
    fn unexpected(&mut self, pair: &Pair<'_, Rule>, context: &str) {
        let span = self.span(pair);
        self.internal(
            span,
            &format!("unexpected `{:?}` in {context}", pair.as_rule()),
        );
    }

    fn internal(&mut self, span: Span, what: &str) {
        self.report(
            Diagnostic::new(&codes::INTERNAL_ERROR, format!("internal error: {what}"))
                .at(span, "ward could not read this")
                .with_help("this is a bug in ward, not in the policy; please report it"),
        );
    }

    /// A name. Names longer than [`MAX_NAME_CHARS`] are reported (and kept).
    fn ident(&mut self, pair: &Pair<'_, Rule>) -> Ident {
        let span = self.span(pair);
        let text = pair.as_str();
        if text.len() > MAX_NAME_CHARS {
            self.report(
                Diagnostic::new(
                    &codes::NAME_TOO_LONG,
                    format!(
                        "name is {} characters long, more than the limit of {MAX_NAME_CHARS}",
                        text.len()
                    ),
                )
                .at(span, "this name")
                .with_help("use a shorter name; put a long description in a string"),
            );
        }
        Ident {
            text: text.to_owned(),
            span,
        }
    }

    /// A string literal, unescaped. Unknown escapes are reported and kept as written.
    fn string(&mut self, pair: &Pair<'_, Rule>) -> StrLit {
        let span = self.span(pair);
        let literal = pair.as_str();
        let inner = literal
            .get(1..literal.len().saturating_sub(1))
            .unwrap_or("");
        let value = if inner.contains('\\') {
            self.unescape(inner, span.start as usize + 1)
        } else {
            inner.to_owned()
        };
        StrLit { value, span }
    }

    /// Resolves `\"`, `\\`, `\n` and `\t` in `inner`, which starts at file offset `offset`.
    fn unescape(&mut self, inner: &str, offset: usize) -> String {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((j, other)) => {
                    let escape = Span::new(self.file, offset + i, offset + j + other.len_utf8());
                    self.invalid_escape(escape, other);
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        out
    }

    fn invalid_escape(&mut self, span: Span, c: char) {
        self.report(
            Diagnostic::new(
                &codes::INVALID_ESCAPE,
                format!("unknown escape sequence `\\{c}`"),
            )
            .at(span, "not a valid escape")
            .with_help(
                "strings accept `\\\"`, `\\\\`, `\\n` and `\\t`; write `\\\\` for a backslash",
            ),
        );
    }

    /// A value kept as written (address, date, duration, number).
    fn raw(&self, pair: &Pair<'_, Rule>) -> Raw {
        Raw {
            text: pair.as_str().to_owned(),
            span: self.span(pair),
        }
    }

    /// The value of a closed word rule (`engine`, `protocol`, ...) from its table.
    fn word<T: Copy>(&mut self, pair: &Pair<'_, Rule>, table: &[(&str, T)]) -> Option<T> {
        let found = table
            .iter()
            .find(|(word, _)| *word == pair.as_str())
            .map(|(_, value)| *value);
        if found.is_none() {
            self.unexpected(pair, "a closed list of words");
        }
        found
    }

    /// Reports `attr` written again at `again` after `first` in a `decl`.
    fn repeated(&mut self, attr: &str, decl: &str, first: Span, again: Span) {
        self.report(
            Diagnostic::new(
                &codes::REPEATED_ATTRIBUTE,
                format!("`{attr}` is written more than once in this {decl}"),
            )
            .at(again, "written again here")
            .with_secondary(first, "first written here")
            .with_help(format!("keep only one `{attr}`")),
        );
    }
}

/// Where the last token of a pair ends. pest includes the whitespace skipped before an optional
/// or repeated element that then did not match (`data x personal  # note` ends after the note);
/// the last leaf token ends where the construct really does.
fn end_of_last_token(pair: &Pair<'_, Rule>) -> usize {
    let mut end = pair.as_span().end();
    let mut current = pair.clone();
    while let Some(last) = current.into_inner().next_back() {
        end = last.as_span().end();
        current = last;
    }
    end
}

/// The children of a pair without its keyword and punctuation tokens.
type ValueChildren<'i> = Peekable<Filter<Pairs<'i, Rule>, fn(&Pair<'i, Rule>) -> bool>>;

/// The value-carrying children of a pair, in order: keywords and punctuation are skipped.
pub(crate) struct Nodes<'i> {
    inner: ValueChildren<'i>,
    /// The parent, for internal errors.
    parent: pest::Span<'i>,
    rule: Rule,
}

impl<'i> Nodes<'i> {
    fn new(pair: Pair<'i, Rule>) -> Nodes<'i> {
        let keep: fn(&Pair<'i, Rule>) -> bool = |p| !is_token(p.as_rule());
        Nodes {
            parent: pair.as_span(),
            rule: pair.as_rule(),
            inner: pair.into_inner().filter(keep).peekable(),
        }
    }

    /// The parent's span (trailing whitespace included: only used for internal errors).
    fn parent_span(&self, cx: &Cx<'_>) -> Span {
        Span::new(
            cx.file,
            cx.base + self.parent.start(),
            cx.base + self.parent.end(),
        )
    }

    /// The next child, which must be a `rule`.
    fn expect(&mut self, cx: &mut Cx<'_>, rule: Rule) -> Option<Pair<'i, Rule>> {
        match self.inner.next() {
            Some(pair) if pair.as_rule() == rule => Some(pair),
            Some(pair) => {
                cx.unexpected(&pair, &format!("`{:?}` (expected `{rule:?}`)", self.rule));
                None
            }
            None => {
                let span = self.parent_span(cx);
                cx.internal(span, &format!("`{:?}` without `{rule:?}`", self.rule));
                None
            }
        }
    }

    /// The next child, a name (`ident`).
    fn ident(&mut self, cx: &mut Cx<'_>) -> Option<Ident> {
        self.ident_of(cx, Rule::ident)
    }

    /// The next child, a name-like `rule` (`dotted`, `region_name`, ...).
    fn ident_of(&mut self, cx: &mut Cx<'_>, rule: Rule) -> Option<Ident> {
        let pair = self.expect(cx, rule)?;
        Some(cx.ident(&pair))
    }

    /// The next child, a string literal.
    fn string(&mut self, cx: &mut Cx<'_>) -> Option<StrLit> {
        let pair = self.expect(cx, Rule::string)?;
        Some(cx.string(&pair))
    }

    /// The next child, a `rule` kept as written (number, duration, date).
    fn raw(&mut self, cx: &mut Cx<'_>, rule: Rule) -> Option<Raw> {
        let pair = self.expect(cx, rule)?;
        Some(cx.raw(&pair))
    }

    /// The next child, a closed word `rule`, looked up in `table`.
    fn word<T: Copy>(&mut self, cx: &mut Cx<'_>, rule: Rule, table: &[(&str, T)]) -> Option<T> {
        let pair = self.expect(cx, rule)?;
        cx.word(&pair, table)
    }

    /// The next child, a `rule`, lowered by `lower`.
    fn lower<T>(
        &mut self,
        cx: &mut Cx<'_>,
        rule: Rule,
        lower: impl FnOnce(&mut Cx<'_>, Pair<'i, Rule>) -> Option<T>,
    ) -> Option<T> {
        let pair = self.expect(cx, rule)?;
        lower(cx, pair)
    }

    /// The next child if it is a `rule`.
    fn optional(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        self.inner.next_if(|pair| pair.as_rule() == rule)
    }
}

impl<'i> Iterator for Nodes<'i> {
    type Item = Pair<'i, Rule>;

    fn next(&mut self) -> Option<Pair<'i, Rule>> {
        self.inner.next()
    }
}

/// Attributes seen so far in one declaration, to report those written twice.
struct Seen {
    /// How the declaration is called in messages: "data declaration", "flow", ...
    decl: &'static str,
    first: Vec<(&'static str, Span)>,
}

impl Seen {
    fn new(decl: &'static str) -> Seen {
        Seen {
            decl,
            first: Vec::new(),
        }
    }

    /// `true` the first time `attr` is seen; later times report it and return `false`.
    fn first(&mut self, cx: &mut Cx<'_>, attr: &'static str, span: Span) -> bool {
        match self.first.iter().find(|(seen, _)| *seen == attr) {
            Some(&(_, first)) => {
                cx.repeated(attr, self.decl, first, span);
                false
            }
            None => {
                self.first.push((attr, span));
                true
            }
        }
    }
}

/// Lowers one `item` pair to a declaration; `None` after an internal error.
pub(crate) fn lower_item(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Item> {
    let mut nodes = Nodes::new(pair);
    let declaration = nodes.expect(cx, Rule::declaration)?;
    lower_declaration(cx, declaration)
}

/// Lowers one `declaration` pair; `None` after an internal error.
pub(crate) fn lower_declaration(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<Item> {
    let mut nodes = Nodes::new(pair);
    let Some(decl) = nodes.next() else {
        cx.internal(nodes.parent_span(cx), "empty declaration");
        return None;
    };
    Some(match decl.as_rule() {
        Rule::controller_decl => Item::Controller(settings::lower_controller(cx, decl)?),
        Rule::trust_domain_decl => Item::TrustDomain(settings::lower_trust_domain(cx, decl)?),
        Rule::firewall_default_decl => {
            Item::FirewallDefault(settings::lower_firewall_default(cx, decl)?)
        }
        Rule::severity_decl => Item::Severity(settings::lower_severity(cx, decl)?),
        Rule::purpose_decl => Item::Purpose(settings::lower_purpose(cx, decl)?),
        Rule::site_decl => Item::Site(settings::lower_site(cx, decl)?),
        Rule::data_decl => Item::Data(data::lower_data(cx, decl)?),
        Rule::service_decl => Item::Service(service::lower_service(cx, decl)?),
        Rule::flow_decl => Item::Flow(flow::lower_flow(cx, decl)?),
        Rule::transfer_decl => Item::Transfer(transfer::lower_transfer(cx, decl)?),
        Rule::waiver_decl => Item::Waiver(Box::new(waiver::lower_waiver(cx, decl)?)),
        _ => {
            cx.unexpected(&decl, "a declaration");
            return None;
        }
    })
}

/// `analytics.ingest`: the two names and the span of the whole reference.
fn lower_member_ref(cx: &mut Cx<'_>, pair: Pair<'_, Rule>) -> Option<(Ident, Ident, Span)> {
    let span = cx.span(&pair);
    let mut nodes = Nodes::new(pair);
    let service = nodes.ident(cx)?;
    let member = nodes.ident(cx)?;
    Some((service, member, span))
}

/// A comma-separated list of names (the children of a list rule after its keyword).
fn lower_names(cx: &mut Cx<'_>, nodes: Nodes<'_>) -> Vec<Ident> {
    let mut names = Vec::new();
    for pair in nodes {
        match pair.as_rule() {
            Rule::ident => names.push(cx.ident(&pair)),
            _ => cx.unexpected(&pair, "a list of names"),
        }
    }
    names
}
