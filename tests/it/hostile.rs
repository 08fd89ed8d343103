//! Hostile and unlucky inputs: every file dapa opens is bounded and never
//! blocks. Each run is bounded in time and in address space, so a read
//! that hangs or grows without bound fails the test instead of the machine.

use crate::util::{Folder, codes, dapa_bounded, records};

/// Address space for one run with `--jobs 2`: several times what a scan of
/// small captures needs, far below what an unbounded read reaches.
const MEMORY_MIB: u64 = 384;
/// Seconds for one run: a hang is killed and fails the test.
const SECONDS: u64 = 20;

fn scan_jsonl(folder: &Folder) -> std::collections::BTreeMap<String, serde_json::Value> {
    scan_jsonl_within(folder, MEMORY_MIB, SECONDS, &[])
}

/// `dapa scan FOLDER --jobs 2 --format jsonl EXTRA...` within `memory_mib`
/// and `seconds`, exit 0; the records by path relative to the folder.
fn scan_jsonl_within(
    folder: &Folder,
    memory_mib: u64,
    seconds: u64,
    extra: &[&str],
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut args = vec![
        "scan",
        folder.path_str(),
        "--jobs",
        "2",
        "--format",
        "jsonl",
        "--quiet",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let out = dapa_bounded(memory_mib, seconds, &args).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    folder.relative(records(&out.stdout))
}

#[test]
fn sidecars_that_are_not_regular_files_are_refused_without_blocking() {
    let folder = Folder::new();
    folder.write("fifo.json", br#"{"a":1}"#);
    folder.fifo("fifo.meta.json");
    folder.write("zero.json", br#"{"a":2}"#);
    folder.symlink("zero.meta.json", "/dev/zero");
    folder.write("folder.json", br#"{"a":3}"#);
    std::fs::create_dir(folder.join("folder.meta.json")).unwrap();
    let found = scan_jsonl(&folder);
    assert_eq!(found.len(), 3, "{found:?}");
    for record in found.values() {
        assert_eq!(record["status"], "ok", "{record}");
    }
    // `infer` reads sidecars too (for the capture time).
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["infer", folder.path_str()]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// A sidecar link that cannot be followed is no capture of its own: its
/// capture notes why it could not be read, and the scan passes.
#[test]
fn a_sidecar_link_that_fails_is_a_note_not_a_capture() {
    let folder = Folder::new();
    folder.write("x.body", br#"{"a":1}"#);
    folder.symlink("x.meta.json", "gone");
    folder.write("y.json", br#"{"a":2}"#);
    folder.symlink("y.json.meta.json", "y.json.meta.json");
    let found = scan_jsonl(&folder);
    let sources: Vec<&str> = found.keys().map(String::as_str).collect();
    assert_eq!(sources, ["x.body", "y.json"]);
    for record in found.values() {
        assert_eq!(record["status"], "ok", "{record}");
        let note = record["notes"][0].as_str().unwrap_or_default();
        assert!(note.contains("cannot be read"), "{record}");
    }
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["scan", "--quiet", folder.path_str()]).run();
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn a_huge_sidecar_is_refused_by_its_size() {
    let folder = Folder::new();
    folder.write("big.json", br#"{"a":1}"#);
    // 2 GB and sparse: free on disk, ruinous in memory.
    let sidecar = std::fs::File::create(folder.join("big.meta.json")).unwrap();
    sidecar.set_len(2 << 30).unwrap();
    let found = scan_jsonl(&folder);
    assert_eq!(found["big.json"]["status"], "ok");
    // The sidecar's refusal is a remark, not the capture's fault.
    let notes = found["big.json"]["notes"].to_string();
    assert!(notes.contains("larger than 1048576 bytes"), "{notes}");
}

/// A body of millions of short lines costs `explain` what it costs a scan,
/// a few times its size: a table entry per line took 120 bytes each (a
/// 60 MB file of line breaks, 6 GB).
#[test]
fn explain_of_millions_of_lines_stays_within_a_few_times_their_size() {
    let folder = Folder::new();
    let mut body = br#"{"a":1}"#.to_vec();
    body.extend(std::iter::repeat_n(b'\n', 4_000_000));
    body.extend(br#"{"b":1}"#);
    folder.write("lines.json", &body);
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "explain",
            folder.join("lines.json").to_str().unwrap(),
            "--color",
            "never",
        ],
    )
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    // The data after the last line, on its line.
    assert!(out.stdout.contains("S02"), "{}", out.stdout);
    assert!(out.stdout.contains("4000001 │ {\"b\":1}"), "{}", out.stdout);
}

#[test]
fn explain_refuses_what_it_cannot_read_without_blocking() {
    let folder = Folder::new();
    folder.fifo("pipe.json");
    folder.fifo("pipe.jsonl");
    let fifo = folder.join("pipe.json");
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain", fifo.to_str().unwrap()]).run();
    assert!(out.stdout.contains("T08"), "{}", out.stdout);
    assert!(out.stdout.contains("named pipe"), "{}", out.stdout);
    let line = format!("{}:1", folder.join("pipe.jsonl").display());
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain", &line]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("named pipe"), "{}", out.stderr);
    // A device named as a capture is refused, not read forever.
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain", "/dev/zero"]).run();
    assert!(out.stdout.contains("T08"), "{}", out.stdout);
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &["scan", "/dev/zero", "--format", "jsonl", "--quiet"],
    )
    .run();
    assert!(out.stdout.contains("\"T08\""), "{}", out.stdout);
}

#[test]
fn the_oversized_message_reads_well() {
    let folder = Folder::new();
    folder.write("big.json", &vec![b' '; 5000]);
    let found = {
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &[
                "scan",
                folder.path_str(),
                "--max-bytes",
                "1000",
                "--format",
                "jsonl",
                "--quiet",
            ],
        )
        .run();
        folder.relative(records(&out.stdout))
    };
    let message = found["big.json"]["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        message,
        "5000 bytes, more than --max-bytes allows (1000); not parsed"
    );
}

#[test]
fn explain_takes_file_names_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt as _;
    let folder = Folder::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.json");
    let path = folder.path().join(name);
    std::fs::write(&path, br#"{"result": "ok""#).unwrap();
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain"])
        .arg(&path)
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("S01"), "{}", out.stdout);
    assert!(out.stdout.contains(r"caf\xE9.json"), "{}", out.stdout);
    // A line of a log and an entry named with `#1` too.
    let log = folder
        .path()
        .join(std::ffi::OsStr::from_bytes(b"l\xe9.jsonl"));
    std::fs::write(&log, b"{\"a\":1}\n[1,\n").unwrap();
    let mut line = log.into_os_string();
    line.push(":2");
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain"])
        .arg(&line)
        .run();
    assert!(out.stdout.contains("S01"), "{}", out.stdout);
}

/// Two names that are not UTF-8 and differ in one byte are two sources,
/// each with its own sidecar, and SARIF points at each file's own bytes.
#[test]
fn names_that_are_not_utf8_stay_apart_and_keep_their_sidecars() {
    use std::os::unix::ffi::OsStrExt as _;
    let folder = Folder::new();
    let write = |name: &[u8], bytes: &[u8]| {
        std::fs::write(folder.path().join(std::ffi::OsStr::from_bytes(name)), bytes).unwrap();
    };
    write(b"a\xff.json", br#"{"a":1}"#);
    write(b"a\xfe.json", br#"{"a":2}"#);
    write(b"a\xfe.json.meta.json", br#"{"status":500,"headers":{}}"#);
    write(b"b\\c.json", br#"{"a":3}"#);
    let found = scan_jsonl(&folder);
    let shown: Vec<&str> = found.keys().map(String::as_str).collect();
    // A UTF-8 name is shown as it is, backslash and all.
    assert_eq!(shown, [r"a\xFE.json", r"a\xFF.json", r"b\c.json"]);
    assert_eq!(codes(&found[r"a\xFE.json"]), ["T06"]);
    assert_eq!(found[r"a\xFF.json"]["status"], "ok");
    assert!(found[r"a\xFF.json"].get("notes").is_none(), "{:?}", found);
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &["scan", "--format", "sarif", "--quiet"],
    )
    .arg(
        folder
            .path()
            .join(std::ffi::OsStr::from_bytes(b"a\xfe.json")),
    )
    .run();
    assert!(out.stdout.contains("a%FE.json\""), "{}", out.stdout);
}

/// Token bodies, each with a secret whose marker must never be shown.
const SECRET_BODIES: [(&str, &str, &str); 5] = [
    (
        "twice.json",
        r#"{"result":{"token":"first-secret-AAAA","expiresAt":1,"userId":"u","token":"second-secret-BBBB"},"errors":[]}"#,
        "secret-",
    ),
    (
        "cut.json",
        r#"{"result":{"userId":"u","token":"cut-off-secret-CCCC"#,
        "secret-",
    ),
    (
        "escape.json",
        r#"{"result":{"token":"bad\qescape-secret-DDDD","userId":"u"},"errors":[]}"#,
        "secret-",
    ),
    (
        "placeholder.json",
        r#"{"result":{"token":"Bearer-${accessToken}-EEEE","expiresAt":1,"userId":"u"},"errors":[]}"#,
        "accessToken",
    ),
    (
        "number.json",
        r#"{"result":{"token":48151623421234567,"expiresAt":1,"userId":"u"},"errors":[]}"#,
        "48151623",
    ),
];

/// Every marker of a secret in [`SECRET_BODIES`].
fn assert_no_secret(name: &str, shown: &str) {
    for (_, _, marker) in SECRET_BODIES {
        assert!(!shown.contains(marker), "{name}: {marker} in {shown}");
    }
    for tail in ["AAAA", "BBBB", "CCCC", "DDDD", "EEEE"] {
        assert!(!shown.contains(tail), "{name}: {tail} in {shown}");
    }
}

#[test]
fn secrets_stay_masked_in_repeated_keys_broken_bodies_and_messages() {
    let folder = Folder::new();
    for (name, body, _) in SECRET_BODIES {
        folder.write(name, body.as_bytes());
    }
    for (name, _, _) in SECRET_BODIES {
        let path = folder.join(name);
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &[
                "explain",
                path.to_str().unwrap(),
                "--profile",
                "cognigy-token",
            ],
        )
        .run();
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(shown.contains(name), "{shown}");
        assert_no_secret(name, &shown);
    }
    for format in [
        "table", "json", "jsonl", "markdown", "junit", "sarif", "html",
    ] {
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &[
                "scan",
                folder.path_str(),
                "--profile",
                "cognigy-token",
                "--fail-on",
                "drift",
                "--format",
                format,
            ],
        )
        .run();
        assert_eq!(out.code, 1, "{}", out.stderr);
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(shown.contains("P03"), "{format}: {shown}");
        assert!(shown.contains("S08"), "{format}: {shown}");
        assert_no_secret(format, &shown);
    }
}

#[test]
fn explain_underlines_the_value_under_an_empty_key() {
    let folder = Folder::new();
    folder.write("empty-key.json", br#"{"":{"x":"${a}"},"x":"ok"}"#);
    let path = folder.join("empty-key.json");
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain", path.to_str().unwrap()]).run();
    let jsonl = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "scan",
            path.to_str().unwrap(),
            "--format",
            "jsonl",
            "--quiet",
        ],
    )
    .run();
    let record: serde_json::Value = serde_json::from_str(jsonl.stdout.trim()).unwrap();
    let finding = &record["findings"][0];
    assert_eq!(finding["code"], "P03");
    assert_eq!(finding["pointer"], "//x");
    // The value `"${a}"` starts at byte 9, not the later "ok" at 21.
    assert_eq!(finding["offset"], 9, "{record}");
    assert!(out.stdout.contains("P03"), "{}", out.stdout);
}

#[test]
fn a_chunk_size_past_the_end_of_a_dump_is_a_finding_not_a_crash() {
    let folder = Folder::new();
    folder.write(
        "huge-chunk.http",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nffffffffffffffff\r\nabc\r\n0\r\n\r\n",
    );
    folder.write("after.json", b"{}");
    let found = scan_jsonl(&folder);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found["huge-chunk.http"]["status"], "malformed");
    let path = folder.join("huge-chunk.http");
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain", path.to_str().unwrap()]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn secrets_inside_stringified_json_stay_masked_in_explain() {
    let folder = Folder::new();
    let bodies: [(&str, &[u8]); 5] = [
        ("field.json", br#"{"result":"{\"token\":\"SECRETTOKEN\"}"}"#),
        (
            "body.json",
            br#""{\"result\":{\"token\":\"SECRETTOKEN\"}}""#,
        ),
        ("cut.json", br#"{"result":"{\"token\":\"SECRETTOKEN"#),
        (
            "twice.json",
            br#"{"result":{"token":"a"},"result":"{\"token\":\"SECRETTOKEN\"}"}"#,
        ),
        (
            "flat.json",
            br#"{"result":{"token":"SECRETTOKEN"},"metadata.refreshToken":"SECRETTOKEN"}"#,
        ),
    ];
    for (name, body) in bodies {
        folder.write(name, body);
        let path = folder.join(name);
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &[
                "explain",
                path.to_str().unwrap(),
                "--profile",
                "cognigy-token",
            ],
        )
        .run();
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(shown.contains(name), "{shown}");
        assert!(!shown.contains("SECRETTOKEN"), "{name}: {shown}");
    }
    // A log line whose body is JSON encoded twice.
    let line = serde_json::json!({"response": {"body": serde_json::to_string(
        &serde_json::to_string(&serde_json::json!({"result": {"token": "SECRETTOKEN"}})).unwrap()
    ).unwrap()}});
    folder.write("log.jsonl", format!("{line}\n").as_bytes());
    let target = format!("{}:1", folder.join("log.jsonl").display());
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "explain",
            &target,
            "--profile",
            "cognigy-token",
            "--body-pointer",
            "/response/body",
        ],
    )
    .run();
    assert!(!out.stdout.contains("SECRETTOKEN"), "{}", out.stdout);
}

#[test]
fn drift_never_quotes_a_secret_nor_names_the_keys_under_it() {
    let folder = Folder::new();
    folder.write(
        "schema.json",
        br#"{"properties":{"ts":{"x-dapa-secret":true,"x-dapa-timestamp":"rfc3339"},
            "ms":{"x-dapa-secret":true,"x-dapa-timestamp":"unix-seconds"},
            "vault":{"type":"object","x-dapa-secret":true}}}"#,
    );
    folder.write(
        "c.json",
        br#"{"ts":"SECRETVALUE","ms":1763630000123,"vault":{"SECRETKEYNAME":1}}"#,
    );
    let schema = folder.join("schema.json");
    let capture = folder.join("c.json");
    for format in ["jsonl", "json", "table", "markdown", "html", "sarif"] {
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &[
                "scan",
                capture.to_str().unwrap(),
                "--schema",
                schema.to_str().unwrap(),
                "--format",
                format,
            ],
        )
        .run();
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(shown.contains("D03"), "{format}: {shown}");
        for secret in ["SECRETVALUE", "1763630000123", "SECRETKEYNAME"] {
            assert!(!shown.contains(secret), "{format}: {secret} in {shown}");
        }
    }
}

