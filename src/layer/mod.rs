//! The layers of the analysis, each a pure function from bytes or values to
//! findings: transport, syntax, envelope, payload.

pub mod envelope;
pub mod payload;
pub mod syntax;
pub mod transport;
