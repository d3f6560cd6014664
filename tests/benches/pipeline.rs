//! How the pipeline's time and memory grow with the size of a policy (std only, no harness).
//!
//! ```text
//! cargo bench -p ward-tests --bench pipeline                 # every size
//! cargo bench -p ward-tests --bench pipeline -- 10000        # only the sizes with 10,000 services
//! cargo bench -p ward-tests --bench pipeline -- --runs 9     # more runs per size
//! ```
//!
//! Each size runs in a child process (this binary again, with `--child SERVICES FLOWS RUNS`), so
//! that its peak memory is its own: the child generates the policy in memory (not timed), runs
//! the [`STAGES`] `RUNS` times, and prints one `RESULT` line that the parent turns into a table
//! row. To measure a new stage (graph and checks, nftables generation), add its output to
//! [`Run`] and an entry to [`STAGES`]: the table grows a column.
//!
//! Without `--bench` (which `cargo bench` passes, and `cargo test --benches` does not) the binary
//! is a smoke test: one small policy, one run in-process, failing if a stage reports an error.

use std::io::{self, BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use ward_compiler::date::Date;
use ward_compiler::emit::EmitContext;
use ward_compiler::graph::Graph;
use ward_compiler::graph::lineage::Lineage;
use ward_compiler::model::Model;
use ward_compiler::pipeline::Analysis;
use ward_compiler::reference::Reference;
use ward_lang::{Diagnostic, Sources, ast};
use ward_tests::synth::{self, SynthSpec};

/// The allocator the `ward` binary uses (see `compiler/src/main.rs`), so that the bench
/// measures what ward runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `(services, flows)`: 10 flows per service, 10× more of both at each step.
const SIZES: &[(usize, usize)] = &[(1_000, 10_000), (10_000, 100_000), (100_000, 1_000_000)];
/// The size of the smoke test.
const SMOKE: (usize, usize) = (200, 2_000);
const CLASSES: usize = 50;
const SEED: u64 = 1;
const DEFAULT_RUNS: usize = 5;

/// What one run of the pipeline carries from stage to stage.
struct Run<'r> {
    reference: &'r Reference,
    /// The files as read from disk: `(path, bytes)`.
    input: Vec<(String, Vec<u8>)>,
    sources: Sources,
    policy: ast::Policy,
    model: Model,
    /// The model with its graph, lineage and findings, once the checks ran.
    analysis: Option<Analysis>,
    /// Files the backends generated. Like every stage's output, freed after the timings (as
    /// `ward build`, which exits without freeing them).
    artifacts: Vec<ward_compiler::emit::Artifact>,
    /// Every diagnostic of every stage so far.
    diagnostics: Vec<Diagnostic>,
}

