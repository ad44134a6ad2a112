//! The test identity provider's own tests: it must be as strict as Entra ID where msal's tests
//! rely on it, and its faults must do what they say. They talk to it over HTTP with the tiny
//! client in `support::http` (and rustls for TLS), never through `msal`.

mod service;
mod sign_in;
