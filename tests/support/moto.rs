//! The cloud side of delivery, on local stand-ins: SES v2 and EventBridge
//! on moto (mail read back from `/moto-api/data.json`, events through a
//! rule into an SQS queue), and the table's stream on DynamoDB Local.

use aws_sdk_dynamodb::Client as DynamoClient;
use serde_json::{Value, json};

fn moto_endpoint() -> String {
    crate::needs("moto", "moto");
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!(
            "moto is not running: AWS_ENDPOINT_URL is not set. \
             Run the tests with `tests/run`, which installs and starts it."
        )
    })
}

/// The tests' SDK configuration ([`crate::sdk_config`]), for moto: fails
/// at once, saying so, when moto is not running.
pub async fn sdk_config() -> aws_config::SdkConfig {
    moto_endpoint();
    crate::sdk_config().await
}

/// A verified sender domain of its own, so that tests sharing one moto
/// server tell their mails apart.
pub struct MailSink {
    pub from: String,
}

impl MailSink {
    pub async fn new(sdk: &aws_config::SdkConfig) -> Self {
        let domain = format!("{}.bluerocktel.test", crate::unique_name("mail"));
        aws_sdk_sesv2::Client::new(sdk)
            .create_email_identity()
            .email_identity(&domain)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!("cannot create an SES identity on moto at {}: {e:?}", moto_endpoint())
            });
        Self { from: format!("BlueRockTEL Deploiements <deploiements@{domain}>") }
    }

    /// Mails SES accepted from this sink's sender, parsed.
    pub async fn sent(&self) -> Vec<SentMail> {
        let address =
            self.from.split('<').nth(1).unwrap_or_default().trim_end_matches('>').to_owned();
        let data: Value = reqwest::get(format!("{}/moto-api/data.json", moto_endpoint()))
            .await
            .expect("moto answers")
            .json()
            .await
            .expect("moto's data is JSON");
        data["ses"]["RawMessage"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["raw_data"].as_str())
            .filter(|raw| raw.contains(&address))
            .map(SentMail::parse)
            .collect()
    }
}

#[derive(Debug)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

impl SentMail {
    pub fn parse(raw: &str) -> Self {
        let parsed = mailparse::parse_mail(raw.as_bytes()).expect("a MIME message");
        let header = |name: &str| {
            parsed
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case(name))
                .map(|h| h.get_value())
                .unwrap_or_default()
        };
        let part = |mime: &str| {
            parsed
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == mime)
                .map(|p| p.get_body().unwrap_or_default())
                .unwrap_or_default()
        };
        Self {
            to: header("To"),
            subject: header("Subject"),
            message_id: header("Message-ID"),
            text: part("text/plain"),
            html: part("text/html"),
        }
    }
}

/// An event bus of its own whose events land in an SQS queue.
pub struct EventSink {
    pub bus: String,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl EventSink {
    pub async fn new(sdk: &aws_config::SdkConfig) -> Self {
        let name = crate::unique_name("deployments");
        let events = aws_sdk_eventbridge::Client::new(sdk);
        let sqs = aws_sdk_sqs::Client::new(sdk);
        events.create_event_bus().name(&name).send().await.unwrap_or_else(|_| fail("event bus"));
        let (queue_url, queue_arn) = queue(&sqs, &name).await;
        let pattern = json!({ "source": [domain::events::SOURCE] }).to_string();
        let rule = events.put_rule().name(&name).event_bus_name(&name).event_pattern(pattern);
        rule.send().await.unwrap_or_else(|_| fail("rule"));
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id("queue")
            .arn(queue_arn)
            .build()
            .expect("a target");
        let targets = events.put_targets().rule(&name).event_bus_name(&name).targets(target);
        targets.send().await.unwrap_or_else(|_| fail("target"));
        Self { bus: name, sqs, queue_url }
    }

    /// Every event received since the last call.
    pub async fn received(&self) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("receive");
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return events;
            }
            for m in messages {
                events.push(
                    serde_json::from_str(m.body().unwrap_or_default())
                        .expect("an EventBridge event"),
                );
                if let Some(handle) = m.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(&self.queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .expect("delete");
                }
            }
        }
    }
}

