//! Unit tests of tricky syntax: keyword boundaries, names with hyphens, addresses, ranges,
//! comments and layout, spans, multi-file policies and error recovery.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a panic is a test failure"
)]

use ward_lang::Sources;
use ward_lang::ast::*;
use ward_lang::diag::render::HumanRenderer;

/// Parses one file that must have no diagnostics.
fn parse_ok(text: &str) -> Vec<Item> {
    let mut sources = Sources::new();
    sources.add("test.ward", text.as_bytes().to_vec());
    let (policy, diags) = ward_lang::parse(&sources);
    let renderer = HumanRenderer::new(false);
    let rendered: String = diags.iter().map(|d| renderer.render(d, &sources)).collect();
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {text:?}:\n{rendered}"
    );
    policy.items
}

/// Parses one file and returns the codes of its diagnostics, with the items that survived.
fn parse_err(text: &str) -> (Vec<&'static str>, Vec<Item>) {
    let mut sources = Sources::new();
    sources.add("test.ward", text.as_bytes().to_vec());
    let (policy, diags) = ward_lang::parse(&sources);
    (diags.iter().map(|d| d.code.id).collect(), policy.items)
}

fn only<T>(mut items: Vec<T>) -> T {
    assert_eq!(items.len(), 1, "expected exactly one item");
    items.remove(0)
}

fn service(text: &str) -> ServiceDecl {
    match only(parse_ok(text)) {
        Item::Service(s) => s,
        other => panic!("not a service: {other:?}"),
    }
}

fn flow(text: &str) -> FlowDecl {
    match only(parse_ok(text)) {
        Item::Flow(f) => f,
        other => panic!("not a flow: {other:?}"),
    }
}

fn ports(service: &ServiceDecl) -> Vec<&PortDecl> {
    service
        .items
        .iter()
        .filter_map(|i| {
            if let ServiceItem::Port(p) = i {
                Some(p)
            } else {
                None
            }
        })
        .collect()
}

fn text_at(text: &str, span: ward_lang::Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

// ---------------------------------------------------------------------------------------------
// Keywords and names

#[test]
fn keyword_prefixed_names_are_names() {
    let s = service("service portal in aws:eu-west-1 { port portal 80/tcp  port ports 81/tcp }");
    assert_eq!(s.name.text, "portal");
    let names: Vec<&str> = ports(&s).iter().map(|p| p.name.text.as_str()).collect();
    assert_eq!(names, ["portal", "ports"]);
    assert_eq!(
        service("service service_x in site_a").name.text,
        "service_x"
    );
    assert_eq!(service("service flow-a in datacenter").name.text, "flow-a");
}

#[test]
fn keywords_can_be_names_where_a_name_is_expected() {
    let items = parse_ok("data data personal\nflow flow -> port.port\nsite site country DE");
    assert_eq!(items.len(), 3);
    let Item::Flow(f) = &items[1] else { panic!() };
    assert_eq!(
        (
            f.source.text.as_str(),
            f.target.text.as_str(),
            f.port.text.as_str()
        ),
        ("flow", "port", "port")
    );
}

#[test]
fn keyword_prefix_is_not_a_keyword() {
    // `portal 80/tcp` must not read as `port al 80/tcp`.
    let (codes, _) = parse_err("service web in aws:eu-west-1 { portal 80/tcp }");
    assert_eq!(codes, ["P0001"]);
    // Nor `hostsx` as `hosts x`, nor `maskedx` as `masked`.
    assert_eq!(
        parse_err("service web in x { hostsx 10.0.0.1 }").0,
        ["P0001"]
    );
    assert_eq!(
        parse_err("flow a -> b.c { carries email maskedx }").0,
        ["P0001"]
    );
    // A keyword followed by a hyphenated continuation is a name too.
    assert_eq!(parse_err("service web in x { port-a 80/tcp }").0, ["P0001"]);
}

#[test]
fn arrow_separates_names_but_hyphen_joins_them() {
    let f = flow("flow a->b.c");
    assert_eq!((f.source.text.as_str(), f.target.text.as_str()), ("a", "b"));
    let f = flow("flow a-b->c-d.e-f");
    assert_eq!(
        (
            f.source.text.as_str(),
            f.target.text.as_str(),
            f.port.text.as_str()
        ),
        ("a-b", "c-d", "e-f")
    );
    let f = flow("flow legacy-crm -> crm.sync-v2 { carries email }");
    assert_eq!(f.source.text, "legacy-crm");
    assert_eq!(f.port.text, "sync-v2");
}

#[test]
fn names_cannot_end_with_a_hyphen_or_start_with_a_digit() {
    assert_eq!(parse_err("data a- personal").0, ["P0001"]);
    assert_eq!(parse_err("data 1a personal").0, ["P0001"]);
    assert_eq!(parse_err("data a--b personal").0, ["P0001"]);
}

// ---------------------------------------------------------------------------------------------
// Values

#[test]
fn ipv6_and_ipv4_addresses() {
    let s = service(
        "service a in x { hosts fd00:1::/64, ::1, 2001:db8::1, ::ffff:192.0.2.1, 10.0.0.0/8 }",
    );
    let ServiceItem::Hosts(hosts) = &s.items[0] else {
        panic!()
    };
    let texts: Vec<&str> = hosts.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "fd00:1::/64",
            "::1",
            "2001:db8::1",
            "::ffff:192.0.2.1",
            "10.0.0.0/8"
        ]
    );
}

