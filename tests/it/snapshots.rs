//! Snapshots of rendered output, so a change to any format shows in review.

use crate::util::{Folder, dapa};

#[test]
fn table_of_the_samples() {
    let output = dapa(&["scan", "samples", "--quiet"]).run();
    assert_file_snapshot!("table", output.stdout);
}

#[test]
fn json_summary_of_the_samples() {
    let output = dapa(&["scan", "samples", "--quiet", "--format", "json"]).run();
    // The release changes with every version; the snapshot need not.
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert_file_snapshot!(
        "json",
        output
            .stdout
            .replacen(&version, "\"version\": \"[version]\"", 1)
    );
}

#[test]
fn jsonl_records_of_a_temporary_folder() {
    let folder = Folder::new();
    folder.write(
        "a.json",
        b"{\"profile\":\"{\\\"firstname\\\":\\\"Ann\\\"}\",\"email\":\"${email}\"}",
    );
    folder.write("b.http", b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 9\r\n\r\n{\"message\":\"Rate limit exceeded the maximum. Retry the request in [9] seconds\",\"code\":\"too.many.requests.retry.after\",\"status\":429}");
    folder.write("c.json", b"{\"a\":1,\"a\":2,\"n\":9007199254740993,");
    let output = dapa(&["scan", folder.path_str(), "--quiet", "--format", "jsonl"]).run();
    assert_file_snapshot!("jsonl", folder.sanitise(&output.stdout));
}
