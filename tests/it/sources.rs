//! HAR exports and JSON Lines logs as sources, the timeline, and shards
//! merged back into one summary.

use crate::util::{Folder, codes, dapa, records};
use serde_json::{Value, json};
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A structured application log: one object per line with the time, the
/// logged reply's status and its body (a string, or the JSON itself).
fn incident_log() -> String {
    let mut lines = Vec::new();
    for minute in 0..30 {
        let time = format!("2026-11-20T09:{:02}:{:02}Z", 10 + minute, (minute * 7) % 60);
        let line = match minute {
            5..=9 => json!({"time": time, "level": "error", "response": {"status": 502,
                "body": "<html><head><title>502 Bad Gateway</title></head></html>"}}),
            12 => {
                json!({"time": time, "response": {"status": 200, "body": "{\"token\":\"abc\",\"expiresAt\":"}})
            }
            20 => {
                json!({"time": time, "response": {"status": 200, "body": {"token": "t", "expiresAt": 1763629923000u64}}})
            }
            _ => {
                json!({"time": time, "response": {"status": 200, "body": "{\"token\":\"t\",\"expiresAt\":1763629923}"}})
            }
        };
        lines.push(line.to_string());
    }
    // A log line cut off by the logger, and a blank line.
    lines.push(r#"{"time":"2026-11-20T09:41:00Z","response":{"status":200,"bo"#.to_owned());
    lines.push(String::new());
    lines.join("\n") + "\n"
}

#[test]
fn json_lines_logs_by_pointer_with_times() {
    let folder = Folder::new();
    folder.write("app.jsonl.gz", &gzip(incident_log().as_bytes()));
    let output = dapa(&[
        "scan",
        folder.path_str(),
        "--format",
        "jsonl",
        "--body-pointer",
        "/response/body",
        "--time-pointer",
        "/time",
        "--fail-on",
        "none",
    ])
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let seen = folder.relative(records(&output.stdout));
    assert_eq!(
        seen.len(),
        31,
        "30 lines and the cut-off one; the blank line is none"
    );
    let line = |n: usize| &seen[&format!("app.jsonl.gz:{n}")];
    assert_eq!(line(1)["status"], "ok");
    assert_eq!(line(1)["http_status"], 200);
    assert_eq!(line(1)["captured_at"], "2026-11-20T09:10:00Z");
    assert_eq!(codes(line(6)), ["T06", "T04"]);
    assert_eq!(line(6)["http_status"], 502);
    assert!(codes(line(13)).contains(&"S01".to_owned()), "{}", line(13));
    assert_eq!(
        line(21)["status"],
        "ok",
        "a body logged as JSON is its JSON text"
    );
    assert_eq!(
        codes(line(31)),
        ["S01"],
        "the cut-off log line is analysed whole"
    );
    assert!(line(31).get("captured_at").is_none());
}

#[test]
fn timeline_series_and_first_last_seen() {
    let folder = Folder::new();
    folder.write("app.jsonl", incident_log().as_bytes());
    let scan = |bucket: &str| -> Value {
        let output = dapa(&[
            "scan",
            folder.path_str(),
            "--format",
            "json",
            "--body-pointer",
            "/response/body",
            "--time-pointer",
            "/time",
            "--bucket",
            bucket,
            "--quiet",
        ])
        .run();
        assert_eq!(output.code, 1, "{}", output.stderr);
        serde_json::from_str(&output.stdout).unwrap()
    };
    let auto = scan("auto");
    let timeline = &auto["timeline"];
    assert_eq!(
        timeline["bucket"], "1m",
        "half an hour fits in 1-minute buckets"
    );
    assert_eq!(timeline["auto"], true);
    assert_eq!(timeline["first"], "2026-11-20T09:10:00Z");
    assert_eq!(timeline["last"], "2026-11-20T09:39:23Z");
    assert_eq!(timeline["undated"], 1);
    let series = timeline["series"].as_array().unwrap();
    assert_eq!(series.len(), 30);
    let at = |start: &str| series.iter().find(|b| b["start"] == start).unwrap();
    assert_eq!(
        at("2026-11-20T09:15:00Z")["statuses"],
        json!({"malformed": 1})
    );
    assert_eq!(
        at("2026-11-20T09:15:00Z")["codes"],
        json!({"T04": 1, "T06": 1})
    );
    let t04 = auto["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "T04")
        .unwrap();
    assert_eq!(t04["first_seen"], "2026-11-20T09:15:35Z");
    assert_eq!(t04["last_seen"], "2026-11-20T09:19:03Z");

    let five = scan("5m");
    let series = five["timeline"]["series"].as_array().unwrap();
    assert_eq!(five["timeline"]["bucket"], "5m");
    assert_eq!(five["timeline"]["auto"], false);
    assert_eq!(series.len(), 6);
    assert_eq!(series[1]["start"], "2026-11-20T09:15:00Z");
    assert_eq!(series[1]["statuses"], json!({"malformed": 5}));

    let table = dapa(&[
        "scan",
        folder.path_str(),
        "--body-pointer",
        "/response/body",
        "--time-pointer",
        "/time",
        "--bucket",
        "5m",
    ])
    .run();
    assert!(table.stdout.contains("timeline by capture time (5m buckets, 2026-11-20 09:10:00 to 2026-11-20 09:39:23; 1 captures state no time)"), "{}", table.stdout);
    assert!(
        table.stdout.contains("malformed   █▂     6\n"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("│ 2026-11-20 09:15:00 ┆        5 ┆         5 ┆    ┆ T04 5, T06 5 │"),
        "{}",
        table.stdout
    );
    let bad = dapa(&["scan", folder.path_str(), "--bucket", "2m"]).run();
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not a bucket width"), "{}", bad.stderr);
}

#[test]
fn har_entries_are_numbered_captures() {
    let output = dapa(&[
        "scan",
        "samples/logs/agent-desktop.har",
        "--format",
        "jsonl",
        "--fail-on",
        "none",
    ])
    .run();
    let seen = records(&output.stdout);
    assert_eq!(seen.len(), 8);
    let entry = |n: usize| &seen[&format!("samples/logs/agent-desktop.har#{n}")];
    assert_eq!(entry(2)["status"], "ok", "base64 content is decoded");
    assert_eq!(entry(3)["http_status"], 502);
    assert_eq!(entry(3)["captured_at"], "2026-11-20T09:32:30Z");
    assert_eq!(codes(entry(7)), ["T08"]);
}

#[test]
fn long_lines_and_broken_logs_are_findings() {
    let folder = Folder::new();
    let long = format!("{{\"k\":\"{}\"}}", "v".repeat(5000));
    folder.write("a.ndjson", format!("[1]\n{long}\n[3]\n").as_bytes());
    let mut broken = gzip(b"[1]\n[2]\n[3]\n[4]\n");
    broken.truncate(broken.len() - 10);
    folder.write("b.jsonl.gz", &broken);
    let output = dapa(&[
        "scan",
        folder.path_str(),
        "--format",
        "jsonl",
        "--max-bytes",
        "1K",
        "--fail-on",
        "none",
    ])
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let seen = folder.relative(records(&output.stdout));
    assert_eq!(codes(&seen["a.ndjson:2"]), ["T07"]);
    assert_eq!(seen["a.ndjson:3"]["status"], "ok");
    let broken_tail = seen
        .iter()
        .find(|(source, record)| source.starts_with("b.jsonl.gz:") && codes(record) == ["T08"]);
    assert!(broken_tail.is_some(), "{seen:?}");
}

/// Every shard count gives, merged, the single run's summary byte for byte.
#[test]
fn shards_merged_equal_one_run() {
    let folder = Folder::new();
    folder.write("app.jsonl", incident_log().as_bytes());
    for args in [
        vec!["samples"],
        vec!["samples", "--profile", "cognigy-profile", "--bucket", "1h"],
        vec![
            folder.path_str(),
            "samples/logs",
            "--body-pointer",
            "/response/body",
            "--time-pointer",
            "/time",
        ],
    ] {
        let scan = |extra: &[&str]| {
            let mut all = vec!["scan", "--format", "json", "--quiet"];
            all.extend(&args);
            all.extend(extra);
            let output = dapa(&all).run();
            assert!(output.code <= 1, "{}", output.stderr);
            output.stdout
        };
        let whole = scan(&["--jobs", "2"]);
        for count in [1usize, 2, 3, 7] {
            let shards = Folder::new();
            for k in 1..=count {
                let shard = format!("{k}/{count}");
                let jobs = if k % 2 == 0 { "1" } else { "3" };
                shards.write(
                    &format!("s{k}.json"),
                    scan(&["--shard", &shard, "--jobs", jobs]).as_bytes(),
                );
            }
            let mut merge = vec!["merge".to_owned()];
            // In reverse: merge orders shards by their number.
            merge.extend(
                (1..=count)
                    .rev()
                    .map(|k| shards.join(&format!("s{k}.json")).display().to_string()),
            );
            let merge: Vec<&str> = merge.iter().map(String::as_str).collect();
            let merged = dapa(&merge).run();
            assert_eq!(merged.code, 0, "{}", merged.stderr);
            assert!(
                merged.stdout == whole,
                "{count} shards of {args:?} differ from one run"
            );
        }
    }
}

#[test]
fn merge_refuses_an_incomplete_set() {
    let shards = Folder::new();
    for k in [1, 3] {
        let output = dapa(&[
            "scan",
            "samples",
            "--format",
            "json",
            "--shard",
            &format!("{k}/3"),
            "-q",
        ])
        .run();
        shards.write(&format!("s{k}.json"), output.stdout.as_bytes());
    }
    shards.write("other.json", b"{\"hello\": 1}");
    let s1 = shards.join("s1.json").display().to_string();
    let s3 = shards.join("s3.json").display().to_string();
    let other = shards.join("other.json").display().to_string();
    let output = dapa(&["merge", &s1, &s3]).run();
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .contains("the shards must be 1/3 to 3/3, each once; got 1/3, 3/3"),
        "{}",
        output.stderr
    );
    let output = dapa(&["merge", &s1, &other]).run();
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("is not a dapa summary"),
        "{}",
        output.stderr
    );
    let huge = u64::MAX.to_string();
    let last = format!("{huge}/{huge}");
    let output = dapa(&[
        "scan", "samples", "--shard", &last, "--format", "json", "-q",
    ])
    .run();
    assert_eq!(
        output.code, 1,
        "the last of very many shards holds the last source: {}",
        output.stderr
    );
}

#[test]
fn a_gzip_har_export_is_read_like_the_plain_one() {
    let folder = Folder::new();
    let har = std::fs::read("samples/logs/agent-desktop.har").unwrap();
    folder.write("session.har.gz", &gzip(&har));
    let output = dapa(&[
        "scan",
        folder.path_str(),
        "--format",
        "jsonl",
        "--fail-on",
        "none",
    ])
    .run();
    let seen = folder.relative(records(&output.stdout));
    assert_eq!(seen.len(), 8);
    assert_eq!(seen["session.har.gz#2"]["status"], "ok");
    assert_eq!(codes(&seen["session.har.gz#3"]), ["T06", "T04"]);
}

/// The progress line shows on a terminal (a pseudo-terminal made by
/// `script`), and never in a pipe or with --quiet.
#[test]
fn progress_only_on_a_terminal() {
    let dapa_path = assert_cmd::cargo::cargo_bin("dapa");
    let run_on_terminal = |extra: &str| {
        let command = format!(
            "{} scan samples --format json {extra} > /dev/null",
            dapa_path.display()
        );
        let output = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("DAPA_PROGRESS_AFTER_MS", "0")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("script (util-linux) runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let shown = run_on_terminal("");
    assert!(shown.contains("scanned"), "{shown:?}");
    let quiet = run_on_terminal("--quiet");
    assert!(!quiet.contains("scanned"), "{quiet:?}");
    let piped = dapa(&["scan", "samples", "--format", "json"])
        .env("DAPA_PROGRESS_AFTER_MS", "0")
        .run();
    assert!(!piped.stderr.contains("scanned"), "{}", piped.stderr);
    // The throughput line counts every sample the manifest lists.
    let manifest: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(include_str!("../samples-manifest.json")).unwrap();
    let expected = format!("dapa: {} captures", manifest.len());
    assert!(
        piped.stderr.lines().any(|line| line.starts_with(&expected)),
        "{}",
        piped.stderr
    );
}

#[test]
fn sarif_points_into_the_log_file() {
    let folder = Folder::new();
    folder.write("plain.jsonl", b"{\"a\":1}\n\n{\"b\":\n");
    let output = dapa(&["scan", folder.path_str(), "--format", "sarif"]).run();
    let sarif: Value = serde_json::from_str(&output.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "S01");
    let location = &result["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/plain.jsonl")
    );
    assert_eq!(
        location["region"],
        json!({"startLine": 3, "startColumn": 6})
    );
}
