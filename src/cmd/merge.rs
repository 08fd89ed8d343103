//! `dapa merge`: the summaries of `scan --shard K/N` runs as the summary
//! of one run over everything.

use crate::exit_status::ExitStatus;
use crate::output::{tell_regressions, written};
use crate::settings::MergeSettings;
use miette::{Context, IntoDiagnostic, Result};
use std::io::{self, Write};

pub fn run(settings: MergeSettings) -> Result<ExitStatus> {
    let MergeSettings {
        summaries: paths,
        mut report,
        gate,
    } = settings;
    // Each summary is folded into the total as it is read and dropped: the
    // merge holds the total and one summary, not all of them.
    let mut merging = dapa::merge::Merging::default();
    for path in &paths {
        let name = path.display().to_string();
        let text = dapa::input::read_text_limited(path, dapa::input::SUMMARY_LIMIT)
            .into_diagnostic()
            .with_context(|| format!("cannot read {name}"))?;
        let summary = dapa::merge::read_summary(&name, &text).into_diagnostic()?;
        drop(text);
        merging.add(name, summary).into_diagnostic()?;
    }
    let mut summary = merging.finish().into_diagnostic()?;
    // Compared as a whole: the shards' own comparisons saw a part each.
    let regressions = gate.regressions(&summary);
    if gate.baseline.is_some() {
        summary.regressions = Some(regressions.clone());
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    written(report.end(&mut out, &summary, &regressions))?;
    written(out.flush())?;
    tell_regressions(&regressions);
    Ok(ExitStatus::failing_if(gate.fails(0, &regressions)))
}
