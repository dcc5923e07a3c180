//! The harness against the stand-ins, on a busy machine: a `CreateTable`
//! whose first attempt made the table but lost its answer (timed out on
//! busy cores) is retried by the SDK, meets its own table and takes it; a
//! table of that name found at the first attempt is somebody else's.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use integration_tests::{create_own_table, dynamodb_client, unique_name};
use std::sync::atomic::{AtomicBool, Ordering};

/// Turns the first answer into a `500`: the attempt landed, its answer is
/// lost, as when an attempt times out after DynamoDB Local applied it.
#[derive(Debug, Default)]
struct FirstAnswerLost(AtomicBool);

impl Intercept for FirstAnswerLost {
    fn name(&self) -> &'static str {
        "FirstAnswerLost"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !self.0.swap(true, Ordering::SeqCst) {
            *context.response_mut().status_mut() = 500.try_into()?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_create_table_retried_after_it_landed_takes_its_own_table_on_dynamodb_local() {
    let (client, _) = dynamodb_client().await;
    let lossy = client.config().to_builder().interceptor(FirstAnswerLost::default()).build();
    let table = unique_name("retried");
    create_own_table(&Client::from_conf(lossy), &table).await.expect("its own table, taken");
    let described = client.describe_table().table_name(&table).send().await.expect("the table");
    let status = described.table.and_then(|t| t.table_status);
    assert_eq!(status, Some(aws_sdk_dynamodb::types::TableStatus::Active));
}

#[tokio::test]
async fn a_table_found_at_the_first_attempt_is_refused_on_dynamodb_local() {
    let (client, _) = dynamodb_client().await;
    let table = unique_name("taken");
    create_own_table(&client, &table).await.expect("a new table");
    let again = create_own_table(&client, &table).await.expect_err("not this call's table");
    let in_use = again.downcast_ref::<aws_sdk_dynamodb::Error>();
    assert!(
        matches!(in_use, Some(aws_sdk_dynamodb::Error::ResourceInUseException(_))),
        "{again:?}"
    );
}
