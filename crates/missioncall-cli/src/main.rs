//! `missioncall`: the command-line face of MissionCall, thin over `missioncall-core`.
//!
//! It must never take the API key from its arguments (only stdin, the keychain or
//! `WORKAPI_API_KEY`), never print it, and never place a call without a confirmation (`--yes`
//! or an answer at the prompt).

mod args;
mod backup;
mod batch;
mod dnc;
mod exit;
mod output;
mod review;
mod run;
mod scheduled;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE as u8 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MISSIONCALL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .without_time()
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("missioncall: could not start: {e}");
            return ExitCode::from(exit::OTHER as u8);
        }
    };
    match runtime.block_on(run::run(cli)) {
        Ok(code) => ExitCode::from(code as u8),
        Err(f) => {
            eprintln!("missioncall: {}", f.message);
            ExitCode::from(f.code as u8)
        }
    }
}
