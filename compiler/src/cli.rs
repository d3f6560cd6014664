//! The `ward` command line: the only place that touches files, the clock and the terminal.
//!
//! `run` takes the arguments and two writers so tests can drive the CLI in-process; `main.rs`
//! only maps its result to the process exit code.

mod build;
mod check;
pub mod explain;
pub mod load;
pub mod write;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status of a `ward` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: no errors (and no warnings under `--deny-warnings`).
    Clean = 0,
    /// 1: the policy has errors (or warnings under `--deny-warnings`).
    Findings = 1,
    /// 2: wrong usage, or a file could not be read or written.
    Usage = 2,
}

const AFTER_HELP: &str = "\
EXIT STATUS:
    0  no errors (warnings are allowed unless --deny-warnings)
    1  the policy has errors: syntax, names, values, or unwaived compliance findings
    2  usage error, or a file could not be read or written

EXAMPLES:
    ward check examples/shop                 check a policy directory
    ward check policy/ --format sarif > ward.sarif
    ward check policy/ --format github       annotations for GitHub Actions
    ward build examples/shop --out out/shop  generate firewall rulesets
    ward explain C301                        what a code means and how to fix it
    ward explain --list                      every code";

/// ward: compliance as code. Checks a GDPR data-flow policy and compiles it into what
/// enforces it.
///
/// A policy is a `.ward` file or a directory: every `*.ward` file below it (recursively) is
/// part of one policy. ward resolves services, ports, data classes, locations, flows and
/// transfers, builds the data-flow graph, and checks it against the GDPR rules listed by
/// `ward explain --list`.
#[derive(Debug, Parser)]
#[command(name = "ward", version, about, long_about, after_long_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a policy and report every problem with its location.
    ///
    /// Reports syntax errors, unknown names, invalid values and compliance findings. Waived
    /// findings are listed as waived, with their reason, owner and expiry. Exits 1 if any
    /// error (or, with --deny-warnings, any warning) remains.
    Check(CheckArgs),
    /// Check a policy and, if it has no unwaived error, generate everything that enforces it.
    ///
    /// Writes nftables rulesets (text and JSON, per host and for a gateway) under OUT. Files
    /// are replaced atomically; nothing is written when the policy has errors, so the last
    /// good outputs stay in place. Files a previous build wrote and this one no longer
    /// produces are removed; other files in OUT are never touched.
    Build(BuildArgs),
    /// Explain a diagnostic code: what it checks, why (with the GDPR article), how to fix it.
    Explain(ExplainArgs),
}

/// Options shared by commands that read a policy.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// A `.ward` file, or a directory whose `*.ward` files (recursively) form one policy.
    pub path: PathBuf,
    /// Evaluate waivers and adequacy decisions as of this date (YYYY-MM-DD) instead of today.
    /// Useful to reproduce a past run or to see what expires soon.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output directory (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Name of the policy in generated files (log prefixes, headers). Default: the policy's
    /// directory or file name.
    #[arg(long)]
    pub name: Option<String>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rendered diagnostics with source excerpts.
    Human,
    /// ward's JSON report (schema `ward.check/v1`, see compiler/docs/json-schema.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow annotations (`::error file=...`).
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A code (`C301`) or a rule name (`unencrypted-personal-data`).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its name, default severity and summary.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

/// Runs `ward` with `args` (including the program name).
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            let exit = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Clean
            };
            let sink: &mut dyn Write = if e.use_stderr() { err } else { out };
            let _ = sink.write_all(text.as_bytes());
            return exit;
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args, out, err),
        Command::Build(args) => build::run(&args, out, err),
        Command::Explain(args) => explain::run(&args, out, err),
    }
}

/// Every diagnostic code ward has: syntax, names and values, then compliance rules.
pub fn all_codes() -> Vec<&'static ward_lang::Code> {
    let mut codes: Vec<&'static ward_lang::Code> = ward_lang::diag::codes::ALL.to_vec();
    codes.extend(crate::model::codes::ALL.iter().copied());
    codes.extend(crate::checks::registry::codes());
    codes
}
