//! `dapa scan`: analyse captures, render them in the chosen format, and
//! judge the run by its gate.

use super::finish;
use crate::exit_status::ExitStatus;
use crate::output::{ReportOut, scanned, tell_regressions, write_file, written};
use crate::report::escape::terminal;
use crate::settings::ScanSettings;
use dapa::baseline::Baseline;
use dapa::capture::source::path_shown;
use dapa::lint::DefinitionLint;
use dapa::record::CaptureRecord;
use dapa::scan::{Analyse, Records};
use miette::Result;
use std::collections::BTreeMap;
use std::io::{self, IsTerminal};
use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(settings: ScanSettings) -> Result<ExitStatus> {
    let options = settings.options.clone();
    let analyse = |capture, found: Option<&_>| {
        dapa::analyze::analyze_beside(capture, &options.analyze, found)
    };
    run_with(settings, &analyse)
}

/// [`run`] with each capture's record made by `analyse` (`dapa replay`).
pub fn run_with(settings: ScanSettings, analyse: &Analyse<'_>) -> Result<ExitStatus> {
    let ScanSettings {
        paths,
        options,
        mut report,
        output,
        gate,
        update_baseline,
        config_shown,
        analysis_shown,
        progress,
        quiet,
        allow_empty,
    } = settings;
    // A typo in the only path would otherwise give a report of nothing
    // (a table of zeros) above the error that explains it.
    let missing = missing_paths(&paths);
    if missing.len() == paths.len() {
        for message in &missing {
            say!("dapa: {}", terminal(message));
        }
        return Ok(ExitStatus::Error);
    }
    let started = Instant::now();
    let mut progress = Progress::new(progress);
    let mut report_out = ReportOut::open(output.as_deref())?;
    let out = report_out.out();
    written(report.begin(out))?;
    let mut failing = 0u64;
    // The definitions whose profiles checked a capture, each once (by the
    // definition itself: copies in two folders share a profile name, and
    // a copy that checked nothing is not listed, whichever way the work
    // was split into shards).
    let mut used: BTreeMap<*const DefinitionLint, Arc<DefinitionLint>> = BTreeMap::new();
    let records = WrittenTo {
        out,
        each: |out: &mut dyn io::Write, record: &CaptureRecord| {
            if gate.fail_on.fails(record) {
                failing += 1;
            }
            if let Some(definition) = &record.definition {
                used.entry(Arc::as_ptr(definition))
                    .or_insert_with(|| Arc::clone(definition));
            }
            progress.tick(started);
            report.record(out, record)
        },
    };
    let scan = scanned(dapa::scan::scan_with(&paths, &options, analyse, records));
    // A reader that went away (`dapa scan ... | head`) stops the scan
    // quietly; but a failing capture seen before that still fails the run,
    // so that a gate piped into another command is not passed by it.
    let mut outcome = match scan {
        Err(report)
            if failing > 0 && report.downcast_ref::<crate::output::PipeClosed>().is_some() =>
        {
            return Ok(ExitStatus::Failing);
        }
        other => other?,
    };
    progress.done();
    outcome.summary.config = config_shown;
    let analysis = analysis_shown.clone().unwrap_or_default();
    outcome.summary.analysis = analysis_shown;
    // The lint of the definitions in use; it changes no capture's status
    // and is not judged by --fail-on (`dapa lint` is the gate for it).
    let mut definitions = Vec::new();
    dapa::lint::keep_each_once(
        &mut definitions,
        used.into_values().map(|definition| (*definition).clone()),
    );
    outcome.summary.add_definitions(definitions);
    outcome.summary.inputs = paths.iter().map(|p| path_shown(p).into_owned()).collect();
    let regressions = gate.regressions(&outcome.summary);
    if let Some(message) = (gate.baseline.as_ref()).and_then(|b| b.other_options(&analysis)) {
        say!("dapa: warning: {}", terminal(&message));
    }
    if gate.baseline.is_some() {
        outcome.summary.regressions = Some(regressions.clone());
    }
    written(report.end(out, &outcome.summary, &regressions))?;
    report_out.finish()?;
    tell_regressions(&regressions);
    finish(&outcome, quiet, started, options.jobs);
    if !outcome.input_errors.is_empty() {
        return Ok(ExitStatus::Error);
    }
    if outcome.summary.captures == 0 && !allow_empty {
        say!(
            "dapa: no capture found in {}; nothing was checked (--allow-empty accepts that)",
            terminal(&shown_paths(&paths))
        );
        // A named file that is never a capture: say what it is.
        for path in &paths {
            let name = path
                .file_name()
                .map(|name| name.as_bytes())
                .unwrap_or_default();
            if let Some(what) = dapa::capture::never_a_capture(name)
                && path.is_file()
            {
                say!("dapa: {} {what}", terminal(&path_shown(path)));
            }
        }
        return Ok(ExitStatus::Error);
    }
    if let Some(path) = &update_baseline {
        let baseline = Baseline::of(&outcome.summary).made_with(&analysis);
        write_file(path, &baseline.to_json())?;
        if !quiet {
            say!(
                "dapa: baseline {} updated",
                terminal(&path.display().to_string())
            );
        }
        return Ok(ExitStatus::Clean);
    }
    Ok(ExitStatus::failing_if(gate.fails(failing, &regressions)))
}

/// The typed paths that do not exist, each with the system's reason, as
/// the scan itself would report them; standard input (`-`) always exists.
fn missing_paths(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter(|path| path.as_os_str() != "-")
        .filter_map(|path| {
            // Not followed: a dangling link is a capture the scan reports (T08).
            let error = std::fs::symlink_metadata(path).err()?;
            Some(format!("{}: {error}", path.display()))
        })
        .collect()
}

/// The inputs as a user typed them, for a message.
fn shown_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| path_shown(p).into_owned()).collect();
    names.join(", ")
}

/// The records of a scan, each handed with the report's output to `each`;
/// the output is flushed where a live standard input pauses, so that a
/// reader of the records (`tail -f log | dapa scan - --format jsonl`)
/// sees them without waiting for more of the log.
struct WrittenTo<'a, F> {
    out: &'a mut dyn io::Write,
    each: F,
}

impl<F> Records for WrittenTo<'_, F>
where
    F: FnMut(&mut dyn io::Write, &CaptureRecord) -> io::Result<()>,
{
    fn record(&mut self, record: &CaptureRecord) -> io::Result<()> {
        (self.each)(self.out, record)
    }

    fn settle(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A progress line on standard error for scans that last: shown after a
/// while, only on a terminal (indicatif draws nothing elsewhere).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    shown: bool,
    after: Duration,
}

impl Progress {
    /// A progress line that shows after `after`; none for `None`.
    fn new(after: Option<Duration>) -> Progress {
        let bar = after.filter(|_| io::stderr().is_terminal()).map(|_| {
            let bar = indicatif::ProgressBar::hidden();
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} scanned {human_pos} captures in {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            shown: false,
            after: after.unwrap_or_default(),
        }
    }

    fn tick(&mut self, started: Instant) {
        let Some(bar) = &self.bar else { return };
        bar.inc(1);
        if !self.shown && started.elapsed() > self.after {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
