//! Delivery of the outbox: customer and internal mail ([`mail`]: templates
//! per language, composed as multipart messages), the use case that sends
//! outbox entries ([`dispatch`]), and the delivery ports' adapters of the
//! local runner ([`files`]) and of tests ([`memory`]). The cloud's (SES v2,
//! EventBridge) are in `delivery-aws`.

pub mod dispatch;
pub mod embedded;
pub mod files;
pub mod mail;
pub mod memory;

pub use dispatch::{DispatchReport, DispatchSettings, Dispatcher, StatusLinks};

use app::ports::OutgoingEvent;
use domain::events::SOURCE;
use serde_json::{Value, json};

/// An event as EventBridge delivers it to a rule's targets: the shape of
/// every line of the local `events.jsonl`.
pub fn eventbridge_envelope(event: &OutgoingEvent, account: &str, region: &str) -> Value {
    json!({
        "version": "0",
        "id": event.entry_id,
        "detail-type": event.detail_type,
        "source": SOURCE,
        "account": account,
        "time": event.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": region,
        "resources": [],
        "detail": event.detail,
    })
}
