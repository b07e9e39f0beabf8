import * as z from 'zod';
import { whenSchema, type FlatParametersSpec, type ParamValue, type Params } from '../flat-parameters.js';
import type { ArchitectureKind, ParsedArchitecture } from './kind.js';
import { connects, opsProblems, opsSchema } from './operations.js';
import { failure, parseJson } from './user-input.js';

/** DARTS cell: two cell inputs, `nodes` intermediate nodes, each taking `inputs` distinct predecessors. */
export const dartsCellParamSchema = z.strictObject({
  type: z.literal('darts_cell'),
  nodes: z.number().int('must be an integer').min(1, 'a cell needs at least one intermediate node').max(10),
  ops: opsSchema,
  inputs: z.number().int('must be an integer').min(1, 'each node needs at least one input').default(2),
  when: whenSchema,
});
export type DartsCellParamSpec = z.infer<typeof dartsCellParamSchema>;

export interface DartsValue {
  kind: 'darts_cell';
  /** Per intermediate node (2, 3, ...), its chosen inputs with their operations, ascending by input. */
  nodes: { node: number; inputs: { from: number; op: string }[] }[];
}

/** DARTS node numbering: 0 and 1 are the cell inputs (c_{k-2}, c_{k-1}), intermediates 2 .. nodes + 1. */
export const dartsInputsDim = (name: string, node: number): string => `${name}.n${node}.in`;
export const dartsOpDim = (name: string, node: number, slot: number): string => `${name}.n${node}.op${slot}`;

/** Every `k`-subset of 0..n-1 in lexicographic order, as "0+1" strings (the values of a DARTS input dimension). */
export function combinations(n: number, k: number): string[] {
  const out: string[] = [];
  const rec = (start: number, acc: number[]) => {
    if (acc.length === k) {
      out.push(acc.join('+'));
      return;
    }
    for (let i = start; i < n; i++) rec(i + 1, [...acc, i]);
  };
  rec(0, []);
  return out;
}

/** Intermediate nodes that receive signal from a cell input through connecting operations. */
export function dartsAlive(value: DartsValue): Set<number> {
  const alive = new Set([0, 1]);
  for (const n of value.nodes) if (n.inputs.some((x) => alive.has(x.from) && connects(x.op))) alive.add(n.node);
  return alive;
}

/** The `normal` list of a DARTS Genotype: `inputs` [op, from] pairs per intermediate node, node by node. */
function parseDarts(spec: DartsCellParamSpec, text: string): ParsedArchitecture<DartsValue> {
  const fail = failure('a DARTS genotype list');
  const json = parseJson(text);
  const list = json.ok ? json.data : undefined;
  if (!Array.isArray(list))
    return fail('expected a JSON list of [op, from] pairs, node by node, like [["sep_conv_3x3",0],["skip_connect",1],...]');
  const k = spec.inputs;
  if (list.length !== spec.nodes * k)
    return fail(
      `it has ${list.length} [op, from] pairs; the cell has ${spec.nodes} intermediate nodes with ${k} input(s) each, so ${spec.nodes * k}`,
    );
  const nodes: DartsValue['nodes'] = [];
  for (let node = 2; node < spec.nodes + 2; node++) {
    const inputs: { from: number; op: string }[] = [];
    for (let s = 0; s < k; s++) {
      const at = (node - 2) * k + s;
      const pair: unknown = list[at];
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !Number.isInteger(pair[1]))
        return fail(`item ${at} (${JSON.stringify(pair)}) must be an [op, from] pair like ["sep_conv_3x3", 0]`);
      const [op, from] = pair as [string, number];
      if (!spec.ops.includes(op)) return fail(`unknown operation "${op}" at item ${at} (the operations are ${spec.ops.join(', ')})`);
      if (from < 0 || from >= node) return fail(`item ${at}: node ${node} takes its inputs from nodes 0..${node - 1}, not ${from}`);
      if (inputs.some((x) => x.from === from)) return fail(`node ${node} takes input ${from} twice (its ${k} inputs must be distinct)`);
      inputs.push({ from, op });
    }
    // Genotypes list a node's inputs in any order (DARTS V2 has [1, 0]); the dimensions hold them ascending.
    nodes.push({ node, inputs: inputs.sort((a, b) => a.from - b.from) });
  }
  return { ok: true, value: { kind: 'darts_cell', nodes } };
}

/**
 * A DARTS cell: per intermediate node one categorical dimension for its set of inputs and one per
 * input for its operation; composed as the `normal` list of a DARTS Genotype
 * (`[["sep_conv_3x3",0],["skip",1],...]`, node by node).
 */
export const dartsCell: ArchitectureKind<typeof dartsCellParamSchema, DartsValue> = {
  type: 'darts_cell',
  schema: dartsCellParamSchema,

  expand(name, spec) {
    const out: FlatParametersSpec = {};
    for (let node = 2; node < spec.nodes + 2; node++) {
      out[dartsInputsDim(name, node)] = { type: 'categorical', values: combinations(node, spec.inputs) };
      for (let s = 0; s < spec.inputs; s++) out[dartsOpDim(name, node, s)] = { type: 'categorical', values: [...spec.ops] };
    }
    return out;
  },

  expandable: (spec) => spec.nodes <= 10,

  read(name, spec, params) {
    const get = (dim: string): ParamValue | undefined => params[dim];
    const nodes: DartsValue['nodes'] = [];
    for (let node = 2; node < spec.nodes + 2; node++) {
      const combo = get(dartsInputsDim(name, node));
      if (typeof combo !== 'string') return undefined;
      const froms = combo.split('+').map(Number);
      const inputs = froms.map((from, s) => ({ from, op: get(dartsOpDim(name, node, s)) }));
      if (inputs.some((x) => typeof x.op !== 'string')) return undefined;
      nodes.push({ node, inputs: inputs as { from: number; op: string }[] });
    }
    return { kind: 'darts_cell', nodes };
  },

  compose: (value) => JSON.stringify(value.nodes.flatMap((n) => n.inputs.map((x) => [x.op, x.from]))),

  parse: parseDarts,

  dimensions(name, _spec, value) {
    const out: Params = {};
    for (const n of value.nodes) {
      out[dartsInputsDim(name, n.node)] = n.inputs.map((x) => x.from).join('+');
      n.inputs.forEach((x, s) => (out[dartsOpDim(name, n.node, s)] = x.op));
    }
    return out;
  },

  defect: (_spec, value) =>
    dartsAlive(value).size <= 2 ? 'has no intermediate node reached from a cell input through connecting operations' : undefined,

  /** The first input of the first intermediate node (always a cell input) gets the first connecting operation. */
  repair(name, spec, _value, params) {
    params[dartsOpDim(name, 2, 0)] = spec.ops.find(connects)!;
  },

  problems(spec) {
    const issues = opsProblems(spec.ops, 'cell');
    // The first intermediate node has only the two cell inputs to choose from.
    if (spec.inputs > 2)
      issues.push({
        path: ['inputs'],
        message: `inputs (${spec.inputs}) exceeds the 2 predecessors of the first intermediate node (the two cell inputs)`,
      });
    return issues;
  },
};
