//! Every integration test of the bundle, in one binary: the AWS SDKs,
//! SQLite, axum and the WebDriver client are linked once, not once per
//! file. A module per area, named for what it holds.
//!
//! **A test that needs a stand-in names it in its path**: `dynamodb_local`
//! (DynamoDB Local: `suite_per_store!`'s module, or a `…_on_dynamodb_local`
//! name), `moto` (SES v2, EventBridge and Secrets Manager on moto) or
//! `browser` (Chromium). `tests/run --quick` skips those three names and
//! starts no stand-in: a test there that reaches for one fails, saying what
//! to name it. Every other test runs on the embedded store or in this
//! process alone, in both tiers.
//!
//! What separate binaries used to keep apart, and how they share one now:
//! - the browser (`support/browser.rs`): one for the binary, tests take
//!   turns (each turn starts blank, without cookies);
//! - the metrics recorder, one per process: the tests that read what it
//!   counts run in a process of their own (`support/alone.rs`);
//! - tables, databases, directories and ports: each test makes its own
//!   (`unique_name`, port 0); no test sets an environment variable or
//!   changes the current directory.

mod activation;
mod api_snapshots;
mod at_scale;
mod bola;
mod browser_selfcheck;
mod calls;
mod console;
mod console_browser;
mod contract;
mod deal_changes;
mod deal_races;
mod deal_won;
mod dev_loop;
mod dispatch_on_moto;
mod escalation;
mod event_contracts;
mod events;
mod forecast;
mod infra;
mod mail_feedback;
mod oidc;
mod samples;
mod staff;
mod stand_ins;
mod stored_items;
mod telemetry;
mod templates;
