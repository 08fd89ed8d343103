//! The `dapa` binary: parse the arguments (`cli`), resolve them (`settings`),
//! run the command (`cmd`), exit (`exit_status`).
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 1 something is; 2 a usage,
//! configuration or I/O error of the tool itself.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary is where dapa renders and reports"
)]

/// `eprintln!` that never panics: a reader of standard error that went
/// away (`dapa scan ... 2>&1 | head -1`) is no reason for a panic and exit
/// 101; what is left to say is dropped, as on standard output.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;
mod cmd;
mod exit_status;
mod output;
mod report;
mod settings;

use clap::{CommandFactory as _, Parser};
use cli::{Args, ColorChoice};
use exit_status::ExitStatus;
use output::PipeClosed;
use report::escape::terminal_lines;
use std::borrow::Cow;
use std::process::ExitCode;

// Parsing allocates many small strings and maps; mimalloc is markedly faster
// than the system allocator at that across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => return arguments_refused(&error).into(),
    };
    // Error messages name files and lists; wrap them late. Their colour
    // follows --color where the command has it.
    let color = args.color();
    let _ = miette::set_hook(Box::new(move |_| {
        let options = miette::MietteHandlerOpts::new().width(160);
        let options = match color {
            Some(ColorChoice::Always) => options.color(true),
            Some(ColorChoice::Never) => options.color(false),
            Some(ColorChoice::Auto) | None => options,
        };
        Box::new(options.build())
    }));
    match settings::resolve(args).and_then(cmd::run) {
        Ok(status) => status.into(),
        Err(report) => {
            if report.downcast_ref::<PipeClosed>().is_some() {
                return ExitStatus::Clean.into();
            }
            say!("{:?}", escaped(report));
            ExitStatus::Error.into()
        }
    }
}

/// What clap says when it does not run a command. `--help` and `--version`
/// go to standard output as clap writes them: they hold no typed text. A
/// usage error quotes what was typed, and a file name a shell glob passed
/// may hold terminal escapes: the error is rendered again without styles,
/// so that the only control characters left are the typed ones, and those
/// are shown as visible escapes.
fn arguments_refused(error: &clap::Error) -> ExitStatus {
    if !error.use_stderr() {
        // A reader that went away early (`dapa --help | head`) is no error.
        let _ = error.print();
        return ExitStatus::Clean;
    }
    let plain = Args::command()
        .styles(clap::builder::Styles::plain())
        .try_get_matches()
        .err()
        .map_or_else(
            || error.to_string(),
            |plain| plain.render().ansi().to_string(),
        );
    {
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), "{}", terminal_lines(&plain));
    }
    ExitStatus::Error
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
