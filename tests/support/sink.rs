//! The local runner's event sink, `events.jsonl` (one EventBridge-shaped
//! event per line), in a directory of its own, and a dispatcher delivering
//! to it: what the events of a test look like once published.

use app::ports::Clock;
use app::ports::Store;
use config::{Secret, local_defaults};
use delivery::files::FileEventPublisher;
use delivery::mail::MailRenderer;
use delivery::memory::MemoryMailer;
use delivery::{DispatchSettings, Dispatcher, StatusLinks};
use std::path::PathBuf;
use std::sync::Arc;

pub struct LocalSink {
    dir: PathBuf,
    pub publisher: Arc<FileEventPublisher>,
    pub mailer: Arc<MemoryMailer>,
}

impl LocalSink {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(crate::unique_name("events"));
        let publisher = FileEventPublisher::new(dir.join("events.jsonl"))
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Self { dir, publisher: Arc::new(publisher), mailer: Arc::new(MemoryMailer::default()) }
    }

    /// A dispatcher delivering `store`'s outbox here (mail in memory).
    pub fn dispatcher(&self, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Dispatcher {
        Dispatcher::new(
            store,
            self.mailer.clone(),
            self.publisher.clone(),
            clock,
            MailRenderer::new().expect("the mail templates"),
            DispatchSettings::new(local_defaults::MAIL_FROM),
            StatusLinks::fixed("http://127.0.0.1:3000", vec![Secret::new(crate::CONSOLE_SECRET)]),
        )
    }

    /// Every event written so far, in order.
    pub fn events(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.publisher.path()).unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

impl Default for LocalSink {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for LocalSink {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