#[test]
fn a_log_line_over_the_limit_costs_no_more_than_the_limit() {
    let folder = Folder::new();
    let mut log = b"{}\n".to_vec();
    log.extend(std::iter::repeat_n(b' ', 40 << 20));
    log.extend_from_slice(b"\n{}\n");
    folder.write("long.jsonl", &log);
    // Two workers, a 32 MiB limit: the line buffer stays near the limit
    // instead of doubling past it. (A tighter bound shows the difference
    // but is at the mercy of the allocator's reservations.)
    let found = scan_jsonl_within(&folder, 256, SECONDS, &["--max-bytes", "32M"]);
    assert_eq!(codes(&found["long.jsonl:2"]), ["T07"]);
    assert_eq!(found["long.jsonl:3"]["status"], "ok");
}

#[test]
fn infer_keeps_a_bounded_model_of_payloads_keyed_by_ids() {
    let folder = Folder::new();
    // A million distinct keys in all: the model once held every one
    // (1.4 GB peak), now it lists 1,000.
    for file in 0..1_000 {
        let keys: serde_json::Map<String, serde_json::Value> = (0..1_000)
            .map(|n| (format!("id-{file:04}-{n:04}"), serde_json::json!(n)))
            .collect();
        folder.write(
            &format!("wide-{file:04}.json"),
            serde_json::Value::Object(keys).to_string().as_bytes(),
        );
    }
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS * 3,
        &["infer", folder.path_str(), "--jobs", "2", "--quiet"],
    )
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(schema["properties"].as_object().unwrap().len(), 1_000);
    assert!(out.stdout.len() < 1 << 20, "{} bytes", out.stdout.len());
}

