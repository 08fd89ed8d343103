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

/// A log that a writer appends to faster than dapa reads it is read as it
/// was when dapa opened it: it was read for as long as it grew, and a scan
/// of it never ended. The writer here grows the file with holes (no disk
/// is used) by 32 MiB every 5 ms.
#[test]
fn a_log_that_grows_while_it_is_read_is_read_as_it_was_opened() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let folder = crate::util::Folder::new();
    folder.write("app.jsonl", b"{\"a\":1}\n");
    let path = folder.join("app.jsonl");
    // Past --max-bytes before dapa starts: however far the file has grown
    // when dapa opens it, its second line is too long to parse.
    let start = 8 + (96u64 << 20);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(start)
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (path, stop) = (path.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            let mut length = start;
            while !stop.load(Ordering::Relaxed) && length < 1 << 40 {
                length += 32 << 20;
                file.set_len(length).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "scan",
            path.to_str().unwrap(),
            "--format",
            "jsonl",
            "--quiet",
            "--fail-on",
            "none",
            "--jobs",
            "2",
        ],
    )
    .run();
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let records = folder.relative(records(&out.stdout));
    assert_eq!(records["app.jsonl:1"]["status"], "ok", "{records:?}");
    // The holes read as one line of zeros, too long to parse.
    assert_eq!(codes(&records["app.jsonl:2"]), ["T07"], "{records:?}");
    assert_eq!(records.len(), 2, "{records:?}");
}

/// Standard input past `--max-bytes` is T07 within the room of the limit:
/// its room doubled past it (128 MiB for 64 MiB and a byte, 222 MB in
/// all), and under this bound the read failed for want of memory (T08)
/// instead of saying the capture was too large.
#[test]
fn standard_input_past_max_bytes_is_read_into_the_limit_s_room() {
    let body = vec![b' '; (64 << 20) + 1];
    let out = dapa_bounded(
        320,
        SECONDS,
        &["scan", "-", "--jobs", "2", "--format", "jsonl", "--quiet"],
    )
    .stdin(&body)
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let record = &records(&out.stdout)["-"];
    assert_eq!(codes(record), ["T07"], "{record}");
}

/// A gzip bomb, piped in or named, is T07 within the room of the limit:
/// inflated into room that doubled as it filled, up to twice the limit
/// (for the byte past it), and under this bound dapa aborted for want of
/// memory. The bomb is 256 members of 1 MiB of zeros each.
#[test]
fn a_gzip_bomb_is_refused_within_the_limit_s_room() {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; 1 << 20]).unwrap();
    let bomb = encoder.finish().unwrap().repeat(256);
    let folder = crate::util::Folder::new();
    folder.write("bomb.json.gz", &bomb);
    let named = folder.join("bomb.json.gz");
    for input in ["-", named.to_str().unwrap()] {
        let out = dapa_bounded(
            280,
            SECONDS,
            &["scan", input, "--jobs", "2", "--format", "jsonl", "--quiet"],
        )
        .stdin(&bomb)
        .run();
        assert_eq!(out.code, 1, "{input}: {}", out.stderr);
        let record = records(&out.stdout).into_values().next().unwrap();
        assert_eq!(codes(&record), ["T07"], "{input}: {record}");
    }
}

/// A log piped in with `--body-pointer` or `--time-pointer` (options only a
/// log's lines take) is read line by line as a log file of that name is,
/// its lines named `-:N`: it was one capture of the whole log, malformed
/// as JSON. Piped, gzip-compressed, or given with `<`, the lines are the
/// same.
#[test]
fn a_log_on_standard_input_is_read_line_by_line_with_a_pointer() {
    use std::io::Write as _;
    let log = concat!(
        r#"{"time":"2026-11-20T09:10:00Z","response":{"status":200,"body":"{\"id\":\"a1\"}"}}"#,
        "\n",
        r#"{"time":"2026-11-20T09:11:00Z","response":{"status":502,"body":"<html><body>502 Bad Gateway</body></html>"}}"#,
        "\n\n",
        r#"{"time":"2026-11-20T09:12:00Z","response":{"status":200,"body":"{\"id\":"}}"#,
        "\n",
    );
    let folder = crate::util::Folder::new();
    folder.write("app.jsonl", log.as_bytes());
    let named = folder.join("app.jsonl");
    let args = |input: &str| {
        let mut args = vec!["scan", input, "--body-pointer", "/response/body"];
        args.extend(["--time-pointer", "/time", "--format", "jsonl", "--quiet"]);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        dapa_bounded(MEMORY_MIB, SECONDS, &args)
    };
    let as_file = run(&args(named.to_str().unwrap())).run();
    assert_eq!(as_file.code, 1, "{}", as_file.stderr);
    let expected: Vec<String> = as_file
        .stdout
        .lines()
        .map(|line| line.replace(named.to_str().unwrap(), "-"))
        .collect();
    assert_eq!(expected.len(), 3, "{}", as_file.stdout);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(log.as_bytes()).unwrap();
    let gzip = gzip.finish().unwrap();
    let piped = run(&args("-")).stdin(log.as_bytes()).run();
    let piped_gzip = run(&args("-")).stdin(&gzip).run();
    let redirected = {
        let args = args("-");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        crate::util::dapa_bounded_reading(MEMORY_MIB, SECONDS, &named, &args).run()
    };
    for (how, out) in [("piped", piped), ("gzip", piped_gzip), ("<", redirected)] {
        assert_eq!(out.code, 1, "{how}: {}", out.stderr);
        assert_eq!(out.stdout.lines().collect::<Vec<_>>(), expected, "{how}");
    }
    let lines = records(&expected.join("\n"));
    assert_eq!(lines["-:2"]["http_status"], 502, "{lines:?}");
    assert_eq!(codes(&lines["-:4"]), ["S01"], "{lines:?}");
    // Without a pointer, standard input is still one capture.
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &["scan", "-", "--format", "jsonl", "--quiet"],
    )
    .stdin(br#"{"id":"a1"}"#)
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(records(&out.stdout)["-"]["status"], "ok", "{}", out.stdout);
}

