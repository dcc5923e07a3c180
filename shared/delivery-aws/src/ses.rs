//! Customer mail through Amazon SES v2 (`SendEmail`, raw MIME content).

use app::ports::{DeliveryError, Mailer, OutgoingMail};
use app::ports::{TAG_OUTBOX_ID, TAG_PROJECT_ID};
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, MessageTag, RawMessage};

pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> Self {
        Self { client, configuration_set }
    }

    pub fn from_config(sdk: &aws_config::SdkConfig, configuration_set: Option<String>) -> Self {
        Self::new(Client::new(sdk), configuration_set)
    }
}

fn classify(
    e: SdkError<SendEmailError, aws_sdk_sesv2::config::http::HttpResponse>,
) -> DeliveryError {
    let message =
        format!("{}: {}", e.code().unwrap_or("SdkError"), e.message().unwrap_or_default());
    match e.as_service_error() {
        Some(
            SendEmailError::TooManyRequestsException(_) | SendEmailError::LimitExceededException(_),
        ) => DeliveryError::Throttled(message),
        // The message itself is refused: sending it again will not help.
        Some(SendEmailError::MessageRejected(_) | SendEmailError::BadRequestException(_)) => {
            DeliveryError::Permanent(message)
        }
        // Account or configuration problems: an operator can fix them, then the sweep resends.
        _ => DeliveryError::Transient(message),
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), DeliveryError> {
        let permanent =
            |e: aws_sdk_sesv2::error::BuildError| DeliveryError::Permanent(e.to_string());
        let raw =
            RawMessage::builder().data(Blob::new(mail.raw.clone())).build().map_err(permanent)?;
        let tag = |name: &str, value: &str| {
            MessageTag::builder().name(name).value(value).build().map_err(permanent)
        };
        self.client
            .send_email()
            .from_email_address(&mail.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().raw(raw).build())
            .email_tags(tag(TAG_OUTBOX_ID, mail.entry_id.as_str())?)
            .email_tags(tag(TAG_PROJECT_ID, mail.project_id.as_str())?)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map(|_| ())
            .map_err(classify)
    }
}
