//! The nftables backend without a kernel: snapshots of the generated rulesets, fail-closed
//! handling of blocked flows, escaping, determinism, empty sets and the two firewall modes.
//!
//! `ward-tests` (`tests/firewall_load.rs`, `tests/firewall_netns.rs`) loads the same kind of
//! rulesets into real network namespaces.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions fail the test by panicking"
)]

use std::collections::BTreeMap;

use ward_compiler::date::Date;
use ward_compiler::emit::{EmitContext, emit_all};
use ward_compiler::pipeline::{self, Compilation};
use ward_lang::Sources;

const TODAY: &str = "2026-12-01";

/// Four internal services (one `firewall host`), an external partner, TCP and UDP, a port
/// range, IPv4 and IPv6, a blocked flow (personal data in plain text) and a waived one.
const POLICY: &str = include_str!("../../tests/policies/firewall-lab.ward");

fn compile(files: &[(&str, &str)]) -> Compilation {
    let mut sources = Sources::new();
    for (path, text) in files {
        sources.add(*path, text.as_bytes().to_vec());
    }
    let compilation = pipeline::analyse(&sources, Date::parse(TODAY).unwrap());
    assert!(
        compilation.analysis.is_some(),
        "the policy does not resolve: {:#?}",
        compilation.frontend
    );
    compilation
}

/// Every nftables artifact by path.
fn emit_named(files: &[(&str, &str)], policy_name: &str) -> BTreeMap<String, String> {
    let compilation = compile(files);
    let analysis = compilation.analysis.as_ref().unwrap();
    emit_all(&EmitContext {
        analysis,
        policy_name,
    })
    .into_iter()
    .filter(|a| a.path.starts_with("nftables/"))
    .map(|a| (a.path, a.contents))
    .collect()
}

fn emit(policy: &str) -> BTreeMap<String, String> {
    emit_named(&[("policy.ward", policy)], "lab")
}

/// The element lines of a text ruleset (inside `elements = { ... }`).
fn element_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t == "elements = {" {
            inside = true;
        } else if inside && t == "}" {
            inside = false;
        } else if inside {
            out.push(t);
        }
    }
    out
}

/// The set elements of a JSON ruleset, with the name of their set.
fn json_elements(json: &str) -> Vec<(String, serde_json::Value)> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut out = Vec::new();
    for cmd in doc["nftables"].as_array().unwrap() {
        if let Some(set) = cmd.get("add").and_then(|a| a.get("set")) {
            for elem in set
                .get("elem")
                .and_then(|e| e.as_array())
                .into_iter()
                .flatten()
            {
                out.push((
                    set["name"].as_str().unwrap().to_string(),
                    elem["elem"].clone(),
                ));
            }
        }
    }
    out
}

fn rules_of<'t>(text: &'t str, chain: &str) -> Vec<&'t str> {
    let start = format!("\tchain {chain} {{");
    text.lines()
        .skip_while(|l| *l != start)
        .skip(1)
        .take_while(|l| l.trim() != "}")
        .map(str::trim)
        .filter(|l| !l.starts_with("type filter"))
        .collect()
}

#[test]
fn artifacts_per_internal_service_and_gateway() {
    let out = emit(POLICY);
    let paths: Vec<&str> = out.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "nftables/gateway-ipv4.json",
            "nftables/gateway-ipv4.nft",
            "nftables/gateway-ipv6.json",
            "nftables/gateway-ipv6.nft",
            "nftables/hosts/api.json",
            "nftables/hosts/api.nft",
            "nftables/hosts/db.json",
            "nftables/hosts/db.nft",
            "nftables/hosts/logs.json",
            "nftables/hosts/logs.nft",
            "nftables/hosts/web.json",
            "nftables/hosts/web.nft",
        ],
        "no ruleset for the external service"
    );
}

#[test]
fn snapshots() {
    let out = emit(POLICY);
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("nftables_api_ports_mode", out["nftables/hosts/api.nft"]);
        insta::assert_snapshot!("nftables_db_host_mode", out["nftables/hosts/db.nft"]);
        insta::assert_snapshot!("nftables_gateway_ipv4", out["nftables/gateway-ipv4.nft"]);
        insta::assert_snapshot!("nftables_gateway_ipv6", out["nftables/gateway-ipv6.nft"]);
        insta::assert_snapshot!("nftables_api_json", out["nftables/hosts/api.json"]);
    });
}

