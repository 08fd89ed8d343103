//! `dapa pull`: a line per action on standard error as it is done, and a
//! closing summary line. Every line printed passes the run's redaction.

use crate::exit_status::ExitStatus;
use crate::report::escape::terminal;
use crate::settings::PullSettings;
use dapa::fetch::pull::{self, DefinitionOutcome, PullEvent};
use dapa::fetch::redact::Redactor;
use miette::Result;
use std::sync::atomic::AtomicBool;

/// Never set: `pull` makes a few requests, and Ctrl-C simply ends it (the
/// next run removes any temporary file).
static STOP: AtomicBool = AtomicBool::new(false);

/// Text for the terminal that may quote a server: secrets removed, then
/// control characters made visible.
fn shown(redactor: &Redactor, text: &str) -> String {
    terminal(&redactor.text(text)).into_owned()
}

pub fn run(run: PullSettings) -> Result<ExitStatus> {
    let PullSettings {
        action_ids,
        out,
        service,
        credentials,
        redactor,
        quiet,
    } = run;
    let credentials = credentials.map_err(miette::Report::msg)?;
    let observe = |event: PullEvent<'_>| match event {
        PullEvent::Retrying(id, retry) if !quiet => say!(
            "dapa: {id}: {}; retry {} in {:.1} s",
            shown(&redactor, retry.reason),
            retry.retry,
            retry.wait.as_secs_f64()
        ),
        PullEvent::Retrying(..) => {}
        // A failure is said whatever --quiet says: it sets the exit status.
        PullEvent::Done(id, DefinitionOutcome::Failed(why)) => {
            say!("dapa: {id}: not saved: {}", shown(&redactor, why));
        }
        PullEvent::Done(id, outcome) if !quiet => {
            say!("dapa: {id}: {}", outcome.describe());
        }
        PullEvent::Done(..) => {}
    };
    let outcomes = pull::run(
        &service,
        &action_ids,
        &out,
        credentials,
        &redactor,
        &STOP,
        &observe,
    )
    .map_err(|error| crate::cmd::fetch::refused(&redactor, &error))?;
    let saved = outcomes.iter().filter(|(_, o)| o.is_saved()).count();
    let failed = outcomes.len() - saved;
    say!(
        "dapa: pull {}: {saved} saved, {failed} failed of {} definitions",
        shown(&redactor, &out.display().to_string()),
        outcomes.len()
    );
    Ok(ExitStatus::failing_if(failed > 0))
}
