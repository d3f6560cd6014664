//! Text to syntax tree: file checks, the pest parser and error recovery.
//!
//! Each file is checked for control characters ([`control`]), then parsed one top-level `item`
//! at a time. A syntax error becomes a diagnostic ([`syntax_error`]) and parsing resumes at the
//! next line that starts a declaration, so one run reports every broken declaration of a file,
//! not only the first. pest errors name grammar rules; [`expected`] turns each rule into what a
//! user would call it.

mod control;
mod expected;
mod fast;
mod syntax_error;

pub(crate) use expected::is_token;

use pest::Parser as _;
use pest::error::{Error as PestError, ErrorVariant, InputLocation};
use pest::iterators::Pair;

use self::control::check_control_characters;
use self::syntax_error::syntax_error;
use crate::ast::{Item, Policy};
use crate::diag::{Diagnostic, codes, sort_diagnostics};
use crate::lower;
use crate::source::Sources;
use crate::span::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "ward.pest"]
pub(crate) struct WardParser;

/// Syntax errors reported per file before the rest of the file is skipped.
const MAX_SYNTAX_ERRORS: usize = 25;

/// Words that start a top-level declaration (error recovery resumes at them).
pub const TOP_LEVEL_KEYWORDS: &[&str] = &[
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
pub(crate) fn parse_all(sources: &Sources, fast_paths: bool) -> (Policy, Vec<Diagnostic>) {
    let files: Vec<FileText<'_>> = sources
        .iter()
        .filter(|(_, f)| f.valid)
        .map(|(id, f)| FileText {
            id,
            text: f.text.as_str(),
            controls: f.has_dangerous_chars(),
        })
        .collect();
    let skipped = files.len() != sources.len();
    let parsed = parse_files_in_parallel(&files, fast_paths);
    let mut policy = Policy {
        items: Vec::with_capacity(parsed.iter().map(|(items, _)| items.len()).sum()),
    };
    let mut diags = Vec::new();
    for (items, file_diags) in parsed {
        policy.items.extend(items);
        diags.extend(file_diags);
    }
    if policy.items.is_empty() && diags.is_empty() && !skipped {
        diags.push(empty_policy(sources));
    }
    sort_diagnostics(&mut diags);
    (policy, diags)
}

/// A file to parse.
struct FileText<'a> {
    id: FileId,
    text: &'a str,
    /// Whether [`Sources::add`] found control characters (the same set as
    /// [`check_control_characters`], which then says where): most files have none, and need not
    /// be read a second time for them.
    controls: bool,
}

