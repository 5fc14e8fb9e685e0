import { expect, test } from "@playwright/test";
import { E2E_ADMIN, E2E_VIEWER, signIn } from "./fixtures";

test("[auth] the admin signs in, sees the seeded workflows and signs out", async ({ page, context }) => {
  await signIn(page, E2E_ADMIN);
  await expect(page.getByTestId("current-user")).toContainText(E2E_ADMIN.email);
  await expect(page.getByTestId("current-role")).toHaveText("admin");
  const rows = page.getByTestId("workflow-row");
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId("workflow-table")).toContainText("Order fulfilment");
  await expect(page.getByTestId("workflow-table")).toContainText("Expense approval");
  await expect(page.getByTestId("workflow-table")).toContainText("Nightly report");
  // The live channel (tRPC subscription over WebSocket) connects.
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "live");
  await expect(page.getByRole("link", { name: "Admin" })).toBeVisible();

  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("signed-out")).toBeVisible();
  expect((await context.cookies()).find((c) => c.name === "petrel_session")).toBeUndefined();
  await page.goto("/workflows");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fworkflows$/);
});

test("[auth] a viewer gets the 403 page on Admin", async ({ page }) => {
  await signIn(page, E2E_VIEWER);
  await expect(page.getByTestId("current-role")).toHaveText("viewer");
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await expect(page.getByTestId("new-workflow")).toHaveCount(0);
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId("forbidden")).toContainText("You may not open this page");
});

test("[auth] a wrong password shows an error and opens no session", async ({ page, context }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(E2E_VIEWER.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByTestId("sign-in-submit").click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("Email or password is incorrect.");
  await expect(page).toHaveURL(/\/sign-in/);
  expect((await context.cookies()).find((c) => c.name === "petrel_session")).toBeUndefined();
  await page.goto("/workflows");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("[auth] signing in works with the keyboard alone", async ({ page }) => {
  await page.goto("/sign-in?next=%2Fruns");
  await expect(page.getByTestId("sign-in-submit")).toBeEnabled(); // the page has hydrated
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(E2E_ADMIN.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(E2E_ADMIN.password);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/runs$/);
  await expect(page.getByTestId("runs-empty")).toContainText("No runs yet");
});

test("[shell] an unknown address shows the 404 page", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toContainText("There is nothing here");
});

test("[shell] an editor creates a workflow, which opens in the designer and is in the list", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await page.getByTestId("new-workflow").click();
  await page.getByPlaceholder("Workflow name").fill("Customer onboarding");
  await page.getByRole("button", { name: "Create" }).click();
  // The new workflow opens in the designer…
  await expect(page.getByTestId("workflow-name")).toHaveText("Customer onboarding");
  // …and is in the list.
  await page.goto("/workflows");
  await expect(page.getByTestId("workflow-table")).toContainText("Customer onboarding");
});
