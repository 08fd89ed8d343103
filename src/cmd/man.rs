//! `dapa man`: manual pages in roff, rendered from the same clap definitions
//! that parse the arguments, so the page and `--help` say the same.

use crate::cli::{Args, ManArgs};
use crate::exit_status::ExitStatus;
use crate::output::written;
use clap::CommandFactory as _;
use miette::{Context as _, IntoDiagnostic as _, Result, miette};
use std::io::{self, Write as _};
use std::path::Path;

pub fn run(args: &ManArgs) -> Result<ExitStatus> {
    // Built, every subcommand knows its full name (dapa-scan), which names
    // its page; `help` is clap's own and has no page worth reading.
    let mut dapa = Args::command().disable_help_subcommand(true);
    dapa.build();
    if let Some(dir) = &args.dir {
        write_pages(&dapa, dir)
            .into_diagnostic()
            .with_context(|| format!("cannot write the manual pages to {}", dir.display()))?;
        return Ok(ExitStatus::Clean);
    }
    let page = match &args.command {
        None => &dapa,
        Some(name) => dapa.find_subcommand(name).ok_or_else(|| {
            let names: Vec<&str> = dapa.get_subcommands().map(|c| c.get_name()).collect();
            miette!(
                "dapa has no command '{}'; the pages are of {}",
                crate::report::escape::terminal(name),
                names.join(", ")
            )
        })?,
    };
    let mut out = io::stdout().lock();
    written(render(page, &mut out).and_then(|()| out.flush()))?;
    Ok(ExitStatus::Clean)
}

/// dapa.1 and a page per command, `dapa-scan.1` for `scan`, in `dir`.
fn write_pages(dapa: &clap::Command, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for page in std::iter::once(dapa).chain(dapa.get_subcommands()) {
        let mut roff = Vec::new();
        render(page, &mut roff)?;
        std::fs::write(
            dir.join(format!("{}.1", page.get_display_name().unwrap_or("dapa"))),
            roff,
        )?;
    }
    Ok(())
}

/// One page in roff. Its footer names dapa's version: a subcommand has none
/// of its own, and clap_mangen would leave the place empty.
fn render(page: &clap::Command, out: &mut dyn io::Write) -> io::Result<()> {
    clap_mangen::Man::new(page.clone())
        .source(format!("dapa {}", env!("CARGO_PKG_VERSION")))
        .render(out)
}
