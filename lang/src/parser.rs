//! Text to syntax tree: file checks, the pest parser, error recovery and humane syntax errors.
//!
//! Each file is checked for control characters, then parsed one top-level `item` at a time. A
//! syntax error becomes a diagnostic and parsing resumes at the next line that starts a
//! declaration, so one run reports every broken declaration of a file, not only the first. pest
//! errors name grammar rules; [`expected`] turns each rule into what a user would call it.

use pest::Parser as _;
use pest::error::{Error as PestError, ErrorVariant, InputLocation};

use crate::ast::{Item, Policy};
use crate::diag::{Diagnostic, codes, sort_diagnostics, suggest};
use crate::lower;
use crate::source::Sources;
use crate::span::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "ward.pest"]
pub(crate) struct WardParser;

/// Syntax errors reported per file before the rest of the file is skipped.
const MAX_SYNTAX_ERRORS: usize = 25;
/// Control characters reported per file; the rest are counted in a note.
const MAX_CONTROL_CHARACTERS: usize = 10;
/// Longest token quoted in a message; longer ones are cut with `…`.
const MAX_QUOTED_CHARS: usize = 40;

/// Words that start a top-level declaration (error recovery resumes at them).
const TOP_LEVEL_KEYWORDS: &[&str] = &[
    "controller",
    "trust_domain",
    "firewall_default",
    "severity",
    "purpose",
    "data",
    "site",
    "service",
    "external",
    "flow",
    "transfer",
    "waive",
];

/// Parses every file of `sources` into one policy (see [`crate::parse`]).
///
/// Files that [`Sources::add`] rejected (not UTF-8, too large) are skipped: their diagnostic was
/// returned by `add`.
pub(crate) fn parse_all(sources: &Sources) -> (Policy, Vec<Diagnostic>) {
    let mut policy = Policy::default();
    let mut diags = Vec::new();
    let mut skipped = false;
    for (id, file) in sources.iter() {
        if !file.valid {
            skipped = true;
            continue;
        }
        if check_control_characters(id, &file.text, &mut diags) {
            parse_file(id, &file.text, &mut policy.items, &mut diags);
        }
    }
    if policy.items.is_empty() && diags.is_empty() && !skipped {
        diags.push(empty_policy(sources));
    }
    sort_diagnostics(&mut diags);
    (policy, diags)
}

// ---------------------------------------------------------------------------------------------
// Control characters

/// Reports control characters and bidirectional overrides (comments included); `true` if none.
fn check_control_characters(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let mut found = Vec::new();
    let mut total = 0usize;
    for (at, byte) in text.bytes().enumerate() {
        // Cheap byte filter: every forbidden character starts with one of these bytes, and none
        // of them is a UTF-8 continuation byte, so `at` is a character boundary.
        if !(byte < 0x20 || byte == 0x7f || byte == 0xc2 || byte == 0xe2) {
            continue;
        }
        let Some(c) = text.get(at..).and_then(|rest| rest.chars().next()) else { continue };
        if is_forbidden_char(c) {
            total += 1;
            if found.len() < MAX_CONTROL_CHARACTERS {
                found.push((at, c));
            }
        }
    }
    let count = found.len();
    for (i, (at, c)) in found.into_iter().enumerate() {
        let mut diag = control_character(file, at, c);
        if i + 1 == count && total > count {
            diag = diag.with_note(format!(
                "{} more control characters in this file are not shown",
                total - count
            ));
        }
        diags.push(diag);
    }
    total == 0
}

