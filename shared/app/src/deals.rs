//! What the CRM's use cases (intake, changes, cancellations) share: the
//! ports of a deal's record and projects, the templates new projects copy,
//! and commits retried when they collide with another transaction.

use crate::ports::{
    Clock, Commit, CommitError, DealRecords, GoLives, Projects, StoreError, TemplateStore,
};
use crate::retry::RetryPolicy;
use domain::go_live_facts::LEARNING_WINDOW;
use domain::template::Template;
use std::sync::Arc;

/// The ports the CRM's use cases take, built once and shared by them.
#[derive(Clone)]
pub struct DealPorts {
    pub(crate) projects: Arc<dyn Projects>,
    pub(crate) records: Arc<dyn DealRecords>,
    templates: Arc<dyn TemplateStore>,
    go_lives: Arc<dyn GoLives>,
    pub(crate) clock: Arc<dyn Clock>,
}

/// The templates new projects copy: the current stored one of each
/// service type, else the default, with the durations learned from its
/// go-lives once there are enough.
pub(crate) struct Templates(Vec<Template>);

impl Templates {
    pub(crate) fn of(&self, service_type: &str) -> Template {
        let planned = self.0.iter().find(|t| t.service_type == service_type).cloned();
        planned.unwrap_or_else(|| Template::default_for(service_type))
    }
}

impl DealPorts {
    pub fn new(
        projects: Arc<dyn Projects>,
        records: Arc<dyn DealRecords>,
        templates: Arc<dyn TemplateStore>,
        go_lives: Arc<dyn GoLives>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { projects, records, templates, go_lives, clock }
    }

    /// The templates of `service_types` (one read, none without a type),
    /// each with its type's recent go-lives (one Query per type), all read
    /// at once.
    pub(crate) async fn templates(
        &self,
        mut service_types: Vec<String>,
    ) -> Result<Templates, StoreError> {
        service_types.sort_unstable();
        service_types.dedup();
        if service_types.is_empty() {
            return Ok(Templates(Vec::new()));
        }
        let mut histories = tokio::task::JoinSet::new();
        for service_type in service_types.clone() {
            let go_lives = Arc::clone(&self.go_lives);
            histories.spawn(async move {
                let history = go_lives.recent_go_lives(&service_type, LEARNING_WINDOW).await;
                history.map(|h| (service_type, h))
            });
        }
        let stored = Templates(self.templates.current_templates(&service_types).await?);
        let mut planned = Vec::with_capacity(service_types.len());
        while let Some(joined) = histories.join_next().await {
            let (service_type, history) =
                joined.map_err(|e| StoreError::Unavailable(e.into()))??;
            planned.push(stored.of(&service_type).learned_from(&history));
        }
        Ok(Templates(planned))
    }

    /// Commits, retrying shortly on contention with another transaction;
    /// counts the changes of health it announces once written.
    pub(crate) async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        let contention = |e: &CommitError| matches!(e, CommitError::Contention);
        let announced =
            commit.project.as_ref().map(|w| crate::metrics::announced_healths(&w.change));
        RetryPolicy::CONTENTION.run(|| self.projects.commit(commit.clone()), contention).await?;
        crate::metrics::jeopardy_changes(&announced.unwrap_or_default());
        Ok(())
    }
}
