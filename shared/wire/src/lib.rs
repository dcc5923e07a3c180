//! The formats of the values that the API and the table spell the same way,
//! each defined once: the API's bodies (`api::body`) and the stored records
//! (`store::records`) are built of these wherever their formats agree, and
//! keep types of their own only where they differ (each says why).
//!
//! - [`ids`]: project, task and milestone identifiers as strings;
//! - [`values`]: the enumerations, contacts, service lines, names;
//! - [`project`]: a project's hold, cancellation, undeliverable contact and
//!   history entries;
//! - [`forecast`]: health, basis and the reasons of a forecast;
//! - [`template`]: milestone templates, as stored and as the API shows them;
//! - [`deal`]: the answers to the CRM that the table keeps to replay them;
//! - [`rules`] (feature `openapi`): the field rules as OpenAPI patterns.
//!
//! Every type converts to and from the domain here. Readers are lenient:
//! an unknown member is ignored and an absent optional one defaults, so
//! that items written by an earlier or later release read. The API refuses
//! unknown members of request bodies at its edge (`api::extract`), not
//! here, and its document says so.
//!
//! With the feature `openapi` (the API's), each type also derives its
//! OpenAPI schema; its doc comments are the schema's descriptions.

/// A format's own copy of a domain enum, converted both ways. The format
/// spells its values itself, so renaming a domain variant breaks the build
/// instead of a stored or public value.
///
/// `mirror_enum!(#[derive(..)] pub enum Wire mirrors domain::path::Enum { A, B })`
#[macro_export]
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident mirrors $($domain:ident)::+ { $($variant:ident),+ $(,)? }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($variant),+
        }

        impl From<$($domain)::+> for $name {
            fn from(value: $($domain)::+) -> Self {
                use $($domain)::+ as Domain;
                match value {
                    $(Domain::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for $($domain)::+ {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }
    };
}

/// A wire enum: [`mirror_enum!`] with the derives every format needs.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident mirrors $($domain:ident)::+ { $($variant:ident),+ $(,)? }
        as $case:tt
    ) => {
        mirror_enum! {
            $(#[$meta])*
            #[derive(
                Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord,
                serde::Serialize, serde::Deserialize,
            )]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
            #[serde(rename_all = $case)]
            pub enum $name mirrors $($domain)::+ { $($variant),+ }
        }
    };
}

pub mod deal;
pub mod forecast;
pub mod ids;
pub mod project;
#[cfg(feature = "openapi")]
pub mod rules;
pub mod template;
pub mod values;

pub use deal::{ChangedProject, DealAccepted, ProjectSummary, project_href};
pub use forecast::{Basis, Health, Reason};
pub use ids::{MilestoneKey, ProjectId, TaskId};
pub use project::{Cancellation, Feedback, HistoryEntry, Hold, Undeliverable};
pub use template::{MilestoneTemplate, TaskTemplate, Template};
pub use values::{
    AccountInfo, Category, Contact, CustomerMail, Installation, Language, LineOutcome,
    MilestoneStatus, Names, ProjectStatus, ServiceLine, ServiceSummary, Site, TaskStatus,
    TemplateRef,
};

/// Maps each element of a slice into its format.
pub fn each<'a, D: 'a, W: From<&'a D>>(items: &'a [D]) -> Vec<W> {
    items.iter().map(W::from).collect()
}

/// Maps each format back into the domain.
pub fn back<W, D: From<W>>(items: Vec<W>) -> Vec<D> {
    items.into_iter().map(D::from).collect()
}
