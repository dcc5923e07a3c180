//! Delivery of the outbox to SES v2 and EventBridge (on moto), from records
//! read off the table's stream (on DynamoDB Local), through the `dispatch`
//! function's handler.

use app::clock::ManualClock;
use app::ports::Store;
use app::ports::{Clock, DeliveryError, EventPublisher, Mailer, OutgoingEvent, OutgoingMail};
use app::status_link;
use axum::http::StatusCode;
use chrono::Duration;
use config::Secret;
use delivery::mail::MailRenderer;
use delivery::{DispatchSettings, Dispatcher, StatusLinks};
use delivery_aws::eventbridge::EventBridgePublisher;
use delivery_aws::ses::SesMailer;
use domain::ProjectId;
use integration_tests::fixtures::{Bundle, MANAGER, PM, TECH, TECH1, project, t0};
use integration_tests::moto::{EventSink, MailSink, SentMail, outbox_stream_batch};
use integration_tests::{CONSOLE_SECRET, deal_request, dynamo_store, send};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const PUBLIC_URL: &str = "https://deploiements.example";

/// Status links signed with the console secret of the tests.
fn links() -> StatusLinks {
    StatusLinks::fixed(PUBLIC_URL, vec![Secret::new(CONSOLE_SECRET)])
}

/// The project named by the status link in a part of `mail` (HTML escapes
/// the link's slashes), if it has one signed with `secret`.
fn linked_project(part: &str, secret: &str) -> Option<ProjectId> {
    let part = part.replace("&#x2f;", "/");
    let prefix = format!("{PUBLIC_URL}{}/", status_link::PATH);
    let token: String = part[part.find(&prefix)? + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        .collect();
    status_link::verify(&[Secret::new(secret)], &token, t0())
}

/// Whether both parts of `mail` link to `project`'s status page.
fn links_to(mail: &SentMail, project: &ProjectId, secret: &str) -> bool {
    [&mail.text, &mail.html]
        .iter()
        .all(|part| linked_project(part, secret).as_ref() == Some(project))
}

/// A project of the sample deal walked to `delivery_confirmed` on DynamoDB
/// Local, with the cloud stand-ins of its delivery.
struct World {
    bundle: Bundle,
    dynamo: (aws_sdk_dynamodb::Client, String),
    batch: Value,
    mails: MailSink,
    events: EventSink,
    sdk: aws_config::SdkConfig,
}

integration_tests::on_bundle!(World);

impl World {
    async fn new() -> Self {
        let dynamo = dynamo_store().await;
        let (client, table) = (dynamo.client().clone(), dynamo.table().to_owned());
        let bundle = Bundle::with_sample_deal(Arc::new(dynamo)).await;
        let delivery = json!({ "installation_date": "2026-12-10" });
        for (key, body) in [
            ("order_confirmed", None),
            ("equipment_ordered", None),
            ("delivery_confirmed", Some(delivery)),
        ] {
            let reply = bundle.complete(&project("L1"), key, PM, body).await;
            assert_eq!(reply.status, StatusCode::OK, "{key}");
        }
        let batch = outbox_stream_batch(&client, &table).await;
        let sdk = integration_tests::moto::sdk_config().await;
        let (mails, events) = (MailSink::new(&sdk).await, EventSink::new(&sdk).await);
        Self { bundle, dynamo: (client, table), batch, mails, events, sdk }
    }

    /// Walks on to go-live; returns the stream's records since the walk.
    async fn go_live(&self) -> Value {
        for key in ["installation_done", "customer_acceptance"] {
            let reply = self.complete(&project("L1"), key, PM, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{key}");
        }
        self.clock.set(t0() + Duration::days(52));
        let body = json!({
            "go_live_date": (t0() + Duration::days(52)).date_naive(),
            "technical_summary": [{
                "line_id": "L1", "circuit_id": "FTTO-LYO-004211", "ip_addressing": "203.0.113.16/29"
            }]
        });
        let activate = format!("/v1/projects/{}/activate", project("L1"));
        let reply = self.call("POST", &activate, Some(PM), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let mut all = outbox_stream_batch(&self.dynamo.0, &self.dynamo.1).await;
        let seen: Vec<Value> = self.batch["Records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["dynamodb"]["SequenceNumber"].clone())
            .collect();
        all["Records"]
            .as_array_mut()
            .unwrap()
            .retain(|r| !seen.contains(&r["dynamodb"]["SequenceNumber"]));
        all
    }

    fn dispatcher(
        &self,
        mailer: Arc<dyn Mailer>,
        publisher: Arc<dyn EventPublisher>,
    ) -> Dispatcher {
        let settings = DispatchSettings::new(self.mails.from.clone());
        self.dispatcher_with(mailer, publisher, settings, links())
    }

    fn dispatcher_with(
        &self,
        mailer: Arc<dyn Mailer>,
        publisher: Arc<dyn EventPublisher>,
        settings: DispatchSettings,
        links: StatusLinks,
    ) -> Dispatcher {
        Dispatcher::new(
            self.store.clone(),
            mailer,
            publisher,
            self.clock.clone(),
            MailRenderer::new().unwrap(),
            settings,
            links,
        )
    }

    fn ses(&self) -> Arc<dyn Mailer> {
        Arc::new(SesMailer::from_config(&self.sdk, None))
    }

    fn eventbridge(&self) -> Arc<dyn EventPublisher> {
        Arc::new(EventBridgePublisher::from_config(&self.sdk, self.events.bus.clone()))
    }

    async fn handle(&self, dispatcher: &Dispatcher, event: &Value) -> Value {
        dispatch::handle(
            dispatcher,
            serde_json::from_value(event.clone()).expect("a dispatch event"),
        )
        .await
        .expect("handled")
    }

    /// The mails and events delivered: exactly the walk's, each once.
    async fn assert_each_delivered_once(&self) {
        let mails = self.mails.sent().await;
        assert_eq!(mails.len(), 2, "{mails:#?}");
        assert!(mails.iter().all(|m| m.to == "claire@boulangerie-martin.fr"));
        let order = mails
            .iter()
            .find(|m| m.text.contains("Votre commande a bien été reçue"))
            .expect("the order mail");
        let delivery = mails
            .iter()
            .find(|m| m.text.contains("L'installation est prévue le 10 décembre 2026."))
            .expect("the delivery mail");
        assert_ne!(order.message_id, delivery.message_id);
        assert!(order.message_id.ends_with("@deployments.bluerocktel.fr>"));
        assert!(!delivery.html.is_empty());

        let events = self.events.received().await;
        let mut by_type: HashMap<String, usize> = HashMap::new();
        for e in &events {
            let detail_type = e["detail-type"].as_str().unwrap();
            *by_type.entry(detail_type.to_owned()).or_default() += 1;
            assert_eq!(e["source"], "bluerocktel.deployments");
            integration_tests::contracts::assert_valid(detail_type, &e["detail"]);
        }
        assert_eq!(
            by_type,
            HashMap::from([
                ("DeploymentProjectCreated".into(), 2),
                ("MilestoneCompleted".into(), 3)
            ])
        );
        let mut ids: Vec<_> =
            events.iter().map(|e| e["detail"]["event_id"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), events.len(), "each event once");
        assert!(
            self.store.pending_outbox(100).await.unwrap().is_empty(),
            "every entry marked sent"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn walking_to_delivery_sends_the_two_mails_and_the_events_once() {
    let world = World::new().await;
    assert_eq!(
        world.batch["Records"].as_array().unwrap().len(),
        7,
        "2 created events, 3 completions, 2 mails"
    );
    let dispatcher = world.dispatcher(world.ses(), world.eventbridge());
    let response = world.handle(&dispatcher, &world.batch).await;
    assert_eq!(response["batchItemFailures"], json!([]));
    world.assert_each_delivered_once().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn going_live_delivers_the_three_events_and_the_go_live_mail_once() {
    let world = World::new().await;
    let dispatcher = world.dispatcher(world.ses(), world.eventbridge());
    world.handle(&dispatcher, &world.batch).await;
    world.assert_each_delivered_once().await;

    let batch = world.go_live().await;
    // Two more completions; then go_live's, billing, account, helpdesk, the
    // mail, and the end of the jeopardy clock (health `none` once live).
    assert_eq!(batch["Records"].as_array().unwrap().len(), 8);
    world.handle(&dispatcher, &batch).await;
    world.handle(&dispatcher, &batch).await;
    let events = world.events.received().await;
    let of = |dt: &str| {
        events
            .iter()
            .filter(|e| e["detail-type"] == dt)
            .map(|e| e["detail"].clone())
            .collect::<Vec<_>>()
    };
    for dt in
        ["SubscriptionActivationRequested", "CustomerAccountActivated", "HelpdeskAccountConfigured"]
    {
        assert_eq!(of(dt).len(), 1, "{dt} once");
        integration_tests::contracts::assert_valid(dt, &of(dt)[0]);
    }
    let billing = &of("SubscriptionActivationRequested")[0];
    assert_eq!(billing["effective_date"], (t0() + Duration::days(52)).date_naive().to_string());
    assert_eq!(billing["subscription_ids"], json!(["SUB-9001"]));
    assert_eq!(
        of("HelpdeskAccountConfigured")[0]["services"][0]["technical_summary"]["circuit_id"],
        "FTTO-LYO-004211"
    );
    let completed: Vec<_> = of("MilestoneCompleted")
        .iter()
        .map(|d| d["milestone_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(completed.len(), 3);
    assert!(completed.contains(&"go_live".to_owned()), "go_live's own completion is announced");
    let live: Vec<_> = world
        .mails
        .sent()
        .await
        .into_iter()
        .filter(|m| m.text.contains("Votre service est maintenant actif"))
        .collect();
    assert_eq!(live.len(), 1, "the go-live mail once");
    assert_eq!(live[0].to, "claire@boulangerie-martin.fr");
    assert!(live[0].text.contains("Identifiant de circuit : FTTO-LYO-004211"));
    assert!(links_to(&live[0], &project("L1"), CONSOLE_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customer_mails_link_to_their_status_page_and_internal_mails_do_not() {
    let world = World::new().await;
    // An internal mail too: a blocked task of L1, overdue, escalated to its owner.
    let task = json!({ "title": "Survey the site", "assignee": TECH, "due_date": "2026-11-21" });
    let task = world.add_task(&project("L1"), "installation_done", task).await;
    let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
    let path = format!("/v1/projects/{}/tasks/{task}", project("L1"));
    assert_eq!(world.call("PATCH", &path, Some(TECH1), Some(block)).await.status, StatusCode::OK);
    world.clock.set("2026-11-22T00:15:00Z".parse().unwrap());
    let escalator = integration_tests::escalator(
        world.store.clone(),
        world.clock.clone(),
        "escalade@bluerocktel.fr",
    );
    assert_eq!(escalator.sweep().await.unwrap().escalated.len(), 1);

    let dispatcher = world.dispatcher(world.ses(), world.eventbridge());
    let report = dispatcher.sweep(Duration::zero(), 100).await.unwrap();
    assert!(report.retry.is_empty() && report.dead.is_empty(), "{report:?}");
    let (customer, internal): (Vec<SentMail>, Vec<SentMail>) =
        world.mails.sent().await.into_iter().partition(|m| m.to == "claire@boulangerie-martin.fr");
    assert_eq!((customer.len(), internal.len()), (2, 1));
    for mail in &customer {
        assert!(links_to(mail, &project("L1"), CONSOLE_SECRET), "{}\n{}", mail.text, mail.html);
        assert!(mail.text.contains("Suivez l'avancement de votre installation : https://"));
    }
    assert!(!links_to(&customer[0], &project("L2"), CONSOLE_SECRET), "one project's link");
    let escalation = &internal[0];
    assert_eq!(escalation.to, MANAGER, "level 1 goes to the owner");
    for part in [&escalation.text, &escalation.html] {
        assert!(!part.replace("&#x2f;", "/").contains(status_link::PATH), "{part}");
    }
}

/// A deployed dispatcher reads the console secret from Secrets Manager
/// (moto): while it cannot, customer mails wait for a retry instead of
/// going out without their link; events are not held up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customer_mails_wait_for_the_console_secret_rather_than_go_without_their_link() {
    use cloud::secrets_manager::SecretsManagerSecrets;
    let world = World::new().await;
    let name = integration_tests::unique_name("console-secret");
    let links = StatusLinks::new(
        PUBLIC_URL,
        Arc::new(SecretsManagerSecrets::from_config(&world.sdk, &name)),
    );
    let settings = DispatchSettings::new(world.mails.from.clone()).with_attempts(1);
    let dispatcher = world.dispatcher_with(world.ses(), world.eventbridge(), settings, links);
    let response = world.handle(&dispatcher, &world.batch).await;
    assert_eq!(response["batchItemFailures"].as_array().unwrap().len(), 2, "the two mails");
    assert!(world.mails.sent().await.is_empty(), "no mail without its link");
    assert_eq!(world.store.pending_outbox(100).await.unwrap().len(), 2, "given back");

    aws_sdk_secretsmanager::Client::new(&world.sdk)
        .create_secret()
        .name(&name)
        .secret_string(r#"{"current": "console-current", "previous": ""}"#)
        .send()
        .await
        .unwrap();
    let response = world.handle(&dispatcher, &world.batch).await;
    assert_eq!(response["batchItemFailures"], json!([]));
    world.assert_each_delivered_once().await;
    for mail in world.mails.sent().await {
        assert!(links_to(&mail, &project("L1"), "console-current"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_batch_delivered_twice_sends_nothing_the_second_time() {
    let world = World::new().await;
    let dispatcher = world.dispatcher(world.ses(), world.eventbridge());
    world.handle(&dispatcher, &world.batch).await;
    let again = world.handle(&dispatcher, &world.batch).await;
    assert_eq!(again["batchItemFailures"], json!([]));
    // Two dispatchers taking the same batch at once: claims keep it single.
    let other = world.dispatcher(world.ses(), world.eventbridge());
    let (a, b) =
        tokio::join!(world.handle(&dispatcher, &world.batch), world.handle(&other, &world.batch));
    assert_eq!(
        (a["batchItemFailures"].clone(), b["batchItemFailures"].clone()),
        (json!([]), json!([]))
    );
    world.assert_each_delivered_once().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_a_third_of_calls_failing_retries_and_the_sweep_deliver_everything_once() {
    let world = World::new().await;
    let mailer = Arc::new(Flaky::new(world.ses(), 7));
    let publisher = Arc::new(Flaky::new(world.eventbridge(), 11));
    // One attempt per invocation, so that every injected failure has to be
    // recovered by the stream's retry or the sweep, not inside one call.
    let settings = DispatchSettings::new(world.mails.from.clone()).with_attempts(1);
    let dispatcher = world.dispatcher_with(
        mailer.clone() as Arc<dyn Mailer>,
        publisher.clone() as Arc<dyn EventPublisher>,
        settings,
        links(),
    );

    // The stream hands the batch over once; the records reported failed are
    // then lost (retries exhausted, say) ...
    let response = world.handle(&dispatcher, &world.batch).await;
    let reported = response["batchItemFailures"].as_array().unwrap().len();
    // ... and the scheduled sweep delivers whatever is left.
    for round in 1..=10 {
        if world.store.pending_outbox(100).await.unwrap().is_empty() {
            break;
        }
        world.clock.set(t0() + Duration::minutes(5 * round));
        world.handle(&dispatcher, &json!({ "sweep": "outbox" })).await;
    }
    world.assert_each_delivered_once().await;
    let (mail_failures, event_failures) = (mailer.injected(), publisher.injected());
    eprintln!(
        "injected failures: {mail_failures} mail calls, {event_failures} event calls or \
         entries; {reported} records reported for retry"
    );
    assert!(
        mail_failures > 0 && event_failures > 0 && reported > 0,
        "the test must actually fail some deliveries"
    );
}

/// Fails about a third of the calls it forwards (and, for events, a third of
/// the entries of the calls it lets through), deterministically.
struct Flaky<T: ?Sized> {
    inner: Arc<T>,
    state: Mutex<(u64, usize)>,
}

impl<T: ?Sized> Flaky<T> {
    fn new(inner: Arc<T>, seed: u64) -> Self {
        Self { inner, state: Mutex::new((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, 0)) }
    }

    /// True about 30 % of the time (xorshift64).
    fn fails(&self) -> bool {
        let mut state = self.state.lock().unwrap();
        let s = &mut state.0;
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        let fail = *s % 10 < 3;
        state.1 += usize::from(fail);
        fail
    }

    fn injected(&self) -> usize {
        self.state.lock().unwrap().1
    }
}

#[async_trait::async_trait]
impl Mailer for Flaky<dyn Mailer> {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), DeliveryError> {
        if self.fails() {
            return Err(DeliveryError::Throttled("injected: Maximum sending rate exceeded".into()));
        }
        self.inner.send(mail).await
    }
}

#[async_trait::async_trait]
impl EventPublisher for Flaky<dyn EventPublisher> {
    async fn publish(
        &self,
        events: &[OutgoingEvent],
    ) -> Result<Vec<Result<(), DeliveryError>>, DeliveryError> {
        if self.fails() {
            return Err(DeliveryError::Transient("injected: connection reset".into()));
        }
        // A partial failure: some entries refused with FailedEntryCount > 0.
        let refused: Vec<bool> = events.iter().map(|_| self.fails()).collect();
        let through: Vec<OutgoingEvent> =
            events.iter().zip(&refused).filter(|(_, r)| !**r).map(|(e, _)| e.clone()).collect();
        let mut results = self.inner.publish(&through).await?.into_iter();
        Ok(refused
            .iter()
            .map(|r| {
                if *r {
                    Err(DeliveryError::Transient("injected: InternalException".into()))
                } else {
                    results.next().unwrap_or(Ok(()))
                }
            })
            .collect())
    }
}

/// The deployed `deal-won` reads its webhook secrets from Secrets Manager
/// (moto here) and picks up a rotation without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rotated_webhook_secret_is_picked_up_by_a_warm_function() {
    use app::ports::WebhookSecrets;
    use cloud::secrets_manager::SecretsManagerSecrets;
    let sdk = integration_tests::moto::sdk_config().await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let name = integration_tests::unique_name("crm-webhook");
    client
        .create_secret()
        .name(&name)
        .secret_string(r#"{"current": "first-secret", "previous": ""}"#)
        .send()
        .await
        .unwrap();
    let secrets = Arc::new(
        SecretsManagerSecrets::from_config(&sdk, &name).with_min_refresh(std::time::Duration::ZERO),
    );
    let store: Arc<dyn Store> = Arc::new(integration_tests::sqlite_store());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let state = api::crm::CrmState::new(store, secrets.clone(), clock);
    let app = api::app([api::crm::router(state)]);
    let deal = |id: &str| integration_tests::edited_deal(|d| d["deal_id"] = id.into());

    assert_eq!(
        send(&app, deal_request(deal("D-SM-1"), "first-secret", t0().timestamp())).await.status,
        StatusCode::CREATED
    );
    // The CRM rotates: new current, old previous.
    client
        .put_secret_value()
        .secret_id(&name)
        .secret_string(r#"{"current": "second-secret", "previous": "first-secret"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        send(&app, deal_request(deal("D-SM-2"), "second-secret", t0().timestamp())).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&app, deal_request(deal("D-SM-3"), "first-secret", t0().timestamp())).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&app, deal_request(deal("D-SM-4"), "never-a-secret", t0().timestamp())).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(secrets.current().await.unwrap().len(), 2);
}
