/**
 * Survey mode (`WEFT_FUZZ_SURVEY=1`): every case runs even after failures, and each kind of
 * failure is listed once, with how often it happened and its smallest counterexample (no
 * shrinking). For triage when many properties fail at once.
 */
export class FailureSurvey<T> {
  readonly #kinds = new Map<string, { count: number; size: number; example: string }>();

  constructor(
    private readonly describe: (value: T) => string,
    private readonly sizeOf: ((value: T) => number) | undefined,
  ) {}

  /** How many kinds of failure were seen. */
  get size(): number {
    return this.#kinds.size;
  }

  /** Counts a failed case under its kind, keeping the smallest example of each kind. */
  record(value: T, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const kind = failureKind(message);
    const stack =
      error instanceof Error && error.name !== "PropertyViolation" && error.stack
        ? `\n${error.stack.split("\n").slice(1, 5).join("\n")}`
        : "";
    const described = this.describe(value);
    const size = this.sizeOf ? this.sizeOf(value) : described.length;
    const seen = this.#kinds.get(kind);
    if (seen) {
      seen.count++;
      if (size >= seen.size) return;
    }
    const example = `${cut(described, 3_000)}\nfailure: ${cut(message, 1_500)}${stack}`;
    this.#kinds.set(kind, { count: seen?.count ?? 1, size, example });
  }

  /** Every kind of failure, the most frequent first. */
  report(property: string, runs: number, seed: number): string {
    const kinds = [...this.#kinds].sort((a, b) => b[1].count - a[1].count);
    const lines = [
      `fuzz property "${property}": ${kinds.length} kind(s) of failure in ${runs} case(s) (WEFT_FUZZ_SEED=${seed})`,
    ];
    for (const [kind, { count, example }] of kinds) lines.push("", `── ${count}× ${kind}`, example);
    return lines.join("\n");
  }
}

/** A failure message with its particulars (quoted text, numbers) taken out: what kind of failure it is. */
function failureKind(message: string): string {
  return message
    .split("\n")[0]!
    .replace(/"(?:[^"\\]|\\.)*"(…\(\d+ characters\))?/g, '"…"')
    .replace(/\d+/g, "N")
    .slice(0, 200);
}

/** Text cut to `length` characters, saying how much was left out. */
export function cut(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}\n…(${text.length - length} more characters)` : text;
}
