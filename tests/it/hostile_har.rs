//! HAR exports that are hostile or unlucky: bodies that inflate far beyond
//! their entries, very many entries, gzip bombs, entries over --max-bytes,
//! byte-order marks, exports cut off. Every run is bounded in time and
//! memory: a HAR is read as a stream, so what dapa holds of it does not
//! grow with the file.

use crate::util::{Folder, codes, dapa, records};
use base64::Engine as _;
use serde_json::{Value, json};
use std::io::Write;

/// Address space a run with `--jobs 2` may use (thread stacks included).
const MEMORY_MIB: u64 = 256;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A HAR document of these entries.
fn har(entries: &[Value]) -> Vec<u8> {
    json!({"log": {"version": "1.2", "entries": entries}})
        .to_string()
        .into_bytes()
}

/// An entry whose response text is `text`, base64 when `encoding` says so.
fn entry(text: &str, encoding: Option<&str>) -> Value {
    let mut content = json!({"mimeType": "application/json", "text": text});
    if let Some(encoding) = encoding {
        content["encoding"] = json!(encoding);
    }
    json!({
        "startedDateTime": "2026-11-20T09:12:03.120Z",
        "response": {"status": 200, "headers": [], "content": content},
    })
}

/// `dapa scan PATH --format jsonl --jobs 2 EXTRA...` within the memory
/// bound; the records by source, relative to the folder.
fn scan_bounded(
    folder: &Folder,
    name: &str,
    extra: &[&str],
) -> std::collections::BTreeMap<String, Value> {
    let path = folder.join(name).display().to_string();
    let mut args = vec![
        "scan",
        &path,
        "--format",
        "jsonl",
        "--jobs",
        "2",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let output = crate::util::dapa_bounded(MEMORY_MIB, 60, &args).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    folder.relative(records(&output.stdout))
}

/// Entries that each hold the base64 of a small gzip of a large body: the
/// bodies are decoded one entry at a time, not all before any is analysed.
/// (Before, all 40 bodies of 8 MiB were held at once.)
#[test]
fn entries_holding_gzip_bombs_are_decoded_one_at_a_time() {
    let folder = Folder::new();
    // Bytes that are no UTF-8: each body is analysed at once (T03), so the
    // test's time goes into inflating, and its memory into holding.
    let packed = base64(&gzip(&vec![0xff; 8 << 20]));
    let entries: Vec<Value> = (0..40).map(|_| entry(&packed, Some("base64"))).collect();
    folder.write("bodies.har", &har(&entries));
    let seen = scan_bounded(&folder, "bodies.har", &["--max-bytes", "16M"]);
    assert_eq!(seen.len(), 40);
    for record in seen.values() {
        assert_eq!(record["bytes"], 8 << 20, "{record}");
        assert_eq!(codes(record), ["T03"], "{record}");
    }
}

/// A HAR of very many small entries is not held as one document. (Before,
/// 100,000 entries of 7 MB took more than 256 MiB.)
#[test]
fn very_many_entries_are_read_as_a_stream() {
    let folder = Folder::new();
    let count = 100_000;
    let entries: Vec<Value> = (0..count)
        .map(
            |n| json!({"response": {"status": 200, "content": {"text": format!("{{\"n\":{n}}}")}}}),
        )
        .collect();
    folder.write("many.har", &har(&entries));
    let seen = scan_bounded(&folder, "many.har", &[]);
    assert_eq!(seen.len(), count);
    assert_eq!(seen["many.har#100000"]["status"], "ok");
    // The N-th entry is found by streaming to it, under the same bound.
    let path = folder.join("many.har#99999").display().to_string();
    let explained = crate::util::dapa_bounded(MEMORY_MIB, 60, &["explain", &path]).run();
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    assert!(
        explained.stdout.contains("many.har#99999: ok"),
        "{}",
        explained.stdout
    );
}

/// A `.har.gz` that inflates far beyond --max-bytes is read as a stream: an
/// entry longer than dapa reads is T07 without being held, and the entries
/// after it are still read. (Before, the whole file was inflated up to 16
/// times --max-bytes, 256 MiB here, before anything was analysed.)
#[test]
fn a_gzip_bomb_export_is_read_as_a_stream() {
    let folder = Folder::new();
    let document = har(&[
        entry("{\"a\":1}", None),
        entry("@", None),
        entry("{\"c\":3}", None),
    ]);
    let document = String::from_utf8(document).unwrap();
    let (head, tail) = document.split_once('@').unwrap();
    // Gzip members may follow one another: one member of 1 MiB written 320
    // times inflates to 320 MiB from a file of a few hundred kilobytes.
    let block = gzip(&vec![b'A'; 1 << 20]);
    let mut bomb = gzip(head.as_bytes());
    for _ in 0..320 {
        bomb.extend_from_slice(&block);
    }
    bomb.extend_from_slice(&gzip(tail.as_bytes()));
    folder.write("bomb.har.gz", &bomb);
    let seen = scan_bounded(&folder, "bomb.har.gz", &["--max-bytes", "16M"]);
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(codes(&seen["bomb.har.gz#2"]), ["T07"]);
    assert!(
        seen["bomb.har.gz#2"]["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("a HAR entry of 335544")
    );
    for n in [1, 3] {
        assert_eq!(seen[&format!("bomb.har.gz#{n}")]["status"], "ok");
    }
}

/// An entry whose body is over --max-bytes is T07, whether its text is
/// plain, base64 (not even decoded when too long), or gzip inflating past
/// the limit; its status is kept. (Before, plain and base64 bodies over the
/// limit were analysed as if within it.)
#[test]
fn entries_over_max_bytes_are_t07() {
    let folder = Folder::new();
    let body = format!("{{\"k\":\"{}\"}}", "v".repeat(2000));
    let entries = [
        entry(&body, None),
        entry(&base64(body.as_bytes()), Some("base64")),
        entry(&base64(&gzip(body.as_bytes())), Some("base64")),
        entry("{\"k\":1}", None),
    ];
    folder.write("big.har", &har(&entries));
    let seen = scan_bounded(&folder, "big.har", &["--max-bytes", "1000"]);
    for n in 1..=3 {
        let record = &seen[&format!("big.har#{n}")];
        assert_eq!(codes(record), ["T07"], "entry {n}: {record}");
        assert_eq!(record["http_status"], 200, "entry {n}");
    }
    assert!(
        seen["big.har#2"]["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not decoded")
    );
    assert_eq!(seen["big.har#4"]["status"], "ok");
}

/// A HAR export that starts with a UTF-8 byte-order mark is read like the
/// same file without one, plain or gzip. (Before, it was T08 "not a HAR
/// document".)
#[test]
fn a_har_with_a_byte_order_mark_gives_its_entries() {
    let folder = Folder::new();
    let mut document = b"\xEF\xBB\xBF".to_vec();
    document.extend(har(&[entry("{\"a\":1}", None), entry("{\"b\":2}", None)]));
    folder.write("bom.har", &document);
    folder.write("bom.har.gz", &gzip(&document));
    let seen = scan_bounded(&folder, "", &[]);
    let sources: Vec<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(
        sources,
        ["bom.har#1", "bom.har#2", "bom.har.gz#1", "bom.har.gz#2"]
    );
    assert!(seen.values().all(|record| record["status"] == "ok"));
}

/// An export cut off mid-file keeps the entries before the cut, and the
/// rest is one T08 capture; the output is the same for any --jobs, and the
/// kept entries can be explained. (Before, the whole file was one T08.)
#[test]
fn a_cut_off_export_keeps_its_entries_for_any_jobs() {
    let folder = Folder::new();
    let mut document = har(&[
        entry("{\"a\":1}", None),
        entry("<html>502</html>", None),
        entry("{\"b\":", None),
        entry("{\"c\":3}", None),
    ]);
    let cut = document.len() - 30;
    document.truncate(cut);
    folder.write("cut.har", &document);
    let path = folder.path_str();
    let scan = |jobs: &str| {
        let args = [
            "scan",
            path,
            "--format",
            "jsonl",
            "--jobs",
            jobs,
            "--fail-on",
            "none",
        ];
        crate::util::dapa_bounded(MEMORY_MIB, 60, &args)
            .run()
            .stdout
    };
    let one = scan("1");
    assert_eq!(one, scan("2"));
    let seen = folder.relative(records(&one));
    let sources: Vec<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(
        sources,
        ["cut.har#1", "cut.har#2", "cut.har#3", "cut.har#4"]
    );
    assert_eq!(seen["cut.har#1"]["status"], "ok");
    assert_eq!(codes(&seen["cut.har#3"]), ["S01"]);
    assert_eq!(codes(&seen["cut.har#4"]), ["T08"]);
    let message = seen["cut.har#4"]["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("breaks off after entry 3"), "{message}");

    let first = folder.join("cut.har#1").display().to_string();
    let explained = dapa(&["explain", &first]).run();
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    let rest = folder.join("cut.har#4").display().to_string();
    let broken = dapa(&["explain", &rest]).run();
    assert_eq!(broken.code, 2);
    assert!(
        broken.stderr.contains("breaks off after entry 3"),
        "{}",
        broken.stderr
    );
}

/// A response text of another type than a string is an export dapa cannot
/// read (T08), not an empty body; a null one was not recorded (T01, noted).
/// A JSON Lines body logged as null is the same empty body, noted.
#[test]
fn a_text_that_is_no_string_is_unreadable_and_a_null_body_is_empty() {
    let folder = Folder::new();
    let mut object = entry("", None);
    object["response"]["content"]["text"] = json!({"a": 1});
    let mut null = entry("", None);
    null["response"]["content"]["text"] = Value::Null;
    folder.write("odd.har", &har(&[object, null]));
    let seen = scan_bounded(&folder, "odd.har", &[]);
    assert_eq!(codes(&seen["odd.har#1"]), ["T08"], "{}", seen["odd.har#1"]);
    assert_eq!(codes(&seen["odd.har#2"]), ["T01"], "{}", seen["odd.har#2"]);
    assert!(seen["odd.har#2"]["notes"].is_array());
    folder.write(
        "log.jsonl",
        b"{\"response\":{\"body\":null}}\n{\"response\":{}}\n",
    );
    let seen = scan_bounded(&folder, "log.jsonl", &["--body-pointer", "/response/body"]);
    // Not a string: the body is its JSON text, `null` (E04), as the
    // specification has a log's body.
    assert_eq!(
        codes(&seen["log.jsonl:1"]),
        ["E04"],
        "{}",
        seen["log.jsonl:1"]
    );
    assert_eq!(seen["log.jsonl:1"]["bytes"], 4);
    assert_eq!(
        codes(&seen["log.jsonl:2"]),
        ["T08"],
        "{}",
        seen["log.jsonl:2"]
    );
}
