//! `local/watch`'s set-up, against the stand-ins its shell points at: the
//! table (`TABLE_NAME`), the bus (`EVENT_BUS_NAME`) and the sender's SES
//! identity (the domain of `MAIL_FROM`) that `cargo lambda watch`'s
//! functions use, as `[workspace.metadata.lambda.env]` names them.

use std::error::Error;

fn setting(name: &str) -> Result<String, Box<dyn Error + Send + Sync>> {
    std::env::var(name).map_err(|_| format!("{name} is not set (run local/watch)").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let sdk = cloud::aws::sdk_config().await;
    let table = setting("TABLE_NAME")?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    store_dynamodb::create_table(&dynamodb, &table).await?;
    let bus = setting("EVENT_BUS_NAME")?;
    aws_sdk_eventbridge::Client::new(&sdk).create_event_bus().name(&bus).send().await?;
    let from = setting("MAIL_FROM")?;
    let domain = from.rsplit('@').next().unwrap_or_default().trim_end_matches('>');
    aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(domain).send().await?;
    println!("table {table}, bus {bus} and SES identity {domain} ready");
    Ok(())
}
