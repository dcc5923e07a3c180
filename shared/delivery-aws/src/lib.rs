//! The delivery ports' adapters in the cloud: customer mail through SES v2
//! ([`ses`]) and events to an EventBridge bus ([`eventbridge`]).

pub mod eventbridge;
pub mod ses;
