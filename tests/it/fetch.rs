//! `dapa fetch` against a Genesys Cloud stand-in on 127.0.0.1, with faults:
//! rate limits, 5xx, 501, slow and cut-off replies, HTML pages, expiring and
//! refused tokens, interrupted runs, proxies; then `scan` over the result.

use crate::standin::{CLIENT_ID, CLIENT_SECRET, StandIn};
use crate::util::{Folder, Output, Run, codes, dapa, records};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const ACTION: &str = "custom_-_standin-lookup";

/// An inputs file with one `{"n": line, "case": ...}` per case.
fn write_inputs(folder: &Folder, cases: &[&str]) -> PathBuf {
    let lines: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, case)| serde_json::json!({"n": i + 1, "case": case}).to_string())
        .collect();
    folder.write("inputs.jsonl", (lines.join("\n") + "\n").as_bytes());
    folder.join("inputs.jsonl")
}

/// `dapa fetch` against the stand-in, from `folder`, with short waits;
/// `extra` adds options or replaces the defaults below.
fn fetch(server: &StandIn, folder: &Folder, extra: &[&str]) -> Run {
    fetch_in(server, folder, extra, dapa)
}

/// [`fetch`], the command made by `run` (a run bounded in memory).
fn fetch_in(
    server: &StandIn,
    folder: &Folder,
    extra: &[&str],
    run: impl FnOnce(&[&str]) -> Run,
) -> Run {
    let defaults = [
        ("--action", ACTION),
        ("--inputs", "inputs.jsonl"),
        ("--out", "live"),
        ("--api-url", &server.url),
        ("--login-url", &server.url),
        ("--backoff", "20ms"),
        ("--timeout", "1s"),
        ("--connect-timeout", "1s"),
    ];
    let mut args = vec!["fetch"];
    for (flag, value) in defaults {
        if !extra.contains(&flag) {
            args.extend([flag, value]);
        }
    }
    args.extend_from_slice(extra);
    run(&args)
        .clean_env()
        .env("GENESYS_CLIENT_ID", CLIENT_ID)
        .env("GENESYS_CLIENT_SECRET", CLIENT_SECRET)
        .current_dir(folder.path())
}

fn sidecar(folder: &Folder, line: usize) -> Value {
    let path = folder.join(&format!("live/{line:06}.meta.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("a sidecar is JSON")
}

fn captured(folder: &Folder) -> BTreeSet<usize> {
    let Ok(entries) = std::fs::read_dir(folder.join("live")) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".meta.json")?.parse().ok())
        .collect()
}

/// Every file name under the output folder: captures and the action's
/// definition only, no temporary files.
fn assert_only_captures(folder: &Folder) {
    for entry in std::fs::read_dir(folder.join("live")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == format!("{ACTION}.action.json") {
            continue;
        }
        let (stem, _) = name.split_once('.').expect("a name with an extension");
        assert!(
            stem.len() == 6 && stem.bytes().all(|b| b.is_ascii_digit()),
            "not a capture: {name}"
        );
        assert!(
            name.ends_with(".body") || name.ends_with(".meta.json"),
            "{name}"
        );
    }
}

/// Neither the client secret nor any token the stand-in issued appears in
/// any file under `root` or in what the runs printed.
fn assert_no_secrets(server: &StandIn, root: &Path, outputs: &[&Output]) {
    let mut secrets = server.log(|log| log.tokens.clone());
    secrets.push(CLIENT_SECRET.to_owned());
    use base64::Engine as _;
    secrets.push(
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")),
    );
    assert_absent(&secrets, root, outputs);
}

/// None of `secrets` appears in any file under `root` or in what the runs
/// printed.
fn assert_absent(secrets: &[String], root: &Path, outputs: &[&Output]) {
    let mut texts: Vec<(String, Vec<u8>)> = outputs
        .iter()
        .flat_map(|o| {
            [
                ("stdout".to_owned(), o.stdout.clone().into_bytes()),
                ("stderr".to_owned(), o.stderr.clone().into_bytes()),
            ]
        })
        .collect();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            texts.push((
                entry.path().display().to_string(),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    for secret in secrets {
        for (name, bytes) in &texts {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "a secret appears in {name}");
        }
    }
}

#[test]
fn every_fault_ends_as_the_spec_says() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    let cases = [
        "ok",
        "429-once",
        "503-once",
        "500-always",
        "501",
        "slow-once",
        "slow",
        "cut-once",
        "cut-always",
        "html-502",
        "401-once",
    ];
    write_inputs(&folder, &cases);
    let output = fetch(&server, &folder, &["--retries", "2"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("11 captured, 8 retried, 0 failed of 11 inputs"),
        "{}",
        output.stderr
    );
    // (attempts, final status) per case.
    let expected = [
        (1, 200),
        (2, 200),
        (2, 200),
        (3, 500),
        (1, 501),
        (2, 200),
        (1, 200),
        (2, 200),
        (3, 200),
        (3, 502),
        (2, 200),
    ];
    for (index, (attempts, status)) in expected.into_iter().enumerate() {
        let line = index + 1;
        let case = cases[index];
        assert_eq!(
            server.attempts(line as u64),
            attempts,
            "requests for {case}"
        );
        let meta = sidecar(&folder, line);
        assert_eq!(meta["status"], status, "{case}: {meta}");
        assert_eq!(meta["attempts"], attempts, "{case}: {meta}");
        assert_eq!(meta["action_id"], ACTION);
        assert_eq!(meta["endpoint"], "execute");
        assert_eq!(meta["inputs"], serde_json::json!({"n": line, "case": case}));
        let at = meta["captured_at"].as_str().expect("captured_at");
        assert!(at.parse::<jiff::Timestamp>().is_ok(), "{at}");
        assert!(meta["elapsed_ms"].is_u64());
        let headers = meta["headers"].as_object().expect("headers");
        assert!(
            headers.keys().all(|k| !k.contains("cookie")),
            "{case}: {meta}"
        );
        assert_eq!(
            meta.get("transport_error").is_some(),
            case == "cut-always",
            "{case}"
        );
    }
    // The rate-limited line waited what Retry-After said.
    assert!(sidecar(&folder, 2)["elapsed_ms"].as_u64().unwrap() >= 1000);
    assert_eq!(server.attempts(0), 0, "every request carried its input");
    assert_only_captures(&folder);

    // scan reads the folder as it is, with no flags.
    let scan = dapa(&["scan", "live", "--format", "jsonl"])
        .current_dir(folder.path())
        .run();
    assert_eq!(scan.code, 1, "some captures are invalid: {}", scan.stderr);
    let by_source = records(&scan.stdout);
    assert_eq!(by_source.len(), 11);
    let record = |line: usize| &by_source[&format!("live/{line:06}.body")];
    assert_eq!(record(1)["status"], "ok");
    assert_eq!(record(1)["http_status"], 200);
    assert!(
        codes(record(4)).contains(&"T06".to_owned()),
        "{}",
        record(4)
    );
    assert_eq!(record(4)["http_status"], 500);
    assert!(
        codes(record(9)).contains(&"S01".to_owned()),
        "{}",
        record(9)
    );
    assert!(
        codes(record(10)).contains(&"T04".to_owned()),
        "{}",
        record(10)
    );
    assert_no_secrets(&server, folder.path(), &[&output, &scan]);
}

#[test]
fn network_failures_are_retried_then_reported() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok"]);
    // A server that hangs up on every connection before replying.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    let output = fetch(&server, &folder, &["--retries", "2", "--api-url", &closed]).run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert!(
        output.stderr.contains("line 1: not captured"),
        "{}",
        output.stderr
    );
    assert!(output.stderr.contains("retry 2 in"), "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("0 captured, 2 retried, 2 failed of 2 inputs"),
        "{}",
        output.stderr
    );
    assert!(captured(&folder).is_empty());
    assert_no_secrets(&server, folder.path(), &[&output]);
}

