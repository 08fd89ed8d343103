//! `dapa infer`: a JSON Schema that the healthy payloads satisfy.

use super::{finish, not_written, unwritten};
use crate::exit_status::ExitStatus;
use crate::output::{scanned, write_to};
use crate::settings::InferSettings;
use dapa::Status;
use miette::{IntoDiagnostic, Result};
use std::time::Instant;

pub fn run(settings: &InferSettings) -> Result<ExitStatus> {
    let started = Instant::now();
    let mut model = dapa::infer::Model::default();
    let outcome = scanned(dapa::scan::scan(
        &settings.paths,
        &settings.options,
        |record| {
            let healthy = matches!(
                record.status,
                Status::Ok | Status::Recovered | Status::Drift
            );
            if let (true, Some(payload)) = (healthy, &record.payload) {
                model.add(payload, &settings.infer);
            }
            Ok(())
        },
    ))?;
    finish(&outcome, settings.quiet, started, settings.options.jobs);
    if let Some(message) = not_written(&outcome, settings.output.as_deref()) {
        say!("{message}");
        return Ok(ExitStatus::Error);
    }
    if model.count() == 0 {
        // A schema of no payload accepts anything: it must not replace a
        // draft that says something.
        say!(
            "dapa: none of the {} captures has a healthy payload (ok, recovered or drift): {}",
            outcome.summary.captures,
            unwritten(settings.output.as_deref())
        );
        return Ok(ExitStatus::Error);
    }
    let mut text = serde_json::to_string_pretty(&model.to_schema()).into_diagnostic()?;
    text.push('\n');
    write_to(settings.output.as_deref(), &text)?;
    if !settings.quiet {
        say!(
            "dapa: schema inferred from {} healthy payloads of {} captures",
            model.count(),
            outcome.summary.captures
        );
    }
    Ok(ExitStatus::Clean)
}
