//! `--format html` rendered in headless Chromium (Debian's `chromium`, which
//! `scripts/test` installs): the page lays out its chart and tables and logs
//! no console error, with no network.

use crate::util::{Folder, dapa};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("DAPA_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .expect("Chromium is needed for this test: run scripts/test, which installs Debian's chromium package (or set DAPA_CHROMIUM)")
}

/// The DOM after the page's scripts ran, and what Chromium logged.
fn render(page: &Path) -> (String, String) {
    let profile = Folder::new();
    let dom = profile.join("dom.html");
    let log = profile.join("chromium.log");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=1280,1024",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .stdout(std::fs::File::create(&dom).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        std::fs::read_to_string(dom).unwrap(),
        std::fs::read_to_string(log).unwrap(),
    )
}

/// Console messages (errors included) Chromium logged for the page.
fn console_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| line.contains(":CONSOLE"))
        .collect()
}

#[test]
fn the_report_of_the_samples_renders_its_timeline_and_tables() {
    let folder = Folder::new();
    let output = dapa(&["scan", "samples", "--format", "html", "--fail-on", "none"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let html = &output.stdout;
    // Self-contained: no script, style, image or font fetched from anywhere.
    for reference in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!html.contains(reference), "the page refers to {reference}");
    }
    let bars = html.matches("<rect class=\"bar\"").count();
    assert!(bars > 10, "{bars} bars");
    let page = folder.join("report.html");
    std::fs::write(&page, html).unwrap();

    let (dom, log) = render(&page);
    assert_eq!(console_lines(&log), Vec::<&str>::new());
    let rendered = dom
        .split("data-rendered=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's check ran");
    // "chart WxH bars N rows M": the chart was laid out with every bar.
    let fields: Vec<&str> = rendered.split_whitespace().collect();
    let (width, height) = fields[1].split_once('x').unwrap();
    assert!(width.parse::<u32>().unwrap() > 300, "{rendered}");
    assert!(height.parse::<u32>().unwrap() > 100, "{rendered}");
    assert_eq!(fields[3], bars.to_string(), "{rendered}");
    assert!(fields[5].parse::<u32>().unwrap() > 40, "{rendered}");
    for table in [
        "id=\"statuses\"",
        "id=\"codes\"",
        "id=\"timeline-table\"",
        "id=\"headline\"",
    ] {
        assert!(dom.contains(table), "{table} missing");
    }
    assert!(
        dom.contains("samples/logs/agent-desktop.har#3"),
        "examples per code"
    );
}

#[test]
fn a_console_error_would_be_seen() {
    // The check above must be able to fail: a page that throws is caught.
    let folder = Folder::new();
    folder.write(
        "broken.html",
        b"<!DOCTYPE html><html><body><script>missingFunction();</script></body></html>",
    );
    let (_, log) = render(&folder.join("broken.html"));
    let lines = console_lines(&log);
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].contains("missingFunction"), "{log}");
}

#[test]
fn a_corpus_without_times_says_so() {
    let folder = Folder::new();
    folder.write("a.json", b"{\"id\": 1}");
    let output = dapa(&["scan", folder.path_str(), "--format", "html"]).run();
    assert_eq!(output.code, 0);
    assert!(output.stdout.contains("id=\"timeline-empty\""));
    assert!(
        output
            .stdout
            .contains("No capture states its time (1 captures without one)")
    );
    assert!(!output.stdout.contains("<svg"));
}