/// A timed step of the pipeline: it takes its input from the [`Run`] and leaves its output there.
struct Stage {
    name: &'static str,
    run: fn(&mut Run<'_>),
}

/// The pipeline, in order. Later stages go at the end.
const STAGES: &[Stage] = &[
    Stage {
        name: "parse",
        run: parse,
    },
    Stage {
        name: "resolve",
        run: resolve,
    },
    Stage {
        name: "checks",
        run: checks,
    },
    Stage {
        name: "nftables",
        run: nftables,
    },
];

/// `Sources::add` (UTF-8 check, line index) for every file, then `ward_lang::parse`.
fn parse(run: &mut Run<'_>) {
    let mut sources = Sources::new();
    for (path, bytes) in run.input.drain(..) {
        if let (_, Some(diag)) = sources.add(path, bytes) {
            run.diagnostics.push(diag);
        }
    }
    let (policy, diags) = ward_lang::parse(&sources);
    run.sources = sources;
    run.policy = policy;
    run.diagnostics.extend(diags);
}

fn resolve(run: &mut Run<'_>) {
    let (model, diags) = ward_compiler::model::resolve::resolve(&run.policy, run.reference);
    run.model = model;
    run.diagnostics.extend(diags);
}

/// `ward check` after resolution: graph, lineage and every rule (findings are expected in a
/// synthetic policy and are not counted as errors; problems with waivers and settings are).
fn checks(run: &mut Run<'_>) {
    let model = std::mem::take(&mut run.model);
    let graph = Graph::build(&model);
    let lineage = Lineage::compute(&model, &graph, run.reference);
    let Ok(today) = Date::new(2026, 12, 1) else {
        return;
    };
    let outcome = {
        let cx = ward_compiler::checks::Context {
            model: &model,
            graph: &graph,
            lineage: &lineage,
            reference: run.reference,
            today,
        };
        ward_compiler::checks::run(&cx)
    };
    run.diagnostics.extend(outcome.diagnostics.iter().cloned());
    run.analysis = Some(Analysis {
        model,
        graph,
        lineage,
        outcome,
    });
}

/// Every nftables ruleset (one per internal service, plus the gateway's two), text and JSON.
fn nftables(run: &mut Run<'_>) {
    if let Some(analysis) = &run.analysis {
        run.artifacts = ward_compiler::emit::emit_all(&EmitContext {
            analysis,
            policy_name: "synth",
        });
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().is_some_and(|a| a == "--child") {
        child(&args[1..])
    } else if args.iter().any(|a| a == "--bench") {
        parent(&args)
    } else {
        smoke()
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(io::stderr(), "pipeline bench: {message}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring one size (in the child process)

/// Min, median and max of a series of durations, in nanoseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    min: u128,
    median: u128,
    max: u128,
}

impl Stats {
    fn of(mut samples: Vec<u128>) -> Stats {
        samples.sort_unstable();
        let at = |i: usize| samples.get(i).copied().unwrap_or(0);
        Stats {
            min: at(0),
            median: at(samples.len() / 2),
            max: at(samples.len().saturating_sub(1)),
        }
    }
}

/// The measurements of one size.
#[derive(Debug, Clone, Default)]
struct Measured {
    services: usize,
    flows: usize,
    files: usize,
    bytes: usize,
    errors: usize,
    warnings: usize,
    generate_ms: u128,
    /// Per stage, in [`STAGES`] order.
    stages: Vec<Stats>,
    total: Stats,
    /// Peak resident memory while the pipeline ran (VmHWM), in KiB.
    peak_kib: u64,
    /// Whether the peak was reset after generating the policy (else it includes generation).
    peak_reset: bool,
}

fn measure(
    services: usize,
    flows: usize,
    runs: usize,
    report_errors: bool,
) -> Result<Measured, String> {
    let spec = SynthSpec {
        classes: CLASSES,
        seed: SEED,
        ..SynthSpec::new(services, flows)
    };
    let started = Instant::now();
    let synth = synth::synthesize(spec);
    let generate_ms = started.elapsed().as_millis();
    let reference = Reference::builtin();
    let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();

    let mut samples: Vec<Vec<u128>> = vec![Vec::with_capacity(runs); STAGES.len()];
    let mut totals = Vec::with_capacity(runs);
    let mut errors = 0;
    let mut warnings = 0;
    for i in 0..runs.max(1) {
        let input = synth
            .files
            .iter()
            .map(|(name, text)| (name.clone(), text.clone().into_bytes()))
            .collect();
        let mut run = Run {
            reference,
            input,
            sources: Sources::new(),
            policy: ast::Policy::default(),
            model: Model::default(),
            analysis: None,
            artifacts: Vec::new(),
            diagnostics: Vec::new(),
        };
        let mut total = 0;
        for (stage, samples) in STAGES.iter().zip(&mut samples) {
            let started = Instant::now();
            (stage.run)(&mut run);
            let ns = started.elapsed().as_nanos();
            samples.push(ns);
            total += ns;
        }
        totals.push(total);
        if i == 0 {
            errors = run.diagnostics.iter().filter(|d| d.is_error()).count();
            warnings = run.diagnostics.len() - errors;
            if report_errors {
                report_first_errors(&run);
            }
        }
        drop(run);
    }
    Ok(Measured {
        services: synth.services,
        flows: synth.flows,
        files: synth.files.len(),
        bytes: synth.bytes(),
        errors,
        warnings,
        generate_ms,
        stages: samples.into_iter().map(Stats::of).collect(),
        total: Stats::of(totals),
        peak_kib: proc_status_kib("VmHWM")?,
        peak_reset,
    })
}

fn report_first_errors(run: &Run<'_>) {
    let mut stderr = io::stderr().lock();
    for diag in run.diagnostics.iter().filter(|d| d.is_error()).take(5) {
        let place = diag.primary.as_ref().map_or_else(String::new, |label| {
            let file = run.sources.get(label.span.file);
            let path = file.map_or("?", |f| f.path.as_str());
            let (line, column) = file.map_or((0, 0), |f| f.line_col(label.span.start));
            format!(
                "{path}:{line}:{column}: `{}`: ",
                run.sources.snippet(label.span)
            )
        });
        let _ = writeln!(stderr, "  error {}: {place}{}", diag.code.id, diag.message);
    }
}

/// A `kB` line of /proc/self/status, e.g. `VmHWM`.
fn proc_status_kib(key: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("/proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| {
            line.strip_prefix(key)?
                .strip_prefix(':')?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .ok_or_else(|| format!("no `{key}` in /proc/self/status"))
}

/// `--child SERVICES FLOWS RUNS`: measure one size and print its `RESULT` line.
fn child(args: &[String]) -> Result<(), String> {
    let [services, flows, runs] = args else {
        return Err("usage: pipeline --child SERVICES FLOWS RUNS".to_string());
    };
    let number = |s: &String| s.parse::<usize>().map_err(|e| format!("`{s}`: {e}"));
    let measured = measure(number(services)?, number(flows)?, number(runs)?, true)?;
    let mut line = format!(
        "RESULT services={} flows={} files={} bytes={} errors={} warnings={} generate_ms={} peak_kib={} peak_reset={}",
        measured.services,
        measured.flows,
        measured.files,
        measured.bytes,
        measured.errors,
        measured.warnings,
        measured.generate_ms,
        measured.peak_kib,
        u8::from(measured.peak_reset),
    );
    for (stage, stats) in STAGES.iter().zip(&measured.stages) {
        line.push_str(&format!(
            " {}={},{},{}",
            stage.name, stats.min, stats.median, stats.max
        ));
    }
    line.push_str(&format!(
        " total={},{},{}",
        measured.total.min, measured.total.median, measured.total.max
    ));
    writeln!(io::stdout(), "{line}").map_err(|e| format!("stdout: {e}"))
}

/// Reads a `RESULT` line back.
fn parse_result(line: &str) -> Result<Measured, String> {
    let fields = line
        .strip_prefix("RESULT ")
        .ok_or_else(|| format!("not a result: {line}"))?;
    let mut m = Measured {
        stages: vec![Stats::default(); STAGES.len()],
        ..Measured::default()
    };
    for field in fields.split_whitespace() {
        let (key, value) = field
            .split_once('=')
            .ok_or_else(|| format!("bad field `{field}`"))?;
        let int = || value.parse::<u128>().map_err(|e| format!("`{field}`: {e}"));
        let stats = || -> Result<Stats, String> {
            let parts: Vec<u128> = value
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("`{field}`: {e}"))?;
            match parts[..] {
                [min, median, max] => Ok(Stats { min, median, max }),
                _ => Err(format!("bad stats `{field}`")),
            }
        };
        match key {
            "services" => m.services = int()? as usize,
            "flows" => m.flows = int()? as usize,
            "files" => m.files = int()? as usize,
            "bytes" => m.bytes = int()? as usize,
            "errors" => m.errors = int()? as usize,
            "warnings" => m.warnings = int()? as usize,
            "generate_ms" => m.generate_ms = int()?,
            "peak_kib" => m.peak_kib = int()? as u64,
            "peak_reset" => m.peak_reset = int()? == 1,
            "total" => m.total = stats()?,
            _ => {
                if let Some(i) = STAGES.iter().position(|s| s.name == key) {
                    m.stages[i] = stats()?;
                }
            }
        }
    }
    Ok(m)
}

// ---------------------------------------------------------------------------------------------
// The table (in the parent process)

fn parent(args: &[String]) -> Result<(), String> {
    let mut runs = DEFAULT_RUNS;
    let mut filters = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--runs" {
            let value = iter.next().ok_or("`--runs` needs a number")?;
            runs = value
                .parse()
                .map_err(|e| format!("`--runs {value}`: {e}"))?;
        } else if let Ok(n) = arg.replace('_', "").parse::<usize>() {
            filters.push(n);
        }
        // Anything else (`--bench`, libtest flags) is ignored.
    }
    let sizes: Vec<(usize, usize)> = SIZES
        .iter()
        .copied()
        .filter(|(s, _)| filters.is_empty() || filters.contains(s))
        .collect();
    if sizes.is_empty() {
        let known: Vec<String> = SIZES.iter().map(|(s, _)| s.to_string()).collect();
        return Err(format!(
            "no size has {filters:?} services; the sizes are {}",
            known.join(", ")
        ));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let mut out = io::stdout().lock();
    write_header(&mut out, runs).map_err(|e| format!("stdout: {e}"))?;
    let mut previous: Option<Measured> = None;
    let mut failed = false;
    for (services, flows) in sizes {
        let child = Command::new(&exe)
            .args([
                "--child",
                &services.to_string(),
                &flows.to_string(),
                &runs.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let output = child
            .wait_with_output()
            .map_err(|e| format!("child for {services} services: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let result = BufReader::new(stdout.as_bytes())
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("RESULT "));
        let Some(line) = result.filter(|_| output.status.success()) else {
            writeln!(
                out,
                "{services:>9} {flows:>10}  failed: child exited with {}",
                output.status
            )
            .map_err(|e| e.to_string())?;
            failed = true;
            continue;
        };
        let measured = parse_result(&line)?;
        failed |= measured.errors > 0;
        write_row(&mut out, &measured, previous.as_ref()).map_err(|e| format!("stdout: {e}"))?;
        out.flush().map_err(|e| e.to_string())?;
        previous = Some(measured);
    }
    if failed {
        return Err("some sizes failed or reported errors (see above)".to_string());
    }
    Ok(())
}

fn write_header(out: &mut impl Write, runs: usize) -> io::Result<()> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                Some(
                    l.strip_prefix("model name")?
                        .split_once(':')?
                        .1
                        .trim()
                        .to_string(),
                )
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
    let stages: Vec<&str> = STAGES.iter().map(|s| s.name).collect();
    writeln!(
        out,
        "ward pipeline benchmark: {} on synthetic policies ({cpu}, {threads} threads)",
        stages.join(" + ")
    )?;
    writeln!(out)?;
    writeln!(out, "How to read:")?;
    writeln!(
        out,
        "  * Policies come from tests/support/synth.rs: 10 flows per service, {CLASSES} data classes, seed {SEED},"
    )?;
    writeln!(
        out,
        "    one file per 1,000 services. Each size runs in its own process; generating the policy is"
    )?;
    writeln!(
        out,
        "    not timed. Every stage then runs {runs} times: times are `median [min-max]` in ms."
    )?;
    writeln!(
        out,
        "  * parse = Sources::add (UTF-8 check, line index) + ward_lang::parse; resolve ="
    )?;
    writeln!(
        out,
        "    model::resolve::resolve (Reference::builtin() is built once, outside the timings)."
    )?;
    writeln!(
        out,
        "  * total = the stages of one run added up; xprev = total / total of the previous size, whose"
    )?;
    writeln!(
        out,
        "    services and flows are 10x fewer: about 10 means linear growth, more means worse."
    )?;
    writeln!(
        out,
        "  * ns/flow = median total / flows. peak MB = the process's highest resident memory while"
    )?;
    writeln!(
        out,
        "    the pipeline ran (VmHWM), which includes the policy text itself (text MB)."
    )?;
    writeln!(
        out,
        "  * errors must be 0 (warnings are expected); the first errors are printed above the row."
    )?;
    writeln!(
        out,
        "  * One size only: cargo bench -p ward-tests --bench pipeline -- 10000 (services)."
    )?;
    writeln!(out)?;
    write!(
        out,
        "{:>9} {:>10} {:>5} {:>8}",
        "services", "flows", "files", "text MB"
    )?;
    for stage in STAGES {
        write!(out, " {:>24}", format!("{} ms", stage.name))?;
    }
    writeln!(
        out,
        " {:>24} {:>6} {:>8} {:>8} {:>6} {:>8}",
        "total ms", "xprev", "ns/flow", "peak MB", "errors", "warnings"
    )
}

fn ms(ns: u128) -> String {
    let ms = ns as f64 / 1e6;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 1000.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn stats_cell(stats: Stats) -> String {
    format!("{} [{}-{}]", ms(stats.median), ms(stats.min), ms(stats.max))
}

fn write_row(out: &mut impl Write, m: &Measured, previous: Option<&Measured>) -> io::Result<()> {
    let mb = |bytes: f64| bytes / (1024.0 * 1024.0);
    write!(
        out,
        "{:>9} {:>10} {:>5} {:>8.1}",
        m.services,
        m.flows,
        m.files,
        mb(m.bytes as f64)
    )?;
    for stats in &m.stages {
        write!(out, " {:>24}", stats_cell(*stats))?;
    }
    let growth = previous.filter(|p| p.total.median > 0).map_or_else(
        || "-".to_string(),
        |p| format!("{:.1}", m.total.median as f64 / p.total.median as f64),
    );
    let per_flow = if m.flows == 0 {
        0
    } else {
        m.total.median / m.flows as u128
    };
    let peak = format!(
        "{:.0}{}",
        m.peak_kib as f64 / 1024.0,
        if m.peak_reset { "" } else { "*" }
    );
    writeln!(
        out,
        " {:>24} {:>6} {:>8} {:>8} {:>6} {:>8}",
        stats_cell(m.total),
        growth,
        per_flow,
        peak,
        m.errors,
        m.warnings
    )?;
    if !m.peak_reset {
        writeln!(
            out,
            "{:>9} (* peak includes generating the policy: /proc/self/clear_refs was not writable)",
            ""
        )?;
    }
    Ok(())
}

/// `cargo test --benches`: one small policy through every stage once, without errors.
fn smoke() -> Result<(), String> {
    let (services, flows) = SMOKE;
    let measured = measure(services, flows, 1, true)?;
    let mut out = io::stdout().lock();
    let _ = writeln!(
        out,
        "pipeline smoke test ({services} services, {flows} flows): {} ms, {} errors, {} warnings; \
         run `cargo bench -p ward-tests --bench pipeline` for the measurements",
        ms(measured.total.median),
        measured.errors,
        measured.warnings
    );
    if measured.errors > 0 {
        return Err(format!("{} errors on a generated policy", measured.errors));
    }
    Ok(())
}
