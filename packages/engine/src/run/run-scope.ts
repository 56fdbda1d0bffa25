import { evaluateTemplate, type TemplateScope } from "../flow/compile-template.js";
import { type Reference, readPath, setOwn, stringifyForInterpolation } from "../flow/references.js";
import type { CompiledFlow, CompiledNode } from "../graph/compile-flow.js";
import { findSkipReason } from "../graph/skip.js";
import { findUnmetCondition } from "../graph/when-condition.js";
import type { Redactor } from "../secrets/redactor.js";
import { Secret } from "../secrets/secret.js";
import type { NodeRecords } from "./node-records.js";

const NO_INPUTS: ReadonlyMap<string, unknown> = new Map();

/**
 * What references read during a run: the flow's inputs, the variables nodes wrote and the nodes'
 * outputs. Interpolating a secret into text makes the text a secret too.
 */
export class RunScope implements TemplateScope {
  readonly variables = new Map<string, unknown>();
  /** The flow's inputs, set when the run starts. */
  inputs: ReadonlyMap<string, unknown> = NO_INPUTS;
  readonly #flow: CompiledFlow;
  readonly #records: NodeRecords;
  readonly #redactor: Redactor;

  constructor(flow: CompiledFlow, records: NodeRecords, redactor: Redactor) {
    this.#flow = flow;
    this.#records = records;
    this.#redactor = redactor;
  }

  /** Records a node's output, and the variable it writes if it writes one. */
  setOutput(node: CompiledNode, output: unknown): void {
    if (node.writes !== undefined) {
      const writeValue = node.nodeType.writes?.value;
      this.variables.set(node.writes, writeValue ? writeValue(output) : output);
    }
    this.#records.outputs[node.index] = output;
  }

  output(index: number): unknown {
    return this.#records.outputs[index];
  }

  resolve(reference: Reference): unknown {
    let value: unknown;
    if (reference.scope === "nodes")
      value = this.#records.outputs[this.#flow.byId.get(reference.nodeId)!.index];
    else if (reference.scope === "vars") value = this.variables.get(reference.name);
    else value = this.inputs.get(reference.name);
    return reference.path.length === 0 ? value : readPath(value, reference.path);
  }

  interpolate(parts: unknown[]): unknown {
    let text = "";
    let secret = false;
    for (const part of parts) {
      if (part instanceof Secret) {
        secret = true;
        text += part.reveal();
      } else {
        text += stringifyForInterpolation(part);
      }
    }
    if (!secret) return text;
    const wrapped = new Secret(text);
    this.#redactor.add(wrapped);
    return wrapped;
  }

  /** ` (its writer "x" was skipped)`, to explain a reference that resolved to nothing. */
  whySkipped(reference: Reference): string {
    const flow = this.#flow;
    const writer =
      reference.scope === "vars"
        ? flow.byId.get(flow.variableWriters.get(reference.name) ?? "")
        : reference.scope === "nodes"
          ? flow.byId.get(reference.nodeId)
          : undefined;
    if (!writer) return "";
    const state = this.#records.states[writer.index];
    return state === "succeeded"
      ? ""
      : ` (its writer "${writer.id}" ${state === "skipped" ? "was skipped" : state})`;
  }

  /**
   * Why a node whose dependencies have all ended must be skipped — it reads data of a node that
   * did not succeed, or its `when` is false — or `undefined` if it runs.
   */
  skipReason(node: CompiledNode): string | undefined {
    const reason = findSkipReason(node, this.#records.states, this.#flow.nodes);
    if (reason !== undefined || node.when === undefined) return reason;
    // The reason may quote run data (what a comparison's value was): known secrets are scrubbed.
    return findUnmetCondition(node.when, this, (text) => this.#redactor.redactText(text));
  }

  /** The flow's `outputs`, evaluated; keyed by user names, so own data properties only (`setOwn`). */
  flowOutputs(): Record<string, unknown> {
    const outputs: Record<string, unknown> = {};
    for (const [name, template] of this.#flow.outputs) {
      const value = evaluateTemplate(template, this);
      setOwn(outputs, name, value === undefined ? null : value);
    }
    return outputs;
  }
}
