import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BpmnImportError, importBpmn } from "./bpmn";
import { parseWorkflow, type WorkflowEdge, type WorkflowGraph, type WorkflowNode } from "./schema";
import { verifyWorkflow } from "../petri/verify";

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/bpmn/${name}`, import.meta.url), "utf8");

/** Imports a document that must import; checks the graph against the workflow schema. */
async function imported(xml: string): Promise<{ graph: WorkflowGraph; warnings: string[] }> {
  const r = await importBpmn(xml);
  if (!r.ok) throw new Error(`import failed:\n${r.errors.map((e) => e.message).join("\n")}`);
  const checked = parseWorkflow(r.graph);
  expect(checked.ok, JSON.stringify(checked.ok ? [] : checked.issues)).toBe(true);
  // The declared-inputs warning is checked on its own below.
  return { graph: r.graph, warnings: r.warnings.filter((w) => !w.startsWith("declared ")) };
}

/** Imports a document that must not import. */
async function rejected(xml: string): Promise<BpmnImportError[]> {
  const r = await importBpmn(xml);
  if (r.ok) throw new Error(`import unexpectedly succeeded with ${r.graph.nodes.length} nodes`);
  expect(r.errors.length).toBeGreaterThan(0);
  return r.errors;
}

const node = (g: WorkflowGraph, id: string): WorkflowNode => {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node "${id}" in ${g.nodes.map((x) => x.id).join(", ")}`);
  return n;
};
const edge = (g: WorkflowGraph, id: string): WorkflowEdge => {
  const e = g.edges.find((x) => x.id === id);
  if (!e) throw new Error(`no edge "${id}" in ${g.edges.map((x) => x.id).join(", ")}`);
  return e;
};
const kinds = (g: WorkflowGraph): Record<string, string> => Object.fromEntries(g.nodes.map((n) => [n.id, n.kind]));
/** "id: source -> target" per edge, with the kind when it is not "flow". */
const wiring = (g: WorkflowGraph): string[] => g.edges.map((e) => `${e.id}: ${e.source} -> ${e.target}${e.kind === "flow" ? "" : ` (${e.kind})`}`);

/** A small BPMN document around the given process body (no diagram). */
const doc = (body: string, roots = ""): string =>
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">',
    '  <bpmn:process id="Process_1" isExecutable="true">',
    body,
    "  </bpmn:process>",
    roots,
    "</bpmn:definitions>",
  ].join("\n");

const DIAGRAM = "ignored 1 BPMNDiagram (read for positions only)";

describe("importBpmn: tasks and throw events", () => {
  it("maps every task type, with the config BPMN and Zeebe extensions give", async () => {
    const { graph } = await imported(fixture("tasks.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_1: "start",
      Task_Noop: "task",
      Task_Service: "task",
      Task_Send: "task",
      Task_Rule: "task",
      Task_Script: "task",
      Task_User: "approval",
      Task_Manual: "approval",
      Task_Receive: "signal",
      Event_Milestone: "task",
      Event_Notify: "task",
      EndEvent_1: "end",
    });
    expect(node(graph, "Task_Noop").config).toEqual({ type: "noop" });
    expect(node(graph, "Task_Service").config).toEqual({ type: "service", taskType: "charge-card" });
    expect(node(graph, "Task_Send").config).toEqual({ type: "send", message: "receipt" });
    expect(node(graph, "Task_Rule").config).toEqual({ type: "rule", decision: "discount" });
    expect(node(graph, "Task_Rule").outputs).toEqual(["discount"]);
    expect(node(graph, "Task_Script").config).toEqual({ type: "script", source: "return { total: a + b };", language: "javascript" });
    expect(node(graph, "Task_User").config).toEqual({ assignee: "alice" });
    expect(node(graph, "Task_Manual").config).toEqual({});
    expect(node(graph, "Task_Receive").config).toEqual({ name: "payment-received" });
    expect(node(graph, "Event_Milestone").config).toEqual({ type: "noop" });
    expect(node(graph, "Event_Notify").config).toEqual({ type: "send", message: "receipt" });
  });

  it("keeps names as labels, BPMN ids as ids and the diagram's coordinates as positions", async () => {
    const { graph } = await imported(fixture("tasks.bpmn"));
    expect(node(graph, "StartEvent_1")).toMatchObject({ label: "Order received", position: { x: 152, y: 102 } });
    expect(node(graph, "Task_Noop")).toMatchObject({ label: "Look at order", position: { x: 240, y: 80 } });
    expect(node(graph, "EndEvent_1").position).toEqual({ x: 1622, y: 102 });
    expect(wiring(graph)).toEqual([
      "Flow_1: StartEvent_1 -> Task_Noop",
      "Flow_2: Task_Noop -> Task_Service",
      "Flow_3: Task_Service -> Task_Send",
      "Flow_4: Task_Send -> Task_Rule",
      "Flow_5: Task_Rule -> Task_Script",
      "Flow_6: Task_Script -> Task_User",
      "Flow_7: Task_User -> Task_Manual",
      "Flow_8: Task_Manual -> Task_Receive",
      "Flow_9: Task_Receive -> Event_Milestone",
      "Flow_10: Event_Milestone -> Event_Notify",
      "Flow_11: Event_Notify -> EndEvent_1",
    ]);
  });

  it("counts what it skips", async () => {
    const { warnings } = await imported(fixture("tasks.bpmn"));
    expect(warnings).toEqual([DIAGRAM, "ignored 1 zeebe:ioMapping", "ignored 1 documentation"]);
  });

  it("truncates labels to 200 characters and folds white space", async () => {
    const { graph } = await imported(doc(`<bpmn:task id="T" name="  Check&#10;the   order ${"x".repeat(250)}" />`));
    const l = node(graph, "T").label ?? "";
    expect(l).toHaveLength(200);
    expect(l.startsWith("Check the order x")).toBe(true);
  });
});

