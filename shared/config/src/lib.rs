//! Every environment variable the bundle reads, and the typed settings of
//! each binary. A binary builds its settings once at start-up and stops with
//! a clear message when one is missing or malformed.
//!
//! Each settings type lists the variables it reads (`REQUIRED`, `OPTIONAL`),
//! so the infrastructure template can be checked against the code.

use std::fmt;
use thiserror::Error;

/// Environment variable names, defined once.
pub mod vars {
    pub const TABLE_NAME: &str = "TABLE_NAME";
    pub const CRM_WEBHOOK_SECRET: &str = "CRM_WEBHOOK_SECRET";
    /// The previous webhook secret, still accepted while the CRM rotates.
    pub const CRM_WEBHOOK_SECRET_PREVIOUS: &str = "CRM_WEBHOOK_SECRET_PREVIOUS";
    /// In AWS: the Secrets Manager secret holding the webhook secrets
    /// (`{"current": ..., "previous": ...}`), instead of the two above.
    pub const CRM_WEBHOOK_SECRET_ID: &str = "CRM_WEBHOOK_SECRET_ID";
    pub const LOCAL_JWT_SECRET: &str = "LOCAL_JWT_SECRET";
    pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
    pub const MAIL_FROM: &str = "MAIL_FROM";
    /// Optional SES configuration set (bounce and complaint tracking).
    pub const SES_CONFIGURATION_SET: &str = "SES_CONFIGURATION_SET";
    /// Who receives level-2 escalations of blocked tasks.
    pub const ESCALATION_EMAIL: &str = "ESCALATION_EMAIL";
    pub const PORT: &str = "PORT";
    pub const DATA_DIR: &str = "DATA_DIR";
    /// The console's signing secret (session cookies, customer status
    /// links), given directly (local runs, tests) ...
    pub const CONSOLE_SECRET: &str = "CONSOLE_SECRET";
    /// ... with the previous one still accepted while rotating ...
    pub const CONSOLE_SECRET_PREVIOUS: &str = "CONSOLE_SECRET_PREVIOUS";
    /// ... or, in AWS, the Secrets Manager secret holding both
    /// (`{"current": ..., "previous": ...}`, as for the CRM secret).
    pub const CONSOLE_SECRET_ID: &str = "CONSOLE_SECRET_ID";
    /// The public base URL of the bundle (`https://host`): customer status
    /// links in mail point under it.
    pub const PUBLIC_URL: &str = "PUBLIC_URL";
    /// The OpenID Connect issuer the console signs staff in with (the one
    /// the API's JWT authorizer trusts), and the console's client there.
    pub const OIDC_ISSUER: &str = "OIDC_ISSUER";
    pub const OIDC_CLIENT_ID: &str = "OIDC_CLIENT_ID";
    /// In AWS with the stack's own user pool: the Secrets Manager secret
    /// (`{"client_id": ...}`) the console's client id is published in, read
    /// at start-up (the client's callback names the API, which routes to
    /// the console: its id in the console's environment would be a cycle).
    pub const OIDC_CLIENT_ID_SECRET_ID: &str = "OIDC_CLIENT_ID_SECRET_ID";
    /// The identity provider's logout endpoint, when its discovery document
    /// names none (Cognito's `https://<domain>/logout`): signing out of the
    /// console signs out there too.
    pub const OIDC_LOGOUT_URL: &str = "OIDC_LOGOUT_URL";
    /// The ID token claims naming the member (an e-mail) and their roles.
    pub const OIDC_MEMBER_CLAIM: &str = "OIDC_MEMBER_CLAIM";
    pub const OIDC_ROLES_CLAIM: &str = "OIDC_ROLES_CLAIM";
    /// Every function: the value of the `Stack` dimension of its metrics
    /// (`shared::metrics`); absent, metrics carry no stack dimension.
    pub const METRICS_STACK: &str = "METRICS_STACK";
    /// Read by every function's telemetry, set by Lambda from the
    /// function's `LoggingConfig` (not by the template's environment).
    pub const AWS_LAMBDA_LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";
    /// The log level when `AWS_LAMBDA_LOG_LEVEL` is absent (local runs,
    /// tests, `cargo lambda watch`): `level` or `target=level,...`.
    pub const RUST_LOG: &str = "RUST_LOG";
}