#[test]
fn json_nested_too_deep_inside_a_string_is_s06_not_a_plain_string() {
    let folder = Folder::new();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let field = serde_json::json!({ "result": deep }).to_string();
    let root = serde_json::Value::String(deep).to_string();
    folder.write("field.json", field.as_bytes());
    folder.write("root.json", root.as_bytes());
    let found = scan_jsonl(&folder);
    for name in ["field.json", "root.json"] {
        assert_eq!(codes(&found[name]), ["S06"], "{name}: {}", found[name]);
        assert_eq!(found[name]["status"], "malformed");
    }
}

#[test]
fn a_quoted_token_that_does_not_parse_stays_masked_in_explain() {
    let folder = Folder::new();
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUtSRVQifQ.SEKRETsigSEKRETsig";
    folder.write("cut.body", format!("\"{token}").as_bytes());
    folder.write("escape.body", format!("\"{token}\\q\"").as_bytes());
    for name in ["cut.body", "escape.body"] {
        let path = folder.join(name);
        let out = dapa_bounded(MEMORY_MIB, SECONDS, &["explain", path.to_str().unwrap()]).run();
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(!out.stdout.contains("SEKRET"), "{name}: {}", out.stdout);
    }
}

#[test]
fn a_har_entry_padded_with_headers_costs_no_more_than_its_body() {
    let folder = Folder::new();
    let header = r#"{"name":"a","value":"b"},"#;
    let mut har = String::from(r#"{"log":{"entries":[{"response":{"status":200,"headers":["#);
    har.push_str(&header.repeat(2_500_000));
    har.push_str(r#"{"name":"c","value":"d"}],"content":{"text":"{}"}}}]}}"#);
    folder.write("headers.har", har.as_bytes());
    // The entry's 62 MB of text is held while it is read (with the room its
    // buffer grows into); its 2.5 million headers once took 400 MB more.
    let found = scan_jsonl_within(&folder, 640, SECONDS * 2, &["--max-bytes", "32M"]);
    assert_eq!(found["headers.har#1"]["status"], "ok");
}

#[test]
fn merge_refuses_shards_scanned_with_different_rules() {
    let folder = Folder::new();
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &[
                "scan",
                "samples/lookalike",
                "--shard",
                &shard,
                "--format",
                "json",
                "--quiet",
                "--fail-on",
                "none",
            ],
        )
        .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        if k == 2 {
            summary["config"] = serde_json::json!("other/dapa.toml");
        }
        folder.write(&format!("s{k}.json"), summary.to_string().as_bytes());
    }
    let (one, two) = (folder.join("s1.json"), folder.join("s2.json"));
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &["merge", one.to_str().unwrap(), two.to_str().unwrap()],
    )
    .run();
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("other/dapa.toml"), "{}", out.stderr);
}

