//! `nettool`: the listener and prober the network-namespace harness (`ward_tests::netns`) starts
//! inside a namespace with `ip netns exec`. Std only.
//!
//! ```text
//! nettool listen [--max-secs N] [--tcp ADDR:PORT]... [--udp ADDR:PORT]...
//! nettool probe [--timeout-ms N] (tcp|udp ADDR PORT)...
//! ```
//!
//! `listen` binds every socket, prints `ready` on stdout, then accepts TCP connections (writes one
//! byte `w` and closes) and echoes UDP datagrams, until its stdin closes (or `--max-secs`, default
//! 900, elapses): it never outlives the harness that started it. IPv6 addresses are written
//! `[::1]:80`. A wildcard `[::]` socket is dual-stack unless `net.ipv6.bindv6only=1` (the harness
//! sets it in every namespace, so `0.0.0.0:P` and `[::]:P` can both be bound).
//!
//! `probe` tries every target in parallel (a pool of at most [`MAX_PARALLEL`] threads) and prints
//! one JSON line per target, in the order given:
//! `{"proto":"tcp","addr":"198.18.2.10","port":8080,"result":"connected"}` where `result` is
//! `connected` (TCP: handshake done and the listener's byte received; UDP: datagram echoed),
//! `refused` (TCP RST, or ICMP port unreachable on the connected UDP socket), `timeout`, or
//! `error: ...` (for example an ICMP host/admin-prohibited answer from an nft `reject`).

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Upper bound on concurrent probe threads.
const MAX_PARALLEL: usize = 64;
/// Upper bound on a probe timeout, so a typo cannot hang a test.
const MAX_TIMEOUT_MS: u64 = 60_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("listen") => listen(&args[1..]),
        Some("probe") => probe(&args[1..]),
        _ => Err("usage: nettool listen [--max-secs N] [--tcp ADDR:PORT]... [--udp ADDR:PORT]...\n       \
                  nettool probe [--timeout-ms N] (tcp|udp ADDR PORT)..."
            .to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(io::stderr().lock(), "nettool: {message}");
            ExitCode::FAILURE
        }
    }
}

fn listen(args: &[String]) -> Result<(), String> {
    let mut tcp = Vec::new();
    let mut udp = Vec::new();
    let mut max_secs: u64 = 900;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--tcp" => tcp.push(parse_sockaddr(value)?),
            "--udp" => udp.push(parse_sockaddr(value)?),
            "--max-secs" => {
                max_secs = value
                    .parse()
                    .map_err(|e| format!("--max-secs {value}: {e}"))?;
            }
            other => return Err(format!("unknown listen option {other}")),
        }
    }
    if tcp.is_empty() && udp.is_empty() {
        return Err("listen needs at least one --tcp or --udp".to_owned());
    }
    // Bind everything first, so `ready` means every socket is bound.
    let mut tcp_listeners = Vec::new();
    for addr in &tcp {
        tcp_listeners.push(TcpListener::bind(addr).map_err(|e| format!("bind tcp {addr}: {e}"))?);
    }
    let mut udp_sockets = Vec::new();
    for addr in &udp {
        udp_sockets.push(UdpSocket::bind(addr).map_err(|e| format!("bind udp {addr}: {e}"))?);
    }
    for listener in tcp_listeners {
        thread::spawn(move || serve_tcp(&listener));
    }
    for socket in udp_sockets {
        thread::spawn(move || serve_udp(&socket));
    }
    {
        let mut out = io::stdout().lock();
        writeln!(out, "ready").map_err(|e| format!("stdout: {e}"))?;
        out.flush().map_err(|e| format!("stdout: {e}"))?;
    }
    // Stay alive until stdin reaches EOF (the harness dropped its end or died) or max_secs passes.
    let (done_tx, done_rx) = mpsc::channel::<()>();
    thread::spawn(move || {
        let mut sink = [0_u8; 256];
        let mut stdin = io::stdin().lock();
        while let Ok(n) = stdin.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
        let _ = done_tx.send(());
    });
    let _ = done_rx.recv_timeout(Duration::from_secs(max_secs));
    Ok(())
}

fn serve_tcp(listener: &TcpListener) {
    for stream in listener.incoming() {
        match stream {
            Ok(mut stream) => {
                // One byte then close: the prober counts a connection only once data came back.
                let _ = stream.write_all(b"w");
                let _ = stream.flush();
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn serve_udp(socket: &UdpSocket) {
    let mut buf = [0_u8; 2048];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, peer)) => {
                let _ = socket.send_to(&buf[..n], peer);
            }
            // ECONNREFUSED from an earlier ICMP error and the like: keep serving.
            Err(_) => thread::sleep(Duration::from_millis(1)),
        }
    }
}

#[derive(Clone, Copy)]
enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

