//! The argument → exit code → output cases written as data in `tests/cmd/`
//! (one `.toml` per case, a `.in` folder beside it where the case needs
//! files), run against the real binary from the crate root.

use crate::util::TIMEOUT;
use std::path::Path;

#[test]
fn cases_in_tests_cmd() {
    trycmd::TestCases::new()
        .default_bin_path(env!("CARGO_BIN_EXE_dapa"))
        .timeout(TIMEOUT)
        .case("tests/cmd/*.toml");
}

/// The examples of README.md and docs/*.md that show a command and its
/// output (`console` blocks), so the docs cannot drift from what dapa
/// prints. They run from the crate root, as the docs say, so the root's
/// `dapa.toml` picks the samples' profiles as it does for a reader.
#[test]
fn examples_in_the_docs() {
    let cases = trycmd::TestCases::new();
    cases
        // A Markdown block names its program (`$ dapa ...`), so no default
        // applies: the name is bound to this build, not to one on PATH.
        .register_bin("dapa", Path::new(env!("CARGO_BIN_EXE_dapa")))
        .timeout(TIMEOUT)
        .case("README.md")
        .case("docs/*.md")
        // Records of past runs and releases, not examples to check.
        .skip("docs/benchmark.md")
        .skip("docs/changelog.md");
    if cfg!(not(feature = "fetch")) {
        // Its examples are `dapa fetch`, absent from this build.
        cases.skip("docs/fetch.md");
    }
}
