//! Adapters of the delivery ports: SES v2 and EventBridge in the cloud
//! (features `ses`, `eventbridge`), files for the local runner.

#[cfg(feature = "eventbridge")]
pub mod eventbridge;
pub mod files;
pub mod memory;
#[cfg(feature = "ses")]
pub mod ses;

use crate::domain::events::SOURCE;
use crate::ports::OutgoingEvent;
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

/// Message tags customer mail carries through SES, which returns them in
/// its bounce and complaint reports (`mail.tags`): which outbox entry, which
/// project (ids are UUIDs, within the tag alphabet).
pub const TAG_OUTBOX_ID: &str = "outbox_id";
pub const TAG_PROJECT_ID: &str = "project_id";