describe("importBpmn: gateways", () => {
  it("maps splits, merges and mixed gateways (merge keeps the id, split gets id__split)", async () => {
    const { graph, warnings } = await imported(fixture("gateways.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_1: "start",
      Gateway_Amount: "exclusive-split",
      Task_Review: "task",
      Task_Auto: "task",
      Gateway_Merge: "exclusive-merge",
      Gateway_Fork: "parallel-split",
      Task_Charge: "task",
      Task_Reserve: "task",
      Gateway_Sync: "parallel-join",
      Gateway_Sync__split: "parallel-split",
      Task_Pack: "task",
      Task_Label: "task",
      Gateway_Join: "parallel-join",
      Gateway_Options: "inclusive-split",
      Task_Gift: "task",
      Task_Insure: "task",
      Task_Nothing: "task",
      Gateway_Extras: "inclusive-join",
      Gateway_Extras__split: "inclusive-split",
      Task_Express: "task",
      Task_Standard: "task",
      Gateway_Done: "inclusive-join",
      Gateway_Retry: "exclusive-merge",
      Gateway_Retry__split: "exclusive-split",
      Task_Fix: "task",
      EndEvent_1: "end",
    });
    expect(warnings).toEqual([DIAGRAM]);
  });

  it("joins the two halves of a mixed gateway with id__link and hangs the outgoing flows on the split", async () => {
    const { graph } = await imported(fixture("gateways.bpmn"));
    expect(edge(graph, "Gateway_Sync__link")).toEqual({ id: "Gateway_Sync__link", source: "Gateway_Sync", target: "Gateway_Sync__split", kind: "flow" });
    expect(edge(graph, "Gateway_Retry__link")).toMatchObject({ source: "Gateway_Retry", target: "Gateway_Retry__split" });
    expect(edge(graph, "Gateway_Extras__link")).toMatchObject({ source: "Gateway_Extras", target: "Gateway_Extras__split" });
    expect(edge(graph, "Flow_Charged")).toMatchObject({ source: "Task_Charge", target: "Gateway_Sync" });
    expect(edge(graph, "Flow_Pack")).toMatchObject({ source: "Gateway_Sync__split", target: "Task_Pack" });
    expect(edge(graph, "Flow_Ok")).toMatchObject({ source: "Gateway_Retry__split", target: "EndEvent_1" });
    expect(edge(graph, "Flow_Fixed")).toMatchObject({ source: "Task_Fix", target: "Gateway_Retry" });
    // The gateway's name is the question the split asks.
    expect(node(graph, "Gateway_Retry__split").label).toBe("Delivered?");
    expect(node(graph, "Gateway_Retry").label).toBeUndefined();
    // Split halves sit just right of the gateway's shape.
    expect(node(graph, "Gateway_Sync").position).toEqual({ x: 845, y: 175 });
    expect(node(graph, "Gateway_Sync__split").position).toEqual({ x: 925, y: 175 });
  });

  it("turns FEEL conditions into edge conditions without the leading '=' and marks default flows", async () => {
    const { graph } = await imported(fixture("gateways.bpmn"));
    const conditions = Object.fromEntries(graph.edges.filter((e) => e.condition !== undefined).map((e) => [e.id, e.condition]));
    expect(conditions).toEqual({
      Flow_Large: "amount > 1000",
      Flow_Gift: "gift",
      Flow_Insure: "value >= 500",
      Flow_Express: "express",
      Flow_Ok: "delivered = true",
    });
    expect(graph.edges.filter((e) => e.isDefault).map((e) => e.id)).toEqual(["Flow_Small", "Flow_NoExtras", "Flow_Standard", "Flow_NotOk"]);
    expect(edge(graph, "Flow_Small")).toEqual({ id: "Flow_Small", source: "Gateway_Amount", target: "Task_Auto", kind: "flow", isDefault: true, label: "small" });
    expect(graph.edges.every((e) => e.kind === "flow")).toBe(true);
  });

  it("ignores, with a warning, a condition on a flow leaving a parallel gateway", async () => {
    const { graph, warnings } = await imported(
      doc(`
    <bpmn:parallelGateway id="Fork" />
    <bpmn:task id="A" /><bpmn:task id="B" />
    <bpmn:sequenceFlow id="F1" sourceRef="Fork" targetRef="A"><bpmn:conditionExpression>=x</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F2" sourceRef="Fork" targetRef="B" />`),
    );
    expect(edge(graph, "F1").condition).toBeUndefined();
    expect(warnings).toEqual(['sequenceFlow "F1": ignored the condition, as parallelGateway "Fork" does not choose between flows']);
  });
});