/// Parses each file on its own (they are independent), spread over the available cores, and
/// returns the results in file order so the output does not depend on scheduling.
fn parse_files_in_parallel(
    files: &[FileText<'_>],
    fast_paths: bool,
) -> Vec<(Vec<Item>, Vec<Diagnostic>)> {
    let parse_one = |file: &FileText<'_>| {
        let (id, text) = (file.id, file.text);
        // About one declaration per 100 bytes in large policies; reserving more than is used
        // costs address space only, while growing copies every item again.
        let mut items = Vec::with_capacity(text.len() / 64);
        let mut diags = Vec::new();
        if !file.controls || check_control_characters(id, text, &mut diags) {
            parse_file(id, text, fast_paths, &mut items, &mut diags);
        }
        (items, diags)
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(files.len());
    if workers <= 1 {
        return files.iter().map(parse_one).collect();
    }
    // Contiguous chunks of roughly equal text size, one per worker.
    let total: usize = files.iter().map(|f| f.text.len()).sum();
    let mut chunks: Vec<&[FileText<'_>]> = Vec::with_capacity(workers);
    let mut start = 0;
    let mut size = 0;
    for (i, file) in files.iter().enumerate() {
        size += file.text.len();
        if size * workers >= total * (chunks.len() + 1) && chunks.len() + 1 < workers {
            chunks.push(files.get(start..=i).unwrap_or_default());
            start = i + 1;
        }
    }
    chunks.push(files.get(start..).unwrap_or_default());
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| scope.spawn(move || chunk.iter().map(parse_one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            // A worker cannot fail short of a bug; if one panics, the panic goes on as it
            // would have without threads, rather than the file being silently dropped.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Item-by-item parsing with recovery

/// Parses the items of one file, appending them to `items`.
fn parse_file(
    file: FileId,
    text: &str,
    fast_paths: bool,
    items: &mut Vec<Item>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut cx = lower::Cx::new(file, diags);
    let mut pos = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut errors = 0;
    let mut scratch = fast::Scratch::default();
    loop {
        pos = skip_trivia(text, pos);
        if pos >= text.len() {
            break;
        }
        if fast_paths && let Some((item, end)) = fast::declaration(file, text, pos, &mut scratch) {
            items.push(item);
            pos = end;
            continue;
        }
        match parse_item(text, pos) {
            Ok(pair) => {
                let end = pos + pair.as_span().end();
                items.extend(lower::lower_item(cx.at(pos), pair));
                // INVARIANT: every declaration starts with a keyword, so `end > pos`.
                if end <= pos {
                    break;
                }
                pos = end;
            }
            Err(failure) => {
                errors += 1;
                let mut diag = syntax_error(file, text, pos, &failure);
                items.extend(complete_declaration(&mut cx, text, pos, failure.at));
                let resume = resume_point(text, pos, failure.at);
                if errors == MAX_SYNTAX_ERRORS && resume.is_some() {
                    diag = diag.with_note(format!(
                        "ward stopped reading this file after {MAX_SYNTAX_ERRORS} syntax errors"
                    ));
                }
                cx.push(diag);
                match resume {
                    Some(next) if errors < MAX_SYNTAX_ERRORS => pos = next,
                    _ => break,
                }
            }
        }
    }
    cx.finish();
}

/// See [`crate::fast_path_reads`].
pub(crate) fn fast_path_reads(text: &str) -> bool {
    let pos = skip_trivia(text, 0);
    fast::declaration(FileId(0), text, pos, &mut fast::Scratch::default()).is_some()
}

/// Why an item did not parse: where (file offset) and what the parser expected there.
struct Failure {
    at: usize,
    rules: Vec<Rule>,
}

/// Parses the item starting at `pos` (after trivia).
///
/// pest reads only up to the next line that starts a declaration at column 0, which is where
/// the item normally ends: building a pest error costs time proportional to the rest of its
/// input, and a file with many errors would otherwise be quadratic. If the parse fails exactly
/// at that cut (an unclosed `{`, an unindented body), it is redone on the rest of the file.
fn parse_item(text: &str, pos: usize) -> Result<Pair<'_, Rule>, Failure> {
    // Not a declaration at all: no need to ask pest, which would say just that.
    if !starts_with_keyword(text, pos, TOP_LEVEL_KEYWORDS) {
        return Err(Failure {
            at: pos,
            rules: vec![Rule::declaration],
        });
    }
    let rest = text.get(pos..).unwrap_or("");
    let window =
        next_declaration_line(text, pos).map_or(rest, |end| text.get(pos..end).unwrap_or(rest));
    let result = match WardParser::parse(Rule::item, window) {
        Err(err) if window.len() < rest.len() && error_offset(&err) >= window.len() => {
            WardParser::parse(Rule::item, rest)
        }
        result => result,
    };
    match result {
        Ok(mut pairs) => pairs.next().ok_or(Failure {
            at: pos,
            rules: Vec::new(),
        }),
        Err(err) => {
            let at = pos + error_offset(&err);
            let rules = match err.variant {
                ErrorVariant::ParsingError { positives, .. } => positives,
                ErrorVariant::CustomError { .. } => Vec::new(),
            };
            Err(Failure { at, rules })
        }
    }
}

fn error_offset(err: &PestError<Rule>) -> usize {
    match err.location {
        InputLocation::Pos(pos) | InputLocation::Span((pos, _)) => pos,
    }
}

/// The start of the first line after `pos` that begins, at column 0, with a top-level keyword.
fn next_declaration_line(text: &str, pos: usize) -> Option<usize> {
    let mut line = pos;
    loop {
        line += text.get(line..)?.find('\n')? + 1;
        if starts_with_keyword(text, line, TOP_LEVEL_KEYWORDS) {
            return Some(line);
        }
    }
}

/// Whether one of `keywords` starts at `at`, ending as the grammar's `kw_end` requires.
fn starts_with_keyword(text: &str, at: usize, keywords: &[&str]) -> bool {
    let Some(rest) = text.get(at..) else {
        return false;
    };
    // Called after every declaration: the first byte rules out most keywords without a `memcmp`.
    let first = rest.as_bytes().first();
    keywords.iter().any(|kw| {
        kw.as_bytes().first() == first
            && rest.starts_with(kw)
            && !rest
                .as_bytes()
                .get(kw.len())
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// A declaration at `pos` that is complete on its own, when the syntax error at `at` is only in
/// what follows it (`data b personal` then a misspelt `servce`): kept, so that one typo does not
/// also make every use of `b` an error later on.
fn complete_declaration(cx: &mut lower::Cx<'_>, text: &str, pos: usize, at: usize) -> Option<Item> {
    if at <= pos {
        return None;
    }
    // The declaration has to end before the error, so the text after it is not needed.
    let before = text.get(pos..at)?;
    let pair = WardParser::parse(Rule::declaration, before).ok()?.next()?;
    if skip_trivia(text, pos + pair.as_span().end()) != at {
        return None;
    }
    lower::lower_declaration(cx.at(pos), pair)
}

/// Skips whitespace and comments (the grammar's `WHITESPACE` and `COMMENT`) from `pos`.
pub(crate) fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(pos) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                pos = text
                    .get(pos..)
                    .and_then(|r| r.find('\n'))
                    .map_or(text.len(), |n| pos + n)
            }
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
            && starts_with_keyword(text, first, TOP_LEVEL_KEYWORDS)
        {
            return Some(first);
        }
        line = line + text.get(line..)?.find('\n')? + 1;
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |n| n + 1)
}

fn leading_blanks(text: &str, from: usize) -> usize {
    text.get(from..).map_or(0, |rest| {
        rest.len() - rest.trim_start_matches([' ', '\t']).len()
    })
}

/// The name-like word at `at` (by the grammar's `ident` rule), or `""`.
fn word_at(text: &str, at: usize) -> &str {
    let Some(rest) = text.get(at..) else {
        return "";
    };
    let bytes = rest.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if !bytes
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
    {
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
        n => format!(
            "neither this file nor the {} others have declarations",
            n - 1
        ),
    };
    diag.at(Span::new(first, 0, 0), label)
        .with_help("a policy needs at least one declaration, such as `service` or `data`")
}

#[cfg(test)]
mod tests {
    use super::*;

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
            // Items that run past a line starting with a top-level keyword (the parse window).
            "service a in x {\npurpose p\n}\nflow a -> a.p",
            "data a personal subjects\npurpose\nsite s country DE",
            "waive r on service\nflow until 2027-01-01 {}",
            "service a in x {\nport p 1/tcp\n\nflow a -> a.p",
        ];
        for text in cases {
            let whole = WardParser::parse(Rule::policy, text).is_ok();
            let mut sources = Sources::new();
            sources.add("t.ward", text.as_bytes().to_vec());
            let (_, diags) = parse_all(&sources, true);
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