#[test]
fn tokens_are_refreshed_before_they_expire() {
    // Two-second tokens: the margin is one second, so a run of about three
    // seconds needs several, and none may be refused for having expired.
    let server = StandIn::start(2);
    let folder = Folder::new();
    write_inputs(&folder, &["slow"; 10]);
    let output = fetch(&server, &folder, &["--concurrency", "1"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(captured(&folder).len(), 10);
    let (tokens, expired) = server.log(|log| (log.tokens.len(), log.expired_401));
    assert!(tokens >= 2, "{tokens} tokens");
    assert_eq!(expired, 0);
    assert!((1..=10).all(|n| server.attempts(n) == 1));
    assert_no_secrets(&server, folder.path(), &[&output]);
}

#[test]
fn bad_credentials_stop_before_anything_is_written() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    let output = fetch(&server, &folder, &[])
        .env("GENESYS_CLIENT_SECRET", "not-the-secret-7731")
        .run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("refused the client credentials: HTTP 401 invalid_client"),
        "{}",
        output.stderr
    );
    assert!(!output.stderr.contains("not-the-secret-7731"));
    assert!(!folder.join("live").exists(), "nothing is written");
    assert_eq!(server.attempts(1), 0);
    assert_eq!(server.log(|log| log.refused_logins), 1);
}

#[test]
fn dry_run_contacts_nothing() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok", "ok"]);
    let output = fetch(
        &server,
        &folder,
        &["--dry-run", "--endpoint", "draft-test", "--flatten"],
    )
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let request = format!(
        "POST {}/api/v2/integrations/actions/{ACTION}/draft/test?flatten=true",
        server.url
    );
    assert!(output.stdout.contains(&request), "{}", output.stdout);
    assert!(
        output
            .stdout
            .contains("3 in inputs.jsonl: 0 already captured, 3 to fetch"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("client standin-…, secret set"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("live"), "{}", output.stdout);
    assert_eq!(server.log(|log| log.tokens.len() + log.requests.len()), 0);
    assert!(!folder.join("live").exists());
    assert_no_secrets(&server, folder.path(), &[&output]);
}

#[test]
fn the_test_endpoints_are_called_by_name() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    let output = fetch(&server, &folder, &["--endpoint", "test", "--flatten"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(
        server.log(|log| log.requests[&1].clone()),
        ["test?flatten=true"]
    );
    assert_eq!(sidecar(&folder, 1)["endpoint"], "test");
}

#[test]
fn settings_errors_are_clear_and_exit_2() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);

    let missing = dapa(&[
        "fetch",
        "--action",
        ACTION,
        "--inputs",
        "inputs.jsonl",
        "--out",
        "live",
        "--region",
        "euw2",
    ])
    .clean_env()
    .env("GENESYS_CLIENT_ID", CLIENT_ID)
    .current_dir(folder.path())
    .run();
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("GENESYS_CLIENT_SECRET not set"),
        "{}",
        missing.stderr
    );

    let region = dapa(&[
        "fetch",
        "--action",
        ACTION,
        "--inputs",
        "inputs.jsonl",
        "--out",
        "live",
        "--region",
        "mars1",
    ])
    .clean_env()
    .current_dir(folder.path())
    .run();
    assert_eq!(region.code, 2);
    assert!(
        region
            .stderr
            .contains("'mars1' is not a Genesys Cloud region"),
        "{}",
        region.stderr
    );
    assert!(
        region.stderr.contains("mypurecloud.com.au"),
        "{}",
        region.stderr
    );
    assert!(
        region.stderr.contains("euw2.pure.cloud"),
        "{}",
        region.stderr
    );

    folder.write("bad.jsonl", b"{\"n\":1}\n[2]\n");
    let inputs = fetch(&server, &folder, &["--inputs", "bad.jsonl"]).run();
    assert_eq!(inputs.code, 2);
    assert!(
        inputs.stderr.contains("bad.jsonl:2: not a JSON object"),
        "{}",
        inputs.stderr
    );

    let action = fetch(&server, &folder, &["--action", "../users"]).run();
    assert_eq!(action.code, 2);
    assert!(
        action.stderr.contains("is not a Data Action id"),
        "{}",
        action.stderr
    );
    assert_eq!(
        server.log(|log| log.tokens.len()),
        0,
        "nothing was contacted"
    );
    assert!(!folder.join("live").exists());
}

#[test]
fn credentials_and_region_come_from_a_dotenv_file() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    folder.write(
        ".env",
        format!("GENESYS_CLIENT_ID={CLIENT_ID}\nGENESYS_CLIENT_SECRET=\"{CLIENT_SECRET}\"\nGENESYS_REGION=mypurecloud.de\n").as_bytes(),
    );
    let dry = dapa(&[
        "fetch",
        "--action",
        ACTION,
        "--inputs",
        "inputs.jsonl",
        "--out",
        "live",
        "--dry-run",
    ])
    .clean_env()
    .current_dir(folder.path())
    .run();
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains("POST https://api.mypurecloud.de/api/v2/"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("POST https://login.mypurecloud.de/oauth/token"),
        "{}",
        dry.stdout
    );

    let output = dapa(&[
        "fetch",
        "--action",
        ACTION,
        "--inputs",
        "inputs.jsonl",
        "--out",
        "live",
        "--api-url",
        &server.url,
        "--login-url",
        &server.url,
    ])
    .clean_env()
    .current_dir(folder.path())
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(captured(&folder), BTreeSet::from([1]));
    assert_no_secrets(&server, &folder.join("live"), &[&output, &dry]);
}

