//! The `dapa` binary: parse arguments, drive the library, render, exit.
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 1 something is; 2 a usage,
//! configuration or I/O error of the tool itself.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary is where dapa renders and reports"
)]

mod cli;
mod fetch_command;
mod report;

use clap::{CommandFactory as _, Parser};
use cli::{Args, BaselineArgs, Command, Format, InferArgs, MergeArgs, MergeFormat, ScanArgs};
use dapa::Status;
use dapa::baseline::Baseline;
use dapa::scan::{ScanError, ScanOutcome};
use miette::{Context, IntoDiagnostic, Result};
use report::Report;
use report::escape::{terminal, terminal_lines};
use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

// Parsing allocates many small strings and maps; mimalloc is markedly faster
// than the system allocator at that across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => return arguments_refused(&error),
    };
    // Error messages name files and lists; wrap them late.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().width(160).build())
    }));
    match run(args) {
        Ok(code) => code,
        Err(report) => {
            if report.downcast_ref::<PipeClosed>().is_some() {
                return ExitCode::SUCCESS;
            }
            eprintln!("{:?}", escaped(report));
            ExitCode::from(2)
        }
    }
}

/// What clap says when it does not run a command. `--help` and `--version`
/// go to standard output as clap writes them: they hold no typed text. A
/// usage error quotes what was typed, and a file name a shell glob passed
/// may hold terminal escapes: the error is rendered again without styles,
/// so that the only control characters left are the typed ones, and those
/// are shown as visible escapes.
fn arguments_refused(error: &clap::Error) -> ExitCode {
    let code = ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    if !error.use_stderr() {
        // A reader that went away early (`dapa --help | head`) is no error.
        let _ = error.print();
        return code;
    }
    let plain = Args::command()
        .styles(clap::builder::Styles::plain())
        .try_get_matches()
        .err()
        .map_or_else(
            || error.to_string(),
            |plain| plain.render().ansi().to_string(),
        );
    eprint!("{}", terminal_lines(&plain));
    code
}

/// The error with every message of its chain escaped for a terminal: they
/// quote file names, and text from captures or servers. Kept as it is when
/// nothing needs escaping, so that any help or label survives.
fn escaped(report: miette::Report) -> miette::Report {
    let messages: Vec<String> = report.chain().map(ToString::to_string).collect();
    let clean = messages
        .iter()
        .all(|message| matches!(terminal_lines(message), Cow::Borrowed(_)));
    if clean {
        return report;
    }
    let mut messages = messages
        .iter()
        .rev()
        .map(|message| terminal_lines(message).into_owned());
    let mut escaped = miette::Report::msg(messages.next().unwrap_or_default());
    for message in messages {
        escaped = escaped.wrap_err(message);
    }
    escaped
}

/// The reader of standard output went away (`dapa scan ... | head`): stop
/// quietly, as other command-line tools do.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the output was closed")]
struct PipeClosed;

/// An output error as a report, with a closed pipe told apart.
fn output<T>(result: io::Result<T>) -> Result<T> {
    result.map_err(|error| match error.kind() {
        io::ErrorKind::BrokenPipe => miette::Report::new(PipeClosed),
        _ => miette::Report::msg(format!("cannot write the output: {error}")),
    })
}

/// A scan's result as a report, with a closed pipe told apart.
fn scanned(result: std::result::Result<ScanOutcome, ScanError>) -> Result<ScanOutcome> {
    match result {
        Err(ScanError::Output(error)) => output(Err(error)),
        other => other.into_diagnostic(),
    }
}

fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Scan(scan_args) => scan(&scan_args),
        Command::Infer(infer_args) => infer(&infer_args),
        Command::Baseline(baseline_args) => baseline(&baseline_args),
        Command::Explain(explain_args) => report::explain::run(&explain_args),
        Command::Fetch(fetch_args) => fetch_command::run(&fetch_args),
        Command::Merge(merge_args) => merge(&merge_args),
    }
}