describe("importBpmn: events", () => {
  it("maps an event-based gateway with timer, message, signal and receive-task branches, and the end event kinds", async () => {
    const { graph, warnings } = await imported(fixture("events.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_Order: "start",
      Gateway_Wait: "event-choice",
      Event_Timeout: "timer",
      Task_Remind: "task",
      Event_Deadline: "timer",
      EndEvent_Cancelled: "terminate-end",
      Event_Paid: "signal",
      Event_Shipped: "signal",
      EndEvent_Notify: "end",
      Task_WaitCancel: "signal",
      EndEvent_Failed: "end",
    });
    expect(node(graph, "Event_Timeout").config).toEqual({ duration: "PT10M" });
    expect(node(graph, "Event_Deadline").config).toEqual({ until: "2030-01-01T09:00:00Z" });
    expect(node(graph, "Event_Paid").config).toEqual({ name: "payment-received" });
    expect(node(graph, "Event_Shipped").config).toEqual({ name: "parcel-shipped" });
    expect(node(graph, "Task_WaitCancel").config).toEqual({ name: "order-cancelled" });
    expect(node(graph, "StartEvent_Order").label).toBe("Order placed");
    expect(node(graph, "EndEvent_Cancelled").label).toBe("Cancelled");
    // Without a name, the label says what kind of end event it was.
    expect(node(graph, "EndEvent_Notify").label).toBe("message end");
    expect(node(graph, "EndEvent_Failed").label).toBe("error end");
    expect(graph.edges.filter((e) => e.source === "Gateway_Wait").map((e) => e.target)).toEqual(["Event_Timeout", "Event_Paid", "Task_WaitCancel"]);
    expect(warnings).toEqual([
      'endEvent "EndEvent_Notify": the message end event became a plain end (the message is not sent)',
      'endEvent "EndEvent_Failed": the error end event became a plain end (the error is not raised)',
      DIAGRAM,
    ]);
  });

  it("maps every start event (none, timer, signal) and lays out a document without a diagram in layers", async () => {
    const { graph, warnings } = await imported(fixture("starts-no-diagram.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_Manual: "start",
      StartEvent_Daily: "start",
      StartEvent_Signal: "start",
      Gateway_Any: "exclusive-merge",
      Task_Order: "task",
      EndEvent_1: "end",
    });
    expect(node(graph, "StartEvent_Daily").label).toBe("timer start");
    expect(Object.fromEntries(graph.nodes.map((n) => [n.id, n.position]))).toEqual({
      StartEvent_Manual: { x: 0, y: 0 },
      StartEvent_Daily: { x: 0, y: 120 },
      StartEvent_Signal: { x: 0, y: 240 },
      Gateway_Any: { x: 200, y: 0 },
      Task_Order: { x: 400, y: 0 },
      EndEvent_1: { x: 600, y: 0 },
    });
    expect(warnings).toEqual([]);
  });

  it("uses the message id, then the event id, when a message has no name", async () => {
    const { graph } = await imported(
      doc(
        `
    <bpmn:intermediateCatchEvent id="Catch_1"><bpmn:messageEventDefinition messageRef="Message_NoName" /></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Catch_2"><bpmn:signalEventDefinition /></bpmn:intermediateCatchEvent>
    <bpmn:receiveTask id="Receive_1" />`,
        '  <bpmn:message id="Message_NoName" />',
      ),
    );
    expect(node(graph, "Catch_1").config).toEqual({ name: "Message_NoName" });
    expect(node(graph, "Catch_2").config).toEqual({ name: "Catch_2" });
    expect(node(graph, "Receive_1").config).toEqual({ name: "Receive_1" });
  });

  it("splits explicitly after a start event or activity with several outgoing flows, and merges before one with several incoming", async () => {
    const { graph } = await imported(
      doc(`
    <bpmn:startEvent id="S" />
    <bpmn:task id="A" /><bpmn:task id="B" />
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A" />
    <bpmn:sequenceFlow id="F2" sourceRef="S" targetRef="B" />
    <bpmn:sequenceFlow id="F3" sourceRef="A" targetRef="E" />
    <bpmn:sequenceFlow id="F4" sourceRef="B" targetRef="E" />`),
    );
    expect(kinds(graph)).toEqual({ S: "start", S__split: "parallel-split", A: "task", B: "task", E: "end", E__merge: "exclusive-merge" });
    expect(wiring(graph)).toEqual(["S__out: S -> S__split", "E__in: E__merge -> E", "F1: S__split -> A", "F2: S__split -> B", "F3: A -> E__merge", "F4: B -> E__merge"]);
  });
});