/// What every Lambda function reads besides its own settings (telemetry).
pub const TELEMETRY_VARS: &[&str] = &[vars::METRICS_STACK];

/// The local defaults of the contract (README, "The contract").
pub mod local_defaults {
    pub const PORT: u16 = 3000;
    pub const DATA_DIR: &str = ".local";
    pub const SECRET: &str = "local-dev-secret";
    pub const MAIL_FROM: &str = "BlueRockTEL Déploiements <deploiements@bluerocktel.fr>";
    pub const ESCALATION_EMAIL: &str = "escalade.deploiements@bluerocktel.fr";
    pub const CONSOLE_SECRET: &str = "local-console-secret";
    /// Claims naming the member and their roles when not configured (the
    /// contract's `sub` and `roles`).
    pub const OIDC_MEMBER_CLAIM: &str = "sub";
    pub const OIDC_ROLES_CLAIM: &str = "roles";
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} must be set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A secret value: usable, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Reads variables through `lookup`, so settings can be tested without
/// touching the process environment.
pub struct Env<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        match (self.0)(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(ConfigError::Missing(name)),
        }
    }

    pub fn optional(&self, name: &'static str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    pub fn parsed<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|e: T::Err| ConfigError::Invalid { name, reason: e.to_string() }),
        }
    }

    /// `PUBLIC_URL`, required: an `http://` or `https://` URL, without its trailing `/`.
    pub fn public_url(&self) -> Result<String, ConfigError> {
        let url = self.required(vars::PUBLIC_URL)?.trim().trim_end_matches('/').to_owned();
        let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(ConfigError::Invalid {
                name: vars::PUBLIC_URL,
                reason: "must be an http:// or https:// URL such as https://deploiements.example"
                    .into(),
            });
        }
        Ok(url)
    }

    /// The webhook secrets in force: the current one, then the previous one if rotating.
    pub fn webhook_secrets(&self) -> Result<Vec<Secret>, ConfigError> {
        let mut secrets = vec![Secret::new(self.required(vars::CRM_WEBHOOK_SECRET)?)];
        secrets.extend(self.optional(vars::CRM_WEBHOOK_SECRET_PREVIOUS).map(Secret::new));
        Ok(secrets)
    }
}

/// The process environment.
pub fn process_env() -> Env<impl Fn(&str) -> Option<String>> {
    Env(|name: &str| std::env::var(name).ok())
}

/// Where the webhook secrets come from.
#[derive(Debug, PartialEq, Eq)]
pub enum WebhookSecretSource {
    /// Given in the environment (local runs, tests).
    Fixed(Vec<Secret>),
    /// Read from Secrets Manager (deployed functions): the secret's id.
    SecretsManager(String),
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// A rotating secret: read from Secrets Manager when `id` is set,
    /// otherwise `current` (required) and `previous` from the environment.
    pub fn secret_source(
        &self,
        id: &'static str,
        current: &'static str,
        previous: &'static str,
    ) -> Result<WebhookSecretSource, ConfigError> {
        if let Some(id) = self.optional(id) {
            return Ok(WebhookSecretSource::SecretsManager(id));
        }
        let mut secrets = vec![Secret::new(self.required(current)?)];
        secrets.extend(self.optional(previous).map(Secret::new));
        Ok(WebhookSecretSource::Fixed(secrets))
    }
}

/// Settings of the `deal-won` function.
#[derive(Debug)]
pub struct DealWonConfig {
    pub table_name: String,
    pub webhook_secrets: WebhookSecretSource,
}

impl DealWonConfig {
    pub const REQUIRED: &[&str] = &[vars::TABLE_NAME];
    /// One of the first two (secret in the environment) or the third.
    pub const OPTIONAL: &[&str] =
        &[vars::CRM_WEBHOOK_SECRET, vars::CRM_WEBHOOK_SECRET_PREVIOUS, vars::CRM_WEBHOOK_SECRET_ID];

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let webhook_secrets = match env.optional(vars::CRM_WEBHOOK_SECRET_ID) {
            Some(id) => WebhookSecretSource::SecretsManager(id),
            None => WebhookSecretSource::Fixed(env.webhook_secrets()?),
        };
        Ok(Self { table_name: env.required(vars::TABLE_NAME)?, webhook_secrets })
    }
}

