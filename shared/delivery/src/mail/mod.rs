//! Customer mail: templates rendered in the account's language, composed as
//! multipart text + HTML messages with a stable Message-ID.
//!
//! Templates live in `shared/templates/mail/` (`<mail>.<lang>.txt` sets the
//! subject and the text part, `<mail>.<lang>.html` the HTML part) and are
//! compiled into the binary. HTML templates escape every value; the
//! context is the snapshot the outbox entry took when the milestone was
//! reached, so a mail says what was true then.

use chrono::{Datelike, NaiveDate};
use domain::deal::Language;
use domain::outbox::MailTemplate;
use lettre::message::{Mailbox, MultiPart};
use minijinja::{Environment, Value, syntax::SyntaxConfig};
use thiserror::Error;

/// The domain of the Message-IDs we stamp on outgoing mail.
pub const MESSAGE_ID_DOMAIN: &str = "deployments.bluerocktel.fr";

#[derive(Debug, Error)]
pub enum MailError {
    #[error("mail template {name} failed to render")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("{field} is not a usable address")]
    Address {
        field: &'static str,
        #[source]
        source: lettre::address::AddressError,
    },
    #[error("the message could not be composed")]
    Compose(#[source] lettre::error::Error),
}

/// A rendered customer mail, before it becomes a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "layout.html",
    "services.html",
    "order_confirmed.fr.txt",
    "order_confirmed.fr.html",
    "order_confirmed.en.txt",
    "order_confirmed.en.html",
    "delivery_confirmed.fr.txt",
    "delivery_confirmed.fr.html",
    "delivery_confirmed.en.txt",
    "delivery_confirmed.en.html",
    "go_live.fr.txt",
    "go_live.fr.html",
    "go_live.en.txt",
    "go_live.en.html",
    "task_escalated.fr.txt",
    "task_escalated.fr.html",
    "task_escalated.en.txt",
    "task_escalated.en.html",
    "project_jeopardy.fr.txt",
    "project_jeopardy.fr.html",
    "project_jeopardy.en.txt",
    "project_jeopardy.en.html",
    "contact_undeliverable.fr.txt",
    "contact_undeliverable.fr.html",
    "contact_undeliverable.en.txt",
    "contact_undeliverable.en.html",
);

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2026-12-10` as `10 décembre 2026` or `10 December 2026`; anything else unchanged.
fn long_date(value: String, lang: String) -> String {
    let Ok(date) = value.parse::<NaiveDate>() else { return value };
    let months = if lang == "en" { &MONTHS_EN } else { &MONTHS_FR };
    let day =
        if lang != "en" && date.day() == 1 { "1er".to_owned() } else { date.day().to_string() };
    format!("{day} {} {}", months[date.month0() as usize], date.year())
}

fn lang(language: Language) -> &'static str {
    match language {
        Language::Fr => "fr",
        Language::En => "en",
    }
}

/// The templates, compiled as they are first used; build once per process.
pub struct MailRenderer {
    env: Environment<'static>,
}

impl MailRenderer {
    pub fn new() -> Result<Self, MailError> {
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|source| MailError::Template { name: "syntax".into(), source })?;
        env.set_syntax(syntax);
        env.add_filter("long_date", long_date);
        // Compiling all 26 at start-up cost dispatch about a millisecond.
        crate::embedded::load_lazily(&mut env, TEMPLATES);
        Ok(Self { env })
    }

    /// Compiles every template: what start-up no longer checks.
    pub fn check(&self) -> Result<(), MailError> {
        crate::embedded::compile_all(&self.env, TEMPLATES)
            .map_err(|(name, source)| MailError::Template { name: name.into(), source })
    }

    /// Renders `template` in `language` over a context snapshot.
    pub fn render(
        &self,
        template: impl Into<MailTemplate>,
        language: Language,
        context: &serde_json::Value,
    ) -> Result<RenderedMail, MailError> {
        let (slug, lang) = (template.into().slug(), lang(language));
        let base = Value::from(minijinja::value::Serde(context));

        let text_name = format!("{slug}.{lang}.txt");
        let text = self
            .env
            .get_template(&text_name)
            .map_err(|source| template_error(&text_name, source))?;
        let captured = text
            .render_captured(minijinja::context! { lang, ..base.clone() })
            .map_err(|source| template_error(&text_name, source))?;
        let subject = captured.state().lookup("subject").map(|s| s.to_string()).unwrap_or_default();
        let text = captured.into_output();

        let html_name = format!("{slug}.{lang}.html");
        let html = self
            .env
            .get_template(&html_name)
            .map_err(|source| template_error(&html_name, source))?;
        let html = html
            .render(minijinja::context! { lang, subject => subject.clone(), ..base })
            .map_err(|source| template_error(&html_name, source))?;
        Ok(RenderedMail { subject, text: tidy(&text), html })
    }
}

fn template_error(name: &str, source: minijinja::Error) -> MailError {
    MailError::Template { name: name.to_owned(), source }
}

/// At most one blank line in a row, and one final newline.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        blank = if line.is_empty() { blank + 1 } else { 0 };
        if blank <= 1 {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The RFC 5322 Message-ID of an outbox entry: the same on every attempt.
pub fn message_id(entry_id: &str) -> String {
    format!("<{entry_id}@{MESSAGE_ID_DOMAIN}>")
}

/// Addresses and identity of one outgoing message.
pub struct Envelope<'a> {
    pub entry_id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub reply_to: Option<&'a str>,
    pub date: std::time::SystemTime,
}

/// The raw MIME message (multipart/alternative, text then HTML).
pub fn compose(envelope: &Envelope<'_>, mail: &RenderedMail) -> Result<Vec<u8>, MailError> {
    let parse = |field: &'static str, value: &str| {
        value.parse::<Mailbox>().map_err(|source| MailError::Address { field, source })
    };
    let mut builder = lettre::Message::builder()
        .from(parse("from", envelope.from)?)
        .to(parse("to", envelope.to)?)
        .subject(mail.subject.clone())
        .message_id(Some(message_id(envelope.entry_id)))
        .date(envelope.date);
    if let Some(reply_to) = envelope.reply_to {
        builder = builder.reply_to(parse("reply_to", reply_to)?);
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(MailError::Compose)?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests;
