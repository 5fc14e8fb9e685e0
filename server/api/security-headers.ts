/**
 * Security headers on every response. Pages get a Content-Security-Policy with a fresh nonce per
 * request: Next reads the nonce from the request's CSP header and puts it on its own scripts, so
 * no inline script runs without it. Styles allow inline attributes (the canvas positions nodes
 * with them); frames of Petrel on other sites are refused.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Sets the headers every response carries; for a page, also the CSP (on the response, and on the request for Next). */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, options: { page: boolean; dev: boolean }): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
  if (!options.page) return;
  const csp = contentSecurityPolicy(randomBytes(16).toString("base64"), options.dev);
  req.headers["content-security-policy"] = csp;
  res.setHeader("Content-Security-Policy", csp);
}
