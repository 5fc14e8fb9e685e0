/**
 * The admin area: an admin filters the audit log to one workflow's publishes, opens a row's diff,
 * verifies the chain and exports the filter as CSV; an editor cannot open the audit log. Pages are
 * served with a nonce-based Content-Security-Policy and still work.
 */
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import superjson from "superjson";
import { E2E_ADMIN, E2E_EDITOR, signIn } from "./fixtures";

test.use({ viewport: { width: 1400, height: 900 } });

test("[admin] filter the audit log to one workflow's publishes, open a diff, verify the chain, export CSV", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  // Publish two seeded workflows through the API, as the admin; the filter must keep one of them.
  const request = page.context().request;
  const call = async (proc: string, input: unknown, kind: "query" | "mutation" = "mutation") => {
    const res = kind === "query" ? await request.get(`/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`) : await request.post(`/api/trpc/${proc}`, { data: superjson.serialize(input) });
    expect(res.status(), await res.text()).toBe(200);
    return superjson.deserialize((await res.json()).result.data) as never;
  };
  const list = (await call("workflow.list", undefined, "query")) as Array<{ id: string; slug: string }>;
  const nightly = list.find((w) => w.slug === "nightly-report")!;
  const orders = list.find((w) => w.slug === "order-fulfilment")!;
  await call("workflow.publish", { workflowId: nightly.id });
  await call("workflow.publish", { workflowId: orders.id });

  const response = await page.goto("/admin/audit");
  expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  // First the action alone: both publishes.
  await page.getByTestId("audit-filter-action").fill("workflow.publish");
  await page.getByTestId("audit-apply").click();
  await expect(page.getByTestId("audit-row")).toHaveCount(2);
  await page.getByTestId("audit-filter-targetId").fill(nightly.id);
  await page.getByTestId("audit-apply").click();
  await expect(page).toHaveURL(/action=workflow.publish/);
  const rows = page.getByTestId("audit-row");
  await expect(rows).toHaveCount(1);
  for (const action of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-action")))) expect(action).toBe("workflow.publish");

  await rows.first().getByTestId("audit-open").click();
  const diff = page.getByTestId("audit-diff");
  await expect(diff).toBeVisible();
  await expect(diff.locator("tr.diff-added").first()).toBeVisible();

  await page.getByTestId("audit-verify").click();
  await expect(page.getByTestId("audit-chain-status")).toContainText("Chain intact");

  const download = page.waitForEvent("download");
  await page.getByTestId("audit-export-csv").click();
  const file = await (await download).path();
  const lines = readFileSync(file, "utf8").trim().split("\r\n");
  expect(lines[0]).toBe("id,at,actorType,actorId,actorLabel,action,targetType,targetId,before,after,requestId,ip,userAgent,prevHash,hash");
  expect(lines).toHaveLength(2);
  for (const line of lines.slice(1)) expect(line).toContain(`,workflow.publish,workflow,${nightly.id},`);
});

test("[admin] an editor cannot open the audit log, but makes an API token under Settings", async ({ page }) => {
  await signIn(page, E2E_EDITOR);
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const response = await page.goto("/admin/audit");
  expect(response?.status()).toBe(403);
  const exported = await page.context().request.get("/api/audit/export?format=csv");
  expect(exported.status()).toBe(403);

  await page.goto("/workflows");
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/admin\/tokens$/);
  await expect(page.getByTestId("admin-tab-audit-log")).toHaveCount(0);
  await page.getByTestId("token-name").fill("CI pipeline");
  await page.getByTestId("token-create").click();
  const token = (await page.getByTestId("token-value").textContent()) ?? "";
  expect(token).toMatch(/^ptk_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("token-row")).toHaveCount(1);
  // The token works for a program, within its scope (run.read by default).
  const program = await page.context().request.get("/api/trpc/run.list?input=" + encodeURIComponent(JSON.stringify({ json: {} })), { headers: { authorization: `Bearer ${token}`, cookie: "" } });
  expect(program.status()).toBe(200);
});
