import { describe, expect, it } from "vitest";
import { fillSecrets, redactSecrets, secretNames } from "./secrets";

describe("secret references", () => {
  const secrets = new Map([["API_KEY", "k3y"], ["OTHER", "v4lue"]]);
  it("finds names anywhere in settings and fills them in", () => {
    const config = { url: "https://x.test/?k={{secrets.API_KEY}}", headers: { a: "Bearer {{ secrets.OTHER }}" }, list: ["{{secrets.API_KEY}}"], n: 3, bad: "{{secrets.lower}}" };
    expect([...secretNames(config)].sort()).toEqual(["API_KEY", "OTHER"]);
    expect(fillSecrets(config, secrets)).toEqual({ url: "https://x.test/?k=k3y", headers: { a: "Bearer v4lue" }, list: ["k3y"], n: 3, bad: "{{secrets.lower}}" });
  });
  it("redacts every occurrence, in values and keys, nested, leaving other values alone", () => {
    expect(redactSecrets({ msg: "k3y and k3y", nested: [{ v4lue: "x v4lue" }], n: 1, d: null }, secrets)).toEqual({ msg: "[secret API_KEY] and [secret API_KEY]", nested: [{ "[secret OTHER]": "x [secret OTHER]" }], n: 1, d: null });
    expect(redactSecrets("nothing here", new Map())).toBe("nothing here");
  });
});
