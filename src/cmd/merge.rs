//! `dapa merge`: the summaries of `scan --shard K/N` runs as the summary
//! of one run over everything.

use crate::exit_status::ExitStatus;
use crate::output::written;
use crate::settings::MergeSettings;
use miette::{Context, IntoDiagnostic, Result};
use std::io::{self, Write};

pub fn run(settings: MergeSettings) -> Result<ExitStatus> {
    let MergeSettings {
        summaries: paths,
        mut report,
    } = settings;
    let mut summaries = Vec::new();
    for path in &paths {
        let name = path.display().to_string();
        let text = dapa::input::read_text_limited(path, dapa::input::SUMMARY_LIMIT)
            .into_diagnostic()
            .with_context(|| format!("cannot read {name}"))?;
        let summary = dapa::merge::read_summary(&name, &text).into_diagnostic()?;
        summaries.push((name, summary));
    }
    let summary = dapa::merge::merge(summaries).into_diagnostic()?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    written(report.end(&mut out, &summary, &[]))?;
    written(out.flush())?;
    Ok(ExitStatus::Clean)
}
