//! Request building and answer parsing, per platform, without a socket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;
use crate::http::HttpResponse;

const RESOURCE: &str = "https://management.azure.com";
const NOW: u64 = 1_700_000_000;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn query(request: &HttpRequest) -> Vec<(String, String)> {
    request.url.query_pairs().into_owned().collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn secret() -> PlatformSecret {
    PlatformSecret::new("platform-secret-value")
}

#[test]
fn each_platform_names_the_identity_its_own_way() {
    let client = ManagedIdentity::ClientId("cid".into());
    let object = ManagedIdentity::ObjectId("oid".into());
    let resource = ManagedIdentity::ResourceId("/subscriptions/s/rg".into());
    let imds = url("http://169.254.169.254/metadata/identity/oauth2/token");

    let request = imds::token_request(&imds, &ManagedIdentity::SystemAssigned, RESOURCE);
    assert_eq!(
        query(&request),
        pairs(&[("api-version", "2018-02-01"), ("resource", RESOURCE)])
    );
    assert_eq!(request.headers, pairs(&[("Metadata", "true")]));
    for (identity, name) in [
        (&client, "client_id"),
        (&object, "object_id"),
        (&resource, "msi_res_id"),
    ] {
        let request = imds::token_request(&imds, identity, RESOURCE);
        assert_eq!(
            query(&request)[2],
            (name.to_owned(), identity.cache_id().to_owned())
        );
    }

    let endpoint = url("http://127.0.0.1:41741/MSI/token/");
    let request = app_service::token_request(&endpoint, &secret(), &resource, RESOURCE);
    assert_eq!(
        query(&request),
        pairs(&[
            ("api-version", "2019-08-01"),
            ("resource", RESOURCE),
            ("mi_res_id", "/subscriptions/s/rg")
        ])
    );
    assert_eq!(request.secret_headers.len(), 1);
    assert_eq!(request.secret_headers[0].0, "X-IDENTITY-HEADER");

    let request = machine_learning::token_request(&endpoint, &secret(), &client, RESOURCE);
    assert_eq!(
        query(&request)[2],
        ("clientid".to_owned(), "cid".to_owned())
    );
    assert_eq!(request.secret_headers[0].0, "secret");

    let request = service_fabric::token_request(&endpoint, &secret(), RESOURCE, Some("ab12"));
    assert_eq!(
        query(&request),
        pairs(&[
            ("api-version", "2019-07-01-preview"),
            ("resource", RESOURCE),
            ("token_sha256_to_refresh", "ab12")
        ])
    );
    assert_eq!(request.secret_headers[0].0, "Secret");

    let request = arc::token_request(&endpoint, &object, RESOURCE);
    assert_eq!(
        query(&request),
        pairs(&[
            ("api-version", "2020-06-01"),
            ("resource", RESOURCE),
            ("object_id", "oid")
        ])
    );
    let answered = arc::authorized_request(&request, &secret());
    assert_eq!(answered.url, request.url);
    assert!(answered.authorization.is_some());

    let request = cloud_shell::token_request(&url("http://localhost:50342/oauth2/token"), RESOURCE);
    assert_eq!(request.method, crate::http::Method::Post);
    assert_eq!(request.url.query(), None);
    assert_eq!(request.form[0].0, "resource");
    assert_eq!(request.headers, pairs(&[("Metadata", "true")]));

    // Secrets never show in Debug output.
    let shown = format!(
        "{:?}",
        app_service::token_request(&endpoint, &secret(), &client, RESOURCE)
    );
    assert!(!shown.contains("platform-secret-value"), "{shown}");
}

#[test]
fn platforms_that_choose_the_identity_refuse_a_user_assigned_one() {
    let fabric = Source::ServiceFabric {
        endpoint: url("https://10.0.0.4:2377/x"),
        header: secret(),
        pin: ServerPin::from_thumbprint(&"ab".repeat(20)).unwrap(),
    };
    let shell = Source::CloudShell {
        endpoint: url("http://localhost:50342/oauth2/token"),
    };
    let user = ManagedIdentity::ClientId("cid".into());
    for source in [&fabric, &shell] {
        assert!(
            source
                .check_identity(&ManagedIdentity::SystemAssigned)
                .is_ok()
        );
        let err = source.check_identity(&user).unwrap_err().to_string();
        assert!(
            err.contains("does not support") && err.contains("cid"),
            "{err}"
        );
    }
}

fn answer(status: u16, body: serde_json::Value) -> HttpExchange {
    HttpExchange {
        response: HttpResponse {
            status,
            content_type: Some("application/json".into()),
            body: body.to_string().into_bytes(),
        },
        retry_after: None,
        www_authenticate: None,
    }
}

fn request() -> HttpRequest {
    HttpRequest::get(url("http://127.0.0.1:1/msi/token?resource=r&api-version=x"))
}

#[test]
fn answers_give_a_lifetime_in_either_shape() {
    let parse =
        |body| parse_token_answer(SourceKind::AppService, &request(), &answer(200, body), NOW);
    let imds = parse(json!({
        "access_token": "t", "expires_in": "86399", "expires_on": "1",
        "resource": RESOURCE, "token_type": "Bearer", "client_id": "CID"
    }))
    .unwrap();
    assert_eq!(imds.expires_in, 86_399);
    assert!(imds.confirms(&ManagedIdentity::ClientId("cid".into())));
    assert!(!imds.confirms(&ManagedIdentity::ObjectId("cid".into())));
    assert!(imds.confirms(&ManagedIdentity::SystemAssigned));

    let app_service =
        parse(json!({"access_token": "t", "expires_on": (NOW + 3600).to_string()})).unwrap();
    assert_eq!(app_service.expires_in, 3600);
    assert_eq!(app_service.token_type, "Bearer");
    let fabric =
        parse(json!({"access_token": "t", "expires_on": NOW + 60, "token_type": "bearer"}))
            .unwrap();
    assert_eq!(
        (fabric.expires_in, fabric.token_type.as_str()),
        (60, "bearer")
    );
    let past = parse(json!({"access_token": "t", "expires_on": 5})).unwrap();
    assert_eq!(past.expires_in, 0);

    for bad in [
        json!({"access_token": "t"}),
        json!({"access_token": "", "expires_in": 5}),
        json!({"expires_in": 5}),
        json!(["access_token"]),
    ] {
        let err = parse(bad.clone()).unwrap_err();
        assert!(
            matches!(err, crate::Error::UnexpectedResponse { .. }),
            "{bad}: {err}"
        );
    }
}

#[test]
fn refusals_carry_each_platforms_message() {
    let refused = |status, body| {
        let err = parse_token_answer(SourceKind::Imds, &request(), &answer(status, body), NOW)
            .unwrap_err();
        match err {
            crate::Error::ManagedIdentity(e @ ManagedIdentityError::Refused { .. }) => {
                e.to_string()
            }
            other => panic!("{other}"),
        }
    };
    let imds = refused(
        400,
        json!({"error": "invalid_request", "error_description": "Identity not found"}),
    );
    assert!(
        imds.contains("IMDS")
            && imds.contains("HTTP 400")
            && imds.contains("invalid_request: Identity not found"),
        "{imds}"
    );
    assert!(!imds.contains("resource=r"), "no query in messages: {imds}");
    let app = refused(
        400,
        json!({"statusCode": 400, "message": "Unable to load the proper Managed Identity."}),
    );
    assert!(
        app.contains("400: Unable to load the proper Managed Identity."),
        "{app}"
    );
    let fabric = refused(
        404,
        json!({"error": {"code": "ManagedIdentityNotFound", "message": "not \u{1b}[31mfound"}}),
    );
    assert!(
        fabric.contains("ManagedIdentityNotFound: not found") && !fabric.contains('\u{1b}'),
        "{fabric}"
    );
    let html = parse_token_answer(
        SourceKind::Imds,
        &request(),
        &HttpExchange {
            response: HttpResponse {
                status: 403,
                content_type: Some("text/html".into()),
                body: b"<html>Forbidden</html>".to_vec(),
            },
            retry_after: None,
            www_authenticate: None,
        },
        NOW,
    )
    .unwrap_err()
    .to_string();
    assert!(html.contains("<html>Forbidden</html>"), "{html}");
    let long = refused(
        400,
        json!({"error": "x", "error_description": "y".repeat(10_000)}),
    );
    assert!(long.len() < 600, "{}", long.len());
}