/// A key repeated, a lossy number written, and an item given, 20,000 times
/// under a 100 KB key. Each repeat's place is that key's text: kept for
/// every repeat (the parser's places), or made for every value (the drift
/// walk's paths), they took gigabytes and minutes. Only the reported
/// places are kept and the rest counted; a drift path is made once.
#[test]
fn repeats_under_a_long_key_cost_no_more_than_their_reported_places() {
    let folder = Folder::new();
    let key = "k".repeat(100_000);
    let repeated = format!("{{\"{key}\":{{{}\"a\":0}}}}", "\"a\":1,".repeat(20_000));
    let lossy = format!("{{\"{key}\":[{}1e400]}}", "1e400,".repeat(19_999));
    // Members of many items under the long key: one drift path, made once.
    let items = format!("{{\"{key}\":[{}{{\"a\":0}}]}}", "{\"a\":1},".repeat(19_999));
    folder.write("repeated.json", repeated.as_bytes());
    folder.write("lossy.json", lossy.as_bytes());
    folder.write("items.json", items.as_bytes());
    let schemas = Folder::new();
    schemas.write("schema.json", br#"{"type": "object"}"#);
    let schema = schemas.join("schema.json");
    for extra in [vec![], vec!["--schema", schema.to_str().unwrap()]] {
        let found = scan_jsonl_within(&folder, MEMORY_MIB, SECONDS, &extra);
        assert_eq!(found["items.json"]["status"], "ok", "{extra:?}");
        for (name, code) in [("repeated.json", "S07"), ("lossy.json", "S08")] {
            let findings = found[name]["findings"].as_array().unwrap();
            let of_code: Vec<&serde_json::Value> =
                (findings.iter()).filter(|f| f["code"] == code).collect();
            assert_eq!(of_code.len(), 20, "{name} {extra:?}");
            let last = of_code[19]["message"].as_str().unwrap();
            assert!(
                last.ends_with("(and 19980 more like it)"),
                "{name}: {last:.80}"
            );
        }
    }
}

/// Velocity references cost a string's length, not its square: a body of
/// many `${` and no `}` searched to its end from each of them, and one of
/// many distinct references looked each up in a list. At 1.2 and 3 MB they
/// took minutes.
#[test]
fn velocity_references_cost_their_length_not_its_square() {
    let folder = Folder::new();
    let unclosed = serde_json::json!(["${".repeat(600_000)]).to_string();
    let distinct: Vec<String> = (0..300_000).map(|n| format!("$!a{n}")).collect();
    let distinct = serde_json::json!([distinct.join(" ")]).to_string();
    folder.write("unclosed.json", unclosed.as_bytes());
    folder.write("distinct.json", distinct.as_bytes());
    let found = scan_jsonl(&folder);
    assert_eq!(found["unclosed.json"]["status"], "ok");
    let message = found["distinct.json"]["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("\"$!a299999\""), "{message:.80}");
}

