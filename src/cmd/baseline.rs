//! `dapa baseline`: the statistics of a corpus, for `scan --baseline`.

use super::finish;
use crate::exit_status::ExitStatus;
use crate::output::{scanned, write_to};
use crate::settings::BaselineSettings;
use dapa::baseline::Baseline;
use miette::Result;
use std::time::Instant;

pub fn run(settings: &BaselineSettings) -> Result<ExitStatus> {
    let started = Instant::now();
    let outcome = scanned(dapa::scan::scan(&settings.paths, &settings.options, |_| {
        Ok(())
    }))?;
    let text = Baseline::of(&outcome.summary).to_json();
    write_to(settings.output.as_deref(), &text)?;
    finish(&outcome, settings.quiet, started, settings.options.jobs);
    Ok(ExitStatus::error_if(!outcome.input_errors.is_empty()))
}