/// The token claims naming a member and their roles: the contract's `sub` and
/// `roles` unless the identity provider names them otherwise (a Cognito
/// user pool: `email` and `cognito:groups`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimNames {
    pub member: String,
    pub roles: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            member: local_defaults::OIDC_MEMBER_CLAIM.to_owned(),
            roles: local_defaults::OIDC_ROLES_CLAIM.to_owned(),
        }
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// [`ClaimNames`] from `OIDC_MEMBER_CLAIM` and `OIDC_ROLES_CLAIM`.
    pub fn claim_names(&self) -> ClaimNames {
        let default = ClaimNames::default();
        ClaimNames {
            member: self.optional(vars::OIDC_MEMBER_CLAIM).unwrap_or(default.member),
            roles: self.optional(vars::OIDC_ROLES_CLAIM).unwrap_or(default.roles),
        }
    }
}

/// Settings of the staff functions (`projects`, `milestones`, `tasks`, ...).
#[derive(Debug)]
pub struct StaffConfig {
    pub table_name: String,
    pub claims: ClaimNames,
}

impl StaffConfig {
    pub const REQUIRED: &[&str] = &[vars::TABLE_NAME];
    pub const OPTIONAL: &[&str] = &[vars::OIDC_MEMBER_CLAIM, vars::OIDC_ROLES_CLAIM];

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self { table_name: env.required(vars::TABLE_NAME)?, claims: env.claim_names() })
    }
}

/// Settings of the `dispatch` function (outbox stream and sweep).
#[derive(Debug)]
pub struct DispatchConfig {
    pub table_name: String,
    pub event_bus_name: String,
    pub mail_from: String,
    pub configuration_set: Option<String>,
    /// Where customer mails' status links point (no trailing `/`).
    pub public_url: String,
    /// The console secrets that sign those links.
    pub console_secret: WebhookSecretSource,
}

impl DispatchConfig {
    pub const REQUIRED: &[&str] =
        &[vars::TABLE_NAME, vars::EVENT_BUS_NAME, vars::MAIL_FROM, vars::PUBLIC_URL];
    /// The console secret: the second and third, or the fourth.
    pub const OPTIONAL: &[&str] = &[
        vars::SES_CONFIGURATION_SET,
        vars::CONSOLE_SECRET,
        vars::CONSOLE_SECRET_PREVIOUS,
        vars::CONSOLE_SECRET_ID,
    ];

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let mail_from = env.required(vars::MAIL_FROM)?;
        if !mail_from.contains('@') {
            return Err(ConfigError::Invalid {
                name: vars::MAIL_FROM,
                reason: "must be an address such as Name <x@example.com>".into(),
            });
        }
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            mail_from,
            configuration_set: env.optional(vars::SES_CONFIGURATION_SET),
            public_url: env.public_url()?,
            console_secret: env.secret_source(
                vars::CONSOLE_SECRET_ID,
                vars::CONSOLE_SECRET,
                vars::CONSOLE_SECRET_PREVIOUS,
            )?,
        })
    }
}

/// Settings of the `escalation` function.
#[derive(Debug)]
pub struct EscalationConfig {
    pub table_name: String,
    pub escalation_email: String,
}

impl EscalationConfig {
    pub const REQUIRED: &[&str] = &[vars::TABLE_NAME, vars::ESCALATION_EMAIL];
    pub const OPTIONAL: &[&str] = &[];

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let escalation_email = env.required(vars::ESCALATION_EMAIL)?;
        if !domain::validation::is_email(&escalation_email) {
            return Err(ConfigError::Invalid {
                name: vars::ESCALATION_EMAIL,
                reason: "must be an e-mail address".into(),
            });
        }
        Ok(Self { table_name: env.required(vars::TABLE_NAME)?, escalation_email })
    }
}

