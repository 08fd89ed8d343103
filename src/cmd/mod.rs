//! The commands, one file each: each runs with its resolved settings and
//! says how `dapa` exits.

pub mod baseline;
pub mod codes;
pub mod completions;
pub mod explain;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod infer;
pub mod lint;
pub mod man;
pub mod merge;
#[cfg(feature = "fetch")]
pub mod pull;
pub mod replay;
pub mod scan;

use crate::exit_status::ExitStatus;
use crate::report::escape::terminal;
use crate::settings::Settings;
use dapa::scan::ScanOutcome;
use miette::Result;
use std::time::Instant;

/// Run the command the settings are for.
pub fn run(settings: Settings) -> Result<ExitStatus> {
    match settings {
        Settings::Scan(settings) => scan::run(settings),
        Settings::Infer(settings) => infer::run(&settings),
        Settings::Baseline(settings) => baseline::run(&settings),
        Settings::Explain(settings) => explain::run(&settings),
        #[cfg(feature = "fetch")]
        Settings::Fetch(settings) => fetch::run(settings),
        #[cfg(feature = "fetch")]
        Settings::Pull(settings) => pull::run(settings),
        Settings::Merge(settings) => merge::run(settings),
        Settings::Completions(args) => completions::run(&args),
        Settings::Man(args) => man::run(&args),
        Settings::Codes(settings) => codes::run(&settings),
        Settings::Lint(settings) => lint::run(settings),
        Settings::Replay(settings) => replay::run(settings),
    }
}

/// The end of every command that scans: the inputs that could not be read,
/// then the throughput line unless `--quiet`.
fn finish(outcome: &ScanOutcome, quiet: bool, started: Instant, jobs: usize) {
    for error in &outcome.input_errors {
        say!("dapa: {}", terminal(error));
    }
    if quiet {
        return;
    }
    let summary = &outcome.summary;
    let elapsed = started.elapsed().as_secs_f64();
    let rate = if elapsed > 0.0 {
        summary.captures as f64 / elapsed
    } else {
        0.0
    };
    say!(
        "dapa: {} captures, {} bytes in {:.3} s ({:.0} captures/s, {} jobs)",
        summary.captures,
        summary.bytes,
        elapsed,
        rate,
        jobs
    );
}

/// Why the file a scan makes (a baseline, an inferred schema) is not
/// written, if it is not: some input could not be read, or there was no
/// capture at all. A file made of part of the corpus, or of none of it,
/// would replace a good one without a word.
fn not_written(outcome: &ScanOutcome, output: Option<&std::path::Path>) -> Option<String> {
    let why = if !outcome.input_errors.is_empty() {
        "some input could not be read"
    } else if outcome.summary.captures == 0 {
        "no capture was found"
    } else if (outcome.summary.codes.get(&dapa::Code::T08))
        .is_some_and(|unreadable| unreadable.captures == outcome.summary.captures)
    {
        // A device or a FIFO named as the input: a draft or a baseline made
        // of nothing must not replace a good one.
        "no capture could be read"
    } else {
        return None;
    };
    Some(format!("dapa: {why}: {}", unwritten(output)))
}

/// What is left unwritten when a command refuses to write: the file named,
/// or its standard output.
fn unwritten(output: Option<&std::path::Path>) -> String {
    output.map_or_else(
        || "nothing is written".to_owned(),
        |path| format!("{} is not written", terminal(&path.display().to_string())),
    )
}