/// C0 and C1 controls (and DEL) other than tab, line feed and carriage return, and the Unicode
/// bidirectional embeddings, overrides and isolates used in "Trojan Source" attacks.
fn is_forbidden_char(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn control_character(file: FileId, at: usize, c: char) -> Diagnostic {
    let code = u32::from(c);
    let name = control_char_name(c).map_or_else(String::new, |n| format!(" ({n})"));
    let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let mut diag = Diagnostic::new(
        &codes::CONTROL_CHARACTER,
        format!("control character U+{code:04X}{name} in policy text"),
    )
    .at(Span::new(file, at, at + c.len_utf8()), "invisible character here")
    .with_help("delete the character; inside a string, write `\\n` or `\\t` for a line break or a tab");
    if bidi {
        diag = diag.with_note(
            "bidirectional overrides can make text display differently from how ward reads it \
             (\"Trojan Source\", CVE-2021-42574)",
        );
    }
    diag
}

fn control_char_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{0}' => "null",
        '\u{7}' => "bell",
        '\u{8}' => "backspace",
        '\u{b}' => "vertical tab",
        '\u{c}' => "form feed",
        '\u{1b}' => "escape",
        '\u{7f}' => "delete",
        '\u{85}' => "next line",
        '\u{202a}' => "left-to-right embedding",
        '\u{202b}' => "right-to-left embedding",
        '\u{202c}' => "pop directional formatting",
        '\u{202d}' => "left-to-right override",
        '\u{202e}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Item-by-item parsing with recovery

/// Parses the items of one file, appending them to `items`.
fn parse_file(file: FileId, text: &str, items: &mut Vec<Item>, diags: &mut Vec<Diagnostic>) {
    let mut cx = lower::Cx::new(file, diags);
    let mut pos = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let mut errors = 0;
    loop {
        pos = skip_trivia(text, pos);
        let Some(rest) = text.get(pos..).filter(|rest| !rest.is_empty()) else { break };
        match WardParser::parse(Rule::item, rest) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { break };
                let end = pos + pair.as_span().end();
                items.extend(lower::lower_item(cx.at(pos), pair));
                // INVARIANT: every declaration starts with a keyword, so `end > pos`.
                if end <= pos {
                    break;
                }
                pos = end;
            }
            Err(err) => {
                errors += 1;
                let diag = syntax_error(file, text, pos, &err);
                let at = diag.primary.as_ref().map_or(pos, |l| l.span.start as usize);
                items.extend(complete_declaration(&mut cx, text, pos, at));
                let resume = resume_point(text, pos, at).filter(|_| errors < MAX_SYNTAX_ERRORS);
                cx.push(match resume {
                    None if errors == MAX_SYNTAX_ERRORS => diag.with_note(format!(
                        "ward stopped reading this file after {MAX_SYNTAX_ERRORS} syntax errors"
                    )),
                    _ => diag,
                });
                let Some(next) = resume else { break };
                pos = next;
            }
        }
    }
    cx.finish();
}

/// A declaration at `pos` that is complete on its own, when the syntax error at `at` is only in
/// what follows it (`data b personal` then a misspelt `servce`): kept, so that one typo does not
/// also make every use of `b` an error later on.
fn complete_declaration(cx: &mut lower::Cx<'_>, text: &str, pos: usize, at: usize) -> Option<Item> {
    let pair = WardParser::parse(Rule::declaration, text.get(pos..)?).ok()?.next()?;
    let end = skip_trivia(text, pos + pair.as_span().end());
    if end != at && !(at >= text.len() && end >= text.len()) {
        return None;
    }
    lower::lower_declaration(cx.at(pos), pair)
}

/// Skips whitespace and comments (the grammar's `WHITESPACE` and `COMMENT`) from `pos`.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(pos) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => pos = text.get(pos..).and_then(|r| r.find('\n')).map_or(text.len(), |n| pos + n),
            _ => break,
        }
    }
    pos
}

