//! What the staff routers share: their state, the authenticator layer, the
//! paging of listings; and a staff function's application in Lambda.

use super::auth::{ApiGatewayClaims, Authenticator};
use super::problem::Problem;
use app::ports::Store;
use app::ports::{Clock, PageRequest};
use app::{Analytics, Commands, Queries};
use axum::Extension;
use std::sync::Arc;

/// Page sizes of every listing.
pub const DEFAULT_PAGE: usize = 25;
pub const MAX_PAGE: usize = 100;
const MAX_CURSOR: usize = 2048;

#[derive(Clone)]
pub struct StaffState {
    pub commands: Arc<Commands>,
    pub queries: Arc<Queries>,
    pub analytics: Arc<Analytics>,
}

impl StaffState {
    /// The staff use cases on one store.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            commands: Arc::new(Commands::new(store.clone(), store.clone(), clock)),
            queries: Arc::new(Queries::new(store.clone(), store.clone())),
            analytics: Arc::new(Analytics::new(store)),
        }
    }
}

/// A staff function's application in Lambda: `router` on `store`, its
/// members named by the claims API Gateway's JWT authorizer passes on.
pub fn lambda_app(
    store: Arc<dyn Store>,
    claims: config::ClaimNames,
    router: fn(StaffState, Authenticator) -> axum::Router,
) -> axum::Router {
    let state = StaffState::new(store, Arc::new(app::clock::SystemClock));
    crate::app([router(state, Arc::new(ApiGatewayClaims { names: claims }))])
}

/// The `templates` function's application in Lambda, as [`lambda_app`].
pub fn lambda_templates_app(store: Arc<dyn Store>, claims: config::ClaimNames) -> axum::Router {
    let templates = app::Templates::new(store, Arc::new(app::clock::SystemClock));
    let claims = Arc::new(ApiGatewayClaims { names: claims });
    crate::app([crate::templates::router(Arc::new(templates), claims)])
}

/// The layer that lets the staff extractors authenticate.
pub fn authenticated(auth: Authenticator) -> Extension<Authenticator> {
    Extension(auth)
}

/// Checks `limit` and `cursor` query parameters.
pub fn page(cursor: Option<String>, limit: Option<usize>) -> Result<PageRequest, Problem> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    if cursor.as_ref().is_some_and(|c| c.is_empty() || c.len() > MAX_CURSOR) {
        return Err(Problem::invalid("cursor", "is not a cursor this service issued"));
    }
    Ok(PageRequest { cursor, limit })
}
