//! A leak-proof network lab for firewall tests: network namespaces joined by veth pairs, real
//! `nft`, and real TCP/UDP traffic between them.
//!
//! ```text
//!   host "a" ns            hub ns (router)                 host "b" ns
//!   eth0 198.18.1.10/24 -- v0 198.18.1.1/24 | v1 198.18.2.1/24 -- eth0 198.18.2.10/24
//!        fd00:1::10/64       fd00:1::1/64   | fd00:2::1/64          fd00:2::10/64
//! ```
//!
//! * [`Lab::new`] creates the hub namespace (IPv4 and IPv6 forwarding on); [`Lab::add_host`]
//!   adds a host namespace with one veth pair to the hub. Every namespace the lab created is
//!   deleted when the [`Lab`] is dropped, also while unwinding from a failed assertion; processes
//!   still running inside them (listeners) are killed first. Leftovers of crashed runs (SIGKILL,
//!   `panic = "abort"`) are removed by [`Lab::cleanup_stale`], which [`Lab::new`] calls for its tag.
//! * Namespace names are `w{tag}-{pid}-{starttime}-{seq}-{role}` (role `hub`, `h0`, `h1`, ...):
//!   the owning process is identified by pid *and* start time, so cleaning up never touches the
//!   namespaces of another live run using the same tag. Interface names do not depend on them:
//!   the host side of every veth is `eth0` ([`HOST_IFNAME`]), the hub side `v{index}`
//!   ([`Lab::hub_ifname`]), both well under the 15-character limit.
//! * Addressing (see [`host_address`]): for a network with at least 16 addresses (IPv4 prefix
//!   `/28` or shorter, IPv6 `/123` or shorter) the host gets network + 10 (`198.18.1.10/24`,
//!   `fd00:1::10/64`) and the hub network + 1 as the host's gateway. A smaller network ("tiny",
//!   e.g. `/32`, used by synthetic policies with many services) gives the host its first usable
//!   address (the network address for `/31`, `/32`, `/127`, `/128`, else network + 1) as a
//!   `/32`/`/128`, and the hub a point-to-point route to it; the host reaches the hub through
//!   proxy ARP (IPv4, default route `dev eth0`) or the link-local gateway `fe80::1` (IPv6). The
//!   lab uses no other routable addresses than the ones of the networks it is given.
//! * Default routes go through the host's first network of each family and carry `src`, so
//!   probes originate from the host's first address of that family ([`Lab::addr_v4`],
//!   [`Lab::addr_v6`]). To probe from another network of the policy, make it its own host.
//! * Listeners and probes run the `nettool` helper binary inside the namespace. Cargo only
//!   tells integration tests where it is, so pass it in:
//!   `Lab::new("x")?.with_nettool(env!("CARGO_BIN_EXE_nettool"))`.
//! * Port ranges: a listener per port of a large range would be thousands of sockets; listen on
//!   and probe representative ports instead (the first and last port of the range, and one
//!   just outside it).
//!
//! Every wait is bounded: external commands have deadlines, a listener must report `ready` within
//! [`READY_TIMEOUT`], probes have a per-target timeout ([`DEFAULT_PROBE_TIMEOUT`]).
//!
//! Each namespace also gets, so that results do not depend on the machine: `bindv6only=1`
//! (`0.0.0.0:P` and `[::]:P` can both be bound), no duplicate address detection, no ICMP rate
//! limits (otherwise a probe of many closed UDP ports sees `timeout` instead of `refused` after
//! the first few), and `proxy_delay=0` on the hub's veths (proxy ARP answers otherwise wait up to
//! 0.8 s).

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ipnet::IpNet;

/// Name of the host side of every veth pair, inside the host's namespace.
pub const HOST_IFNAME: &str = "eth0";
/// How long a listener may take to bind its sockets and print `ready`.
pub const READY_TIMEOUT: Duration = Duration::from_secs(5);
/// Per-target probe timeout unless [`Lab::with_probe_timeout`] says otherwise.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_millis(1000);
/// Deadline for `ip` and other small commands.
const IP_DEADLINE: Duration = Duration::from_secs(30);
/// Deadline for `nft` (100k set elements load in about 2 s; a chain-per-flow form much slower).
const NFT_DEADLINE: Duration = Duration::from_secs(300);
/// Worker threads of one `nettool probe` (must match `MAX_PARALLEL` in `bin/nettool.rs`).
const PROBE_PARALLEL: usize = 64;
/// Link-local gateway on every hub veth, for hosts on tiny IPv6 networks.
const LINK_LOCAL_GATEWAY: &str = "fe80::1";

static LAB_SEQ: AtomicU32 = AtomicU32::new(0);

