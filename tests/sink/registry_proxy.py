#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An HTTPS front of a Schema Registry for tests/sink/t_registry_secure.sh.

    registry_proxy.py CERT KEY CA USER:PASSWORD UPSTREAM PORTFILE

Serves TLS on 127.0.0.1 with CERT and KEY (PEM), requires a client
certificate signed by CA and HTTP basic auth USER:PASSWORD, and forwards
each request (method, path, body, Content-Type) to UPSTREAM (http://...),
answering with the registry's status and body. A request without the
right credentials gets 401 and a Confluent-style error body. Writes its
port to PORTFILE once it listens; runs until killed.
"""
import base64
import os
import http.server
import ssl
import sys
import urllib.error
import urllib.request

cert, key, ca, cred, upstream, portfile = sys.argv[1:7]
expect = "Basic " + base64.b64encode(cred.encode()).decode()


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, ctype, data, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        if self.headers.get("Authorization") != expect:
            self.answer(401, "application/json",
                        b'{"error_code":401,"message":"Unauthorized"}',
                        [("WWW-Authenticate", 'Basic realm="registry"')])
            return
        req = urllib.request.Request(upstream + self.path, data=body, method=self.command)
        for h in ("Content-Type", "Accept"):
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                code, ctype, data = r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            code, ctype, data = e.code, e.headers.get("Content-Type", ""), e.read()
        self.answer(code, ctype or "application/json", data)

    do_GET = do_POST = do_PUT = do_DELETE = forward

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
