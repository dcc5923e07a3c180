//! The previous baseline: the same function on `#[tokio::main]`'s default
//! multi-thread runtime (worker threads started at start-up).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    bench_hello::serve().await
}