fn fail<T>(what: &str) -> T {
    panic!("cannot create the {what} on moto at {}", moto_endpoint())
}

/// A queue named `name`: its URL and ARN.
async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let created =
        sqs.create_queue().queue_name(name).send().await.unwrap_or_else(|_| fail("queue"));
    let queue_url = created.queue_url.unwrap_or_default();
    let arn = aws_sdk_sqs::types::QueueAttributeName::QueueArn;
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(arn.clone())
        .send()
        .await
        .unwrap_or_else(|_| fail("queue"));
    let queue_arn = attributes.attributes().and_then(|a| a.get(&arn)).cloned().unwrap_or_default();
    (queue_url, queue_arn)
}

fn attribute_json(value: &aws_sdk_dynamodbstreams::types::AttributeValue) -> Value {
    use aws_sdk_dynamodbstreams::types::AttributeValue as A;
    match value {
        A::S(s) => json!({ "S": s }),
        A::N(n) => json!({ "N": n }),
        A::Bool(b) => json!({ "BOOL": b }),
        A::Null(_) => json!({ "NULL": true }),
        A::M(m) => {
            let map: serde_json::Map<_, _> =
                m.iter().map(|(k, v)| (k.clone(), attribute_json(v))).collect();
            json!({ "M": map })
        }
        A::L(l) => json!({ "L": l.iter().map(attribute_json).collect::<Vec<_>>() }),
        _ => json!({ "NULL": true }),
    }
}

fn image(
    item: Option<
        &std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >,
) -> Value {
    item.map(|i| {
        i.iter()
            .map(|(k, v)| (k.clone(), attribute_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    })
    .unwrap_or(json!({}))
}

/// The table's stream so far, as the `dispatch` function receives it:
/// outbox inserts only (the event source mapping's filter), Lambda's shape.
pub async fn outbox_stream_batch(dynamo: &DynamoClient, table: &str) -> Value {
    let sdk = crate::sdk_config().await;
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let described = dynamo.describe_table().table_name(table).send().await.expect("the table");
    let arn = described.table.and_then(|t| t.latest_stream_arn).expect("a stream");
    let stream = streams.describe_stream().stream_arn(&arn).send().await.expect("the stream");
    let shards = stream.stream_description.and_then(|d| d.shards).unwrap_or_default();
    let mut records = Vec::new();
    for shard in shards {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id().unwrap_or_default())
            .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("an iterator")
            .shard_iterator;
        while let Some(it) = iterator {
            let out = streams.get_records().shard_iterator(it).send().await.expect("records");
            let page = out.records.unwrap_or_default();
            if page.is_empty() {
                break;
            }
            records.extend(page.iter().filter_map(|r| outbox_insert(r, &arn)));
            iterator = out.next_shard_iterator;
        }
    }
    json!({ "Records": records })
}

/// A stream record as Lambda hands it over, if it is an outbox insert.
fn outbox_insert(r: &aws_sdk_dynamodbstreams::types::Record, arn: &str) -> Option<Value> {
    let change = r.dynamodb()?;
    let new = change.new_image();
    let entity = new.and_then(|i| i.get(store::keys::ENTITY)).and_then(|e| e.as_s().ok());
    let name = r.event_name().map(|n| n.as_str().to_owned()).unwrap_or_default();
    if entity.map(String::as_str) != Some(store::keys::ENTITY_OUTBOX) || name != "INSERT" {
        return None;
    }
    Some(json!({
        "eventID": r.event_id(),
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-3",
        "dynamodb": {
            "Keys": image(change.keys()),
            "NewImage": image(new),
            "SequenceNumber": change.sequence_number(),
            "SizeBytes": change.size_bytes(),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": arn,
    }))
}
