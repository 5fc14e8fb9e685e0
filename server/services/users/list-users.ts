import type { ServiceDeps } from "../deps";

/** People, newest first, without password hashes. */
export function listUsers(deps: ServiceDeps) {
  return deps.prisma.user.findMany({
    orderBy: { createdAt: "asc" },
    select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true, lastSignInAt: true },
  });
}
