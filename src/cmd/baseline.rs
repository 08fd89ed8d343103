//! `dapa baseline`: the statistics of a corpus, for `scan --baseline`.

use super::{finish, not_written};
use crate::exit_status::ExitStatus;
use crate::output::{scanned, write_to};
use crate::settings::BaselineSettings;
use dapa::baseline::Baseline;
use miette::Result;
use std::time::Instant;

pub fn run(settings: &BaselineSettings) -> Result<ExitStatus> {
    let started = Instant::now();
    let outcome = scanned(dapa::scan::scan(
        &settings.paths,
        &settings.options,
        |_: &_| Ok(()),
    ))?;
    finish(&outcome, settings.quiet, started, settings.options.jobs);
    if let Some(message) = not_written(&outcome, settings.output.as_deref()) {
        say!("{message}");
        return Ok(ExitStatus::Error);
    }
    let text = Baseline::of(&outcome.summary)
        .made_with(&settings.analysis_shown)
        .to_json();
    write_to(settings.output.as_deref(), &text)?;
    Ok(ExitStatus::Clean)
}
