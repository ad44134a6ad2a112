//! A headless "browser" for plain-HTTP pages on loopback: a cookie jar, redirects, and HTML forms
//! submitted the way a person would submit them. It drives an identity provider's own sign-in,
//! consent and device-code pages, and delivers a `form_post` answer to `msal`'s loopback
//! listener. No JavaScript, no TLS; enough HTML parsing for server-rendered forms.

use url::Url;

use super::http::{HttpRequest, HttpResponse};

/// The most pages one [`Browser::complete`] visits before the test fails (a loop guard).
const MAX_STEPS: usize = 20;

/// A page the browser ended on.
#[derive(Debug)]
pub struct Page {
    /// The HTTP status.
    pub status: u16,
    /// The HTML.
    pub body: String,
}

/// One HTML form: where it goes and the fields it would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// `action`, as written (resolve it against the page URL).
    pub action: String,
    /// `GET` or `POST`.
    pub method: String,
    /// `(name, value)` of each named `<input>`, in document order.
    pub inputs: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct Cookie {
    host: String,
    path: String,
    name: String,
    value: String,
}

/// A browser with its own cookie jar.
#[derive(Debug, Default)]
pub struct Browser {
    cookies: Vec<Cookie>,
    /// Every URL visited, in order (for failure messages and assertions).
    pub history: Vec<String>,
}

impl Browser {
    /// A browser with no cookies.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens `url` and goes on as a person would: follows redirects and submits the form each
    /// page shows, typing `fields` (by input name, e.g. `login`, `password`, `user_code`) into the
    /// inputs that have those names, until a page shows no form. Returns that last page.
    pub fn complete(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        match self.complete_until(url, fields, None) {
            Ok(page) => page,
            Err(location) => unreachable!("stopped at {location} without being asked to"),
        }
    }

    /// [`Self::complete`], but a redirect to an address starting with `stop_at` is not followed:
    /// `Err` with that address, as a person would copy it from the address bar of a page that
    /// does not load (an app's `https` redirect URI in a test that must not leave 127.0.0.1).
    pub fn complete_until(
        &mut self,
        url: &str,
        fields: &[(&str, &str)],
        stop_at: Option<&str>,
    ) -> Result<Page, String> {
        let mut next = Request::Get(url.to_owned());
        for _ in 0..MAX_STEPS {
            let url = next.url().to_owned();
            let response = self.send(&next);
            if (300..400).contains(&response.status) {
                let location = response.header("location").unwrap_or_else(|| {
                    panic!("HTTP {} from {url} without Location", response.status)
                });
                let target = resolve(&url, location);
                if stop_at.is_some_and(|prefix| target.starts_with(prefix)) {
                    return Err(target);
                }
                next = Request::Get(target);
                continue;
            }
            let body = response.text();
            let Some(form) = forms(&body).into_iter().next() else {
                return Ok(Page {
                    status: response.status,
                    body,
                });
            };
            assert!(
                response.status == 200,
                "HTTP {} from {url} (visited: {:?}):\n{body}",
                response.status,
                self.history
            );
            let mut inputs = form.inputs.clone();
            for (name, value) in inputs.iter_mut() {
                if let Some((_, typed)) = fields.iter().find(|(n, _)| n == name) {
                    *value = (*typed).to_owned();
                }
            }
            let action = resolve(&url, &form.action);
            next = if form.method.eq_ignore_ascii_case("get") {
                let mut target = Url::parse(&action).expect("form action URL");
                target.query_pairs_mut().extend_pairs(&inputs);
                Request::Get(target.to_string())
            } else {
                Request::Post(action, inputs)
            };
        }
        panic!(
            "more than {MAX_STEPS} pages without an end; visited {:?}",
            self.history
        );
    }

    fn send(&mut self, request: &Request) -> HttpResponse {
        let url = Url::parse(request.url()).expect("absolute URL");
        self.history.push(request.url().to_owned());
        let http = match request {
            Request::Get(u) => HttpRequest::get(u),
            Request::Post(u, form) => {
                let pairs: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                HttpRequest::post_form(u, &pairs)
            }
        };
        let cookie = self.cookie_header(&url);
        let http = if cookie.is_empty() {
            http
        } else {
            http.header("Cookie", &cookie)
        };
        let response = http
            .send()
            .unwrap_or_else(|e| panic!("browser: {} failed: {e}", request.url()));
        for (name, value) in &response.headers {
            if name == "set-cookie" {
                self.store_cookie(&url, value);
            }
        }
        response
    }

