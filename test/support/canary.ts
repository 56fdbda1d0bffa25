import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * A key that must never come out of a run. It is long and unlike anything else a run prints, so
 * that any trace of it — whole, cut, or encoded — is found.
 */
export const CANARY = "test-key-CANARY-7f3a9c2e51d4";

/** One way the canary can appear: a name for messages, and the text to look for. */
export interface CanaryForm {
  encoding: string;
  text: string;
}

/**
 * The forms the canary is searched in: as written, each half of it (a key cut short by a message
 * is still a leak), URL-encoded (with upper- and lower-case escapes, when that changes it), hex,
 * and base64 / base64url at each of the three byte alignments it can have inside a longer encoded
 * text (the last partial group is left out, since it depends on the bytes that follow).
 */
export function canaryForms(canary: string = CANARY): CanaryForm[] {
  const half = Math.ceil(canary.length / 2);
  const forms: CanaryForm[] = [
    { encoding: "plain text", text: canary },
    { encoding: "its first half", text: canary.slice(0, half) },
    { encoding: "its second half", text: canary.slice(canary.length - half) },
    { encoding: "URL-encoded", text: encodeURIComponent(canary) },
    {
      encoding: "URL-encoded (lower-case escapes)",
      text: encodeURIComponent(canary).replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()),
    },
    { encoding: "hex", text: Buffer.from(canary).toString("hex") },
    { encoding: "upper-case hex", text: Buffer.from(canary).toString("hex").toUpperCase() },
  ];
  for (let shift = 0; shift < 3; shift++) {
    const aligned = canary.slice(shift, canary.length - ((canary.length - shift) % 3));
    const bytes = Buffer.from(aligned);
    forms.push({ encoding: `base64 (shift ${shift})`, text: bytes.toString("base64") });
    forms.push({ encoding: `base64url (shift ${shift})`, text: bytes.toString("base64url") });
  }
  // A canary without characters to escape is the same text URL-encoded: search it once.
  return forms.filter((form, index) => forms.findIndex((other) => other.text === form.text) === index);
}

const FORMS = canaryForms();

/** Where the canary was found in one sink. */
export interface CanaryHit {
  sink: string;
  encoding: string;
  count: number;
  /** The text around the first hit, with the canary itself replaced by `<CANARY>`. */
  excerpt: string;
}

/** Looks for every form of the canary in a text; `undefined` when there is none. */
export function findCanary(sink: string, text: string, forms: CanaryForm[] = FORMS): CanaryHit | undefined {
  for (const form of forms) {
    const at = text.indexOf(form.text);
    if (at === -1) continue;
    const count = text.split(form.text).length - 1;
    const start = Math.max(0, at - 60);
    const end = Math.min(text.length, at + form.text.length + 60);
    const excerpt =
      (start > 0 ? "…" : "") +
      text.slice(start, end).split(form.text).join(`<CANARY as ${form.encoding}>`) +
      (end < text.length ? "…" : "");
    return { sink, encoding: form.encoding, count, excerpt: JSON.stringify(excerpt) };
  }
  return undefined;
}

/** A failure message naming every sink the canary was found in, with a short excerpt each. */
export function describeHits(hits: CanaryHit[]): string {
  return [
    `THE CANARY KEY LEAKED into ${hits.length} sink${hits.length === 1 ? "" : "s"}:`,
    ...hits.map((hit) => `  ✗ ${hit.sink}: ${hit.count}× as ${hit.encoding}, first at ${hit.excerpt}`),
  ].join("\n");
}

/**
 * Fails, naming the sink and where in it the canary was found, if `text` holds the canary in any
 * form. The message shows a short excerpt with the canary masked, never the whole text.
 */
export function expectNoCanary(sinkName: string, text: string): void {
  const hit = findCanary(sinkName, text);
  if (hit) throw new Error(describeHits([hit]));
}

/** Checks every sink and fails once, listing all the sinks the canary was found in. */
export function expectNoCanaryIn(sinks: Record<string, string>, forms: CanaryForm[] = FORMS): void {
  const hits = Object.entries(sinks)
    .map(([sink, text]) => findCanary(sink, text, forms))
    .filter((hit): hit is CanaryHit => hit !== undefined);
  if (hits.length > 0) throw new Error(describeHits(hits));
}

/**
 * Every file under a directory, read as bytes (latin1, so encrypted or binary data keeps its
 * bytes), by path relative to the directory.
 */
export function readFilesUnder(directory: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).isFile()) files[relative(directory, path)] = readFileSync(path, "latin1");
    }
  };
  walk(directory);
  return files;
}
