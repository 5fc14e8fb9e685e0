/** Creates the people the specs sign in as, through the API as an admin would (audited). */
import { expect, test as setup } from "@playwright/test";
import superjson from "superjson";
import { E2E_ADMIN, E2E_EDITOR, E2E_VIEWER } from "./fixtures";

setup("create the viewer and the editor", async ({ request }) => {
  const signIn = await request.post("/api/trpc/auth.signIn", { data: superjson.serialize(E2E_ADMIN) });
  expect(signIn.status()).toBe(200);
  for (const [who, role] of [[E2E_VIEWER, "viewer"], [E2E_EDITOR, "editor"]] as const) {
    const created = await request.post("/api/trpc/user.create", { data: superjson.serialize({ ...who, role }) });
    expect(created.status()).toBe(200);
  }
});