/// Where to resume after a syntax error at `at` in the item that starts at `start`: the first
/// line from the error on whose first token is a top-level keyword, indented no deeper than the
/// failed item (so that a `purpose` inside a broken service body is not taken for a new
/// declaration). `None`: nothing left to parse.
fn resume_point(text: &str, start: usize, at: usize) -> Option<usize> {
    let indent = start - line_start(text, start);
    let mut line = line_start(text, at);
    loop {
        let first = line + leading_blanks(text, line);
        if first > start
            && first >= at
            && first - line <= indent
            && TOP_LEVEL_KEYWORDS.contains(&word_at(text, first))
        {
            return Some(first);
        }
        line = line + text.get(line..)?.find('\n')? + 1;
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text.get(..at).and_then(|before| before.rfind('\n')).map_or(0, |n| n + 1)
}

fn leading_blanks(text: &str, from: usize) -> usize {
    text.get(from..).map_or(0, |rest| rest.len() - rest.trim_start_matches([' ', '\t']).len())
}

/// The name-like word at `at` (by the grammar's `ident` rule), or `""`.
fn word_at(text: &str, at: usize) -> &str {
    let Some(rest) = text.get(at..) else { return "" };
    let bytes = rest.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if !bytes.first().is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_') {
        return "";
    }
    let mut end = 1;
    loop {
        match bytes.get(end) {
            Some(&b) if is_name(b) => end += 1,
            Some(b'-') if bytes.get(end + 1).is_some_and(|&b| is_name(b)) => end += 2,
            _ => break,
        }
    }
    rest.get(..end).unwrap_or("")
}

fn empty_policy(sources: &Sources) -> Diagnostic {
    let diag = Diagnostic::new(&codes::EMPTY_POLICY, "the policy declares nothing");
    let Some((first, _)) = sources.iter().next() else {
        return diag.with_help("no policy files were found: check the path given to `ward`");
    };
    let label = match sources.len() {
        1 => "this file has no declarations".to_owned(),
        n => format!("neither this file nor the {} others have declarations", n - 1),
    };
    diag.at(Span::new(first, 0, 0), label)
        .with_help("a policy needs at least one declaration, such as `service` or `data`")
}

// ---------------------------------------------------------------------------------------------
// Syntax errors

