//! Resolver tests: one fixture per diagnostic code (`resolve/<CODE>-<name>.ward`, snapshot of
//! the human and JSON renderings), a well-formed policy with a model dump, determinism under
//! reordering, and the speed of resolving a large generated policy.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a panic is a test failure"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use ward_compiler::model::resolve::resolve;
use ward_compiler::model::{Model, codes};
use ward_compiler::reference::Reference;
use ward_lang::ast::{self, Ident, Item, Raw};
use ward_lang::diag::render::{HumanRenderer, JsonDiagnostic};
use ward_lang::{Diagnostic, FileId, Sources, Span};

/// Parses `files` (which must parse cleanly) and resolves them.
fn resolve_files(files: &[(&str, &str)]) -> (Sources, Model, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    for (path, text) in files {
        let (_, diag) = sources.add(*path, text.as_bytes().to_vec());
        assert!(diag.is_none(), "{path}: {diag:?}");
    }
    let (policy, parse_diags) = ward_lang::parse(&sources);
    let renderer = HumanRenderer::new(false);
    let rendered: String = parse_diags
        .iter()
        .map(|d| renderer.render(d, &sources))
        .collect();
    assert!(
        parse_diags.is_empty(),
        "fixture does not parse:\n{rendered}"
    );
    let (model, diags) = resolve(&policy, Reference::builtin());
    (sources, model, diags)
}

/// Human rendering (no colour) and JSON of every diagnostic, for a snapshot.
fn render(diags: &[Diagnostic], sources: &Sources) -> String {
    let renderer = HumanRenderer::new(false);
    let mut out = String::new();
    for diag in diags {
        out.push_str(&renderer.render(diag, sources));
        out.push('\n');
    }
    let json: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| JsonDiagnostic::new(d, sources))
        .collect();
    let json = serde_json::to_string_pretty(&json).unwrap();
    write!(out, "----- json -----\n{json}\n").unwrap();
    out
}

fn fixture_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/resolve"))
}

#[test]
fn diagnostics() {
    insta::glob!("resolve/*.ward", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let (sources, _, diags) = resolve_files(&[(name, &text)]);
        let code = name.split('-').next().unwrap();
        assert!(
            diags.iter().any(|d| d.code.id == code),
            "{name} does not produce {code}; it produced {:?}",
            diags.iter().map(|d| d.code.id).collect::<Vec<_>>()
        );
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(render(&diags, &sources));
        });
    });
}

#[test]
fn every_code_has_a_fixture_and_every_fixture_a_code() {
    let fixtures: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".ward"))
        .collect();
    for code in codes::ALL {
        let expected = format!("{}-{}.ward", code.id, code.name);
        assert!(
            fixtures.contains(&expected),
            "no fixture {expected} for {}",
            code.id
        );
    }
    for fixture in &fixtures {
        assert!(
            codes::ALL
                .iter()
                .any(|c| fixture == &format!("{}-{}.ward", c.id, c.name)),
            "fixture {fixture} is not named after a code of model::codes"
        );
    }
}

#[test]
fn codes_are_unique_documented_and_kebab_case() {
    let mut ids: Vec<&str> = codes::ALL.iter().map(|c| c.id).collect();
    let mut names: Vec<&str> = codes::ALL.iter().map(|c| c.name).collect();
    ids.sort_unstable();
    names.sort_unstable();
    assert!(ids.windows(2).all(|w| w[0] != w[1]), "duplicate code ids");
    assert!(
        names.windows(2).all(|w| w[0] != w[1]),
        "duplicate code names"
    );
    for code in codes::ALL {
        assert!(
            code.id.starts_with('N') || code.id.starts_with('V'),
            "{}: resolver codes are N or V",
            code.id
        );
        assert!(
            code.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{} is not kebab-case",
            code.name
        );
        for banned in ["avoid-", "use-", "prefer-", "no-"] {
            assert!(
                !code.name.starts_with(banned),
                "{} must read as `allow {}`",
                code.name,
                code.name
            );
        }
        for section in ["## What it means", "## How to fix", "## Example"] {
            assert!(
                code.explanation.contains(section),
                "{} lacks `{section}`",
                code.id
            );
        }
        assert!(
            !code.summary.ends_with('.') && code.summary.starts_with(|c: char| c.is_lowercase()),
            "{}",
            code.id
        );
    }
}

