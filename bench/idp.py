#!/usr/bin/env python3
"""A minimal Entra-shaped identity provider for the benchmark, on https://127.0.0.1:<ephemeral>.

It generates a throwaway CA and server certificate at start (Python `cryptography`), serves

  GET  /{tenant}/v2.0/.well-known/openid-configuration    Entra-shaped discovery
  POST /{tenant}/oauth2/v2.0/token                        client_credentials (secret), refresh_token
  GET  /metadata/identity/oauth2/token                    IMDS-shaped managed identity (Metadata: true)
  GET  /_stats                                            request counts per "METHOD path" (JSON)
  POST /_reset                                            zero the counts

and counts every request (the `/_stats` and `/_reset` calls themselves are not counted).
`{tenant}` is the tenant GUID or its domain; discovery always names the GUID, as Entra does.

When ready it writes `{"port": N, "ca": "...pem"}` to --ready-file (atomically). It binds
127.0.0.1 only, and exits on SIGTERM/SIGINT or when its parent process goes away.
No request ever leaves the machine.
"""

import argparse
import base64
import datetime
import ipaddress
import json
import os
import signal
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict) -> str:
    header = {"typ": "JWT", "alg": "RS256", "kid": "bench-idp-key"}
    return ".".join(
        [
            b64url(json.dumps(header, separators=(",", ":")).encode()),
            b64url(json.dumps(claims, separators=(",", ":")).encode()),
            b64url(os.urandom(256)),  # an RS256-sized signature, not verifiable
        ]
    )


