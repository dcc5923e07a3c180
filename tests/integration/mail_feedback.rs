//! SES reports a bounce (or a complaint) for a project's technical contact:
//! the `mail-feedback` handler marks the contact undeliverable, the project
//! read shows it, the owner gets mail, `MailBounces` is emitted; a deal
//! change with another address clears it. On DynamoDB Local and SQLite.

use app::Commands;
use app::ports::Store;
use app::ports::{Clock, OutgoingMail};
use axum::body::Body;
use axum::http::Request;
use config::Secret;
use delivery::mail::MailRenderer;
use delivery::memory::{MemoryMailer, MemoryPublisher};
use delivery::{DispatchSettings, Dispatcher, StatusLinks};
use integration_tests::alone::in_a_process_of_its_own;
use integration_tests::fixtures::{Bundle, MANAGER, PM, console_session, project};
use integration_tests::{CONSOLE_SECRET, dynamo_store, sample_deal, send, sqlite_store};
use mail_feedback::{Handled, SesEvent};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

const CONTACT: &str = "claire@boulangerie-martin.fr";

/// The EMF recorder a Lambda installs, here collecting into the test's buffer.
fn collector() -> &'static metrics_cloudwatch_embedded::Collector {
    static COLLECTOR: OnceLock<&'static metrics_cloudwatch_embedded::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(|| {
        metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(app::metrics::NAMESPACE)
            .init()
            .expect("the only recorder of this process")
    })
}

/// The `MailBounces` counts flushed since the last call, by feedback.
fn bounces_flushed() -> Vec<(String, f64)> {
    let mut out = Vec::new();
    collector().flush(&mut out).expect("flushes");
    let mut counts = Vec::new();
    for line in String::from_utf8(out).expect("utf-8").lines() {
        let doc: Value = serde_json::from_str(line).expect("each EMF line is JSON");
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], app::metrics::NAMESPACE);
        let named = directive["Metrics"].as_array().expect("metrics");
        if named.iter().any(|m| m["Name"] == app::metrics::MAIL_BOUNCES) {
            let value = doc[app::metrics::MAIL_BOUNCES].as_f64().expect("a value");
            let feedback = doc[app::metrics::FEEDBACK].as_str().expect("the dimension");
            counts.push((feedback.to_owned(), value));
        }
    }
    counts
}

/// A sample of `events/ses/`, about `project`'s mail to `to`.
fn report(sample: &str, project: &str, to: &str) -> SesEvent {
    let path = format!("{}/../events/ses/{sample}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the sample exists");
    let mut event: Value = serde_json::from_str(&text).expect("the sample is JSON");
    event["detail"]["mail"]["tags"]["project_id"] = json!([project]);
    for (kind, list) in [("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients")] {
        let recipient = event["detail"].get_mut(kind).and_then(|k| k.get_mut(list)?.get_mut(0));
        if let Some(r) = recipient {
            r["emailAddress"] = json!(to);
        }
    }
    serde_json::from_value(event).expect("the sample reads as an SES event")
}

