//! `dapa lint`: each definition is a record (its file the source) through
//! the renderers of `scan`, and the summary lists every definition with its
//! findings; judged by `--fail-on` like captures.

use crate::exit_status::ExitStatus;
use crate::output::{ReportOut, written};
use crate::report::escape::terminal;
use crate::settings::LintSettings;
use dapa::capture::source::path_shown;
use dapa::profile::EnvelopeKind;
use dapa::profile::definition::Definition;
use dapa::{Subject, Summary};
use miette::Result;
use std::sync::Arc;

pub fn run(settings: LintSettings) -> Result<ExitStatus> {
    let LintSettings {
        paths,
        mut report,
        output,
        fail_on,
    } = settings;
    let (files, mut errors) = dapa::lint::definition_files(&paths);
    if files.is_empty() && errors.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| path_shown(p).into_owned()).collect();
        errors.push(format!(
            "no definition (*.action.json) found in {}",
            shown.join(", ")
        ));
    }
    let mut lints = Vec::new();
    for file in &files {
        // A definition that is not one (not JSON, no contract, a response
        // configuration of the wrong shape) is the tool's input error, as
        // it is for `scan --definition`: named, and the run exits 2.
        match Definition::from_file(file, EnvelopeKind::Execute) {
            Ok(definition) => {
                // The lint taken, not copied: the definition (its contract
                // compiled) is dropped here, and only the lint is kept.
                if let Some(lint) = definition.profile.lint {
                    // The size as read: the reading refused anything but a
                    // regular file already.
                    let bytes = std::fs::metadata(file).map_or(0, |meta| meta.len());
                    let lint = Arc::try_unwrap(lint).unwrap_or_else(|shared| (*shared).clone());
                    lints.push((lint, bytes));
                }
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    // Nothing to lint (every path missing, or no definition in them): the
    // reasons, and no report of zeros above them.
    if lints.is_empty() && !errors.is_empty() {
        return Ok(refuse(&errors));
    }
    let mut report_out = ReportOut::open(output.as_deref())?;
    let out = report_out.out();
    written(report.begin(out))?;
    let mut summary = Summary {
        inputs: paths.iter().map(|p| path_shown(p).into_owned()).collect(),
        subject: Subject::Definitions,
        ..Summary::default()
    };
    let mut failing = false;
    for (lint, bytes) in &lints {
        let record = lint.record(*bytes);
        failing |= fail_on.fails(&record);
        summary.add(&record);
        written(report.record(out, &record))?;
    }
    summary.add_definitions(lints.into_iter().map(|(lint, _)| lint).collect());
    written(report.end(out, &summary, &[]))?;
    report_out.finish()?;
    if !errors.is_empty() {
        return Ok(refuse(&errors));
    }
    Ok(ExitStatus::failing_if(failing))
}

/// Say why definitions could not be linted: the run exits 2.
fn refuse(errors: &[String]) -> ExitStatus {
    for error in errors {
        say!("dapa: {}", terminal(error));
    }
    ExitStatus::Error
}