/// House style: lowercase message, no trailing period, a labelled primary span and a help.
#[test]
fn diagnostics_follow_house_style() {
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ward") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, _, diags) = resolve_files(&[("f.ward", &text)]);
        for d in diags {
            let first = d.message.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{}: {}", path.display(), d.message);
            assert!(
                !d.message.ends_with('.'),
                "{}: {}",
                path.display(),
                d.message
            );
            let primary = d
                .primary
                .as_ref()
                .unwrap_or_else(|| panic!("{}: no primary label", d.message));
            assert!(
                !primary.message.is_empty() && !primary.span.is_empty(),
                "{}",
                d.message
            );
            assert!(d.help.is_some(), "{}: no help", d.message);
        }
    }
}

const SHOP: &str = include_str!("resolve/ok/shop.ward");

#[test]
fn well_formed_policy_resolves_cleanly() {
    let (sources, model, diags) = resolve_files(&[("shop.ward", SHOP)]);
    assert!(diags.is_empty(), "{}", render(&diags, &sources));
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!("shop_model", dump(&model));
    });
}

/// Rewrites every `Span { file: FileId(f), start: s, end: e }` of a debug dump (plain or
/// pretty) with `compact(f, s, e)`.
fn map_spans(text: &str, compact: impl Fn(&[u32]) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').map_or(rest.len(), |e| at + e + 1);
        let numbers: Vec<u32> = rest[at..end]
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        out.push_str(&compact(&numbers));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The model's debug dump without spans (which differ when declarations move).
fn without_spans(model: &Model) -> String {
    map_spans(&format!("{model:?}"), |_| "Span".to_string())
}

/// The model's pretty debug dump with spans written `file:start..end`.
fn dump(model: &Model) -> String {
    map_spans(&format!("{model:#?}"), |n| match n {
        [file, start, end] => format!("{file}:{start}..{end}"),
        _ => format!("{n:?}"),
    })
}

/// The top-level declarations of a policy text, one string each (a declaration starts at a
/// line that is not indented and does not start with `}`).
fn declarations(text: &str) -> Vec<String> {
    let mut decls: Vec<String> = Vec::new();
    for line in text.lines() {
        let continues = line.starts_with(' ') || line.starts_with('}');
        match decls.last_mut() {
            Some(last) if continues => {
                last.push_str(line);
                last.push('\n');
            }
            _ => decls.push(format!("{line}\n")),
        }
    }
    decls
}

#[test]
fn model_does_not_depend_on_declaration_or_file_order() {
    let (_, model, _) = resolve_files(&[("shop.ward", SHOP)]);
    let expected = without_spans(&model);

    // Declarations reversed, in one file.
    let reversed: String = declarations(SHOP).into_iter().rev().collect();
    let (sources, reordered, diags) = resolve_files(&[("shop.ward", &reversed)]);
    assert!(diags.is_empty(), "{}", render(&diags, &sources));
    assert_eq!(without_spans(&reordered), expected);

    // Split over two files, given in both orders.
    let decls = declarations(SHOP);
    let (a, b) = decls.split_at(decls.len() / 2);
    let (a, b): (String, String) = (a.concat(), b.iter().rev().cloned().collect());
    for files in [
        [("a.ward", a.as_str()), ("b.ward", b.as_str())],
        [("b.ward", b.as_str()), ("a.ward", a.as_str())],
    ] {
        let (_, reordered, diags) = resolve_files(&files);
        assert!(diags.is_empty());
        assert_eq!(without_spans(&reordered), expected);
    }

    // The same syntax tree with its items reversed: identical, spans included.
    let mut sources = Sources::new();
    sources.add("shop.ward", SHOP.as_bytes().to_vec());
    let (mut policy, _) = ward_lang::parse(&sources);
    let (forward, _) = resolve(&policy, Reference::builtin());
    policy.items.reverse();
    for item in &mut policy.items {
        if let Item::Service(service) = item {
            service.items.reverse();
        }
    }
    let (backward, _) = resolve(&policy, Reference::builtin());
    assert_eq!(format!("{forward:?}"), format!("{backward:?}"));
}

#[test]
fn bad_items_do_not_cascade() {
    let text = "service a in aws:eu-nowhere-1 { hosts 198.18.1.0/24 port p 1/tcp }\n\
                service b in aws:eu-central-1 { hosts 198.18.2.0/24 port p 2/tcp }\n\
                flow a -> b.p\nflow b -> a.p\nwaive x on service a until 2027-01-01 { }\n\
                transfer EU -> US { recipient a }\n";
    let (sources, model, diags) = resolve_files(&[("f.ward", text)]);
    assert_eq!(diags.len(), 1, "{}", render(&diags, &sources));
    assert_eq!(diags[0].code.id, codes::UNKNOWN_REGION.id);
    assert_eq!(model.services.len(), 1);
    assert!(model.flows.is_empty());
}

// ---------------------------------------------------------------------------------------------
// A large generated policy.

fn ident(text: String) -> Ident {
    Ident {
        text,
        span: Span::default(),
    }
}

fn raw(text: String) -> Raw {
    Raw {
        text,
        span: Span::default(),
    }
}

/// `services` internal services with 3 ports each and `flows` flows between them (syntax tree
/// built directly, so that only resolution is measured). Declared in a scrambled order.
fn synthetic_policy(services: usize, flows: usize) -> ast::Policy {
    let mut items = Vec::with_capacity(services + flows + 2);
    items.push(Item::Data(ast::DataDecl {
        name: ident("email".into()),
        kind: ast::DataKind::Personal,
        kind_span: Span::default(),
        category: None,
        subjects: vec![],
        mask: None,
        span: Span::default(),
    }));
    let scramble = |i: usize, n: usize| (i * 7919) % n;
    for i in 0..services {
        let s = scramble(i, services);
        let mut body = vec![ast::ServiceItem::Hosts(vec![raw(format!(
            "10.{}.{}.0/24",
            s / 256,
            s % 256
        ))])];
        for (p, port) in ["api", "metrics", "admin"].iter().enumerate() {
            body.push(ast::ServiceItem::Port(ast::PortDecl {
                name: ident((*port).into()),
                range: ast::PortRange {
                    start: raw(format!("{}", 8000 + p)),
                    end: None,
                    span: Span::default(),
                },
                protocol: ast::Protocol::Tcp,
                transport: Some((ast::Transport::Mtls, Span::default())),
                span: Span::default(),
            }));
        }
        items.push(Item::Service(ast::ServiceDecl {
            external: false,
            name: ident(format!("service-{s:05}")),
            location: ast::Location::Region {
                provider: ident("aws".into()),
                region: ident("eu-central-1".into()),
                span: Span::default(),
            },
            items: body,
            span: Span {
                file: FileId(0),
                start: u32::try_from(s).unwrap(),
                end: u32::try_from(s).unwrap(),
            },
        }));
    }
    for f in 0..flows {
        let source = scramble(f, services);
        // Each source gets flows to distinct targets.
        let target = (source + 1 + f / services) % services;
        items.push(Item::Flow(ast::FlowDecl {
            source: ident(format!("service-{source:05}")),
            target: ident(format!("service-{target:05}")),
            port: ident("api".into()),
            carries: vec![ast::Carried {
                class: ident("email".into()),
                transform: None,
                span: Span::default(),
            }],
            purpose: None,
            span: Span {
                file: FileId(0),
                start: u32::try_from(f).unwrap(),
                end: u32::try_from(f).unwrap(),
            },
        }));
    }
    ast::Policy { items }
}

/// Release: `cargo test -p ward-compiler --release --test resolve -- large --nocapture`.
/// Debug builds resolve a tenth of the size and only check the result.
#[test]
fn large_policy_resolves_completely() {
    let scale = if cfg!(debug_assertions) { 10 } else { 1 };
    let policy = synthetic_policy(10_000 / scale, 100_000 / scale);
    let reference = Reference::builtin(); // parsed once per process, outside the measurement
    // The best of three runs: the machine may be busy with other builds.
    let mut elapsed = Duration::MAX;
    let mut result = None;
    for _ in 0..3 {
        let started = Instant::now();
        let resolved = resolve(&policy, reference);
        elapsed = elapsed.min(started.elapsed());
        result = Some(resolved);
    }
    let (model, diags) = result.unwrap();
    eprintln!(
        "resolved {} services, {} ports, {} flows in {elapsed:?}",
        model.services.len(),
        model.ports.len(),
        model.flows.len()
    );
    assert!(diags.is_empty(), "{:?}", diags.first());
    assert_eq!(model.services.len(), 10_000 / scale);
    assert_eq!(model.ports.len(), 30_000 / scale);
    assert_eq!(model.flows.len(), 100_000 / scale);
    // Timing targets live in the benchmark (`cargo bench -p ward-tests --bench pipeline`), not
    // in a test that a busy machine would make flaky.
}
