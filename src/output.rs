//! Writing what a command produces, with a closed pipe told apart from
//! other output errors.

use crate::report::escape::terminal;
use dapa::baseline::Regression;
use dapa::scan::{ScanError, ScanOutcome};
use miette::{Context, IntoDiagnostic, Result};
use std::io::{self, Write};
use std::path::Path;

/// The reader of standard output went away (`dapa scan ... | head`): stop
/// quietly, as other command-line tools do.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the output was closed")]
pub struct PipeClosed;

/// An output error as a report, with a closed pipe told apart.
pub fn written<T>(result: io::Result<T>) -> Result<T> {
    result.map_err(|error| match error.kind() {
        io::ErrorKind::BrokenPipe => miette::Report::new(PipeClosed),
        _ => miette::Report::msg(format!("cannot write the output: {error}")),
    })
}

/// A scan's result as a report, with a closed pipe told apart.
pub fn scanned(result: std::result::Result<ScanOutcome, ScanError>) -> Result<ScanOutcome> {
    match result {
        Err(ScanError::Output(error)) => written(Err(error)),
        other => other.into_diagnostic(),
    }
}

/// Say on standard error what got worse than the baseline, one line each.
pub fn tell_regressions(regressions: &[Regression]) {
    for regression in regressions {
        eprintln!(
            "dapa: regression ({}): {} (example: {})",
            regression.kind,
            terminal(&regression.message),
            terminal(&regression.example)
        );
    }
}

/// Write a whole file the user named (`--output`, `--update-baseline`).
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .into_diagnostic()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Write a whole text to the file `--output` names, or to standard output.
pub fn write_to(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(path) => write_file(path, text),
        None => written(io::stdout().lock().write_all(text.as_bytes())),
    }
}