/// Fields the schema does not declare (or a map's keys) under a 400 KB key:
/// each path the drift table would keep is that key and more, and ten
/// thousand of them took gigabytes until the scan aborted. A path past the
/// kept length is walked and checked, not kept.
#[test]
fn drift_paths_under_a_long_key_are_not_kept() {
    let folder = Folder::new();
    let key = "x".repeat(400_000);
    let fields: Vec<String> = (0..10_000).map(|n| format!("\"k{n}\":1")).collect();
    let body = format!("{{\"{key}\":{{{}}}}}", fields.join(","));
    folder.write("long.json", body.as_bytes());
    let schemas = Folder::new();
    schemas.write(
        "map.json",
        br#"{"additionalProperties": {"additionalProperties": {"type": "integer"}}}"#,
    );
    schemas.write(
        "closed.json",
        br#"{"type": "object", "properties": {"a": {}}}"#,
    );
    for (schema, status) in [("map.json", "ok"), ("closed.json", "drift")] {
        let schema = schemas.join(schema);
        let found = scan_jsonl_within(
            &folder,
            MEMORY_MIB,
            SECONDS,
            &["--schema", schema.to_str().unwrap()],
        );
        assert_eq!(found["long.json"]["status"], status, "{schema:?}");
    }
}

/// The values of an enum-like field in 200,000 items under a 400 KB key,
/// with a schema whose constraints are placed, so that the drift walk is
/// done while the body is read: a place whose path is too long to keep has
/// no row, the walk gives up there, and the tree walk keeps no path. Made
/// whole for each item, the path would be 80 GB of copying.
#[test]
fn enum_values_under_a_long_key_are_not_kept_nor_their_paths_made() {
    let folder = Folder::new();
    let key = "x".repeat(400_000);
    let items = vec![r#"{"kind":"a"}"#; 200_000].join(",");
    folder.write("long.json", format!(r#"{{"{key}":[{items}]}}"#).as_bytes());
    let schemas = Folder::new();
    let schema = format!(
        r#"{{"type": "object", "properties": {{"{key}": {{"type": "array", "items": {{"type": "object", "properties": {{"kind": {{"type": "string", "x-dapa-enum": ["a"]}}}}}}}}}}}}"#
    );
    schemas.write("enum.json", schema.as_bytes());
    let schema = schemas.join("enum.json");
    let found = scan_jsonl_within(
        &folder,
        MEMORY_MIB,
        SECONDS,
        &["--schema", schema.to_str().unwrap()],
    );
    assert_eq!(found["long.json"]["status"], "ok");
}

/// A secret the schema marks where dapa's reading of it cannot tell which
/// field is meant (under `then`, `dependentSchemas`, behind an `$anchor`
/// or in a file a `$ref` names), and a listed value (`enum`, `const`) that
/// holds a secret field: no message, format or excerpt shows the value.
#[test]
fn secrets_marked_out_of_place_or_under_a_listed_object_stay_masked() {
    let schemas = Folder::new();
    schemas.write(
        "outside.json",
        br#"{"$defs": {"tok": {"type": "string", "x-dapa-secret": true, "pattern": "^abc"}}}"#,
    );
    let secret = |place: &str| {
        format!(r#"{{"type": "string", "x-dapa-secret": true, "pattern": "^abc"{place}}}"#)
    };
    let placed = [
        ("then", format!(r#"{{"if": {{"type": "object"}}, "then": {{"properties": {{"v": {}}}}}}}"#, secret(""))),
        ("dependent", format!(r#"{{"dependentSchemas": {{"v": {{"properties": {{"v": {}}}}}}}}}"#, secret(""))),
        ("anchor", r##"{"properties": {"v": {"$ref": "#tok"}}, "$defs": {"t": {"$anchor": "tok", "type": "string", "x-dapa-secret": true, "pattern": "^abc"}}}"##.to_owned()),
        ("file", r#"{"properties": {"v": {"$ref": "outside.json#/$defs/tok"}}}"#.to_owned()),
        ("enum", r#"{"properties": {"v": {"enum": [{"a": 1}], "properties": {"t": {"type": "string", "x-dapa-secret": true}}}}}"#.to_owned()),
        ("const", r#"{"properties": {"v": {"const": {"a": 1}}, "properties": {"t": {"type": "string", "x-dapa-secret": true}}}}"#.to_owned()),
    ];
    for (name, schema) in &placed {
        schemas.write(&format!("{name}.json"), schema.as_bytes());
    }
    let folder = Folder::new();
    folder.write("string.json", br#"{"v": "zzzzHIDDEN01"}"#);
    folder.write("object.json", br#"{"v": {"t": "zzzzHIDDEN02"}}"#);
    for (name, _) in &placed {
        let schema = schemas.join(&format!("{name}.json"));
        let schema = schema.to_str().unwrap();
        // Under `enum` and `const` only the object's field is secret: the
        // string at `v` is not, and may be quoted.
        let hidden = if matches!(*name, "enum" | "const") {
            "HIDDEN02"
        } else {
            "HIDDEN"
        };
        for format in [
            "table", "json", "jsonl", "markdown", "junit", "sarif", "html",
        ] {
            let args = [
                "scan",
                folder.path_str(),
                "--schema",
                schema,
                "--format",
                format,
            ];
            let out = dapa_bounded(MEMORY_MIB, SECONDS, &args).run();
            assert_eq!(out.code, 1, "{name} {format}: {}", out.stderr);
            let shown = format!("{}{}", out.stdout, out.stderr);
            assert!(!shown.contains(hidden), "{name} {format}: {shown}");
        }
        for file in ["string.json", "object.json"] {
            let path = folder.join(file);
            let args = ["explain", path.to_str().unwrap(), "--schema", schema];
            let out = dapa_bounded(MEMORY_MIB, SECONDS, &args).run();
            let shown = format!("{}{}", out.stdout, out.stderr);
            assert!(shown.contains(file), "{name}: {shown}");
            assert!(!shown.contains(hidden), "{name} {file}: {shown}");
        }
    }
}

/// A log line's body that is an object is analysed as it was logged: a
/// number beyond f64 or a lone surrogate in it is the body's finding (the
/// line's status and time are kept, so a 500 still fails the gate), and its
/// repeated keys and long numbers are found, not smoothed away by writing
/// the body out again.
#[test]
fn a_log_body_is_analysed_as_it_was_logged() {
    let folder = Folder::new();
    folder.write(
        "log.jsonl",
        concat!(
            r#"{"time":"2026-11-20T09:00:00Z","response":{"status":500,"body":{"code":"x","a":1e400}}}"#,
            "\n",
            r#"{"response":{"status":200,"body":{"a":1,"a":2}}}"#,
            "\n",
            r#"{"response":{"status":200,"body":{"a":123456789012345678901234567890}}}"#,
            "\n",
            r#"{"response":{"status":200,"body":{"a":"\ud800"}}}"#,
            "\n",
        )
        .as_bytes(),
    );
    let pointers = [
        "--body-pointer",
        "/response/body",
        "--time-pointer",
        "/time",
    ];
    let found = scan_jsonl_within(&folder, MEMORY_MIB, SECONDS, &pointers);
    let codes_of = |line: &str| -> Vec<String> {
        let findings = found[line]["findings"].as_array().unwrap();
        findings
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(found["log.jsonl:1"]["status"], "error");
    assert!(codes_of("log.jsonl:1").contains(&"S08".to_owned()));
    assert!(codes_of("log.jsonl:2").contains(&"S07".to_owned()));
    assert!(codes_of("log.jsonl:3").contains(&"S08".to_owned()));
    // The lone surrogate is the body's own fault; the line was read.
    let line4 = found["log.jsonl:4"].to_string();
    assert!(!line4.contains("not a JSON document"), "{line4}");
    let args = ["scan", folder.path_str(), "--quiet", "--fail-on", "error"];
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &[&args[..], &pointers[..]].concat()).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn links_that_fail_and_linked_folders_come_in_name_order_whatever_the_listing() {
    let folder = Folder::new();
    // Created out of name order, with links among the files: each file
    // system lists them in its own order. Links that fail come among the
    // files by name; a linked folder after the files, before the folders.
    for name in ["q.json", "b.json", "z.json", "a.json", "m.json"] {
        folder.write(name, b"{}");
    }
    folder.write("sub/x.json", b"{}");
    folder.symlink("d.json", "/nonexistent/dapa-test-target");
    folder.symlink("loop", ".");
    let sub = folder.join("sub");
    folder.symlink("n-linked", sub.to_str().unwrap());
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "scan",
            folder.path_str(),
            "--format",
            "jsonl",
            "--jobs",
            "2",
        ],
    )
    .run();
    let sources: Vec<String> = out
        .stdout
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let source = record["source"].as_str().unwrap();
            source[folder.path_str().len() + 1..].to_owned()
        })
        .collect();
    assert_eq!(
        sources,
        [
            "a.json",
            "b.json",
            "d.json",
            "loop",
            "m.json",
            "q.json",
            "z.json",
            "n-linked/x.json",
            "sub/x.json"
        ],
        "{}",
        out.stderr
    );
}

#[test]
fn explain_takes_the_nesting_limit_scan_was_given() {
    let folder = Folder::new();
    folder.write(
        "deep.json",
        format!("{}{}", "[".repeat(200), "]".repeat(200)).as_bytes(),
    );
    let deep = folder.join("deep.json");
    let deep = deep.to_str().unwrap();
    let explained = |extra: &[&str]| {
        let mut args = vec!["explain", deep, "--color", "never"];
        args.extend_from_slice(extra);
        dapa_bounded(MEMORY_MIB, SECONDS, &args).run()
    };
    let default = explained(&[]);
    assert!(default.stdout.contains("S06"), "{}", default.stdout);
    let deeper = explained(&["--max-depth", "1000"]);
    assert_eq!(deeper.code, 0, "{}{}", deeper.stdout, deeper.stderr);
    assert!(deeper.stdout.contains("deep.json: ok"), "{}", deeper.stdout);
    let refused = explained(&["--max-depth", "5000"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
}

/// A file that states a size of 0 and holds text (the files of /proc and
/// /sys) is read to its end, not taken for an empty body; a real empty
/// file is still T01.
#[test]
fn a_file_that_states_no_size_is_read_to_its_end() {
    let folder = Folder::new();
    folder.write("empty.json", b"");
    let empty = folder.join("empty.json");
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "scan",
            "/proc/self/status",
            empty.to_str().unwrap(),
            "--format",
            "jsonl",
            "--quiet",
        ],
    )
    .run();
    let seen = records(&out.stdout);
    let status = &seen["/proc/self/status"];
    assert_eq!(codes(status), ["T05"], "{status}");
    assert!(status["bytes"].as_u64().unwrap_or(0) > 0, "{status}");
    let empty = seen
        .values()
        .find(|r| r["source"] != "/proc/self/status")
        .expect("the empty file");
    assert_eq!(codes(empty), ["T01"], "{empty}");
}
