//! The layers of the analysis, each a pure function from bytes or values to
//! findings: transport, syntax, envelope, payload, schema, drift, semantic.

pub mod drift;
pub mod envelope;
pub mod payload;
pub mod schema;
pub mod semantic;
pub mod syntax;
pub mod transport;