/// A host of a [`Lab`] (index into the lab's hosts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostId(usize);

/// Where to run a command or load a ruleset: the router or one of the hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Hub,
    Host(HostId),
}

impl From<HostId> for Target {
    fn from(host: HostId) -> Self {
        Target::Host(host)
    }
}

#[derive(Debug)]
struct Host {
    name: String,
    ns: String,
    hub_if: String,
    nets: Vec<IpNet>,
    addrs: Vec<IpAddr>,
}

/// A set of network namespaces (one hub, any number of hosts), deleted on drop.
#[derive(Debug)]
pub struct Lab {
    tag: String,
    prefix: String,
    hub: String,
    hosts: Vec<Host>,
    /// Every namespace created so far, in creation order; deleted in reverse on drop.
    namespaces: Vec<String>,
    nettool: Option<PathBuf>,
    probe_timeout: Duration,
}

impl Lab {
    /// Checks what the lab needs: root (CAP_NET_ADMIN, `ip netns`), `ip` and `nft` on the PATH.
    pub fn preflight() -> Result<(), String> {
        let status = std::fs::read_to_string("/proc/self/status")
            .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
        let euid = status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            .unwrap_or("?");
        if euid != "0" {
            return Err(format!(
                "network namespace tests need root (effective uid is {euid}); run as root"
            ));
        }
        for (program, flag, hint) in [
            ("ip", "-V", "apt-get install -y iproute2"),
            ("nft", "--version", "apt-get install -y nftables"),
        ] {
            match run(&argv(&[program, flag]), None, IP_DEADLINE) {
                Ok(out) if out.status.success() => {}
                Ok(out) => {
                    return Err(format!(
                        "`{program} {flag}` failed ({}): {}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
                Err(e) => return Err(format!("`{program}` is not usable ({e}); {hint}")),
            }
        }
        Ok(())
    }

    /// Creates the hub namespace of a new lab. `tag` (1-12 characters `[a-z0-9]`) names the test
    /// and prefixes every namespace; leftovers of crashed runs with the same tag are removed
    /// first (see [`Lab::cleanup_stale`]).
    pub fn new(tag: &str) -> io::Result<Lab> {
        check_tag(tag)?;
        Lab::cleanup_stale(tag)?;
        let (pid, start) = own_identity()?;
        let seq = LAB_SEQ.fetch_add(1, Ordering::Relaxed);
        let mut lab = Lab {
            tag: tag.to_owned(),
            prefix: format!("w{tag}-{pid}-{start}-{seq}"),
            hub: String::new(),
            hosts: Vec::new(),
            namespaces: Vec::new(),
            nettool: None,
            probe_timeout: DEFAULT_PROBE_TIMEOUT,
        };
        // From here on, an error drops `lab`, which deletes whatever was created.
        let hub = lab.add_namespace("hub")?;
        sysctl(
            &hub,
            &[
                ("net/ipv4/ip_forward", "1"),
                ("net/ipv6/conf/all/forwarding", "1"),
            ],
            &[],
        )?;
        lab.hub = hub;
        Ok(lab)
    }

    /// Sets the `nettool` binary used by [`Lab::listen`] and [`Lab::probe`]; in an integration
    /// test of `ward-tests` that is `env!("CARGO_BIN_EXE_nettool")`.
    #[must_use]
    pub fn with_nettool(mut self, path: impl Into<PathBuf>) -> Lab {
        self.nettool = Some(path.into());
        self
    }

    /// Sets the per-target timeout of [`Lab::probe`] (a dropped flow costs this much).
    #[must_use]
    pub fn with_probe_timeout(mut self, timeout: Duration) -> Lab {
        self.probe_timeout = timeout;
        self
    }

    /// Deletes the namespaces tagged `tag` whose owning process is gone (crashed or killed
    /// runs), killing any process left inside them. Namespaces of live runs, including this
    /// one, are kept. Returns the names deleted.
    pub fn cleanup_stale(tag: &str) -> io::Result<Vec<String>> {
        check_tag(tag)?;
        let prefix = format!("w{tag}-");
        let mut deleted = Vec::new();
        for name in Lab::list_namespaces()? {
            let Some(rest) = name.strip_prefix(&prefix) else {
                continue;
            };
            let mut parts = rest.split('-');
            let (Some(pid), Some(start)) = (parts.next(), parts.next()) else {
                continue;
            };
            let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
                continue;
            };
            if process_start_time(pid) == Some(start) {
                continue; // the owner is alive
            }
            kill_processes_in(&name);
            run_ok(&argv(&["ip", "netns", "del", &name]), IP_DEADLINE)?;
            deleted.push(name);
        }
        Ok(deleted)
    }

    /// Names of all named network namespaces on the machine (`ip netns list`).
    pub fn list_namespaces() -> io::Result<Vec<String>> {
        let out = run_ok(&argv(&["ip", "netns", "list"]), IP_DEADLINE)?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .map(str::to_owned)
            .collect())
    }

    /// Adds a host namespace connected to the hub by a veth pair, with one address per network
    /// (see [`host_address`]) and default routes through the hub. `name` is for lookups and
    /// messages only. Networks must not overlap each other or another host's.
    pub fn add_host(&mut self, name: &str, nets: &[IpNet]) -> io::Result<HostId> {
        if name.is_empty() || self.hosts.iter().any(|h| h.name == name) {
            return Err(invalid(format!(
                "host name {name:?} is empty or already used"
            )));
        }
        if nets.is_empty() {
            return Err(invalid(format!("host {name:?} needs at least one network")));
        }
        let mut unique: Vec<IpNet> = Vec::with_capacity(nets.len());
        for net in nets.iter().map(IpNet::trunc) {
            if !unique.contains(&net) {
                unique.push(net);
            }
        }
        let nets = unique;
        for (i, net) in nets.iter().enumerate() {
            let clash = nets[..i]
                .iter()
                .chain(self.hosts.iter().flat_map(|h| h.nets.iter()))
                .find(|other| other.contains(&net.network()) || net.contains(&other.network()));
            if let Some(other) = clash {
                return Err(invalid(format!(
                    "network {net} of host {name:?} overlaps {other}"
                )));
            }
        }
        let index = self.hosts.len();
        let ns = self.add_namespace(&format!("h{index}"))?;
        let hub = self.hub.clone();
        let hub_if = format!("v{index}");
        let eth = HOST_IFNAME;
        // Created inside the hub with its peer directly in the host: nothing in the root
        // namespace, and deleting either namespace deletes the pair.
        ip(&format!(
            "-n {hub} link add {hub_if} type veth peer name {eth} netns {ns}"
        ))?;
        sysctl(
            &hub,
            &[
                (&format!("net/ipv4/conf/{hub_if}/proxy_arp"), "1"),
                (&format!("net/ipv4/neigh/{hub_if}/proxy_delay"), "0"),
                (&format!("net/ipv6/conf/{hub_if}/accept_dad"), "0"),
            ],
            &[],
        )?;
        ip(&format!("-n {hub} link set {hub_if} up"))?;
        ip(&format!("-n {ns} link set {eth} up"))?;

        let mut addrs = Vec::with_capacity(nets.len());
        let (mut has_default_v4, mut has_default_v6) = (false, false);
        let mut has_link_local_gateway = false;
        for net in &nets {
            let addr = host_address(net);
            addrs.push(addr);
            let (family, host_len, nodad) = match net {
                IpNet::V4(_) => ("-4", 32, ""),
                IpNet::V6(_) => ("-6", 128, "nodad"),
            };
            let first_of_family = match net {
                IpNet::V4(_) => !std::mem::replace(&mut has_default_v4, true),
                IpNet::V6(_) => !std::mem::replace(&mut has_default_v6, true),
            };
            match gateway_address(net) {
                Some(gw) => {
                    let len = net.prefix_len();
                    ip(&format!(
                        "-n {ns} {family} addr add {addr}/{len} dev {eth} {nodad}"
                    ))?;
                    ip(&format!(
                        "-n {hub} {family} addr add {gw}/{len} dev {hub_if} {nodad}"
                    ))?;
                    if first_of_family {
                        ip(&format!(
                            "-n {ns} {family} route add default via {gw} dev {eth} src {addr}"
                        ))?;
                    }
                }
                None => {
                    ip(&format!(
                        "-n {ns} {family} addr add {addr}/{host_len} dev {eth} {nodad}"
                    ))?;
                    ip(&format!(
                        "-n {hub} {family} route add {addr}/{host_len} dev {hub_if}"
                    ))?;
                    if !first_of_family {
                        continue;
                    }
                    if net.addr().is_ipv4() {
                        // On-link default route: the hub answers ARP for everything (proxy_arp).
                        ip(&format!(
                            "-n {ns} -4 route add default dev {eth} src {addr}"
                        ))?;
                    } else {
                        if !has_link_local_gateway {
                            ip(&format!(
                                "-n {hub} -6 addr add {LINK_LOCAL_GATEWAY}/64 dev {hub_if} nodad"
                            ))?;
                            has_link_local_gateway = true;
                        }
                        ip(&format!(
                            "-n {ns} -6 route add default via {LINK_LOCAL_GATEWAY} dev {eth} \
                             src {addr}"
                        ))?;
                    }
                }
            }
        }
        self.hosts.push(Host {
            name: name.to_owned(),
            ns,
            hub_if,
            nets,
            addrs,
        });
        Ok(HostId(index))
    }

    /// The host called `name`.
    pub fn host(&self, name: &str) -> Option<HostId> {
        self.hosts.iter().position(|h| h.name == name).map(HostId)
    }

    /// The host's name as given to [`Lab::add_host`].
    pub fn host_name(&self, host: HostId) -> Option<&str> {
        self.hosts.get(host.0).map(|h| h.name.as_str())
    }

    /// The host's first IPv4 address (the source of its IPv4 probes).
    pub fn addr_v4(&self, host: HostId) -> Option<Ipv4Addr> {
        self.host_addrs(host).iter().find_map(|a| match a {
            IpAddr::V4(a) => Some(*a),
            IpAddr::V6(_) => None,
        })
    }

    /// The host's first IPv6 address (the source of its IPv6 probes).
    pub fn addr_v6(&self, host: HostId) -> Option<Ipv6Addr> {
        self.host_addrs(host).iter().find_map(|a| match a {
            IpAddr::V6(a) => Some(*a),
            IpAddr::V4(_) => None,
        })
    }

    /// The host's addresses, one per network, in the order of its (deduplicated) networks.
    pub fn host_addrs(&self, host: HostId) -> &[IpAddr] {
        self.hosts.get(host.0).map_or(&[], |h| h.addrs.as_slice())
    }

    /// The host's networks (truncated to their network address, deduplicated).
    pub fn host_nets(&self, host: HostId) -> &[IpNet] {
        self.hosts.get(host.0).map_or(&[], |h| h.nets.as_slice())
    }

    /// The hub's interface towards `host` (for `iifname`/`oifname` in hub rules).
    pub fn hub_ifname(&self, host: HostId) -> Option<&str> {
        self.hosts.get(host.0).map(|h| h.hub_if.as_str())
    }

    /// The namespace name of a target (for `ip netns exec` by hand while debugging).
    pub fn ns(&self, target: impl Into<Target>) -> io::Result<&str> {
        match target.into() {
            Target::Hub => Ok(&self.hub),
            Target::Host(host) => self
                .hosts
                .get(host.0)
                .map(|h| h.ns.as_str())
                .ok_or_else(|| invalid(format!("no host {host:?} in lab {}", self.prefix))),
        }
    }

    /// The prefix shared by all namespaces of this lab.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The tag given to [`Lab::new`].
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// All namespaces of this lab, hub first.
    pub fn namespaces(&self) -> &[String] {
        &self.namespaces
    }

    /// Runs `program args...` inside the target's namespace (`ip netns exec`), with a 5-minute
    /// deadline. Returns the output whatever the exit status.
    pub fn exec(
        &self,
        target: impl Into<Target>,
        program: &str,
        args: &[&str],
    ) -> io::Result<Output> {
        let ns = self.ns(target)?;
        let mut cmd = argv(&["ip", "netns", "exec", ns, program]);
        cmd.extend(args.iter().map(OsString::from));
        run(&cmd, None, NFT_DEADLINE)
    }

    /// Loads a ruleset file into the target's namespace: `nft -f FILE` (`nft -j -f FILE` when
    /// `json`). Returns nft's stderr on failure (a failed file changes nothing: one transaction).
    pub fn nft_load(
        &self,
        target: impl Into<Target>,
        path: &Path,
        json: bool,
    ) -> Result<(), String> {
        let mut args: Vec<&OsStr> = Vec::new();
        if json {
            args.push(OsStr::new("-j"));
        }
        args.extend([OsStr::new("-f"), path.as_os_str()]);
        self.nft(target, &args, None).map(drop)
    }

    /// Like [`Lab::nft_load`], with the ruleset given as text (fed on stdin, `nft -f -`).
    pub fn nft_apply(
        &self,
        target: impl Into<Target>,
        ruleset: &str,
        json: bool,
    ) -> Result<(), String> {
        let args: &[&OsStr] = if json {
            &[OsStr::new("-j"), OsStr::new("-f"), OsStr::new("-")]
        } else {
            &[OsStr::new("-f"), OsStr::new("-")]
        };
        self.nft(target, args, Some(ruleset.as_bytes().to_vec()))
            .map(drop)
    }

    /// `nft list ruleset` in the target's namespace.
    pub fn nft_list(&self, target: impl Into<Target>) -> Result<String, String> {
        self.nft(target, &[OsStr::new("list"), OsStr::new("ruleset")], None)
    }

    /// `nft -j list ruleset` in the target's namespace (parse with serde_json or the `nftables`
    /// crate).
    pub fn nft_list_json(&self, target: impl Into<Target>) -> Result<String, String> {
        self.nft(
            target,
            &[OsStr::new("-j"), OsStr::new("list"), OsStr::new("ruleset")],
            None,
        )
    }

    /// `nft flush ruleset` in the target's namespace (removes every table).
    pub fn nft_flush(&self, target: impl Into<Target>) -> Result<(), String> {
        self.nft(target, &[OsStr::new("flush"), OsStr::new("ruleset")], None)
            .map(drop)
    }

    fn nft(
        &self,
        target: impl Into<Target>,
        args: &[&OsStr],
        stdin: Option<Vec<u8>>,
    ) -> Result<String, String> {
        let ns = self.ns(target).map_err(|e| e.to_string())?;
        let mut cmd = argv(&["ip", "netns", "exec", ns, "nft"]);
        cmd.extend(args.iter().map(|a| a.to_os_string()));
        let out = run(&cmd, stdin, NFT_DEADLINE).map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_owned();
            Err(if stderr.is_empty() {
                format!("`{}` failed ({})", describe(&cmd), out.status)
            } else {
                stderr
            })
        }
    }

