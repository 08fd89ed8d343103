//! `dapa fetch`: the dry run, the progress bar and the closing summary
//! line, which says what came of the action's definition. Every line printed passes the run's [`Redactor`] first.

use crate::exit_status::ExitStatus;
use crate::report::escape::{terminal, terminal_lines};
use crate::settings::FetchSettings;
use dapa::fetch::credentials::shown_id;
use dapa::fetch::pull::DefinitionOutcome;
use dapa::fetch::redact::Redactor;
use dapa::fetch::{self, Event, FetchError, FetchSummary, store};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use miette::Result;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Set by Ctrl-C: workers finish the request in hand and take no more.
static STOP: AtomicBool = AtomicBool::new(false);

/// Text for the terminal that may quote a server or a file: secrets
/// removed, then control characters made visible.
fn shown(redactor: &Redactor, text: &str) -> String {
    terminal(&redactor.text(text)).into_owned()
}

/// A panic's message names values it was given: redact it like any other
/// text (the default hook would print it as it is).
pub fn redact_panics(redactor: Redactor) {
    std::panic::set_hook(Box::new(move |info| {
        say!(
            "dapa: internal error: {}",
            shown(&redactor, &info.to_string())
        );
    }));
}

/// A fetch error as the message a user reads (exit 2).
pub fn refused(redactor: &Redactor, error: &FetchError) -> miette::Report {
    miette::Report::msg(redactor.text(&error.to_string()))
}

pub fn run(run: FetchSettings) -> Result<ExitStatus> {
    let FetchSettings {
        request: settings,
        credentials,
        redactor,
        inputs,
        dry_run,
        quiet,
    } = run;
    let failed = |error: FetchError| refused(&redactor, &error);
    let inputs_name = inputs.display().to_string();
    let inputs = if fetch::is_stdin(&inputs) {
        fetch::read_inputs(io::stdin().lock(), "standard input")
    } else {
        fetch::read_inputs_file(&inputs)
    }
    .map_err(failed)?;
    let plan = fetch::plan(&settings, inputs, &redactor).map_err(failed)?;
    if dry_run {
        let client = match &credentials {
            Ok(c) => format!("client {}, secret set", shown_id(&c.client_id)),
            Err(missing) => missing.clone(),
        };
        let mut again = String::new();
        if plan.changed > 0 {
            again = format!(
                " ({} of them again: their input line changed)",
                plan.changed
            );
        }
        let lines = [
            "dry run: nothing is contacted and nothing is written".to_owned(),
            format!("  action    {}", settings.action_id),
            format!("  request   POST {}", settings.request_url()),
            format!(
                "  contract  GET {} (the definition, saved as {})",
                settings.definition_url(),
                store::definition_name(&settings.action_id)
            ),
            format!(
                "  token     POST {}/oauth/token ({client})",
                settings.service.login_url.trim_end_matches('/')
            ),
            format!(
                "  inputs    {} in {inputs_name}: {} already captured, {} to fetch{again}",
                plan.inputs,
                plan.already,
                plan.pending.len()
            ),
            format!(
                "  output    {} (NNNNNN.body + NNNNNN.meta.json per input line)",
                settings.out.display()
            ),
            format!(
                "  limits    {} at once, {} retries, Retry-After obeyed up to {} s, timeouts {} s connect / {} s read",
                settings.concurrency,
                settings.service.policy.retries,
                settings.service.policy.retry_after_cap.as_secs(),
                settings.service.transport.connect_timeout.as_secs_f64(),
                settings.service.transport.read_timeout.as_secs_f64()
            ),
        ];
        println!("{}", terminal_lines(&redactor.text(&lines.join("\n"))));
        return Ok(ExitStatus::error_if(credentials.is_err()));
    }
    let credentials = credentials.map_err(miette::Report::msg)?;
    // A second Ctrl-C ends at once; the next run removes any temporary file.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::Relaxed) {
            std::process::exit(ExitStatus::Interrupted as i32);
        }
    });
    let bar = progress_bar(plan.pending.len(), quiet);
    let started = Instant::now();
    let observe = |event: Event<'_>| match event {
        Event::Captured { .. } => bar.inc(1),
        Event::Failed { line, reason } => {
            bar.inc(1);
            let reason = shown(&redactor, reason);
            bar.suspend(|| say!("dapa: line {line}: not captured: {reason}"));
        }
        Event::Retrying(retry) => {
            if !quiet {
                let reason = shown(&redactor, retry.reason);
                bar.suspend(|| {
                    say!(
                        "dapa: line {}: {reason}; retry {} in {:.1} s",
                        retry.line,
                        retry.retry,
                        retry.wait.as_secs_f64()
                    );
                });
            }
        }
    };
    let result = fetch::run(&settings, credentials, plan, &redactor, &STOP, &observe);
    bar.finish_and_clear();
    let summary = result.map_err(failed)?;
    if let Some(DefinitionOutcome::Failed(why)) = &summary.definition {
        say!(
            "dapa: the definition of action {} was not saved: {}; the captures are fetched all the same",
            settings.action_id,
            shown(&redactor, why)
        );
    }
    say!(
        "{}",
        shown(&redactor, &summary_line(&summary, &settings, started))
    );
    Ok(ExitStatus::failing_if(!summary.complete()))
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when standard error is not a terminal.
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} fetch {bar:30} {pos}/{len} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn summary_line(
    summary: &FetchSummary,
    settings: &fetch::FetchSettings,
    started: Instant,
) -> String {
    let mut line = format!(
        "dapa: fetch {}: {} captured, {} retried, {} failed",
        settings.out.display(),
        summary.captured,
        summary.retried,
        summary.failed.len()
    );
    if summary.already > 0 {
        line.push_str(&format!(", {} already there", summary.already));
    }
    if summary.changed > 0 {
        line.push_str(&format!(
            ", {} fetched again as their input line changed",
            summary.changed
        ));
    }
    if summary.stray > 0 {
        line.push_str(&format!(
            ", {} captures of lines not in the inputs kept",
            summary.stray
        ));
    }
    if summary.interrupted > 0 {
        line.push_str(&format!(
            ", {} left by the interruption (run again to resume)",
            summary.interrupted
        ));
    }
    line.push_str(&format!(
        " of {} inputs in {:.1} s",
        summary.inputs,
        started.elapsed().as_secs_f64()
    ));
    if let Some(definition) = &summary.definition {
        line.push_str(&format!("; {}", definition.describe()));
    }
    line
}
