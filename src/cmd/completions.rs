//! `dapa completions SHELL`: a completion script built from the same clap
//! definitions that parse the arguments, so it never falls behind them.

use crate::cli::{Args, CompletionsArgs};
use crate::exit_status::ExitStatus;
use crate::output::written;
use clap::CommandFactory as _;
use miette::Result;
use std::io::{self, Write as _};

pub fn run(args: &CompletionsArgs) -> Result<ExitStatus> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Args::command(), "dapa", &mut script);
    let mut out = io::stdout().lock();
    written(out.write_all(&script).and_then(|()| out.flush()))?;
    Ok(ExitStatus::Clean)
}