    /// Starts `nettool listen` in the host's namespace on the given TCP and UDP sockets (TCP:
    /// accept, send one byte, close; UDP: echo) and waits until they are all bound. The listener
    /// stops when the returned [`Listener`] (or the lab) is dropped. Addresses may be wildcards
    /// (`0.0.0.0`, `::`; IPv6 wildcards are IPv6-only here); prefer the host's own addresses
    /// ([`Lab::listen_ports`]) so UDP answers leave from the address the prober used.
    pub fn listen(
        &self,
        host: HostId,
        tcp: &[(IpAddr, u16)],
        udp: &[(IpAddr, u16)],
    ) -> io::Result<Listener> {
        let ns = self.ns(host)?.to_owned();
        let nettool = self.nettool()?;
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns]).arg(nettool).arg("listen");
        for (flag, list) in [("--tcp", tcp), ("--udp", udp)] {
            for &(addr, port) in list {
                cmd.arg(flag).arg(SocketAddr::new(addr, port).to_string());
            }
        }
        let what = describe(
            &std::iter::once(cmd.get_program())
                .chain(cmd.get_args())
                .map(OsStr::to_os_string)
                .collect::<Vec<_>>(),
        );
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start `{what}`: {e}")))?;
        let stdin = child.stdin.take();
        let stderr = collect(child.stderr.take());
        let (line_tx, line_rx) = mpsc::channel::<String>();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                let mut first = String::new();
                let _ = BufReader::new(stdout).read_line(&mut first);
                let _ = line_tx.send(first);
            });
        }
        let mut listener = Listener { child, stdin, ns };
        match line_rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) if line.trim() == "ready" => Ok(listener),
            other => {
                listener.kill();
                let stderr = stderr
                    .recv_timeout(Duration::from_secs(1))
                    .unwrap_or_default();
                let why = match other {
                    Ok(line) if line.is_empty() => "exited before `ready`".to_owned(),
                    Ok(line) => format!("printed {:?} instead of `ready`", line.trim()),
                    Err(_) => format!("did not print `ready` within {READY_TIMEOUT:?}"),
                };
                Err(io::Error::other(format!(
                    "listener `{what}` {why}: {}",
                    String::from_utf8_lossy(&stderr).trim()
                )))
            }
        }
    }

    /// Listens on every address of the host: TCP on `tcp_ports`, UDP on `udp_ports`.
    pub fn listen_ports(
        &self,
        host: HostId,
        tcp_ports: &[u16],
        udp_ports: &[u16],
    ) -> io::Result<Listener> {
        let addrs = self.host_addrs(host);
        let pairs = |ports: &[u16]| -> Vec<(IpAddr, u16)> {
            addrs
                .iter()
                .flat_map(|&a| ports.iter().map(move |&p| (a, p)))
                .collect()
        };
        self.listen(host, &pairs(tcp_ports), &pairs(udp_ports))
    }

    /// Probes every target from the host (in parallel, each with the lab's probe timeout) and
    /// returns one result per target, in order.
    pub fn probe(&self, from: HostId, targets: &[Probe]) -> io::Result<Vec<ProbeResult>> {
        self.probe_with_timeout(from, targets, self.probe_timeout)
    }

    /// [`Lab::probe`] with an explicit per-target timeout.
    pub fn probe_with_timeout(
        &self,
        from: HostId,
        targets: &[Probe],
        timeout: Duration,
    ) -> io::Result<Vec<ProbeResult>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let ns = self.ns(from)?;
        let nettool = self.nettool()?;
        let timeout_ms = timeout.as_millis().max(1).to_string();
        let mut cmd = argv(&["ip", "netns", "exec", ns]);
        cmd.push(nettool.as_os_str().to_os_string());
        cmd.extend(argv(&["probe", "--timeout-ms", &timeout_ms]));
        for t in targets {
            cmd.extend(argv(&[
                t.proto.as_str(),
                &t.addr.to_string(),
                &t.port.to_string(),
            ]));
        }
        let batches = u32::try_from(targets.len().div_ceil(PROBE_PARALLEL)).unwrap_or(u32::MAX);
        let deadline = timeout
            .saturating_mul(batches)
            .saturating_add(Duration::from_secs(10));
        let out = run(&cmd, None, deadline)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let fail = |why: String| {
            io::Error::other(format!(
                "nettool probe in {ns}: {why}; status {}; stderr: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        };
        if !out.status.success() {
            return Err(fail("failed".to_owned()));
        }
        let lines: Vec<&str> = stdout.lines().collect();
        if lines.len() != targets.len() {
            return Err(fail(format!(
                "{} result lines for {} targets",
                lines.len(),
                targets.len()
            )));
        }
        targets
            .iter()
            .zip(lines)
            .map(|(probe, line)| {
                let value: serde_json::Value = serde_json::from_str(line)
                    .map_err(|e| fail(format!("bad result line {line:?}: {e}")))?;
                let result = value.get("result").and_then(|r| r.as_str());
                let same = value.get("proto").and_then(|p| p.as_str())
                    == Some(probe.proto.as_str())
                    && value.get("port").and_then(serde_json::Value::as_u64)
                        == Some(u64::from(probe.port))
                    && value
                        .get("addr")
                        .and_then(|a| a.as_str())
                        .and_then(|a| a.parse::<IpAddr>().ok())
                        == Some(probe.addr);
                match result {
                    Some(result) if same => Ok(ProbeResult {
                        probe: *probe,
                        outcome: Outcome::parse(result),
                    }),
                    _ => Err(fail(format!(
                        "result line {line:?} does not answer {probe}"
                    ))),
                }
            })
            .collect()
    }

    /// Probes every case from `from` and compares the outcomes (by kind: any
    /// [`Outcome::Error`] matches an expected `Error`). Returns a table of all the results when
    /// one differs.
    pub fn check(&self, from: HostId, cases: &[(Probe, Outcome)]) -> Result<(), String> {
        let probes: Vec<Probe> = cases.iter().map(|(p, _)| *p).collect();
        let results = self.probe(from, &probes).map_err(|e| e.to_string())?;
        let mut report = String::new();
        let mut bad = 0;
        for ((_, want), got) in cases.iter().zip(&results) {
            let ok = want.same_kind(&got.outcome);
            if !ok {
                bad += 1;
            }
            report.push_str(&format!(
                "  {} {:<28} want {:<10} got {}\n",
                if ok { "  " } else { "!!" },
                got.probe.to_string(),
                want.to_string(),
                got.outcome
            ));
        }
        if bad == 0 {
            Ok(())
        } else {
            let from = self.host_name(from).unwrap_or("?");
            Err(format!(
                "{bad} of {} probes from {from} differ:\n{report}",
                cases.len()
            ))
        }
    }

    fn nettool(&self) -> io::Result<&Path> {
        self.nettool.as_deref().ok_or_else(|| {
            invalid(
                "no nettool binary: use Lab::with_nettool(env!(\"CARGO_BIN_EXE_nettool\"))"
                    .to_owned(),
            )
        })
    }

    /// Creates `{prefix}-{role}`, records it for deletion, brings `lo` up and applies the
    /// settings every namespace gets.
    fn add_namespace(&mut self, role: &str) -> io::Result<String> {
        let name = format!("{}-{role}", self.prefix);
        ip(&format!("netns add {name}"))?;
        self.namespaces.push(name.clone());
        sysctl(
            &name,
            &[
                ("net/ipv6/conf/all/disable_ipv6", "0"),
                ("net/ipv6/conf/default/disable_ipv6", "0"),
                ("net/ipv6/conf/all/accept_dad", "0"),
                ("net/ipv6/conf/default/accept_dad", "0"),
                ("net/ipv6/bindv6only", "1"),
                ("net/ipv4/icmp_ratelimit", "0"),
                ("net/ipv6/icmp/ratelimit", "0"),
            ],
            // Per-namespace only on recent kernels; best effort.
            &[
                ("net/ipv4/icmp_msgs_per_sec", "1000000"),
                ("net/ipv4/icmp_msgs_burst", "1000000"),
            ],
        )?;
        ip(&format!("-n {name} link set lo up"))?;
        Ok(name)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for name in self.namespaces.iter().rev() {
            kill_processes_in(name);
            if let Err(e) = run_ok(&argv(&["ip", "netns", "del", name]), IP_DEADLINE) {
                warn(&format!(
                    "ward netns lab: cannot delete namespace {name}: {e}"
                ));
            }
        }
    }
}

/// The address a host gets in `net` (see the module documentation): network + 10 when the
/// network has room for it and a gateway (IPv4 `/28` or shorter, IPv6 `/123` or shorter), else
/// the first usable address.
pub fn host_address(net: &IpNet) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let base = u32::from(n.network());
            let offset = match n.prefix_len() {
                0..=28 => 10,
                31 | 32 => 0,
                _ => 1,
            };
            IpAddr::V4(Ipv4Addr::from(base.wrapping_add(offset)))
        }
        IpNet::V6(n) => {
            let base = u128::from(n.network());
            let offset = match n.prefix_len() {
                0..=123 => 0x10,
                127 | 128 => 0,
                _ => 1,
            };
            IpAddr::V6(Ipv6Addr::from(base.wrapping_add(offset)))
        }
    }
}

