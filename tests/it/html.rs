//! `--format html` rendered in headless Chromium (Debian's `chromium`, which
//! `scripts/test` installs), with no network. The report ships without a
//! script: a harness page of the test's own holds it, byte for byte, in an
//! `iframe srcdoc` (which shares the harness's origin) and records what the
//! browser laid out in its own DOM, which `--dump-dom` prints.

use crate::signatures::{by_count, hostile_corpus, summary};
use crate::util::{Folder, dapa};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// The date the reports of these tests carry: 2025-11-20T09:13:20Z.
const SOURCE_DATE_EPOCH: &str = "1763630000";

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

/// Reads the report in the frame once everything loaded: what a reader
/// would see, with the boxes the browser gave it.
const HARNESS_SCRIPT: &str = r#"
window.addEventListener('load', function () {
  var frame = document.getElementById('report');
  var doc = frame.contentDocument;
  function box(element) {
    var r = element.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width, height: r.height};
  }
  function text(selector) {
    var element = doc.querySelector(selector);
    return element ? element.textContent : null;
  }
  var chart = doc.getElementById('timeline-chart');
  var handlers = Array.from(doc.querySelectorAll('*')).filter(function (element) {
    return Array.from(element.attributes).some(function (a) { return /^on/i.test(a.name); });
  }).length;
  var codes = Array.from(doc.querySelectorAll('details.captures')).map(function (details) {
    var wasOpen = details.open;
    var closedHeight = box(details).height;
    var summaryHeight = box(details.querySelector('summary')).height;
    var visibleClosed = details.querySelector('li').checkVisibility();
    details.open = true;
    var more = details.querySelector('.more');
    return {
      id: details.id,
      was_open: wasOpen,
      closed_height: closedHeight,
      summary_height: summaryHeight,
      open_height: box(details).height,
      items_visible_closed: visibleClosed,
      summary: details.querySelector('summary').textContent,
      items: Array.from(details.querySelectorAll('li')).map(function (li) {
        return {text: li.textContent, visible: li.checkVisibility(), height: box(li).height};
      }),
      more: more ? more.textContent : null
    };
  });
  var facts = {
    scripts: doc.querySelectorAll('script').length,
    handlers: handlers,
    injected: window.dapaInjected === true || frame.contentWindow.dapaInjected === true,
    chart: chart ? box(chart) : null,
    bars: doc.querySelectorAll('#timeline-chart rect.bar').length,
    labels: Array.from(doc.querySelectorAll('#timeline-chart text.time-label')).map(function (label) {
      return {text: label.textContent, box: box(label)};
    }),
    rows: doc.querySelectorAll('table tr').length,
    tables: Array.from(doc.querySelectorAll('table')).map(function (t) { return t.id; }),
    version: text('#report-version'),
    date: text('#report-date'),
    datetime: doc.getElementById('report-date').getAttribute('datetime'),
    config: text('#report-config'),
    inputs: text('#report-inputs'),
    codes: codes,
    advice: Array.from(doc.querySelectorAll('section.advice')).map(function (section) {
      var link = section.querySelector('a');
      return {
        id: section.id,
        heading: text('#' + section.id + ' h3'),
        summary: text('#' + section.id + ' p.summary'),
        fix: Array.from(section.querySelectorAll('ul.fix li')).map(function (li) { return li.textContent; }),
        href: link ? link.getAttribute('href') : null,
        link_text: link ? link.textContent : null,
        visible: section.checkVisibility(),
        height: box(section).height
      };
    }),
    drift: Array.from(doc.querySelectorAll('#drift tr')).slice(1).map(function (row) {
      return row.cells[6].textContent;
    }),
    signatures: Array.from(doc.querySelectorAll('#signatures tr')).slice(1).map(function (row) {
      return {
        cells: Array.from(row.cells).map(function (cell) { return cell.textContent; }),
        examples: Array.from(row.cells[5].querySelectorAll('code')).map(function (code) { return code.textContent; }),
        elements: row.querySelectorAll('td *:not(code):not(br)').length,
        visible: row.checkVisibility()
      };
    })
  };
  document.getElementById('facts').textContent = JSON.stringify(facts);
});
"#;

