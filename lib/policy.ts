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
} as const;
/** A permission name, e.g. `"workflow.write"`. */
export type Permission = keyof typeof PERMISSIONS;

const VIEWER: readonly Permission[] = ["workflow.read", "run.read", "monitor.read", "system.read"];
const OPERATOR: readonly Permission[] = [...VIEWER, "run.operate"];
const EDITOR: readonly Permission[] = [...OPERATOR, "workflow.write", "workflow.publish"];
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
