import { describe, expect, it } from "vitest";
import { analyseExpression, provablyTotal } from "./expressions";

describe("expressions (FEEL)", () => {
  it.each([
    ["amount > 500", ["amount"]],
    ["=amount > 500", ["amount"]],
    ['customer.tier = "gold" and total >= 10', ["customer", "total"]],
    ["sum(order.items) > limit", ["order", "limit"]],
    ["for x in items return x * rate", ["items", "rate"]],
    ["true", []],
  ])("reads the variables of %s", (src, vars) => {
    expect(analyseExpression(src)).toEqual({ ok: true, variables: vars });
  });

  it("reports syntax errors with the column", () => {
    expect(analyseExpression("amount >")).toEqual({ ok: false, message: 'syntax error at column 9 (near "amount >")', column: 9 });
    expect(analyseExpression("  ")).toMatchObject({ ok: false, message: "is empty" });
  });

  it.each([
    [["amount > 500", "amount <= 500"], true],
    [["amount < 10", "amount >= 10"], true],
    [["x < 0", "x = 0", "x > 0"], true],
    [["x != 3", "x = 3"], true],
    [["true"], true],
    [["amount > 500", "amount < 500"], false],
    [["amount > 500", "amount < 100"], false],
    [["a > 1", "b <= 1"], false],
    [["status = \"ok\""], false],
    [[], false],
  ])("provablyTotal(%o) is %s", (conds, total) => {
    expect(provablyTotal(conds)).toBe(total);
  });
});
