/** Test support: await a promise that must reject with an AppError, and return that error. */
import { isAppError, type AppError } from "../../lib/errors";

export async function rejectsWithAppError(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}
