//! Apache Velocity 1.7 with velocity-tools 2.0, the real engine, for the differential tests
//! (`velocity.rs` on generated templates, `replay_differential.rs` on the samples): the Java
//! harness `tests/velocity/Harness.java`, compiled by the test, renders every case in one
//! process.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long one harness run may take.
const DEADLINE: Duration = Duration::from_secs(60);

/// The Debian jars the harness runs on.
const JARS: &[&str] = &[
    "velocity",
    "commons-collections3",
    "commons-lang",
    "velocity-tools",
    "commons-lang3",
    "commons-beanutils",
    "commons-digester",
    "commons-logging",
];

fn classpath() -> String {
    let missing: Vec<_> = JARS
        .iter()
        .filter(|j| !Path::new(&format!("/usr/share/java/{j}.jar")).exists())
        .collect();
    let tools = ["java", "javac"]
        .into_iter()
        .filter(|t| Command::new(t).arg("-version").output().is_err());
    let tools: Vec<_> = tools.collect();
    assert!(
        missing.is_empty() && tools.is_empty(),
        "the Velocity differential test needs Java and Debian's velocity jars (missing: {missing:?} {tools:?}); \
         scripts/test installs them (default-jdk-headless velocity libvelocity-tools-java)"
    );
    JARS.iter()
        .map(|j| format!("/usr/share/java/{j}.jar"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The harness compiled once per test run: the Velocity tests share it, and
/// two `javac`s writing the same classes while a `java` reads them would race.
fn compiled_harness(classpath: &str) -> PathBuf {
    static COMPILED: OnceLock<PathBuf> = OnceLock::new();
    COMPILED.get_or_init(|| compile_harness(classpath)).clone()
}

fn compile_harness(classpath: &str) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("velocity-harness");
    std::fs::create_dir_all(&out).expect("a folder for the harness");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/velocity/Harness.java");
    let status = Command::new("javac")
        .args(["-nowarn", "-d"])
        .arg(&out)
        .args(["-cp", classpath])
        .arg(&source)
        .stderr(Stdio::null())
        .status()
        .expect("javac runs");
    assert!(
        status.success(),
        "javac compiles tests/velocity/Harness.java"
    );
    out
}

/// Renders every case with the real Velocity, in one process, within [`DEADLINE`].
///
/// Each case is `{"template": ..., "context": {...}}`; each answer
/// `{"output": ...}` or `{"error": "<exception class>"}`, one per case in order.
/// Fails with how to install them when Java or the jars are missing.
pub fn real_velocity(cases: &[Value]) -> Vec<Value> {
    let classpath = classpath();
    let harness = compiled_harness(&classpath);
    let mut child = Command::new("java")
        .args(["-Xss8m", "-cp"])
        .arg(format!("{}:{classpath}", harness.display()))
        .arg("Harness")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("java runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input: String = cases.iter().map(|c| format!("{c}\n")).collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(&l.expect("a line")).expect("JSON"))
            .collect::<Vec<_>>()
    });
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the Velocity harness took longer than {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.join().expect("writer");
    let answers = reader.join().expect("reader");
    assert_eq!(
        answers.len(),
        cases.len(),
        "one answer per case from the harness"
    );
    answers
}
