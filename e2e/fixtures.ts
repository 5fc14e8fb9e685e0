import { expect, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";

export { E2E_ADMIN };
export const E2E_EDITOR = { email: "editor@e2e.petrel.test", password: "e2e-editor-password", name: "Eddie Editor" };
export const E2E_VIEWER = { email: "viewer@e2e.petrel.test", password: "e2e-viewer-password", name: "Vera Viewer" };

/** Signs in through the sign-in page as a person would. */
export async function signIn(page: Page, who: { email: string; password: string }, path = "/workflows"): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByTestId("sign-in-submit").click();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
}