/// What the browser made of a report, as the harness recorded it, and
/// the console lines Chromium logged.
fn facts_of(report: &str) -> (Value, Vec<String>) {
    let folder = Folder::new();
    let srcdoc = report.replace('&', "&amp;").replace('"', "&quot;");
    let harness = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n\
         <iframe id=\"report\" style=\"width:1240px;height:900px\" srcdoc=\"{srcdoc}\"></iframe>\n\
         <pre id=\"facts\"></pre>\n<script>{HARNESS_SCRIPT}</script>\n</body></html>\n"
    );
    let page = folder.join("harness.html");
    std::fs::write(&page, harness).unwrap();
    let (dom, log) = render(&page);
    let console = console_lines(&log).into_iter().map(str::to_owned).collect();
    let text = dom
        .rsplit("<pre id=\"facts\">")
        .next()
        .and_then(|rest| rest.split("</pre>").next())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| panic!("the harness ran: {dom:.2000}\n{log}"));
    let json = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    (
        serde_json::from_str(&json).expect("the facts are JSON"),
        console,
    )
}

/// `dapa scan ARGS --format html`, dated by [`SOURCE_DATE_EPOCH`].
fn report(args: &[&str]) -> String {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "html", "--fail-on", "none", "--quiet"]);
    let output = dapa(&all).env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    output.stdout
}

/// The collapsible list of one code's captures.
fn captures_of<'a>(facts: &'a Value, code: &str) -> &'a Value {
    let id = format!("captures-{code}");
    facts["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|details| details["id"] == id.as_str())
        .unwrap_or_else(|| panic!("no list of {code}: {facts}"))
}

