//! "Settings → Deployment templates" end to end, on DynamoDB Local and on
//! the embedded store: versions, defaults, the round trip a client makes,
//! and projects pinned to the version they were created from.

use axum::http::StatusCode;
use domain::ProjectId;
use integration_tests::fixtures::{ADMIN, Bundle};
use integration_tests::{Reply, edited_deal};
use serde_json::{Value, json};

const PATH: &str = "/v1/settings/deployment-templates/sip_trunk";

/// A request of the admin holding `role` (none: without a token).
async fn call(
    f: &Bundle,
    method: &str,
    path: &str,
    role: Option<&'static str>,
    body: Option<Value>,
) -> Reply {
    f.call(method, path, role.map(|r| (ADMIN, r)), body).await
}

/// The sample deal under another `deal_id`, received.
async fn deal(f: &Bundle, deal_id: &str) -> Reply {
    f.receive(edited_deal(|d| d["deal_id"] = deal_id.into())).await
}

/// A SIP trunk needs no equipment delivery: four milestones, with default tasks.
fn sip_trunk(from: &Value) -> Value {
    let mut t = from.clone();
    let milestones = t["milestones"].as_array_mut().unwrap();
    milestones
        .retain(|m| !matches!(m["key"].as_str(), Some("equipment_ordered" | "delivery_confirmed")));
    milestones[1]["default_tasks"] = json!([
        { "title": "Configurer le trunk sur le SBC", "due_offset_days": 5 },
        { "title": "Tester les appels entrants et sortants", "due_offset_days": 7 }
    ]);
    t
}

mod cases {
    use super::*;

    pub async fn a_saved_template_shapes_new_projects_and_spares_earlier_ones(f: Bundle) {
        // Before any save: the default template, version 0.
        let default = call(&f, "GET", PATH, Some("manager"), None).await;
        assert_eq!(default.status, StatusCode::OK);
        let default = default.json();
        assert_eq!(
            (default["version"].as_u64(), default["milestones"].as_array().unwrap().len()),
            (Some(0), 6)
        );
        assert_eq!(deal(&f, "D-BEFORE").await.status, StatusCode::CREATED);

        // GET → edit → PUT, sending back what GET returned.
        let saved = call(&f, "PUT", PATH, Some("admin"), Some(sip_trunk(&default))).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", String::from_utf8_lossy(&saved.body));
        let saved = saved.json();
        assert_eq!(
            (saved["version"].as_u64(), saved["updated_by"].as_str()),
            (Some(1), Some(ADMIN))
        );
        assert_eq!(call(&f, "GET", PATH, Some("admin"), None).await.json(), saved);

        the_next_deal_gets_it_and_earlier_projects_keep_theirs(&f).await;
        several_are_read_at_once_in_the_order_asked(&f).await;
    }

    /// Each asked service type, in its order: the saved one or the default.
    async fn several_are_read_at_once_in_the_order_asked(f: &Bundle) {
        let templates = app::Templates::new(f.store.clone(), f.clock.clone());
        let asked = ["fibre_ftto", "sip_trunk", "fibre_ftto"].map(String::from);
        let current = templates.current_of(&asked).await.expect("the templates read");
        let found: Vec<_> = current
            .iter()
            .map(|t| (t.service_type.as_str(), t.version, t.milestones.len()))
            .collect();
        assert_eq!(found, [("fibre_ftto", 0, 6), ("sip_trunk", 1, 4), ("fibre_ftto", 0, 6)]);
    }

    /// A deal with a sip_trunk line now gets that template.
    async fn the_next_deal_gets_it_and_earlier_projects_keep_theirs(f: &Bundle) {
        assert_eq!(deal(f, "D-AFTER").await.status, StatusCode::CREATED);
        let after =
            f.store.load(&ProjectId::for_deal_line("D-AFTER", "L2")).await.unwrap().unwrap();
        let keys: Vec<_> = after.milestones.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(
            keys,
            ["order_confirmed", "installation_done", "customer_acceptance", "go_live"]
        );
        assert_eq!(after.template.version, 1);
        let tasks: Vec<_> = after
            .tasks
            .iter()
            .map(|t| (t.title.as_str(), t.milestone_key.as_str(), t.due_date.to_string()))
            .collect();
        assert_eq!(
            tasks,
            [
                ("Configurer le trunk sur le SBC", "installation_done", "2026-11-25".to_owned()),
                (
                    "Tester les appels entrants et sortants",
                    "installation_done",
                    "2026-11-27".to_owned()
                )
            ]
        );
        // The fibre line of the same deal keeps the default.
        let fibre =
            f.store.load(&ProjectId::for_deal_line("D-AFTER", "L1")).await.unwrap().unwrap();
        assert_eq!((fibre.template.version, fibre.milestones.len()), (0, 6));
        // The project created before the save is untouched.
        let before =
            f.store.load(&ProjectId::for_deal_line("D-BEFORE", "L2")).await.unwrap().unwrap();
        assert_eq!(
            (before.template.version, before.milestones.len(), before.tasks.len()),
            (0, 6, 0)
        );
    }

    pub async fn edits_are_validated_and_stale_ones_refused(f: Bundle) {
        let default = call(&f, "GET", PATH, Some("admin"), None).await.json();
        let mut broken = default.clone();
        broken["milestones"].as_array_mut().unwrap().swap(4, 5);
        broken["milestones"][0]["key"] = "Bad Key".into();
        let reply = call(&f, "PUT", PATH, Some("admin"), Some(broken)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<_> = reply.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, ["milestones", "milestones[0].key"]);

        let mut unknown = default.clone();
        unknown["milestones"][0]["colour"] = "blue".into();
        assert_eq!(
            call(&f, "PUT", PATH, Some("admin"), Some(unknown)).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Two admins edit version 0; the second save is stale.
        assert_eq!(
            call(&f, "PUT", PATH, Some("admin"), Some(default.clone())).await.status,
            StatusCode::OK
        );
        let stale = call(&f, "PUT", PATH, Some("admin"), Some(default.clone())).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(stale.json()["current_version"], 1);
        // Leaving the version out means "on top of the current one".
        let mut blind = default.clone();
        blind.as_object_mut().unwrap().remove("version");
        assert_eq!(call(&f, "PUT", PATH, Some("admin"), Some(blind)).await.json()["version"], 2);
    }

    pub async fn only_admins_change_templates_and_managers_read_them(f: Bundle) {
        let body = call(&f, "GET", PATH, Some("admin"), None).await.json();
        for (method, role, expected) in [
            ("GET", None, StatusCode::UNAUTHORIZED),
            ("GET", Some("technician"), StatusCode::FORBIDDEN),
            ("GET", Some("manager"), StatusCode::OK),
            ("PUT", None, StatusCode::UNAUTHORIZED),
            ("PUT", Some("technician"), StatusCode::FORBIDDEN),
            ("PUT", Some("manager"), StatusCode::FORBIDDEN),
            ("PUT", Some("admin"), StatusCode::OK),
        ] {
            let b = (method == "PUT").then(|| body.clone());
            assert_eq!(
                call(&f, method, PATH, role, b).await.status,
                expected,
                "{method} as {role:?}"
            );
        }
        assert_eq!(
            call(&f, "GET", "/v1/settings/deployment-templates/Not-A-Type", Some("admin"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

integration_tests::suite_per_store!(|store| Bundle::new(store);
    a_saved_template_shapes_new_projects_and_spares_earlier_ones,
    edits_are_validated_and_stale_ones_refused,
    only_admins_change_templates_and_managers_read_them,
);
