//! Helpers of the records' formats.

/// Whether a counter is at its default, which records leave out.
pub fn is_zero<N: Default + PartialEq>(n: &N) -> bool {
    *n == N::default()
}
