/**
 * Failed sign-ins are limited per account and per address with rate-limiter-flexible, its
 * counters stored in the database (table rate_limits) so every process of a cluster shares them.
 */
import { RateLimiterPrisma } from "rate-limiter-flexible";
import { AppError } from "../../../lib/errors";
import type { ServiceDeps } from "../deps";

export type SignInLimiter = {
  /** Throws RATE_LIMITED (with retryAfterSeconds) when the account or address is locked out. */
  check(email: string, ip: string | null): Promise<void>;
  recordFailure(email: string, ip: string | null): Promise<void>;
  recordSuccess(email: string): Promise<void>;
};

const limiters = new WeakMap<object, SignInLimiter>();

export function signInLimiter(deps: ServiceDeps): SignInLimiter {
  const cached = limiters.get(deps.prisma);
  if (cached) return cached;
  const duration = Math.ceil(deps.config.signIn.windowMs / 1000);
  const make = (points: number, keyPrefix: string) =>
    new RateLimiterPrisma({ storeClient: deps.prisma, tableName: "rateLimit", points, duration, keyPrefix, clearExpiredByTimeout: false });
  const perAccount = make(deps.config.signIn.maxFailuresPerAccount, "signin-account");
  const perAddress = make(deps.config.signIn.maxFailuresPerAddress, "signin-address");

  const limiter: SignInLimiter = {
    async check(email, ip) {
      const checks: Array<[RateLimiterPrisma, string, number]> = [[perAccount, email, deps.config.signIn.maxFailuresPerAccount]];
      if (ip) checks.push([perAddress, ip, deps.config.signIn.maxFailuresPerAddress]);
      for (const [rl, key, max] of checks) {
        const res = await rl.get(key);
        if (res && res.consumedPoints >= max) {
          const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
          throw new AppError("RATE_LIMITED", {
            message: `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} s.`,
            details: { retryAfterSeconds },
          });
        }
      }
    },
    async recordFailure(email, ip) {
      // penalty() counts without throwing when the limit is passed; check() decides.
      await perAccount.penalty(email);
      if (ip) await perAddress.penalty(ip);
    },
    async recordSuccess(email) {
      await perAccount.delete(email);
    },
  };
  limiters.set(deps.prisma, limiter);
  return limiter;
}