/// Wait (at most 20 s) until `count` captures are on disk.
fn wait_for_captures(folder: &Folder, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while captured(folder).len() < count {
        assert!(Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Start `dapa fetch` in the background, as a user's terminal would.
fn spawn_fetch(server: &StandIn, folder: &Folder) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("dapa"))
        .args([
            "fetch",
            "--action",
            ACTION,
            "--inputs",
            "inputs.jsonl",
            "--out",
            "live",
        ])
        .args([
            "--api-url",
            &server.url,
            "--login-url",
            &server.url,
            "--concurrency",
            "2",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GENESYS_CLIENT_ID", CLIENT_ID)
        .env("GENESYS_CLIENT_SECRET", CLIENT_SECRET)
        .current_dir(folder.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dapa starts")
}

/// Wait until `count` captures are on disk, then send `signal`; the exit
/// status and standard error.
fn interrupt_after(
    child: &mut Child,
    folder: &Folder,
    count: usize,
    signal: &str,
) -> (Option<i32>, String) {
    wait_for_captures(folder, count);
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    finish(child)
}

/// Wait (at most 20 s) for a background run to end: its exit status and
/// standard error.
fn finish(child: &mut Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "dapa did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    (child.wait().unwrap().code(), stderr)
}

fn resume_after(signal: &str) {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["slow"; 16]);
    let mut child = spawn_fetch(&server, &folder);
    let (code, stderr) = interrupt_after(&mut child, &folder, 4, signal);
    let before = captured(&folder);
    assert!(before.len() < 16, "the run was interrupted midway");
    assert!(!stderr.contains(CLIENT_SECRET));
    if signal == "-INT" {
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("left by the interruption"), "{stderr}");
        assert_only_captures(&folder);
    }
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains(&format!("{} already there", before.len())),
        "{}",
        output.stderr
    );
    assert_eq!(captured(&folder), (1..=16).collect());
    for line in &before {
        assert_eq!(
            server.attempts(*line as u64),
            1,
            "line {line} was fetched twice"
        );
    }
    assert_only_captures(&folder);
    assert_no_secrets(&server, folder.path(), &[&output]);
}

#[test]
fn an_interrupted_run_resumes_without_fetching_twice() {
    resume_after("-INT");
}

#[test]
fn a_killed_run_resumes_and_leaves_no_temporary_files() {
    resume_after("-KILL");
}

#[test]
fn a_run_with_everything_captured_reads_only_the_definition_again() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok"]);
    assert_eq!(fetch(&server, &folder, &[]).run().code, 0);
    let requests = server.log(|log| log.requests.clone());
    let again = fetch(&server, &folder, &[]).run();
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("0 captured, 0 retried, 0 failed, 2 already there"),
        "{}",
        again.stderr
    );
    // The action itself is not called again; its definition is read again
    // (it may have changed), once per run.
    assert_eq!(server.log(|log| log.requests.clone()), requests);
    assert_eq!(server.log(|log| log.definitions.len()), 2);
}

#[test]
fn the_proxy_from_the_environment_is_used_unless_no_proxy_or_loopback_says() {
    use std::sync::atomic::Ordering::Relaxed;
    let server = StandIn::start(3600);
    let proxy = crate::standin::Proxy::start();
    // The proxy takes any host under `.invalid` to the stand-in; such a
    // host is not this machine, so plain http:// to it needs the flag.
    let port = server.url.rsplit(':').next().unwrap();
    let remote = format!("http://standin.invalid:{port}");
    let via_remote = |folder: &Folder| {
        fetch(
            &server,
            folder,
            &[
                "--api-url",
                &remote,
                "--login-url",
                &remote,
                "--allow-insecure-http",
            ],
        )
        .env("HTTPS_PROXY", &proxy.url)
        .env("HTTP_PROXY", &proxy.url)
    };
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok"]);
    let output = via_remote(&folder).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let through = proxy.tunnels.load(Relaxed);
    assert!(through >= 1, "the proxy was used");
    assert_eq!(captured(&folder).len(), 2);

    // NO_PROXY names the host: dapa goes to it directly, where no resolver
    // knows it, and the proxy sees nothing.
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    let output = via_remote(&folder).env("NO_PROXY", "standin.invalid").run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert_eq!(proxy.tunnels.load(Relaxed), through);

    // This machine is never reached through a proxy: the plain http://
    // allowed to it would carry the secret to the proxy unencrypted.
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok"]);
    let output = fetch(&server, &folder, &[])
        .env("HTTPS_PROXY", &proxy.url)
        .env("HTTP_PROXY", &proxy.url)
        .env("ALL_PROXY", &proxy.url)
        .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(proxy.tunnels.load(Relaxed), through);
    assert_eq!(captured(&folder).len(), 2);
}

#[test]
fn a_token_too_short_to_remove_stops_the_run_before_anything_is_written() {
    let server = StandIn::start(3600);
    server.issue_token("1");
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("issued a token only 1 characters long"),
        "{}",
        output.stderr
    );
    assert!(captured(&folder).is_empty());
    assert_eq!(server.attempts(1), 0);
}

