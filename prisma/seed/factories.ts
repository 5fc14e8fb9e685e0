/**
 * Seed factories shared by the demo seed, integration tests and e2e: they go through the same
 * services (and so the same validation and audit) as the app.
 */
import { SYSTEM, systemMeta, type ServiceDeps } from "../../server/services/deps";
import { createUser, type CreateUserInput } from "../../server/services/users/create-user";
import { BOOTSTRAP_LOCK_KEY } from "../../server/services/users/ensure-admin";
import { CreateWorkflowInputSchema, insertWorkflow } from "../../server/services/workflows/create-workflow";
import { DEMO_WORKFLOWS } from "./demo-workflows";

/** Creates a person as the system (for tests and e2e fixtures). */
export function makeUser(deps: ServiceDeps, input: CreateUserInput) {
  return createUser(deps, SYSTEM, systemMeta("seed"), input);
}

/**
 * Idempotent demo seed: creates each demo workflow that does not exist yet (by slug), owned by
 * the first admin. Never overwrites a workflow someone has edited. Returns the slugs created.
 */
export async function seedDemo(deps: ServiceDeps): Promise<string[]> {
  // One transaction under the start-up advisory lock: processes starting together seed once.
  return deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`;
    const admin = await tx.user.findFirst({ where: { role: "admin" }, orderBy: { createdAt: "asc" }, select: { id: true } });
    if (!admin) return [];
    const created: string[] = [];
    for (const demo of DEMO_WORKFLOWS) {
      if (await tx.workflow.findUnique({ where: { slug: demo.slug }, select: { id: true } })) continue;
      const input = CreateWorkflowInputSchema.parse({ name: demo.name, description: demo.description, graph: demo.graph, slug: demo.slug });
      await insertWorkflow(tx, deps.now(), SYSTEM, systemMeta("seed"), input, admin.id);
      created.push(demo.slug);
    }
    return created;
  });
}
