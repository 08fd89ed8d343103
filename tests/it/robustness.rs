//! No input bytes make the analysis panic: arbitrary bytes, and the shipped
//! samples cut and flipped at random places.

use dapa::capture::Capture;
use dapa::{AnalyzeOptions, analyze};
use proptest::prelude::*;
use std::path::Path;

fn run(bytes: Vec<u8>) -> dapa::CaptureRecord {
    let capture = Capture::from_bytes("fuzz", bytes, None, 1 << 20);
    analyze(capture, &AnalyzeOptions::default())
}

fn sample_bodies() -> &'static [Vec<u8>] {
    static BODIES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    BODIES.get_or_init(read_samples)
}

fn read_samples() -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for entry in walkdir::WalkDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            bodies.push(std::fs::read(entry.path()).unwrap());
        }
    }
    bodies.sort();
    bodies
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let record = run(bytes);
        // Every finding that has an offset has a line and column too.
        for finding in &record.findings {
            prop_assert_eq!(finding.offset.is_some(), finding.line.is_some());
        }
    }

    #[test]
    fn json_like_text_never_panics(text in r#"[\[\]{}":,0-9eE.+\-a-zNIT'/*\\ \n]{0,200}"#) {
        run(text.into_bytes());
    }

    #[test]
    fn damaged_har_exports_never_panic(cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut har = include_bytes!("../../samples/logs/agent-desktop.har").to_vec();
        let at = flip.index(har.len());
        har[at] = byte;
        har.truncate(cut.index(har.len() + 1));
        use dapa::capture::{Source, har::{self, Entries, RawEntry}};
        for entry in Entries::new(&har[..], 1 << 20) {
            let capture = match entry {
                Ok(RawEntry::Text(n, text)) => har::capture(Source::HarEntry { file: "x.har".into(), entry: n }, text, 1 << 20),
                Ok(RawEntry::TooLong(n, length)) => har::too_long(Source::HarEntry { file: "x.har".into(), entry: n }, length, 1 << 20),
                Err(error) => har::unreadable("x.har", &error),
            };
            analyze(capture, &AnalyzeOptions::default());
        }
    }

    #[test]
    fn log_lines_never_panic(line in proptest::collection::vec(any::<u8>(), 0..300), pointers in any::<bool>()) {
        let options = dapa::capture::lines::LineOptions::new(
            pointers.then(|| "/response/body".to_owned()),
            pointers.then(|| "/time".to_owned()),
        );
        let capture = dapa::capture::lines::capture(dapa::capture::Source::LogLine { file: "x.jsonl".into(), line: 1 }, &line, &options, 1 << 20);
        analyze(capture, &AnalyzeOptions::default());
    }

    #[test]
    fn structured_log_lines_never_panic(time in prop_oneof![Just(serde_json::json!(null)), any::<i64>().prop_map(serde_json::Value::from), any::<f64>().prop_map(serde_json::Value::from), "[0-9T:.Z+-]{0,30}".prop_map(serde_json::Value::from)], body in "[\\[\\]{}\":,0-9a-z ]{0,60}", status in any::<i64>()) {
        let line = serde_json::json!({"time": time, "response": {"status": status, "body": body}}).to_string();
        let options = dapa::capture::lines::LineOptions::new(Some("/response/body".to_owned()), Some("/time".to_owned()));
        let capture = dapa::capture::lines::capture(dapa::capture::Source::LogLine { file: "x.jsonl".into(), line: 1 }, line.as_bytes(), &options, 1 << 20);
        analyze(capture, &AnalyzeOptions::default());
    }

    #[test]
    fn damaged_samples_never_panic(index in 0usize..1000, cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let bodies = sample_bodies();
        let mut body = bodies[index % bodies.len()].clone();
        if !body.is_empty() {
            let at = flip.index(body.len());
            body[at] = byte;
            body.truncate(cut.index(body.len() + 1));
        }
        run(body);
    }
}

#[test]
fn pathological_inputs_finish() {
    let cases: Vec<Vec<u8>> = vec![
        b"[".repeat(1_000_000),
        b"{\"a\":".repeat(200_000),
        format!("\"{}\"", "\\\"[".repeat(100_000)).into_bytes(),
        format!("[{}]", "1,".repeat(200_000) + "1").into_bytes(),
        format!("{{{}\"k\":0}}", "\"k\":0,".repeat(50_000)).into_bytes(),
        b"\"\\ud800".repeat(10_000),
        vec![0u8; 100_000],
    ];
    for body in cases {
        let record = run(body);
        assert!(record.findings.len() <= 60, "{:?}", record.findings.len());
    }
}
