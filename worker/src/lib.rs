//! The headless TOTP service as a Cloudflare Worker.

use worker::{Context, Env, Request, Response, Result, Router, event};

#[event(fetch)]
async fn fetch(request: Request, env: Env, _context: Context) -> Result<Response> {
    Router::new()
        .get_async("/health", |_request, context| async move {
            let database = context.env.d1("DB")?;
            database
                .prepare("SELECT 1")
                .first::<serde_json::Value>(None)
                .await?;
            Response::from_json(&serde_json::json!({ "status": "ok" }))
        })
        .run(request, env)
        .await
}
