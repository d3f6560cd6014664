//! `synth`: writes a synthetic ward policy (see `ward_tests::synth`) to a directory. Std only.
//!
//! ```text
//! cargo synth --services N --flows M [--classes K] [--seed S] [--files F] --out DIR
//! ```
//!
//! The files are `policy.ward` (shared declarations) and one `team-NNN-<name>.ward` per 1,000
//! services unless `--files` says otherwise. DIR is created if needed; it must not contain other
//! `*.ward` files, which would become part of the policy (the command refuses rather than delete
//! them). The same arguments always write the same bytes.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ward_tests::synth::{self, SynthSpec};

const USAGE: &str = "usage: synth --services N --flows M [--classes K (default 50)] [--seed S (default 1)] \
     [--files F (default 1 + one per 1,000 services)] --out DIR";

struct Args {
    spec: SynthSpec,
    out: PathBuf,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        let _ = writeln!(io::stdout(), "{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = parse_args(&args).and_then(|args| run(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(io::stderr(), "synth: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut services = None;
    let mut flows = None;
    let mut classes = 50;
    let mut seed = 1;
    let mut files = None;
    let mut out = None;
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut value = || {
            iter.next()
                .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--services" => services = Some(number(flag, value()?)?),
            "--flows" => flows = Some(number(flag, value()?)?),
            "--classes" => classes = number(flag, value()?)?,
            "--seed" => seed = number(flag, value()?)?,
            "--files" => files = Some(number(flag, value()?)?),
            "--out" => out = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument `{flag}`\n{USAGE}")),
        }
    }
    let services: usize = services.ok_or_else(|| format!("`--services` is required\n{USAGE}"))?;
    let flows = flows.ok_or_else(|| format!("`--flows` is required\n{USAGE}"))?;
    let out = out.ok_or_else(|| format!("`--out` is required\n{USAGE}"))?;
    if files == Some(0) {
        return Err("`--files` must be at least 1".to_string());
    }
    let files = files.unwrap_or_else(|| synth::default_files(services));
    Ok(Args {
        spec: SynthSpec {
            services,
            flows,
            classes,
            seed,
            files,
        },
        out,
    })
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("`{flag}` needs a number, not `{text}`"))
}

fn run(args: &Args) -> Result<(), String> {
    let synth = synth::synthesize(args.spec);
    fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    refuse_foreign_ward_files(&args.out, &synth.files)?;
    for (name, text) in &synth.files {
        let path = args.out.join(name);
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let mut stdout = io::stdout().lock();
    let summary = writeln!(
        stdout,
        "wrote {} files ({} bytes) to {}: {} services ({} external), {} flows, {} data classes, \
         {} unencrypted personal flows, {} services in countries without a transfer, {} waivers",
        synth.files.len(),
        synth.bytes(),
        args.out.display(),
        synth.services,
        synth.external_services,
        synth.flows,
        synth.classes,
        synth.unencrypted_flows,
        synth.uncovered_services,
        synth.waivers,
    );
    if synth.flows < args.spec.flows {
        let _ = writeln!(
            stdout,
            "note: {} flows asked for, but {} services only offer {} distinct source -> target.port pairs",
            args.spec.flows, synth.services, synth.flows
        );
    }
    summary.map_err(|e| format!("cannot write to stdout: {e}"))
}

/// Every `*.ward` file in `dir` would be part of the policy: refuse if one is not ours.
fn refuse_foreign_ward_files(dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".ward") && !files.iter().any(|(ours, _)| *ours == name) {
            return Err(format!(
                "{} already contains `{name}`, which would become part of the policy; \
                 use an empty directory",
                dir.display()
            ));
        }
    }
    Ok(())
}
