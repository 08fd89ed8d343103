//! `dapa scan`: analyse captures, render them in the chosen format, and
//! judge the run by its gate.

use super::finish;
use crate::exit_status::ExitStatus;
use crate::output::{scanned, tell_regressions, write_file, written};
use crate::report::escape::terminal;
use crate::settings::ScanSettings;
use dapa::baseline::Baseline;
use miette::Result;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub fn run(settings: ScanSettings) -> Result<ExitStatus> {
    let ScanSettings {
        paths,
        options,
        mut report,
        gate,
        update_baseline,
        config_shown,
        progress,
        quiet,
        allow_empty,
    } = settings;
    let started = Instant::now();
    let mut progress = Progress::new(progress);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    written(report.begin(&mut out))?;
    let mut failing = 0u64;
    let mut outcome = scanned(dapa::scan::scan(&paths, &options, |record| {
        if gate.fail_on.fails(record) {
            failing += 1;
        }
        progress.tick(started);
        report.record(&mut out, record)
    }))?;
    progress.done();
    outcome.summary.config = config_shown;
    outcome.summary.inputs = paths.iter().map(|p| p.display().to_string()).collect();
    let regressions = gate.regressions(&outcome.summary);
    if gate.baseline.is_some() {
        outcome.summary.regressions = Some(regressions.clone());
    }
    written(report.end(&mut out, &outcome.summary, &regressions))?;
    written(out.flush())?;
    tell_regressions(&regressions);
    finish(&outcome, quiet, started, options.jobs);
    if !outcome.input_errors.is_empty() {
        return Ok(ExitStatus::Error);
    }
    if outcome.summary.captures == 0 && !allow_empty {
        eprintln!(
            "dapa: no capture found in {}; nothing was checked (--allow-empty accepts that)",
            terminal(&shown_paths(&paths))
        );
        return Ok(ExitStatus::Error);
    }
    if let Some(path) = &update_baseline {
        write_file(path, &Baseline::of(&outcome.summary).to_json())?;
        if !quiet {
            eprintln!(
                "dapa: baseline {} updated",
                terminal(&path.display().to_string())
            );
        }
        return Ok(ExitStatus::Clean);
    }
    Ok(ExitStatus::failing_if(gate.fails(failing, &regressions)))
}

/// The inputs as a user typed them, for a message.
fn shown_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
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