    fn cookie_header(&self, url: &Url) -> String {
        let host = url.host_str().unwrap_or_default();
        self.cookies
            .iter()
            .filter(|c| c.host == host && path_matches(url.path(), &c.path))
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Stores a `Set-Cookie` (RFC 6265 §5.2, simplified: host-only cookies, `Path`, and deletion
    /// by `Max-Age<=0` or an `Expires` in 1970, which is how servers clear cookies).
    fn store_cookie(&mut self, url: &Url, header: &str) {
        let mut parts = header.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let mut path = default_path(url.path());
        let mut delete = false;
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "path" if val.trim().starts_with('/') => path = val.trim().to_owned(),
                "max-age" => delete |= val.trim().parse::<i64>().is_ok_and(|s| s <= 0),
                "expires" => delete |= val.contains("1970"),
                _ => {}
            }
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let name = name.trim().to_owned();
        self.cookies
            .retain(|c| !(c.host == host && c.path == path && c.name == name));
        if !delete {
            self.cookies.push(Cookie {
                host,
                path,
                name,
                value: value.trim().to_owned(),
            });
        }
    }
}

enum Request {
    Get(String),
    Post(String, Vec<(String, String)>),
}

impl Request {
    fn url(&self) -> &str {
        match self {
            Request::Get(u) | Request::Post(u, _) => u,
        }
    }
}

/// `location` resolved against `base`.
fn resolve(base: &str, location: &str) -> String {
    Url::parse(base)
        .and_then(|b| b.join(location))
        .unwrap_or_else(|e| panic!("cannot resolve {location:?} against {base}: {e}"))
        .to_string()
}

/// RFC 6265 §5.1.4 path matching.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

/// RFC 6265 §5.1.4 default path: the request path up to its last `/`.
fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path[..i].to_owned(),
    }
}

/// The forms of an HTML page, in document order.
pub fn forms(html: &str) -> Vec<Form> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<form").map(|i| at + i) {
        let end = lower[start..]
            .find("</form>")
            .map_or(html.len(), |i| start + i);
        let tag_end = lower[start..].find('>').map_or(end, |i| start + i);
        let form_attributes = attributes(&html[start + 5..tag_end]);
        let get = |name: &str| {
            form_attributes
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let mut inputs = Vec::new();
        let mut i = tag_end;
        while let Some(input) = lower[i..end].find("<input").map(|j| i + j) {
            let input_end = lower[input..end].find('>').map_or(end, |j| input + j);
            let attrs = attributes(&html[input + 6..input_end]);
            let attr = |name: &str| {
                attrs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            if let Some(name) = attr("name") {
                inputs.push((name, attr("value").unwrap_or_default()));
            }
            i = input_end;
        }
        found.push(Form {
            action: get("action").unwrap_or_default(),
            method: get("method").unwrap_or_else(|| "GET".to_owned()),
            inputs,
        });
        at = end;
    }
    found
}

/// The attributes of a tag's inside (`name="value"`, `name='value'`, `name=value`, `name`),
/// names lowercased, values with HTML entities decoded.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() || c == '/' {
            chars.next();
            continue;
        }
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' || c == '>' {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let name = text[start..end].to_ascii_lowercase();
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek().is_some_and(|(_, c)| *c == '=') {
            chars.next();
            while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                chars.next();
            }
            match chars.peek().map(|(_, c)| *c) {
                Some(quote @ ('"' | '\'')) => {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == quote {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(&(_, c)) = chars.peek() {
                        if c.is_whitespace() {
                            break;
                        }
                        value.push(c);
                        chars.next();
                    }
                }
            }
        }
        if name.is_empty() {
            chars.next();
            continue;
        }
        out.push((name, decode_entities(&value)));
    }
    out
}

/// Decodes the entities servers use when escaping attribute values.
fn decode_entities(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn parses_forms_like_a_browser() {
    let html = r#"<p>x</p><FORM id="a" method="post" action="/interaction/U1">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
  <input
    value="A&amp;B" type='text' name=user_code></input>
  <button type="submit" name="abort">Abort</button>
</form><form action="http://localhost:5/"><input name="code" value="c&#39;1"></form>"#;
    let found = forms(html);
    assert_eq!(
        found,
        vec![
            Form {
                action: "/interaction/U1".into(),
                method: "post".into(),
                inputs: vec![
                    ("prompt".into(), "login".into()),
                    ("login".into(), String::new()),
                    ("user_code".into(), "A&B".into()),
                ],
            },
            Form {
                action: "http://localhost:5/".into(),
                method: "GET".into(),
                inputs: vec![("code".into(), "c'1".into())],
            },
        ]
    );
    assert!(path_matches("/interaction/U1", "/interaction/U1"));
    assert!(path_matches("/interaction/U1/x", "/interaction/U1"));
    assert!(!path_matches("/interaction/U12", "/interaction/U1"));
    assert!(path_matches("/auth", "/"));
    assert_eq!(default_path("/a/b"), "/a");
    assert_eq!(default_path("/a"), "/");
}