/// What the parser expected, as a user would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A literal token, shown in backticks: a keyword or punctuation.
    Token(&'static str),
    /// A description such as "a name".
    Phrase(&'static str),
}

impl Expected {
    fn render(self) -> String {
        match self {
            Expected::Token(token) => format!("`{token}`"),
            Expected::Phrase(phrase) => phrase.to_owned(),
        }
    }
}

/// The human name of every non-silent rule (`None` for silent ones, which pest never reports).
/// Exhaustive on purpose: a new rule does not compile until it is listed here.
pub(crate) fn expected(rule: Rule) -> Option<Expected> {
    use Expected::{Phrase, Token};
    Some(match rule {
        Rule::WHITESPACE
        | Rule::COMMENT
        | Rule::data_attr
        | Rule::mask_value
        | Rule::service_item
        | Rule::flow_item
        | Rule::transfer_item
        | Rule::waiver_item
        | Rule::name_list
        | Rule::address_list
        | Rule::ident_char
        | Rule::kw_end
        | Rule::string_char => return None,
        Rule::EOI => Phrase("end of file"),
        Rule::policy => Phrase("a policy"),
        Rule::item | Rule::declaration | Rule::declaration_start => Phrase("a declaration"),
        Rule::controller_decl => Phrase("a `controller` declaration"),
        Rule::controller_body => Phrase("a controller body `{ ... }`"),
        Rule::contact_item | Rule::contact_kind => {
            Phrase("a contact (`dpo`, `contact`, `representative` or `address`)")
        }
        Rule::trust_domain_decl => Phrase("a `trust_domain` declaration"),
        Rule::firewall_default_decl => Phrase("a `firewall_default` declaration"),
        Rule::severity_decl => Phrase("a `severity` declaration"),
        Rule::purpose_decl => Phrase("a `purpose` declaration"),
        Rule::basis => Phrase("a lawful basis such as `basis contract`"),
        Rule::data_decl => Phrase("a `data` declaration"),
        Rule::category_attr => Phrase("a `category`"),
        Rule::subjects_attr => Phrase("a `subjects` list"),
        Rule::mask_attr => Phrase("a `mask`"),
        Rule::mask_strategy => Phrase("a masking strategy such as `partial_email`"),
        Rule::mask_args => Phrase("strategy arguments such as `(keep_last = 4)`"),
        Rule::mask_arg => Phrase("an argument such as `keep_last = 4`"),
        Rule::site_decl => Phrase("a `site` declaration"),
        Rule::location => Phrase("a location such as `aws:eu-central-1` or a site name"),
        Rule::region_ref => Phrase("a cloud region such as `aws:eu-central-1`"),
        Rule::region_name => Phrase("a region name such as `eu-central-1`"),
        Rule::service_decl => Phrase("a `service` declaration"),
        Rule::service_body => Phrase("a service body `{ ... }`"),
        Rule::hosts_item => Phrase("a `hosts` list"),
        Rule::port_item => Phrase("a `port`"),
        Rule::port_range => Phrase("a port number or range such as `8443` or `9000-9010`"),
        Rule::store_item => Phrase("a `store`"),
        Rule::retain => Phrase("a retention period such as `retain 90d`"),
        Rule::store_body => Phrase("a store body `{ ... }`"),
        Rule::table => Phrase("a `table`"),
        Rule::field => Phrase("a field such as `email: email`"),
        Rule::service_purpose_item => Phrase("a `purpose`"),
        Rule::purpose_classes => Phrase("`for` and a list of data classes"),
        Rule::operator_item => Phrase("an `operator`"),
        Rule::certified_item => Phrase("a certification such as `certified dpf`"),
        Rule::sector_item => Phrase("a `sector`"),
        Rule::firewall_item => Phrase("a `firewall` mode"),
        Rule::management_item => Phrase("a `management` rule"),
        Rule::flow_decl => Phrase("a `flow` declaration"),
        Rule::flow_body => Phrase("a flow body `{ ... }`"),
        Rule::carries_item => Phrase("a `carries` list"),
        Rule::carried => Phrase("a data class"),
        Rule::transform => {
            Phrase("a transformation (`hashed`, `tokenized`, `redacted`, `masked` or `anonymized`)")
        }
        Rule::masked => Token("masked"),
        Rule::anonymized => Phrase("`anonymized` and a justification"),
        Rule::flow_purpose_item => Phrase("a `purpose`"),
        Rule::transfer_decl => Phrase("a `transfer` declaration"),
        Rule::mechanism_item => Phrase("a `mechanism`"),
        Rule::mechanism => Phrase("a transfer mechanism such as `adequacy`, `dpf` or `scc`"),
        Rule::scc => Token("scc"),
        Rule::derogation => Phrase("`derogation` and an Art. 49 ground"),
        Rule::named_mechanism => Phrase("a transfer mechanism"),
        Rule::recipient_item => Phrase("a `recipient` list"),
        Rule::reference_item => Phrase("a `reference`"),
        Rule::waiver_decl => Phrase("a `waive` declaration"),
        Rule::subject => Phrase(
            "what is waived (`flow`, `port`, `store`, `service`, `data` or `transfer`)",
        ),
        Rule::subject_flow => Phrase("a flow such as `flow checkout -> analytics.ingest`"),
        Rule::subject_port => Phrase("a port such as `port analytics.ingest`"),
        Rule::subject_store => Phrase("a store such as `store checkout.customers`"),
        Rule::subject_service => Phrase("a service such as `service checkout`"),
        Rule::subject_data => Phrase("a data class such as `data email`"),
        Rule::subject_transfer => Phrase("a transfer such as `transfer EU -> US`"),
        Rule::reason_item => Phrase("a `reason`"),
        Rule::owner_item => Phrase("an `owner`"),
        Rule::member_ref => Phrase("a service and one of its ports or stores, such as `analytics.ingest`"),
        Rule::data_kind => {
            Phrase("a kind of data (`personal`, `special`, `criminal` or `non_personal`)")
        }
        Rule::severity_level => Phrase("a severity (`error`, `warning` or `off`)"),
        Rule::firewall_mode => Phrase("a firewall mode (`ports` or `host`)"),
        Rule::engine => Phrase(
            "a store engine (`postgres`, `mysql`, `mongodb`, `s3`, `redis`, `elasticsearch`, \
             `kafka` or `other`)",
        ),
        Rule::protocol => Phrase("a protocol (`tcp` or `udp`)"),
        Rule::transport => Phrase("a transport (`none`, `tls` or `mtls`)"),
        Rule::ident => Phrase("a name"),
        Rule::dotted => Phrase("a category such as `user.contact.email`"),
        Rule::string => Phrase("a string in double quotes"),
        Rule::number => Phrase("a number"),
        Rule::date => Phrase("a date such as `2027-03-31`"),
        Rule::address => Phrase("an IP address or CIDR such as `198.18.1.0/24`"),
        Rule::duration => Phrase("a duration such as `90d`, `6w`, `18mo` or `2y`"),
        Rule::comma => Token(","),
        Rule::colon => Token(":"),
        Rule::dot => Token("."),
        Rule::slash => Token("/"),
        Rule::dash => Token("-"),
        Rule::arrow => Token("->"),
        Rule::equals => Token("="),
        Rule::lparen => Token("("),
        Rule::lbrace => Token("{"),
        Rule::rparen => Token(")"),
        Rule::rbrace => Token("}"),
        Rule::kw_controller => Token("controller"),
        Rule::kw_trust_domain => Token("trust_domain"),
        Rule::kw_firewall_default => Token("firewall_default"),
        Rule::kw_severity => Token("severity"),
        Rule::kw_purpose => Token("purpose"),
        Rule::kw_basis => Token("basis"),
        Rule::kw_data => Token("data"),
        Rule::kw_category => Token("category"),
        Rule::kw_subjects => Token("subjects"),
        Rule::kw_mask => Token("mask"),
        Rule::kw_site => Token("site"),
        Rule::kw_country => Token("country"),
        Rule::kw_external => Token("external"),
        Rule::kw_service => Token("service"),
        Rule::kw_in => Token("in"),
        Rule::kw_hosts => Token("hosts"),
        Rule::kw_port => Token("port"),
        Rule::kw_store => Token("store"),
        Rule::kw_retain => Token("retain"),
        Rule::kw_table => Token("table"),
        Rule::kw_for => Token("for"),
        Rule::kw_operator => Token("operator"),
        Rule::kw_certified => Token("certified"),
        Rule::kw_sector => Token("sector"),
        Rule::kw_firewall => Token("firewall"),
        Rule::kw_management => Token("management"),
        Rule::kw_from => Token("from"),
        Rule::kw_flow => Token("flow"),
        Rule::kw_carries => Token("carries"),
        Rule::kw_hashed => Token("hashed"),
        Rule::kw_tokenized => Token("tokenized"),
        Rule::kw_redacted => Token("redacted"),
        Rule::kw_masked => Token("masked"),
        Rule::kw_with => Token("with"),
        Rule::kw_anonymized => Token("anonymized"),
        Rule::kw_transfer => Token("transfer"),
        Rule::kw_mechanism => Token("mechanism"),
        Rule::kw_scc => Token("scc"),
        Rule::kw_module => Token("module"),
        Rule::kw_derogation => Token("derogation"),
        Rule::kw_recipient => Token("recipient"),
        Rule::kw_reference => Token("reference"),
        Rule::kw_waive => Token("waive"),
        Rule::kw_on => Token("on"),
        Rule::kw_until => Token("until"),
        Rule::kw_reason => Token("reason"),
        Rule::kw_owner => Token("owner"),
    })
}

/// Whether a rule is a keyword or punctuation: its pair carries no value for the syntax tree.
pub(crate) fn is_token(rule: Rule) -> bool {
    matches!(expected(rule), Some(Expected::Token(_))) && !matches!(rule, Rule::masked | Rule::scc)
}

/// The words a grouped rule accepts, offered as "did you mean" suggestions.
fn words(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::contact_kind | Rule::contact_item => &["dpo", "contact", "representative", "address"],
        Rule::data_kind => &["personal", "special", "criminal", "non_personal"],
        Rule::severity_level => &["error", "warning", "off"],
        Rule::firewall_mode => &["ports", "host"],
        Rule::engine => {
            &["postgres", "mysql", "mongodb", "s3", "redis", "elasticsearch", "kafka", "other"]
        }
        Rule::protocol => &["tcp", "udp"],
        Rule::transport => &["none", "tls", "mtls"],
        Rule::transform => &["hashed", "tokenized", "redacted", "masked", "anonymized"],
        Rule::subject => &["flow", "port", "store", "service", "data", "transfer"],
        Rule::item | Rule::declaration | Rule::declaration_start => TOP_LEVEL_KEYWORDS,
        _ => &[],
    }
}

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
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "._:-/".contains(c)))
                    .unwrap_or(rest.len());
                (len, quote(rest.get(..len).unwrap_or("")))
            }
            _ if rest.starts_with("->") => (2, quote("->")),
            _ => (c.len_utf8(), quote(&c.to_string())),
        };
        Found::new(at, len, desc)
    }

    fn new(at: usize, len: usize, desc: String) -> Found {
        Found { start: at, end: at + len, desc, word: None, unterminated_string: false, eof: false }
    }

    /// The end of the file, shown right after the last token rather than on a line of its own.
    fn end_of_file(text: &str) -> Found {
        let mut found = Found::new(text.trim_end().len(), 0, "end of file".to_owned());
        found.eof = true;
        found
    }

    /// A string literal starting at `at`, or an unterminated one (up to the end of its line).
    fn string(rest: &str, at: usize) -> Found {
        let line = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1).take_while(|(i, _)| *i < line) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Found::new(at, i + 1, "a string".to_owned()),
                _ => escaped = false,
            }
        }
        let mut found = Found::new(at, line, "an unterminated string".to_owned());
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