/// Delivers every pending outbox entry; the mails sent.
async fn deliver(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Vec<OutgoingMail> {
    let mailer = Arc::new(MemoryMailer::default());
    let dispatcher = Dispatcher::new(
        store,
        mailer.clone(),
        Arc::new(MemoryPublisher::default()),
        clock,
        MailRenderer::new().expect("templates compile"),
        DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>"),
        StatusLinks::fixed("https://deploiements.example", vec![Secret::new(CONSOLE_SECRET)]),
    );
    dispatcher.sweep(chrono::Duration::zero(), 1000).await.expect("a sweep");
    mailer.sent()
}

fn subject_of(mail: &OutgoingMail) -> String {
    let parsed = mailparse::parse_mail(&mail.raw).expect("a MIME message");
    parsed.headers.iter().find(|h| h.get_key() == "Subject").map(|h| h.get_value()).unwrap()
}

async fn project_read(bundle: &Bundle, id: &str) -> Value {
    let reply = bundle.call("GET", &format!("/v1/projects/{id}"), Some(PM), None).await;
    assert_eq!(reply.status, 200);
    reply.json()
}

/// The console's page of project `id`, as its manager sees it.
async fn console_page(bundle: &Bundle, id: &str) -> String {
    let (cookie, _) = console_session(MANAGER, &["manager"], false);
    let request = Request::get(format!("/console/projects/{id}")).header("cookie", cookie);
    let reply = send(&bundle.app, request.body(Body::empty()).expect("a request")).await;
    assert_eq!(reply.status, 200);
    String::from_utf8(reply.body).expect("an HTML page")
}

async fn bounce_marks_the_contact_and_tells_the_owner(store: Arc<dyn Store>) {
    let bundle = Bundle::with_sample_deal(store.clone()).await;
    let clock: Arc<dyn Clock> = bundle.clock.clone();
    let l1 = project("L1");
    bundle.complete(&l1, "order_confirmed", PM, None).await;
    let sent = deliver(store.clone(), clock.clone()).await;
    let customer = sent.iter().find(|m| m.to == CONTACT).expect("a mail to the contact");
    assert_eq!(customer.project_id, l1, "the mail names its project (its SES tag)");
    let commands = Commands::new(store.clone(), store.clone(), clock.clone());

    let handled = mail_feedback::handle(&commands, report("bounce.json", l1.as_str(), CONTACT));
    assert_eq!(handled.await.expect("recorded"), Handled::Marked(l1.clone()));
    assert_eq!(bounces_flushed(), [("bounce".to_owned(), 1.0)]);
    let page = console_page(&bundle, l1.as_str()).await;
    assert!(page.contains("Courriels refusés depuis le 2026-11-20"), "{page}");
    let read = project_read(&bundle, l1.as_str()).await;
    let flag = &read["technical_contact"]["undeliverable"];
    assert_eq!(flag["email"], CONTACT, "{read}");
    assert_eq!(flag["feedback"], "bounce");
    assert!(flag["detail"].as_str().unwrap().contains("5.1.1"));
    let mails = deliver(store.clone(), clock.clone()).await;
    let [owner] = mails.as_slice() else { panic!("one mail to the owner: {mails:?}") };
    assert_eq!(owner.to, MANAGER);
    assert!(subject_of(owner).starts_with("[Contact injoignable]"), "{}", subject_of(owner));

    // The same report again, then a complaint: the contact is marked
    // already, so nothing more to say (each report still counted).
    for (sample, kind) in [("bounce.json", "bounce"), ("complaint.json", "complaint")] {
        let again = mail_feedback::handle(&commands, report(sample, l1.as_str(), CONTACT));
        assert_eq!(again.await.expect("recorded"), Handled::Unchanged(l1.clone()), "{sample}");
        assert!(deliver(store.clone(), clock.clone()).await.is_empty(), "{sample}");
        assert_eq!(bounces_flushed(), [(kind.to_owned(), 1.0)]);
    }

    // Sales corrects the contact: the new address carries no flag.
    let mut deal: Value = serde_json::from_slice(&sample_deal()).expect("the sample parses");
    deal["revision"] = json!(1);
    deal["technical_contact"]["email"] = json!("it@boulangerie-martin.fr");
    assert_eq!(bundle.crm("/v1/crm/deals/changed", &deal).await.status, 200);
    let read = project_read(&bundle, l1.as_str()).await;
    assert!(read["technical_contact"].get("undeliverable").is_none(), "{read}");
}

async fn transient_or_foreign_reports_change_nothing(store: Arc<dyn Store>) {
    let bundle = Bundle::with_sample_deal(store.clone()).await;
    let clock: Arc<dyn Clock> = bundle.clock.clone();
    let commands = Commands::new(store.clone(), store.clone(), clock.clone());
    let l1 = project("L1");
    let mut transient = report("bounce.json", l1.as_str(), CONTACT);
    if let Some(b) = transient.detail.bounce.as_mut() {
        b.bounce_type = "Transient".into();
    }
    let handled = mail_feedback::handle(&commands, transient).await.expect("handled");
    assert_eq!(handled, Handled::Ignored("not permanent"));
    let former = report("bounce.json", l1.as_str(), "former@boulangerie-martin.fr");
    let handled = mail_feedback::handle(&commands, former).await.expect("handled");
    assert_eq!(handled, Handled::Unchanged(l1.clone()));
    let unknown = report("bounce.json", "not-a-project", CONTACT);
    let handled = mail_feedback::handle(&commands, unknown).await.expect("handled");
    assert_eq!(handled, Handled::Ignored("no project"));
    let read = project_read(&bundle, l1.as_str()).await;
    assert!(read["technical_contact"].get("undeliverable").is_none(), "{read}");
}

/// Both scenarios on fresh stores made by `store`; the permanent reports
/// of the second are counted too (the transient one is not).
async fn bounces_are_handled_and_counted<F: Future<Output = Arc<dyn Store>>>(store: fn() -> F) {
    bounces_flushed();
    bounce_marks_the_contact_and_tells_the_owner(store().await).await;
    transient_or_foreign_reports_change_nothing(store().await).await;
    let foreign = bounces_flushed();
    assert_eq!(foreign, [("bounce".to_owned(), 2.0)], "permanent reports are counted");
}

async fn embedded() -> Arc<dyn Store> {
    Arc::new(sqlite_store())
}

async fn dynamodb_local() -> Arc<dyn Store> {
    Arc::new(dynamo_store().await)
}

// Each in a process of its own: the recorder counts every bounce of its process.

#[test]
fn a_bounce_marks_the_contact_undeliverable_and_tells_the_owner_on_the_embedded_store() {
    let name = "a_bounce_marks_the_contact_undeliverable_and_tells_the_owner_on_the_embedded_store";
    in_a_process_of_its_own(module_path!(), name, || bounces_are_handled_and_counted(embedded));
}

#[test]
fn a_bounce_marks_the_contact_undeliverable_and_tells_the_owner_on_dynamodb_local() {
    let name = "a_bounce_marks_the_contact_undeliverable_and_tells_the_owner_on_dynamodb_local";
    in_a_process_of_its_own(module_path!(), name, || {
        bounces_are_handled_and_counted(dynamodb_local)
    });
}
