/** Test support: a tiny HTTP client for the tRPC wire format (superjson), keeping cookies. */
import superjson from "superjson";

export type TrpcResponse = { status: number; headers: Headers; body: { result?: { data: unknown }; error?: { message: string; data: Record<string, unknown> } } };

export class TrpcHttp {
  cookie = "";
  /** An API token, sent as Authorization: Bearer. */
  bearer = "";
  constructor(readonly baseUrl: string) {}

  private async send(method: "GET" | "POST", path: string, input?: unknown, raw?: string): Promise<TrpcResponse> {
    const url = new URL(`/api/trpc/${path}`, this.baseUrl);
    const headers: Record<string, string> = { "x-forwarded-for": "203.0.113.9" };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    let body: string | undefined;
    if (method === "GET") {
      if (input !== undefined) url.searchParams.set("input", JSON.stringify(superjson.serialize(input)));
    } else {
      headers["content-type"] = "application/json";
      body = raw ?? JSON.stringify(superjson.serialize(input ?? null));
    }
    const res = await fetch(url, { method, headers, body });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(";");
      this.cookie = pair?.endsWith("=") ? "" : (pair ?? "");
    }
    const json = (await res.json()) as { result?: { data: unknown }; error?: { json: { message: string; data: Record<string, unknown> } } };
    return {
      status: res.status,
      headers: res.headers,
      body: {
        result: json.result ? { data: superjson.deserialize(json.result.data as never) } : undefined,
        error: json.error ? json.error.json : undefined,
      },
    };
  }

  query(path: string, input?: unknown) {
    return this.send("GET", path, input);
  }
  mutate(path: string, input?: unknown) {
    return this.send("POST", path, input);
  }
  /** POST a raw body (malformed JSON and the like). */
  raw(path: string, body: string) {
    return this.send("POST", path, undefined, body);
  }
}
