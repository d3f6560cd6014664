//! The parser's fast paths (flows and services) give exactly what pest and the lowering give:
//! the same syntax tree and the same diagnostics, on everything they accept and on every near
//! miss they must leave to pest.

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
        // Strings, comments and odd whitespace.
        "flow a -> b.p { carries x anonymized \"k >= 20, DPIA-7\" purpose q }",
        "flow a -> b.p { carries x anonymized \"\" , y anonymized\"ünïcødé ✓\" }",
        "flow a -> b.p { carries x anonymized \"a \\\" b\" }",
        "flow a -> b.p { carries x anonymized \"a \\q b\" }",
        "flow a -> b.p { carries x anonymized \"unterminated }",
        "flow a -> b.p { carries x anonymized \"two\nlines\" }",
        "flow a -> b.p { carries x anonymized }",
        "flow a -> b.p { carries x masked with partial(mask_char = \"#\", keep_last = 2) }",
        "flow a -> b.p { carries x masked with partial(mask_char = \"\\\\\") }",
        "flow # c\n a # c\n -> # c\n b.p # c\n { # c\n carries # c\n x # c\n , y # c\n }",
        "flow\ta\r\n->\tb.p\r\n{\r\n\tcarries x\r\n}\r\n",
        "\u{feff}flow a -> b.p",
        "flow a -> b.p\n# trailing comment",
        "flow a -> b.p { carries x }# c\nflow c -> d.e",
        "flow a -> b. p",
        "flow a -> b .p",
        "flow a - > b.p",
        "flow a -> b.p { carries x purpose q carries y }",
        "flow a -> b.p { carries x, purpose }",
        "flow a -> b.p { carries x masked with partial(keep_last = 4) hashed }",
        "flow a -> b.p { carries naïve }",
        "flow a -> b.p { carries x } flow c -> d.e",
        "flow a -> b.p}",
        "flow port -> b.p",
        "flow a -> table.p",
        "flow a -> b.p { carries for }",
        "flow a -> b.p { carries x masked with with }",
        "flow a -> b.p { carries x masked with partial(for = 1) }",
        "flow a -> b.p { carries x masked with partial(n = for) }",
    ];
    for case in cases {
        assert_same(case, &[("case.ward".to_string(), case.to_string())]);
    }
    let long = format!("flow {} -> b.p", "n".repeat(200));
    assert_same("long name", &[("long.ward".to_string(), long)]);
    for accepted in [
        "flow a -> b.p { carries x anonymized \"k >= 20, DPIA-7\" purpose q }",
        "flow a -> b.p { carries x masked with partial(mask_char = \"#\", keep_last = 2) }",
        "flow # c\n a # c\n -> # c\n b.p # c\n { # c\n carries # c\n x # c\n , y # c\n }",
        "flow a -> b.p { carries x } flow c -> d.e",
    ] {
        assert!(
            ward_lang::fast_path_reads(accepted),
            "the fast path reads {accepted:?}"
        );
    }
    let limit = format!("flow {} -> b.p", "n".repeat(128));
    assert_same("name at the limit", &[("limit.ward".to_string(), limit)]);
}

/// A service with every body item, on which the near misses below are variations.
const FULL_SERVICE: &str = "\
external service pay-gw_1 in aws:eu-central-1 {
  hosts 198.18.0.0/29, fd00:0:0:1::/64, 203.0.113.7
  port api 8443/tcp mtls
  port dns 53/udp
  port range 9000-9010/tcp tls
  port plain 80/tcp none
  store main_db postgres retain 30d {
    table customers retain 2y { email: email, card: card_number }
    table empty { }
    total: order_total,
    note: text
  } 
  store cache redis { a: b } retain 1w
  store bare
  store logs s3 retain 6mo
  purpose billing, care for email, card_number
  purpose analytics
  operator \"Pay, Inc.\"
  certified dpf
  certified iso27001
  sector commercial
  firewall host
  management 22/tcp from 198.18.250.0/24, 198.18.251.0/24
}
";

