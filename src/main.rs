//! The `dapa` binary: parse arguments, drive the library, render, exit.
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 1 something is; 2 a usage,
//! configuration or I/O error of the tool itself.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary is where dapa renders and reports"
)]

mod cli;
mod report;

use clap::Parser;
use cli::{Args, Command, Format, ScanArgs};
use miette::{IntoDiagnostic, Result};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

// Parsing allocates many small strings and maps; mimalloc is markedly faster
// than the system allocator at that across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(code) => code,
        Err(report) => {
            if is_broken_pipe(&report) {
                return ExitCode::SUCCESS;
            }
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(report: &miette::Report) -> bool {
    report.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|error| error.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<dapa::scan::ScanError>()
                .is_some_and(|error| matches!(error, dapa::scan::ScanError::Output(io) if io.kind() == io::ErrorKind::BrokenPipe))
    })
}

fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Scan(scan_args) => scan(&scan_args),
    }
}

fn scan(args: &ScanArgs) -> Result<ExitCode> {
    let options = args.scan_options().into_diagnostic()?;
    let started = Instant::now();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut failing = 0u64;
    let outcome = dapa::scan::scan(&args.paths, &options, |record| {
        if args.fail_on.fails(record) {
            failing += 1;
        }
        match args.format {
            Format::Jsonl => report::jsonl::write_record(&mut out, record),
            Format::Table | Format::Json => Ok(()),
        }
    })
    .into_diagnostic()?;
    match args.format {
        Format::Table => report::table::write_summary(&mut out, &outcome.summary),
        Format::Json => report::json::write_summary(&mut out, &outcome.summary),
        Format::Jsonl => Ok(()),
    }
    .into_diagnostic()?;
    out.flush().into_diagnostic()?;
    let elapsed = started.elapsed().as_secs_f64();
    for error in &outcome.input_errors {
        eprintln!("dapa: {error}");
    }
    if !args.quiet {
        let summary = &outcome.summary;
        let rate = if elapsed > 0.0 {
            summary.captures as f64 / elapsed
        } else {
            0.0
        };
        eprintln!(
            "dapa: {} captures, {} bytes in {:.3} s ({:.0} captures/s, {} jobs)",
            summary.captures, summary.bytes, elapsed, rate, options.jobs
        );
    }
    Ok(if !outcome.input_errors.is_empty() {
        ExitCode::from(2)
    } else if failing > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
