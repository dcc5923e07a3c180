//! Milestone templates: one row per version; the current one is the latest.

use super::{SqliteStore, json, parse, strings, unavailable};
use app::ports::{CommitError, StoreError, TemplateStore};
use async_trait::async_trait;
use domain::template::Template;
use rusqlite::{TransactionBehavior, params};
use store::records;

#[async_trait]
impl TemplateStore for SqliteStore {
    async fn current_templates(
        &self,
        service_types: &[String],
    ) -> Result<Vec<Template>, StoreError> {
        let types = service_types.to_vec();
        self.run(move |conn| {
            let mut templates: Vec<Template> = Vec::new();
            for t in types {
                if templates.iter().any(|known| known.service_type == t) {
                    continue;
                }
                let sql = "SELECT body FROM templates WHERE service_type = ?1
                           ORDER BY version DESC LIMIT 1";
                if let Some(body) = strings(conn, sql, &t)?.first() {
                    templates.push(parse::<records::Template, _>(&t, body)?);
                }
            }
            Ok(templates)
        })
        .await
    }

    async fn save_template(&self, template: &Template) -> Result<(), CommitError> {
        let (service_type, version) = (template.service_type.clone(), template.version);
        let body = json(&service_type, &records::Template::from(template))?;
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let current: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM templates WHERE service_type = ?1",
                    [&service_type],
                    |r| r.get(0),
                )
                .map_err(unavailable)?;
            if current != i64::from(version) - 1 {
                return Err(CommitError::VersionConflict);
            }
            tx.execute(
                "INSERT INTO templates (service_type, version, body) VALUES (?1, ?2, ?3)",
                params![service_type, version, body],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
