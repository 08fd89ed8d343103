//! Shards merged back into one summary, and the progress line on a terminal:
//! several runs compared (single runs on HAR exports, JSON Lines logs and the
//! timeline are cases in `tests/cmd/`).

use crate::util::{Folder, dapa};

/// The summary of `dapa scan ARGS EXTRA --format json --quiet`, which must
/// not fail.
fn scan_json(args: &[&str], extra: &[&str]) -> String {
    let mut all = vec!["scan", "--format", "json", "--quiet"];
    all.extend(args);
    all.extend(extra);
    let output = dapa(&all).run();
    assert!(output.code <= 1, "{}", output.stderr);
    output.stdout
}

/// Every shard count gives, merged, the single run's summary byte for byte.
#[test]
fn shards_merged_equal_one_run() {
    for args in [
        vec!["samples"],
        vec!["samples", "--profile", "cognigy-profile", "--bucket", "1h"],
        vec![
            // The incident log of the `tests/cmd` cases.
            "tests/cmd/incident-log.in/app.jsonl",
            "samples/logs",
            "--body-pointer",
            "/response/body",
            "--time-pointer",
            "/time",
        ],
    ] {
        let scan = |extra: &[&str]| scan_json(&args, extra);
        let whole = scan(&["--jobs", "2"]);
        assert!(whole.contains("\"signatures\": ["), "signatures merge too");
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

/// A folder given twice is read twice, and its shards name it twice too:
/// merged, they must not drop the second from `inputs`.
#[test]
fn shards_of_a_path_given_twice_merge_to_one_run() {
    let args = [
        "samples/ok",
        "samples/ok/contact-profile.json",
        "samples/ok",
    ];
    let scan = |extra: &[&str]| scan_json(&args, extra);
    let whole = scan(&[]);
    assert!(
        whole.contains(
            "\"samples/ok\",\n    \"samples/ok/contact-profile.json\",\n    \"samples/ok\""
        )
    );
    let shards = Folder::new();
    for k in 1..=2 {
        let shard = format!("{k}/2");
        shards.write(&format!("s{k}.json"), scan(&["--shard", &shard]).as_bytes());
    }
    let s1 = shards.join("s1.json").display().to_string();
    let s2 = shards.join("s2.json").display().to_string();
    let merged = dapa(&["merge", &s1, &s2]).run();
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(
        merged.stdout, whole,
        "2 shards of {args:?} differ from one run"
    );
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
}

#[test]
fn merge_refuses_shards_read_or_checked_with_other_options() {
    let shards = Folder::new();
    let shard = |name: &str, k: usize, extra: &[&str]| {
        let shard = format!("{k}/2");
        let mut args = vec!["scan", "samples/payload", "--format", "json", "-q"];
        args.extend_from_slice(&["--shard", &shard]);
        args.extend_from_slice(extra);
        let output = dapa(&args).run();
        assert!(output.code < 2, "{}", output.stderr);
        shards.write(name, output.stdout.as_bytes());
        shards.join(name).display().to_string()
    };
    let first = shard("1.json", 1, &["--profile", "cognigy-profile"]);
    let same = shard("2.json", 2, &["--profile", "cognigy-profile"]);
    let other_profile = shard("2-token.json", 2, &["--profile", "cognigy-token"]);
    let smaller = shard(
        "2-small.json",
        2,
        &["--profile", "cognigy-profile", "--max-bytes", "10"],
    );
    assert_eq!(dapa(&["merge", &first, &same]).run().code, 0);
    for other in [&other_profile, &smaller] {
        let output = dapa(&["merge", &first, other]).run();
        assert_eq!(output.code, 2, "{}", output.stderr);
        assert!(
            output
                .stderr
                .contains("--profile cognigy-profile --max-bytes")
                && output.stderr.contains("do not come from one scan"),
            "{}",
            output.stderr
        );
    }
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

/// A JSON Lines log gives the same records and summary byte for byte with
/// one job and with seven, over more lines than one chunk holds.
#[test]
fn log_output_is_the_same_for_any_jobs() {
    let folder = Folder::new();
    let mut log = String::new();
    for n in 0..2500 {
        let line = match n % 7 {
            0 => format!(
                r#"{{"time":"2026-11-20T09:{:02}:00Z","response":{{"status":200,"body":"{{\"id\":{n},\"score\":0.1000000000000000055511}}"}}}}"#,
                n % 60
            ),
            1 => format!(
                r#"{{"time":{},"response":{{"statusCode":"502","body":"<html>bad gateway</html>"}}}}"#,
                1_763_629_923_000u64 + n
            ),
            2 => r#"{"response":{"body":"a","body":{"b":[1,2]}},"time":"x"}"#.to_owned(),
            3 => r#"{"response":{"status":429,"body":null}}"#.to_owned(),
            4 => r#"{"response":{"body":"{\"cut\":"#.to_owned(),
            5 => "{\"response\":{\"body\":\"\u{1b}[31mred\"}}".to_owned(),
            _ => format!(
                r#"{{"time":"2026-11-20T10:00:{:02}Z","response":{{"status":200,"body":"{{\"n\":{n}}}"}}}}"#,
                n % 60
            ),
        };
        log.push_str(&line);
        log.push('\n');
    }
    folder.write("app.jsonl", log.as_bytes());
    let path = folder.join("app.jsonl").display().to_string();
    for format in ["jsonl", "json"] {
        let scan = |jobs: &str| {
            let output = dapa(&[
                "scan",
                &path,
                "--format",
                format,
                "--quiet",
                "--jobs",
                jobs,
                "--body-pointer",
                "/response/body",
                "--time-pointer",
                "/time",
            ])
            .run();
            assert!(output.code <= 1, "{}", output.stderr);
            output.stdout
        };
        let one = scan("1");
        if format == "jsonl" {
            assert!(one.contains("app.jsonl:2500"), "every line is a capture");
        }
        assert!(
            one == scan("7"),
            "--format {format} differs between --jobs 1 and 7"
        );
    }
}

#[test]
fn a_har_request_that_got_no_reply_says_so() {
    // Chromium records a refused or cancelled request with status 0, no
    // content and the network error's name.
    let folder = Folder::new();
    folder.write(
        "desk.har",
        br#"{"log":{"entries":[{"startedDateTime":"2026-11-20T09:00:00Z","request":{"method":"POST","url":"https://api.mypurecloud.ie/api/v2/integrations/actions/a1/execute"},"response":{"status":0,"headers":[],"content":{"size":0,"mimeType":"x-unknown"},"_error":"net::ERR_CONNECTION_RESET"}}]}}"#,
    );
    let output = dapa(&["scan", folder.path_str(), "--format", "jsonl", "-q"]).run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    let record: serde_json::Value = serde_json::from_str(output.stdout.trim()).unwrap();
    assert_eq!(record["status"], "empty");
    assert_eq!(
        record["findings"][0]["message"],
        "no reply: the HAR entry's status is 0 (net::ERR_CONNECTION_RESET)"
    );
}
