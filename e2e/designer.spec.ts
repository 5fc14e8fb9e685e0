/**
 * The designer, used as a person uses it: drag steps from the palette, connect ports with the
 * mouse, watch the verdict, replay a counterexample, undo, publish, reload; a viewer reads it;
 * a second tab's stale save is refused.
 */
import { expect, test, type Locator, type Page } from "@playwright/test";
import { E2E_ADMIN, E2E_VIEWER, signIn } from "./fixtures";

test.use({ viewport: { width: 1600, height: 900 } });

const canvas = (page: Page) => page.getByTestId("canvas");
const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const status = (page: Page) => page.getByTestId("verify-status");

/** Drags a palette item onto the canvas at (x, y) relative to the canvas's top-left corner. */
async function drop(page: Page, item: string, x: number, y: number): Promise<void> {
  await page.getByTestId(`palette-${item}`).dragTo(canvas(page), { targetPosition: { x, y } });
}

async function centreOf(l: Locator): Promise<{ x: number; y: number }> {
  const b = (await l.boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Drags from one node's output port to another node's input port, as with a mouse. */
async function connect(page: Page, from: string, to: string): Promise<void> {
  await node(page, from).hover();
  const a = await centreOf(node(page, from).locator(".react-flow__handle-right"));
  const b = await centreOf(node(page, to).locator(".react-flow__handle-left"));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

async function newWorkflow(page: Page, name: string): Promise<string> {
  await page.goto("/workflows");
  await page.getByTestId("new-workflow").click();
  await page.getByPlaceholder("Workflow name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByTestId("designer")).toBeVisible();
  await expect(page).toHaveURL(/\/workflows\/[0-9a-f-]{36}$/);
  return page.url();
}

async function saved(page: Page): Promise<void> {
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-status", "saved");
}

test("[designer] build a sound workflow by drag and drop, break it, replay the counterexample, undo, publish, reload", async ({ page }) => {
  // The longest scenario (two people, dozens of drags, a replay, reloads): it takes about 30 s on 2 cores.
  test.setTimeout(90_000);
  await signIn(page, E2E_ADMIN);
  const url = await newWorkflow(page, "Parallel review");
  // A new workflow starts as start -> end; clear the canvas first.
  await canvas(page).click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  await expect(page.locator(".react-flow__node")).toHaveCount(0);
  await expect(status(page)).toHaveAttribute("data-status", "unsound");

  await drop(page, "start", 60, 300);
  await drop(page, "task-noop", 180, 300);
  await drop(page, "parallel-split", 400, 300);
  await drop(page, "task-log", 540, 180);
  await drop(page, "task-noop", 540, 420);
  await drop(page, "parallel-join", 780, 300);
  await drop(page, "end", 920, 300);
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  for (const [a, b] of [
    ["start_1", "noop_1"],
    ["noop_1", "parallel_split_1"],
    ["parallel_split_1", "log_1"],
    ["parallel_split_1", "noop_2"],
    ["log_1", "parallel_join_1"],
    ["noop_2", "parallel_join_1"],
    ["parallel_join_1", "end_1"],
  ]) await connect(page, a!, b!);
  await expect(page.locator(".react-flow__edge")).toHaveCount(7);
  await expect(status(page)).toHaveAttribute("data-status", "sound");
  await expect(status(page)).toHaveText("sound");

  // A step leading to itself is refused, and the designer says why while dragging and after.
  await node(page, "noop_1").hover();
  const out = await centreOf(node(page, "noop_1").locator(".react-flow__handle-right"));
  const into = await centreOf(node(page, "noop_1").locator(".react-flow__handle-left"));
  await page.mouse.move(out.x, out.y);
  await page.mouse.down();
  await page.mouse.move(out.x + 40, out.y + 60, { steps: 4 });
  await page.mouse.move(into.x, into.y, { steps: 6 });
  await expect(page.getByTestId("connect-hint")).toContainText("cannot lead to itself");
  await page.mouse.up();
  await expect(page.getByTestId("notice")).toContainText("Not connected");
  await expect(page.locator(".react-flow__edge")).toHaveCount(7);

  // The log step needs its message: fill it in the inspector (the form comes from the plugin's schema).
  await node(page, "log_1").click();
  await expect(page.getByTestId("inspector")).toContainText("Message is required");
  await page.getByRole("textbox", { name: "Message", exact: true }).fill("reviewing");
  await expect(page.getByTestId("inspector")).not.toContainText("Message is required");

  // Rewire the join into an exclusive merge: lack of synchronisation.
  await node(page, "parallel_join_1").click();
  await page.keyboard.press("Delete");
  await drop(page, "exclusive-merge", 780, 300);
  await connect(page, "log_1", "exclusive_merge_1");
  await connect(page, "noop_2", "exclusive_merge_1");
  await connect(page, "exclusive_merge_1", "end_1");
  await expect(status(page)).toHaveAttribute("data-status", "unsound");
  await expect(page.getByTestId("problem-badge").first()).toBeVisible();
  // Wait for the verdict on the final graph (one with an unconnected merge is unsound too, for another reason).
  const unsafe = page.locator('[data-testid="finding"][data-code="UNSAFE"]').first();
  await expect(unsafe).toBeVisible();

  // Open the replay from the finding and step through it.
  await unsafe.getByTestId("finding-replay").click();
  const position = page.getByTestId("replay-position");
  await expect(position).toContainText("Step 0 of");
  const total = Number((await position.textContent())!.match(/of (\d+)/)![1]);
  expect(total).toBeGreaterThan(2);
  for (let i = 1; i <= total; i++) {
    await page.getByTestId("replay-step").click();
    await expect(position).toContainText(`Step ${i} of ${total}`);
  }
  // At the end of the trace two tokens meet on one edge: the defect, drawn.
  await expect(page.locator(".token-many")).toHaveCount(1);
  await page.getByTestId("replay-back").click();
  await expect(position).toContainText(`Step ${total - 1} of ${total}`);
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("replay")).toHaveCount(0);

  // Undo the rewiring (remove join, add merge, three connections) and it is sound again.
  for (let i = 0; i < 5; i++) await page.getByTestId("undo").click();
  await expect(status(page)).toHaveAttribute("data-status", "sound");
  await expect(node(page, "parallel_join_1")).toBeVisible();
  await expect(node(page, "exclusive_merge_1")).toHaveCount(0);

  await page.getByTestId("publish").click();
  await expect(page.getByTestId("publish-message")).toContainText("Published version 1");
  await saved(page);

  await page.reload();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  await expect(page.locator(".react-flow__edge")).toHaveCount(7);
  await expect(status(page)).toHaveAttribute("data-status", "sound");
  await page.getByTestId("history-toggle").click();
  await expect(page.getByTestId("version-row")).toHaveCount(1);
  await expect(page.getByTestId("version-row")).toContainText("Version 1");
  await node(page, "log_1").click({ force: true });
  await page.getByTestId("history-toggle").click();
  await expect(page.getByRole("textbox", { name: "Message", exact: true })).toHaveValue("reviewing");

  // Group the two branches into a sub-flow (Ctrl+G) and name it in the inspector.
  await node(page, "log_1").click({ force: true });
  await node(page, "noop_2").click({ modifiers: ["Shift"], force: true });
  await page.keyboard.press("Control+g");
  await expect(page.getByTestId("group-frame")).toHaveCount(1);
  await page.getByLabel("Name").fill("Reviews");
  await expect(page.getByTestId("group-frame")).toContainText("Reviews");
  await saved(page);

  // A viewer opens it read-only: no palette, no dragging, no publish.
  const viewer = await page.context().browser()!.newContext({ viewport: { width: 1400, height: 900 } });
  const vp = await viewer.newPage();
  await signIn(vp, E2E_VIEWER);
  await vp.goto(url);
  await expect(vp.getByTestId("read-only")).toBeVisible();
  await expect(vp.getByTestId("palette-start")).toHaveCount(0);
  await expect(vp.getByTestId("publish")).toHaveCount(0);
  await expect(vp.locator(".react-flow__node")).toHaveCount(7);
  // Dragging a step pans the view at most: the step keeps its place relative to the others.
  const offset = async () => {
    const a = (await vp.locator('.react-flow__node[data-id="noop_1"]').boundingBox())!;
    const b = (await vp.locator('.react-flow__node[data-id="start_1"]').boundingBox())!;
    return { dx: Math.round(a.x - b.x), dy: Math.round(a.y - b.y) };
  };
  const before = await offset();
  await vp.locator('.react-flow__node[data-id="noop_1"]').dragTo(vp.getByTestId("canvas"), { targetPosition: { x: 600, y: 600 } });
  expect(await offset()).toEqual(before);
  await expect(vp.getByTestId("save-status")).toHaveAttribute("data-status", "saved");
  await viewer.close();
});

test("[designer] a stale save from a second tab is refused, with a way to reload", async ({ page, context }) => {
  await signIn(page, E2E_ADMIN);
  const url = await newWorkflow(page, "Two tabs");
  const second = await context.newPage();
  await second.goto(url);
  await expect(second.getByTestId("designer")).toBeVisible();

  // The second tab adds a step and saves first.
  await second.getByTestId("palette-task-noop").click();
  await expect(second.locator(".react-flow__node")).toHaveCount(3);
  await saved(second);

  // The first tab, still at the old revision, edits: its save is refused, nothing is overwritten.
  await page.getByTestId("palette-timer").click();
  await expect(page.getByTestId("conflict")).toContainText("changed elsewhere");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-status", "conflict");
  await second.reload();
  await expect(second.locator(".react-flow__node")).toHaveCount(3);
  await expect(second.locator('[data-testid="node"][data-kind="timer"]')).toHaveCount(0);

  // Reloading brings the latest in; the editor works again.
  await page.getByTestId("reload").click();
  await expect(page.getByTestId("conflict")).toHaveCount(0);
  await expect(page.locator('.react-flow__node[data-id="noop_1"]')).toBeVisible();
  await page.getByTestId("palette-timer").click();
  await saved(page);
});
