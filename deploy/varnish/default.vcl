vcl 4.1;

# Varnish in front of Expose Corner (docs/SCALING.md "Pages a CDN can cache"). The same rules apply to
# any CDN: cache what the app marks public, never a response with Set-Cookie, never /api.
# tests/server/cdn-proxy.test.ts and e2e/cdn.spec.ts run exactly this file (with the backend port replaced).

backend default {
    .host = "127.0.0.1";
    .port = "3000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    # Live streams (/api/stream) send a keep-alive comment every 15 s (STREAM_KEEPALIVE_MS).
    .between_bytes_timeout = 60s;
}

sub vcl_recv {
    # The API answers per session (cookies), takes writes and streams live events: never cached.
    if (req.url ~ "^/api(/|\?|$)") {
        return (pass);
    }
    # Content-hashed build files: the same for everyone, whatever cookies the browser sends.
    if (req.url ~ "^/_next/static/") {
        unset req.http.Cookie;
        return (hash);
    }
    # The feed renders nothing of the visitor's (their votes come from the API after hydration), so
    # one copy serves everyone, with or without a session cookie. Client-router (RSC) requests vary
    # by headers and go through as they are.
    if (req.url ~ "^/(\?.*)?$" && !req.http.rsc && !req.http.Next-Router-State-Tree && !req.http.Next-Router-Prefetch) {
        unset req.http.Cookie;
    }
    # Everything else: Varnish's built-in rules (a request with a Cookie, e.g. an expose page of a
    # visitor with a session, which shows their own vote, goes to the app uncached).
}

sub vcl_backend_response {
    # Belt and braces over the built-in rule: a response that sets a cookie is never stored.
    if (beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
}
