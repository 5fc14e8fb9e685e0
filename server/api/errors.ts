/**
 * THE table from application error codes to tRPC codes (and so HTTP statuses). Nothing else in
 * the code base throws TRPCError.
 */
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { isAppError, type AppErrorCode } from "../../lib/errors";

export const ERROR_CODE_TO_TRPC: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: "BAD_REQUEST", // 400
  UNAUTHENTICATED: "UNAUTHORIZED", // 401
  INVALID_CREDENTIALS: "UNAUTHORIZED", // 401
  FORBIDDEN: "FORBIDDEN", // 403
  NOT_FOUND: "NOT_FOUND", // 404
  CONFLICT: "CONFLICT", // 409
  RATE_LIMITED: "TOO_MANY_REQUESTS", // 429
  UNAVAILABLE: "SERVICE_UNAVAILABLE", // 503
  INTERNAL: "INTERNAL_SERVER_ERROR", // 500
};

/** The HTTP status of each code (REST routes answer with these). */
export const HTTP_STATUS: Record<AppErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** Wraps an AppError for tRPC, keeping it as the cause (the error formatter reads it). */
export function toTRPCError(error: unknown): unknown {
  if (error instanceof TRPCError) return error;
  if (isAppError(error)) return new TRPCError({ code: ERROR_CODE_TO_TRPC[error.code], message: error.message, cause: error });
  return error;
}
