/**
 * Outbound HTTP from workflow steps reaches public addresses only: private, loopback,
 * link-local, unique-local, multicast and other reserved ranges are refused unless an allow-list
 * entry (PETREL_HTTP_ALLOW: host names, addresses or CIDR ranges) permits them. The check runs
 * where the connection is made, on every address a name resolves to, so redirects and DNS
 * answers that change between look-ups cannot slip past it.
 */
import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector } from "undici";

/** Why a connection was refused. */
export class BlockedAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`${host}${host === address ? "" : ` (${address})`} is a ${range} address, which workflow steps may not call; add it to PETREL_HTTP_ALLOW to allow it.`);
    this.name = "BlockedAddressError";
  }
}

type Rule = { host: string } | { cidr: [ipaddr.IPv4 | ipaddr.IPv6, number] };

/** Parses the allow-list; throws naming the entry that is neither a host name, an address nor a CIDR range. */
export function parseAllowList(entries: string[]): Rule[] {
  return entries.map((e) => {
    if (e.includes("/")) {
      try {
        return { cidr: ipaddr.parseCIDR(e) };
      } catch {
        throw new Error(`PETREL_HTTP_ALLOW: "${e}" is not a CIDR range`);
      }
    }
    if (ipaddr.isValid(e)) {
      const a = ipaddr.process(e);
      return { cidr: [a, a.kind() === "ipv4" ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number] };
    }
    if (!/^[a-z0-9.-]+$/i.test(e)) throw new Error(`PETREL_HTTP_ALLOW: "${e}" is not a host name, an address or a CIDR range`);
    return { host: e.toLowerCase() };
  });
}

/** The range name of a refused address, or null when it may be called. */
export function refusedRange(host: string, address: string, rules: Rule[]): string | null {
  const a = ipaddr.process(address);
  const range = a.range();
  if (range === "unicast") return null;
  for (const r of rules) {
    if ("host" in r && r.host === host.toLowerCase()) return null;
    if ("cidr" in r && r.cidr[0].kind() === a.kind() && a.match(r.cidr)) return null;
  }
  return range === "private" || range === "uniqueLocal" ? "private" : range === "linkLocal" ? "link-local" : range;
}

/** An undici dispatcher whose connections go only where the allow-list permits. */
export function guardedAgent(allow: string[]): Agent {
  const rules = parseAllowList(allow);
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 4);
      for (const { address } of addresses) {
        const range = refusedRange(hostname, address, rules);
        if (range) return callback(new BlockedAddressError(hostname, address, range), "", 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
  const connector = buildConnector({ lookup } as buildConnector.BuildOptions);
  return new Agent({
    connect(options, callback) {
      const host = options.hostname.replace(/^\[|\]$/g, "");
      if (net.isIP(host)) {
        const range = refusedRange(host, host, rules);
        if (range) return callback(new BlockedAddressError(host, host, range), null);
      }
      return connector(options, callback);
    },
  });
}