/// The hub's address in `net` (network + 1), or `None` for a tiny network (point-to-point route).
pub fn gateway_address(net: &IpNet) -> Option<IpAddr> {
    match net {
        IpNet::V4(n) if n.prefix_len() <= 28 => Some(IpAddr::V4(Ipv4Addr::from(
            u32::from(n.network()).wrapping_add(1),
        ))),
        IpNet::V6(n) if n.prefix_len() <= 123 => Some(IpAddr::V6(Ipv6Addr::from(
            u128::from(n.network()).wrapping_add(1),
        ))),
        _ => None,
    }
}

/// A running `nettool listen`; killed on drop.
#[derive(Debug)]
pub struct Listener {
    child: Child,
    stdin: Option<ChildStdin>,
    ns: String,
}

impl Listener {
    /// The namespace it listens in.
    pub fn ns(&self) -> &str {
        &self.ns
    }

    /// Process id of the listener (`ip netns exec` execs `nettool`, so it is nettool's).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the listener now (also done on drop).
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        drop(self.stdin.take()); // nettool exits on EOF by itself
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Transport protocol of a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One connection attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Probe {
    pub proto: Proto,
    pub addr: IpAddr,
    pub port: u16,
}

impl Probe {
    pub fn tcp(addr: impl Into<IpAddr>, port: u16) -> Probe {
        Probe {
            proto: Proto::Tcp,
            addr: addr.into(),
            port,
        }
    }

