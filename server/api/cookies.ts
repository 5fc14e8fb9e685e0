/** The session cookie: httpOnly, SameSite=Lax, Secure on HTTPS, expiring with the session. */
import { parseCookie, stringifySetCookie } from "cookie";
import { SESSION_COOKIE } from "../services/auth/session-token";

export function readSessionCookie(cookieHeader: string | undefined | null): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE];
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: token, httpOnly: true, sameSite: "lax", secure, path: "/", expires: expiresAt });
}

export function clearedSessionCookie(secure: boolean): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: "", httpOnly: true, sameSite: "lax", secure, path: "/", expires: new Date(0) });
}
