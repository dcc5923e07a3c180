//! Local delivery: each mail an `.eml` file, each event one JSON line.

use super::eventbridge_envelope;
use app::ports::{DeliveryError, EventPublisher, Mailer, OutgoingEvent, OutgoingMail};
use async_trait::async_trait;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn io_error(e: std::io::Error) -> DeliveryError {
    DeliveryError::Transient(e.to_string())
}

/// Writes `<dir>/<outbox id>.eml`; sending again rewrites the same file.
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), DeliveryError> {
        let path = self.dir.join(format!("{}.eml", mail.entry_id));
        let tmp = path.with_extension("eml.tmp");
        // Written aside then renamed: a reader never sees half a mail.
        std::fs::write(&tmp, &mail.raw)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(io_error)
    }
}

/// Appends EventBridge-shaped events to a JSON-lines file.
pub struct FileEventPublisher {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileEventPublisher {
    pub fn new(path: impl Into<PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        Ok(Self { path, lock: Mutex::new(()) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl EventPublisher for FileEventPublisher {
    async fn publish(
        &self,
        events: &[OutgoingEvent],
    ) -> Result<Vec<Result<(), DeliveryError>>, DeliveryError> {
        let mut lines = String::new();
        for event in events {
            lines.push_str(&eventbridge_envelope(event, "000000000000", "local").to_string());
            lines.push('\n');
        }
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io_error)?;
        file.write_all(lines.as_bytes()).map_err(io_error)?;
        Ok(events.iter().map(|_| Ok(())).collect())
    }
}
