//! Tests that need a process to themselves.
//!
//! A process has one metrics recorder (`metrics::set_global_recorder`), and
//! once a test installs one, every command any other test of the binary
//! commits is counted by it too. A test that reads what the recorder
//! counted runs its body in a fresh process of the test binary, alone
//! (`--exact`), and passes or fails as it does there:
//!
//! ```text
//! #[test]
//! fn use_cases_count_what_they_commit() {
//!     let name = "use_cases_count_what_they_commit";
//!     alone::in_a_process_of_its_own(module_path!(), name, || async {
//!         // installs the recorder, commits, reads the counts
//!     });
//! }
//! ```

use std::future::Future;
use std::process::Command;

/// Names, in the process started for it, the one test it runs.
const ALONE: &str = "INTEGRATION_TEST_ALONE";

/// Runs `body` alone in a process of this test binary. In the test's
/// process: starts the binary again with only this test and fails as it
/// fails (its output is this test's output). In that process: runs `body`
/// on a current-thread runtime, as `#[tokio::test]` does. `module` is the
/// test's `module_path!()` and `name` the test function's name.
pub fn in_a_process_of_its_own<F: Future<Output = ()>>(
    module: &str,
    name: &str,
    body: impl FnOnce() -> F,
) {
    // module_path!() starts with the crate's name; libtest's paths do not.
    let test = match module.split_once("::") {
        Some((_, path)) => format!("{path}::{name}"),
        None => name.to_owned(),
    };
    if std::env::var(ALONE).is_ok_and(|alone| alone == test) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        runtime.expect("a runtime for the test").block_on(body());
        return;
    }
    let binary = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(&binary)
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, &test)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {} again: {e}", binary.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{test}, alone in its process, failed: {}", out.status);
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{test} did not run in its process: is `{name}` the test function's name?"
    );
}