/// Settings of the `mail-feedback` function (SES bounces and complaints).
#[derive(Debug)]
pub struct MailFeedbackConfig {
    pub table_name: String,
}

impl MailFeedbackConfig {
    pub const REQUIRED: &[&str] = &[vars::TABLE_NAME];
    pub const OPTIONAL: &[&str] = &[];

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self { table_name: env.required(vars::TABLE_NAME)? })
    }
}

/// The identity provider the console signs staff in with (OpenID Connect
/// authorization code flow with PKCE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcSettings {
    /// `iss` of the ID tokens; its discovery document is read from
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub member_claim: String,
    pub roles_claim: String,
}

/// Settings of the `console` function.
#[derive(Debug)]
pub struct ConsoleConfig {
    pub table_name: String,
    pub secret: WebhookSecretSource,
    /// Its `client_id` is empty when [`Self::client_id_secret`] holds it.
    pub oidc: OidcSettings,
    pub client_id_secret: Option<String>,
    pub logout: Option<String>,
}

impl ConsoleConfig {
    pub const REQUIRED: &[&str] = &[vars::TABLE_NAME, vars::OIDC_ISSUER];
    /// The secret: the first two, or the third; the client id: the fourth
    /// or the fifth.
    pub const OPTIONAL: &[&str] = &[
        vars::CONSOLE_SECRET,
        vars::CONSOLE_SECRET_PREVIOUS,
        vars::CONSOLE_SECRET_ID,
        vars::OIDC_CLIENT_ID,
        vars::OIDC_CLIENT_ID_SECRET_ID,
        vars::OIDC_LOGOUT_URL,
        vars::OIDC_MEMBER_CLAIM,
        vars::OIDC_ROLES_CLAIM,
    ];

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let issuer = env.required(vars::OIDC_ISSUER)?;
        if !issuer.starts_with("https://") {
            return Err(ConfigError::Invalid {
                name: vars::OIDC_ISSUER,
                reason: "must be an https:// URL".into(),
            });
        }
        let claims = env.claim_names();
        let client_id_secret = env.optional(vars::OIDC_CLIENT_ID_SECRET_ID);
        let client_id = match &client_id_secret {
            Some(_) => String::new(),
            None => env.required(vars::OIDC_CLIENT_ID)?,
        };
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            client_id_secret,
            logout: env.optional(vars::OIDC_LOGOUT_URL),
            secret: env.secret_source(
                vars::CONSOLE_SECRET_ID,
                vars::CONSOLE_SECRET,
                vars::CONSOLE_SECRET_PREVIOUS,
            )?,
            oidc: OidcSettings {
                issuer: issuer.trim_end_matches('/').to_owned(),
                client_id,
                member_claim: claims.member,
                roles_claim: claims.roles,
            },
        })
    }
}

/// Settings of the local runner (`deployments-local`), with the contract's defaults.
#[derive(Debug)]
pub struct LocalConfig {
    pub port: u16,
    pub data_dir: std::path::PathBuf,
    pub webhook_secrets: Vec<Secret>,
    pub jwt_secret: Secret,
    pub mail_from: String,
    pub escalation_email: String,
    /// Signs console sessions and customer status links.
    pub console_secrets: Vec<Secret>,
    /// The runner's own address, for links in mail (`http://127.0.0.1:<port>`).
    pub public_url: String,
}

