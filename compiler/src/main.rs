//! The `ward` command-line tool. All logic lives in `ward_compiler::cli`.

use std::process::ExitCode;

/// mimalloc rather than the system allocator: ward allocates many small, short-lived objects
/// (syntax trees, models) and hundreds of megabytes of generated rulesets at scale. At 10,000
/// services, generating the nftables rulesets took about 20-35% less CPU time with mimalloc
/// than with glibc's malloc (the same in every run of an A/B comparison on this 2-core
/// machine); the bench (`tests/benches/pipeline.rs`) uses the same allocator, so it measures
/// what `ward` runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let exit = ward_compiler::cli::run(std::env::args_os(), &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(exit as u8)
}
