//! Syntax-error diagnostics: what was expected, what was found, and help for common mistakes.

use super::expected::{Expected, expected, words};
use super::{Failure, Rule, TOP_LEVEL_KEYWORDS, leading_blanks, line_start, word_at};
use crate::diag::{Diagnostic, codes, suggest};
use crate::span::{FileId, Span};

/// Longest token quoted in a message; longer ones are cut with `…`.
const MAX_QUOTED_CHARS: usize = 40;

/// Keywords that only make sense inside another construct, and where they belong.
const NESTED_KEYWORDS: &[(&str, &str)] = &[
    ("hosts", "the `{ ... }` of a service"),
    ("port", "the `{ ... }` of a service"),
    ("store", "the `{ ... }` of a service"),
    ("operator", "the `{ ... }` of an external service"),
    ("certified", "the `{ ... }` of an external service"),
    ("sector", "the `{ ... }` of an external service"),
    ("firewall", "the `{ ... }` of a service"),
    ("management", "the `{ ... }` of a service"),
    ("table", "the `{ ... }` of a store"),
    ("carries", "the `{ ... }` of a flow"),
    ("mechanism", "the `{ ... }` of a transfer"),
    ("recipient", "the `{ ... }` of a transfer"),
    ("reference", "the `{ ... }` of a transfer"),
    ("reason", "the `{ ... }` of a waiver"),
    ("owner", "the `{ ... }` of a waiver"),
    ("dpo", "the `{ ... }` of the controller"),
    ("representative", "the `{ ... }` of the controller"),
    ("category", "a `data` declaration, after its kind"),
    ("subjects", "a `data` declaration, after its kind"),
    ("mask", "a `data` declaration, after its kind"),
];

/// The token found where the parser gave up.
struct Found {
    start: usize,
    end: usize,
    /// How messages name it: "`portal`", "end of file", "an unterminated string".
    desc: String,
    /// The token's text when it is a name-like word.
    word: Option<String>,
    unterminated_string: bool,
    eof: bool,
}

impl Found {
    fn at(text: &str, at: usize) -> Found {
        let rest = text.get(at..).unwrap_or("");
        let Some(c) = rest.chars().next() else {
            return Found::new(at, 0, "end of file".to_owned());
        };
        let (len, desc) = match c {
            '\n' | '\r' => (c.len_utf8(), "the end of the line".to_owned()),
            ' ' => (1, "a space".to_owned()),
            '\t' => (1, "a tab".to_owned()),
            '"' => return Found::string(rest, at),
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let word = word_at(text, at);
                let mut found = Found::new(at, word.len(), quote(word));
                found.word = Some(word.to_owned());
                return found;
            }
            _ if c.is_ascii_digit() => {
                let len = rest
                    .bytes()
                    .position(|b| !(b.is_ascii_alphanumeric() || b"._:-/".contains(&b)))
                    .unwrap_or(rest.len());
                (len, quote(rest.get(..len).unwrap_or("")))
            }
            _ if rest.starts_with("->") => (2, quote("->")),
            _ => (c.len_utf8(), quote(&c.to_string())),
        };
        Found::new(at, len, desc)
    }

    fn new(at: usize, len: usize, desc: String) -> Found {
        Found {
            start: at,
            end: at + len,
            desc,
            word: None,
            unterminated_string: false,
            eof: false,
        }
    }

    /// The end of the file, shown right after the last token rather than on a line of its own.
    fn end_of_file(text: &str) -> Found {
        let mut found = Found::new(text.trim_end().len(), 0, "end of file".to_owned());
        found.eof = true;
        found
    }

    /// A string literal starting at `at`, or an unterminated one (up to the end of its line).
    fn string(rest: &str, at: usize) -> Found {
        let bytes = rest.as_bytes();
        let mut i = 1;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' => return Found::new(at, i + 1, "a string".to_owned()),
                b'\\' if bytes.get(i + 1).is_some_and(|&next| next != b'\n') => i += 2,
                b'\n' => break,
                _ => i += 1,
            }
        }
        // `i` is at a line feed, the end, or after an escape: back off to a character boundary.
        let mut end = i.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let end = rest
            .get(..end)
            .map_or(end, |s| s.trim_end_matches('\r').len());
        let mut found = Found::new(at, end, "an unterminated string".to_owned());
        found.unterminated_string = true;
        found
    }

    fn span(&self, file: FileId) -> Span {
        Span::new(file, self.start, self.end)
    }
}

/// `text` in backticks, cut to [`MAX_QUOTED_CHARS`].
fn quote(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("`{}…`", text.get(..cut).unwrap_or("")),
        None => format!("`{text}`"),
    }
}

