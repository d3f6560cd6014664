//! Every file in `syntax/ok/` parses without diagnostics; its syntax tree is snapshotted.
//!
//! Spans are shortened to `start..end` (and names, strings and raw values to `"text" @ span`)
//! so that the snapshots read as the tree rather than as `Span { ... }` boilerplate.

use ward_lang::Sources;
use ward_lang::diag::render::HumanRenderer;

/// Regex filters that compact the `{:#?}` output of spans and leaf nodes.
fn compact_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r"Span \{\s*file: FileId\(\s*\d+,?\s*\),\s*start: (\d+),\s*end: (\d+),\s*\}",
            "$1..$2",
        ),
        (
            r"(Ident|StrLit|Raw) \{\s*(text|value): (.*),\s*span: (\d+\.\.\d+),\s*\}",
            "$1($3 @ $4)",
        ),
    ]
}

#[test]
fn ok_files_parse_without_diagnostics() {
    insta::glob!("syntax/ok/*.ward", |path| {
        let text = std::fs::read(path).unwrap();
        let mut sources = Sources::new();
        let (_, add) = sources.add(path.file_name().unwrap().to_string_lossy(), text);
        assert!(add.is_none());
        let (policy, diags) = ward_lang::parse(&sources);
        let renderer = HumanRenderer::new(false);
        let rendered: String = diags.iter().map(|d| renderer.render(d, &sources)).collect();
        assert!(diags.is_empty(), "{}:\n{rendered}", path.display());
        insta::with_settings!({ omit_expression => true, filters => compact_filters() }, {
            insta::assert_snapshot!(format!("{policy:#?}"));
        });
    });
}

/// Every ```` ```ward ```` block of the language reference parses without diagnostics.
#[test]
fn language_reference_examples_parse() {
    let doc = include_str!("../docs/language.md");
    let mut blocks = 0;
    let mut rest = doc;
    while let Some(start) = rest.find("```ward\n") {
        let body = &rest[start + "```ward\n".len()..];
        let end = body.find("```").unwrap();
        let mut sources = Sources::new();
        sources.add(
            format!("language.md block {blocks}"),
            body.as_bytes()[..end].to_vec(),
        );
        let (_, diags) = ward_lang::parse(&sources);
        let renderer = HumanRenderer::new(false);
        let rendered: String = diags.iter().map(|d| renderer.render(d, &sources)).collect();
        assert!(diags.is_empty(), "{rendered}");
        blocks += 1;
        rest = &body[end + 3..];
    }
    assert!(blocks >= 15, "only {blocks} examples found");
}