#[test]
fn values_are_lexed_loosely_and_validated_later() {
    // Out-of-range octets, odd dates and huge numbers are the compiler's to report.
    let s = service("service a in x { hosts 300.1.1.1/99  port p 99999999999999999999/tcp }");
    let ServiceItem::Hosts(hosts) = &s.items[0] else {
        panic!()
    };
    assert_eq!(hosts[0].text, "300.1.1.1/99");
    assert_eq!(ports(&s)[0].range.start.text, "99999999999999999999");
    let items = parse_ok("waive r on service a until 2027-3-1 { reason \"x\" }");
    let Item::Waiver(w) = &items[0] else { panic!() };
    assert_eq!(w.until.text, "2027-3-1");
}

#[test]
fn addresses_that_are_words_are_syntax_errors() {
    assert_eq!(
        parse_err("service a in x { hosts db.internal }").0,
        ["P0001"]
    );
    assert_eq!(parse_err("service a in x { hosts 10.0.0.1x }").0, ["P0001"]);
}

#[test]
fn port_ranges_protocols_and_transport_default() {
    let s = service(
        "service a in x { port single 80/tcp  port range 9000-9010/udp tls  port m 1-2/tcp mtls }",
    );
    let p = ports(&s);
    assert_eq!(p[0].range.start.text, "80");
    assert_eq!(p[0].range.end, None);
    assert_eq!(p[0].protocol, Protocol::Tcp);
    assert_eq!(p[0].transport, None);
    assert_eq!(
        p[1].range.end.as_ref().map(|r| r.text.as_str()),
        Some("9010")
    );
    assert_eq!(p[1].protocol, Protocol::Udp);
    assert_eq!(p[1].transport.map(|t| t.0), Some(Transport::Tls));
    assert_eq!(p[2].transport.map(|t| t.0), Some(Transport::Mtls));
    // A range is one token: no spaces around its `-`; the protocol is required.
    assert_eq!(
        parse_err("service a in x { port p 9000 - 9010/tcp }").0,
        ["P0001"]
    );
    assert_eq!(
        parse_err("service a in x { port p 9000/sctp }").0,
        ["P0001"]
    );
    assert_eq!(parse_err("service a in x { port p 9000 }").0, ["P0001"]);
}

#[test]
fn durations_need_a_known_unit() {
    for unit in ["d", "w", "mo", "y"] {
        parse_ok(&format!("service a in x {{ store s retain 3{unit} }}"));
    }
    for bad in ["3", "3m", "3days", "3 d"] {
        assert_eq!(
            parse_err(&format!("service a in x {{ store s retain {bad} }}")).0,
            ["P0001"],
            "{bad}"
        );
    }
}

#[test]
fn strings_are_unescaped() {
    let items = parse_ok(r#"purpose p "a \"quoted\" back\\slash\nnew\tline é""#);
    let Item::Purpose(p) = &items[0] else {
        panic!()
    };
    assert_eq!(
        p.description.as_ref().unwrap().value,
        "a \"quoted\" back\\slash\nnew\tline é"
    );
}

#[test]
fn unknown_escapes_are_reported_at_the_escape() {
    let text = r#"purpose p "x\qy""#;
    let mut sources = Sources::new();
    sources.add("t.ward", text.as_bytes().to_vec());
    let (policy, diags) = ward_lang::parse(&sources);
    assert_eq!(policy.items.len(), 1);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code.id, "P0005");
    assert_eq!(
        sources.snippet(diags[0].primary.as_ref().unwrap().span),
        r"\q"
    );
}

#[test]
fn strings_do_not_span_lines() {
    assert_eq!(parse_err("purpose p \"two\nlines\"").0, ["P0001"]);
}

