//! Self-test of the network lab (`ward_tests::netns`): real namespaces, real nft, real TCP/UDP.
//!
//! Needs root and `nft`; without them the tests FAIL, unless `WARD_SKIP_NETNS=1` is set (then
//! they print a skip line and pass).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "test helpers outside #[test] functions fail the test by panicking and report timings"
)]

use std::io::Write as _;
use std::net::IpAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use ipnet::IpNet;
use ward_tests::netns::{HOST_IFNAME, Lab, Outcome, Probe, Target, lab_available};

use Outcome::{Connected, Refused, Timeout};

fn new_lab(tag: &str) -> Lab {
    Lab::new(tag)
        .unwrap()
        .with_nettool(env!("CARGO_BIN_EXE_nettool"))
}

fn net(text: &str) -> IpNet {
    text.parse().unwrap()
}

#[track_caller]
fn ok(phase: &str, result: Result<(), String>) {
    if let Err(e) = result {
        panic!("{phase}:\n{e}");
    }
}

fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    path
}

fn surviving(prefix: &str) -> Vec<String> {
    Lab::list_namespaces()
        .unwrap()
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// Allows tcp 8080 from A's networks (and, with `nd`, IPv6 neighbour discovery) on B.
fn b_ruleset_text(nd: bool) -> String {
    let nd = if nd {
        "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, \
         nd-router-advert } accept"
    } else {
        "# no neighbour discovery"
    };
    format!(
        "table inet ward {{}}\n\
         delete table inet ward\n\
         table inet ward {{\n\
         \tchain input {{\n\
         \t\ttype filter hook input priority filter; policy drop;\n\
         \t\tct state established,related accept\n\
         \t\tiif lo accept\n\
         \t\t{nd}\n\
         \t\tip saddr 198.18.1.0/24 tcp dport 8080 accept\n\
         \t\tip6 saddr fd00:1::/64 tcp dport 8080 accept\n\
         \t}}\n\
         }}\n"
    )
}

/// JSON twin that replaces the table: 8080 revoked, udp 5353 allowed from A over IPv4 only.
fn b_ruleset_json() -> String {
    let table = r#"{"family":"inet","name":"ward"}"#;
    let rule = |expr: &str| {
        format!(
            r#"{{"add":{{"rule":{{"family":"inet","table":"ward","chain":"input","expr":[{expr},{{"accept":null}}]}}}}}}"#
        )
    };
    let items = [
        r#"{"metainfo":{"json_schema_version":1}}"#.to_owned(),
        format!(r#"{{"add":{{"table":{table}}}}}"#),
        format!(r#"{{"delete":{{"table":{table}}}}}"#),
        format!(r#"{{"add":{{"table":{table}}}}}"#),
        r#"{"add":{"chain":{"family":"inet","table":"ward","name":"input","type":"filter","hook":"input","prio":0,"policy":"drop"}}}"#.to_owned(),
        rule(r#"{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related"]}}"#),
        rule(r#"{"match":{"op":"==","left":{"meta":{"key":"iif"}},"right":"lo"}}"#),
        rule(
            r#"{"match":{"op":"==","left":{"payload":{"protocol":"icmpv6","field":"type"}},"right":{"set":["nd-neighbor-solicit","nd-neighbor-advert","nd-router-solicit","nd-router-advert"]}}}"#,
        ),
        rule(
            r#"{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":{"prefix":{"addr":"198.18.1.0","len":24}}}},{"match":{"op":"==","left":{"payload":{"protocol":"udp","field":"dport"}},"right":5353}}"#,
        ),
    ];
    format!("{{\"nftables\":[\n{}\n]}}\n", items.join(",\n"))
}

#[test]
fn lab_end_to_end_with_nft() {
    if !lab_available("lab_end_to_end_with_nft") {
        return;
    }
    let t0 = Instant::now();
    let mut lap = {
        let mut last = Instant::now();
        move |what: &str| {
            println!("  [{:>7.1?}] {what}", last.elapsed());
            last = Instant::now();
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let mut lab = new_lab("self");
    let a = lab
        .add_host("a", &[net("198.18.1.0/24"), net("fd00:1::/64")])
        .unwrap();
    let b = lab
        .add_host("b", &[net("198.18.2.0/24"), net("fd00:2::/64")])
        .unwrap();
    assert_eq!(lab.addr_v4(a).unwrap().to_string(), "198.18.1.10");
    assert_eq!(lab.addr_v6(a).unwrap().to_string(), "fd00:1::10");
    let b4 = IpAddr::from(lab.addr_v4(b).unwrap());
    let b6 = IpAddr::from(lab.addr_v6(b).unwrap());
    assert_eq!(lab.namespaces().len(), 3);
    lap("lab with hub and two hosts");
    let listener = lab.listen_ports(b, &[8080, 8081], &[5353]).unwrap();
    lap("listener on b ready");

    // 1. No firewall: everything listening answers, closed ports are refused.
    ok(
        "no firewall",
        lab.check(
            a,
            &[
                (Probe::tcp(b4, 8080), Connected),
                (Probe::tcp(b6, 8080), Connected),
                (Probe::tcp(b4, 8081), Connected),
                (Probe::tcp(b6, 8081), Connected),
                (Probe::udp(b4, 5353), Connected),
                (Probe::udp(b6, 5353), Connected),
                (Probe::tcp(b4, 9), Refused),
                (Probe::tcp(b6, 9), Refused),
                (Probe::udp(b4, 9), Refused),
                (Probe::udp(b6, 9), Refused),
            ],
        ),
    );
    lap("phase 1: no firewall");

    // 2. Text ruleset on B: only tcp 8080 from A.
    let text = write_file(&dir, "b.nft", &b_ruleset_text(true));
    lab.nft_load(b, &text, false).unwrap();
    let listed = lab.nft_list(b).unwrap();
    assert!(
        listed.contains("table inet ward") && listed.contains("tcp dport 8080"),
        "{listed}"
    );
    let allowed_8080 = [
        (Probe::tcp(b4, 8080), Connected),
        (Probe::tcp(b6, 8080), Connected),
        (Probe::tcp(b4, 8081), Timeout),
        (Probe::tcp(b6, 8081), Timeout),
        (Probe::udp(b4, 5353), Timeout),
        (Probe::udp(b6, 5353), Timeout),
    ];
    ok("text ruleset on b", lab.check(a, &allowed_8080));
    lap("phase 2: text ruleset on b (8080 only)");

    // 2b. A file with an error is rejected with nft's message and changes nothing.
    let broken = b_ruleset_text(true).replace("tcp dport 8080 accept", "tcp dport 8080 acept");
    let err = lab.nft_apply(b, &broken, false).unwrap_err();
    assert!(err.contains("Error"), "nft error text: {err}");
    ok("after a rejected file", lab.check(a, &allowed_8080[..2]));
    lap("phase 2b: broken ruleset rejected, previous table intact");

    // 2c. Without neighbour discovery accepted, an `inet` input policy drop cuts IPv6 off as
    // soon as the neighbour caches are empty (IPv4's ARP is not filtered by `inet` tables).
    lab.nft_apply(b, &b_ruleset_text(false), false).unwrap();
    for target in [Target::Hub, Target::Host(b)] {
        let out = lab.exec(target, "ip", &["neigh", "flush", "all"]).unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    ok(
        "input drop without ND",
        lab.check(
            a,
            &[
                (Probe::tcp(b4, 8080), Connected),
                (Probe::tcp(b6, 8080), Timeout),
            ],
        ),
    );
    lap("phase 2c: without ND accepted, IPv6 times out");
    // Restore; the hub's neighbour entry for B is still INCOMPLETE (NS retried once a second),
    // so flush it too rather than wait for the next retry.
    lab.nft_load(b, &text, false).unwrap();
    for target in [Target::Hub, Target::Host(b)] {
        assert!(
            lab.exec(target, "ip", &["neigh", "flush", "all"])
                .unwrap()
                .status
                .success()
        );
    }
    ok("ND accepted again", lab.check(a, &allowed_8080[..2]));
    lap("phase 2c: ND accepted again, IPv6 connects");

    // 3. JSON ruleset replacing the table: 8080 revoked, udp 5353 allowed over IPv4.
    let json = write_file(&dir, "b.json", &b_ruleset_json());
    lab.nft_load(b, &json, true).unwrap();
    let listed = lab.nft_list(b).unwrap();
    assert!(
        !listed.contains("8080"),
        "8080 still in the ruleset:\n{listed}"
    );
    let listed_json: serde_json::Value =
        serde_json::from_str(&lab.nft_list_json(b).unwrap()).unwrap();
    assert!(
        listed_json["nftables"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    ok(
        "json ruleset on b",
        lab.check(
            a,
            &[
                (Probe::tcp(b4, 8080), Timeout),
                (Probe::tcp(b6, 8080), Timeout),
                (Probe::tcp(b4, 8081), Timeout),
                (Probe::udp(b4, 5353), Connected),
                (Probe::udp(b6, 5353), Timeout),
            ],
        ),
    );
    lap("phase 3: json ruleset replaced the table (8080 revoked)");

    // 4. Firewall on the hub's forward chain: A->B blocked except udp 5353 over IPv4; B->A
    // allowed by interface.
    lab.nft_flush(b).unwrap();
    let (va, vb) = (lab.hub_ifname(a).unwrap(), lab.hub_ifname(b).unwrap());
    let hub_rules = format!(
        "table inet ward {{\n\
         \tchain forward {{\n\
         \t\ttype filter hook forward priority filter; policy drop;\n\
         \t\tct state established,related accept\n\
         \t\tip saddr 198.18.1.0/24 ip daddr 198.18.2.0/24 udp dport 5353 accept\n\
         \t\tiifname \"{vb}\" oifname \"{va}\" accept\n\
         \t}}\n\
         }}\n"
    );
    lab.nft_apply(Target::Hub, &hub_rules, false).unwrap();
    ok(
        "hub forward firewall, a -> b",
        lab.check(
            a,
            &[
                (Probe::tcp(b4, 8080), Timeout),
                (Probe::tcp(b6, 8080), Timeout),
                (Probe::udp(b4, 5353), Connected),
                (Probe::udp(b6, 5353), Timeout),
            ],
        ),
    );
    let a4 = IpAddr::from(lab.addr_v4(a).unwrap());
    let a6 = IpAddr::from(lab.addr_v6(a).unwrap());
    ok(
        "hub forward firewall, b -> a",
        lab.check(
            b,
            &[(Probe::tcp(a4, 9), Refused), (Probe::tcp(a6, 9), Refused)],
        ),
    );
    lab.nft_flush(Target::Hub).unwrap();
    ok(
        "hub firewall removed",
        lab.check(a, &[(Probe::tcp(b4, 8080), Connected)]),
    );
    lap("phase 4: hub forward firewall");

    // 5. Dropping the lab deletes every namespace it made.
    let prefix = lab.prefix().to_owned();
    assert_eq!(surviving(&prefix).len(), 3);
    drop(listener);
    drop(lab);
    assert_eq!(
        surviving(&prefix),
        Vec::<String>::new(),
        "namespaces left behind"
    );
    lap("phase 5: lab dropped, no namespace left");
    println!("lab_end_to_end_with_nft: {:.2?} in total", t0.elapsed());
}

/// Tiny networks (/32, /128, /30, /126), a host with two IPv4 networks, many closed UDP ports.
#[test]
fn lab_tiny_networks_and_routing() {
    if !lab_available("lab_tiny_networks_and_routing") {
        return;
    }
    let t0 = Instant::now();
    let mut lab = new_lab("selftiny");
    let c = lab
        .add_host("c", &[net("198.18.3.7/32"), net("fd00:3::7/128")])
        .unwrap();
    let d = lab
        .add_host("d", &[net("198.18.4.0/30"), net("fd00:4::/126")])
        .unwrap();
    let e = lab
        .add_host(
            "e",
            &[
                net("198.18.5.0/24"),
                net("fd00:5::/64"),
                net("198.18.6.0/25"),
            ],
        )
        .unwrap();
    assert_eq!(
        lab.host_addrs(c),
        [
            "198.18.3.7".parse::<IpAddr>().unwrap(),
            "fd00:3::7".parse().unwrap()
        ]
    );
    assert_eq!(
        lab.host_addrs(d),
        [
            "198.18.4.1".parse::<IpAddr>().unwrap(),
            "fd00:4::1".parse().unwrap()
        ]
    );
    assert_eq!(
        lab.host_addrs(e)[2],
        "198.18.6.10".parse::<IpAddr>().unwrap()
    );
    assert!(
        lab.add_host("f", &[net("198.18.6.64/26")]).is_err(),
        "overlap must be refused"
    );

    let hosts = [c, d, e];
    let _listeners: Vec<_> = hosts
        .iter()
        .map(|&h| lab.listen_ports(h, &[80], &[53]).unwrap())
        .collect();
    for &from in &hosts {
        let mut cases = Vec::new();
        for &to in hosts.iter().filter(|&&to| to != from) {
            for &addr in lab.host_addrs(to) {
                cases.push((Probe::tcp(addr, 80), Connected));
                cases.push((Probe::udp(addr, 53), Connected));
                cases.push((Probe::tcp(addr, 81), Refused));
            }
        }
        ok(
            &format!("from {}", lab.host_name(from).unwrap()),
            lab.check(from, &cases),
        );
    }
    // ICMP rate limits are off: 60 closed UDP ports are all refused, none times out.
    let d4 = lab.host_addrs(d)[0];
    let d6 = lab.host_addrs(d)[1];
    let closed: Vec<_> = (1000..1030)
        .flat_map(|p| [(Probe::udp(d4, p), Refused), (Probe::udp(d6, p), Refused)])
        .collect();
    ok("many closed udp ports", lab.check(c, &closed));
    // Wildcards: `0.0.0.0` and `::` on the same port (the lab sets bindv6only=1). A wildcard
    // UDP socket answers from the route's source address, so a probe of the host's second IPv4
    // address gets its echo from the first one, which the prober's connected socket ignores:
    // listen on the host's own addresses (`listen_ports`) for UDP.
    let any4: IpAddr = "0.0.0.0".parse().unwrap();
    let any6: IpAddr = "::".parse().unwrap();
    let wild = lab
        .listen(e, &[(any4, 90), (any6, 90)], &[(any4, 91), (any6, 91)])
        .unwrap();
    let e_cases: Vec<_> = lab
        .host_addrs(e)
        .iter()
        .enumerate()
        .flat_map(|(i, &a)| {
            let udp = if i == 2 { Timeout } else { Connected };
            [(Probe::tcp(a, 90), Connected), (Probe::udp(a, 91), udp)]
        })
        .collect();
    ok("wildcard listener", lab.check(c, &e_cases));
    // A listener that cannot bind fails fast with nettool's message.
    let err = lab.listen(e, &[(any4, 90)], &[]).unwrap_err().to_string();
    assert!(err.contains("in use"), "{err}");
    drop(wild);
    // Interfaces: every host sees the hub on eth0.
    let out = lab
        .exec(c, "ip", &["-o", "link", "show", HOST_IFNAME])
        .unwrap();
    assert!(out.status.success());
    println!("lab_tiny_networks_and_routing: {:.2?}", t0.elapsed());
}

/// Cleanup on panic, a lab dropped before its listener, and stale namespaces of dead runs.
#[test]
fn lab_cleanup() {
    if !lab_available("lab_cleanup") {
        return;
    }
    let t0 = Instant::now();
    // A failing test unwinds through the lab: its namespaces and listener go.
    let mut seen = (String::new(), 0_u32);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut lab = new_lab("selfpanic");
        let h = lab.add_host("h", &[net("198.18.7.0/24")]).unwrap();
        let listener = lab.listen_ports(h, &[80], &[]).unwrap();
        seen = (lab.prefix().to_owned(), listener.pid());
        // Unwinds like a failed assertion, without the panic message and backtrace noise.
        std::panic::resume_unwind(Box::new("deliberate failure inside a lab"));
    }));
    assert!(result.is_err());
    assert!(!seen.0.is_empty());
    assert_eq!(
        surviving(&seen.0),
        Vec::<String>::new(),
        "namespaces left after a panic"
    );
    assert!(
        !std::path::Path::new(&format!("/proc/{}", seen.1)).exists(),
        "listener survived"
    );

    // The lab dropped before its listener: the lab kills what runs inside its namespaces.
    let mut lab = new_lab("selforder");
    let h = lab.add_host("h", &[net("198.18.8.0/24")]).unwrap();
    let listener = lab.listen_ports(h, &[80], &[53]).unwrap();
    let (prefix, pid) = (lab.prefix().to_owned(), listener.pid());
    drop(lab);
    assert_eq!(surviving(&prefix), Vec::<String>::new());
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z "),
        "listener still running: {state}"
    );
    drop(listener);

    // Stale namespaces (owner gone) are deleted, those of a live lab are not. The tag is unique
    // to this process so that concurrent runs of this test do not clean up each other's decoy.
    let tag = format!("st{}", std::process::id());
    let stale = format!("w{tag}-999999999-1-0-hub"); // pid 999999999 never exists
    let add_stale = || {
        let status = std::process::Command::new("ip")
            .args(["netns", "add", &stale])
            .status();
        assert!(status.unwrap().success(), "cannot create {stale}");
    };
    add_stale();
    let live = new_lab(&tag); // Lab::new cleans up its tag first
    assert_eq!(
        surviving(&stale),
        Vec::<String>::new(),
        "Lab::new did not clean up"
    );
    add_stale();
    assert_eq!(Lab::cleanup_stale(&tag).unwrap(), vec![stale.clone()]);
    assert_eq!(
        surviving(live.prefix()).len(),
        1,
        "a live lab's namespace was deleted"
    );
    drop(live);
    assert_eq!(surviving(&format!("w{tag}-")), Vec::<String>::new());
    assert!(Lab::new("Bad-Tag").is_err());
    println!("lab_cleanup: {:.2?}", t0.elapsed());
}