describe("importBpmn: conditions from Camunda 7", () => {
  it("unwraps JUEL ${...} with a warning, reads camunda: attributes, and makes conditional flows from an activity an inclusive split", async () => {
    const { graph, warnings } = await imported(fixture("camunda7-conditions.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_1: "start",
      Task_Review: "approval",
      Gateway_Decide: "exclusive-split",
      Task_Book: "task",
      Task_Check: "task",
      Task_Check__split: "inclusive-split",
      Task_Notify: "task",
      Task_Archive: "task",
      EndEvent_Done: "end",
      EndEvent_Done__merge: "exclusive-merge",
      EndEvent_Rejected: "end",
    });
    expect(node(graph, "Task_Review").config).toEqual({ assignee: "demo" });
    expect(node(graph, "Task_Book").config).toEqual({ type: "service", taskType: "book-request" });
    expect(node(graph, "Task_Notify").config).toEqual({ type: "send", taskType: "notify" });
    expect(node(graph, "Task_Check")).toMatchObject({ config: { type: "script", source: "booking != null", language: "groovy" }, outputs: ["booked"] });
    expect(edge(graph, "Flow_Approve")).toEqual({ id: "Flow_Approve", source: "Gateway_Decide", target: "Task_Book", kind: "flow", condition: "approved", label: "yes" });
    expect(edge(graph, "Flow_Reject")).toMatchObject({ isDefault: true, label: "no" });
    expect(edge(graph, "Flow_Reject").condition).toBeUndefined();
    // Leaving an activity, BPMN always takes an unconditional flow: it becomes "true".
    expect(edge(graph, "Flow_Notify")).toMatchObject({ source: "Task_Check__split", target: "Task_Notify", condition: "amount > 100" });
    expect(edge(graph, "Flow_Archive")).toMatchObject({ source: "Task_Check__split", target: "Task_Archive", condition: "true" });
    expect(edge(graph, "Task_Check__out")).toMatchObject({ source: "Task_Check", target: "Task_Check__split" });
    expect(edge(graph, "Flow_4")).toMatchObject({ source: "Task_Notify", target: "EndEvent_Done__merge" });
    expect(edge(graph, "EndEvent_Done__in")).toMatchObject({ source: "EndEvent_Done__merge", target: "EndEvent_Done" });
    expect(warnings).toEqual([
      'sequenceFlow "Flow_Approve": converted the JUEL expression ${approved} to "approved"; check that it is valid FEEL',
      'sequenceFlow "Flow_Notify": converted the JUEL expression ${ amount > 100 } to "amount > 100"; check that it is valid FEEL',
      DIAGRAM,
    ]);
  });
});

describe("importBpmn: sub-processes, call activities, multi-instance", () => {
  it("flattens embedded sub-processes: start -> exclusive-merge, one end -> exclusive-merge, several ends -> id__done inclusive-join", async () => {
    const { graph, warnings } = await imported(fixture("subprocess.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_1: "start",
      Start_Check: "exclusive-merge",
      Start_Inner: "exclusive-merge",
      Task_Inner: "task",
      End_Inner: "exclusive-merge",
      End_Check: "exclusive-merge",
      Start_Ship: "exclusive-merge",
      Gateway_ShipFork: "parallel-split",
      Task_Pack: "task",
      Task_Invoice: "task",
      End_Packed: "exclusive-merge",
      End_Invoiced: "exclusive-merge",
      SubProcess_Ship__done: "inclusive-join",
      EndEvent_1: "end",
    });
    expect(wiring(graph)).toEqual([
      "End_Packed__done: End_Packed -> SubProcess_Ship__done",
      "End_Invoiced__done: End_Invoiced -> SubProcess_Ship__done",
      "Flow_Inner_1: Start_Inner -> Task_Inner",
      "Flow_Inner_2: Task_Inner -> End_Inner",
      "Flow_Check_1: Start_Check -> Start_Inner",
      "Flow_Check_2: End_Inner -> End_Check",
      "Flow_Ship_1: Start_Ship -> Gateway_ShipFork",
      "Flow_Ship_2: Gateway_ShipFork -> Task_Pack",
      "Flow_Ship_3: Gateway_ShipFork -> Task_Invoice",
      "Flow_Ship_4: Task_Pack -> End_Packed",
      "Flow_Ship_5: Task_Invoice -> End_Invoiced",
      "Flow_1: StartEvent_1 -> Start_Check",
      "Flow_2: End_Check -> Start_Ship",
      "Flow_3: SubProcess_Ship__done -> EndEvent_1",
    ]);
    // An unnamed inner start takes the sub-process's name; the join sits inside its right edge.
    expect(node(graph, "Start_Check").label).toBe("Check order");
    expect(node(graph, "Start_Inner").label).toBe("Stock check begins");
    expect(node(graph, "SubProcess_Ship__done").position).toEqual({ x: 1150, y: 195 });
    expect(warnings).toEqual([DIAGRAM]);
  });

  it("maps call activities to sub-workflow and multi-instance activities to for-each", async () => {
    const { graph, warnings } = await imported(fixture("call-multi-instance.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_1: "start",
      Call_Invoice: "sub-workflow",
      Task_Notify: "for-each",
      Task_Sign: "for-each",
      Call_Ship: "for-each",
      Task_Each: "for-each",
      EndEvent_1: "end",
    });
    expect(node(graph, "Call_Invoice").config).toEqual({ workflow: "invoice-flow" });
    expect(node(graph, "Task_Notify")).toMatchObject({
      config: { items: "customers", mode: "parallel", task: { type: "service", taskType: "notify" }, itemVariable: "customer" },
      outputs: ["results"],
    });
    expect(node(graph, "Task_Sign").config).toEqual({ items: "3", mode: "sequential", task: { type: "approval" } });
    expect(node(graph, "Call_Ship").config).toEqual({ items: "parcels", mode: "parallel", task: { type: "sub-workflow", workflow: "shipping-flow" } });
    expect(node(graph, "Task_Each").config).toEqual({ items: "order.lines", mode: "sequential", task: { type: "noop" }, itemVariable: "line" });
    expect(warnings).toEqual([DIAGRAM]);
  });

  it("reads a Camunda 7 multi-instance collection, unwrapping JUEL", async () => {
    const { graph, warnings } = await imported(
      doc(`
    <bpmn:userTask id="Task_Approve" camunda:assignee="boss">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="\${orders}" camunda:elementVariable="order" />
    </bpmn:userTask>`),
    );
    expect(node(graph, "Task_Approve")).toMatchObject({
      kind: "for-each",
      config: { items: "orders", mode: "parallel", task: { type: "approval", assignee: "boss" }, itemVariable: "order" },
    });
    expect(warnings).toEqual(['userTask "Task_Approve": converted the JUEL expression ${orders} to "orders"; check that it is valid FEEL']);
  });
});