/// A device with no end read as a log (`< /dev/zero`) stops after
/// `--max-bytes` with a T08 that says why, in bounded time and room;
/// `/dev/null` is an empty log.
#[test]
fn a_device_read_as_a_log_stops_at_max_bytes() {
    let args = [
        "scan",
        "-",
        "--body-pointer",
        "/body",
        "--max-bytes",
        "1048576",
        "--format",
        "jsonl",
        "--quiet",
    ];
    let device = |path: &str| {
        crate::util::dapa_bounded_reading(MEMORY_MIB, SECONDS, std::path::Path::new(path), &args)
            .run()
    };
    let out = device("/dev/zero");
    assert_eq!(out.code, 1, "{}", out.stderr);
    let record = records(&out.stdout).into_values().next().unwrap();
    assert_eq!(codes(&record), ["T08"], "{record}");
    assert!(
        record["findings"][0]["message"].as_str().unwrap().contains(
            "standard input is a device, read no further than --max-bytes (1048576 bytes)"
        ),
        "{record}"
    );
    let out = device("/dev/null");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("no capture found"), "{}", out.stderr);
}

/// `dapa scan - --body-pointer POINTER --format jsonl` with its standard
/// input a pipe the test writes to, and its records read line by line as
/// they come: the child, the pipe, the records, and the thread that reads
/// them.
struct LiveScan {
    child: std::process::Child,
    input: std::process::ChildStdin,
    records: std::sync::mpsc::Receiver<String>,
    reader: std::thread::JoinHandle<()>,
}

impl LiveScan {
    fn start(body_pointer: &str) -> LiveScan {
        use std::io::BufRead as _;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_dapa"))
            .args(["scan", "-", "--body-pointer", body_pointer])
            .args(["--format", "jsonl", "--quiet"])
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dapa starts");
        let input = child.stdin.take().expect("a pipe to write to");
        let output = child.stdout.take().expect("a pipe to read from");
        let (lines, records) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(output).lines() {
                if lines.send(line.expect("dapa writes text")).is_err() {
                    return;
                }
            }
        });
        LiveScan {
            child,
            input,
            records,
            reader,
        }
    }

    /// Write `text` and send it on, keeping the pipe open.
    fn write(&mut self, text: &str) {
        use std::io::Write as _;
        self.input
            .write_all(text.as_bytes())
            .expect("the text is written");
        self.input.flush().expect("the text is sent");
    }

    /// The next record, within `LIVE_WAIT` while the pipe stays open;
    /// `what` names it in the failure.
    fn next_record(&mut self, what: &str) -> serde_json::Value {
        let record = self.records.recv_timeout(LIVE_WAIT).unwrap_or_else(|_| {
            let _ = self.child.kill();
            panic!("no record for {what} within {LIVE_WAIT:?} while the pipe was open")
        });
        serde_json::from_str(&record).expect("a JSON record")
    }

    /// End the input; how dapa ended, and whether records came after.
    fn end(self) -> (std::process::ExitStatus, bool) {
        let LiveScan {
            mut child,
            input,
            records,
            reader,
        } = self;
        drop(input);
        let status = child.wait().expect("dapa ends with its input");
        reader.join().expect("the reader ends");
        (status, records.try_recv().is_ok())
    }
}

/// Far more than the pause of 100 ms that gives out what was read, and far
/// less than a test's bound: a record that waits for the end of the input
/// never comes in this time.
const LIVE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A live log on standard input (`tail -f app.log | dapa scan -`): each
/// line's record is written once the writer pauses, while the pipe stays
/// open, not once a chunk of a thousand lines (or the end) has come. The
/// test writes a line, waits for its record with the pipe open, writes a
/// second, waits for that one, and only then ends the input.
#[test]
fn a_live_log_has_its_records_written_while_the_writer_pauses() {
    let mut scan = LiveScan::start("/response/body");
    let mut seen = Vec::new();
    for (number, body) in [(1, r#"{"a":1}"#), (2, r#"<html>502</html>"#)] {
        let line = serde_json::json!({"response": {"body": body}});
        scan.write(&format!("{line}\n"));
        let record = scan.next_record(&format!("line {number}"));
        assert_eq!(record["source"], format!("-:{number}"), "{record}");
        seen.push(record["status"].as_str().unwrap_or_default().to_owned());
    }
    let (status, more) = scan.end();
    assert_eq!(seen, ["ok", "malformed"]);
    assert_eq!(
        status.code(),
        Some(1),
        "a malformed capture fails the default gate"
    );
    assert!(!more, "no record after the last line");
}

/// A pause right after a whole chunk (1,024 lines) filled up: the chunk's
/// records are written during the pause too, not once more lines come.
#[test]
fn a_live_log_that_pauses_after_a_whole_chunk_has_it_written() {
    let mut scan = LiveScan::start("/b");
    let burst: String = (0..1024)
        .map(|n| format!("{{\"b\":{{\"n\":{n}}}}}\n"))
        .collect();
    scan.write(&burst);
    for number in 1..=1024 {
        let record = scan.next_record(&format!("line {number} of 1024"));
        assert_eq!(record["source"], format!("-:{number}"), "{record}");
    }
    let (status, more) = scan.end();
    assert!(status.success(), "{status:?}");
    assert!(!more, "no record after the last line");
}