    pub fn udp(addr: impl Into<IpAddr>, port: u16) -> Probe {
        Probe {
            proto: Proto::Udp,
            addr: addr.into(),
            port,
        }
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.proto.as_str(),
            SocketAddr::new(self.addr, self.port)
        )
    }
}

/// What a probe saw.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// TCP: handshake done and the listener's byte received. UDP: the datagram came back.
    Connected,
    /// TCP RST or ICMP port unreachable: the packet reached a host with nothing listening, or
    /// an nft plain `reject` (port unreachable, for TCP too) or `reject with tcp reset`.
    Refused,
    /// No answer within the timeout: dropped on the way (or by the target's firewall).
    Timeout,
    /// Anything else, e.g. `No route to host (os error 113)` from an nft
    /// `reject with icmpx admin-prohibited` or `host-unreachable` (message without `error: `).
    Error(String),
}

impl Outcome {
    fn parse(text: &str) -> Outcome {
        match text {
            "connected" => Outcome::Connected,
            "refused" => Outcome::Refused,
            "timeout" => Outcome::Timeout,
            other => Outcome::Error(other.strip_prefix("error: ").unwrap_or(other).to_owned()),
        }
    }

    /// Same variant, ignoring an error's message.
    pub fn same_kind(&self, other: &Outcome) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Connected => f.write_str("connected"),
            Outcome::Refused => f.write_str("refused"),
            Outcome::Timeout => f.write_str("timeout"),
            Outcome::Error(e) => write!(f, "error: {e}"),
        }
    }
}

