//! The OAuth grants, one module each. Every module builds its requests and parses its responses
//! as pure functions over [`crate::http`] values; the `app` layer sends them.

pub mod auth_code;
pub(crate) mod client_credentials;
pub mod device_code;
pub mod loopback;
pub(crate) mod on_behalf_of;
pub(crate) mod password;
pub mod redirect_uri;
pub(crate) mod refresh;
pub mod token_endpoint;
pub mod token_exchange;
