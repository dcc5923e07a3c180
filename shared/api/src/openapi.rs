//! The OpenAPI 3.1 description of the API, generated from the handlers and
//! types (utoipa) and served at `GET /v1/openapi.json`.

use super::problem::Problem;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::{ServerBuilder, ServerVariableBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi};

/// The problems a route may answer, each `(status, description)`: all are
/// `application/problem+json` documents of the `Problem` schema.
type Problems = &'static [(u16, &'static str)];

/// Problems of reading a request, or of the service itself: any route.
const REQUEST_PROBLEMS: Problems = &[
    (400, "The body is not JSON"),
    (413, "Body over 256 KiB"),
    (415, "The body is not application/json"),
    (422, "Invalid fields, each named"),
    (500, "Unexpected error"),
    (503, "Temporarily unavailable; retry"),
];

/// Who may call a staff route, and what they see.
const STAFF_ACCESS: Problems = &[
    (401, "No valid bearer token"),
    (403, "The member's roles do not allow this"),
    (404, "No such resource (or not visible to this member)"),
];

/// The CRM's signature.
const CRM_SIGNATURE: Problems =
    &[(401, "The X-Signature header is missing, malformed, stale (over 300 s) or does not match")];

/// The one rule of deliveries of a won deal.
const DEAL_WON_REFUSALS: Problems = &[(409, "Same deal_id, different content")];

/// Why a change or cancellation of a deal is refused.
const DEAL_CHANGE_REFUSALS: Problems = &[
    (404, "The deal was never received"),
    (
        409,
        "A later revision was applied already (`stale-revision`), this revision came with \
         other content (`deal-conflict`), or the deal is cancelled (`deal-cancelled`)",
    ),
];

type Responses = std::collections::BTreeMap<String, RefOr<Response>>;

/// The responses of `sets` of problems.
fn problems(sets: &[Problems]) -> Responses {
    let problem = |description: &str| {
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem")));
        let response = ResponseBuilder::new()
            .description(description)
            .content(super::problem::CONTENT_TYPE, content.build());
        RefOr::T(response.build())
    };
    let all = sets.iter().flat_map(|set| set.iter());
    all.map(|(status, description)| (status.to_string(), problem(description))).collect()
}

/// Problems any authenticated staff route may answer.
pub struct StaffProblems;

impl IntoResponses for StaffProblems {
    fn responses() -> Responses {
        problems(&[STAFF_ACCESS, REQUEST_PROBLEMS])
    }
}

/// Problems the CRM's deal-won webhook may answer.
pub struct CrmProblems;

impl IntoResponses for CrmProblems {
    fn responses() -> Responses {
        problems(&[CRM_SIGNATURE, DEAL_WON_REFUSALS, REQUEST_PROBLEMS])
    }
}

/// Problems the CRM's deal-changed and deal-cancelled webhooks may answer.
pub struct CrmChangeProblems;

impl IntoResponses for CrmChangeProblems {
    fn responses() -> Responses {
        problems(&[CRM_SIGNATURE, DEAL_CHANGE_REFUSALS, REQUEST_PROBLEMS])
    }
}

/// Rule violations of commands.
pub struct Conflicts;

impl IntoResponses for Conflicts {
    fn responses() -> Responses {
        problems(&[&[(409, "The command does not fit the project's state (see `type`)")]])
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_jwt",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
        components.add_security_scheme(
            "crm_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Signature",
                "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")> \
                 (several v1 while rotating)",
            ))),
        );
    }
}

/// Where the API answers: the local runner, and a deployed stack's HTTP API.
struct Servers;