describe("importBpmn: boundary events", () => {
  it("turns interrupting error, timer, message and signal boundary events into error edges from the activity", async () => {
    const { graph, warnings } = await imported(fixture("boundary.bpmn"));
    expect(kinds(graph)).toEqual({
      StartEvent_1: "start",
      Task_Charge: "task",
      Task_Approve: "approval",
      Call_Ship: "sub-workflow",
      EndEvent_Done: "end",
      Task_TellCustomer: "task",
      EndEvent_Declined: "end",
      EndEvent_Declined__merge: "exclusive-merge",
      Task_Escalate: "task",
      Task_Log: "task",
      EndEvent_Escalated: "end",
      EndEvent_Logged: "end",
      Task_Refund: "task",
      EndEvent_Refunded: "end",
      Boundary_Timeout: "parallel-split",
    });
    // One outgoing flow: the flow's id, from the activity, of kind "error".
    expect(edge(graph, "Flow_Declined")).toEqual({ id: "Flow_Declined", source: "Task_Charge", target: "Task_TellCustomer", kind: "error", label: "error CARD_DECLINED" });
    expect(edge(graph, "Flow_Cancel")).toEqual({ id: "Flow_Cancel", source: "Call_Ship", target: "Task_Refund", kind: "error", label: "message order-cancelled" });
    expect(edge(graph, "Flow_Recall")).toEqual({ id: "Flow_Recall", source: "Task_Charge", target: "EndEvent_Declined__merge", kind: "error", label: "signal recall" });
    // Several outgoing flows: a parallel-split with the boundary event's id.
    expect(edge(graph, "Boundary_Timeout__link")).toEqual({ id: "Boundary_Timeout__link", source: "Task_Approve", target: "Boundary_Timeout", kind: "error", label: "timer PT1H" });
    expect(edge(graph, "Flow_Escalate")).toMatchObject({ source: "Boundary_Timeout", target: "Task_Escalate", kind: "flow" });
    expect(edge(graph, "Flow_Log")).toMatchObject({ source: "Boundary_Timeout", target: "Task_Log", kind: "flow" });
    expect(node(graph, "Boundary_Timeout")).toMatchObject({ label: "1 hour", position: { x: 432, y: 142 } });
    // The normal flow is untouched.
    expect(edge(graph, "Flow_2")).toMatchObject({ source: "Task_Charge", target: "Task_Approve", kind: "flow" });
    expect(warnings).toEqual([
      'boundaryEvent "Boundary_Recall": the interrupting signal boundary event became an error edge from "Task_Charge" labelled "signal recall"',
      'boundaryEvent "Boundary_Timeout": the interrupting timer boundary event became an error edge from "Task_Approve" labelled "timer PT1H"',
      'boundaryEvent "Boundary_Cancel": the interrupting message boundary event became an error edge from "Call_Ship" labelled "message order-cancelled"',
      DIAGRAM,
    ]);
  });

  it("ends the path at once when a boundary event has no outgoing flow", async () => {
    const { graph, warnings } = await imported(
      doc(`
    <bpmn:task id="T" />
    <bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>`),
    );
    expect(node(graph, "B").kind).toBe("end");
    expect(edge(graph, "B__link")).toEqual({ id: "B__link", source: "T", target: "B", kind: "error", label: "error" });
    expect(warnings).toEqual(['boundaryEvent "B" has no outgoing flow; its path ends at once']);
  });
});