/// The diagnostic for a pest error in the item starting at `start`.
fn syntax_error(file: FileId, text: &str, start: usize, err: &PestError<Rule>) -> Diagnostic {
    let offset = match err.location {
        InputLocation::Pos(pos) | InputLocation::Span((pos, _)) => pos,
    };
    let at = start + offset;
    let found = if at >= text.len() { Found::end_of_file(text) } else { Found::at(text, at) };
    let mut rules = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
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
        return Diagnostic::new(&codes::SYNTAX_ERROR, "this declaration is too complex to read")
            .at(found.span(file), "ward gave up here")
            .with_help("split the declaration into simpler ones");
    }
    let mut diag = Diagnostic::new(
        &codes::SYNTAX_ERROR,
        format!("expected {}, found {}", join_expected(&expected), found.desc),
    );
    let label = match expected.as_slice() {
        [one] => format!("expected {}", one.render()),
        _ => format!("unexpected {}", found.desc),
    };
    diag = diag.at(found.span(file), label);
    let cx = ErrorContext { file, text, start, at, rules: &rules, found: &found };
    add_help(diag, &cx)
}

fn unterminated_string(file: FileId, found: &Found) -> Diagnostic {
    Diagnostic::new(&codes::SYNTAX_ERROR, "unterminated string")
        .at(found.span(file), "this string has no closing `\"` on its line")
        .with_help("close the string with `\"`; a string cannot span lines, write `\\n` for a line break")
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
    if all_tokens && expected.len() > 2 { format!("one of {list}") } else { list }
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
        self.text.get(self.start..self.at)?.trim_end().chars().next_back()
    }

    fn found_starts_with(&self, pattern: impl Fn(char) -> bool) -> bool {
        self.text.get(self.at..).is_some_and(|rest| rest.starts_with(pattern))
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
    let at_declaration = cx.found.word.as_deref().is_some_and(|w| TOP_LEVEL_KEYWORDS.contains(&w))
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
    if cx.expects(Rule::declaration) || cx.expects(Rule::declaration_start) {
        if let Some(help) = declaration_help(cx, word) {
            return Some(help);
        }
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
    if cx.expects(Rule::string) && !cx.expects(Rule::ident) {
        if let Some(word) = word {
            return Some(format!("write text in double quotes: `\"{word}\"`"));
        }
    }
    if cx.previous_char() == Some(',') && !cx.expects(Rule::comma) {
        return Some("remove the trailing `,`: a list has no comma after its last element".to_owned());
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
            Some(Expected::Token(token)) if token.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                candidates.push(token);
            }
            _ => candidates.extend_from_slice(words(rule)),
        }
    }
    suggest::closest(word, candidates).map(|s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of the rules the grammar declares, with whether each is silent (`_{`).
    fn grammar_rules() -> Vec<(String, bool)> {
        let grammar = include_str!("ward.pest");
        let mut rules = Vec::new();
        for line in grammar.lines() {
            let Some((name, rest)) = line.split_once('=') else { continue };
            let name = name.trim();
            let rest = rest.trim_start();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            if line.starts_with(char::is_whitespace) || line.starts_with("//") {
                continue;
            }
            rules.push((name.to_owned(), rest.starts_with('_')));
        }
        rules
    }

    #[test]
    fn every_non_silent_rule_has_a_human_name() {
        let declared = grammar_rules();
        assert!(declared.len() > 100, "the grammar scan found {} rules", declared.len());
        for &rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            let silent = declared.iter().find(|(n, _)| *n == name).is_some_and(|(_, s)| *s);
            match expected(rule) {
                None => assert!(silent, "non-silent rule `{name}` has no human name"),
                Some(Expected::Token(token)) => assert!(!token.is_empty(), "{name}"),
                Some(Expected::Phrase(phrase)) => {
                    assert!(!silent, "silent rule `{name}` is named");
                    assert!(!phrase.ends_with('.'), "{name}: {phrase}");
                    assert!(phrase.starts_with(|c: char| c.is_lowercase() || c == '`'), "{name}");
                }
            }
        }
    }

    #[test]
    fn keyword_rules_are_named_after_their_keyword() {
        for &rule in Rule::all_rules() {
            if format!("{rule:?}").starts_with("kw_") && rule != Rule::kw_end {
                let Some(Expected::Token(word)) = expected(rule) else { panic!("{rule:?}") };
                assert_eq!(format!("{rule:?}"), format!("kw_{word}"));
            }
        }
    }

    #[test]
    fn top_level_keywords_match_the_grammar() {
        for word in TOP_LEVEL_KEYWORDS {
            let text = format!("{word} ");
            let err = WardParser::parse(Rule::item, &text).err();
            // Every top-level keyword gets past the first token.
            let pos = err.map_or(usize::MAX, |e| match e.location {
                InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
            });
            assert!(pos > 0, "{word}");
        }
    }

    #[test]
    fn whole_file_rule_agrees_with_item_by_item_parsing() {
        let cases = [
            "",
            "# only a comment\n",
            "data a personal data b special",
            "service a in aws:eu-west-1 { port p 1/tcp }\nflow a -> a.p",
            "service a in x { portal 1/tcp }",
            "data a personal\n}",
        ];
        for text in cases {
            let whole = WardParser::parse(Rule::policy, text).is_ok();
            let mut sources = Sources::new();
            sources.add("t.ward", text.as_bytes().to_vec());
            let (_, diags) = parse_all(&sources);
            let items_ok = diags.iter().all(|d| d.code.id != "P0001");
            assert_eq!(whole, items_ok, "{text:?}");
        }
    }

    #[test]
    fn resume_skips_nested_keywords() {
        let text = "service a in x {\n  portal 1\n  purpose p\n}\nflow a -> b.c\n";
        let at = text.find("portal").unwrap_or(0);
        assert_eq!(resume_point(text, 0, at), text.find("flow"));
    }
}
