//! Healthy replies that carry some of an error shape's keys are payloads,
//! and error bodies are told by what they say: the real binary on files
//! shaped as Genesys Cloud and backends write them.

use crate::util::{Folder, codes, dapa, records};
use serde_json::Value;
use std::collections::BTreeMap;

/// Scan `folder` and give each capture's jsonl record by file name.
fn scanned(folder: &Folder) -> BTreeMap<String, Value> {
    scanned_with(folder, &[])
}

/// [`scanned`], with more options for the scan (a profile).
fn scanned_with(folder: &Folder, options: &[&str]) -> BTreeMap<String, Value> {
    let mut args = vec![
        "scan",
        folder.path_str(),
        "--format",
        "jsonl",
        "--quiet",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(options);
    let output = dapa(&args).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    folder.relative(records(&output.stdout))
}

/// Scan `folder` and give each record's status and codes by file name.
fn verdicts(folder: &Folder) -> Vec<(String, String, Vec<String>)> {
    verdicts_with(folder, &[])
}

/// [`verdicts`], with more options for the scan.
fn verdicts_with(folder: &Folder, options: &[&str]) -> Vec<(String, String, Vec<String>)> {
    scanned_with(folder, options)
        .into_iter()
        .map(|(source, record)| {
            let status = record["status"].as_str().unwrap().to_owned();
            (source, status, codes(&record))
        })
        .collect()
}

#[test]
fn a_success_reply_with_an_error_code_and_a_correlation_id_is_a_payload() {
    let folder = Folder::new();
    // A backend's success reply passed through the output contract: many
    // services answer `errorCode` "0" (or "") and a `correlationId`.
    folder.write(
        "balance.json",
        br#"{"errorCode":"0","errorMessage":"Success","correlationId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","balance":12.5,"currency":"EUR"}"#,
    );
    folder.write(
        "case.json",
        br#"{"errorCode":"","userMessage":"","correlationId":"c-2","caseNumber":"CS-1"}"#,
    );
    // The legacy Genesys error body is still one, with or without a
    // recorded status.
    folder.write(
        "legacy.json",
        br#"{"status":404,"errorCode":"NOT_FOUND","userMessage":"The action was not found","userParams":[],"correlationId":"k-9","details":[],"errors":[]}"#,
    );
    folder.write(
        "legacy-no-status.json",
        br#"{"errorCode":"BAD_REQUEST","userMessage":"Request to backend service failed","correlationId":"k-8"}"#,
    );
    folder.write(
        "recorded.json",
        br#"{"errorCode":"UPSTREAM_TIMEOUT","correlationId":"k-7"}"#,
    );
    folder.write("recorded.meta.json", br#"{"status":504}"#);
    // A code that names an error, with only a correlation id beside it.
    folder.write(
        "remote.json",
        br#"{"errorCode":"ACTION.REMOTE_ENDPOINT","correlationId":"k-6"}"#,
    );
    folder.write(
        "approved.json",
        br#"{"success":true,"errorCode":"00","errorMessage":"Approved","correlationId":"r-1"}"#,
    );
    let ok = |name: &str| (name.to_owned(), "ok".to_owned(), Vec::<String>::new());
    let error = |name: &str, codes: &[&str]| {
        let codes = codes.iter().map(|c| (*c).to_owned()).collect();
        (name.to_owned(), "error".to_owned(), codes)
    };
    assert_eq!(
        verdicts(&folder),
        vec![
            ok("approved.json"),
            ok("balance.json"),
            ok("case.json"),
            error("legacy-no-status.json", &["E01"]),
            error("legacy.json", &["E01"]),
            error("recorded.json", &["T06", "E01"]),
            error("remote.json", &["E01"]),
        ]
    );
}

/// The E03 messages of the captures in `folder`, by file name.
fn rate_limit_messages(folder: &Folder) -> Vec<(String, String)> {
    let mut messages = Vec::new();
    for (source, record) in scanned(folder) {
        for finding in record["findings"].as_array().unwrap() {
            if finding["code"] == "E03" {
                messages.push((
                    source.clone(),
                    finding["message"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    messages
}

#[test]
fn a_rate_limit_reports_the_wait_it_states_and_no_other_figure() {
    let folder = Folder::new();
    // The volume limit's message brackets a count of requests and a window,
    // neither of which is the time to wait.
    folder.write(
        "volume.json",
        br#"{"message":"Rate limit exceeded the maximum [300] requests within [60] seconds","code":"too.many.requests","status":429,"contextId":"c-1","details":[],"errors":[]}"#,
    );
    folder.write(
        "retry-after.json",
        br#"{"message":"Rate limit exceeded the maximum. Retry the request in [42] seconds","code":"too.many.requests.retry.after","status":429,"contextId":"c-2","details":[],"errors":[]}"#,
    );
    // Retry-After may be an HTTP date (RFC 9110), which is no count of seconds.
    folder.write(
        "dated.http",
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: Thu, 20 Nov 2025 09:01:00 GMT\r\nContent-Type: application/json\r\n\r\n{\"message\":\"Too many requests\",\"code\":\"too.many.requests\",\"status\":429,\"contextId\":\"c-3\"}",
    );
    // A recorded 429 without the header (a sidecar keeps the status, a log
    // drops headers): the body's message gives the wait.
    folder.write(
        "recorded.json",
        br#"{"message":"Rate limit exceeded the maximum. Retry the request in [9] seconds","code":"too.many.requests.retry.after","status":429,"contextId":"c-4"}"#,
    );
    folder.write("recorded.meta.json", br#"{"status":429}"#);
    assert_eq!(
        rate_limit_messages(&folder),
        vec![
            (
                "dated.http".to_owned(),
                "rate limited: HTTP 429; Retry-After Thu, 20 Nov 2025 09:01:00 GMT".to_owned()
            ),
            (
                "recorded.json".to_owned(),
                "rate limited: HTTP 429; the body asks to retry in 9 s".to_owned()
            ),
            (
                "retry-after.json".to_owned(),
                "rate limited: error code too.many.requests.retry.after; retry in 42 s".to_owned()
            ),
            (
                "volume.json".to_owned(),
                "rate limited: error code too.many.requests".to_owned()
            ),
        ]
    );
}

#[test]
fn a_failed_test_run_that_lost_its_steps_is_a_failed_test() {
    let folder = Folder::new();
    // A TestExecutionResult saved through an SDK that drops empty and null
    // members: no `operations`, no `finalResult`, the run's error kept.
    folder.write(
        "sdk-trace.json",
        br#"{"error":{"message":"Unable to find the action","code":"not.found","status":404,"contextId":"9f2e","details":[],"errors":[]},"success":false}"#,
    );
    // The sidecar says the test endpoint answered.
    folder.write(
        "draft.json",
        br#"{"error":{"message":"Request to backend service failed"},"success":false}"#,
    );
    folder.write(
        "draft.meta.json",
        br#"{"status":200,"endpoint":"draft-test","action_id":"custom_-_1"}"#,
    );
    // A backend's own reply of that shape, with no Genesys error in it,
    // passed through the output contract: a payload.
    folder.write(
        "declined.json",
        br#"{"success":false,"error":{"code":"CARD_DECLINED","message":"The card was declined"}}"#,
    );
    let verdict = |name: &str, status: &str, codes: &[&str]| {
        let codes = codes.iter().map(|c| (*c).to_owned()).collect();
        (name.to_owned(), status.to_owned(), codes)
    };
    assert_eq!(
        verdicts(&folder),
        vec![
            verdict("declined.json", "ok", &[]),
            verdict("draft.json", "error", &["E02"]),
            verdict("sdk-trace.json", "error", &["E02"]),
        ]
    );
    // Under the test profile the body is a TestExecutionResult by contract.
    let traced = Folder::new();
    traced.write(
        "no-steps.json",
        br#"{"error":{"message":"Action is not published","code":"bad.request"},"success":false}"#,
    );
    assert_eq!(
        verdicts_with(&traced, &["--profile", "genesys-test"]),
        vec![verdict("no-steps.json", "error", &["E02", "V01"])]
    );
    let messages = scanned(&folder)["sdk-trace.json"]["findings"][0]["message"].clone();
    assert_eq!(messages, "the test failed: \"Unable to find the action\"");
}

#[test]
fn a_body_that_states_status_429_is_rate_limited() {
    let folder = Folder::new();
    // Bodies saved without their HTTP status (a log of bodies): the
    // status the body states is the one the platform answered.
    folder.write(
        "legacy.json",
        br#"{"status":429,"errorCode":"TOO_MANY_REQUESTS","userMessage":"Rate limit exceeded. Retry the request in [7] seconds","userParams":[],"correlationId":"k-1"}"#,
    );
    folder.write(
        "other-code.json",
        br#"{"message":"Rate limit exceeded the maximum [300] requests within [60] seconds","code":"rate.limit.exceeded","status":429,"contextId":"c-1","details":[],"errors":[]}"#,
    );
    folder.write(
        "cognigy.json",
        br#"{"type":"https://docs.cognigy.com/errors/too-many-requests","title":"Too Many Requests","status":429,"detail":"API key rate limit reached","traceId":"t-1"}"#,
    );
    // Another error status is no rate limit.
    folder.write(
        "bad-request.json",
        br#"{"message":"Request to backend service failed","code":"bad.request","status":400,"contextId":"c-2"}"#,
    );
    assert_eq!(
        rate_limit_messages(&folder),
        vec![
            (
                "cognigy.json".to_owned(),
                "rate limited: the problem's status is 429".to_owned()
            ),
            (
                "legacy.json".to_owned(),
                "rate limited: the body's status is 429; retry in 7 s".to_owned()
            ),
            (
                "other-code.json".to_owned(),
                "rate limited: the body's status is 429".to_owned()
            ),
        ]
    );
    let codes: Vec<(String, Vec<String>)> = verdicts(&folder)
        .into_iter()
        .map(|(name, _, codes)| (name, codes))
        .collect();
    assert_eq!(
        codes[0],
        ("bad-request.json".to_owned(), vec!["E01".to_owned()])
    );
}

#[test]
fn an_error_body_with_a_numeric_code_names_it() {
    let folder = Folder::new();
    // Some services write the code as a number; it makes the body an
    // error body, and the message names it as it names a text code.
    folder.write(
        "numeric.json",
        br#"{"code":404,"message":"Contact not found","status":404,"contextId":"c-1"}"#,
    );
    folder.write(
        "nested.json",
        br#"{"message":"Request failed","code":"bad.request","status":400,"contextId":"c-2","errors":[{"code":1001,"message":"Account locked"}]}"#,
    );
    let messages: Vec<(String, String)> = scanned(&folder)
        .into_iter()
        .map(|(source, record)| {
            let message = record["findings"][0]["message"]
                .as_str()
                .unwrap()
                .to_owned();
            (source, message)
        })
        .collect();
    assert_eq!(
        messages,
        vec![
            (
                "nested.json".to_owned(),
                "Genesys error body, status 400, code bad.request, contextId c-2, nested errors: \
                 1001 \"Account locked\": \"Request failed\""
                    .to_owned()
            ),
            (
                "numeric.json".to_owned(),
                "Genesys error body, status 404, code 404, contextId c-1: \"Contact not found\""
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn a_test_profile_checks_traces_not_the_error_bodies_sent_in_their_place() {
    let folder = Folder::new();
    // The test endpoint refused the request: an error body, a problem.
    folder.write(
        "not-found.json",
        br#"{"message":"Unable to find the action","code":"not.found","status":404,"contextId":"c-1","details":[],"errors":[]}"#,
    );
    folder.write(
        "problem.json",
        br#"{"type":"about:blank","title":"Bad Gateway","status":502,"detail":"upstream failed"}"#,
    );
    // A trace without its steps is still checked against the schema.
    folder.write(
        "stepless.json",
        br#"{"success":true,"finalResult":{"name":"Ada"}}"#,
    );
    let profile = ["--profile", "genesys-test"];
    assert_eq!(
        verdicts_with(&folder, &profile),
        vec![
            (
                "not-found.json".to_owned(),
                "error".to_owned(),
                vec!["E01".to_owned()]
            ),
            (
                "problem.json".to_owned(),
                "error".to_owned(),
                vec!["E06".to_owned()]
            ),
            (
                "stepless.json".to_owned(),
                "invalid".to_owned(),
                vec!["V01".to_owned()]
            ),
        ]
    );
    // The drift table holds the traces' paths, none of the error bodies'.
    let mut args = vec![
        "scan",
        folder.path_str(),
        "--format",
        "json",
        "-q",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(&profile);
    let output = dapa(&args).run();
    let summary: Value = serde_json::from_str(&output.stdout).unwrap();
    let paths: Vec<&str> = summary["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths.is_empty() && !paths.contains(&"/contextId") && !paths.contains(&"/title"),
        "{paths:?}"
    );
}

#[test]
fn an_error_body_that_says_success_false_is_no_trace_under_a_test_profile() {
    let folder = Folder::new();
    // A refusal that also says `"success": false`: its members are an
    // error body's, none a TestExecutionResult has besides `success`.
    folder.write(
        "refused.json",
        br#"{"success":false,"message":"Unable to find the action","code":"not.found","status":404,"contextId":"c-1"}"#,
    );
    // The same refusal where the sidecar names the test endpoint.
    folder.write(
        "sidecar.json",
        br#"{"success":false,"message":"Action is not published","code":"bad.request","status":400,"contextId":"c-2"}"#,
    );
    folder.write(
        "sidecar.meta.json",
        br#"{"status":400,"endpoint":"test","action_id":"custom_-_1"}"#,
    );
    // A trace that kept only `success` is one all the same.
    folder.write("bare.json", br#"{"success":false}"#);
    let verdict = |name: &str, codes: &[&str]| {
        let codes = codes.iter().map(|c| (*c).to_owned()).collect();
        (name.to_owned(), "error".to_owned(), codes)
    };
    assert_eq!(
        verdicts_with(&folder, &["--profile", "genesys-test"]),
        vec![
            verdict("bare.json", &["E02", "V01"]),
            verdict("refused.json", &["E01"]),
            verdict("sidecar.json", &["T06", "E01"]),
        ]
    );
    assert_eq!(
        verdicts(&folder)[2],
        verdict("sidecar.json", &["T06", "E01"])
    );
}