/// The diagnostic for a syntax error in the item starting at `start`.
pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    start: usize,
    failure: &Failure,
) -> Diagnostic {
    let at = failure.at;
    let found = if at >= text.len() {
        Found::end_of_file(text)
    } else {
        Found::at(text, at)
    };
    let mut rules = failure.rules.clone();
    // Grammar order, except that "a declaration" comes last: it is the least specific.
    rules.sort_by_key(|&r| (matches!(r, Rule::declaration | Rule::declaration_start), r));
    rules.dedup();
    if found.unterminated_string {
        return unterminated_string(file, &found);
    }
    // At the end of a declaration, the end of the file is always fine too: not worth listing.
    if rules.len() > 1 {
        rules.retain(|&r| r != Rule::EOI);
    }
    let expected: Vec<Expected> = dedup(rules.iter().filter_map(|&r| expected(r)));
    if expected.is_empty() {
        return Diagnostic::new(
            &codes::SYNTAX_ERROR,
            "this declaration is too complex to read",
        )
        .at(found.span(file), "ward gave up here")
        .with_help("split the declaration into simpler ones");
    }
    let mut diag = Diagnostic::new(
        &codes::SYNTAX_ERROR,
        format!(
            "expected {}, found {}",
            join_expected(&expected),
            found.desc
        ),
    );
    let label = match expected.as_slice() {
        [one] => format!("expected {}", one.render()),
        _ => format!("unexpected {}", found.desc),
    };
    diag = diag.at(found.span(file), label);
    let cx = ErrorContext {
        file,
        text,
        start,
        at,
        rules: &rules,
        found: &found,
    };
    add_help(diag, &cx)
}

fn unterminated_string(file: FileId, found: &Found) -> Diagnostic {
    Diagnostic::new(&codes::SYNTAX_ERROR, "unterminated string")
        .at(
            found.span(file),
            "this string has no closing `\"` on its line",
        )
        .with_help(
            "close the string with `\"`; a string cannot span lines, write `\\n` for a line break",
        )
}

fn dedup(items: impl Iterator<Item = Expected>) -> Vec<Expected> {
    let mut out: Vec<Expected> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// "`a`", "`a` or `b`", "one of `a`, `b` or `c`", "a name, `,` or `}`".
fn join_expected(expected: &[Expected]) -> String {
    let rendered: Vec<String> = expected.iter().map(|e| e.render()).collect();
    let all_tokens = expected.iter().all(|e| matches!(e, Expected::Token(_)));
    let list = match rendered.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
    };
    if all_tokens && expected.len() > 2 {
        format!("one of {list}")
    } else {
        list
    }
}

/// What a help rule may look at.
struct ErrorContext<'a> {
    file: FileId,
    text: &'a str,
    /// Start of the failed item.
    start: usize,
    /// Where the parser gave up.
    at: usize,
    rules: &'a [Rule],
    found: &'a Found,
}

impl ErrorContext<'_> {
    fn expects(&self, rule: Rule) -> bool {
        self.rules.contains(&rule)
    }

    /// The first word of the failed item (`flow`, `service`, ...).
    fn item_keyword(&self) -> &str {
        word_at(self.text, self.start)
    }

    /// The last character before the error, ignoring whitespace.
    fn previous_char(&self) -> Option<char> {
        self.text
            .get(self.start..self.at)?
            .trim_end()
            .chars()
            .next_back()
    }

    fn found_starts_with(&self, pattern: impl Fn(char) -> bool) -> bool {
        self.text
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(pattern))
    }

    /// The name-like word right before the error, ignoring whitespace.
    fn previous_word(&self) -> Option<&str> {
        let before = self.text.get(self.start..self.at)?.trim_end();
        let word_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |i| i + 1);
        before.get(word_start..)
    }

    /// Whether the found token starts a line, at most as indented as the failed item.
    fn found_starts_line(&self) -> bool {
        let line = line_start(self.text, self.at);
        let first = line + leading_blanks(self.text, line);
        first == self.at && self.at - line <= self.start - line_start(self.text, self.start)
    }
}

/// Adds help (and secondary labels) for mistakes that can be recognised.
fn add_help(diag: Diagnostic, cx: &ErrorContext<'_>) -> Diagnostic {
    if let Some(open) = unclosed_brace(cx) {
        return diag
            .with_secondary(Span::new(cx.file, open, open + 1), "this `{` is not closed")
            .with_help("close the block with `}` before the next declaration");
    }
    match mistake_help(cx).or_else(|| did_you_mean(cx)) {
        Some(help) => diag.with_help(help),
        None => diag,
    }
}

