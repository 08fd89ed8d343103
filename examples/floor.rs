//! The floors `dapa scan` is measured against (`benches/floor.sh`): the least
//! work any tool must do to read, parse, and validate every file of a corpus,
//! with the same crates, allocator and thread pool as dapa.
//!
//! ```text
//! floor read DIR                 walk + read every file
//! floor parse DIR                ... + serde_json::from_slice::<Value>
//! floor validate DIR SCHEMA      ... + jsonschema's is_valid against SCHEMA
//! ```
//!
//! The validator checks `format` as dapa's does (`V05 format-mismatch` is
//! built on it), though under drafts 2019-09 and 2020-12 jsonschema only
//! annotates formats unless asked: a floor that skipped them would do less
//! than the work dapa is asked to do.
//!
//! It prints one line: files, bytes, and how many parsed and validated, so
//! that the work cannot be optimised away and two runs can be compared.

// A benchmark program reports on standard output, as the binary does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How far each file is taken.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Read,
    Parse,
    Validate,
}

#[derive(Default)]
struct Counts {
    files: AtomicU64,
    bytes: AtomicU64,
    parsed: AtomicU64,
    valid: AtomicU64,
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>, walkdir::Error> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry?;
        if entry.file_type().is_file() {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

fn usage() -> ExitCode {
    eprintln!("usage: floor read|parse DIR | floor validate DIR SCHEMA");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, dir, schema) = match args.as_slice() {
        [mode, dir] if mode == "read" => (Mode::Read, dir, None),
        [mode, dir] if mode == "parse" => (Mode::Parse, dir, None),
        [mode, dir, schema] if mode == "validate" => (Mode::Validate, dir, Some(schema)),
        _ => return usage(),
    };
    let validator = match schema.map(|path| -> Result<_, String> {
        let text = std::fs::read(path).map_err(|error| format!("{path}: {error}"))?;
        let schema: serde_json::Value =
            serde_json::from_slice(&text).map_err(|error| format!("{path}: {error}"))?;
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|error| format!("{path}: {error}"))
    }) {
        None => None,
        Some(Ok(validator)) => Some(validator),
        Some(Err(message)) => {
            eprintln!("floor: {message}");
            return ExitCode::from(2);
        }
    };
    let files = match files_under(Path::new(dir)) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("floor: {error}");
            return ExitCode::from(2);
        }
    };
    let counts = Counts::default();
    files.par_iter().for_each(|path| {
        let Ok(bytes) = std::fs::read(path) else {
            return;
        };
        counts.files.fetch_add(1, Ordering::Relaxed);
        counts
            .bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if mode == Mode::Read {
            return;
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return;
        };
        counts.parsed.fetch_add(1, Ordering::Relaxed);
        if validator.as_ref().is_some_and(|v| v.is_valid(&value)) {
            counts.valid.fetch_add(1, Ordering::Relaxed);
        }
    });
    println!(
        "files {} bytes {} parsed {} valid {}",
        counts.files.into_inner(),
        counts.bytes.into_inner(),
        counts.parsed.into_inner(),
        counts.valid.into_inner()
    );
    ExitCode::SUCCESS
}
