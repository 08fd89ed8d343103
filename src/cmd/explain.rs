//! `dapa explain`: one capture as miette diagnostics, layer by layer.

use crate::exit_status::ExitStatus;
use crate::output::written;
use crate::report::explain::render;
use crate::settings::ExplainSettings;
use dapa::Severity;
use dapa::capture;
use dapa::profile::definition::Enclosing;
use dapa::spans::explain_beside;
use miette::Result;
use std::io;
use std::path::Path;

/// Explain the capture the arguments name; exit 1 when it has findings of
/// error severity, as `scan` would with its default `--fail-on`.
pub fn run(settings: &ExplainSettings) -> Result<ExitStatus> {
    let loaded = if settings.target == "-" {
        capture::load_reader(io::stdin().lock(), "-".to_owned(), settings.max_bytes)
    } else {
        capture::load_named(&settings.target, &settings.lines, settings.max_bytes)
            .map_err(miette::Report::msg)?
    };
    // A capture in a folder with definitions (`ID.action.json`) in it or
    // above it is checked against its action's, as a scan of it would be.
    let found = if settings.target == "-" {
        None
    } else {
        Enclosing::new(false)
            .of_file(Path::new(&settings.target))
            .map_err(miette::Report::msg)?
    };
    let explained = explain_beside(loaded, &settings.options, found.as_deref());
    let mut out = io::stdout().lock();
    written(render(&mut out, &explained, settings.terminal))?;
    let failing = explained
        .record
        .findings
        .iter()
        .any(|finding| finding.severity == Severity::Error);
    Ok(ExitStatus::failing_if(failing))
}
