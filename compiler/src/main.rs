//! The `ward` command-line tool. All logic lives in `ward_compiler::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let exit = ward_compiler::cli::run(std::env::args_os(), &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(exit as u8)
}