/// A `}` expected where a new declaration (or the end of the file) starts: the unclosed `{`.
fn unclosed_brace(cx: &ErrorContext<'_>) -> Option<usize> {
    let at_declaration = cx
        .found
        .word
        .as_deref()
        .is_some_and(|w| TOP_LEVEL_KEYWORDS.contains(&w))
        && cx.found_starts_line();
    if !cx.expects(Rule::rbrace) || !(cx.found.eof || at_declaration) {
        return None;
    }
    unmatched_brace(cx.text, cx.start, cx.at)
}

/// The innermost `{` between `from` and `to` without its `}` (strings and comments skipped).
fn unmatched_brace(text: &str, from: usize, to: usize) -> Option<usize> {
    let mut open = Vec::new();
    let mut chars = text.get(from..to)?.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => open.push(from + i),
            '}' => {
                open.pop();
            }
            '#' => {
                chars.find(|&(_, c)| c == '\n');
            }
            '"' => {
                let mut escaped = false;
                chars.find(|&(_, c)| {
                    let end = c == '"' && !escaped || c == '\n';
                    escaped = c == '\\' && !escaped;
                    end
                });
            }
            _ => {}
        }
    }
    open.pop()
}

/// Help for a recognisable mistake, if any.
fn mistake_help(cx: &ErrorContext<'_>) -> Option<String> {
    let word = cx.found.word.as_deref();
    if (cx.expects(Rule::declaration) || cx.expects(Rule::declaration_start))
        && let Some(help) = declaration_help(cx, word)
    {
        return Some(help);
    }
    if cx.expects(Rule::slash) {
        return Some("write the protocol after the port number: `8443/tcp` or `53/udp`".to_owned());
    }
    if cx.expects(Rule::duration) && cx.found_starts_with(|c| c.is_ascii_digit()) {
        return Some(
            "a duration needs a unit: `d` (days), `w` (weeks), `mo` (months) or `y` (years), \
             as in `90d`"
                .to_owned(),
        );
    }
    if cx.expects(Rule::dot) {
        return Some(
            "name the port (or store) as well as the service, as in `analytics.ingest`".to_owned(),
        );
    }
    if cx.expects(Rule::arrow) {
        return Some(arrow_help(cx.item_keyword()).to_owned());
    }
    if cx.expects(Rule::string) && cx.previous_word() == Some("anonymized") {
        return Some(
            "`anonymized` needs a justification of why the result is no longer personal data, \
             as in `anonymized \"aggregate counts, k >= 20\"`"
                .to_owned(),
        );
    }
    if cx.expects(Rule::string)
        && !cx.expects(Rule::ident)
        && let Some(word) = word
    {
        return Some(format!("write text in double quotes: `\"{word}\"`"));
    }
    if cx.previous_char() == Some(',') && !cx.expects(Rule::comma) {
        return Some(
            "remove the trailing `,`: a list has no comma after its last element".to_owned(),
        );
    }
    None
}

fn arrow_help(item: &str) -> &'static str {
    match item {
        "transfer" => "write `->` between the two jurisdictions: `transfer EU -> US { ... }`",
        _ => "write `->` between the source and the target: `flow checkout -> analytics.ingest`",
    }
}

/// Help when a declaration was (among other things) expected.
fn declaration_help(cx: &ErrorContext<'_>, word: Option<&str>) -> Option<String> {
    if let Some((kw, place)) = NESTED_KEYWORDS.iter().find(|(kw, _)| Some(*kw) == word) {
        return Some(format!("`{kw}` can only appear inside {place}"));
    }
    if cx.found.desc == "`}`" {
        return Some("this `}` closes no block; remove it".to_owned());
    }
    if cx.rules != [Rule::declaration] {
        return None;
    }
    if let Some(help) = did_you_mean(cx) {
        return Some(help);
    }
    Some(
        "a declaration starts with `controller`, `trust_domain`, `firewall_default`, `severity`, \
         `purpose`, `data`, `site`, `service`, `external service`, `flow`, `transfer` or `waive`"
            .to_owned(),
    )
}

/// "did you mean `port`?" when the found word is close to a word the parser expected.
fn did_you_mean(cx: &ErrorContext<'_>) -> Option<String> {
    let word = cx.found.word.as_deref().filter(|w| w.len() <= 32)?;
    let mut candidates: Vec<&'static str> = Vec::new();
    for &rule in cx.rules {
        match expected(rule) {
            Some(Expected::Token(token))
                if token.starts_with(|c: char| c.is_ascii_alphabetic()) =>
            {
                candidates.push(token);
            }
            _ => candidates.extend_from_slice(words(rule)),
        }
    }
    suggest::closest(word, candidates).map(|s| format!("did you mean `{s}`?"))
}
