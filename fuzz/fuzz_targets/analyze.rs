//! Any bytes through every layer, with a profile so that the schema, drift
//! and semantic layers run too: no input may panic.
#![no_main]

use dapa::capture::{Capture, Meta};
use dapa::profile::{Profile, Profiles};
use dapa::{AnalyzeOptions, analyze};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn options() -> &'static [AnalyzeOptions; 2] {
    static OPTIONS: OnceLock<[AnalyzeOptions; 2]> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let with = |name: &str| AnalyzeOptions {
            profiles: Profiles {
                forced: Some(Arc::new(Profile::builtin(name).expect("built-in profile"))),
                rules: Vec::new(),
            },
            ..AnalyzeOptions::default()
        };
        [with("cognigy-token"), with("cognigy-profile")]
    })
}

fuzz_target!(|data: &[u8]| {
    let meta = Meta {
        status: Some(200),
        captured_at: Some("2026-11-20T09:12:03Z".to_owned()),
        ..Meta::default()
    };
    for options in options() {
        let capture = Capture::from_bytes("fuzz", data.to_vec(), Some(meta.clone()), 1 << 20);
        let record = analyze(capture, options);
        // Every finding with an offset has a line, and the record serialises.
        for finding in &record.findings {
            assert_eq!(finding.offset.is_some(), finding.line.is_some());
        }
        let _ = serde_json::to_string(&record).expect("records serialise");
    }
    let explained = dapa::spans::explain(
        Capture::from_bytes("fuzz", data.to_vec(), Some(meta), 1 << 20),
        &options()[0],
    );
    for (_, span) in &explained.spans {
        if let Some(span) = span {
            assert!(span.end <= explained.body.len().max(data.len()));
        }
    }
});
