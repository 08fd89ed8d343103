//! Single-thread throughput of dapa's JSON parser against
//! `serde_json::from_slice::<Value>` on the same files, both with mimalloc
//! (the allocator the `dapa` binary uses).
//!
//! Usage: `cargo bench --bench parser -- DIR [ROUNDS]`, where DIR holds
//! `canada.json`, `citm_catalog.json` and `twitter.json` of
//! serde-rs/json-benchmark (`data/`). Each round parses each file with both
//! parsers, one after the other, so that both see the same load; the figure
//! is the median over the rounds of the MB/s of each, measured in CPU time
//! of this thread (Linux; wall time elsewhere), so that other processes on
//! the machine disturb it less.

// A benchmark program reports on standard output, as the binary does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use dapa::json::parse::{ParseOptions, parse};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FILES: [&str; 3] = ["canada.json", "citm_catalog.json", "twitter.json"];

/// This thread's CPU time: the first field of `/proc/thread-self/schedstat`
/// (nanoseconds on a CPU), or `None` where there is no such file.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The time `work` takes, `repeat` times over: CPU time where the system
/// gives it, wall time otherwise.
fn measure(repeat: usize, mut work: impl FnMut()) -> Duration {
    let (cpu, wall) = (thread_cpu(), Instant::now());
    for _ in 0..repeat {
        work();
    }
    match (cpu, thread_cpu()) {
        (Some(before), Some(after)) => after - before,
        _ => wall.elapsed(),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        // Not a failure: `cargo test --all-targets` runs this without
        // arguments, and there is nothing to measure then.
        eprintln!("usage: cargo bench --bench parser -- DIR [ROUNDS]");
        return;
    };
    let rounds: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(9);
    println!("| file | MB | dapa MB/s | serde_json MB/s | dapa / serde_json |");
    println!("|---|---:|---:|---:|---:|");
    for name in FILES {
        let path = dir.join(name);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                std::process::exit(2);
            }
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            eprintln!("{}: not UTF-8", path.display());
            std::process::exit(2);
        };
        // About 200 MB of input per measurement, so that one takes some
        // hundreds of milliseconds: the thread's CPU clock advances by
        // scheduler ticks (4 ms on a 250 Hz kernel), which would be 10% of
        // a 40 ms measurement and is 1% of these.
        let repeat = (200_000_000 / bytes.len()).max(1);
        let megabytes = (bytes.len() * repeat) as f64 / 1e6;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let time = measure(repeat, || {
                black_box(parse(black_box(text), ParseOptions::default()).is_ok());
            });
            ours.push(megabytes / time.as_secs_f64());
            let time = measure(repeat, || {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).is_ok());
            });
            theirs.push(megabytes / time.as_secs_f64());
        }
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        println!(
            "| {name} | {:.1} | {ours:.0} | {theirs:.0} | {:.2}x |",
            bytes.len() as f64 / 1e6,
            ours / theirs
        );
    }
}
