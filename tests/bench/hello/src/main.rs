//! The benchmark's baseline: the smallest useful Rust Lambda, echoing its
//! event, on the runtime every function uses (a current-thread tokio: one
//! event at a time per execution environment, no worker threads to start).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    bench_hello::serve().await
}
