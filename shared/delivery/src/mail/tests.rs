//! Rendered mails, snapshot-tested in both languages (`snapshots/`).

use super::*;
use domain::deal::Language;
use domain::fixtures::project;
use domain::milestone::CustomerMail;

/// The link the dispatcher adds to a customer mail of `p`.
fn with_status_link(p: &domain::project::Project) -> serde_json::Value {
    let secrets = [config::Secret::new("s")];
    let url = app::status_link::link("https://deploiements.example", &secrets, &p.id, p.created_at);
    let mut context = p.mail_context();
    context["status_url"] = url.into();
    context
}

fn context(language: Language, installation: Option<&str>) -> serde_json::Value {
    let (mut p, _) = project();
    p.account.language = language;
    p.installation_date = installation.map(|d| d.parse().unwrap());
    with_status_link(&p)
}

/// The context of the go-live mail of the sample project, taken live.
fn live_context(language: Language) -> serde_json::Value {
    use domain::activation::{Activation, ServiceSummary};
    use domain::milestone_changes::CompleteMilestone;
    let (mut p, _) = project();
    p.account.language = language;
    for key in [
        "order_confirmed",
        "equipment_ordered",
        "delivery_confirmed",
        "installation_done",
        "customer_acceptance",
    ] {
        p.complete_milestone(key, CompleteMilestone::default(), "pm", p.created_at).unwrap();
    }
    let summary = ServiceSummary {
        line_id: "L1".into(),
        circuit_id: Some("FTTO-LYO-004211".into()),
        ip_addressing: Some("203.0.113.16/29, passerelle 203.0.113.17".into()),
        numbers: vec!["+33478000000".into(), "+33478000001".into()],
        equipment: Some("Routeur Cisco C1111-4P, n° de série FGL2231".into()),
        details: [("VLAN".to_owned(), "120".to_owned())].into(),
    };
    let activation = Activation {
        go_live_date: "2027-01-11".parse().unwrap(),
        technical_summary: vec![summary],
    };
    let at = "2027-01-11T16:00:00Z".parse().unwrap();
    p.activate(&activation, false, "pm", at).unwrap();
    with_status_link(&p)
}

fn render(template: CustomerMail, language: Language, installation: Option<&str>) -> RenderedMail {
    MailRenderer::new()
        .unwrap()
        .render(template, language, &context(language, installation))
        .unwrap()
}

fn snapshot(mail: &RenderedMail) -> String {
    format!("Subject: {}\n\n{}\n----- html -----\n{}", mail.subject, mail.text, mail.html)
}

#[test]
fn every_template_compiles() {
    MailRenderer::new().unwrap().check().unwrap();
}

