//! Writing what a command produces, with a closed pipe told apart from
//! other output errors.

use crate::report::escape::terminal;
use dapa::baseline::Regression;
use dapa::scan::{ScanError, ScanOutcome};
use miette::{IntoDiagnostic, Result};
use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::Path;

/// The reader of standard output went away (`dapa scan ... | head`): stop
/// quietly, as other command-line tools do.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the output was closed")]
pub struct PipeClosed;

/// An output error as a report, with a closed pipe told apart.
pub fn written<T>(result: io::Result<T>) -> Result<T> {
    result.map_err(|error| match error.kind() {
        io::ErrorKind::BrokenPipe => miette::Report::new(PipeClosed),
        _ => miette::Report::msg(format!("cannot write the output: {error}")),
    })
}

/// A scan's result as a report, with a closed pipe told apart.
pub fn scanned(result: std::result::Result<ScanOutcome, ScanError>) -> Result<ScanOutcome> {
    match result {
        Err(ScanError::Output(error)) => written(Err(error)),
        other => other.into_diagnostic(),
    }
}

/// Say on standard error what got worse than the baseline, one line each.
pub fn tell_regressions(regressions: &[Regression]) {
    for regression in regressions {
        say!(
            "dapa: regression ({}): {} (example: {})",
            regression.kind,
            terminal(&regression.message),
            terminal(&regression.example)
        );
    }
}

/// Write a whole file the user named (`--output`, `--update-baseline`) as a
/// report is written ([`WholeFile`]): a plain write opened a FIFO, which
/// waits for ever for a reader, and left half a file when it failed.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    let mut file = WholeFile::create(path)?;
    (file.write_all(text.as_bytes())).map_err(|error| cannot_write(path, &error))?;
    file.finish()
}

/// Write a whole text to the file `--output` names, or to standard output.
pub fn write_to(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(path) => write_file(path, text),
        None => written(io::stdout().lock().write_all(text.as_bytes())),
    }
}

/// Where a report goes: the file of `-o` (replaced once complete) or
/// standard output, buffered.
pub struct ReportOut {
    file: Option<WholeFile>,
    stdout: io::BufWriter<io::StdoutLock<'static>>,
}

impl ReportOut {
    /// The file at `output`, or standard output when `None`.
    pub fn open(output: Option<&Path>) -> Result<ReportOut> {
        Ok(ReportOut {
            file: output.map(WholeFile::create).transpose()?,
            stdout: io::BufWriter::new(io::stdout().lock()),
        })
    }

    /// What the report is written to.
    pub fn out(&mut self) -> &mut dyn Write {
        match &mut self.file {
            Some(file) => file,
            None => &mut self.stdout,
        }
    }

    /// Flush the report, and put the file in place.
    pub fn finish(mut self) -> Result<()> {
        written(self.out().flush())?;
        match self.file {
            Some(file) => file.finish(),
            None => Ok(()),
        }
    }
}

/// A file the user named that is replaced only once it is complete: the
/// text goes to a temporary file beside it, renamed over it by `finish`.
/// A run that stops early (an error, a closed pipe, Ctrl-C) leaves the
/// previous file as it was, never half a report a CI step would read. A
/// character device (`/dev/null`, `/dev/stdout`) is written to as it is.
pub struct WholeFile {
    target: Target,
    path: std::path::PathBuf,
}

/// Where the text goes until `finish`.
enum Target {
    /// A temporary file beside the report, renamed over it at the end.
    Temporary(io::BufWriter<tempfile::NamedTempFile>),
    /// A character device, written to directly.
    Device(io::BufWriter<std::fs::File>),
}

impl WholeFile {
    /// Start the file at `path`.
    pub fn create(path: &Path) -> Result<WholeFile> {
        use std::os::unix::fs::FileTypeExt as _;
        if let Ok(metadata) = std::fs::metadata(path) {
            let kind = metadata.file_type();
            if kind.is_char_device() {
                let device = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|error| cannot_write(path, &error))?;
                return Ok(WholeFile {
                    target: Target::Device(io::BufWriter::new(device)),
                    path: path.to_owned(),
                });
            }
            // Renaming over a FIFO, a socket or a block device would replace
            // it (as root, even a device) instead of writing to it; writing
            // to a FIFO nobody reads would wait for ever.
            if !metadata.is_file() {
                let reason = format!("not a regular file: {}", dapa::input::describe(&kind));
                return Err(cannot_write(path, &io::Error::other(reason)));
            }
        }
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // What `std::fs::write` would give (0644 less the umask), not the
        // 0600 of a temporary file: a report is read by other steps.
        use std::os::unix::fs::PermissionsExt as _;
        let temp = tempfile::Builder::new()
            .prefix(".dapa-")
            .permissions(std::fs::Permissions::from_mode(0o644))
            .tempfile_in(folder)
            .map_err(|error| cannot_write(path, &error))?;
        Ok(WholeFile {
            target: Target::Temporary(io::BufWriter::new(temp)),
            path: path.to_owned(),
        })
    }

    /// Put the complete file in place.
    pub fn finish(self) -> Result<()> {
        match self.target {
            Target::Temporary(temp) => {
                let temp =
                    (temp.into_inner()).map_err(|error| cannot_write(&self.path, error.error()))?;
                (temp.persist(&self.path))
                    .map_err(|error| cannot_write(&self.path, &error.error))?;
            }
            Target::Device(mut device) => {
                device
                    .flush()
                    .map_err(|error| cannot_write(&self.path, &error))?;
            }
        }
        Ok(())
    }
}

impl Write for WholeFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Temporary(temp) => temp.write(bytes),
            Target::Device(device) => device.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Temporary(temp) => temp.flush(),
            Target::Device(device) => device.flush(),
        }
    }
}

/// "cannot write FILE: why", with the system's reason only: tempfile ends
/// its errors with ` at path "…"`, the temporary file's name, which the user
/// never chose (and its error hides the system's error from `source`).
fn cannot_write(path: &Path, error: &io::Error) -> miette::Report {
    let text = error.to_string();
    let reason = text.split(" at path \"").next().unwrap_or_default();
    miette::miette!("cannot write {}: {reason}", path.display())
}

/// What standard output is, for the reports people read (the table and
/// `explain`): how wide it is when it is a terminal, and whether to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminal {
    /// The terminal's width in columns; `None` when the output is not a
    /// terminal (a pipe or a file), which keeps the full width.
    pub width: Option<usize>,
    /// Whether severities and statuses are coloured.
    pub colour: bool,
}

/// Whether `--color auto` colours: only on a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string (no-color.org) or
/// `TERM` is `dumb` or unset (a terminal that names no type may obey no
/// escapes).
pub fn auto_colour(is_terminal: bool, no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
    let no_color = no_color.is_some_and(|value| !value.is_empty());
    let dumb = term.is_none_or(|term| term.is_empty() || term == "dumb");
    is_terminal && !no_color && !dumb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colour_only_on_a_terminal_that_wants_it() {
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(auto_colour(true, None, xterm));
        assert!(auto_colour(true, Some(OsStr::new("")), xterm));
        assert!(!auto_colour(false, None, xterm));
        assert!(!auto_colour(true, Some(OsStr::new("1")), xterm));
        assert!(!auto_colour(true, None, Some(OsStr::new("dumb"))));
        assert!(!auto_colour(true, None, None));
    }
}
