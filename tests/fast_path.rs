//! The parser's fast path for plain flows gives exactly what pest and the lowering give.

use ward_lang::Sources;
use ward_tests::{fixtures, synth};

fn assert_same(name: &str, files: &[(String, String)]) {
    let mut sources = Sources::new();
    for (path, text) in files {
        sources.add(path.clone(), text.clone().into_bytes());
    }
    let fast = ward_lang::parse(&sources);
    let pest = ward_lang::parse_with_pest_only(&sources);
    assert!(
        fast.0 == pest.0,
        "{name}: the fast path changes the syntax tree"
    );
    assert!(
        fast.1 == pest.1,
        "{name}: the fast path changes the diagnostics"
    );
}

#[test]
fn examples_parse_the_same() {
    for name in fixtures::examples() {
        let sources = fixtures::load_example(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let files: Vec<(String, String)> = sources
            .iter()
            .map(|(_, f)| (f.path.clone(), f.text.clone()))
            .collect();
        assert_same(&name, &files);
    }
}

#[test]
fn synthetic_policies_parse_the_same() {
    for seed in 1..4 {
        let mut spec = synth::SynthSpec::new(300, 3000);
        spec.seed = seed;
        assert_same(&format!("synth seed {seed}"), &synth::generate(spec));
    }
}

#[test]
fn edge_cases_parse_the_same() {
    let cases = [
        "flow a -> b.p",
        "flow a -> b.p { }",
        "flow a->b.p{carries x}",
        "flow a -> b.p { carries x, y hashed, z tokenized , w redacted purpose q }",
        "flow a -> b.p { carries x carries y purpose q }",
        "flow a -> b.p { purpose q purpose r }",
        "flow a -> b.p { carries x masked }",
        "flow a -> b.p { carries x masked, y masked purpose q }",
        "flow a -> b.p { carries x masked with redact }",
        "flow a -> b.p { carries x masked with partial ( keep_first = 1 , keep_last=4 ) , y }",
        "flow a -> b.p { carries x masked with partial() }",
        "flow a -> b.p { carries x masked with generalize(to = year) purpose q }",
        "flow a -> b.p { carries x masked with partial(keep_last = 4x) }",
        "flow a -> b.p { carries x masked with partial(keep_last = 4,) }",
        "flow a -> b.p { carries x masked with partial(mask_char = \"*\") }",
        "flow a -> b.p { carries x masked with }",
        "flow a -> b.p { carries x masked with purpose }",
        "flow a -> b.p { carries x masked hashed }",
        "flow a -> b.p { carries x maskedy }",
        "flow a -> b.p { carries x masked with partial(keep_last = 99999999999999999999) }",
        "flow a -> b.p { carries x masked with partial(keep_last = 4) }",
        "flow a -> b.p { carries x anonymized \"k >= 20\" }",
        "flow a -> b.p { carries purpose }",
        "flow a -> b.p { carries hashed hashed }",
        "flow a -> b.p { carries x # comment\n }",
        "flow a -> b.p # comment\nflow c -> d.e",
        "flow a -> b.p { carries x, }",
        "flow a -> b.p { carries x } garbage",
        "flow a -> b.p { carries x }\nservce y in aws:eu-central-1",
        "flow a-b -> c-d.e-f { carries g-h hashed }",
        "flow a -> b.p { carries x hashedx }",
        "flow a -> b.p { carries x",
        "flow a -> b .p",
        "flow a -> b.p\tflow b -> c.d",
        "flowa -> b.p",
        "flow ab -> b.p { carriesx y }",
        "flow a -> b.p { carries x tokenized, y }\ndata x personal\ndata y non_personal",
    ];
    for case in cases {
        assert_same(case, &[("case.ward".to_string(), case.to_string())]);
    }
    let long = format!("flow {} -> b.p", "n".repeat(200));
    assert_same("long name", &[("long.ward".to_string(), long)]);
}