#[test]
fn a_token_quoted_escaped_or_percent_encoded_is_removed() {
    let server = StandIn::start(3600);
    let token = "eyJhbGci/OiJIUzI1+NiJ9-standin-TOKEN==";
    server.issue_token(token);
    let folder = Folder::new();
    write_inputs(&folder, &["echo-auth-encoded"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let body = std::fs::read_to_string(folder.join("live/000001.body")).unwrap();
    assert!(body.contains("[redacted]"), "{body}");
    let meta = sidecar(&folder, 1);
    assert!(
        meta["headers"]["location"]
            .as_str()
            .unwrap()
            .contains("[redacted]"),
        "{meta}"
    );
    let forms = [
        "standin-TOKEN".to_owned(),
        "standin-token".to_owned(),
        token.to_owned(),
    ];
    assert_absent(&forms, folder.path(), &[&output]);
}

/// A token with a quote or a backslash in it, echoed in a JSON error body,
/// is written there escaped (`\"`, `\\`): it is removed in that form too.
#[test]
fn a_token_with_a_quote_or_a_backslash_echoed_as_json_is_removed() {
    let server = StandIn::start(3600);
    let token = r#"standin-TOKEN"quoted\slashed-0123"#;
    server.issue_token(token);
    let folder = Folder::new();
    write_inputs(&folder, &["echo-auth"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let body = std::fs::read_to_string(folder.join("live/000001.body")).unwrap();
    assert!(body.contains("Authorization: Bearer [redacted]"), "{body}");
    let forms = ["standin-TOKEN".to_owned(), token.to_owned()];
    assert_absent(&forms, folder.path(), &[&output]);
}

/// A reply compressed with gzip is read inflated by `scan` and `explain`:
/// a token it echoes is removed from what is inside, not only from the
/// compressed bytes.
#[test]
fn a_token_echoed_in_a_gzip_reply_is_removed_from_what_it_inflates_to() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["echo-auth-gzip"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let compressed = std::fs::read(folder.join("live/000001.body")).unwrap();
    let mut body = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(&compressed[..]),
        &mut body,
    )
    .unwrap();
    assert!(body.contains("the token [redacted] is refused"), "{body}");
    let live = folder.join("live");
    let live = live.to_str().unwrap();
    let scan = dapa(&["scan", live, "--format", "jsonl"]).run();
    assert!(scan.stdout.contains("E01"), "{}", scan.stdout);
    let explain = dapa(&[
        "explain",
        &format!("{live}/000001.body"),
        "--color",
        "never",
    ])
    .run();
    assert!(explain.stdout.contains("[redacted]"), "{}", explain.stdout);
    let mut secrets = server.log(|log| log.tokens.clone());
    secrets.push(CLIENT_SECRET.to_owned());
    assert_absent(&secrets, folder.path(), &[&output, &scan, &explain]);
    for secret in &secrets {
        assert!(!body.contains(secret.as_str()), "{body}");
    }
}

/// A reply that is itself an HTTP dump is read by `scan` through its own
/// encodings (chunks joined, gzip inflated): a token those split or hide
/// is removed from what they decode to, and the capture is kept decoded.
#[test]
fn a_token_echoed_inside_an_encoded_dump_reply_is_removed_from_what_scan_reads() {
    for mode in ["echo-auth-dump-chunked", "echo-auth-dump-gzip"] {
        let server = StandIn::start(3600);
        let folder = Folder::new();
        write_inputs(&folder, &[mode]);
        let output = fetch(&server, &folder, &[]).run();
        assert_eq!(output.code, 0, "{mode}: {}", output.stderr);
        let live = folder.join("live");
        let live = live.to_str().unwrap();
        let body = format!("{live}/000001.body");
        let scan = dapa(&["scan", live, "--format", "jsonl"]).run();
        assert!(
            scan.stdout.contains("\"http_status\":401"),
            "{mode}: {}",
            scan.stdout
        );
        let explain = dapa(&["explain", &body, "--color", "never"]).run();
        assert!(
            explain
                .stdout
                .contains("upstream refused Bearer [redacted]"),
            "{mode}: {}",
            explain.stdout
        );
        let mut secrets = server.log(|log| log.tokens.clone());
        secrets.push(CLIENT_SECRET.to_owned());
        assert_absent(&secrets, folder.path(), &[&output, &scan, &explain]);
    }
}

/// A reply cut by `--max-bytes` in the middle of the token it echoes
/// kept the token's first part in the capture.
#[test]
fn a_reply_cut_in_the_middle_of_an_echoed_token_keeps_none_of_it() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["echo-auth"]);
    // The body up to `Bearer ` is 57 bytes: the cut leaves 13 of the token.
    let output = fetch(&server, &folder, &["--max-bytes", "70"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let body = std::fs::read_to_string(folder.join("live/000001.body")).unwrap();
    assert!(body.ends_with("Bearer [redacted]"), "{body}");
    let tokens = server.log(|log| log.tokens.clone());
    assert!(!tokens.is_empty());
    for token in &tokens {
        assert!(!body.contains(&token[..8]), "{body}");
    }
    assert_absent(&tokens, folder.path(), &[&output]);
}

#[test]
fn an_input_with_a_password_in_a_url_is_resumed_not_fetched_again() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    folder.write(
        "inputs.jsonl",
        br#"{"n": 1, "u": "https://bob:pw-5521@x.example/"}
"#,
    );
    let first = fetch(&server, &folder, &[]).run();
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(
        sidecar(&folder, 1)["inputs"]["u"],
        "https://[redacted]@x.example/"
    );
    for _ in 0..2 {
        let again = fetch(&server, &folder, &[]).run();
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(!again.stderr.contains("fetched again"), "{}", again.stderr);
    }
    assert_eq!(server.attempts(1), 1);
    assert_absent(&["pw-5521".to_owned()], &folder.join("live"), &[&first]);
}

#[test]
fn a_reply_over_max_bytes_is_kept_in_part_and_not_retried() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["big"]);
    let output = fetch(&server, &folder, &["--max-bytes", "1000"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(server.attempts(1), 1);
    let meta = sidecar(&folder, 1);
    assert!(
        meta["transport_error"]
            .as_str()
            .unwrap()
            .contains("larger than --max-bytes"),
        "{meta}"
    );
    assert_eq!(
        std::fs::read(folder.join("live/000001.body"))
            .unwrap()
            .len(),
        1000
    );
}

/// A `--max-bytes` larger than the memory the system gives at once: a
/// reply past the first read's step was given room for the whole limit,
/// and the run aborted. It is captured whole.
#[test]
fn a_max_bytes_beyond_any_memory_still_captures_a_reply() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["larger"]);
    for max_bytes in ["140737488355328", "18446744073709551615"] {
        let _ = std::fs::remove_dir_all(folder.join("live"));
        let output = fetch(&server, &folder, &["--max-bytes", max_bytes]).run();
        assert_eq!(output.code, 0, "{max_bytes}: {}", output.stderr);
        let body = std::fs::read(folder.join("live/000001.body")).unwrap();
        assert_eq!(body.len(), 200_000 + 12, "{max_bytes}");
        assert!(sidecar(&folder, 1).get("transport_error").is_none());
    }
}

/// Replies in gzip that inflate past `--max-bytes` are redacted in what
/// they inflate to, as `scan` inflates them: into room that never passes
/// the limit. Inflated to their end, each worker's room doubled to twice
/// the limit, and under this bound the run aborted for want of memory.
#[test]
fn gzip_bombs_are_redacted_within_the_limit_s_room() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["gzip-bomb"; 4]);
    let extra = ["--concurrency", "2", "--timeout", "10s"];
    let output = fetch_in(&server, &folder, &extra, |args| {
        crate::util::dapa_bounded(BOMB_MEMORY_MIB, 60, args)
    })
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(captured(&folder), BTreeSet::from([1, 2, 3, 4]));
    let scanned = dapa(&[
        "scan",
        "live",
        "--format",
        "jsonl",
        "-q",
        "--fail-on",
        "none",
    ])
    .current_dir(folder.path())
    .run();
    // Each is kept as its first 64 MiB inflated, as `scan` reads it.
    for record in records(&scanned.stdout).values() {
        assert_eq!(codes(record), ["T05"], "{record}");
        assert_eq!(record["bytes"], 64 << 20, "{record}");
    }
}