fn probe(args: &[String]) -> Result<(), String> {
    let mut timeout = Duration::from_millis(1000);
    let mut targets: Vec<(Proto, SocketAddr)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--timeout-ms" => {
                let value = args.get(i + 1).ok_or("--timeout-ms needs a value")?;
                let ms: u64 = value
                    .parse()
                    .map_err(|e| format!("--timeout-ms {value}: {e}"))?;
                timeout = Duration::from_millis(ms.clamp(1, MAX_TIMEOUT_MS));
                i += 2;
            }
            proto @ ("tcp" | "udp") => {
                let (Some(addr), Some(port)) = (args.get(i + 1), args.get(i + 2)) else {
                    return Err(format!("{proto} needs ADDR PORT"));
                };
                let ip: IpAddr = addr.parse().map_err(|e| format!("address {addr}: {e}"))?;
                let port: u16 = port.parse().map_err(|e| format!("port {port}: {e}"))?;
                let proto = if proto == "tcp" {
                    Proto::Tcp
                } else {
                    Proto::Udp
                };
                targets.push((proto, SocketAddr::new(ip, port)));
                i += 3;
            }
            other => return Err(format!("unknown probe argument {other}")),
        }
    }
    // A pool of at most MAX_PARALLEL workers, each taking the next target, so one slow (timing
    // out) target does not hold up others.
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, String)>();
    thread::scope(|scope| {
        for _ in 0..MAX_PARALLEL.min(targets.len()) {
            let tx = tx.clone();
            let (next, targets) = (&next, &targets);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(proto, addr)) = targets.get(index) else {
                        break;
                    };
                    let result = match proto {
                        Proto::Tcp => probe_tcp(addr, timeout),
                        Proto::Udp => probe_udp(addr, timeout),
                    };
                    if tx.send((index, result)).is_err() {
                        break;
                    }
                }
            });
        }
    });
    drop(tx);
    let mut results: Vec<Option<String>> = vec![None; targets.len()];
    for (index, result) in rx {
        if let Some(slot) = results.get_mut(index) {
            *slot = Some(result);
        }
    }
    let mut out = io::stdout().lock();
    for ((proto, addr), result) in targets.iter().zip(&results) {
        writeln!(
            out,
            "{{\"proto\":\"{}\",\"addr\":\"{}\",\"port\":{},\"result\":\"{}\"}}",
            proto.name(),
            addr.ip(),
            addr.port(),
            json_escape(result.as_deref().unwrap_or("error: probe thread panicked"))
        )
        .map_err(|e| format!("stdout: {e}"))?;
    }
    out.flush().map_err(|e| format!("stdout: {e}"))
}

fn classify(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "refused".to_owned(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timeout".to_owned(),
        _ => format!("error: {e}"),
    }
}

fn probe_tcp(addr: SocketAddr, timeout: Duration) -> String {
    let start = Instant::now();
    let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(stream) => stream,
        Err(e) => return classify(&e),
    };
    // The handshake alone proves the SYN went through; the byte proves the established flow
    // (ct state established) passes both ways too.
    let left = timeout
        .saturating_sub(start.elapsed())
        .max(Duration::from_millis(1));
    if let Err(e) = stream.set_read_timeout(Some(left)) {
        return format!("error: {e}");
    }
    let mut byte = [0_u8; 1];
    match stream.read(&mut byte) {
        Ok(1) => "connected".to_owned(),
        Ok(_) => "error: connected but the listener sent no byte".to_owned(),
        Err(e) => match classify(&e).as_str() {
            "timeout" => "error: connected but no data came back (timeout)".to_owned(),
            other => format!("error: connected but read failed: {other}"),
        },
    }
}

fn probe_udp(addr: SocketAddr, timeout: Duration) -> String {
    let local: SocketAddr = if addr.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0_u16; 8], 0))
    };
    let socket = match UdpSocket::bind(local) {
        Ok(socket) => socket,
        Err(e) => return format!("error: bind: {e}"),
    };
    // Connected, so the kernel reports an ICMP port unreachable as ECONNREFUSED and filters
    // datagrams from anyone but the target.
    if let Err(e) = socket.connect(addr) {
        return format!("error: connect: {e}");
    }
    let payload = format!("ward-probe {addr}");
    if let Err(e) = socket.send(payload.as_bytes()) {
        return classify(&e);
    }
    let deadline = Instant::now() + timeout;
    let mut buf = [0_u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return "timeout".to_owned();
        }
        if let Err(e) = socket.set_read_timeout(Some(left)) {
            return format!("error: {e}");
        }
        match socket.recv(&mut buf) {
            Ok(n) if &buf[..n] == payload.as_bytes() => return "connected".to_owned(),
            Ok(_) => {} // a stray datagram: keep waiting until the deadline
            Err(e) => return classify(&e),
        }
    }
}

fn parse_sockaddr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|e| format!("address {text} (want 198.18.1.10:80 or [fd00::10]:80): {e}"))
}

fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