#[test]
fn blocked_flows_never_become_elements() {
    let out = emit(POLICY);
    for (path, contents) in &out {
        let elements: Vec<&str> = if path.ends_with(".nft") {
            element_lines(contents)
        } else {
            vec![]
        };
        assert!(
            !elements.iter().any(|e| e.contains("web -> api.plain")),
            "{path}: the blocked flow web -> api.plain became an element"
        );
        if path.ends_with(".json") {
            assert!(
                json_elements(contents)
                    .iter()
                    .all(|(_, e)| !e["comment"].as_str().unwrap().contains("web -> api.plain")),
                "{path}: the blocked flow became a JSON element"
            );
        }
    }
    // No accepting element for port 8080 at all (the gateway's `owned` set drops it).
    for path in [
        "nftables/hosts/api.nft",
        "nftables/hosts/web.nft",
        "nftables/gateway-ipv4.nft",
        "nftables/gateway-ipv6.nft",
    ] {
        let accepting = element_lines(&out[path])
            .into_iter()
            .filter(|l| l.contains(" . 8080 ") && l.contains("\"flow "));
        assert_eq!(accepting.count(), 0, "{path}");
    }
    assert!(
        element_lines(&out["nftables/gateway-ipv4.nft"])
            .contains(&"198.18.22.0 . 8080 comment \"port api.plain\",")
    );
    // The header says why it is missing.
    let api = &out["nftables/hosts/api.nft"];
    assert!(api.contains("# Not allowed: blocked by an unwaived error finding (fail closed):\n#   web -> api.plain\n"), "{api}");
}

#[test]
fn waived_flows_name_their_waiver() {
    let out = emit(POLICY);
    let api = element_lines(&out["nftables/hosts/api.nft"]);
    assert!(
        api.contains(&"198.18.21.0/24 . 8081 comment \"flow web -> api.legacy (waived: unencrypted-personal-data until 2099-12-31)\","),
        "{api:#?}"
    );
}

#[test]
fn json_twin_has_the_same_elements_and_parses_as_nft_json() {
    let out = emit(POLICY);
    for (path, json) in out.iter().filter(|(p, _)| p.ends_with(".json")) {
        let text = &out[&path.replace(".json", ".nft")];
        let from_text: Vec<String> = element_lines(text)
            .iter()
            .map(|l| {
                l.rsplit_once(" comment ")
                    .unwrap()
                    .1
                    .trim_end_matches(',')
                    .trim_matches('"')
                    .to_string()
            })
            .collect();
        let from_json: Vec<String> = json_elements(json)
            .iter()
            .map(|(_, e)| e["comment"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            from_text, from_json,
            "{path}: element comments differ between the forms"
        );
        // An independent model of the schema: the `nftables` crate reads it back.
        let parsed: nftables::schema::Nftables = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("{path}: the nftables crate cannot read it: {e}"));
        assert!(parsed.objects.len() > 10, "{path}");
        // One command per line, one element per line.
        assert!(json.starts_with("{\"nftables\":[\n{\"metainfo\":{\"json_schema_version\":1}},\n"));
        assert!(json.ends_with("\n]}\n"));
    }
}

/// The table family a ruleset replaces: `inet` for hosts, one family per gateway file.
fn table_family(path: &str) -> &'static str {
    if path.contains("gateway-ipv4") {
        "ip"
    } else if path.contains("gateway-ipv6") {
        "ip6"
    } else {
        "inet"
    }
}

#[test]
fn atomic_replacement_preamble() {
    for (path, contents) in emit(POLICY) {
        let family = table_family(&path);
        if path.ends_with(".nft") {
            assert!(
                contents.contains(&format!(
                    "\ntable {family} ward {{}}\ndelete table {family} ward\n\ntable {family} ward {{\n"
                )),
                "{path}"
            );
            assert!(
                !contents.contains("flush"),
                "{path}: never flush (stale elements)"
            );
        } else {
            let doc: serde_json::Value = serde_json::from_str(&contents).unwrap();
            let cmds = doc["nftables"].as_array().unwrap();
            let table = serde_json::json!({"family": family, "name": "ward"});
            assert_eq!(
                cmds[1],
                serde_json::json!({"add": {"table": table}}),
                "{path}"
            );
            assert_eq!(
                cmds[2],
                serde_json::json!({"delete": {"table": table}}),
                "{path}"
            );
            assert_eq!(
                cmds[3],
                serde_json::json!({"add": {"table": table}}),
                "{path}"
            );
        }
    }
}