/// Address space for the gzip bombs' run (a debug build, two workers, each
/// with room for a 64 MiB reply and its 64 MiB inflated): it fits, with
/// room to spare; inflating each to twice that does not.
const BOMB_MEMORY_MIB: u64 = 850;

#[test]
fn credentials_refused_mid_run_stop_the_run() {
    // Two-second tokens, and the client is revoked after the first login:
    // the refresh is refused, and the run stops at once (exit 2) instead of
    // failing every remaining input one by one.
    let server = StandIn::start_revoking_after(2, 1);
    let folder = Folder::new();
    write_inputs(&folder, &["slow"; 12]);
    let output = fetch(&server, &folder, &["--concurrency", "1"]).run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output.stderr.contains("refused the client credentials"),
        "{}",
        output.stderr
    );
    let done = captured(&folder).len();
    assert!(
        (1..12).contains(&done),
        "{done} captured before the refusal"
    );
    assert!(
        server.log(|log| log.refused_logins) <= 2,
        "not a login per input"
    );
    assert_only_captures(&folder);
    assert_no_secrets(&server, folder.path(), &[&output]);
}

#[test]
fn a_rate_limit_pauses_every_worker() {
    // Line 1 gets a 429 asking for one second; the other worker, busy with
    // line 2, must not start line 3 before that second is over.
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["429-once", "slow", "slow", "slow"]);
    let output = fetch(&server, &folder, &["--concurrency", "2"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let (first, third) = server.log(|log| (log.arrivals[&1][0], log.arrivals[&3][0]));
    let gap = third.duration_since(first);
    assert!(
        gap >= std::time::Duration::from_millis(950),
        "line 3 started {gap:?} after the 429"
    );
    assert_eq!(server.attempts(1), 2);
}

#[test]
fn a_busy_login_service_is_retried_and_odd_lifetimes_are_bounded() {
    let server = StandIn::start_busy(2);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(captured(&folder).len(), 1);

    // A token "valid" for u64::MAX seconds must not overflow the clock.
    let server = StandIn::start(u64::MAX);
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(captured(&folder).len(), 2);
}

#[test]
fn a_rate_limited_login_service_is_asked_again_after_its_retry_after() {
    let server = StandIn::start_rate_limited_login(2);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    let output = fetch(&server, &folder, &["--backoff", "10ms", "--retries", "3"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(captured(&folder).len(), 1);
    let logins = server.log(|log| log.logins.clone());
    assert_eq!(logins.len(), 3, "two 429s, then a token");
    for pair in logins.windows(2) {
        let waited = pair[1] - pair[0];
        assert!(
            waited >= std::time::Duration::from_millis(900),
            "asked again after {waited:?}, not the second Retry-After names"
        );
    }
}

/// A user name and password typed into a URL.
const USERINFO: &str = "dapa-user:userinfo-pass-9931";

fn with_userinfo(url: &str) -> String {
    url.replacen("http://", &format!("http://{USERINFO}@"), 1)
}

fn userinfo_parts() -> Vec<String> {
    USERINFO.split(':').map(str::to_owned).collect()
}

#[test]
fn what_servers_say_and_url_userinfo_pass_one_redaction() {
    // A login service that quotes the client id, the secret and the Basic
    // value in its error text, whether it refuses (401) or fails (500).
    for (status, says) in [
        (
            401,
            "refused the client credentials: HTTP 401 invalid_client: client standin-client-0001 with secret [redacted] (Basic [redacted])",
        ),
        (
            500,
            "no access token: HTTP 500 invalid_client: client standin-client-0001 with secret [redacted]",
        ),
    ] {
        let server = StandIn::start_leaky_login(status);
        let folder = Folder::new();
        write_inputs(&folder, &["ok"]);
        let login = with_userinfo(&server.url);
        let output = fetch(&server, &folder, &["--login-url", &login, "--retries", "1"]).run();
        assert_eq!(output.code, 2, "{}", output.stderr);
        assert!(output.stderr.contains(says), "{}", output.stderr);
        assert_no_secrets(&server, folder.path(), &[&output]);
        assert_absent(&userinfo_parts(), folder.path(), &[&output]);
    }

    // A gateway that echoes the bearer token in its error body and in a
    // header; both URLs carry a user name and password.
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["echo-auth", "ok"]);
    let url = with_userinfo(&server.url);
    let urls = ["--api-url", &url, "--login-url", &url];
    let dry = fetch(&server, &folder, &[&urls[..], &["--dry-run"]].concat()).run();
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains(&format!("POST {}/oauth/token", server.url)),
        "{}",
        dry.stdout
    );
    let output = fetch(&server, &folder, &urls).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let meta = sidecar(&folder, 1);
    assert_eq!(meta["status"], 400);
    assert_eq!(meta["headers"]["x-echo-authorization"], "Bearer [redacted]");
    let body = std::fs::read_to_string(folder.join("live/000001.body")).unwrap();
    assert!(body.contains("Authorization: Bearer [redacted]"), "{body}");
    assert_no_secrets(&server, folder.path(), &[&output, &dry]);
    assert_absent(&userinfo_parts(), folder.path(), &[&output, &dry]);
}

#[test]
fn plain_http_goes_only_to_this_machine_unless_allowed() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    // 192.0.2.0/24 is reserved for documentation: nothing answers there.
    let remote = "http://192.0.2.10:8080";
    for flag in ["--api-url", "--login-url"] {
        let output = fetch(&server, &folder, &[flag, remote]).run();
        assert_eq!(output.code, 2, "{}", output.stderr);
        for says in [
            flag,
            "plain http://",
            "unencrypted",
            "--allow-insecure-http",
        ] {
            assert!(output.stderr.contains(says), "{says}: {}", output.stderr);
        }
    }
    assert_eq!(server.log(|log| log.tokens.len() + log.requests.len()), 0);
    assert!(!folder.join("live").exists());

    let allowed = fetch(
        &server,
        &folder,
        &[
            "--api-url",
            remote,
            "--login-url",
            remote,
            "--allow-insecure-http",
            "--dry-run",
        ],
    )
    .run();
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(
        allowed
            .stdout
            .contains(&format!("POST {remote}/oauth/token")),
        "{}",
        allowed.stdout
    );
    // Loopback by name needs no flag, and neither does https.
    for url in ["http://localhost:9", "https://api.example.invalid"] {
        let output = fetch(&server, &folder, &["--api-url", url, "--dry-run"]).run();
        assert_eq!(output.code, 0, "{url}: {}", output.stderr);
    }
}

