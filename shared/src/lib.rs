//! BlueRockTEL Deployments: everything the Lambda functions and the local
//! runner share.
//!
//! Layout, from the inside out:
//!
//! - [`domain`]: the pure model (project, milestones, tasks, templates,
//!   intake, the CRM's revisions of a deal, hold / resume / cancel) and its
//!   rules. No I/O, no HTTP or storage shapes; time is an
//!   argument.
//! - [`ports`]: the traits through which use cases reach the outside world,
//!   one per concern (projects, intake records, accounts, templates, the
//!   outbox, listings, the escalation schedule; mail, events, secrets, time).
//! - [`app`]: one application service per use case. Each loads what it
//!   needs, applies a domain change and commits state and outbox together.
//! - [`store`]: the store adapters (DynamoDB single-table, embedded SQLite),
//!   one file per port; the typed records they store (`store/records`); and,
//!   in [`store::keys`], every key format of the table.
//! - [`delivery`]: the mail and event adapters (SES v2, EventBridge, local
//!   files) that the dispatcher sends outbox entries through.
//! - [`http`]: the edge: request and response bodies with their OpenAPI
//!   schemas, extractors, problem documents, and the axum routers. The same
//!   router serves a Lambda (through `lambda_http`) and the local runner.
//! - [`embedded`]: the templates compiled into the binary (mail, console
//!   pages), each compiled by minijinja at its first render.
//! - [`mail`]: customer mail templates (`templates/mail/`), rendered per
//!   language and composed as multipart messages.
//! - [`retry`]: the one retry policy (jittered, bounded by attempts and time).
//! - [`clock`], [`secrets`]: adapters of time and of the webhook secrets.
//! - [`config`]: every environment variable name and the typed settings
//!   built from them, failing fast at start-up.
//! - `aws` (feature `aws`): the SDK configuration, with one TLS stack.
//! - `wiring` (features `lambda` + `dynamodb`): what a staff function's
//!   `main` builds once per execution environment.
//!
//! Adapters are behind cargo features (`dynamodb`, `sqlite`) so that a
//! function links only the clients it uses.

/// An edge's own copy of a domain enum, converted both ways. The edge (a
/// stored record, an HTTP body) spells its values itself, so renaming a
/// domain variant breaks the build instead of a stored or public value.
///
/// `mirror_enum!(#[derive(..)] pub enum Edge mirrors domain::path::Enum { A, B })`
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

pub mod app;
#[cfg(feature = "aws")]
pub mod aws;
pub mod clock;
pub mod config;
#[cfg(feature = "console")]
pub mod console;
pub mod delivery;
pub mod domain;
pub mod embedded;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod ports;
pub mod retry;
pub mod secrets;
pub mod signing;
pub mod status_link;
pub mod store;
pub mod telemetry;
#[cfg(all(feature = "lambda", feature = "dynamodb"))]
pub mod wiring;