#[test]
fn masks_with_arguments() {
    let items = parse_ok(
        r#"data a personal mask partial(keep_first = 2, keep_last=4, mask_char = "*")
           data b personal mask generalize(to = year)
           data c personal mask hash()"#,
    );
    let Item::Data(a) = &items[0] else { panic!() };
    let mask = a.mask.as_ref().unwrap();
    assert_eq!(mask.name.text, "partial");
    assert_eq!(mask.args.len(), 3);
    assert!(matches!(&mask.args[0].value, MaskValue::Number(n) if n.text == "2"));
    assert!(matches!(&mask.args[2].value, MaskValue::Str(s) if s.value == "*"));
    let Item::Data(b) = &items[1] else { panic!() };
    assert!(
        matches!(&b.mask.as_ref().unwrap().args[0].value, MaskValue::Ident(i) if i.text == "year")
    );
}

// ---------------------------------------------------------------------------------------------
// Layout and comments

#[test]
fn one_line_blocks_need_no_separators() {
    let s = service(
        "service a in aws:eu-west-1 { hosts 10.0.0.1 port p 80/tcp firewall host management 22/tcp from 10.0.0.0/8 }",
    );
    assert_eq!(s.items.len(), 4);
}

#[test]
fn comments_everywhere() {
    let text = "# head\nservice a # after name? no: after location\n in aws:eu-west-1 # x\n{ # open\n  hosts 10.0.0.1, # between list elements\n        10.0.0.2 # after\n  # alone\n} # close\nflow a -> a.p { carries # x\n email # y\n } # end without newline";
    let items = parse_ok(text);
    assert_eq!(items.len(), 2);
    let Item::Service(s) = &items[0] else {
        panic!()
    };
    let ServiceItem::Hosts(h) = &s.items[0] else {
        panic!()
    };
    assert_eq!(h.len(), 2);
}

#[test]
fn crlf_line_endings_and_byte_order_mark() {
    let items = parse_ok("\u{feff}data a personal\r\ndata b special\r\n");
    assert_eq!(items.len(), 2);
}

#[test]
fn spans_cover_exactly_the_construct() {
    let text = "data email personal category user.x   # trailing comment\n\nflow a -> b.c { carries email hashed }  \n";
    let items = parse_ok(text);
    let Item::Data(d) = &items[0] else { panic!() };
    assert_eq!(text_at(text, d.span), "data email personal category user.x");
    assert_eq!(text_at(text, d.name.span), "email");
    assert_eq!(text_at(text, d.kind_span), "personal");
    let Item::Flow(f) = &items[1] else { panic!() };
    assert_eq!(
        text_at(text, f.span),
        "flow a -> b.c { carries email hashed }"
    );
    assert_eq!(text_at(text, f.carries[0].span), "email hashed");
    assert_eq!(
        text_at(text, f.carries[0].transform.as_ref().unwrap().span),
        "hashed"
    );
}

// ---------------------------------------------------------------------------------------------
// Constructs

#[test]
fn stores_mix_tables_and_fields() {
    let s = service(
        "service a in x { store db postgres retain 30d { table t retain 1y { a: email b: name, } total: order_total, x: y } }",
    );
    let ServiceItem::Store(store) = &s.items[0] else {
        panic!()
    };
    assert_eq!(store.engine.map(|e| e.0), Some(Engine::Postgres));
    assert_eq!(store.retain.len(), 1);
    assert_eq!(store.tables.len(), 1);
    assert_eq!(store.tables[0].fields.len(), 2);
    assert_eq!(store.tables[0].retain[0].text, "1y");
    assert_eq!(store.fields.len(), 2);
    // A field named `table` is still a field.
    let s = service("service a in x { store db { table: email } }");
    let ServiceItem::Store(store) = &s.items[0] else {
        panic!()
    };
    assert_eq!(store.fields[0].name.text, "table");
}

