/**
 * THE policy table: which role may do what. Every tRPC procedure, page guard and (later) REST
 * route names one of these permissions; nothing else decides access.
 */
/** The four roles, most powerful first. */
export const ROLES = ["admin", "editor", "operator", "viewer"] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Every permission, with the one-line meaning shown in docs and admin pages. */
export const PERMISSIONS = {
  "workflow.read": "See workflows and their drafts and versions",
  "workflow.write": "Create and edit workflow drafts",
  "workflow.publish": "Publish workflow versions",
  "workflow.publish.force": "Publish a workflow that is not proved sound, giving a reason",
  "run.read": "See runs and their history",
  "run.operate": "Start, cancel, pause, resume and signal runs; decide human tasks",
  "monitor.read": "See the monitor dashboards",
  "admin.access": "Open the admin area",
  "user.read": "List people and their roles",
  "user.manage": "Create people, change roles, disable accounts",
  "audit.read": "Read and export the audit log",
  "system.read": "Read server status",
  "workflow.share": "Change a workflow's visibility and who holds grants on it",
  "workflow.delete": "Delete a workflow (it is archived: its runs and history stay)",
  "token.manage": "Create, list and revoke one's own API tokens",
  "secret.read": "List secrets by name (never their values)",
  "secret.manage": "Create, replace and delete secrets",
} as const;
/** A permission name, e.g. `"workflow.write"`. */
export type Permission = keyof typeof PERMISSIONS;

const VIEWER: readonly Permission[] = ["workflow.read", "run.read", "monitor.read", "system.read", "token.manage"];
const OPERATOR: readonly Permission[] = [...VIEWER, "run.operate"];
const EDITOR: readonly Permission[] = [...OPERATOR, "workflow.write", "workflow.publish", "secret.read"];
const ADMIN: readonly Permission[] = Object.keys(PERMISSIONS) as Permission[];

/** Role -> permissions. Deny by default: a permission not listed for a role is refused. */
export const POLICY: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(ADMIN),
  editor: new Set(EDITOR),
  operator: new Set(OPERATOR),
  viewer: new Set(VIEWER),
};

/** Whether `role` holds `permission`. */
export function can(role: Role, permission: Permission): boolean {
  return POLICY[role].has(permission);
}

/** Whether `value` names one of the four roles (for parsing CLI arguments and the like). */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Per-workflow grants, visibility and API tokens

/** The four per-workflow grants, most powerful first. */
export const GRANTS = ["owner", "editor", "runner", "viewer"] as const;
/** One of {@link GRANTS}. */
export type Grant = (typeof GRANTS)[number];

/** Permissions that concern one workflow and its runs: grants give them, visibility hides them. */
export const WORKFLOW_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  "workflow.read",
  "workflow.write",
  "workflow.publish",
  "workflow.publish.force",
  "workflow.share",
  "workflow.delete",
  "run.read",
  "run.operate",
]);

const GRANT_VIEWER: readonly Permission[] = ["workflow.read", "run.read"];
const GRANT_RUNNER: readonly Permission[] = [...GRANT_VIEWER, "run.operate"];
const GRANT_EDITOR: readonly Permission[] = [...GRANT_RUNNER, "workflow.write", "workflow.publish"];

/** Grant -> what it allows on its workflow, whatever the holder's role. */
export const GRANT_POLICY: Readonly<Record<Grant, ReadonlySet<Permission>>> = {
  owner: new Set([...GRANT_EDITOR, "workflow.share", "workflow.delete"]),
  editor: new Set(GRANT_EDITOR),
  runner: new Set(GRANT_RUNNER),
  viewer: new Set(GRANT_VIEWER),
};

/** Permissions no API token may hold: tokens do not make or revoke tokens. */
export const NOT_FOR_TOKENS: ReadonlySet<Permission> = new Set<Permission>(["token.manage"]);

/** organization: every role's permissions apply; restricted: only admins, the owner and grant holders. */
export type Visibility = "organization" | "restricted";

/** Who asks: a person (signed in), or a program with one of that person's API tokens. */
export type Principal = {
  userId: string;
  role: Role;
  /** Set when the caller uses an API token: it can do no more than its scopes (and its workflow). */
  token?: { scopes: ReadonlySet<Permission>; workflowId: string | null };
};

/** What the policy needs to know about one workflow. */
export type WorkflowAccess = { workflowId: string; ownerId: string; visibility: Visibility; grant: Grant | null };

/** Allowed, or refused with a reason; `hidden` when the caller may not even know the workflow exists. */
export type Decision = { allowed: true } | { allowed: false; reason: string; hidden: boolean };

const allow: Decision = { allowed: true };

/** The grant `principal` holds on a workflow (its owner holds "owner"). */
export function grantOf(principal: Principal, target: WorkflowAccess): Grant | null {
  return target.ownerId === principal.userId ? "owner" : target.grant;
}

/** Whether `principal` may see the workflow at all. */
export function seesWorkflow(principal: Principal, target: WorkflowAccess): boolean {
  if (principal.token?.workflowId && principal.token.workflowId !== target.workflowId) return false;
  return principal.role === "admin" || grantOf(principal, target) !== null || (target.visibility === "organization" && can(principal.role, "workflow.read"));
}

/**
 * THE decision: may `principal` use `permission` — on `target` when the permission concerns one
 * workflow and the call names it. Deny by default. Without a target, a workflow permission is
 * decided by the role, or by `anyGrant` (the principal holds a grant giving it on some
 * workflow); `listing` calls then show only the workflows {@link decide} allows one by one.
 */
export function decide(principal: Principal, permission: Permission, target?: WorkflowAccess | null, options: { anyGrant?: boolean; listing?: boolean } = {}): Decision {
  const token = principal.token;
  const anyGrant = options.anyGrant ?? false;
  if (token && NOT_FOR_TOKENS.has(permission)) return { allowed: false, reason: `API tokens cannot be given ${permission}.`, hidden: false };
  if (token && !token.scopes.has(permission)) return { allowed: false, reason: `This API token's scopes do not include ${permission}.`, hidden: false };
  if (token?.workflowId && !target && WORKFLOW_PERMISSIONS.has(permission) && !options.listing) {
    return { allowed: false, reason: "This API token is limited to one workflow.", hidden: false };
  }
  if (!target || !WORKFLOW_PERMISSIONS.has(permission)) {
    if (can(principal.role, permission)) return allow;
    if (WORKFLOW_PERMISSIONS.has(permission) && anyGrant) return allow;
    return { allowed: false, reason: `Your role (${principal.role}) does not allow ${permission}.`, hidden: false };
  }
  if (!seesWorkflow(principal, target)) return { allowed: false, reason: "No such workflow is visible to you.", hidden: true };
  if (principal.role === "admin") return allow;
  const grant = grantOf(principal, target);
  if (grant && GRANT_POLICY[grant].has(permission)) return allow;
  if (target.visibility === "organization" && can(principal.role, permission)) return allow;
  const holds = grant ? `your ${grant} grant` : `your role (${principal.role})`;
  return { allowed: false, reason: `${holds[0]!.toUpperCase()}${holds.slice(1)} does not allow ${permission} on this workflow.`, hidden: false };
}

/** Whether `value` names a permission. */
export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && Object.hasOwn(PERMISSIONS, value);
}
