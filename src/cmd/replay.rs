//! `dapa replay`: the scan of raw replies whose records are the outputs of
//! the definition's response configuration.

use super::scan::run_with;
use crate::exit_status::ExitStatus;
use crate::settings::ReplaySettings;
use dapa::capture::Capture;
use dapa::profile::definition::FolderDefinitions;
use miette::Result;

pub fn run(settings: ReplaySettings) -> Result<ExitStatus> {
    let ReplaySettings { scan, replay, old } = settings;
    let analyse = |capture: Capture, _: Option<&FolderDefinitions>| match &old {
        Some(old) => replay.analyse_compared(old, capture),
        None => replay.analyse(capture).0,
    };
    run_with(scan, &analyse)
}
