import { pipeline, type Readable, Transform } from "node:stream";
import type { ModelClientOptions } from "@azure-rest/ai-inference";
import { FlowError } from "@weft/engine";

/**
 * A response body passed `maxBytes`: raised where the body is read (in `fetch`, a pipeline policy
 * or a body stream), and turned into a `FlowError` by the call that made the request.
 */
export class ResponseTooLarge extends Error {
  override name = "ResponseTooLarge";
  readonly maxBytes: number;
  readonly status: number;

  constructor(maxBytes: number, status: number) {
    // No host here: the openai SDK takes a fetch failure whose text mentions a timeout for one.
    super(`the response body is larger than ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
    this.status = status;
  }
}

/** The error a node fails with: not retried, since the same endpoint would send the same body. */
export function responseTooLargeError(
  cause: ResponseTooLarge,
  where: { nodeId: string; host: string },
): FlowError {
  return new FlowError(
    "llm.response-too-large",
    `${where.host} answered ${cause.status} with a body of more than ${cause.maxBytes} bytes; stopped reading it there (maxResponseBytes, an option of the app running the flow)`,
    { nodeId: where.nodeId, status: cause.status },
  );
}

/** Finds a `ResponseTooLarge` in an error or its causes (SDKs wrap what `fetch` throws). */
export function findResponseTooLarge(error: unknown): ResponseTooLarge | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    if (current instanceof ResponseTooLarge) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A `fetch` for the openai SDK that reads no more than `maxBytes` of any response body. A body
 * declared larger is refused before it is read; a success body is passed on as a stream that fails
 * at the limit; an error body is read here, because the SDK would turn a failure to read it into
 * the error's message.
 */
export function createLimitedFetch(maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const { body, status } = response;
    if (!body) return response;
    if (Number(response.headers.get("content-length")) > maxBytes) {
      await body.cancel().catch(() => {});
      throw new ResponseTooLarge(maxBytes, status);
    }
    if (response.ok) return limitBody(response, body, maxBytes);
    const head = { status, statusText: response.statusText, headers: response.headers };
    return new Response(await readWebStream(body, maxBytes, status), head);
  };
}

const utf8 = new TextDecoder();

/**
 * The response itself, its body read through the limit: `text`, `json` and `arrayBuffer` read at
 * most `maxBytes` (the way `fetch` decodes, a leading BOM dropped), and `body` is the stream piped
 * through a limit, made only when asked for (a streamed answer). A whole answer read as text or
 * JSON thus costs no stream of its own: a `TransformStream` and a new `Response` per request
 * cost more than the rest of the limit. What would read the body past the limit is refused.
 */
function limitBody(response: Response, body: ReadableStream<Uint8Array>, maxBytes: number): Response {
  const { status } = response;
  let limited: ReadableStream<Uint8Array> | undefined;
  const read = () => readWebStream(limited ?? body, maxBytes, status);
  const refuse = (name: string) => () => {
    throw new TypeError(`Response.${name}() is not available on a response read up to maxResponseBytes`);
  };
  return Object.defineProperties(response, {
    body: {
      get: () => {
        limited ??= body.pipeThrough(limitWebStream(maxBytes, status));
        return limited;
      },
    },
    text: { value: async () => utf8.decode(await read()) },
    json: { value: async () => JSON.parse(utf8.decode(await read())) as unknown },
    arrayBuffer: {
      value: async () => {
        const bytes = await read();
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      },
    },
    bytes: { value: async () => new Uint8Array(await read()) },
    blob: { value: refuse("blob") },
    formData: { value: refuse("formData") },
    clone: { value: refuse("clone") },
  });
}

function limitWebStream(maxBytes: number, status: number): TransformStream<Uint8Array, Uint8Array> {
  let total = 0;
  return new TransformStream({
    transform(chunk, controller) {
      total += chunk.byteLength;
      // Erroring the transform cancels the source: fetch closes the connection.
      if (total > maxBytes) controller.error(new ResponseTooLarge(maxBytes, status));
      else controller.enqueue(chunk);
    },
  });
}

async function readWebStream(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  status: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ResponseTooLarge(maxBytes, status);
    }
    chunks.push(value);
  }
}

type PipelinePolicy = NonNullable<ModelClientOptions["additionalPolicies"]>[number]["policy"];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy["sendRequest"]>>;

/** Every status code, in the pipeline's own notation: a response body the client streams, never buffers. */
const EVERY_STATUS = new Set([Number.POSITIVE_INFINITY]);

/**
 * A pipeline policy for `ModelClient` that reads no more than `maxBytes` of any response body (after
 * decompression). It asks the HTTP client for every body as a stream, so none is buffered whole,
 * then reads a body the caller wanted as text itself, up to the limit, or hands on a stream that
 * fails at the limit.
 */
export function createResponseSizePolicy(maxBytes: number): PipelinePolicy {
  return {
    name: "weftResponseSizeLimit",
    async sendRequest(request, next) {
      const wanted = request.streamResponseStatusCodes;
      request.streamResponseStatusCodes = EVERY_STATUS;
      let response: PipelineResponse;
      try {
        response = await next(request);
      } finally {
        request.streamResponseStatusCodes = wanted;
      }
      const stream = response.readableStreamBody as NodeJS.ReadableStream | undefined;
      if (!stream) return response;
      const { status } = response;
      if (Number(response.headers.get("content-length")) > maxBytes) {
        (stream as unknown as { destroy(): void }).destroy();
        throw new ResponseTooLarge(maxBytes, status);
      }
      if (wanted?.has(Number.POSITIVE_INFINITY) || wanted?.has(status)) {
        response.readableStreamBody = limitNodeStream(stream, maxBytes, status);
        return response;
      }
      response.readableStreamBody = undefined;
      response.bodyAsText = await readNodeStream(stream, maxBytes, status);
      return response;
    },
  };
}

function limitNodeStream(stream: NodeJS.ReadableStream, maxBytes: number, status: number): Transform {
  let total = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > maxBytes) callback(new ResponseTooLarge(maxBytes, status));
      else callback(null, chunk);
    },
  });
  // An error on either side destroys both: the connection closes instead of draining.
  pipeline(stream, limited, () => {});
  return limited;
}

/**
 * Reads a body whole, up to `maxBytes`: past it the stream is destroyed (the connection closes
 * instead of draining) and the read fails with `ResponseTooLarge`. Plain stream events rather
 * than a pipeline into an async iterator: this runs for every answer, and a pipeline makes an
 * `AbortController` (and an `AbortError` when it ends) per response.
 */
function readNodeStream(stream: NodeJS.ReadableStream, maxBytes: number, status: number): Promise<string> {
  const readable = stream as Readable;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    // The first of end, error, close and the limit settles; the listeners stay, so that a late
    // error of the stream is still handled (an unhandled one would end the process).
    const done = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      readable.off("data", onData);
      if (error) reject(error);
      // A short answer arrives in one chunk: decoded as it is, without a copy.
      else resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)).toString("utf8"));
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      total += buffer.length;
      if (total > maxBytes) {
        done(new ResponseTooLarge(maxBytes, status));
        readable.destroy();
      } else chunks.push(buffer);
    };
    const onEnd = () => done(undefined);
    const onError = (error: Error) => done(error);
    // Closed before its end without an error: cut short, as a pipeline reports it. "close" also
    // follows every "end": the error (and its stack) is built only when nothing settled first.
    const onClose = () => {
      if (!settled) done(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };
    readable.on("data", onData);
    readable.on("end", onEnd);
    readable.on("error", onError);
    readable.on("close", onClose);
  });
}
