//! The integration tests, one binary (one link instead of one per file):
//! the real `dapa` binary on samples, temporary folders and hostile files,
//! the command-line cases of `tests/cmd/`, snapshots and property tests.

/// Assert an insta snapshot kept in `tests/snapshots/` and named
/// `<file>__<name>.snap`, the names these snapshots had when each file was
/// its own test binary.
macro_rules! assert_file_snapshot {
    ($name:expr, $value:expr) => {{
        let file = module_path!().rsplit("::").next().expect("a module path");
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(format!("{file}__{}", $name), $value);
        });
    }};
}

mod advice_shown;
mod ci_reports;
mod cli;
mod cmd;
mod codes;
mod completions;
mod envelope_evidence;
#[cfg(feature = "fetch")]
mod fetch;
mod folder_definitions;
mod hostile;
mod hostile_definition;
mod hostile_har;
mod hostile_merge;
mod hostile_output;
mod hostile_replay;
mod hostile_schema;
mod hostile_secret;
mod hostile_stdin;
mod hostile_summary;
mod html;
mod jsonpath;
mod lint;
mod lookalikes;
mod output_schemas;
mod profiles;
mod real_velocity;
mod replay;
mod replay_differential;
mod reports;
mod robustness;
mod signatures;
mod snapshots;
mod sources;
#[cfg(feature = "fetch")]
mod standin;
mod terminal;
mod util;
mod velocity;