#[test]
fn a_second_run_on_a_folder_being_written_stops_and_says_why() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["slow"; 16]);
    let mut first = spawn_fetch(&server, &folder);
    wait_for_captures(&folder, 1);
    let second = fetch(&server, &folder, &[]).run();
    assert_eq!(second.code, 2, "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("another dapa fetch is writing to live (it holds the folder's lock)"),
        "{}",
        second.stderr
    );
    let (code, stderr) = finish(&mut first);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(captured(&folder), (1..=16).collect());
    for line in 1..=16 {
        assert_eq!(server.attempts(line), 1, "line {line} was requested twice");
    }
    assert_only_captures(&folder);
}

/// Every file of the output folder with its bytes.
fn folder_files(folder: &Folder) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(folder.join("live"))
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

#[test]
fn a_rerun_resumes_only_captures_of_the_same_action_endpoint_and_input() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok", "ok"]);
    assert_eq!(fetch(&server, &folder, &[]).run().code, 0);
    let before = folder_files(&folder);

    // Another action or endpoint: the run stops before contacting anything
    // and names what the folder holds; nothing is overwritten.
    for other in [
        &["--action", "custom_-_another"][..],
        &["--endpoint", "test"],
    ] {
        let output = fetch(&server, &folder, other).run();
        assert_eq!(output.code, 2, "{}", output.stderr);
        let holds = format!(
            "holds captures this run cannot resume: 3 of action \"{ACTION}\" at endpoint \"execute\""
        );
        assert!(output.stderr.contains(&holds), "{}", output.stderr);
        assert_eq!(folder_files(&folder), before);
    }
    assert_eq!(server.log(|log| log.tokens.len()), 1);

    // Line 2 now holds other input values: it alone is fetched again.
    folder.write(
        "inputs.jsonl",
        b"{\"n\":1,\"case\":\"ok\"}\n{\"n\":2,\"case\":\"ok\",\"contact\":\"c-2b\"}\n{\"n\":3,\"case\":\"ok\"}\n",
    );
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output.stderr.contains(
            "1 captured, 0 retried, 0 failed, 2 already there, 1 fetched again as their input line changed of 3 inputs"
        ),
        "{}",
        output.stderr
    );
    assert_eq!([1, 2, 3].map(|n| server.attempts(n)), [1, 2, 1]);
    assert_eq!(sidecar(&folder, 2)["inputs"]["contact"], "c-2b");

    // A shorter inputs file: the captures of the lines it lacks are kept,
    // and the summary says so.
    write_inputs(&folder, &["ok"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("1 already there, 2 captures of lines not in the inputs kept"),
        "{}",
        output.stderr
    );
    assert_eq!(captured(&folder), BTreeSet::from([1, 2, 3]));
}

#[test]
fn action_ids_that_are_not_one_plain_path_segment_are_refused() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    for id in ["..", ".", "a/b", "a?b", "a#b", "a%2e", "a b", "a\tb", ""] {
        let output = fetch(&server, &folder, &["--action", id]).run();
        assert_eq!(output.code, 2, "{id:?}: {}", output.stderr);
        assert!(
            output.stderr.contains("is not a Data Action id"),
            "{id:?}: {}",
            output.stderr
        );
    }
    assert_eq!(server.log(|log| log.tokens.len() + log.requests.len()), 0);
    assert!(!folder.join("live").exists());
}

/// `dapa fetch` in 256 MiB and 15 s, with a closed port for both services,
/// so that a run that got past its inputs would fail without contacting
/// anything.
fn fetch_bounded(folder: &Folder, extra: &[&str]) -> Run {
    fetch_within(256, folder, extra)
}

/// [`fetch_bounded`] in `memory_mib` MiB.
fn fetch_within(memory_mib: u64, folder: &Folder, extra: &[&str]) -> Run {
    let closed = "http://127.0.0.1:9";
    let mut args = vec![
        "fetch",
        "--action",
        ACTION,
        "--out",
        "live",
        "--api-url",
        closed,
        "--login-url",
        closed,
        "--retries",
        "0",
    ];
    args.extend_from_slice(extra);
    crate::util::dapa_bounded(memory_mib, 15, &args)
        .clean_env()
        .env("GENESYS_CLIENT_ID", CLIENT_ID)
        .env("GENESYS_CLIENT_SECRET", CLIENT_SECRET)
        .current_dir(folder.path())
}

#[test]
fn inputs_and_env_files_are_read_within_bounds() {
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    folder.fifo("pipe");
    std::fs::create_dir(folder.join("dir")).unwrap();
    // A sparse gigabyte: no disk used, but far over any limit.
    let huge = std::fs::File::create(folder.join("huge")).unwrap();
    huge.set_len(1 << 30).unwrap();
    folder.write(
        "long.jsonl",
        format!("{{\"a\":\"{}\"}}\n", "x".repeat(2 << 20)).as_bytes(),
    );
    for (path, says) in [
        ("/dev/zero", "not a regular file: a device"),
        ("pipe", "not a regular file: a named pipe (FIFO)"),
        ("dir", "not a regular file: a folder"),
        ("huge", "larger than"),
        ("long.jsonl", "long.jsonl:1: a line longer than 1 MiB"),
    ] {
        let output = fetch_bounded(&folder, &["--inputs", path]).run();
        assert_eq!(output.code, 2, "--inputs {path}: {}", output.stderr);
        assert!(
            output.stderr.contains(says),
            "--inputs {path}: {}",
            output.stderr
        );
        if path == "long.jsonl" {
            continue;
        }
        let output =
            fetch_bounded(&folder, &["--inputs", "inputs.jsonl", "--env-file", path]).run();
        assert_eq!(output.code, 2, "--env-file {path}: {}", output.stderr);
        let says = format!("cannot read {path}: {says}");
        assert!(
            output.stderr.contains(&says),
            "--env-file {path}: {}",
            output.stderr
        );
    }

    // Standard input has the same bounds: a line without end, a stream
    // over 64 MiB.
    let output = fetch_bounded(&folder, &["--inputs", "-"])
        .stdin(&vec![b'x'; 3 << 20])
        .run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("standard input:1: a line longer than 1 MiB"),
        "{}",
        output.stderr
    );
    let line = format!("{{\"a\":\"{}\"}}\n", "x".repeat(100_000));
    let output = fetch_bounded(&folder, &["--inputs", "-"])
        .stdin(line.repeat(700).as_bytes())
        .run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("larger than 64 MiB, the limit for an inputs file"),
        "{}",
        output.stderr
    );

    // Within the limits, the inputs are held in little memory however they
    // parse: 20 lines of 1 MiB of small numbers would take 16 times that as
    // JSON values.
    let line = format!("{{\"a\":[{}0]}}\n", "0,".repeat((1 << 19) - 8));
    folder.write("numbers.jsonl", line.repeat(20).as_bytes());
    let output = fetch_bounded(&folder, &["--inputs", "numbers.jsonl", "--dry-run"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output
            .stdout
            .contains("20 in numbers.jsonl: 0 already captured, 20 to fetch"),
        "{}",
        output.stdout
    );
}