#[test]
fn ports_mode_and_host_mode() {
    let out = emit(POLICY);
    let api = &out["nftables/hosts/api.nft"];
    let db = &out["nftables/hosts/db.nft"];
    assert!(api.contains("type filter hook input priority filter; policy accept;"));
    assert!(api.contains("type filter hook output priority filter; policy accept;"));
    assert!(db.contains("type filter hook input priority filter; policy drop;"));
    assert!(db.contains("type filter hook output priority filter; policy drop;"));
    let api_in = rules_of(api, "input");
    assert!(api_in.contains(&"tcp dport @ports_tcp counter jump drop_in"));
    assert!(api_in.contains(&"ip saddr @peers4 counter jump drop_in"));
    assert!(rules_of(api, "output").contains(&"ip6 daddr @peers6 counter jump drop_out"));
    assert_eq!(rules_of(db, "input").last(), Some(&"counter jump drop_in"));
    assert_eq!(
        rules_of(db, "output").last(),
        Some(&"counter jump drop_out")
    );
    assert!(!db.contains("@peers"), "host mode needs no peers sets");
    // Management: db accepts it, nobody else needs a rule for it.
    assert!(
        element_lines(db).contains(&"198.18.250.0/24 . 22 comment \"management 22/tcp of db\"")
    );
    // Both modes: loopback, neighbour discovery, invalid, replies, in this order.
    for text in [api, db] {
        let rules = rules_of(text, "input");
        assert_eq!(rules[0], "iif \"lo\" accept");
        assert!(rules[1].starts_with("icmpv6 type { nd-router-solicit"));
        assert!(rules[2].starts_with("icmpv6 type { mld-listener-query"));
        assert_eq!(rules[3], "ct state invalid counter drop");
        assert_eq!(rules[4], "ct state established,related accept");
    }
    // Peers: every other service's networks, not its own.
    let peers: Vec<&str> = element_lines(api)
        .into_iter()
        .filter(|l| !l.contains(" . "))
        .collect();
    assert!(
        peers.iter().any(|l| l.starts_with("198.18.21.0/24")),
        "{peers:#?}"
    );
    assert!(
        !peers.iter().any(|l| l.starts_with("198.18.22.0/24")),
        "{peers:#?}"
    );
    // Drops are logged with a prefix naming policy and host.
    assert!(
        api.contains("limit rate 10/second burst 20 packets log prefix \"ward lab/api in drop: \"")
    );
    assert!(api.contains("log prefix \"ward lab/api out drop: \""));
    for gateway in ["nftables/gateway-ipv4.nft", "nftables/gateway-ipv6.nft"] {
        assert!(out[gateway].contains("log prefix \"ward lab/gateway fwd drop: \""));
    }
}

#[test]
fn rules_per_chain_do_not_grow_with_flows() {
    let few = emit(POLICY);
    let mut many = POLICY.to_string();
    for i in 0..40 {
        many.push_str(&format!(
            "service extra{i} in aws:eu-central-1 {{ hosts 198.19.{i}.0/24 port p 7000/tcp tls purpose operations }}\n\
             flow extra{i} -> api.rpc {{ carries metrics }}\nflow api -> extra{i}.p {{ carries metrics }}\n"
        ));
    }
    let many = emit(&many);
    for (path, chain) in [
        ("nftables/hosts/api.nft", "input"),
        ("nftables/hosts/api.nft", "output"),
        ("nftables/gateway-ipv4.nft", "forward"),
        ("nftables/gateway-ipv6.nft", "forward"),
    ] {
        assert_eq!(
            rules_of(&few[path], chain).len(),
            rules_of(&many[path], chain).len(),
            "{path} {chain}"
        );
    }
    assert!(
        element_lines(&many["nftables/hosts/api.nft"]).len()
            > element_lines(&few["nftables/hosts/api.nft"]).len() + 70
    );
}

