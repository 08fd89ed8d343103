//! The colours of the reports people read on a terminal (the table and
//! `explain`): one colour per severity, and statuses coloured by the
//! severity of what gives them. Machine formats are never coloured.

use dapa::{Severity, Status};

/// A colour of the terminal's own palette, so that it follows the user's theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Errors, and the statuses errors give.
    Red,
    /// Warnings, and the statuses warnings give.
    Yellow,
    /// Information.
    Cyan,
    /// A capture with nothing wrong.
    Green,
}

impl Colour {
    /// The colour of a severity.
    pub fn of_severity(severity: Severity) -> Colour {
        match severity {
            Severity::Error => Colour::Red,
            Severity::Warning => Colour::Yellow,
            Severity::Info => Colour::Cyan,
        }
    }

    /// The colour of a status: red for those that fail the default
    /// `--fail-on`, yellow for drift and recovered, green for ok.
    pub fn of_status(status: Status) -> Colour {
        match status {
            Status::Malformed | Status::Empty | Status::Error | Status::Invalid => Colour::Red,
            Status::Drift | Status::Recovered => Colour::Yellow,
            Status::Ok => Colour::Green,
        }
    }

    /// As comfy-table names it: the palette's first eight colours (its
    /// "dark" ones), which `paint` and miette's theme use too.
    pub fn table(self) -> comfy_table::Color {
        match self {
            Colour::Red => comfy_table::Color::DarkRed,
            Colour::Yellow => comfy_table::Color::DarkYellow,
            Colour::Cyan => comfy_table::Color::DarkCyan,
            Colour::Green => comfy_table::Color::DarkGreen,
        }
    }

    /// `text` (already escaped) between the SGR sequences of this colour.
    pub fn paint(self, text: &str) -> String {
        let code = match self {
            Colour::Red => 31,
            Colour::Green => 32,
            Colour::Yellow => 33,
            Colour::Cyan => 36,
        };
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    }
}
