//! The argument → exit code → output cases written as data in `tests/cmd/`
//! (one `.toml` per case, a `.in` folder beside it where the case needs
//! files), run against the real binary from the crate root.

use crate::util::TIMEOUT;

#[test]
fn cases_in_tests_cmd() {
    trycmd::TestCases::new()
        .default_bin_path(env!("CARGO_BIN_EXE_dapa"))
        .timeout(TIMEOUT)
        .case("tests/cmd/*.toml");
}