#[test]
fn order_confirmed_fr() {
    let mail = render(CustomerMail::OrderConfirmed, Language::Fr, None);
    assert!(mail.text.contains("Votre commande a bien été reçue et est en cours de traitement"));
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn order_confirmed_en() {
    let mail = render(CustomerMail::OrderConfirmed, Language::En, None);
    assert!(mail.text.contains("Your order has been received and is being processed"));
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn delivery_confirmed_fr_names_the_installation_date() {
    let mail = render(CustomerMail::DeliveryConfirmed, Language::Fr, Some("2026-12-10"));
    assert!(
        mail.text.contains(
            "Votre équipement a été livré. L'installation est prévue le 10 décembre 2026."
        )
    );
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn delivery_confirmed_fr_without_a_date_promises_a_call() {
    let mail = render(CustomerMail::DeliveryConfirmed, Language::Fr, None);
    assert!(mail.text.contains("Nous vous appellerons"));
    assert!(!mail.text.contains("prévue le"));
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn delivery_confirmed_en_names_the_installation_date() {
    let mail = render(CustomerMail::DeliveryConfirmed, Language::En, Some("2026-12-01"));
    assert!(mail.text.contains("Installation is planned for 1 December 2026."));
    insta::assert_snapshot!(snapshot(&mail));
}

fn render_live(language: Language) -> RenderedMail {
    MailRenderer::new()
        .unwrap()
        .render(CustomerMail::GoLive, language, &live_context(language))
        .unwrap()
}

#[test]
fn go_live_fr() {
    let mail = render_live(Language::Fr);
    assert!(
        mail.text
            .contains("Votre service est maintenant actif. Voici votre récapitulatif technique")
    );
    assert!(mail.text.contains("Identifiant de circuit : FTTO-LYO-004211"));
    assert!(mail.text.contains("Mise en service : 11 janvier 2027."));
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn go_live_en() {
    let mail = render_live(Language::En);
    assert!(mail.text.contains("Your service is now active. Here is your technical summary"));
    assert!(mail.text.contains("Numbers: +33478000000, +33478000001"));
    assert!(mail.html.contains(">VLAN</td><td>120</td>"));
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn customer_supplied_text_is_escaped_in_html_only() {
    let mut ctx = context(Language::Fr, None);
    ctx["contact_name"] = "<script>alert('x')</script> & Cie".into();
    ctx["services"][0]["name"] = "Fibre <b>1 Gb/s</b>".into();
    let mail = MailRenderer::new()
        .unwrap()
        .render(CustomerMail::OrderConfirmed, Language::Fr, &ctx)
        .unwrap();
    assert!(!mail.html.contains("<script>") && !mail.html.contains("<b>1"));
    assert!(mail.html.contains("&lt;script&gt;") && mail.html.contains("&amp; Cie"));
    assert!(mail.text.contains("<script>alert('x')</script> & Cie"), "plain text stays as typed");
}

#[test]
fn customer_mails_link_to_the_status_page_with_the_url_escaped_in_html() {
    let mail = render(CustomerMail::OrderConfirmed, Language::En, None);
    let line = "Follow your installation's progress: https://deploiements.example/console/status/";
    assert!(mail.text.contains(line), "{}", mail.text);
    assert!(mail.html.contains(r#"<a href="https:&#x2f;&#x2f;deploiements.example&#x2f;console"#));
    let mut ctx = context(Language::Fr, None);
    ctx.as_object_mut().unwrap().remove("status_url");
    let mail = MailRenderer::new()
        .unwrap()
        .render(CustomerMail::OrderConfirmed, Language::Fr, &ctx)
        .unwrap();
    assert!(!mail.text.contains("Suivez") && !mail.html.contains("Suivez"), "no dangling line");
}

#[test]
fn dates_read_naturally_in_each_language() {
    assert_eq!(long_date("2027-01-01".into(), "fr".into()), "1er janvier 2027");
    assert_eq!(long_date("2027-01-15".into(), "fr".into()), "15 janvier 2027");
    assert_eq!(long_date("2027-01-15".into(), "en".into()), "15 January 2027");
    assert_eq!(long_date("soon".into(), "en".into()), "soon");
}

#[test]
fn composed_messages_are_multipart_with_a_stable_message_id() {
    let mail = render(CustomerMail::DeliveryConfirmed, Language::Fr, Some("2026-12-10"));
    let envelope = Envelope {
        entry_id: "0b9f3c1e-entry",
        from: "BlueRockTEL Déploiements <deploiements@bluerocktel.fr>",
        to: "claire@boulangerie-martin.fr",
        reply_to: Some("sophie.durand@bluerocktel.fr"),
        date: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_169_100),
    };
    let raw = String::from_utf8(compose(&envelope, &mail).unwrap()).unwrap();
    assert!(raw.is_ascii(), "7-bit safe on the wire");
    assert!(raw.contains("Message-ID: <0b9f3c1e-entry@deployments.bluerocktel.fr>"));
    assert!(raw.contains("To: claire@boulangerie-martin.fr"));
    assert!(raw.contains("Reply-To: sophie.durand@bluerocktel.fr"));
    assert!(raw.contains("multipart/alternative"));
    assert!(raw.contains("text/plain") && raw.contains("text/html"));
    let again = String::from_utf8(compose(&envelope, &mail).unwrap()).unwrap();
    let id = |m: &str| m.lines().find(|l| l.starts_with("Message-ID")).map(str::to_owned);
    assert_eq!(id(&raw), id(&again));
}

#[test]
fn a_bad_recipient_is_an_error_not_a_panic() {
    let mail = render(CustomerMail::OrderConfirmed, Language::Fr, None);
    let envelope = Envelope {
        entry_id: "x",
        from: "a@b.fr",
        to: "not an address",
        reply_to: None,
        date: std::time::UNIX_EPOCH,
    };
    assert!(matches!(compose(&envelope, &mail), Err(MailError::Address { field: "to", .. })));
}

/// The owner's mail of the sample project gone late by 2026-12-13: its
/// first milestone overran and a task of it is blocked.
fn jeopardy(language: Language) -> RenderedMail {
    use domain::outbox::OutboxMessage;
    use domain::task::{Block, Task, TaskStatus};
    use domain::{MilestoneKey, TaskId};
    let (mut p, _) = project();
    let key = MilestoneKey::from_raw("order_confirmed");
    let due = "2026-11-25".parse().unwrap();
    let mut task = Task::new(
        TaskId::from_raw("T-000002-00"),
        key,
        "Survey",
        None,
        "t@x.fr",
        due,
        p.created_at,
    );
    let block = Block {
        reason: Some("Carrier late"),
        category: Some(domain::hold_and_cancel::Category::Carrier),
    };
    task.transition(TaskStatus::Blocked, block, true, p.created_at).unwrap();
    p.tasks.push(task);
    let change = p.review("2026-12-13T00:30:00Z".parse().unwrap()).unwrap();
    let context = change
        .outbox
        .iter()
        .find_map(|e| match &e.message {
            OutboxMessage::Mail { context, .. } => Some(context.clone()),
            OutboxMessage::Event { .. } => None,
        })
        .expect("the owner's mail");
    MailRenderer::new().unwrap().render(MailTemplate::ProjectJeopardy, language, &context).unwrap()
}

#[test]
fn project_jeopardy_fr() {
    let mail = jeopardy(Language::Fr);
    assert!(mail.subject.contains("[Projet en retard]"), "{}", mail.subject);
    assert!(mail.text.contains("- la tâche T-000002-00 est bloquée (opérateur)\n"));
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn project_jeopardy_en() {
    let mail = jeopardy(Language::En);
    assert!(mail.subject.contains("[Project late]"), "{}", mail.subject);
    assert!(
        mail.text.contains("- milestone \"Order confirmed\" was expected by 22 November 2026\n")
    );
    insta::assert_snapshot!(snapshot(&mail));
}

/// The owner's mail when SES reports the sample project's contact bounced.
fn undeliverable(language: Language) -> RenderedMail {
    use domain::mail_feedback::{Feedback, MailFeedback};
    use domain::outbox::OutboxMessage;
    let (mut p, _) = project();
    let report = MailFeedback {
        feedback: Feedback::Bounce,
        recipients: vec![p.technical_contact.email.clone()],
        detail: "smtp; 550 5.1.1 <claire@boulangerie-martin.fr>: user unknown".into(),
        at: p.created_at,
    };
    let change = p.contact_undeliverable(&report, p.created_at).expect("flagged");
    let Some(OutboxMessage::Mail { context, .. }) = change.outbox.first().map(|e| &e.message)
    else {
        panic!("the owner's mail")
    };
    MailRenderer::new()
        .unwrap()
        .render(MailTemplate::ContactUndeliverable, language, context)
        .unwrap()
}

#[test]
fn contact_undeliverable_fr_tells_the_owner_how_to_clear_it() {
    let mail = undeliverable(Language::Fr);
    assert!(mail.subject.starts_with("[Contact injoignable] "), "{}", mail.subject);
    assert!(mail.text.contains("est refusé par le serveur du destinataire"));
    assert!(mail.html.contains("&lt;claire@boulangerie-martin.fr&gt;"));
    insta::assert_snapshot!(snapshot(&mail));
}

#[test]
fn contact_undeliverable_en() {
    let mail = undeliverable(Language::En);
    assert!(mail.subject.starts_with("[Contact unreachable] "), "{}", mail.subject);
    insta::assert_snapshot!(snapshot(&mail));
}
