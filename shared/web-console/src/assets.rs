//! The console's static files, embedded in the binary: htmx (vendored,
//! pinned, BSD-0 licensed; no CDN) and the style sheet. Their paths carry
//! the version, so browsers may keep them.

use crate::routes;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// htmx 2.0.8, `dist/htmx.min.js` of the npm package `htmx.org`
/// (sha256 22283ef6…d31313).
const HTMX: &str = include_str!("../static/htmx-2.0.8.min.js");
const CSS: &str = include_str!("../static/console.css");

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            routes::htmx(),
            get(|| async { asset("text/javascript; charset=utf-8", HTMX, true) }),
        )
        .route(routes::css(), get(|| async { asset("text/css; charset=utf-8", CSS, false) }))
}

fn asset(content_type: &'static str, body: &'static str, immutable: bool) -> impl IntoResponse {
    // htmx's path names its version; the style sheet changes with releases.
    let cache =
        if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=3600" };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache)], body)
}