/// The end of every command that scans: the inputs that could not be read,
/// then the throughput line unless `--quiet`.
fn finish(outcome: &ScanOutcome, quiet: bool, started: Instant, jobs: usize) {
    for error in &outcome.input_errors {
        eprintln!("dapa: {}", terminal(error));
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
    eprintln!(
        "dapa: {} captures, {} bytes in {:.3} s ({:.0} captures/s, {} jobs)",
        summary.captures, summary.bytes, elapsed, rate, jobs
    );
}

/// A progress line on standard error for scans that last: shown after a
/// second, only on a terminal (indicatif draws nothing elsewhere), never
/// with `--quiet` or while records stream to the same terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    shown: bool,
    after: std::time::Duration,
}

impl Progress {
    fn new(off: bool) -> Progress {
        let bar = (!off && io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::hidden();
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} scanned {human_pos} captures in {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        // DAPA_PROGRESS_AFTER_MS changes the one-second wait (0 shows it at once).
        let after = std::env::var("DAPA_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(
                std::time::Duration::from_secs(1),
                std::time::Duration::from_millis,
            );
        Progress {
            bar,
            shown: false,
            after,
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

fn infer(args: &InferArgs) -> Result<ExitCode> {
    let options = args.walk.scan_options(dapa::AnalyzeOptions {
        keep_payload: true,
        ..dapa::AnalyzeOptions::default()
    });
    let infer_options = dapa::infer::InferOptions {
        enum_threshold: args.enum_threshold,
    };
    let started = Instant::now();
    let mut model = dapa::infer::Model::default();
    let outcome = scanned(dapa::scan::scan(&args.paths, &options, |record| {
        let healthy = matches!(
            record.status,
            Status::Ok | Status::Recovered | Status::Drift
        );
        if let (true, Some(payload)) = (healthy, &record.payload) {
            model.add(payload, &infer_options);
        }
        Ok(())
    }))?;
    let mut text = serde_json::to_string_pretty(&model.to_schema()).into_diagnostic()?;
    text.push('\n');
    match &args.output {
        Some(path) => write_file(path, &text)?,
        None => output(io::stdout().lock().write_all(text.as_bytes()))?,
    }
    if !args.walk.quiet {
        eprintln!(
            "dapa: schema inferred from {} healthy payloads of {} captures",
            model.count(),
            outcome.summary.captures
        );
    }
    finish(&outcome, args.walk.quiet, started, options.jobs);
    Ok(if outcome.input_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn scan(args: &ScanArgs) -> Result<ExitCode> {
    let options = args.scan_options().into_diagnostic()?;
    note_profiles(&options.analyze.profiles);
    let config_shown =
        (options.analyze.profiles.config.as_ref()).map(|place| place.shown.display().to_string());
    if let Some(shown) = &config_shown
        && !args.walk.quiet
    {
        eprintln!("dapa: profiles chosen by the rules of {}", terminal(shown));
    }
    // Read the baseline before the scan: a bad one is a usage error, found early.
    let baseline = match (&args.baseline, args.update_baseline) {
        (Some(path), false) => Some(Baseline::read(path).into_diagnostic()?),
        _ => None,
    };
    let mut report: Box<dyn Report> = match args.format {
        Format::Table => Box::new(report::table::Tables),
        Format::Json => Box::new(report::json::Json),
        Format::Jsonl => Box::new(report::jsonl::Jsonl),
        Format::Markdown => Box::new(report::markdown::Markdown),
        Format::Junit => Box::new(output(report::junit::Junit::new(args.fail_on.clone()))?),
        Format::Sarif => Box::new(report::sarif::Sarif::new()),
        Format::Html => Box::new(report::html::Html),
    };
    let started = Instant::now();
    let streams = matches!(args.format, Format::Jsonl | Format::Sarif);
    let mut progress = Progress::new(args.walk.quiet || (streams && io::stdout().is_terminal()));
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    output(report.begin(&mut out))?;
    let mut failing = 0u64;
    let mut outcome = scanned(dapa::scan::scan(&args.paths, &options, |record| {
        if args.fail_on.fails(record) {
            failing += 1;
        }
        progress.tick(started);
        report.record(&mut out, record)
    }))?;
    progress.done();
    outcome.summary.config = config_shown;
    let regressions = baseline.as_ref().map_or_else(Vec::new, |baseline| {
        baseline.regressions(&outcome.summary, args.tolerance / 100.0)
    });
    output(report.end(&mut out, &outcome.summary, &regressions))?;
    output(out.flush())?;
    for regression in &regressions {
        eprintln!(
            "dapa: regression ({}): {} (example: {})",
            regression.kind,
            terminal(&regression.message),
            terminal(&regression.example)
        );
    }
    finish(&outcome, args.walk.quiet, started, options.jobs);
    if !outcome.input_errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    if outcome.summary.captures == 0 && args.shard.is_none() && !args.allow_empty {
        eprintln!(
            "dapa: no capture found in {}; nothing was checked (--allow-empty accepts that)",
            terminal(&shown_paths(&args.paths))
        );
        return Ok(ExitCode::from(2));
    }
    if let (Some(path), true) = (&args.baseline, args.update_baseline) {
        write_file(path, &Baseline::of(&outcome.summary).to_json())?;
        if !args.walk.quiet {
            eprintln!(
                "dapa: baseline {} updated",
                terminal(&path.display().to_string())
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let failed = if baseline.is_some() {
        !regressions.is_empty()
    } else {
        failing > 0
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The inputs as a user typed them, for a message.
fn shown_paths(paths: &[std::path::PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

fn merge(args: &MergeArgs) -> Result<ExitCode> {
    let mut summaries = Vec::new();
    for path in &args.summaries {
        let name = path.display().to_string();
        let text = dapa::input::read_text_limited(path, dapa::input::SUMMARY_LIMIT)
            .into_diagnostic()
            .with_context(|| format!("cannot read {name}"))?;
        let summary = dapa::merge::read_summary(&name, &text).into_diagnostic()?;
        summaries.push((name, summary));
    }
    let summary = dapa::merge::merge(summaries).into_diagnostic()?;
    let mut report: Box<dyn Report> = match args.format {
        MergeFormat::Json => Box::new(report::json::Json),
        MergeFormat::Table => Box::new(report::table::Tables),
        MergeFormat::Markdown => Box::new(report::markdown::Markdown),
        MergeFormat::Html => Box::new(report::html::Html),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    output(report.end(&mut out, &summary, &[]))?;
    output(out.flush())?;
    Ok(ExitCode::SUCCESS)
}

/// Say what the user should know of the schemas in use before the scan.
fn note_profiles(profiles: &dapa::schema::Profiles) {
    for note in profiles.notes() {
        // A note names the schema file, which may hold any character.
        eprintln!("dapa: {}", terminal(&note));
    }
}

fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .into_diagnostic()
        .with_context(|| format!("cannot write {}", path.display()))
}

fn baseline(args: &BaselineArgs) -> Result<ExitCode> {
    let options = args.walk.scan_options(dapa::AnalyzeOptions {
        profiles: args.selection.profiles().into_diagnostic()?,
        ..dapa::AnalyzeOptions::default()
    });
    note_profiles(&options.analyze.profiles);
    let started = Instant::now();
    let outcome = scanned(dapa::scan::scan(&args.paths, &options, |_| Ok(())))?;
    let text = Baseline::of(&outcome.summary).to_json();
    match &args.output {
        Some(path) => write_file(path, &text)?,
        None => output(io::stdout().lock().write_all(text.as_bytes()))?,
    }
    finish(&outcome, args.walk.quiet, started, options.jobs);
    Ok(if outcome.input_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
