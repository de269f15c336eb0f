//! The web console's files, compiled into the station (no files to install, no internet needed).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::ApiState;

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file of the console: path, content type, content.
const FILES: [(&str, &str, &str); 7] = [
    ("/", HTML, include_str!("../../console/index.html")),
    ("/app.js", JS, include_str!("../../console/app.js")),
    ("/api.js", JS, include_str!("../../console/api.js")),
    ("/map.js", JS, include_str!("../../console/map.js")),
    ("/planner.js", JS, include_str!("../../console/planner.js")),
    ("/watch.js", JS, include_str!("../../console/watch.js")),
    ("/style.css", CSS, include_str!("../../console/style.css")),
];

/// Only the station's own scripts, styles, pictures and sockets: an alert summary or a vessel
/// name can never run as script, and nothing is fetched from elsewhere.
const CSP: &str = "default-src 'self'; img-src 'self' data:; connect-src 'self'; style-src 'self'; \
                   script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<std::sync::Arc<ApiState>> {
    FILES.iter().fold(Router::new(), |router, &(path, content_type, body)| {
        router.route(
            path,
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, content_type),
                        (header::CONTENT_SECURITY_POLICY, CSP),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    body,
                )
                    .into_response()
            }),
        )
    })
}
