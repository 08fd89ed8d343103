//! How `dapa` exits: every command ends in one of these.

use std::process::ExitCode;

/// The exit status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above `--fail-on` (or no regression); `--help`.
    Clean = 0,
    /// Something is: a failing capture, a regression, a capture `fetch`
    /// could not take, a finding of error severity in `explain`.
    Failing = 1,
    /// A usage, configuration or I/O error of the tool itself.
    Error = 2,
    /// `fetch` stopped by a second Ctrl-C, as a shell reports SIGINT.
    #[cfg(feature = "fetch")]
    Interrupted = 130,
}

impl ExitStatus {
    /// `Failing` when `failed`, else `Clean`.
    pub fn failing_if(failed: bool) -> ExitStatus {
        if failed {
            ExitStatus::Failing
        } else {
            ExitStatus::Clean
        }
    }

    /// `Error` when some inputs could not be read, else `Clean`.
    pub fn error_if(errors: bool) -> ExitStatus {
        if errors {
            ExitStatus::Error
        } else {
            ExitStatus::Clean
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status as u8)
    }
}