/// A probe and what it saw.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProbeResult {
    pub probe: Probe,
    pub outcome: Outcome,
}

impl fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.probe, self.outcome)
    }
}

// ---------------------------------------------------------------------------------------------

fn check_tag(tag: &str) -> io::Result<()> {
    if tag.is_empty()
        || tag.len() > 12
        || !tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(invalid(format!(
            "lab tag {tag:?} must be 1-12 characters [a-z0-9]"
        )));
    }
    Ok(())
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

#[expect(
    clippy::print_stderr,
    reason = "a failed cleanup in Drop can only be reported"
)]
fn warn(message: &str) {
    eprintln!("{message}");
}

/// This process's pid and start time (clock ticks since boot, /proc/PID/stat field 22).
fn own_identity() -> io::Result<(u32, u64)> {
    let pid = std::process::id();
    let start = process_start_time(pid)
        .ok_or_else(|| io::Error::other("cannot read this process's start time in /proc"))?;
    Ok((pid, start))
}

fn process_start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 2 (comm) may hold spaces and parentheses: count from the last ')'.
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(19)?.parse().ok()
}

/// Kills every process inside namespace `ns` (only our listeners can be there).
fn kill_processes_in(ns: &str) {
    let Ok(pids) = run_ok(&argv(&["ip", "netns", "pids", ns]), IP_DEADLINE) else {
        return;
    };
    for pid in String::from_utf8_lossy(&pids).split_whitespace() {
        if pid.bytes().all(|b| b.is_ascii_digit()) {
            let _ = run(&argv(&["kill", "-KILL", pid]), None, IP_DEADLINE);
        }
    }
}

