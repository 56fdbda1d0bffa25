import { FlowError } from "../errors/flow-error.js";

/**
 * `${env:NAME}` references in connection fields. They are kept as written in stores and files
 * and replaced by the variable's value only when a connection is fetched for a request, so one
 * stored connection follows the environment it runs in and no key has to be written down.
 */

/** A whole `${env:NAME}` reference; `NAME` is a POSIX-style variable name. */
const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Anything that starts like an env reference, well-formed or not. */
const ENV_REFERENCE_START = /\$\{env:/g;

/** Where a reference sits, for error messages: which connection, which field. */
export interface EnvReferenceLocation {
  /** The connection the field belongs to. */
  connection: string;
  /** The field holding the reference, such as `apiKey` or `secrets.token`. */
  field: string;
}

/** Whether a string holds at least one `${env:…}` reference. */
export function hasEnvReference(text: string): boolean {
  return text.includes("${env:");
}

/** Whether a string is exactly one `${env:NAME}` reference and nothing else. */
export function isEnvReference(text: string): boolean {
  return /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(text);
}

/** The variable names a string refers to, in order of appearance. */
export function findEnvReferences(text: string): string[] {
  return [...text.matchAll(ENV_REFERENCE)].map((match) => match[1] as string);
}

/** Whether a string holds something that starts like `${env:` but is not a whole reference. */
export function hasMalformedEnvReference(text: string): boolean {
  const starts = text.match(ENV_REFERENCE_START)?.length ?? 0;
  return starts !== findEnvReferences(text).length;
}

/** What a malformed reference is told to look like. */
export const ENV_REFERENCE_SHAPE = "${env:NAME} with NAME made of letters, digits and _";

/**
 * Throws a `connection.invalid` error if a string holds a malformed reference such as
 * `${env:}` or `${env:MY-KEY`, which would otherwise be sent to a service as text.
 */
export function checkEnvReferences(text: string, where: EnvReferenceLocation): void {
  if (!hasMalformedEnvReference(text)) return;
  throw new FlowError(
    "connection.invalid",
    `connection "${where.connection}" field ${where.field}: malformed environment reference: ` +
      `expected ${ENV_REFERENCE_SHAPE}`,
    { path: `${where.connection}.${where.field}` },
  );
}

/**
 * Replaces every `${env:NAME}` in a string with the variable's value from `env`. An unset or
 * empty variable is an error naming the connection, the field and the variable — never the
 * value of anything — because sending the literal reference (or an empty key) to a service
 * fails later with a far less helpful message.
 */
export function resolveEnvReferences(
  text: string,
  env: NodeJS.ProcessEnv,
  where: EnvReferenceLocation,
): string {
  if (!hasEnvReference(text)) return text;
  checkEnvReferences(text, where);
  return text.replace(ENV_REFERENCE, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value === "") {
      throw new FlowError(
        "connection.env-missing",
        `connection "${where.connection}" field ${where.field}: environment variable ${name} is ` +
          `${value === undefined ? "not set" : "empty"}`,
        { path: `${where.connection}.${where.field}` },
      );
    }
    return value;
  });
}
