//! Making policy text safe to put into an nftables ruleset.
//!
//! Everything ward writes into a ruleset that comes from the policy (flow, service and port
//! names, waiver rules, the policy name) goes through [`sanitize`] first, whether it ends up in
//! an element or rule comment, a log prefix or a `#` line of the text form. Set and chain names
//! never come from the policy: they are fixed by the backend.
//!
//! The rules, measured on nft 1.0.6:
//! * Only printable ASCII survives, minus `"` and `\` (which would end or escape the quoted
//!   string) and `$` (nft expands `$name` inside a quoted log prefix as a variable and fails on
//!   an unknown one). Every other character, including newlines, other control characters and
//!   every non-ASCII character, becomes one `_`. `#`, `;`, `{`, `}` and `'` are harmless inside a
//!   quoted string and are kept.
//! * Comments hold at most [`COMMENT_MAX`] bytes (nft: "comment too long, 128 characters
//!   maximum allowed"), log prefixes at most [`LOG_PREFIX_MAX`] (the kernel's 128 including the
//!   terminating NUL; 128 fails with "Numerical result out of range"). Longer text is cut on a
//!   character boundary and ends in `...`.
//!
//! The same sanitised string goes into the text and the JSON form, so both load into the same
//! kernel state.

/// Longest comment nft accepts on an element or a rule, in bytes.
pub const COMMENT_MAX: usize = 128;
/// Longest log prefix the kernel accepts, in bytes.
pub const LOG_PREFIX_MAX: usize = 127;

/// What a cut string ends with.
const ELLIPSIS: &str = "...";

/// Appends `text` to `out` with every character outside printable ASCII, and `"`, `\` and `$`,
/// replaced by `_`.
pub fn push_sanitized(out: &mut String, text: &str) {
    // Fast path: policy names are identifiers, so almost every string is copied as is.
    if text.bytes().all(is_safe) {
        out.push_str(text);
        return;
    }
    out.extend(text.chars().map(|c| {
        if c.is_ascii() && is_safe(c as u8) {
            c
        } else {
            '_'
        }
    }));
}

/// `text` sanitised (see [`push_sanitized`]).
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_sanitized(&mut out, text);
    out
}

/// Sanitises `text` and cuts it to at most `max` bytes, ending in `...` when cut.
pub fn sanitize_to(text: &str, max: usize) -> String {
    let mut out = sanitize(text);
    truncate(&mut out, max);
    out
}

/// Cuts `text` to at most `max` bytes on a character boundary; a cut text ends in `...` (when
/// `max` leaves room for it).
pub fn truncate(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let keep = if max > ELLIPSIS.len() {
        max - ELLIPSIS.len()
    } else {
        max
    };
    let cut = floor_char_boundary(text, keep);
    text.truncate(cut);
    if max > ELLIPSIS.len() {
        text.push_str(ELLIPSIS);
    }
}

/// Cuts the text `out[start..]` (sanitised, so ASCII) to at most `max` bytes like
/// [`truncate`], and returns its byte range.
pub fn cut_tail(out: &mut String, start: usize, max: usize) -> (u32, u32) {
    if out.len() > start + max {
        let mut tail = out.split_off(start);
        truncate(&mut tail, max);
        out.push_str(&tail);
    }
    (start as u32, out.len() as u32)
}

/// A comment: sanitised and cut to [`COMMENT_MAX`].
pub fn comment(text: &str) -> String {
    sanitize_to(text, COMMENT_MAX)
}

/// The log prefix of a drop: `ward <policy>/<subject> <direction> drop: `, at most
/// [`LOG_PREFIX_MAX`] bytes whatever the names (the policy name is cut to 32 bytes, the
/// subject to 64).
pub fn log_prefix(policy: &str, subject: &str, direction: &str) -> String {
    let mut out = String::with_capacity(64);
    out.push_str("ward ");
    out.push_str(&sanitize_to(policy, 32));
    out.push('/');
    out.push_str(&sanitize_to(subject, 64));
    out.push(' ');
    out.push_str(&sanitize_to(direction, 8));
    out.push_str(" drop: ");
    truncate(&mut out, LOG_PREFIX_MAX);
    out
}

fn is_safe(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) && !matches!(b, b'"' | b'\\' | b'$')
}

/// The largest index `<= index` that is a character boundary of `text`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    (0..=index)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_break_out() {
        let s = sanitize("a\"b\\c$d\ne\r\tf}{;#'g\u{e9}\u{1f600}\u{0}");
        assert_eq!(s, "a_b_c_d_e__f}{;#'g___");
    }

    #[test]
    fn cut_on_char_boundary() {
        let mut s = "ab\u{e9}cd".to_string(); // é is 2 bytes at 2..4
        truncate(&mut s, 3);
        assert_eq!(s, "ab");
        let mut s = "ab\u{e9}cdefgh".to_string();
        truncate(&mut s, 6);
        assert_eq!(s, "ab...");
        let long = "x".repeat(300);
        assert_eq!(comment(&long).len(), COMMENT_MAX);
        assert!(comment(&long).ends_with("..."));
    }

    #[test]
    fn log_prefix_is_bounded() {
        let p = log_prefix(&"p\u{1f600}".repeat(100), &"s".repeat(500), "in");
        assert!(p.len() <= LOG_PREFIX_MAX, "{}", p.len());
        assert!(p.bytes().all(is_safe));
        assert_eq!(
            log_prefix("shop", "checkout", "in"),
            "ward shop/checkout in drop: "
        );
    }
}
