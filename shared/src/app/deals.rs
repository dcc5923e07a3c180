//! What the CRM's use cases (intake, changes, cancellations) share: the
//! ports of a deal's record and projects, the templates new projects copy,
//! and commits retried when they collide with another transaction.

use crate::domain::template::Template;
use crate::ports::{Clock, Commit, CommitError, DealRecords, Projects, StoreError, TemplateStore};
use crate::retry::RetryPolicy;
use std::sync::Arc;

pub(crate) struct DealPorts {
    pub(crate) projects: Arc<dyn Projects>,
    pub(crate) records: Arc<dyn DealRecords>,
    templates: Arc<dyn TemplateStore>,
    pub(crate) clock: Arc<dyn Clock>,
}

/// The templates new projects copy: the current stored one of each
/// service type, else the default.
pub(crate) struct Templates(Vec<Template>);

impl Templates {
    pub(crate) fn of(&self, service_type: &str) -> Template {
        let stored = self.0.iter().find(|t| t.service_type == service_type).cloned();
        stored.unwrap_or_else(|| Template::default_for(service_type))
    }
}

impl DealPorts {
    pub(crate) fn new(
        projects: Arc<dyn Projects>,
        records: Arc<dyn DealRecords>,
        templates: Arc<dyn TemplateStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { projects, records, templates, clock }
    }

    /// The templates of `service_types`: one read, none without a type.
    pub(crate) async fn templates(
        &self,
        service_types: Vec<String>,
    ) -> Result<Templates, StoreError> {
        if service_types.is_empty() {
            return Ok(Templates(Vec::new()));
        }
        self.templates.current_templates(&service_types).await.map(Templates)
    }

    /// Commits, retrying shortly on contention with another transaction.
    pub(crate) async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        let contention = |e: &CommitError| matches!(e, CommitError::Contention);
        RetryPolicy::CONTENTION.run(|| self.projects.commit(commit.clone()), contention).await
    }
}
