//! The CRM webhook: `POST /v1/crm/deals/won` (function `deal-won`).

use super::body::{DealAccepted, DealWon};
use super::errors::intake_problem;
use super::extract::RawBody;
use super::openapi::CrmProblems;
use super::problem::{Kind, Problem};
use super::{routes, signature};
use crate::app::{Intake, IntakeOutcome};
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
        let intake = Intake::new(store.clone(), store.clone(), store, clock.clone());
        Self { intake: Arc::new(intake), secrets, clock }
    }
}

/// The CRM routes; serve them through [`super::app`].
pub fn router(state: CrmState) -> Router {
    Router::new().route(routes::DEAL_WON, post(deal_won)).with_state(state)
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
    let secrets = state.secrets.current().await.map_err(unavailable)?;
    let mut result = signature::verify(header, raw, &secrets, now);
    if result == Err(signature::SignatureError::Mismatch) && state.secrets.refresh().await {
        let secrets = state.secrets.current().await.map_err(unavailable)?;
        result = signature::verify(header, raw, &secrets, now);
    }
    result.map_err(|e| {
        tracing::warn!(reason = %e, "CRM webhook rejected");
        Problem::new(Kind::InvalidSignature).detail(e.to_string())
    })
}