/// The texts of a list's items.
fn item_texts(details: &Value) -> Vec<&str> {
    details["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["text"].as_str().unwrap())
        .collect()
}

#[test]
fn the_report_of_the_samples_renders_without_a_script() {
    let html = report(&["samples"]);
    // Self-contained: no script, style, image or font fetched from anywhere;
    // and no script at all, the one the tests need included.
    for reference in [
        "src=\"http",
        "href=\"http",
        "<link",
        "@import",
        "url(",
        "<script",
    ] {
        assert!(!html.contains(reference), "the page holds {reference}");
    }
    let bars = html.matches("<rect class=\"bar\"").count();
    assert!(bars > 10, "{bars} bars");

    let (facts, console) = facts_of(&html);
    assert_eq!(console, Vec::<String>::new());
    assert_eq!(facts["scripts"], 0);
    assert!(facts["chart"]["width"].as_f64().unwrap() > 300.0, "{facts}");
    assert!(
        facts["chart"]["height"].as_f64().unwrap() > 100.0,
        "{facts}"
    );
    assert_eq!(facts["bars"], bars, "every bar was laid out");
    assert!(facts["rows"].as_u64().unwrap() > 40, "{facts}");
    for table in ["statuses", "codes", "timeline-table", "drift"] {
        assert!(
            facts["tables"].as_array().unwrap().contains(&table.into()),
            "{table} missing: {facts}"
        );
    }
    assert!(
        html.contains("samples/logs/agent-desktop.har#3"),
        "examples per code"
    );
}

#[test]
fn the_header_names_the_version_the_date_and_the_config() {
    let (facts, _) = facts_of(&report(&["samples"]));
    assert_eq!(facts["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(facts["date"], "2025-11-20T09:13:20Z");
    assert_eq!(facts["datetime"], "2025-11-20T09:13:20Z");
    // The samples' scan runs from the crate root, whose dapa.toml applies.
    assert_eq!(facts["config"], "dapa.toml");
    // The inputs as given on the command line.
    assert_eq!(facts["inputs"], "samples");

    let folder = Folder::new();
    folder.write("a.json", b"{\"id\": 1}");
    // Run from the folder: no dapa.toml above it applies.
    let output = dapa(&["scan", ".", "--format", "html", "--quiet"])
        .current_dir(folder.path())
        .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let (facts, _) = facts_of(&output.stdout);
    assert_eq!(
        facts["config"],
        "none (profiles from the command line or built in)"
    );
}

#[test]
fn without_source_date_epoch_the_date_is_now() {
    let output = dapa(&["scan", "samples/ok", "--format", "html", "--quiet"])
        .env_remove("SOURCE_DATE_EPOCH")
        .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let date = output
        .stdout
        .split("datetime=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a date");
    let made: jiff::Timestamp = date.parse().expect("RFC 3339");
    assert!(date.ends_with('Z'), "UTC: {date}");
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - made.as_second()).abs() < 120, "{date}");
}

#[test]
fn each_code_lists_its_captures_in_a_collapsed_section() {
    let html = report(&["samples"]);
    let (facts, _) = facts_of(&html);
    let codes = facts["codes"].as_array().unwrap();
    assert_eq!(codes.len(), codes_table_rows(&html), "a list per code");
    for details in codes {
        assert_eq!(details["was_open"], false, "collapsed: {details}");
        assert_eq!(details["items_visible_closed"], false, "hidden: {details}");
        let height = |name: &str| details[name].as_f64().unwrap();
        assert!(
            height("closed_height") <= height("summary_height") + 1.0,
            "only the summary shows: {details}"
        );
        assert!(
            height("open_height") > height("closed_height") + 10.0,
            "{details}"
        );
        let items = details["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{details}");
        for item in items {
            assert_eq!(item["visible"], true, "shown when open: {details}");
            assert!(item["height"].as_f64().unwrap() > 0.0, "{details}");
        }
    }
    // T04 (an HTML page for a body): every capture with its own title.
    let html_bodies = captures_of(&facts, "T04");
    assert_eq!(html_bodies["summary"], "T04 html-body: 6 captures");
    let items = item_texts(html_bodies);
    assert_eq!(items.len(), 6);
    assert!(
        items[0].starts_with("samples/logs/agent-desktop.har#3"),
        "{items:?}"
    );
    assert!(items[0].contains("titled \"502 Bad Gateway\""), "{items:?}");
    assert!(
        items.iter().any(
            |item| item.starts_with("samples/transport/html-504-aws-elb.http.gz")
                && item.contains("\"504 Gateway Time-out\"")
        ),
        "{items:?}"
    );
    assert_eq!(html_bodies["more"], Value::Null);
}

#[test]
fn each_code_says_what_to_do() {
    let html = report(&["samples"]);
    let (facts, console) = facts_of(&html);
    assert_eq!(console, Vec::<String>::new());
    let sections = facts["advice"].as_array().unwrap();
    let codes = facts["codes"].as_array().unwrap();
    assert_eq!(
        sections.len(),
        codes_table_rows(&html),
        "a section per code"
    );
    for (section, listed) in sections.iter().zip(codes) {
        // In the order of the codes, as the lists of captures are.
        let code: dapa::Code = section["id"].as_str().unwrap()["advice-".len()..]
            .parse()
            .unwrap();
        assert_eq!(listed["id"], format!("captures-{code}"));
        let advice = dapa::advice::advice(code);
        assert_eq!(section["visible"], true, "{section}");
        assert!(section["height"].as_f64().unwrap() > 20.0, "{section}");
        assert_eq!(section["heading"], format!("{code} {}", code.name()));
        assert_eq!(section["summary"], advice.summary);
        assert_eq!(section["fix"], serde_json::json!(advice.fix));
        let href = section["href"].as_str().unwrap();
        assert!(
            href.ends_with(&format!("docs/codes.md#{}", dapa::advice::anchor(code))),
            "{href}"
        );
    }
}

/// Rows of the codes table.
fn codes_table_rows(html: &str) -> usize {
    let table = html
        .split("<table id=\"codes\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("a codes table");
    table.matches("<tr><td>").count()
}

#[test]
fn past_the_limit_a_code_lists_the_first_captures_and_counts_the_rest() {
    let folder = Folder::new();
    for index in 0..27 {
        folder.write(&format!("empty-{index:02}.json"), b"");
    }
    let html = report(&[folder.path_str(), "--jobs", "1"]);
    assert_eq!(html, report(&[folder.path_str(), "--jobs", "2"]));
    let (facts, _) = facts_of(&html);
    let empty = captures_of(&facts, "T01");
    assert_eq!(empty["summary"], "T01 empty-body: 27 captures");
    let items = item_texts(empty);
    let expected: Vec<String> = (0..20)
        .map(|index| format!("{}/empty-{index:02}.json", folder.path_str()))
        .collect();
    let sources: Vec<&str> = items
        .iter()
        .map(|item| item.split(".json").next().unwrap())
        .collect();
    let expected_sources: Vec<&str> = expected
        .iter()
        .map(|source| source.trim_end_matches(".json"))
        .collect();
    assert_eq!(sources, expected_sources, "the first 20 in scan order");
    assert_eq!(empty["more"], "and 7 more");
}

#[test]
fn drifted_paths_come_first() {
    let (facts, _) = facts_of(&report(&["samples"]));
    let drift: Vec<&str> = facts["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| cell.as_str().unwrap())
        .collect();
    let drifted = drift.iter().filter(|cell| **cell == "yes").count();
    assert!(drifted > 3 && drifted < drift.len(), "{drift:?}");
    assert!(
        drift[..drifted].iter().all(|cell| *cell == "yes"),
        "{drift:?}"
    );
}

#[test]
fn the_chart_has_time_labels_that_do_not_overlap() {
    let (facts, _) = facts_of(&report(&["samples"]));
    let labels = facts["labels"].as_array().unwrap();
    assert!(labels.len() > 2, "{labels:?}");
    let chart = &facts["chart"];
    let (left, right) = (
        chart["left"].as_f64().unwrap(),
        chart["right"].as_f64().unwrap(),
    );
    let mut previous_right = f64::MIN;
    let mut previous_text = String::new();
    for label in labels {
        let text = label["text"].as_str().unwrap();
        let (from, to) = (
            label["box"]["left"].as_f64().unwrap(),
            label["box"]["right"].as_f64().unwrap(),
        );
        assert!(from >= left && to <= right, "{text} outside the chart");
        assert!(from > previous_right, "{text} overlaps {previous_text}");
        assert!(text.as_bytes() > previous_text.as_bytes(), "in time order");
        (previous_right, previous_text) = (to, text.to_owned());
    }
    assert_eq!(labels[0]["text"], "2026-11-20 09:02:00");
}

/// A capture whose HTML title is a script that would run if it reached the
/// page (a title's text is not markup, so the page is valid).
const HOSTILE_TITLE: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html><head><title><script>parent.dapaInjected=true</script></title></head></html>";

#[test]
fn markup_from_captures_stays_inert_and_secrets_masked() {
    let folder = Folder::new();
    folder.write("title.http", HOSTILE_TITLE);
    folder.write("<img src=x onerror=window.dapaInjected=true>.json", b"");
    // Tokens the cognigy-token profile marks secret, in messages of two
    // captures of the same codes: each listed, each masked.
    folder.write(
        "token-a.json",
        br#"{"result":{"token":"first-secret-AAAA","expiresAt":1,"userId":"u","token":"second-secret-BBBB"},"errors":[]}"#,
    );
    folder.write(
        "token-b.json",
        br#"{"result":{"token":"Bearer-${accessToken}-EEEE","expiresAt":1,"userId":"u"},"errors":[]}"#,
    );
    let html = report(&[folder.path_str(), "--profile", "cognigy-token"]);
    assert!(!html.contains("<script"), "no live script from a capture");
    let (facts, console) = facts_of(&html);
    assert_eq!(console, Vec::<String>::new());
    assert_eq!(facts["scripts"], 0);
    assert_eq!(facts["handlers"], 0);
    assert_eq!(facts["injected"], false);
    let titled = item_texts(captures_of(&facts, "T04")).join("\n");
    assert!(
        titled.contains("<script>parent.dapaInjected=true</script>"),
        "shown as text: {titled}"
    );
    let named = item_texts(captures_of(&facts, "T01")).join("\n");
    assert!(
        named.contains("<img src=x onerror=window.dapaInjected=true>.json"),
        "{named}"
    );
    let listed: String = facts["codes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(item_texts)
        .collect();
    assert!(
        listed.contains("token-a.json") && listed.contains("token-b.json"),
        "{listed}"
    );
    for secret in ["secret-", "AAAA", "BBBB", "EEEE", "accessToken"] {
        assert!(!html.contains(secret), "{secret} shown");
    }
}

#[test]
fn an_injected_script_would_be_seen() {
    // The checks above must be able to fail: markup that runs is caught.
    let (facts, _) = facts_of(
        "<!DOCTYPE html><html><body><img src=x onerror=\"window.parent.dapaInjected=true\"><script>window.parent.dapaInjected=true</script><time id=\"report-date\"></time></body></html>",
    );
    assert_eq!(facts["scripts"], 1);
    assert_eq!(facts["handlers"], 1);
    assert_eq!(facts["injected"], true);
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

#[test]
fn the_report_lists_every_signature_by_count() {
    let folder = hostile_corpus();
    for corpus in ["samples", folder.path_str()] {
        let expected = by_count(&summary(&[corpus]));
        assert!(expected.len() > 1, "{expected:?}");

        let (facts, console) = facts_of(&report(&[corpus]));
        assert_eq!(console, Vec::<String>::new());
        assert_eq!(facts["scripts"], 0);
        let rows = facts["signatures"].as_array().unwrap();
        let shown: Vec<(String, String, u64, Vec<String>)> = rows
            .iter()
            .map(|row| {
                assert_eq!(row["visible"], true, "{row}");
                assert_eq!(row["elements"], 0, "markup from a capture: {row}");
                let cells = row["cells"].as_array().unwrap();
                assert_eq!(cells.len(), 8, "{row}");
                (
                    cells[0].as_str().unwrap().to_owned(),
                    cells[4].as_str().unwrap().to_owned(),
                    cells[2].as_str().unwrap().parse().unwrap(),
                    serde_json::from_value(row["examples"].clone()).unwrap(),
                )
            })
            .collect();
        assert_eq!(shown, expected, "{corpus}");
    }
}
