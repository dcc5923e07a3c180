//! What the functions build once per execution environment in AWS.
//!
//! - [`aws`]: the SDK configuration every client shares (one TLS stack, the
//!   roots AWS endpoints chain to, credentials and region from Lambda's
//!   environment);
//! - [`secrets_manager`]: the webhook and console secrets in Secrets Manager;
//! - [`wiring`]: the staff functions' store, use cases and router, and the
//!   secrets a function reads.

pub mod aws;
pub mod secrets_manager;
pub mod wiring;