impl Modify for Servers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let deployed = ServerBuilder::new()
            .url("https://{api_id}.execute-api.{region}.amazonaws.com")
            .description(Some("A deployed stack: its `ApiUrl` output"))
            .parameter(
                "api_id",
                ServerVariableBuilder::new()
                    .default_value("abcdef1234")
                    .description(Some("The HTTP API's id")),
            )
            .parameter(
                "region",
                ServerVariableBuilder::new()
                    .default_value("eu-west-3")
                    .description(Some("The stack's region")),
            )
            .build();
        let local = ServerBuilder::new()
            .url("http://127.0.0.1:3000")
            .description(Some(
                "The local runner, `deployments-local` (its `PORT`, 3000 by default)",
            ))
            .build();
        openapi.servers = Some(vec![local, deployed]);
    }
}

/// What the derive cannot say per operation: who needs no credentials, which
/// problems only a body can cause, the authorizer's own refusal, and the
/// rules of the path parameters.
struct Edges;

impl Modify for Edges {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                edges(operation);
            }
        }
        let message = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("message", ObjectBuilder::new().schema_type(Type::String))
            .required("message")
            .description(Some(
                "API Gateway's JWT authorizer refusing a missing or invalid token before \
                 any function runs: `{\"message\":\"Unauthorized\"}`",
            ));
        let components = openapi.components.get_or_insert_with(Default::default);
        components.schemas.insert("GatewayUnauthorized".into(), RefOr::T(message.into()));
        pages_by_reference(&mut components.schemas);
    }
}

/// Request bodies refuse members they do not know (`crate::strict`), so
/// every object a request body can hold says `additionalProperties: false`;
/// the shared formats ([`wire`]) cannot say it themselves, the table's
/// readers being lenient.
struct StrictBodies;

impl Modify for StrictBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut pending: Vec<String> = Vec::new();
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                if let Some(body) = &operation.request_body {
                    pending.extend(references(body));
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut strict = std::collections::BTreeSet::new();
        while let Some(name) = pending.pop() {
            if let Some(schema) = components.schemas.get(&name)
                && strict.insert(name)
            {
                pending.extend(references(schema));
            }
        }
        let object = SchemaType::from(Type::Object);
        for name in strict {
            if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(&name)
                && o.schema_type == object
                && o.additional_properties.is_none()
            {
                o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// The component names `part` of the document refers to.
fn references(part: &impl serde::Serialize) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(|r| r.as_str())
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_owned());
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::to_value(part).unwrap_or_default(), &mut out);
    out
}

/// `Page<T>` inlines `T`: its items refer to `T`'s component instead, so that
/// a generated client has one type for the item and no component is unused.
fn pages_by_reference(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let names: Vec<String> = schemas.keys().cloned().collect();
    for (name, schema) in schemas.iter_mut() {
        let Some(item) = name.strip_prefix("Page_").filter(|i| names.iter().any(|n| n == i)) else {
            continue;
        };
        let RefOr::T(Schema::Object(page)) = schema else { continue };
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
            items.items = ArrayItems::RefOrSchema(Box::new(Ref::from_schema_name(item).into()));
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
        .into_iter()
        .filter_map(Option::as_mut)
}

fn edges(operation: &mut Operation) {
    if operation.security.is_none() {
        // Public: no credentials at all (the CRM routes declare their signature).
        operation.security = Some(Vec::new());
    }
    if operation.request_body.is_none() {
        operation.responses.responses.retain(|status, _| status != "413" && status != "415");
        if let Some(RefOr::T(malformed)) = operation.responses.responses.get_mut("400") {
            malformed.description = "The path could not be decoded".into();
        }
    }
    optional_body(operation);
    let staff = operation
        .security
        .iter()
        .flatten()
        .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("staff_jwt").is_some()));
    if staff && let Some(RefOr::T(response)) = operation.responses.responses.get_mut("401") {
        gateway_unauthorized(response);
    }
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && let Some(schema) = path_rule(&parameter.name)
        {
            parameter.schema = Some(RefOr::T(schema));
        }
    }
}