def make_certs(directory: str):
    """A CA and a server certificate for 127.0.0.1/localhost; returns (ca, cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "msal bench throwaway CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = tuple(os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key"))
    with open(paths[0], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return paths


class Provider:
    def __init__(self, args):
        self.tenant_id = args.tenant_id.lower()
        self.tenant_domain = args.tenant_domain.lower()
        self.secret_clients = dict(c.split(":", 1) for c in args.secret_client)
        self.public_clients = set(args.public_client)
        self.lifetime = args.lifetime
        self.base = None  # set once the port is known
        self.lock = threading.Lock()
        self.counts = {}

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def resolve_tenant(self, t):
        t = t.lower()
        return self.tenant_id if t in (self.tenant_id, self.tenant_domain) else None

    def discovery(self, tid):
        b = self.base
        return {
            "token_endpoint": f"{b}/{tid}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{b}/{tid}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{b}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{b}/oidc/userinfo",
            "authorization_endpoint": f"{b}/{tid}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{b}/{tid}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{b}/{tid}/oauth2/v2.0/logout",
            "kerberos_endpoint": f"{b}/{tid}/kerberos",
            "tenant_region_scope": None,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    @staticmethod
    def error(status, error, code, description):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return status, {
            "error": error,
            "error_description": f"AADSTS{code}: {description} Trace ID: {uuid.uuid4()} "
            f"Correlation ID: {uuid.uuid4()} Timestamp: {now}",
            "error_codes": [code],
            "timestamp": now,
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        }

    def token(self, tid, form, headers):
        grant = form.get("grant_type")
        now = int(time.time())
        if grant == "client_credentials":
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = headers.get("Authorization", "")
            if auth.lower().startswith("basic "):
                from urllib.parse import unquote
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                client_id, secret = unquote(user), unquote(password)
            if client_id not in self.secret_clients or self.secret_clients[client_id] != secret:
                return self.error(401, "invalid_client", 7000215,
                                  "Invalid client secret provided.")
            scopes = form.get("scope", "").split()
            if len(scopes) != 1 or not scopes[0].endswith("/.default"):
                return self.error(400, "invalid_scope", 1002012,
                                  "Client credential flows must have a scope value with /.default.")
            at = make_jwt({
                "aud": scopes[0][: -len("/.default")], "iss": f"{self.base}/{tid}/",
                "iat": now, "nbf": now, "exp": now + self.lifetime, "appid": client_id,
                "azp": client_id, "idtyp": "app", "oid": str(uuid.uuid4()),
                "sub": str(uuid.uuid4()), "tid": tid, "uti": str(uuid.uuid4()), "ver": "2.0",
            })
            return 200, {"token_type": "Bearer", "expires_in": self.lifetime,
                         "ext_expires_in": self.lifetime, "access_token": at}
        if grant == "refresh_token":
            client_id, rt = form.get("client_id"), form.get("refresh_token", "")
            if client_id not in self.public_clients:
                return self.error(400, "unauthorized_client", 700016,
                                  f"Application with identifier '{client_id}' was not found.")
            # Refresh tokens minted by make_cache.py / this provider: "rt.<uid>.<utid>.<username>.<n>"
            parts = rt.split(".")
            if len(parts) != 5 or parts[0] != "rt":
                return self.error(400, "invalid_grant", 9002313, "Invalid request.")
            uid, utid, username = parts[1], parts[2], base64.urlsafe_b64decode(parts[3] + "==").decode()
            scopes = [s for s in form.get("scope", "").split()
                      if s not in ("openid", "profile", "offline_access")]
            granted = " ".join(scopes)
            resource = scopes[0].rsplit("/", 1)[0] if scopes else "00000003-0000-0000-c000-000000000000"
            at = make_jwt({
                "aud": resource, "iss": f"{self.base}/{tid}/", "iat": now, "nbf": now,
                "exp": now + self.lifetime, "name": username, "oid": uid, "tid": utid,
                "preferred_username": username, "scp": " ".join(s.rsplit("/", 1)[-1] for s in scopes),
                "sub": uid, "upn": username, "uti": str(uuid.uuid4()), "ver": "1.0",
            })
            id_token = make_jwt({
                "aud": client_id, "iss": f"{self.base}/{tid}/v2.0", "iat": now, "nbf": now,
                "exp": now + 3600, "name": username, "oid": uid, "preferred_username": username,
                "sub": uid, "tid": utid, "ver": "2.0",
            })
            client_info = b64url(json.dumps({"uid": uid, "utid": utid}).encode())
            return 200, {
                "token_type": "Bearer", "scope": granted, "expires_in": self.lifetime,
                "ext_expires_in": self.lifetime, "access_token": at,
                "refresh_token": f"rt.{uid}.{utid}.{parts[3]}.{uuid.uuid4().hex}",
                "id_token": id_token, "client_info": client_info,
            }
        return self.error(400, "unsupported_grant_type", 70003,
                          f"The app requested an unsupported grant type '{grant}'.")


def handler_for(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # No Nagle: headers and body are separate TLS records; with Nagle on here and delayed
        # ACKs on the client each response would stall ~40 ms, which Entra does not do.
        disable_nagle_algorithm = True
        server_version = "bench-idp"
        sys_version = ""

        def log_message(self, *args):
            pass

        def send_json(self, status, body, extra_headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store, no-cache")
            for k, v in extra_headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/_stats":
                with provider.lock:
                    counts = dict(provider.counts)
                return self.send_json(200, {"counts": counts, "total": sum(counts.values())})
            provider.count(f"GET {path}")
            if path == "/metadata/identity/oauth2/token":
                query = dict(parse_qsl(urlsplit(self.path).query))
                if self.headers.get("Metadata") != "true" or query.get("api-version") != "2018-02-01" \
                        or not query.get("resource"):
                    return self.send_json(400, {"error": "invalid_request",
                                                "error_description": "bad IMDS request"})
                now = int(time.time())
                return self.send_json(200, {
                    "access_token": make_jwt({"aud": query["resource"], "tid": provider.tenant_id,
                                              "iat": now, "exp": now + 86399}),
                    "expires_in": "86399", "expires_on": str(now + 86399),
                    "resource": query["resource"], "token_type": "Bearer"})
            segments = [s for s in path.split("/") if s]
            if len(segments) == 4 and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                tid = provider.resolve_tenant(segments[0])
                if tid is None:
                    return self.send_json(*provider.error(
                        400, "invalid_tenant", 90002, f"Tenant '{segments[0]}' not found."))
                return self.send_json(200, provider.discovery(tid))
            return self.send_json(404, {"error": "not_found", "path": path})

        def do_POST(self):
            path = urlsplit(self.path).path
            raw = self.body()
            if path == "/_reset":
                with provider.lock:
                    provider.counts.clear()
                return self.send_json(200, {"counts": {}, "total": 0})
            provider.count(f"POST {path}")
            segments = [s for s in path.split("/") if s]
            if len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "token"]:
                tid = provider.resolve_tenant(segments[0])
                if tid is None:
                    return self.send_json(*provider.error(
                        400, "invalid_tenant", 90002, f"Tenant '{segments[0]}' not found."))
                form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
                status, body = provider.token(tid, form, self.headers)
                return self.send_json(status, body)
            return self.send_json(404, {"error": "not_found", "path": path})

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True, help="where to write the CA and server certificate")
    p.add_argument("--ready-file", required=True)
    p.add_argument("--tenant-id", required=True)
    p.add_argument("--tenant-domain", default="contoso.example")
    p.add_argument("--secret-client", action="append", default=[], help="CLIENT_ID:SECRET")
    p.add_argument("--public-client", action="append", default=[])
    p.add_argument("--lifetime", type=int, default=3599)
    p.add_argument("--parent-pid", type=int, default=os.getppid(),
                   help="exit when this process is gone (default: the parent)")
    args = p.parse_args()

    provider = Provider(args)
    ca, cert, key = make_certs(args.dir)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(provider))
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    provider.base = f"https://127.0.0.1:{port}"

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = os.getppid()

    def watch_parent():
        # Exit when the process that started us, or the one named by --parent-pid, is gone.
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)
            try:
                os.kill(args.parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch_parent, daemon=True).start()

    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"port": port, "ca": ca, "base": provider.base}, f)
    os.replace(tmp, args.ready_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