#[test]
fn service_purposes_with_and_without_classes() {
    let s = service("service a in x { purpose p1, p2 for c1, c2  purpose p3 }");
    let purposes: Vec<&ServicePurpose> = s
        .items
        .iter()
        .filter_map(|i| {
            if let ServiceItem::Purpose(p) = i {
                Some(p)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(purposes[0].purposes.len(), 2);
    assert_eq!(purposes[0].classes.len(), 2);
    assert!(purposes[1].classes.is_empty());
    assert_eq!(parse_err("service a in x { purpose p for }").0, ["P0001"]);
}

#[test]
fn external_services() {
    let s = service(
        "external service stripe in aws:us-east-1 { operator \"Stripe, Inc.\" certified dpf sector commercial }",
    );
    assert!(s.external);
    assert!(
        matches!(&s.location, Location::Region { provider, region, .. } if provider.text == "aws" && region.text == "us-east-1")
    );
    assert!(!service("service a in fra_dc").external);
    assert!(matches!(
        service("service a in fra_dc").location,
        Location::Site(_)
    ));
}

#[test]
fn flow_transformations() {
    let f = flow(
        r#"flow a -> b.c { carries w, x hashed, y tokenized, z redacted, m masked, n masked with partial_email, o anonymized "k >= 20" purpose p }"#,
    );
    let kinds: Vec<Option<&TransformKind>> = f
        .carries
        .iter()
        .map(|c| c.transform.as_ref().map(|t| &t.kind))
        .collect();
    assert!(kinds[0].is_none());
    assert!(matches!(kinds[1], Some(TransformKind::Hashed)));
    assert!(matches!(kinds[2], Some(TransformKind::Tokenized)));
    assert!(matches!(kinds[3], Some(TransformKind::Redacted)));
    assert!(matches!(kinds[4], Some(TransformKind::Masked(None))));
    assert!(
        matches!(kinds[5], Some(TransformKind::Masked(Some(s))) if s.name.text == "partial_email")
    );
    assert!(matches!(kinds[6], Some(TransformKind::Anonymized(s)) if s.value == "k >= 20"));
    assert_eq!(f.purpose.as_ref().unwrap().text, "p");
    // Several `carries` lists add up.
    assert_eq!(
        flow("flow a -> b.c { carries x carries y, z }")
            .carries
            .len(),
        3
    );
}

#[test]
fn transfer_mechanisms() {
    let items = parse_ok(
        "transfer EU -> US { mechanism scc  mechanism scc module c2p  mechanism derogation explicit_consent  mechanism bcr  recipient a, b  recipient c  reference \"r\" }",
    );
    let Item::Transfer(t) = &items[0] else {
        panic!()
    };
    assert!(matches!(&t.mechanisms[0].kind, MechanismKind::Scc(None)));
    assert!(matches!(&t.mechanisms[1].kind, MechanismKind::Scc(Some(m)) if m.text == "c2p"));
    assert!(
        matches!(&t.mechanisms[2].kind, MechanismKind::Derogation(g) if g.text == "explicit_consent")
    );
    assert!(matches!(&t.mechanisms[3].kind, MechanismKind::Named(n) if n.text == "bcr"));
    assert_eq!(t.recipients.len(), 3);
    // `scc_eu` is a name, not `scc` with a module.
    let items = parse_ok("transfer EEA -> CH { mechanism scc_eu }");
    let Item::Transfer(t) = &items[0] else {
        panic!()
    };
    assert!(matches!(&t.mechanisms[0].kind, MechanismKind::Named(n) if n.text == "scc_eu"));
}

#[test]
fn waiver_subjects() {
    let text = "waive r on flow a -> b.c until 2027-01-01 {}
                waive r on port s.p until 2027-01-01 {}
                waive r on store s.st until 2027-01-01 {}
                waive r on service s until 2027-01-01 {}
                waive r on data c until 2027-01-01 {}
                waive r on transfer EU -> US until 2027-01-01 { reason \"x\" owner \"y\" }";
    let subjects: Vec<Subject> = parse_ok(text)
        .into_iter()
        .map(|i| {
            if let Item::Waiver(w) = i {
                w.subject
            } else {
                panic!()
            }
        })
        .collect();
    assert!(matches!(&subjects[0], Subject::Flow { source, .. } if source.text == "a"));
    assert!(matches!(&subjects[1], Subject::Port { port, .. } if port.text == "p"));
    assert!(matches!(&subjects[2], Subject::Store { store, .. } if store.text == "st"));
    assert!(matches!(&subjects[3], Subject::Service(s) if s.text == "s"));
    assert!(matches!(&subjects[4], Subject::Data(d) if d.text == "c"));
    assert!(matches!(&subjects[5], Subject::Transfer { to, .. } if to.text == "US"));
}

#[test]
fn settings() {
    let items = parse_ok(
        "controller \"C\" { dpo \"d\" contact \"c\" representative \"r\" address \"a\" }\ntrust_domain \"shop.example\"\nfirewall_default host\nseverity unused-port off\npurpose p basis consent\npurpose q \"only a description\"\nsite s country DE",
    );
    assert_eq!(items.len(), 7);
    let Item::Controller(c) = &items[0] else {
        panic!()
    };
    assert_eq!(c.contacts.len(), 4);
    assert!(matches!(&items[2], Item::FirewallDefault(m) if m.mode == FirewallMode::Host));
    assert!(matches!(&items[3], Item::Severity(s) if s.level == SeverityLevel::Off));
    assert!(matches!(&items[5], Item::Purpose(p) if p.basis.is_none() && p.description.is_some()));
}

#[test]
fn repeated_once_only_attributes() {
    assert_eq!(
        parse_err("controller \"C\" { dpo \"a\" dpo \"b\" }").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("data a personal mask redact mask hash").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("data a personal subjects x subjects y").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("service a in x { operator \"a\" operator \"b\" }").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("service a in x { sector public sector commercial }").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("waive r on data c until 2027-01-01 { owner \"a\" owner \"b\" }").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("controller \"C\" { contact \"a\" contact \"b\" }").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("service a in x { firewall host firewall ports }").0,
        ["P0008"]
    );
    assert_eq!(
        parse_err("transfer EU -> US { reference \"a\" reference \"b\" }").0,
        ["P0008"]
    );
    // Repeats stay in the tree where it has a list; a single slot keeps the first.
    let (_, items) = parse_err("waive r on data c until 2027-01-01 { reason \"a\" reason \"b\" }");
    let Item::Waiver(w) = &items[0] else { panic!() };
    assert_eq!(w.reasons.len(), 2);
    let (_, items) = parse_err("service a in x { store s retain 1d retain 2d }");
    let Item::Service(s) = &items[0] else {
        panic!()
    };
    let ServiceItem::Store(store) = &s.items[0] else {
        panic!()
    };
    assert_eq!(store.retain.len(), 2);
    let (_, items) = parse_err("data a personal category x.y category z");
    let Item::Data(d) = &items[0] else { panic!() };
    assert_eq!(d.category.as_ref().unwrap().text, "x.y");
    // Several mechanisms and recipient lists are fine.
    parse_ok("transfer EU -> US { mechanism scc mechanism dpf recipient a recipient b }");
}

#[test]
fn long_names_are_reported() {
    let ok = "a".repeat(128);
    parse_ok(&format!("data {ok} personal"));
    let long = "a".repeat(129);
    assert_eq!(parse_err(&format!("data {long} personal")).0, ["P0007"]);
}

// ---------------------------------------------------------------------------------------------
// Files and recovery

#[test]
fn several_files_form_one_policy_in_file_order() {
    let mut sources = Sources::new();
    let (a, _) = sources.add("a.ward", b"data email personal".to_vec());
    let (b, _) = sources.add("b.ward", b"# nothing here".to_vec());
    let (c, _) = sources.add("c.ward", b"service s in x\nflow s -> s.p".to_vec());
    let (policy, diags) = ward_lang::parse(&sources);
    assert!(diags.is_empty());
    let files: Vec<_> = policy
        .items
        .iter()
        .map(|i| match i {
            Item::Data(d) => d.span.file,
            Item::Service(s) => s.span.file,
            Item::Flow(f) => f.span.file,
            _ => panic!(),
        })
        .collect();
    assert_eq!(files, [a, c, c]);
    assert_ne!(a, b);
}

#[test]
fn an_error_in_one_file_does_not_hide_another() {
    let mut sources = Sources::new();
    sources.add("a.ward", b"data a personnal".to_vec());
    sources.add("b.ward", b"data b personal\nservce x in y".to_vec());
    let (policy, diags) = ward_lang::parse(&sources);
    assert_eq!(diags.len(), 2);
    assert_eq!(policy.items.len(), 1);
}

#[test]
fn recovery_reports_each_broken_declaration_and_keeps_the_rest() {
    let text = "data a personnal\ndata b personal\nservice s in x {\n  port p 80\n  purpose nested\n}\nflow s -> s.p\nflow x y\nsite z country DE";
    let (codes, items) = parse_err(text);
    assert_eq!(codes, ["P0001", "P0001", "P0001"]);
    // `data b`, `flow s -> s.p` and `site z` survive; the nested `purpose` is not a declaration.
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| !matches!(i, Item::Purpose(_))));
}

#[test]
fn recovery_stops_after_too_many_errors() {
    let text = "data a personnal\n".repeat(100);
    let (codes, _) = parse_err(&text);
    assert_eq!(codes.len(), 25);
}

#[test]
fn comments_only_is_an_empty_policy() {
    assert_eq!(parse_err("# nothing\n\n   \n").0, ["P0003"]);
    assert_eq!(parse_err("").0, ["P0003"]);
    // A file with errors is not also reported as empty.
    assert_eq!(parse_err("frobnicate").0, ["P0001"]);
}