/// An optional body (`Option<T>`) is documented as a body that may be left
/// out, not as a JSON `null`, which the handlers refuse.
fn optional_body(operation: &mut Operation) {
    let Some(RefOr::T(body)) = operation.request_body.as_mut() else { return };
    for content in body.content.values_mut() {
        let RefOr::T(content) = content else { continue };
        let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else { continue };
        let not_null = one_of.items.iter().find(|item| !is_null(item));
        if let Some(item) = not_null.cloned() {
            content.schema = Some(item);
            body.required = Some(Required::False);
        }
    }
}

fn is_null(item: &RefOr<Schema>) -> bool {
    let null = Type::Null.into();
    matches!(item, RefOr::T(Schema::Object(o)) if o.schema_type == null)
}

/// The 401 of a staff route as API Gateway answers it, besides ours.
fn gateway_unauthorized(response: &mut Response) {
    response.description = "No valid bearer token: API Gateway's JWT authorizer answers \
        `application/json` (a missing, expired or invalid token), the service itself \
        `application/problem+json` (a token without the claims it needs)"
        .into();
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("GatewayUnauthorized")));
    response.content.insert("application/json".into(), RefOr::T(content.build()));
    let header = HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some("`Bearer` and, from the authorizer, why the token was refused"));
    response.headers.insert("WWW-Authenticate".into(), RefOr::T(header.build()));
}

/// The shape of a path parameter: anything else is answered `404`.
fn path_rule(name: &str) -> Option<Schema> {
    use super::body::rules;
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let schema = match name {
        "project_id" => string().format(Some(SchemaFormat::Custom("uuid".into()))).build(),
        "task_id" => string().pattern(Some("^T-[0-9-]{9,}$")).build(),
        "milestone_key" | "service_type" => {
            rules::string(rules::MACHINE_KEY, domain::validation::MAX_ID)
        }
        _ => return None,
    };
    Some(schema.into())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "BlueRockTEL Deployments",
        version = "1.1.0",
        description = "Won deals become installation projects: milestones, tasks, \
            customer mail, go-live. Errors are application/problem+json with a stable `type`."
    ),
    paths(
        super::crm::deal_won,
        super::crm::deal_changed,
        super::crm::deal_cancelled,
        super::projects::list_projects,
        super::projects::get_project,
        super::projects::list_tasks,
        super::projects::openapi_json,
        super::projects::analytics,
        super::milestones::complete,
        super::milestones::reopen,
        super::tasks::add,
        super::tasks::change,
        super::activation::activate,
        super::activation::hold,
        super::activation::resume,
        super::activation::cancel,
        super::templates::read,
        super::templates::replace,
    ),
    // Referenced by the problem responses and a query parameter, which do
    // not collect them themselves.
    components(schemas(
        Problem,
        super::body::HealthFilter,
        super::body::rules::Assignee,
        super::body::rules::Identifier,
    )),
    modifiers(&Security, &Servers, &Edges, &StrictBodies),
    tags(
        (name = "crm", description = "Called by the CRM"),
        (name = "projects", description = "Deployment projects, milestones and go-live"),
        (name = "tasks", description = "Tasks of milestones"),
        (name = "settings", description = "Deployment templates per service type"),
    )
)]
pub struct ApiDoc;

/// The document, as served.
pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_describes_exactly_the_routes_served() {
        use std::collections::BTreeSet;
        let doc = serde_json::to_value(spec()).unwrap();
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object().unwrap().keys().map(move |m| (m.to_ascii_uppercase(), path.clone()))
            })
            .collect();
        let served: BTreeSet<(String, String)> = crate::routes::SERVED
            .iter()
            .map(|s| (s.method.to_owned(), s.path.to_owned()))
            .collect();
        assert_eq!(documented, served);
    }

    #[test]
    fn every_reference_of_the_document_resolves() {
        let doc = serde_json::to_value(spec()).unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r}"));
            assert!(doc["components"]["schemas"].get(name).is_some(), "{r} is not in the document");
        }
    }
}
