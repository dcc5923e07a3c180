//! The CRM webhooks (function `deal-won`): a deal won, changed, cancelled.
//! One function serves the three: they share the signature, its secrets,
//! the same table rights and the CRM's bursts, so one warm pool serves them.
//!
//! Every answer is counted in `DealsReceived` by outcome ([`count_outcome`]);
//! each request's log lines carry its `deal_id` (a span around the use case).

use super::body::{DealAccepted, DealCancel, DealCancelled, DealChange, DealChanged, DealWon};
use super::errors::{deal_change_problem, intake_problem};
use super::extract::RawBody;
use super::openapi::{CrmChangeProblems, CrmProblems};
use super::problem::{Kind, Problem};
use super::{routes, signature};
use app::metrics::{self, DealOutcome};
use app::ports::Store;
use app::ports::{Clock, StoreError, WebhookSecrets};
use app::{DealChanges, DealPorts, Intake, IntakeOutcome};
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use std::sync::Arc;
use tracing::Instrument;

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
        .route_layer(axum::middleware::map_response(count_outcome))
        .with_state(state)
}

/// The outcome a handler names on its answer, when the status alone does
/// not tell it.
#[derive(Clone, Copy, Debug)]
struct Answered(DealOutcome);

/// Counts a CRM answer in `DealsReceived`: as its handler named it, else by
/// status (`2xx` written, `401` a rejected signature, `409` a conflict,
/// any other `4xx` invalid). A `5xx` is not the CRM's doing and is left to
/// the API's error alarms. A change or cancellation delivered again counts
/// as written: `DealChanges` answers a repeat as it answered the first.
async fn count_outcome(response: Response) -> Response {
    let status = response.status();
    let outcome = match response.extensions().get::<Answered>() {
        Some(Answered(outcome)) => Some(*outcome),
        None if status.is_success() => Some(DealOutcome::Created),
        None if status == StatusCode::UNAUTHORIZED => Some(DealOutcome::RejectedSignature),
        None if status == StatusCode::CONFLICT => Some(DealOutcome::Conflict),
        None if status.is_client_error() => Some(DealOutcome::Invalid),
        None => None,
    };
    if let Some(outcome) = outcome {
        metrics::deal_received(outcome);
    }
    response
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
    let deal = domain::DealWon::from(deal);
    let deal_id = deal.deal_id.clone();
    let span = tracing::info_span!("deal", %deal_id);
    let received = state.intake.receive(deal).instrument(span).await;
    let (status, accepted, outcome) = match received.map_err(|e| intake_problem(&deal_id, e))? {
        IntakeOutcome::Created(accepted) => {
            let projects = accepted.projects.len();
            tracing::info!(%deal_id, projects, "deal received, projects created");
            (StatusCode::CREATED, accepted, DealOutcome::Created)
        }
        IntakeOutcome::Replayed(accepted) => {
            tracing::info!(%deal_id, "deal delivered again, answered from its record");
            (StatusCode::OK, accepted, DealOutcome::Replayed)
        }
    };
    let mut response = (status, Json(DealAccepted::from(&accepted))).into_response();
    response.extensions_mut().insert(Answered(outcome));
    Ok(response)
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
    let change = domain::deal_changes::DealChange::from(change);
    let (deal_id, revision) = (change.deal.deal_id.clone(), change.revision);
    let span = tracing::info_span!("deal", %deal_id);
    let changed = state.changes.change(change).instrument(span).await;
    let result = changed.map_err(|e| deal_change_problem(&deal_id, e))?;
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
    let cancel = domain::deal_changes::DealCancel::from(cancel);
    let deal_id = cancel.deal_id.clone();
    let span = tracing::info_span!("deal", %deal_id);
    let cancelled = state.changes.cancel(cancel).instrument(span).await;
    let result = cancelled.map_err(|e| deal_change_problem(&deal_id, e))?;
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
    let (result, _) = app::secrets::check_fresh(
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

#[cfg(test)]
mod tests {
    use super::*;
    use app::metrics::tally::Tally;
    use app::metrics::{DEALS_RECEIVED, OUTCOME};

    fn answer(status: StatusCode, named: Option<DealOutcome>) -> Response {
        let mut response = status.into_response();
        if let Some(outcome) = named {
            response.extensions_mut().insert(Answered(outcome));
        }
        response
    }

    #[tokio::test]
    async fn each_answer_is_counted_once_under_its_outcome() {
        let tally = Tally::default();
        let _local = ::metrics::set_default_local_recorder(&tally);
        let answers = [
            answer(StatusCode::CREATED, Some(DealOutcome::Created)),
            answer(StatusCode::OK, Some(DealOutcome::Replayed)),
            answer(StatusCode::OK, None),
            answer(StatusCode::UNAUTHORIZED, None),
            answer(StatusCode::CONFLICT, None),
            answer(StatusCode::UNPROCESSABLE_ENTITY, None),
            answer(StatusCode::PAYLOAD_TOO_LARGE, None),
            answer(StatusCode::SERVICE_UNAVAILABLE, None),
        ];
        for response in answers {
            let status = response.status();
            assert_eq!(count_outcome(response).await.status(), status, "passed on unchanged");
        }
        let count = |outcome: &str| tally.count(DEALS_RECEIVED, &[(OUTCOME, outcome)]);
        assert_eq!(count("created"), 2);
        assert_eq!(count("replayed"), 1);
        assert_eq!(count("rejected_signature"), 1);
        assert_eq!(count("conflict"), 1);
        assert_eq!(count("invalid"), 2);
        assert_eq!(tally.all().values().sum::<u64>(), 7, "a 503 is not counted");
    }
}
