//! The set of policy files of one run: paths, texts and line indexes.
//!
//! `lang` does no file I/O: the caller reads the bytes and hands them to [`Sources::add`], which
//! checks they are UTF-8. Line/column conversion lives here so every renderer agrees on it.

use crate::diag::{Diagnostic, Label, codes};
use crate::span::{FileId, Span};

/// Largest policy file accepted, so that spans fit in `u32` with room to spare.
pub const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;

/// One policy file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to the user (relative to the directory checked, `/`-separated).
    pub path: String,
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
    /// `false` when [`Sources::add`] reported the file (not UTF-8, too large): it is not parsed.
    pub(crate) valid: bool,
    /// The text with control characters replaced by visible ones of the same UTF-8 length,
    /// for showing excerpts on a terminal; `None` when the text has none (the common case).
    display: Option<String>,
}

impl SourceFile {
    fn new(path: String, text: String) -> SourceFile {
        let (line_starts, dangerous) = scan(&text);
        let display = dangerous.then(|| display_copy(&text));
        SourceFile {
            path,
            text,
            line_starts,
            valid: true,
            display,
        }
    }

    /// Whether the text holds a character [`is_dangerous_char`] (which the parser reports).
    pub(crate) fn has_dangerous_chars(&self) -> bool {
        self.display.is_some()
    }

    /// The text to show in excerpts: never contains terminal control sequences or
    /// bidirectional overrides, and has the same byte offsets as [`SourceFile::text`].
    pub fn display_text(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.text)
    }

    /// 0-based line containing a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// Byte offset where a 0-based line starts, if the file has that line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).map(|&s| s as usize)
    }

    /// Number of lines (a final line without a newline counts).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let end = (offset as usize).min(self.text.len());
        let column = self
            .text
            .get(line_start..end)
            .map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// All files of one policy, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a file from its raw bytes. Bytes that are not UTF-8 are replaced for display and
    /// reported as a diagnostic pointing at the first invalid byte; the file is then not parsed.
    pub fn add(&mut self, path: impl Into<String>, bytes: Vec<u8>) -> (FileId, Option<Diagnostic>) {
        let path = path.into();
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        if bytes.len() > MAX_FILE_BYTES {
            self.files.push(SourceFile {
                valid: false,
                ..SourceFile::new(path, String::new())
            });
            let diag = Diagnostic::new(
                &codes::FILE_TOO_LARGE,
                format!(
                    "policy file is {} bytes, more than the limit of {MAX_FILE_BYTES}",
                    bytes.len()
                ),
            )
            .with_primary(Label::new(Span::new(id, 0, 0), "this file"))
            .with_help("split the policy into several files in one directory");
            return (id, Some(diag));
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                self.files.push(SourceFile::new(path, text));
                (id, None)
            }
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                // The lossy text keeps every valid byte before `at` unchanged, so `at` is a
                // character boundary in it and the replacement character starts there.
                let width = text
                    .get(at..)
                    .and_then(|s| s.chars().next())
                    .map_or(0, char::len_utf8);
                self.files.push(SourceFile {
                    valid: false,
                    ..SourceFile::new(path, text)
                });
                let diag = Diagnostic::new(&codes::NOT_UTF8, "policy file is not valid UTF-8")
                    .with_primary(Label::new(
                        Span::new(id, at, at + width),
                        "invalid byte sequence here",
                    ))
                    .with_help("save the file as UTF-8; ward policies are UTF-8 text");
                (id, Some(diag))
            }
        }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The text a span covers ("" when the span is out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }
}

