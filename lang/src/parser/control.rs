//! Control characters and bidirectional overrides, rejected anywhere in a file (P0006).

use crate::diag::{Diagnostic, codes};
use crate::span::{FileId, Span};

/// Control characters reported per file; the rest are counted in a note.
const MAX_CONTROL_CHARACTERS: usize = 10;

/// Reports control characters and bidirectional overrides (comments included); `true` if none.
pub(super) fn check_control_characters(
    file: FileId,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let mut found = Vec::new();
    let mut total = 0usize;
    for (at, byte) in text.bytes().enumerate() {
        // Cheap byte filter: every forbidden character starts with one of these bytes, and none
        // of them is a UTF-8 continuation byte, so `at` is a character boundary.
        if !(byte < 0x20 || byte == 0x7f || byte == 0xc2 || byte == 0xe2) {
            continue;
        }
        let Some(c) = text.get(at..).and_then(|rest| rest.chars().next()) else {
            continue;
        };
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
    .at(
        Span::new(file, at, at + c.len_utf8()),
        "invisible character here",
    )
    .with_help(
        "delete the character; inside a string, write `\\n` or `\\t` for a line break or a tab",
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser skips this check for files in which `Sources::add` found no dangerous
    /// character: the two sets must be the same.
    #[test]
    fn forbidden_is_what_sources_call_dangerous() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(
                is_forbidden_char(c),
                crate::source::is_dangerous_char(c),
                "{c:?}"
            );
        }
    }
}
