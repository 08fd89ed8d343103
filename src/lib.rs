//! dapa, the Data Action Payload Analyzer: a layered analysis of captured
//! Genesys Cloud Data Action responses (transport, syntax, envelope, payload).
//!
//! The library computes and never prints; the `dapa` binary renders.

pub mod advice;
pub mod analyze;
pub mod baseline;
pub mod capture;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod finding;
pub mod gate;
pub mod infer;
pub mod input;
pub mod json;
pub mod jsonpath;
pub mod layer;
pub mod lint;
pub mod merge;
pub mod profile;
pub mod record;
pub mod replay;
pub mod scan;
pub mod secret;
pub mod shard;
pub mod signature;
pub mod spans;
pub mod summary;
pub mod timeline;
pub mod velocity;
pub mod verdict;

pub use analyze::{Analysis, AnalyzeOptions, analyze};
pub use capture::Capture;
pub use finding::{Code, Finding, Layer, Location, Severity};
pub use record::{CaptureRecord, FindingRecord};
pub use summary::{Subject, Summary};
pub use verdict::Status;
