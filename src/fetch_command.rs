//! `dapa fetch`: settings from arguments and environment, the dry run, the
//! progress bar and the closing summary line.

use crate::cli::FetchArgs;
use dapa::fetch::client::{RetryPolicy, Transport};
use dapa::fetch::credentials::{Environment, shown_id};
use dapa::fetch::{self, Event, FetchError, FetchSettings, FetchSummary};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use miette::Result;
use std::io::{self, BufReader};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Set by Ctrl-C: workers finish the request in hand and take no more.
static STOP: AtomicBool = AtomicBool::new(false);

/// A fetch error as the message a user reads, exit 2.
fn failed(error: FetchError) -> miette::Report {
    miette::Report::msg(error.to_string())
}

pub fn run(args: &FetchArgs) -> Result<ExitCode> {
    let environment = Environment::gather(args.env_file.as_deref()).map_err(miette::Report::msg)?;
    fetch::check_action_id(&args.action_id).map_err(failed)?;
    let region = args.region.as_deref().or(environment.region());
    let (api_url, login_url) =
        fetch::base_urls(region, args.api_url.as_deref(), args.login_url.as_deref())
            .map_err(failed)?;
    let settings = FetchSettings {
        action_id: args.action_id.clone(),
        endpoint: args.endpoint.into(),
        flatten: args.flatten,
        api_url,
        login_url,
        concurrency: usize::from(args.concurrency),
        policy: RetryPolicy {
            retries: args.retries,
            backoff_base: args.backoff,
            retry_after_cap: args.max_retry_after,
        },
        transport: Transport {
            connect_timeout: args.connect_timeout,
            read_timeout: args.timeout,
            max_bytes: args.max_bytes,
        },
        out: args.out.clone(),
    };
    let inputs_name = args.inputs.display().to_string();
    let inputs = if fetch::is_stdin(&args.inputs) {
        fetch::read_inputs(io::stdin().lock(), "standard input")
    } else {
        let file = std::fs::File::open(&args.inputs)
            .map_err(|e| miette::Report::msg(format!("cannot read {inputs_name}: {e}")))?;
        fetch::read_inputs(BufReader::new(file), &inputs_name)
    }
    .map_err(failed)?;
    let plan = fetch::plan(&settings, inputs).map_err(failed)?;
    let credentials = environment.credentials();
    if args.dry_run {
        println!("dry run: nothing is contacted and nothing is written");
        println!("  action    {}", settings.action_id);
        println!("  request   POST {}", settings.request_url());
        let client = match &credentials {
            Ok(c) => format!("client {}, secret set", shown_id(&c.client_id)),
            Err(missing) => missing.clone(),
        };
        println!(
            "  token     POST {}/oauth/token ({client})",
            settings.login_url.trim_end_matches('/')
        );
        println!(
            "  inputs    {} in {inputs_name}: {} already captured, {} to fetch",
            plan.inputs,
            plan.already,
            plan.pending.len()
        );
        println!(
            "  output    {} (NNNNNN.body + NNNNNN.meta.json per input line)",
            settings.out.display()
        );
        println!(
            "  limits    {} at once, {} retries, Retry-After obeyed up to {} s, timeouts {} s connect / {} s read",
            settings.concurrency,
            settings.policy.retries,
            settings.policy.retry_after_cap.as_secs(),
            settings.transport.connect_timeout.as_secs_f64(),
            settings.transport.read_timeout.as_secs_f64()
        );
        return Ok(if credentials.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    }
    let credentials = credentials.map_err(miette::Report::msg)?;
    // A second Ctrl-C ends at once; the next run removes any temporary file.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    });
    let bar = progress_bar(plan.pending.len(), args.quiet);
    let quiet = args.quiet;
    let started = Instant::now();
    let observe = |event: Event<'_>| match event {
        Event::Captured { .. } => bar.inc(1),
        Event::Failed { line, reason } => {
            bar.inc(1);
            bar.suspend(|| eprintln!("dapa: line {line}: not captured: {reason}"));
        }
        Event::Retrying(retry) => {
            if !quiet {
                bar.suspend(|| {
                    eprintln!(
                        "dapa: line {}: {}; retry {} in {:.1} s",
                        retry.line,
                        retry.reason,
                        retry.retry,
                        retry.wait.as_secs_f64()
                    );
                });
            }
        }
    };
    let result = fetch::run(&settings, credentials, plan, &STOP, &observe);
    bar.finish_and_clear();
    let summary = result.map_err(failed)?;
    eprintln!("{}", summary_line(&summary, &settings, started));
    Ok(if summary.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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

fn summary_line(summary: &FetchSummary, settings: &FetchSettings, started: Instant) -> String {
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
    line
}
