/**
 * tRPC initialisation: context, error shape, and the procedure builders. Every procedure
 * declares the permission it needs through `authorized(permission)` (or `publicProcedure` for
 * the few that need none); a procedure without a declaration is refused at run time, and a
 * test walks the router to make sure none exists.
 */
import { callerActor } from "./caller";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { AppError, isAppError } from "../../lib/errors";
import type { Permission, Principal } from "../../lib/policy";
import { authorize, type AccessRule } from "./authorize";
import type { ResolvedSession } from "../services/auth/resolve-session";
import type { Actor, RequestMeta, ServiceDeps } from "../services/deps";
import { toTRPCError } from "./errors";

export type Context = {
  deps: ServiceDeps;
  session: ResolvedSession | null;
  /** Who asks (from the session cookie, or an API token); null for anonymous callers. */
  principal: Principal | null;
  /** The actor of an API token (audit rows name the token). */
  tokenActor?: Actor & { type: "user" };
  /** Why a presented credential was not accepted (e.g. a revoked token). */
  authProblem?: string;
  meta: RequestMeta;
  /** Headers to add to the HTTP response (Set-Cookie, Retry-After); unused over WebSocket. */
  responseHeaders: Headers;
  /** Whether cookies set now must carry Secure. */
  secureCookies: boolean;
};

/** What each procedure declares (see {@link AccessRule}). */
export type ProcedureMeta = AccessRule;

type FieldProblem = { path: string; message: string };

function zodFields(error: ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ path: i.path.join(".") || "(input)", message: i.message.replace(/^Invalid input: /, "") }));
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      let message = shape.message;
      let fields: FieldProblem[] | undefined;
      let retryAfterSeconds: number | undefined;
      let appCode: string | undefined;
      if (cause instanceof ZodError) {
        fields = zodFields(cause);
        message = `Invalid input: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}`;
        appCode = "INVALID_INPUT";
      } else if (isAppError(cause)) {
        appCode = cause.code;
        fields = cause.details?.fields as FieldProblem[] | undefined;
        retryAfterSeconds = cause.details?.retryAfterSeconds as number | undefined;
      } else if (error.code === "INTERNAL_SERVER_ERROR") {
        // Never show internals to the client; the server log has them.
        message = "Something went wrong on the server. The problem was logged.";
        appCode = "INTERNAL";
      }
      return {
        message,
        code: shape.code,
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, appCode, fields, retryAfterSeconds },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** Converts AppErrors thrown anywhere below into tRPC errors with the mapped code. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isAppError(result.error.cause)) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped instanceof TRPCError) return { ...result, error: mapped } as typeof result;
  }
  return result;
});

/** Enforces the declared permission through {@link authorize}, the one enforcement point. */
const enforcePolicy = t.middleware(async ({ ctx, meta, next, getRawInput }) => {
  try {
    await authorize(ctx, meta, getRawInput);
  } catch (error) {
    if (isAppError(error)) throw toTRPCError(error);
    throw error;
  }
  return next();
});

const base = t.procedure.use(mapErrors).use(enforcePolicy);

/** A procedure anyone may call; declare it with `.meta({ permission: "public" })` — or use {@link open}. */
export const publicProcedure = base;

/** A procedure that needs a signed-in person or an API token; `ctx.principal` and `ctx.actor` are set. */
export const protectedProcedure = base.use(({ ctx, next }) => {
  const principal = ctx.principal;
  if (!principal) throw toTRPCError(new AppError("UNAUTHENTICATED", { message: ctx.authProblem ?? "Sign in to continue." }));
  const actor = callerActor(ctx);
  return next({ ctx: { ...ctx, principal, actor } });
});

/**
 * A protected procedure that needs `permission` (from the policy table in lib/policy.ts), on the
 * workflow or run its input names, or as a listing filtered to what the caller may use.
 */
export function authorized(permission: Permission, on?: ProcedureMeta["on"]) {
  return protectedProcedure.meta(on ? { permission, on } : { permission });
}

/** A procedure open to anonymous callers (sign-in, health). */
export function open() {
  return publicProcedure.meta({ permission: "public" });
}
