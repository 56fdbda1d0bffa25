import { describeValue, FlowError, hasUrlUserinfo, maskUrlCredentials } from "@weft/engine";

/** Where a bad endpoint is reported: the node, or the field's path in a file. */
export interface EndpointLocation {
  nodeId?: string;
  path?: string;
}

/** An endpoint URL checked the way every Azure kind takes one, and how to refuse it further. */
export interface ServiceUrl {
  url: URL;
  /** `http://` on this machine (tests, local servers). */
  insecure: boolean;
  /** Throws the kind's `connection.endpoint` error for what is wrong with it. */
  fail(why: string): never;
}

/** Whether a hostname is this machine: plain `http://` is allowed there, for tests and local servers. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Parses an endpoint: https, or http on this machine, without credentials. Throws a
 * `connection.endpoint` error that shows `shape` (what was expected) and the value it got. Errors
 * end up in results, events and traces, so the value is masked of any password or key someone put
 * in the URL, parsed or not, before the echo is cut short.
 */
export function parseServiceUrl(endpoint: string, shape: string, where: EndpointLocation = {}): ServiceUrl {
  const fail = (why: string): never => {
    throw new FlowError(
      "connection.endpoint",
      `${why}: expected ${shape}, got ${describeValue(maskUrlCredentials(endpoint))}`,
      where,
    );
  };
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return fail(
      hasUrlUserinfo(endpoint) ? "the endpoint must not contain credentials" : "invalid endpoint URL",
    );
  }
  const insecure = url.protocol === "http:";
  if (insecure) {
    if (!isLoopbackHost(url.hostname)) fail("plain http:// is only allowed for local servers; use https://");
  } else if (url.protocol !== "https:") {
    fail(`unsupported protocol ${url.protocol}`);
  }
  if (url.username || url.password) fail("the endpoint must not contain credentials");
  return { url, insecure, fail };
}
