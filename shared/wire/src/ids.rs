//! Identifiers, written as strings.

#[cfg(feature = "openapi")]
use crate::rules;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ProjectId(String);

impl From<&domain::ProjectId> for ProjectId {
    fn from(id: &domain::ProjectId) -> Self {
        Self(id.to_string())
    }
}

impl From<ProjectId> for domain::ProjectId {
    fn from(id: ProjectId) -> Self {
        Self::from_raw(id.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TaskId(String);

impl From<&domain::TaskId> for TaskId {
    fn from(id: &domain::TaskId) -> Self {
        Self(id.to_string())
    }
}

impl From<TaskId> for domain::TaskId {
    fn from(id: TaskId) -> Self {
        Self::from_raw(id.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", schema(value_type = rules::MachineKey))]
pub struct MilestoneKey(String);

impl MilestoneKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&domain::MilestoneKey> for MilestoneKey {
    fn from(key: &domain::MilestoneKey) -> Self {
        Self(key.to_string())
    }
}

impl From<MilestoneKey> for domain::MilestoneKey {
    fn from(key: MilestoneKey) -> Self {
        Self::from_raw(key.0)
    }
}
