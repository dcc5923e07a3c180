//! In-memory delivery: records what was sent, for tests and tools.

use app::ports::{DeliveryError, EventPublisher, Mailer, OutgoingEvent, OutgoingMail};
use async_trait::async_trait;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<OutgoingMail>>,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<OutgoingMail> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), DeliveryError> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(mail.clone());
        Ok(())
    }
}

#[derive(Default)]
pub struct MemoryPublisher {
    published: Mutex<Vec<OutgoingEvent>>,
}

impl MemoryPublisher {
    pub fn published(&self) -> Vec<OutgoingEvent> {
        self.published.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl EventPublisher for MemoryPublisher {
    async fn publish(
        &self,
        events: &[OutgoingEvent],
    ) -> Result<Vec<Result<(), DeliveryError>>, DeliveryError> {
        self.published.lock().unwrap_or_else(|e| e.into_inner()).extend(events.iter().cloned());
        Ok(events.iter().map(|_| Ok(())).collect())
    }
}

/// A bus that cannot be reached: every call fails as transient (tests of
/// give-backs and retries).
pub struct UnreachableBus;

#[async_trait]
impl EventPublisher for UnreachableBus {
    async fn publish(
        &self,
        _: &[OutgoingEvent],
    ) -> Result<Vec<Result<(), DeliveryError>>, DeliveryError> {
        Err(DeliveryError::Transient("bus unreachable".into()))
    }
}
