/**
 * tRPC initialisation: context, error shape, and the procedure builders. Every procedure
 * declares the permission it needs through `authorized(permission)` (or `publicProcedure` for
 * the few that need none); a procedure without a declaration is refused at run time, and a
 * test walks the router to make sure none exists.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { AppError, isAppError } from "../../lib/errors";
import { can, type Permission } from "../../lib/policy";
import type { ResolvedSession } from "../services/auth/resolve-session";
import type { Actor, RequestMeta, ServiceDeps } from "../services/deps";
import { toTRPCError } from "./errors";

export type Context = {
  deps: ServiceDeps;
  session: ResolvedSession | null;
  meta: RequestMeta;
  /** Headers to add to the HTTP response (Set-Cookie, Retry-After); unused over WebSocket. */
  responseHeaders: Headers;
  /** Whether cookies set now must carry Secure. */
  secureCookies: boolean;
};

/** What each procedure declares. */
export type ProcedureMeta = { permission: Permission | "public" };

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

/** Enforces the declared permission, deny by default. */
const enforcePolicy = t.middleware(({ ctx, meta, next }) => {
  const permission = meta?.permission;
  if (!permission) {
    throw toTRPCError(new AppError("FORBIDDEN", { message: "This procedure declares no permission and is refused." }));
  }
  if (permission === "public") return next();
  if (!ctx.session) throw toTRPCError(new AppError("UNAUTHENTICATED", { message: "Sign in to continue." }));
  if (!can(ctx.session.user.role, permission)) {
    throw toTRPCError(new AppError("FORBIDDEN", { message: `Your role (${ctx.session.user.role}) does not allow ${permission}.` }));
  }
  return next();
});

const base = t.procedure.use(mapErrors).use(enforcePolicy);

/** A procedure anyone may call; declare it with `.meta({ permission: "public" })` — or use {@link open}. */
export const publicProcedure = base;

/** A procedure that needs a signed-in person; `ctx.session` and `ctx.actor` are set. */
export const protectedProcedure = base.use(({ ctx, next }) => {
  if (!ctx.session) throw toTRPCError(new AppError("UNAUTHENTICATED", { message: "Sign in to continue." }));
  const actor: Actor & { type: "user" } = {
    type: "user",
    userId: ctx.session.user.id,
    email: ctx.session.user.email,
    role: ctx.session.user.role,
    sessionId: ctx.session.sessionId,
  };
  return next({ ctx: { ...ctx, session: ctx.session, actor } });
});

/** A protected procedure that needs `permission` (from the policy table in lib/policy.ts). */
export function authorized(permission: Permission) {
  return protectedProcedure.meta({ permission });
}

/** A procedure open to anonymous callers (sign-in, health). */
export function open() {
  return publicProcedure.meta({ permission: "public" });
}
