//! `dapa infer`: a JSON Schema that the healthy payloads satisfy.

use super::{finish, not_written, unwritten};
use crate::exit_status::ExitStatus;
use crate::output::{scanned, write_to};
use crate::settings::InferSettings;
use dapa::analyze::analyze_beside;
use dapa::profile::definition::FolderDefinitions;
use dapa::record::SecretMarks;
use dapa::{Capture, Status};
use miette::{IntoDiagnostic, Result};
use std::time::Instant;

pub fn run(settings: &InferSettings) -> Result<ExitStatus> {
    let started = Instant::now();
    let mut model = dapa::infer::Model::default();
    // Each capture is judged with no profile; the profile the scan would
    // check it with (a rule, its folder's definition) goes with its
    // payload, to say which values are secret.
    let analyse = |capture: Capture, found: Option<&FolderDefinitions>| {
        let action_id = capture.meta.action_id.as_deref();
        let secrets = (settings.secrets)
            .for_capture_beside(&capture.source, action_id, found)
            .and_then(SecretMarks::of);
        let mut record = analyze_beside(capture, &settings.options.analyze, None);
        if let Some(payload) = &mut record.payload {
            payload.secrets = secrets;
        }
        record
    };
    let outcome = scanned(dapa::scan::scan_with(
        &settings.paths,
        &settings.options,
        &analyse,
        |record: &dapa::record::CaptureRecord| {
            let healthy = matches!(
                record.status,
                Status::Ok | Status::Recovered | Status::Drift
            );
            if let (true, Some(payload)) = (healthy, &record.payload) {
                let secrets = payload.secrets.as_ref().map(|marks| &*marks.0);
                model.add(&payload.value, secrets, &settings.infer);
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
