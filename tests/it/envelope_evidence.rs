//! Healthy replies that carry some of an error shape's keys are payloads,
//! and error bodies are told by what they say: the real binary on files
//! shaped as Genesys Cloud and backends write them.

use crate::util::{Folder, codes, dapa, records};

/// Scan `folder` and give each record's status and codes by file name.
fn verdicts(folder: &Folder) -> Vec<(String, String, Vec<String>)> {
    let output = dapa(&[
        "scan",
        folder.path_str(),
        "--format",
        "jsonl",
        "--quiet",
        "--fail-on",
        "none",
    ])
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    folder
        .relative(records(&output.stdout))
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
    let ok = |name: &str| (name.to_owned(), "ok".to_owned(), Vec::<String>::new());
    let error = |name: &str, codes: &[&str]| {
        let codes = codes.iter().map(|c| (*c).to_owned()).collect();
        (name.to_owned(), "error".to_owned(), codes)
    };
    assert_eq!(
        verdicts(&folder),
        vec![
            ok("balance.json"),
            ok("case.json"),
            error("legacy-no-status.json", &["E01"]),
            error("legacy.json", &["E01"]),
            error("recorded.json", &["T06", "E01"]),
        ]
    );
}
