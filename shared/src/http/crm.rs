//! The CRM webhook: `POST /v1/crm/deals/won` (function `deal-won`).

use super::problem::{Kind, Problem};
use super::{body, parse_json, require_json, routes, signature};
use crate::app::{Intake, IntakeError, IntakeOutcome};
use crate::domain::deal::DealWon;
use crate::ports::{Clock, WebhookSecrets};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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
        store: Arc<dyn crate::store::Store>,
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
        (status = 201, description = "Projects created", body = crate::domain::intake::DealAccepted),
        (status = 200, description = "Delivered again: the first answer", body = crate::domain::intake::DealAccepted),
        (status = 409, description = "Same deal_id, different content", body = Problem, content_type = "application/problem+json"),
        super::openapi::StaffProblems,
    )
)]
pub(crate) async fn deal_won(
    State(state): State<CrmState>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let raw = body(raw)?;
    let header = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
    verify_signature(&state, header, &raw).await?;
    require_json(&headers)?;
    let deal: DealWon = parse_json(&raw)?;
    let deal_id = deal.deal_id.clone();
    match state.intake.receive(deal).await {
        Ok(IntakeOutcome::Created(accepted)) => {
            tracing::info!(%deal_id, projects = accepted.projects.len(), "deal received, projects created");
            Ok((StatusCode::CREATED, axum::Json(accepted)).into_response())
        }
        Ok(IntakeOutcome::Replayed(accepted)) => {
            tracing::info!(%deal_id, "deal delivered again, answered from its record");
            Ok((StatusCode::OK, axum::Json(accepted)).into_response())
        }
        Err(e) => Err(problem(&deal_id, e)),
    }
}

/// Checks the signature; on a mismatch, reads the secrets again once (a
/// rotation may have happened since they were read) before refusing.
async fn verify_signature(
    state: &CrmState,
    header: Option<&str>,
    raw: &[u8],
) -> Result<(), Problem> {
    let unavailable = |e: crate::ports::StoreError| {
        tracing::error!(error = %e, "cannot read the webhook secrets");
        Problem::new(Kind::ServiceUnavailable).detail("please retry later")
    };
    let now = state.clock.now();
    let mut result =
        signature::verify(header, raw, &state.secrets.current().await.map_err(unavailable)?, now);
    if result == Err(signature::SignatureError::Mismatch) && state.secrets.refresh().await {
        result = signature::verify(
            header,
            raw,
            &state.secrets.current().await.map_err(unavailable)?,
            now,
        );
    }
    result.map_err(|e| {
        tracing::warn!(reason = %e, "CRM webhook rejected");
        Problem::new(Kind::InvalidSignature).detail(e.to_string())
    })
}

fn problem(deal_id: &str, error: IntakeError) -> Problem {
    match error {
        IntakeError::Invalid(errors) => Problem::from(errors),
        IntakeError::Conflict { .. } => {
            tracing::warn!(%deal_id, "deal delivered again with different content");
            Problem::new(Kind::DealConflict)
                .detail(format!("deal {deal_id} was already received with different content"))
        }
        IntakeError::Store(e) => {
            tracing::error!(%deal_id, "deal intake failed");
            super::staff::commit_failure(&e)
        }
    }
}
