/**
 * Petrel's one application error type. Every expected failure is an AppError with a code from
 * this closed union; server/api maps codes to HTTP and tRPC statuses in one table.
 *
 * @example
 * throw new AppError("NOT_FOUND", { message: `Workflow ${id} does not exist.` });
 */
export type AppErrorCode =
  /** Input failed validation; `details.fields` names the offending fields. */
  | "INVALID_INPUT"
  /** No valid session or token accompanies a request that needs one. */
  | "UNAUTHENTICATED"
  /** The caller is known but its role or grants do not allow the action. */
  | "FORBIDDEN"
  /** The target of the request does not exist (or is invisible to the caller). */
  | "NOT_FOUND"
  /** The change conflicts with the current state (duplicate key, stale revision). */
  | "CONFLICT"
  /** Too many attempts; `details.retryAfterSeconds` says when to try again. */
  | "RATE_LIMITED"
  /** Sign-in failed: unknown account, wrong password or disabled account — deliberately the same. */
  | "INVALID_CREDENTIALS"
  /** The service cannot answer now (database unreachable, shutting down). */
  | "UNAVAILABLE"
  /** A bug: something that should not happen did. */
  | "INTERNAL";

/** What an {@link AppError} carries besides its code. */
export type AppErrorOptions = {
  message: string;
  cause?: unknown;
  details?: Record<string, unknown>;
};

/** An expected failure with a code from {@link AppErrorCode}; see the example above. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AppErrorCode, options: AppErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
  }
}

/** True for AppError instances, also across module copies (bundled server code). */
export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError || (value instanceof Error && value.name === "AppError" && "code" in value);
}