#[test]
fn services_parse_the_same() {
    let mut cases: Vec<String> = vec![
        FULL_SERVICE.to_string(),
        "service a in fra_dc".into(),
        "service a in fra_dc { }".into(),
        "service a in aws:eu-west-1{port p 1/tcp}".into(),
        "service a in aws:eu-west-1 flow b -> a.p".into(),
        "service a in aws:eu_west-1- { }".into(),
        "service a in aws:-eu { }".into(),
        "service a in aws: eu { }".into(),
        "service a in aws :eu { }".into(),
        "service a in aws:eu.x { }".into(),
        "external  # why\n service a in x { }".into(),
        "externalservice a in x".into(),
        "service a in x { port p 1 / tcp }".into(),
        "service a in x { port p 1 -2/tcp }".into(),
        "service a in x { port p 1-/tcp }".into(),
        "service a in x { port p 1-2-3/tcp }".into(),
        "service a in x { port p 1x/tcp }".into(),
        "service a in x { port p 99999999999999999999/tcp }".into(),
        "service a in x { port p 1/tcpx }".into(),
        "service a in x { port p 1/icmp }".into(),
        "service a in x { port p 1/tcp tlsx }".into(),
        "service a in x { port p 1/tcp tls mtls }".into(),
        "service a in x { port purpose 1/tcp }".into(),
        "service a in x { portal 1/tcp }".into(),
        "service a in x { hosts 10.0.0.1/ }".into(),
        "service a in x { hosts 10.0.0.1/33 }".into(),
        "service a in x { hosts 300.1.1.1/24 }".into(),
        "service a in x { hosts deadbeef, face }".into(),
        "service a in x { hosts deadbeefx }".into(),
        "service a in x { hosts 10.0.0.1, }".into(),
        "service a in x { hosts 10.0.0.1 , 10.0.0.2 }".into(),
        "service a in x { hosts }".into(),
        "service a in x { store s retain 1d retain 2d }".into(),
        "service a in x { store s retain 1d { } retain 2d }".into(),
        "service a in x { store s { table t retain 1d { } retain 2d } }".into(),
        "service a in x { store s retain 5m }".into(),
        "service a in x { store s retain 5dx }".into(),
        "service a in x { store s postgresql }".into(),
        "service a in x { store s other retain 1y }".into(),
        "service a in x { store postgres postgres }".into(),
        "service a in x { store s { table: email } }".into(),
        "service a in x { store s { table t { a: b, } } }".into(),
        "service a in x { store s { a: b,, c: d } }".into(),
        "service a in x { store s { a : b c: d } }".into(),
        "service a in x { store s { a: b } { c: d } }".into(),
        "service a in x { store s { table t } }".into(),
        "service a in x { purpose }".into(),
        "service a in x { purpose a, }".into(),
        "service a in x { purpose a for }".into(),
        "service a in x { purpose for }".into(),
        "service a in x { purpose a for b for c }".into(),
        "service a in x { operator \"A\" operator \"B\" }".into(),
        "service a in x { operator \"A \\\"B\\\"\" }".into(),
        "service a in x { operator \"A \\x\" }".into(),
        "service a in x { operator unquoted }".into(),
        "service a in x { sector public sector commercial }".into(),
        "service a in x { firewall host firewall ports }".into(),
        "service a in x { firewall hosts }".into(),
        "service a in x { certified dpf certified dpf }".into(),
        "service a in x { management 22/tcp }".into(),
        "service a in x { management 22/tcp from }".into(),
        "service a in x { management 22-23/udp from 10.0.0.0/8 }".into(),
        "service a in x { port p 1/tcp".into(),
        "service a in x { port p 1/tcp }}".into(),
        "service a in x { port p 1/tcp } garbage".into(),
        "service a in x {\nport p 1/tcp\n\nflow a -> a.p".into(),
        "service a in x {\n  # comment { }\n  port p 1/tcp # trailing\n}\n".into(),
        "service ünï in x { }".into(),
        "service a in x { port p 1/tcp }\nservice a in x { port p 1/tcp }".into(),
        "service in in x".into(),
        "service a in in".into(),
        "service a in x:in".into(),
    ];
    cases.push(format!("service {} in x", "s".repeat(129)));
    cases.push(format!("service a in aws:{}", "r".repeat(129)));
    cases.push(format!(
        "service a in x {{ port {} 1/tcp }}",
        "p".repeat(129)
    ));
    // Every prefix of the full service: each is a near miss that must fail in pest, not here.
    let full = FULL_SERVICE;
    for cut in (1..full.len()).filter(|&i| full.is_char_boundary(i)) {
        cases.push(full[..cut].to_string());
    }
    for case in &cases {
        assert_same(case, &[("case.ward".to_string(), case.clone())]);
    }
    let accepted = [
        FULL_SERVICE,
        "service a in fra_dc",
        "service a in aws:eu-west-1{port p 1/tcp}",
        "service a in aws:eu-west-1 flow b -> a.p",
        "service a in x { store s { table t { a: b, } } }",
        "service a in x { management 22-23/udp from 10.0.0.0/8 }",
        "service a in x {\n  # comment { }\n  port p 1/tcp # trailing\n}\n",
        "service a in x { port p 99999999999999999999/tcp }",
        "service a in x { hosts 300.1.1.1/24 }",
    ];
    for case in accepted {
        assert!(
            ward_lang::fast_path_reads(case),
            "the fast path reads {case:?}"
        );
    }
}

/// The full service and a flow in one file, in every combination of the blanks between their
/// tokens: one space, none where allowed, a line break, a comment.
#[test]
fn separators_parse_the_same() {
    let text = format!(
        "{FULL_SERVICE}flow pay-gw_1 -> pay-gw_1.api {{ carries email masked with partial(keep_last = 4), card hashed  purpose billing }}\n"
    );
    for sep in ["", " ", "\n", "\t", " # note\n", "#\n", "\r\n"] {
        let mut variant = String::new();
        let mut in_string = false;
        for c in text.chars() {
            if c == '"' {
                in_string = !in_string;
            }
            if c == ' ' && !in_string {
                variant.push_str(if sep.is_empty() { " " } else { sep });
            } else {
                variant.push(c);
            }
            // No blank at all where the grammar allows it: after punctuation.
            if !in_string && matches!(c, ',' | '{' | '(' | '=') && !sep.is_empty() {
                variant.push_str(sep);
            }
        }
        assert!(
            ward_lang::fast_path_reads(&variant),
            "fast path, separator {sep:?}"
        );
        assert_same(
            &format!("separator {sep:?}"),
            &[("sep.ward".to_string(), variant)],
        );
    }
}