/// An inputs file of a million bad lines names ten of them and counts the
/// rest, in little memory: every message was kept to name ten (129 MB for
/// `yes | head -999999`, which this bound refused).
#[test]
fn a_million_bad_input_lines_are_named_in_little_memory() {
    let folder = Folder::new();
    folder.write("yes.txt", "y\n".repeat(999_999).as_bytes());
    let output = fetch_within(64, &folder, &["--inputs", "yes.txt", "--dry-run"]).run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    for says in [
        "yes.txt:1: not JSON",
        "yes.txt:10: not JSON",
        "... and 999989 more",
    ] {
        assert!(output.stderr.contains(says), "{says}: {}", output.stderr);
    }
    assert!(!output.stderr.contains("yes.txt:11:"), "{}", output.stderr);
}

#[test]
fn typed_urls_never_show_their_password_and_are_read_strictly() {
    // A dry run contacts nothing: the stand-in only fills the other URL.
    let server = StandIn::start(3600);
    let folder = Folder::new();
    let dry_run_with =
        |flag: &str, url: &str| fetch(&server, &folder, &["--dry-run", flag, url]).run();
    write_inputs(&folder, &["ok"]);
    let password = "TOPSECRETpw";
    for flag in ["--api-url", "--login-url"] {
        for (url, says) in [
            // Typos in the slashes: the password must not be quoted.
            (
                "https:/u:TOPSECRETpw@x.example/".to_owned(),
                format!(r#"{flag} "https:/x.example/" is not an http(s) URL"#),
            ),
            (
                "https:u:TOPSECRETpw@x.example/".to_owned(),
                format!(r#"{flag} "https:x.example/" is not an http(s) URL"#),
            ),
            // A short password is cut by position, not searched for: the
            // rest of the message stays whole.
            (
                "https://u:p@[::1".to_owned(),
                format!(r#"{flag} "https://[::1" has an IPv6 address without its closing ']'"#),
            ),
            (
                "https://x.example/a?b#c".to_owned(),
                "has a query or a fragment".to_owned(),
            ),
            // A query or a fragment may carry a token: it is not quoted.
            (
                "https://x.example/a?access_token=TOPSECRETtoken".to_owned(),
                format!(r#"{flag} "https://x.example/a?…" has a query or a fragment"#),
            ),
            (
                "https://x.example/a#access_token=TOPSECRETtoken".to_owned(),
                format!(r#"{flag} "https://x.example/a#…" has a query or a fragment"#),
            ),
            (
                "https://x.example/a?token=TOPSECRET token".to_owned(),
                format!(r#"{flag} "https://x.example/a?…" holds a space"#),
            ),
            (
                r"https://u:TOPSECRETpw@x.example\@y/".to_owned(),
                "holds a backslash".to_owned(),
            ),
            (
                "https://x.example:99999999/".to_owned(),
                "has a port that is not a number from 1 to 65535".to_owned(),
            ),
            (
                "https://x.example:abc/".to_owned(),
                "has a port that is not a number from 1 to 65535".to_owned(),
            ),
            (
                "https://u:TOPSECRET/pw@x.example/".to_owned(),
                "has an '@' after its host".to_owned(),
            ),
        ] {
            let output = dry_run_with(flag, &url);
            assert_eq!(output.code, 2, "{url}: {}", output.stdout);
            assert!(output.stderr.contains(&says), "{url}: {}", output.stderr);
            for text in [&output.stdout, &output.stderr] {
                assert!(!text.contains("TOPSECRET"), "{url}: {text}");
                assert!(!text.contains(password), "{url}: {text}");
            }
        }
    }
    // A one-letter password in a URL that is used: the dry run shows the
    // URL without it and every other word as it is.
    let output = dry_run_with("--api-url", "https://u:p@127.0.0.1:9/base");
    assert_eq!(output.code, 0, "{}", output.stderr);
    for says in [
        &format!(
            "request   POST https://127.0.0.1:9/base/api/v2/integrations/actions/{ACTION}/execute"
        ),
        "output    live (NNNNNN.body + NNNNNN.meta.json per input line)",
    ] {
        assert!(output.stdout.contains(says), "{says}: {}", output.stdout);
    }
    assert!(!output.stdout.contains("redacted"), "{}", output.stdout);
    assert!(!folder.join("live").exists());
    assert_eq!(server.log(|log| log.tokens.len() + log.requests.len()), 0);
}

/// The definition `fetch` saved in `live/`, as JSON.
fn saved_definition(folder: &Folder) -> Value {
    let path = folder.join(&format!("live/{ACTION}.action.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("a definition is JSON")
}

#[test]
fn fetch_saves_the_definition_and_scan_checks_the_captures_against_it() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "off-contract"]);
    let fetched = fetch(&server, &folder, &[]).run();
    assert_eq!(fetched.code, 0, "{}", fetched.stderr);
    assert!(
        fetched
            .stderr
            .contains("; definition v1 saved with 1 literal credential header value(s) masked"),
        "{}",
        fetched.stderr
    );
    assert_eq!(
        server.log(|log| log.definitions.clone()),
        [format!(
            "/api/v2/integrations/actions/{ACTION}?expand=contract&includeConfig=true"
        )]
    );
    assert_only_captures(&folder);
    let definition = saved_definition(&folder);
    assert_eq!(definition["version"], 1);
    let headers = &definition["config"]["request"]["headers"];
    // A placeholder is kept for Genesys Cloud to resolve; a literal key is not.
    assert_eq!(headers["Authorization"], "Bearer ${credentials.token}");
    assert_eq!(headers["X-Api-Key"], "[redacted]");
    // The folder as fetch left it: the definition checks its captures.
    let scanned = dapa(&["scan", "live", "--format", "jsonl", "-q"])
        .current_dir(folder.path())
        .run();
    assert_eq!(scanned.code, 1, "{}", scanned.stderr);
    let records = records(&scanned.stdout);
    let ok = &records["live/000001.body"];
    assert_eq!(ok["status"], "ok", "{ok}");
    assert_eq!(ok["profile"], "definition:Get Contact@v1");
    let broken = &records["live/000002.body"];
    assert_eq!(broken["profile"], "definition:Get Contact@v1");
    assert_eq!(codes(broken), ["V02", "D02"], "{broken}");
    assert_eq!(records.len(), 2, "the definition is no capture");
    assert_no_secrets(&server, folder.path(), &[&fetched, &scanned]);
    assert_absent(
        &["literal-key-7f3a9c".to_owned()],
        folder.path(),
        &[&fetched, &scanned],
    );
}

#[test]
fn the_draft_endpoint_reads_the_drafts_definition() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    let output = fetch(&server, &folder, &["--endpoint", "draft-test"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(
        server.log(|log| log.definitions.clone()),
        [format!(
            "/api/v2/integrations/actions/{ACTION}/draft?expand=contract&includeConfig=true"
        )]
    );
}

#[test]
fn a_rerun_keeps_the_newer_definition_and_says_so() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    write_inputs(&folder, &["ok"]);
    server.set_definition(ACTION, crate::standin::definition(ACTION, 3));
    let first = fetch(&server, &folder, &[]).run();
    assert!(
        first.stderr.contains("; definition v3 saved with"),
        "{}",
        first.stderr
    );
    // The API returns an older version (another org, a restored export):
    // the newer one in the folder stays.
    server.set_definition(ACTION, crate::standin::definition(ACTION, 2));
    let older = fetch(&server, &folder, &[]).run();
    assert_eq!(older.code, 0, "{}", older.stderr);
    assert!(
        older
            .stderr
            .contains("; definition v3 kept (the API returned v2, an older version)"),
        "{}",
        older.stderr
    );
    assert_eq!(saved_definition(&folder)["version"], 3);
    server.set_definition(ACTION, crate::standin::definition(ACTION, 5));
    let newer = fetch(&server, &folder, &[]).run();
    assert!(
        newer
            .stderr
            .contains("; definition v5 saved (replacing v3) with"),
        "{}",
        newer.stderr
    );
    assert_eq!(saved_definition(&folder)["version"], 5);
    assert_only_captures(&folder);
}

#[test]
fn without_the_view_permission_the_captures_are_still_fetched() {
    let server = StandIn::start(3600);
    server.deny_view();
    let folder = Folder::new();
    write_inputs(&folder, &["ok", "ok"]);
    let output = fetch(&server, &folder, &[]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(captured(&folder), BTreeSet::from([1, 2]));
    let said: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.contains("integrations:action:view"))
        .collect();
    assert_eq!(said.len(), 1, "{}", output.stderr);
    assert!(said[0].contains("HTTP 403"), "{}", said[0]);
    assert!(
        said[0].contains("the captures are fetched all the same"),
        "{}",
        said[0]
    );
    assert!(
        output.stderr.contains("; definition not saved"),
        "{}",
        output.stderr
    );
    assert!(!folder.join(&format!("live/{ACTION}.action.json")).exists());
}

/// `dapa pull` against the stand-in, from `folder`.
fn pull(server: &StandIn, folder: &Folder, ids: &[&str]) -> Run {
    let mut args = vec!["pull", "-o", "defs", "--api-url", &server.url];
    args.extend([
        "--login-url",
        &server.url,
        "--backoff",
        "20ms",
        "--timeout",
        "1s",
    ]);
    args.extend_from_slice(ids);
    dapa(&args)
        .clean_env()
        .env("GENESYS_CLIENT_ID", CLIENT_ID)
        .env("GENESYS_CLIENT_SECRET", CLIENT_SECRET)
        .current_dir(folder.path())
}

#[test]
fn pull_saves_each_definition_and_names_those_it_could_not() {
    let server = StandIn::start(3600);
    let folder = Folder::new();
    let saved = pull(&server, &folder, &[ACTION, "custom_-_other", ACTION]).run();
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    assert!(
        saved
            .stderr
            .ends_with(": 2 saved, 0 failed of 2 definitions\n"),
        "{}",
        saved.stderr
    );
    let names: BTreeSet<String> = std::fs::read_dir(folder.join("defs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            format!("{ACTION}.action.json"),
            "custom_-_other.action.json".to_owned()
        ])
    );
    let missing = pull(&server, &folder, &["missing-1", ACTION]).run();
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("dapa: missing-1: not saved: HTTP 404"),
        "{}",
        missing.stderr
    );
    assert!(
        missing
            .stderr
            .contains("1 saved, 1 failed of 2 definitions"),
        "{}",
        missing.stderr
    );
    server.deny_view();
    let denied = pull(&server, &folder, &[ACTION]).run();
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    assert!(
        denied.stderr.contains("integrations:action:view"),
        "{}",
        denied.stderr
    );
    let unconfigured = pull(&server, &folder, &[ACTION])
        .env_remove("GENESYS_CLIENT_SECRET")
        .run();
    assert_eq!(unconfigured.code, 2, "{}", unconfigured.stderr);
    let bad_id = pull(&server, &folder, &["../x"]).run();
    assert_eq!(bad_id.code, 2, "{}", bad_id.stderr);
    assert_no_secrets(
        &server,
        folder.path(),
        &[&saved, &missing, &denied, &unconfigured],
    );
    assert_absent(&["literal-key-7f3a9c".to_owned()], folder.path(), &[&saved]);
}

#[test]
fn a_definition_scan_could_not_read_is_not_saved() {
    let server = StandIn::start(3600);
    let padded = |pad: Value| {
        let mut definition = crate::standin::definition("padded", 1);
        definition["pad"] = pad;
        definition
    };
    // 17 MiB of text; and 6 MiB that, written out one item a line, is
    // over the 16 MiB `scan` reads of a definition.
    server.set_definition("custom_-_huge", padded(Value::from("x".repeat(17 << 20))));
    server.set_definition(
        "custom_-_wide",
        padded(Value::Array(vec![Value::from(0); 3 << 20])),
    );
    let folder = Folder::new();
    let output = pull(
        &server,
        &folder,
        &["custom_-_huge", "custom_-_wide", ACTION],
    )
    .run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("custom_-_huge: not saved: the reply is 17")
            && output
                .stderr
                .contains("larger than the 16 MiB `scan` reads of a definition"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains(
            "custom_-_wide: not saved: the reply, written out it would be larger than 16 MiB"
        ),
        "{}",
        output.stderr
    );
    let names: Vec<String> = std::fs::read_dir(folder.join("defs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, [format!("{ACTION}.action.json")]);
    // What was saved, scan reads.
    let scan = dapa(&["scan", "defs", "--format", "json", "--allow-empty"])
        .current_dir(folder.path())
        .run();
    assert_eq!(scan.code, 0, "{}", scan.stderr);
}
