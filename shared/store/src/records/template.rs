//! Milestone templates, one item per version: the shared format, which the
//! API also shows ([`wire::Template`]; versions saved before forecasting
//! read with the default thresholds).

pub use wire::Template;