/// Writes `/proc/sys/KEY` inside namespace `ns`; `optional` entries may fail.
fn sysctl(ns: &str, required: &[(&str, &str)], optional: &[(&str, &str)]) -> io::Result<()> {
    // Keys and values are constants of this module and interface names it made: no quoting
    // needed.
    let mut script = String::from("set -e\n");
    for (key, value) in required {
        script.push_str(&format!("echo {value} > /proc/sys/{key}\n"));
    }
    for (key, value) in optional {
        script.push_str(&format!(
            "(echo {value} > /proc/sys/{key}) 2>/dev/null || true\n"
        ));
    }
    run_ok(
        &argv(&["ip", "netns", "exec", ns, "sh", "-c", &script]),
        IP_DEADLINE,
    )
    .map(drop)
}

/// Runs `ip ARGS`, `args` split on whitespace (namespace and interface names, addresses and
/// networks never contain any).
fn ip(args: &str) -> io::Result<()> {
    let cmd: Vec<OsString> = std::iter::once("ip")
        .chain(args.split_whitespace())
        .map(OsString::from)
        .collect();
    run_ok(&cmd, IP_DEADLINE).map(drop)
}

fn argv(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn describe(cmd: &[OsString]) -> String {
    cmd.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a command; an error if it cannot start, exceeds `deadline` or exits non-zero.
fn run_ok(cmd: &[OsString], deadline: Duration) -> io::Result<Vec<u8>> {
    let out = run(cmd, None, deadline)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(io::Error::other(format!(
            "`{}` failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Runs a command to completion, killing it after `deadline`.
fn run(cmd: &[OsString], stdin: Option<Vec<u8>>, deadline: Duration) -> io::Result<Output> {
    let (program, args) = cmd
        .split_first()
        .ok_or_else(|| invalid("empty command".to_owned()))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run `{}`: {e}", describe(cmd))))?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A thread, so a large ruleset cannot deadlock against a full stdout pipe.
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let stdout = collect(child.stdout.take());
    let stderr = collect(child.stderr.take());
    let started = Instant::now();
    let status = wait_until(&mut child, started + deadline)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "`{}` did not finish within {deadline:?}; killed",
                describe(cmd)
            ),
        )
    })?;
    let grace = Duration::from_secs(5);
    Ok(Output {
        status,
        stdout: stdout.recv_timeout(grace).unwrap_or_default(),
        stderr: stderr.recv_timeout(grace).unwrap_or_default(),
    })
}

/// Waits for the child until `deadline`; kills it and returns `None` past the deadline.
fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_micros(200);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Reads a pipe to its end on a thread; the receiver gets the bytes.
fn collect(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    rx
}

/// For tests: whether the lab can run on this machine. Without root or `nft` the calling test
/// FAILS with a message saying what to install, unless `WARD_SKIP_NETNS=1` is set, in which
/// case it prints a SKIP line and the test returns early. CI runs as root with nftables
/// installed, so these tests run there.
#[expect(
    clippy::panic,
    clippy::print_stdout,
    reason = "called from tests: failing or reporting a skip is its job"
)]
pub fn lab_available(test: &str) -> bool {
    let Err(why) = Lab::preflight() else {
        return true;
    };
    #[expect(
        clippy::disallowed_methods,
        reason = "the documented switch to skip netns tests"
    )]
    let skip = std::env::var("WARD_SKIP_NETNS").is_ok_and(|v| v == "1");
    if skip {
        println!("SKIP {test}: {why} (WARD_SKIP_NETNS=1)");
        return false;
    }
    panic!(
        "{test}: the network namespace lab cannot run: {why}\n\
         These tests need root and nftables (apt-get install -y nftables iproute2). \
         Set WARD_SKIP_NETNS=1 to skip them."
    );
}