#[test]
fn empty_sets_have_no_element_list() {
    let out = emit(
        "service alone in aws:eu-central-1 {\n  hosts 198.18.40.0/24\n  port p 7000/tcp tls\n}\n",
    );
    let text = &out["nftables/hosts/alone.nft"];
    assert!(text.contains("\tset in4_tcp {\n\t\ttype ipv4_addr . inet_service\n\t\tflags interval\n\t\tcounter\n\t}\n"), "{text}");
    assert!(!text.contains("elements = { }"));
    assert_eq!(element_lines(text), ["7000 comment \"port alone.p\""]);
    let json = &out["nftables/hosts/alone.json"];
    assert!(!json.contains("\"elem\":[]"));
    let gateway = &out["nftables/gateway-ipv4.nft"];
    assert!(gateway.contains("\tset flows4_tcp {\n\t\ttype ipv4_addr . ipv4_addr . inet_service\n\t\tflags interval\n\t}\n"), "{gateway}");
}

#[test]
fn declaration_order_does_not_change_a_byte() {
    let reference = emit(POLICY);
    // Items in reverse order, split over three files given in another order.
    let items: Vec<String> = split_items(POLICY);
    let reversed: Vec<&str> = items.iter().rev().map(String::as_str).collect();
    let third = reversed.len() / 3;
    let (a, rest) = reversed.split_at(third);
    let (b, c) = rest.split_at(third);
    let files = [
        ("z.ward", c.join("\n")),
        ("a.ward", a.join("\n")),
        ("m.ward", b.join("\n")),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let shuffled = emit_named(&files, "lab");
    assert_eq!(reference.len(), shuffled.len());
    for (path, contents) in &reference {
        assert!(
            shuffled[path] == *contents,
            "{path} differs with another declaration order"
        );
    }
    assert_eq!(emit(POLICY), reference, "two runs differ");
}

/// Top-level items of a policy: each starts at a line without indentation.
fn split_items(policy: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for line in policy.lines().filter(|l| !l.trim().is_empty()) {
        if line.starts_with(' ') || line.starts_with('}') {
            if let Some(last) = items.last_mut() {
                last.push('\n');
                last.push_str(line);
            }
        } else {
            items.push(line.to_string());
        }
    }
    items
}

#[test]
fn hostile_policy_name_is_mapped() {
    let name = "x\"; } table ip evil { chain c { type filter hook input priority 0; policy drop; } } #\n\u{1F600}$HOME\\";
    let out = emit_named(&[("policy.ward", POLICY)], name);
    let mapped = "x_; } table ip evil { chain c...";
    let api = &out["nftables/hosts/api.nft"];
    assert!(
        api.contains(&format!("log prefix \"ward {mapped}/api in drop: \"")),
        "{api}"
    );
    for (path, contents) in &out {
        for line in contents.lines() {
            if path.ends_with(".nft") && !line.starts_with('#') {
                assert_eq!(
                    line.matches('"').count() % 2,
                    0,
                    "{path}: unbalanced quotes in {line:?}"
                );
                assert!(
                    !line.contains('$') && !line.contains('\\'),
                    "{path}: {line:?}"
                );
            }
            assert!(line.is_ascii(), "{path}: {line:?}");
        }
        if path.ends_with(".nft") {
            let tables = contents.lines().filter(|l| l.starts_with("table ")).count();
            assert_eq!(
                tables, 2,
                "{path}: only `table inet ward {{}}` and the table itself"
            );
        } else {
            let doc: serde_json::Value = serde_json::from_str(contents).unwrap();
            let prefixes: Vec<&str> = doc["nftables"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| {
                    c.pointer("/add/rule/expr/1/log/prefix")
                        .and_then(|p| p.as_str())
                })
                .collect();
            assert!(
                !prefixes.is_empty()
                    && prefixes
                        .iter()
                        .all(|p| p.starts_with(&format!("ward {mapped}/"))),
                "{prefixes:?}"
            );
        }
    }
}

#[test]
fn long_names_are_cut_to_nft_limits() {
    let long = "s".repeat(120);
    let policy = format!(
        "service {long} in aws:eu-central-1 {{ hosts 198.18.50.0/24 port {long} 7000/tcp tls }}\n\
         service b in aws:eu-central-1 {{ hosts 198.18.51.0/24 port p 7001/tcp tls }}\n\
         flow b -> {long}.{long} {{ }}\n"
    );
    let out = emit_named(&[("policy.ward", &policy)], &"p".repeat(300));
    for (path, contents) in &out {
        for line in contents.lines() {
            for (i, quoted) in line.split('"').enumerate() {
                if i % 2 == 1 {
                    let limit = if line.contains("log prefix") {
                        127
                    } else {
                        128
                    };
                    assert!(
                        quoted.len() <= limit,
                        "{path}: {} bytes: {quoted}",
                        quoted.len()
                    );
                }
            }
        }
    }
    let text = &out[&format!("nftables/hosts/{long}.nft")];
    assert!(element_lines(text).iter().any(|l| {
        l.contains(&format!("comment \"flow b -> {}", &long[..20])) && l.contains("...\"")
    }));
}

#[test]
fn overlapping_elements_are_merged_never_emitted() {
    // Two management entries whose networks overlap: one element per disjoint piece, the
    // shared piece naming both.
    let policy = "service db in aws:eu-central-1 {\n  hosts 198.18.60.0/24\n  firewall host\n\
                  management 22/tcp from 198.18.0.0/16\n  management 22-23/tcp from 198.18.250.0/24\n\
                  port pg 5432/tcp tls\n}\n";
    let out = emit(policy);
    let db = element_lines(&out["nftables/hosts/db.nft"]);
    assert_eq!(
        db,
        [
            "198.18.0.0-198.18.249.255 . 22 comment \"management 22/tcp of db\",",
            "198.18.250.0/24 . 22 comment \"management 22/tcp of db; management 22-23/tcp of db\",",
            "198.18.250.0/24 . 23 comment \"management 22-23/tcp of db\",",
            "198.18.251.0-198.18.255.255 . 22 comment \"management 22/tcp of db\"",
        ]
    );
}

#[test]
fn gateway_exact_match_sets_are_capped_and_cover_every_flow() {
    // Seven services with seven prefix lengths, every ordered pair a flow: 42 flows in up to
    // 49 (source length, destination length) groups; at most 4 exact-match sets per family and
    // protocol, the rest in the interval set.
    let mut policy = String::new();
    let lens = [24, 25, 26, 27, 28, 29, 30];
    for (i, len) in lens.iter().enumerate() {
        policy.push_str(&format!(
            "service s{i} in aws:eu-central-1 {{ hosts 198.18.{}.0/{len} port p 7000/tcp tls }}\n",
            70 + i
        ));
    }
    let mut flows = 0;
    for a in 0..lens.len() {
        for b in 0..lens.len() {
            if a != b {
                policy.push_str(&format!("flow s{a} -> s{b}.p {{ }}\n"));
                flows += 1;
            }
        }
    }
    let out = emit(&policy);
    let gateway = &out["nftables/gateway-ipv4.nft"];
    let exact_sets = gateway
        .lines()
        .filter(|l| l.starts_with("\tset flows4_tcp_"))
        .count();
    assert_eq!(exact_sets, 4, "{gateway}");
    let flow_elements: Vec<&str> = element_lines(gateway)
        .into_iter()
        .filter(|l| l.contains("comment \"flow "))
        .collect();
    assert_eq!(flow_elements.len(), flows, "every flow exactly once");
    let rules = rules_of(gateway, "forward");
    assert_eq!(
        rules.iter().filter(|r| r.contains("@flows4_tcp")).count(),
        5
    );
    // An exact-match set's rule masks the addresses with its prefix lengths.
    assert!(rules.iter().any(|r| r.starts_with("ip saddr & 255.255.255.0 . ip daddr & 255.255.255.128 . tcp dport @flows4_tcp_24_25 counter accept")), "{rules:#?}");
    // JSON has the same masks.
    assert!(
        out["nftables/gateway-ipv4.json"]
            .contains(r#"{"&":[{"payload":{"protocol":"ip","field":"saddr"}},"255.255.255.0"]}"#)
    );
}