describe("importBpmn: collaborations and skipped elements", () => {
  it("imports the one pool of a collaboration and counts lanes, annotations, data and the black-box pool", async () => {
    const { graph, warnings } = await imported(fixture("collaboration.bpmn"));
    expect(kinds(graph)).toEqual({ StartEvent_1: "start", Task_Sell: "task", Task_Pick: "task", EndEvent_1: "end" });
    expect(node(graph, "Task_Pick").position).toEqual({ x: 460, y: 360 });
    expect(warnings).toEqual([
      "ignored 1 participant (black-box pool)",
      "ignored 1 messageFlow",
      DIAGRAM,
      "ignored 2 textAnnotation",
      "ignored 2 association",
      "ignored 1 group",
      "ignored 1 laneSet",
      "ignored 2 lane",
      "ignored 1 documentation",
      "ignored 1 dataInputAssociation",
      "ignored 1 dataOutputAssociation",
      "ignored 1 property",
      "ignored 1 dataObjectReference",
      "ignored 1 dataObject",
      "ignored 1 dataStoreReference",
    ]);
  });

  it("skips an empty second process with a warning", async () => {
    const { graph, warnings } = await imported(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:collaboration id="C">
    <bpmn:participant id="Pool_A" processRef="Process_A" />
    <bpmn:participant id="Pool_B" processRef="Process_B" />
  </bpmn:collaboration>
  <bpmn:process id="Process_A"><bpmn:startEvent id="S" /></bpmn:process>
  <bpmn:process id="Process_B" />
</bpmn:definitions>`);
    expect(kinds(graph)).toEqual({ S: "start" });
    expect(warnings).toEqual(['ignored empty process "Process_B"']);
  });

  it("only warns about dangling references of skipped elements and of incoming/outgoing lists", async () => {
    const { graph, warnings } = await imported(
      doc(`
    <bpmn:task id="T"><bpmn:incoming>Flow_Gone</bpmn:incoming></bpmn:task>
    <bpmn:association id="Association_1" sourceRef="T" targetRef="TextAnnotation_Gone" />`),
    );
    expect(kinds(graph)).toEqual({ T: "task" });
    expect(warnings).toEqual([
      'ignored the reference of task "T" to unknown element "Flow_Gone" (incoming)',
      'ignored the reference of association "Association_1" to unknown element "TextAnnotation_Gone" (targetRef)',
      "ignored 1 association",
    ]);
  });

  it("warns about unknown plain attributes", async () => {
    const { warnings } = await imported(doc('<bpmn:startEvent id="S" colour="red" />'));
    expect(warnings).toEqual(['ignored unknown attribute "colour" on startEvent "S"']);
  });
});

describe("importBpmn: errors", () => {
  it("rejects a complex gateway, naming it, its type and its line", async () => {
    expect(await rejected(fixture("error-complex-gateway.bpmn"))).toEqual([
      { message: 'complexGateway "Gateway_1" is not supported: Petrel has no complex gateway', elementId: "Gateway_1", elementType: "complexGateway", line: 7 },
    ]);
  });

  it("rejects a non-interrupting boundary event", async () => {
    expect(await rejected(fixture("error-non-interrupting-boundary.bpmn"))).toEqual([
      { message: 'boundaryEvent "Boundary_Reminder" is not supported: non-interrupting boundary events have no Petrel equivalent', elementId: "Boundary_Reminder", elementType: "boundaryEvent", line: 7 },
    ]);
  });

  it("rejects an event sub-process", async () => {
    expect(await rejected(fixture("error-event-subprocess.bpmn"))).toEqual([
      { message: 'subProcess "EventSubProcess_Error" is not supported: event sub-processes (triggeredByEvent) have no Petrel equivalent', elementId: "EventSubProcess_Error", elementType: "subProcess", line: 9 },
    ]);
  });

  it("rejects a standard loop", async () => {
    const errors = await rejected(fixture("error-standard-loop.bpmn"));
    expect(errors.map((e) => e.message)).toEqual(['task "Task_Retry" is not supported: standard loops (standardLoopCharacteristics) have no Petrel equivalent; use multi-instance']);
    expect(errors[0]).toMatchObject({ elementId: "Task_Retry", elementType: "task", line: 5 });
  });

  it("rejects link events, both the throw and the catch", async () => {
    expect((await rejected(fixture("error-link-events.bpmn"))).map((e) => e.message)).toEqual([
      'intermediateThrowEvent "LinkThrow_Go" is not supported: link throw events have no Petrel equivalent',
      'intermediateCatchEvent "LinkCatch_Go" is not supported: link events have no Petrel equivalent',
    ]);
  });

  it("rejects a collaboration of several pools with processes, naming them", async () => {
    expect(await rejected(fixture("error-two-pools.bpmn"))).toEqual([
      {
        message:
          'the document has 2 processes: "Process_Customer" (pool "Customer"), "Process_Shop" (pool "Shop"); Petrel imports exactly one process, so keep one pool or import each process separately',
        elementType: "process",
      },
    ]);
  });

  it("rejects invalid XML, naming the line", async () => {
    const errors = await rejected(fixture("error-invalid-xml.bpmn"));
    expect(errors).toEqual([{ message: "invalid XML at line 7, column 3 (</bpmn:process>): closing tag mismatch", line: 7 }]);
  });

  it("rejects ids Petrel cannot use, whether the XML parser or the importer finds them", async () => {
    const errors = await rejected(fixture("error-bad-ids.bpmn"));
    const long = "Task_ThisIdentifierIsFarTooLongForPetrelAsItHasMoreThanSixtyFourCharacters";
    expect(errors).toEqual([
      { message: 'task "Check order": the id is not valid (ids are 1 to 64 letters, digits and _ . : -)', elementId: "Check order", elementType: "task", line: 6 },
      { message: `task "${long}": the id is not valid (ids are 1 to 64 letters, digits and _ . : -)`, elementId: long, elementType: "task", line: 5 },
    ]);
  });

  it("collects every error of a document, not just the first", async () => {
    const errors = await rejected(fixture("error-many.bpmn"));
    expect(errors.map((e) => e.message).sort()).toEqual(
      [
        'fooTask "Foo_1" is not supported: unknown BPMN element (line 23)',
        'complexGateway "Gateway_Complex" is not supported: Petrel has no complex gateway',
        'intermediateCatchEvent "Timer_Cycle" is not supported: timer cycles have no Petrel equivalent',
        'callActivity "Call_Nothing" has no called element (calledElement, or processId of zeebe:calledElement)',
        'intermediateCatchEvent "Event_Conditional" is not supported: conditional events have no Petrel equivalent',
        'transaction "Transaction_1" is not supported: Petrel has no transaction sub-process',
        'adHocSubProcess "AdHoc_1" is not supported: Petrel has no ad-hoc sub-process',
        'task "Task_Until" is not supported: multi-instance completion conditions have no Petrel equivalent',
        'endEvent "End_Escalate" is not supported: escalation end events have no Petrel equivalent',
        'boundaryEvent "Boundary_OnSub" is not supported: boundary events on an embedded sub-process have no Petrel equivalent (subProcess "SubProcess_1" is flattened)',
      ].sort(),
    );
    for (const e of errors) {
      expect(e.elementId).toBeTruthy();
      expect(e.elementType).toBeTruthy();
      expect(e.line).toBeGreaterThan(0);
    }
  });

  it("rejects documents that are not BPMN, or not XML at all, without throwing", async () => {
    expect(await rejected("")).toEqual([{ message: "the document is empty" }]);
    expect(await rejected("hello world")).toEqual([{ message: 'invalid XML at line 1, column 1 (near "hello world"): missing start tag', line: 1 }]);
    expect(await rejected('<?xml version="1.0"?>\n<foo><bar/></foo>')).toEqual([
      { message: "not a BPMN 2.0 document: the root element must be <definitions> in the namespace http://www.omg.org/spec/BPMN/20100524/MODEL (found <foo> at line 2)", line: 2 },
    ]);
    expect(await rejected(undefined as unknown as string)).toEqual([{ message: "the input must be BPMN 2.0 XML text" }]);
    const cut = fixture("tasks.bpmn").split("\n").slice(0, 20).join("\n");
    expect(await rejected(cut)).toEqual([{ message: "invalid XML at line 20: unexpected end of file (an element is not closed)", line: 20 }]);
  });

  it("rejects a document without a process", async () => {
    expect(await rejected(doc("").replace(/<bpmn:process[\s\S]*<\/bpmn:process>/, '<bpmn:message id="M" />'))).toEqual([
      { message: "the document has no process (bpmn:process); Petrel imports exactly one process" },
    ]);
  });

  it("reports broken structure: references, crossing flows, event-gateway targets, sub-process shape", async () => {
    const messages = async (body: string) => (await rejected(doc(body))).map((e) => e.message);
    expect(await messages('<bpmn:startEvent id="S" /><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Nowhere" />')).toEqual([
      'sequenceFlow "F": targetRef "Nowhere" names no element',
    ]);
    expect(await messages('<bpmn:startEvent id="S" /><bpmn:task id="S" />')).toEqual(['task "S": the id is used twice']);
    expect(
      await messages(`<bpmn:task id="T" />
    <bpmn:subProcess id="SP"><bpmn:startEvent id="S1" /><bpmn:endEvent id="E1" />
      <bpmn:sequenceFlow id="F0" sourceRef="S1" targetRef="E1" /><bpmn:sequenceFlow id="F1" sourceRef="S1" targetRef="T" /></bpmn:subProcess>`),
    ).toEqual(['sequenceFlow "F1" crosses the border of a sub-process (from startEvent "S1" to task "T")']);
    expect(
      await messages(`<bpmn:eventBasedGateway id="G" /><bpmn:task id="T" />
    <bpmn:intermediateCatchEvent id="C"><bpmn:signalEventDefinition /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="G" targetRef="T" /><bpmn:sequenceFlow id="F2" sourceRef="G" targetRef="C" />`),
    ).toEqual(['sequenceFlow "F1": an event-based gateway must lead straight to intermediate catch events or receive tasks, not to task "T"']);
    expect(await messages('<bpmn:subProcess id="SP"><bpmn:startEvent id="S1" /><bpmn:startEvent id="S2" /><bpmn:endEvent id="E1" /></bpmn:subProcess>')).toEqual([
      'subProcess "SP" must hold exactly one start event (it holds 2)',
    ]);
    expect(
      await messages('<bpmn:subProcess id="SP"><bpmn:startEvent id="S1" /><bpmn:endEvent id="E1"><bpmn:terminateEventDefinition /></bpmn:endEvent><bpmn:sequenceFlow id="F" sourceRef="S1" targetRef="E1" /></bpmn:subProcess>'),
    ).toEqual(['endEvent "E1" is not supported: a terminate end event inside an embedded sub-process has no Petrel equivalent (the sub-process is flattened)']);
  });

  it("reports what it cannot translate faithfully: timers, lone conditions, unknown elements, long derived ids", async () => {
    const messages = async (body: string) => (await rejected(doc(body))).map((e) => e.message);
    expect(await messages('<bpmn:intermediateCatchEvent id="C"><bpmn:timerEventDefinition><bpmn:timeDuration>${wait}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')).toEqual([
      'intermediateCatchEvent "C" is not supported: timer duration "${wait}" is not an ISO 8601 duration such as PT5M',
    ]);
    expect(await messages('<bpmn:task id="T" /><bpmn:endEvent id="E" /><bpmn:sequenceFlow id="F" sourceRef="T" targetRef="E"><bpmn:conditionExpression>=x</bpmn:conditionExpression></bpmn:sequenceFlow>')).toEqual([
      'sequenceFlow "F" is not supported: a condition on the only flow leaving task "T" has no Petrel equivalent; use a gateway',
    ]);
    expect(await messages('<bpmn:startEvent id="S" /><foo:thing xmlns:foo="urn:foo" id="Q" />')).toEqual([
      'element <foo:thing> "Q" is not supported: it is not BPMN 2.0 and not inside extensionElements (line 4)',
    ]);
    const g = `G_${"1234567890".repeat(5)}123456789`; // 61 characters: valid, but not with "__split"
    expect(
      await messages(`<bpmn:parallelGateway id="${g}" /><bpmn:task id="A" /><bpmn:task id="B" /><bpmn:task id="C" /><bpmn:task id="D" />
    <bpmn:sequenceFlow id="F1" sourceRef="A" targetRef="${g}" /><bpmn:sequenceFlow id="F2" sourceRef="B" targetRef="${g}" />
    <bpmn:sequenceFlow id="F3" sourceRef="${g}" targetRef="C" /><bpmn:sequenceFlow id="F4" sourceRef="${g}" targetRef="D" />`),
    ).toEqual([`parallelGateway "${g}": the id is too long to derive "${g}__split" from it (ids are 1 to 64 letters, digits and _ . : -)`]);
  });

  it("never throws, and never returns an invalid graph, for any prefix of a valid document", async () => {
    const xml = fixture("gateways.bpmn");
    for (let end = 0; end <= xml.length; end += 211) {
      const r = await importBpmn(xml.slice(0, end));
      if (r.ok) expect(parseWorkflow(r.graph).ok).toBe(true);
      else expect(r.errors.every((e) => typeof e.message === "string" && e.message.length > 0)).toBe(true);
    }
  });
});

describe("process inputs", () => {
  it("declares the variables that conditions and for-each lists read but no element sets, and verification then passes the data checks", async () => {
    const r = await importBpmn(fixture("gateways.bpmn"));
    if (!r.ok) throw new Error("import failed");
    expect(Object.keys(r.graph.input ?? {})).toEqual(["amount", "delivered", "express", "gift", "value"]);
    expect(r.graph.input?.amount).toEqual({ type: "any", description: "read by the imported BPMN model" });
    expect(r.warnings).toContain("declared 5 input variables read by conditions but set by no element: amount, delivered, express, gift, value");
    const v = verifyWorkflow(r.graph);
    expect(v.issues.filter((i) => i.code.includes("VARIABLE"))).toEqual([]);
  });

  it.each(["tasks", "gateways", "events", "subprocess", "call-multi-instance", "boundary", "collaboration"])("%s.bpmn imports to a sound workflow that passes every check", async (name) => {
    const r = await importBpmn(fixture(`${name}.bpmn`));
    if (!r.ok) throw new Error("import failed");
    const v = verifyWorkflow(r.graph);
    expect(v.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(v.sound).toBe(true);
  });

  it("camunda7-conditions.bpmn: both conditional paths can reach the same end, which the verifier reports as a lack of synchronisation", async () => {
    const r = await importBpmn(fixture("camunda7-conditions.bpmn"));
    if (!r.ok) throw new Error("import failed");
    const v = verifyWorkflow(r.graph);
    expect(v.sound).toBe(false);
    expect(v.issues.map((i) => i.code)).toEqual(["UNSAFE", "IMPROPER_COMPLETION"]);
  });
});
