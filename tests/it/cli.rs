//! The real `dapa` binary on real files: the shipped samples against their
//! manifest, runs compared across `--jobs`, and temporary folders with
//! unreadable entries and link loops (exit codes and outputs of plain
//! argument lists on static files are cases in `tests/cmd/`).

use crate::util::{Folder, dapa, records};
use serde_json::Value;
use std::collections::BTreeMap;

#[test]
fn every_sample_matches_its_manifest_entry() {
    let manifest: BTreeMap<String, Value> =
        serde_json::from_str(include_str!("../samples-manifest.json")).expect("manifest is JSON");
    let output = dapa(&[
        "scan",
        "samples",
        "--format",
        "jsonl",
        "--quiet",
        "--fail-on",
        "none",
    ])
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let seen = records(&output.stdout);
    let mut mismatches = Vec::new();
    for (source, expected) in &manifest {
        let Some(record) = seen.get(source) else {
            mismatches.push(format!("{source}: not scanned"));
            continue;
        };
        let mut codes: Vec<&str> = record["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| finding["code"].as_str().unwrap())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let expected_codes: Vec<&str> = expected["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
        if record["status"] != expected["status"] || codes != expected_codes {
            mismatches.push(format!(
                "{source}: expected {} {:?}, got {} {:?}",
                expected["status"], expected_codes, record["status"], codes
            ));
        }
    }
    for source in seen.keys() {
        if !manifest.contains_key(source) {
            mismatches.push(format!("{source}: scanned but not in the manifest"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn samples_cover_every_code_and_status_three_times() {
    let output = dapa(&["scan", "samples", "--format", "json", "--quiet"]).run();
    let summary: Value = serde_json::from_str(&output.stdout).unwrap();
    for code in summary["codes"].as_array().unwrap() {
        assert!(code["captures"].as_u64().unwrap() >= 3, "{code}");
    }
    let found: Vec<&str> = summary["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code["code"].as_str().unwrap())
        .collect();
    // Every code of captures but T07, which needs a size limit; the
    // definition layer's codes are the lint's, of definitions, not captures,
    // and the replay layer's only `dapa replay` reports.
    let wanted: Vec<&str> = dapa::Code::ALL
        .iter()
        .filter(|code| !matches!(code.layer(), dapa::Layer::Definition | dapa::Layer::Replay))
        .map(|code| code.as_str())
        .filter(|code| *code != "T07")
        .collect();
    assert_eq!(found, wanted);
    for status in [
        "malformed",
        "empty",
        "error",
        "invalid",
        "drift",
        "recovered",
        "ok",
    ] {
        assert!(
            summary["statuses"][status].as_u64().unwrap() >= 3,
            "{status}"
        );
    }
}

#[test]
fn output_is_identical_for_any_number_of_jobs() {
    for format in ["jsonl", "json", "table", "markdown", "junit", "sarif"] {
        let one = dapa(&[
            "scan", "samples", "--format", format, "--quiet", "--jobs", "1",
        ])
        .run();
        let four = dapa(&[
            "scan", "samples", "--format", format, "--quiet", "--jobs", "4",
        ])
        .run();
        assert!(!one.stdout.is_empty());
        assert_eq!(one.stdout, four.stdout, "--format {format}");
        assert_eq!(one.code, four.code);
    }
}

#[test]
fn unreadable_entries_are_findings_and_the_scan_goes_on() {
    let folder = Folder::new();
    folder.write("a-good.json", br#"{"_id":"5f1","active":true}"#);
    folder.symlink("b-dangling.json", "nowhere.json");
    folder.fifo("c-pipe.json");
    folder.write("d-locked.json", b"{}");
    folder.chmod("d-locked.json", 0o000);
    folder.write("e-after.json", b"[1,2,3]");
    let output = dapa(&["scan", folder.path_str(), "--format", "jsonl", "-q"]).run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    let seen = folder.relative(records(&output.stdout));
    assert_eq!(seen["a-good.json"]["status"], "ok");
    assert_eq!(seen["e-after.json"]["status"], "ok");
    for broken in ["b-dangling.json", "c-pipe.json"] {
        assert_eq!(seen[broken]["status"], "malformed", "{broken}");
        assert_eq!(seen[broken]["findings"][0]["code"], "T08", "{broken}");
    }
    assert!(
        seen["c-pipe.json"]["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("FIFO")
    );
    let dangling = seen["b-dangling.json"]["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(dangling.contains("symbolic link"), "{dangling}");
    // Root reads everything; elsewhere the locked file must be a T08 too.
    if std::fs::read(folder.join("d-locked.json")).is_err() {
        assert_eq!(seen["d-locked.json"]["findings"][0]["code"], "T08");
    } else {
        assert_eq!(seen["d-locked.json"]["status"], "ok");
    }
    assert_eq!(seen.len(), 5);
}

#[test]
fn symbolic_link_loops_are_findings() {
    let folder = Folder::new();
    folder.write("a/x.json", b"{}");
    folder.symlink("a/up", "..");
    let output = dapa(&["scan", folder.path_str(), "--format", "jsonl", "-q"]).run();
    let seen = folder.relative(records(&output.stdout));
    assert_eq!(seen["a/x.json"]["status"], "ok");
    let message = seen["a/up"]["findings"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("a symbolic link loop"), "{message}");
}

#[test]
fn scan_output_file_holds_what_standard_output_would() {
    let folder = Folder::new();
    for format in ["table", "jsonl", "sarif"] {
        let args = [
            "scan",
            "samples",
            "--fail-on",
            "none",
            "-q",
            "--format",
            format,
        ];
        let printed = dapa(&args).run();
        let path = folder.join(&format!("report.{format}"));
        // A file from an earlier run is replaced, not appended to.
        std::fs::write(&path, "stale").unwrap();
        let written = dapa(&args).arg("-o").arg(&path).run();
        assert_eq!(written.code, printed.code, "{}", written.stderr);
        assert_eq!(written.stdout, "", "{format}: nothing on standard output");
        let file = std::fs::read_to_string(&path).unwrap();
        assert!(file.len() > 1000, "{format}: {file}");
        assert_eq!(file, printed.stdout, "{format}");
    }
    // Nothing is left beside the report but the reports.
    let mut names: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.jsonl", "report.sarif", "report.table"]);
}