/// Whether a character must not reach a terminal as is: C0/C1 controls (but tab and line
/// breaks), DEL, and bidirectional embedding/override/isolate characters.
pub fn is_dangerous_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Where each line starts, and whether any character is [`is_dangerous_char`], in one pass.
///
/// Policy files are large and almost all printable ASCII, so the bytes are read eight at a time
/// and only a word holding a byte below `0x20` or from `0x7f` up (a line break, a tab, a
/// control or a non-ASCII byte) is looked at byte by byte.
fn scan(text: &str) -> (Vec<u32>, bool) {
    let bytes = text.as_bytes();
    let mut line_starts = Vec::with_capacity(bytes.len() / 64 + 1);
    line_starts.push(0);
    let mut dangerous = false;
    let mut visit = |at: usize, b: u8| match b {
        b'\n' => line_starts.push(u32::try_from(at + 1).unwrap_or(u32::MAX)),
        b'\t' | b'\r' => {}
        0..=0x1f | 0x7f => dangerous = true,
        // The lead bytes of C1 controls (U+0080..U+009F) and of bidirectional controls
        // (U+202A.., U+2066..); `at` is a character boundary, as neither is a continuation byte.
        0xc2 | 0xe2 => {
            dangerous |= text
                .get(at..)
                .and_then(|rest| rest.chars().next())
                .is_some_and(is_dangerous_char);
        }
        _ => {}
    };
    let (words, rest) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        if has_special_byte(u64::from_le_bytes(*word)) {
            for (j, &b) in word.iter().enumerate() {
                visit(i * 8 + j, b);
            }
        }
    }
    let tail = words.len() * 8;
    for (j, &b) in rest.iter().enumerate() {
        visit(tail + j, b);
    }
    (line_starts, dangerous)
}

/// Whether a byte of `word` is below `0x20` or at least `0x7f`. Each test works on the low
/// seven bits of each byte, so no sum carries into the next byte.
fn has_special_byte(word: u64) -> bool {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & LOW7;
    let below_space = !(low + 0x6060_6060_6060_6060);
    let delete = low + 0x0101_0101_0101_0101;
    (word | below_space | delete) & HIGH != 0
}

/// Replaces each dangerous character with a visible one of the same UTF-8 length, so spans
/// stay valid: `?` (1 byte), `¿` (2 bytes) or U+FFFD (3 bytes).
fn display_copy(text: &str) -> String {
    text.chars()
        .map(|c| match (is_dangerous_char(c), c.len_utf8()) {
            (false, _) => c,
            (true, 1) => '?',
            (true, 2) => '\u{BF}',
            (true, _) => '\u{FFFD}',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_hides_control_characters_and_keeps_offsets() {
        let text = "a\u{1b}[31mb\u{202e}c\u{85}d\te\n";
        let mut sources = Sources::new();
        let (id, _) = sources.add("x.ward", text.as_bytes().to_vec());
        let file = sources.get(id).unwrap();
        let shown = file.display_text();
        assert_eq!(shown.len(), text.len());
        assert!(!shown.chars().any(is_dangerous_char), "{shown:?}");
        assert!(shown.contains('\t'));
        assert_eq!(file.text, text, "the parsed text is unchanged");
    }

    #[test]
    fn scan_finds_lines_and_dangerous_characters_at_any_offset() {
        let line_starts = |text: &str| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1))
                .collect::<Vec<_>>()
        };
        let samples = [
            "",
            "a",
            "\n",
            "flow a -> b.p\n\n  x\r\n\ty ü € 𝄞\n",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{202e}b",
            "a\u{2069}",
            "a\u{206a}\u{2028}\u{a0}\u{100}",
            "\u{1b}[31m",
        ];
        for sample in samples {
            for pad in 0..9 {
                let text = format!("{}{sample}{}", " ".repeat(pad), "x".repeat(pad));
                let (starts, dangerous) = scan(&text);
                assert_eq!(starts, line_starts(&text), "{text:?}");
                assert_eq!(dangerous, text.chars().any(is_dangerous_char), "{text:?}");
            }
        }
        for byte in 0..=0x7f_u8 {
            let word = u64::from_le_bytes([b'a', b'b', byte, b'c', b'd', b'e', b'f', b'g']);
            assert_eq!(
                has_special_byte(word),
                !(0x20..0x7f).contains(&byte),
                "{byte:#x}"
            );
        }
    }
}
