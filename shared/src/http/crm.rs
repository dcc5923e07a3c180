//! The CRM webhooks (function `deal-won`): a deal won, changed, cancelled.
//! One function serves the three: they share the signature, its secrets,
//! the same table rights and the CRM's bursts, so one warm pool serves them.

use super::body::{DealAccepted, DealCancel, DealCancelled, DealChange, DealChanged, DealWon};
use super::errors::{deal_change_problem, intake_problem};
use super::extract::RawBody;
use super::openapi::{CrmChangeProblems, CrmProblems};
use super::problem::{Kind, Problem};
use super::{routes, signature};
use crate::app::{DealChanges, DealPorts, Intake, IntakeOutcome};
use crate::ports::{Clock, StoreError, WebhookSecrets};
use crate::store::Store;
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use std::sync::Arc;

#[derive(Clone)]
pub struct CrmState {
    pub intake: Arc<Intake>,
    pub changes: Arc<DealChanges>,
    pub secrets: Arc<dyn WebhookSecrets>,
    pub clock: Arc<dyn Clock>,
}

impl CrmState {
    /// The CRM use cases on one store, verifying signatures with `secrets`:
    /// the one wiring of the `deal-won` function, the local runner and the tests.
    pub fn new(
        store: Arc<dyn Store>,
        secrets: Arc<dyn WebhookSecrets>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let ports =
            DealPorts::new(store.clone(), store.clone(), store.clone(), store, clock.clone());
        let (intake, changes) = (Intake::new(ports.clone()), DealChanges::new(ports));
        Self { intake: Arc::new(intake), changes: Arc::new(changes), secrets, clock }
    }
}

/// The CRM routes; serve them through [`super::app`].
pub fn router(state: CrmState) -> Router {
    Router::new()
        .route(routes::DEAL_WON, post(deal_won))
        .route(routes::DEAL_CHANGED, post(deal_changed))
        .route(routes::DEAL_CANCELLED, post(deal_cancelled))
        .with_state(state)
}

/// The CRM reports a won deal: one project per service line that needs an
/// installation. Exactly once: the same body again answers `200` with the
/// same body; another body under the same `deal_id` is a `409`.
#[utoipa::path(
    post,
    path = "/v1/crm/deals/won",
    tag = "crm",
    request_body(content = DealWon, content_type = "application/json"),
    security(("crm_signature" = [])),
    responses(
        (status = 201, description = "Projects created", body = DealAccepted),
        (status = 200, description = "Delivered again: the first answer", body = DealAccepted),
        CrmProblems,
    )
)]
pub(crate) async fn deal_won(
    State(state): State<CrmState>,
    signed: Signed,
) -> Result<Response, Problem> {
    let deal: DealWon = signed.0.json()?;
    let deal = crate::domain::DealWon::from(deal);
    let deal_id = deal.deal_id.clone();
    match state.intake.receive(deal).await.map_err(|e| intake_problem(&deal_id, e))? {
        IntakeOutcome::Created(accepted) => {
            let projects = accepted.projects.len();
            tracing::info!(%deal_id, projects, "deal received, projects created");
            Ok((StatusCode::CREATED, Json(DealAccepted::from(&accepted))).into_response())
        }
        IntakeOutcome::Replayed(accepted) => {
            tracing::info!(%deal_id, "deal delivered again, answered from its record");
            Ok((StatusCode::OK, Json(DealAccepted::from(&accepted))).into_response())
        }
    }
}

/// The CRM sends the deal as it now is, at a new revision: each project of
/// the deal is created, updated or cancelled to match (live and cancelled
/// ones stay as they are). Exactly once per revision: the same body again
/// answers the same; an earlier revision than one applied is a `409`.
#[utoipa::path(
    post,
    path = "/v1/crm/deals/changed",
    tag = "crm",
    request_body(content = DealChange, content_type = "application/json"),
    security(("crm_signature" = [])),
    responses(
        (status = 200, description = "What the revision did to each project", body = DealChanged),
        CrmChangeProblems,
    )
)]
pub(crate) async fn deal_changed(
    State(state): State<CrmState>,
    signed: Signed,
) -> Result<Json<DealChanged>, Problem> {
    let change: DealChange = signed.0.json()?;
    let change = crate::domain::amendment::DealChange::from(change);
    let (deal_id, revision) = (change.deal.deal_id.clone(), change.revision);
    let result =
        state.changes.change(change).await.map_err(|e| deal_change_problem(&deal_id, e))?;
    tracing::info!(%deal_id, revision, "deal revision applied");
    Ok(Json(DealChanged::from(&result)))
}

/// The CRM cancels the deal: every project not live is cancelled. A repeat
/// answers the same and writes nothing.
#[utoipa::path(
    post,
    path = "/v1/crm/deals/cancelled",
    tag = "crm",
    request_body(content = DealCancel, content_type = "application/json"),
    security(("crm_signature" = [])),
    responses(
        (status = 200, description = "Its projects, cancelled unless live", body = DealCancelled),
        CrmChangeProblems,
    )
)]
pub(crate) async fn deal_cancelled(
    State(state): State<CrmState>,
    signed: Signed,
) -> Result<Json<DealCancelled>, Problem> {
    let cancel: DealCancel = signed.0.json()?;
    let cancel = crate::domain::amendment::DealCancel::from(cancel);
    let deal_id = cancel.deal_id.clone();
    let result =
        state.changes.cancel(cancel).await.map_err(|e| deal_change_problem(&deal_id, e))?;
    tracing::info!(%deal_id, projects = result.projects.len(), "deal cancelled");
    Ok(Json(DealCancelled::from(&result)))
}

/// A CRM body whose `X-Signature` verified (`401` otherwise), not parsed
/// yet: an unsigned caller learns nothing of what a body should hold.
pub struct Signed(RawBody);

impl FromRequest<CrmState> for Signed {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &CrmState) -> Result<Self, Problem> {
        let body = RawBody::from_request(req, state).await?;
        let header = body.headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
        verify_signature(state, header, &body.bytes).await?;
        Ok(Self(body))
    }
}

/// Checks the signature; on a mismatch, reads the secrets again once (a
/// rotation may have happened since they were read) before refusing.
async fn verify_signature(
    state: &CrmState,
    header: Option<&str>,
    raw: &[u8],
) -> Result<(), Problem> {
    let unavailable = |e: StoreError| {
        tracing::error!(error = %e, "cannot read the webhook secrets");
        Problem::new(Kind::ServiceUnavailable).detail("please retry later")
    };
    let now = state.clock.now();
    let (result, _) = crate::secrets::check_fresh(
        &*state.secrets,
        |secrets| signature::verify(header, raw, secrets, now),
        |result| *result == Err(signature::SignatureError::Mismatch),
    )
    .await
    .map_err(unavailable)?;
    result.map_err(|e| {
        tracing::warn!(reason = %e, "CRM webhook rejected");
        Problem::new(Kind::InvalidSignature).detail(e.to_string())
    })
}