impl LocalConfig {
    /// Every one has a default.
    pub const OPTIONAL: &[&str] = &[
        vars::PORT,
        vars::DATA_DIR,
        vars::MAIL_FROM,
        vars::ESCALATION_EMAIL,
        vars::CRM_WEBHOOK_SECRET,
        vars::CRM_WEBHOOK_SECRET_PREVIOUS,
        vars::LOCAL_JWT_SECRET,
        vars::CONSOLE_SECRET,
        vars::CONSOLE_SECRET_PREVIOUS,
        vars::PUBLIC_URL,
    ];

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let or_default = |name| {
            Secret::new(env.optional(name).unwrap_or_else(|| local_defaults::SECRET.to_owned()))
        };
        let mut webhook_secrets = vec![or_default(vars::CRM_WEBHOOK_SECRET)];
        webhook_secrets.extend(env.optional(vars::CRM_WEBHOOK_SECRET_PREVIOUS).map(Secret::new));
        let mut console_secrets = vec![Secret::new(
            env.optional(vars::CONSOLE_SECRET)
                .unwrap_or_else(|| local_defaults::CONSOLE_SECRET.to_owned()),
        )];
        console_secrets.extend(env.optional(vars::CONSOLE_SECRET_PREVIOUS).map(Secret::new));
        let port = env.parsed(vars::PORT, local_defaults::PORT)?;
        Ok(Self {
            port,
            console_secrets,
            public_url: env
                .optional(vars::PUBLIC_URL)
                .unwrap_or_else(|| format!("http://127.0.0.1:{port}"))
                .trim_end_matches('/')
                .to_owned(),
            data_dir: env
                .optional(vars::DATA_DIR)
                .unwrap_or_else(|| local_defaults::DATA_DIR.to_owned())
                .into(),
            webhook_secrets,
            jwt_secret: or_default(vars::LOCAL_JWT_SECRET),
            mail_from: env
                .optional(vars::MAIL_FROM)
                .unwrap_or_else(|| local_defaults::MAIL_FROM.to_owned()),
            escalation_email: env
                .optional(vars::ESCALATION_EMAIL)
                .unwrap_or_else(|| local_defaults::ESCALATION_EMAIL.to_owned()),
        })
    }

    /// Where mails land, one `.eml` file each.
    pub fn mail_dir(&self) -> std::path::PathBuf {
        self.data_dir.join("mail")
    }

    /// Where events land, one EventBridge-shaped JSON object per line.
    pub fn events_path(&self) -> std::path::PathBuf {
        self.data_dir.join("events.jsonl")
    }

    /// The embedded database file.
    pub fn database_path(&self) -> std::path::PathBuf {
        self.data_dir.join("deployments.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Env(move |name: &str| map.get(name).cloned())
    }

    #[test]
    fn deal_won_config_fails_fast_on_a_missing_table_or_secret() {
        let err = DealWonConfig::from_env(&env(&[("CRM_WEBHOOK_SECRET", "s")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("TABLE_NAME"));
        let err = DealWonConfig::from_env(&env(&[("TABLE_NAME", "t")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("CRM_WEBHOOK_SECRET"));
    }

    #[test]
    fn both_secrets_are_accepted_during_a_rotation() {
        let config = DealWonConfig::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("CRM_WEBHOOK_SECRET", "new"),
            ("CRM_WEBHOOK_SECRET_PREVIOUS", "old"),
        ]))
        .unwrap();
        assert_eq!(
            config.webhook_secrets,
            WebhookSecretSource::Fixed(vec![Secret::new("new"), Secret::new("old")])
        );
    }

    #[test]
    fn deployed_functions_read_the_secret_from_secrets_manager() {
        let config = DealWonConfig::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("CRM_WEBHOOK_SECRET_ID", "bluerocktel/crm"),
        ]))
        .unwrap();
        assert_eq!(
            config.webhook_secrets,
            WebhookSecretSource::SecretsManager("bluerocktel/crm".into())
        );
    }

    #[test]
    fn the_local_runner_defaults_to_api_md() {
        let config = LocalConfig::from_env(&env(&[])).unwrap();
        assert!(config.mail_from.contains("deploiements@bluerocktel.fr"));
        assert_eq!(config.port, 3000);
        assert_eq!(config.data_dir, std::path::PathBuf::from(".local"));
        assert_eq!(config.webhook_secrets, [Secret::new("local-dev-secret")]);
        assert_eq!(config.jwt_secret, Secret::new("local-dev-secret"));
        let config =
            LocalConfig::from_env(&env(&[("PORT", "8080"), ("DATA_DIR", "/tmp/x")])).unwrap();
        assert_eq!((config.port, config.database_path()), (8080, "/tmp/x/deployments.db".into()));
    }

    const DISPATCH: &[(&str, &str)] = &[
        ("TABLE_NAME", "t"),
        ("EVENT_BUS_NAME", "bus"),
        ("MAIL_FROM", "BlueRockTEL <d@bluerocktel.fr>"),
        ("PUBLIC_URL", "https://deploiements.example/"),
        ("CONSOLE_SECRET_ID", "bluerocktel/console"),
    ];

    fn dispatch_env(
        edit: impl FnOnce(&mut Vec<(&str, &str)>),
    ) -> Result<DispatchConfig, ConfigError> {
        let mut pairs = DISPATCH.to_vec();
        edit(&mut pairs);
        DispatchConfig::from_env(&env(&pairs))
    }

    #[test]
    fn dispatch_reads_the_public_url_and_the_console_secret_from_secrets_manager() {
        let config = dispatch_env(|_| {}).unwrap();
        assert_eq!(config.public_url, "https://deploiements.example");
        assert_eq!(
            config.console_secret,
            WebhookSecretSource::SecretsManager("bluerocktel/console".into())
        );
        let config = dispatch_env(|p| {
            p.retain(|(k, _)| *k != "CONSOLE_SECRET_ID");
            p.extend([("CONSOLE_SECRET", "new"), ("CONSOLE_SECRET_PREVIOUS", "old")]);
        })
        .unwrap();
        assert_eq!(
            config.console_secret,
            WebhookSecretSource::Fixed(vec![Secret::new("new"), Secret::new("old")])
        );
    }

    #[test]
    fn dispatch_needs_a_web_public_url_and_a_console_secret() {
        let without = |name: &'static str| dispatch_env(|p| p.retain(|(k, _)| *k != name));
        assert_eq!(without("PUBLIC_URL").unwrap_err(), ConfigError::Missing("PUBLIC_URL"));
        assert_eq!(
            without("CONSOLE_SECRET_ID").unwrap_err(),
            ConfigError::Missing("CONSOLE_SECRET")
        );
        for bad in ["deploiements.example", "ftp://x.example", "https://", "https://a b"] {
            let err = dispatch_env(|p| p.push(("PUBLIC_URL", bad))).unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { name: "PUBLIC_URL", .. }), "{bad}");
        }
        let local = dispatch_env(|p| p.push(("PUBLIC_URL", "http://127.0.0.1:3000"))).unwrap();
        assert_eq!(local.public_url, "http://127.0.0.1:3000");
    }

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret([redacted])");
    }

    #[test]
    fn malformed_numbers_are_reported_with_their_variable() {
        let err = env(&[("PORT", "eighty")]).parsed::<u16>(vars::PORT, 3000).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "PORT", .. }));
    }

    #[test]
    fn claims_name_members_as_api_md_unless_the_identity_provider_differs() {
        let staff = StaffConfig::from_env(&env(&[("TABLE_NAME", "t")])).unwrap();
        assert_eq!((staff.claims.member.as_str(), staff.claims.roles.as_str()), ("sub", "roles"));
        let cognito = [
            ("TABLE_NAME", "t"),
            ("OIDC_ISSUER", "https://cognito-idp.eu-west-3.amazonaws.com/pool/"),
            ("OIDC_CLIENT_ID", "client"),
            ("CONSOLE_SECRET_ID", "bluerocktel/console"),
            ("OIDC_MEMBER_CLAIM", "email"),
            ("OIDC_ROLES_CLAIM", "cognito:groups"),
        ];
        let console = ConsoleConfig::from_env(&env(&cognito)).unwrap();
        assert_eq!(console.oidc.issuer, "https://cognito-idp.eu-west-3.amazonaws.com/pool");
        assert_eq!(
            (console.oidc.member_claim.as_str(), console.oidc.roles_claim.as_str()),
            ("email", "cognito:groups")
        );
        assert_eq!(
            console.secret,
            WebhookSecretSource::SecretsManager("bluerocktel/console".into())
        );
        let plain = ConsoleConfig::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("OIDC_ISSUER", "http://idp"),
            ("OIDC_CLIENT_ID", "c"),
            ("CONSOLE_SECRET", "s"),
        ]));
        assert!(matches!(plain, Err(ConfigError::Invalid { name: "OIDC_ISSUER", .. })));
    }
}
