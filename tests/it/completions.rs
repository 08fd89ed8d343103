//! `dapa completions` and `dapa man`: what they print works in the shell
//! and in man, and follows the arguments clap parses.

use crate::util::{Folder, TIMEOUT, dapa};

/// Run a program with a time limit; its exit code, standard output and
/// error, or `None` when it is not installed.
fn try_tool(program: &str, args: &[&str]) -> Option<(i32, String, String)> {
    let output = assert_cmd::Command::new(program)
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .ok()?;
    Some((
        output
            .status
            .code()
            .expect("exits by itself within the time limit"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// Run a program that must be installed.
fn run_tool(program: &str, args: &[&str]) -> (i32, String, String) {
    try_tool(program, args).unwrap_or_else(|| panic!("{program} is installed"))
}

/// What bash offers for the words typed so far, the last one being completed.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let typed = words.join(" ");
    let program = format!(
        "source '{script}'\n\
         COMP_WORDS=({typed}); COMP_CWORD={last}; COMP_LINE='{typed}'; COMP_POINT=${{#COMP_LINE}}\n\
         _dapa dapa '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script = script.display(),
        last = words.len() - 1,
        current = words[words.len() - 1],
        previous = words[words.len() - 2],
    );
    let (code, stdout, stderr) = run_tool("bash", &["--norc", "--noprofile", "-c", &program]);
    assert_eq!(code, 0, "{stderr}");
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn bash_completion_is_valid_bash_and_completes_commands_options_and_values() {
    let output = dapa(&["completions", "bash"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let folder = Folder::new();
    folder.write("dapa.bash", output.stdout.as_bytes());
    let script = folder.join("dapa.bash");
    let (code, _, stderr) = run_tool("bash", &["-n", script.to_str().unwrap()]);
    assert_eq!(code, 0, "bash -n: {stderr}");
    assert_eq!(bash_completes(&script, &["dapa", "sc"]), ["scan"]);
    assert_eq!(
        bash_completes(&script, &["dapa", "scan", "--fai"]),
        ["--fail-on"]
    );
    assert_eq!(
        bash_completes(&script, &["dapa", "scan", "--format", "j"]),
        ["json", "jsonl", "junit"]
    );
}

#[test]
fn every_shell_gets_a_script_that_names_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = dapa(&["completions", shell]).run();
        assert_eq!(output.code, 0, "{shell}: {}", output.stderr);
        for command in ["scan", "explain", "merge", "completions"] {
            assert!(output.stdout.contains(command), "{shell} lacks {command}");
        }
    }
}

#[test]
fn man_pages_are_roff_that_man_renders() {
    let folder = Folder::new();
    let output = dapa(&["man", "--dir", folder.path_str()]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let page = std::fs::read_to_string(folder.join("dapa-scan.1")).expect("dapa-scan.1 written");
    // The page `dapa man scan` prints is the one `--dir` writes.
    assert_eq!(dapa(&["man", "scan"]).run().stdout, page);
    assert!(page.contains(".TH dapa-scan 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS"] {
        assert!(page.contains(section), "no {section}: {page}");
    }
    let main = std::fs::read_to_string(folder.join("dapa.1")).expect("dapa.1 written");
    assert!(main.contains("dapa\\-scan(1)"), "{main}");
    // Rendered where groff is installed: no warning, the options read as
    // typed, and the footer names dapa's version.
    let scan_page = folder.join("dapa-scan.1");
    let rendered = try_tool(
        "groff",
        &[
            "-man",
            "-Tascii",
            "-P-cbou",
            "-ww",
            scan_page.to_str().unwrap(),
        ],
    );
    if let Some((code, text, warnings)) = rendered {
        assert_eq!((code, warnings.as_str()), (0, ""), "groff");
        assert!(text.contains("--output"), "{text}");
        let footer = format!("dapa {}", env!("CARGO_PKG_VERSION"));
        assert!(text.contains(&footer), "{text}");
    }
}
