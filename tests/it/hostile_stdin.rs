//! Standard input (`-`) and the other inputs that are not files named on
//! the command line: each run is bounded in time and address space, so a
//! read that hangs or grows without bound fails the test.

use crate::util::{codes, dapa_bounded, records};

/// Address space for one run with `--jobs 2`.
const MEMORY_MIB: u64 = 384;
/// Seconds for one run: a hang is killed and fails the test.
const SECONDS: u64 = 20;

/// The largest `--max-bytes` there is: standard input is still read, not
/// taken for an empty capture (the read's limit, one byte past it, came to
/// zero).
#[test]
fn the_largest_max_bytes_still_reads_standard_input() {
    for command in ["scan", "explain"] {
        let mut args = vec![command, "-", "--max-bytes", "18446744073709551615"];
        if command == "scan" {
            args.extend(["--format", "jsonl", "--quiet"]);
        }
        let out = dapa_bounded(MEMORY_MIB, SECONDS, &args)
            .stdin(br#"{"a":1}"#)
            .run();
        assert_eq!(out.code, 0, "{command}: {}{}", out.stdout, out.stderr);
        if command == "scan" {
            let record = &records(&out.stdout)["-"];
            assert_eq!(record["status"], "ok", "{record}");
            assert!(codes(record).is_empty(), "{record}");
            assert_eq!(record["bytes"], 7, "{record}");
        }
    }
}

/// `-` named twice is refused by every command that reads captures, as
/// `scan` refuses it: `replay` read standard input as two captures, the
/// second an empty reply (R07) no one sent.
#[test]
fn standard_input_named_twice_is_refused_by_replay() {
    let folder = crate::util::Folder::new();
    folder.write(
        "x.action.json",
        br#"{"name":"x","integrationType":"custom-rest-actions","actionType":"custom",
            "config":{"request":{"requestUrlTemplate":"https://example.com","requestType":"GET","headers":{}},
            "response":{"translationMap":{"a":"$.a"},"translationMapDefaults":{},"successTemplate":"{\"a\": ${a}}"}},
            "contract":{"input":{"inputSchema":{"type":"object","properties":{}}},
            "output":{"successSchema":{"type":"object","properties":{"a":{"type":"integer"}}}}}}"#,
    );
    let definition = folder.join("x.action.json");
    let definition = definition.to_str().unwrap();
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "replay",
            "--definition",
            definition,
            "-",
            "-",
            "--jobs",
            "2",
        ],
    )
    .stdin(br#"{"a":1}"#)
    .run();
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("standard input (-) is named more than once"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    // Once, it is one capture.
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "replay",
            "--definition",
            definition,
            "-",
            "--format",
            "jsonl",
        ],
    )
    .stdin(br#"{"a":1}"#)
    .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(records(&out.stdout)["-"]["status"], "ok", "{}", out.stdout);
}
