//! Helpers shared by the integration tests: run the binary with a time limit,
//! build temporary folders of captures.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Every run of the binary is bounded in time.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A prepared `dapa` command.
pub struct Run {
    command: assert_cmd::Command,
    /// Run under an address-space limit (see [`dapa_bounded`]).
    bounded: bool,
}

/// What a run printed and how it ended.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `dapa ARGS...`, run from the crate root.
pub fn dapa(args: &[&str]) -> Run {
    let mut command = assert_cmd::Command::cargo_bin("dapa").expect("the dapa binary is built");
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .timeout(TIMEOUT);
    Run {
        command,
        bounded: false,
    }
}

/// `dapa ARGS...` with at most `memory_mib` MiB of address space and
/// `seconds` of time: a run that would grow without bound fails (an
/// allocation error aborts it) and one that would hang is killed, both
/// of which the test sees as a run that did not exit by itself. Runs with
/// `--jobs 2` fit 256 MiB with room to spare (thread stacks included).
pub fn dapa_bounded(memory_mib: u64, seconds: u64, args: &[&str]) -> Run {
    let mut command = assert_cmd::Command::new("prlimit");
    command.arg(format!("--as={}", memory_mib << 20));
    bounded(command, seconds, args)
}

/// [`dapa_bounded`] with standard input opened from `path` (a file or a
/// device, which a test's input bytes, always piped, cannot be).
pub fn dapa_bounded_reading(memory_mib: u64, seconds: u64, path: &Path, args: &[&str]) -> Run {
    let mut command = assert_cmd::Command::new("sh");
    command
        .arg("-c")
        .arg(r#"exec prlimit --as="$0" "$@" < "$DAPA_TEST_STDIN""#)
        .arg((memory_mib << 20).to_string())
        .env("DAPA_TEST_STDIN", path);
    bounded(command, seconds, args)
}

/// `command` (prlimit with its bound) running dapa with `args`.
fn bounded(mut command: assert_cmd::Command, seconds: u64, args: &[&str]) -> Run {
    command
        .arg("--")
        .arg(assert_cmd::cargo::cargo_bin("dapa"))
        .args(args)
        // glibc reserves 64 MiB of address space for each thread that
        // meets another at its allocator's lock, as timing has it; what
        // little the C library allocates then takes a reservation of the
        // bound's size, and dapa's own allocations (mimalloc) failed now
        // and then on a loaded machine. One arena keeps the bound on dapa.
        .env("MALLOC_ARENA_MAX", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .timeout(Duration::from_secs(seconds));
    Run {
        command,
        bounded: true,
    }
}

impl Run {
    /// One more argument, any bytes the system allows.
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    /// Feed bytes to standard input.
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.command.write_stdin(bytes.to_vec());
        self
    }

    /// Set an environment variable of the run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    /// Run without this environment variable, whatever the caller has.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Run with no environment variable but `PATH`, so that nothing of the
    /// caller's (credentials, proxies) leaks in.
    #[cfg(feature = "fetch")]
    pub fn clean_env(mut self) -> Self {
        self.command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        self
    }

    /// Run from this folder.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Run to the end.
    pub fn run(mut self) -> Output {
        let mut output = self.command.output().expect("dapa runs");
        // Under an address-space limit, the allocator's reservations made by
        // threads starting at the same moment can leave no room for the
        // next worker's stack, now and then (EAGAIN before any input is
        // read). That is the harness's limit, not the input's: run again.
        for _ in 0..2 {
            let failed_to_start = String::from_utf8_lossy(&output.stderr)
                .contains("worker threads: Resource temporarily unavailable");
            if !(self.bounded && failed_to_start) {
                break;
            }
            output = self.command.output().expect("dapa runs");
        }
        Output {
            code: output
                .status
                .code()
                .expect("dapa exits by itself within the time limit"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// `dapa ARGS...` on a pseudo-terminal (`script`, from util-linux) of
/// `columns` columns, with `TERM=xterm-256color`, no `NO_COLOR` and then
/// `env`: the exit code and what the terminal received, its CR LF line
/// ends made line feeds. The arguments travel in the environment, so that
/// no shell reads them.
pub fn on_terminal(columns: u16, env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let mut command = format!("stty rows 24 cols {columns}; exec \"$DAPA\"");
    let mut script = assert_cmd::Command::new("script");
    script
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DAPA", assert_cmd::cargo::cargo_bin("dapa"))
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR");
    for (index, arg) in args.iter().enumerate() {
        command.push_str(&format!(" \"$ARG{index}\""));
        script.env(format!("ARG{index}"), arg);
    }
    for (key, value) in env {
        script.env(key, value);
    }
    let output = script
        .args(["-qec", &command, "/dev/null"])
        .timeout(TIMEOUT)
        .output()
        .expect("script (util-linux) runs");
    let shown = String::from_utf8(output.stdout).expect("the terminal got UTF-8");
    let code = output.status.code().expect("dapa exits by itself in time");
    (code, shown.replace("\r\n", "\n"))
}

/// The codes of a record's findings, in order.
pub fn codes(record: &Value) -> Vec<String> {
    record["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|finding| finding["code"].as_str().expect("a code").to_owned())
        .collect()
}

/// JSON Lines records by source.
pub fn records(jsonl: &str) -> BTreeMap<String, Value> {
    jsonl
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("each line is JSON");
            (record["source"].as_str().unwrap().to_owned(), record)
        })
        .collect()
}

/// A temporary folder of captures.
pub struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    pub fn new() -> Self {
        Folder {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn path_str(&self) -> &str {
        self.dir.path().to_str().expect("temporary paths are UTF-8")
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, bytes).unwrap();
    }

    pub fn symlink(&self, name: &str, target: &str) {
        std::os::unix::fs::symlink(target, self.join(name)).unwrap();
    }

    pub fn fifo(&self, name: &str) {
        let status = std::process::Command::new("mkfifo")
            .arg(self.join(name))
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
    }

    pub fn chmod(&self, name: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Records keyed by their path relative to this folder.
    pub fn relative(&self, records: BTreeMap<String, Value>) -> BTreeMap<String, Value> {
        let prefix = format!("{}/", self.path_str());
        records
            .into_iter()
            .map(|(source, record)| (source.trim_start_matches(&prefix).to_owned(), record))
            .collect()
    }

    /// Replace this folder's path with `[DIR]`, for snapshots.
    pub fn sanitise(&self, text: &str) -> String {
        // JUnit class names spell the folder with dots.
        let dotted = self.path_str().trim_matches('/').replace('/', ".");
        text.replace(self.path_str(), "[DIR]")
            .replace(&dotted, "[DIR]")
    }
}
