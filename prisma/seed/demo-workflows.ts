/**
 * The demo workflows, in the workflow JSON format (lib/workflow, "petrel": 1). Used by the demo
 * seed of `npm start`, by tests and by e2e. Keep in step with the format.
 */
import type { WorkflowGraph } from "../../lib/workflow/schema";

export type DemoWorkflow = { slug: string; name: string; description: string; graph: WorkflowGraph };

const at = (x: number, y: number) => ({ x, y });
const flow = (id: string, source: string, target: string, extra: { condition?: string; isDefault?: boolean } = {}) => ({
  id,
  source,
  target,
  kind: "flow" as const,
  ...extra,
});

export const DEMO_WORKFLOWS: DemoWorkflow[] = [
  {
    slug: "order-fulfilment",
    name: "Order fulfilment",
    description: "Charge the card and reserve stock in parallel, then ship.",
    graph: {
      petrel: 1,
      nodes: [
        { id: "start", kind: "start", label: "Order received", position: at(0, 100) },
        { id: "validate", kind: "task", label: "Validate order", position: at(160, 100), config: { type: "transform", expression: "order.items.length > 0" } },
        { id: "fork", kind: "parallel-split", position: at(340, 100) },
        { id: "charge", kind: "task", label: "Charge card", position: at(480, 20), config: { type: "http", method: "POST", url: "https://payments.example/charge" } },
        { id: "reserve", kind: "task", label: "Reserve stock", position: at(480, 180), config: { type: "http", method: "POST", url: "https://stock.example/reserve" } },
        { id: "join", kind: "parallel-join", position: at(660, 100) },
        { id: "ship", kind: "task", label: "Ship parcel", position: at(800, 100), config: { type: "log", message: "shipping" } },
        { id: "end", kind: "end", label: "Shipped", position: at(980, 100) },
      ],
      edges: [
        flow("e1", "start", "validate"),
        flow("e2", "validate", "fork"),
        flow("e3", "fork", "charge"),
        flow("e4", "fork", "reserve"),
        flow("e5", "charge", "join"),
        flow("e6", "reserve", "join"),
        flow("e7", "join", "ship"),
        flow("e8", "ship", "end"),
      ],
    },
  },
  {
    slug: "expense-approval",
    name: "Expense approval",
    description: "Small expenses pass; large ones wait for a manager's decision.",
    graph: {
      petrel: 1,
      input: { amount: { type: "number", required: true, description: "The amount claimed" }, employee: { type: "string", searchable: true, description: "Who claims it" } },
      nodes: [
        { id: "start", kind: "start", label: "Expense filed", position: at(0, 100) },
        { id: "route", kind: "exclusive-split", label: "Amount?", position: at(160, 100) },
        { id: "approve", kind: "approval", label: "Manager approves", position: at(320, 20), config: { assigneeRole: "operator" } },
        { id: "auto", kind: "task", label: "Auto-approve", position: at(320, 180), config: { type: "log", message: "auto-approved" } },
        { id: "merge", kind: "exclusive-merge", position: at(500, 100) },
        { id: "pay", kind: "task", label: "Reimburse", position: at(640, 100), config: { type: "log", message: "reimbursed" } },
        { id: "end", kind: "end", label: "Paid", position: at(820, 100) },
      ],
      edges: [
        flow("e1", "start", "route"),
        flow("e2", "route", "approve", { condition: "amount > 500" }),
        flow("e3", "route", "auto", { isDefault: true }),
        flow("e4", "approve", "merge"),
        flow("e5", "auto", "merge"),
        flow("e6", "merge", "pay"),
        flow("e7", "pay", "end"),
      ],
    },
  },
  {
    slug: "nightly-report",
    name: "Nightly report",
    description: "Wait for the nightly window, build the report, mail it.",
    graph: {
      petrel: 1,
      nodes: [
        { id: "start", kind: "start", label: "Scheduled", position: at(0, 0) },
        { id: "wait", kind: "timer", label: "Until 02:00", position: at(160, 0), config: { until: "02:00" } },
        { id: "build", kind: "task", label: "Build report", position: at(320, 0), config: { type: "script", source: "return { rows: 42 };" } },
        { id: "mail", kind: "task", label: "Mail report", position: at(480, 0), config: { type: "log", message: "mailed" } },
        { id: "end", kind: "end", label: "Done", position: at(640, 0) },
      ],
      edges: [flow("e1", "start", "wait"), flow("e2", "wait", "build"), flow("e3", "build", "mail"), flow("e4", "mail", "end")],
    },
  },
];
