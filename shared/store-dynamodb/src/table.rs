//! The table as the IaC declares it (keys, indexes, stream), created for
//! tests and local tooling against DynamoDB Local.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use store::keys::*;

pub async fn create_table(
    client: &Client,
    table: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder().attribute_name(name).key_type(kind).build()
    };
    let stream = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()?;
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .stream_specification(stream);
    for index in INDEXES {
        let projection =
            if index.keys_only { ProjectionType::KeysOnly } else { ProjectionType::All };
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(index.name)
            .key_schema(key(index.pk, KeyType::Hash)?)
            .key_schema(key(index.sk, KeyType::Range)?)
            .projection(Projection::builder().projection_type(projection).build())
            .build()?;
        request = request
            .attribute_definitions(attr(index.pk)?)
            .attribute_definitions(attr(index.sk)?)
            .global_secondary_indexes(gsi);
    }
    request.send().await.map_err(aws_sdk_dynamodb::Error::from)?;
    Ok(())
}
