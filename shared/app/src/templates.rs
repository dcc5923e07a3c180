//! Use case: "Settings → Deployment templates": read and replace the
//! milestone template of a service type. Each save is a new version;
//! projects keep the version they were created from.

use crate::ports::{Clock, CommitError, StoreError, TemplateStore};
use domain::staff::Staff;
use domain::template::{Template, TemplateError, TemplateInput};
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TemplatesError {
    #[error(transparent)]
    Rejected(#[from] TemplateError),
    #[error("the template could not be read or saved")]
    Store(#[source] CommitError),
}

impl From<StoreError> for TemplatesError {
    fn from(e: StoreError) -> Self {
        Self::Store(CommitError::Store(e))
    }
}

pub struct Templates {
    store: Arc<dyn TemplateStore>,
    clock: Arc<dyn Clock>,
}

impl Templates {
    pub fn new(store: Arc<dyn TemplateStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// The current template of `service_type`: the stored one, or the
    /// built-in default (version 0) if none was ever saved.
    pub async fn current(&self, service_type: &str) -> Result<Template, TemplatesError> {
        let current = self.current_of(&[service_type.to_owned()]).await?;
        Ok(current.into_iter().next().unwrap_or_else(|| Template::default_for(service_type)))
    }

    /// [`current`](Self::current) of each of `service_types`, in their
    /// order, in one read of the store.
    pub async fn current_of(
        &self,
        service_types: &[String],
    ) -> Result<Vec<Template>, TemplatesError> {
        let stored = self.store.current_templates(service_types).await?;
        let current = |service_type: &String| {
            let found = stored.iter().find(|t| &t.service_type == service_type);
            found.cloned().unwrap_or_else(|| Template::default_for(service_type))
        };
        Ok(service_types.iter().map(current).collect())
    }

    /// Saves `input` as the next version of `service_type`'s template.
    pub async fn replace(
        &self,
        service_type: &str,
        input: TemplateInput,
        staff: &Staff,
    ) -> Result<Template, TemplatesError> {
        let current = self.current(service_type).await?;
        let next = Template::edited(&current, input, &staff.sub, self.clock.now())?;
        match self.store.save_template(&next).await {
            Ok(()) => Ok(next),
            // Another save landed between our read and our write.
            Err(CommitError::VersionConflict) => {
                let now = self.current(service_type).await?.version;
                Err(TemplatesError::Rejected(TemplateError::Stale { current: now }))
            }
            Err(e) => Err(TemplatesError::Store(e)),
        }
    }
}
