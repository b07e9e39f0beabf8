import * as z from 'zod';
import { whenSchema, type FlatParametersSpec, type ParamValue } from '../flat-parameters.js';
import type { ArchitectureIssue, ArchitectureKind, ParsedArchitecture } from './kind.js';
import { connects, opsProblems, opsSchema } from './operations.js';
import { duplicates, failure } from './user-input.js';

const nodeIndex = z.number().int('must be an integer');

/** NAS-Bench-201-style cell: node 0 is the input, the last node the output, one operation per edge. */
export const cellParamSchema = z.strictObject({
  type: z.literal('cell'),
  nodes: z.number().int('must be an integer').min(2, 'a cell needs at least an input and an output node').max(10),
  ops: opsSchema,
  /** Edges [from, to] with from < to; every pair by default (a complete DAG). */
  edges: z
    .array(z.tuple([nodeIndex, nodeIndex]))
    .min(1, 'must list at least one edge')
    .max(45)
    .optional(),
  when: whenSchema,
});
export type CellParamSpec = z.infer<typeof cellParamSchema>;

export interface CellValue {
  kind: 'cell';
  edges: { from: number; to: number; op: string }[];
}

/**
 * The edges of a cell as [from, to] pairs, in NAS-Bench-201 order (by target node, then source):
 * (0,1) (0,2) (1,2) (0,3) (1,3) (2,3) for four nodes. Every pair i < j when none are listed.
 */
export function cellEdges(spec: Pick<CellParamSpec, 'nodes' | 'edges'>): [number, number][] {
  const edges: [number, number][] = spec.edges ? spec.edges.map(([i, j]) => [i, j]) : [];
  if (!spec.edges) for (let j = 1; j < spec.nodes; j++) for (let i = 0; i < j; i++) edges.push([i, j]);
  return edges.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

export const cellEdgeDim = (name: string, [i, j]: [number, number]): string => `${name}.e${i}_${j}`;

/** Whether signal flows from node 0 to the last node along edges whose operation connects. */
export function cellConnected(nodes: number, edges: readonly { from: number; to: number; op: string }[]): boolean {
  const reached = new Set([0]);
  // Edges point forward (from < to), so one pass in target order settles reachability.
  for (const e of [...edges].sort((a, b) => a.to - b.to)) if (reached.has(e.from) && connects(e.op)) reached.add(e.to);
  return reached.has(nodes - 1);
}

/** The non-connecting edges of the input-to-output path that has fewest of them (0-1 shortest path). */
function cheapestPath(
  nodes: number,
  edges: readonly { from: number; to: number; op: string }[],
): { from: number; to: number }[] | undefined {
  const cost = new Array<number>(nodes).fill(Infinity);
  const via = new Array<{ from: number; to: number; op: string } | undefined>(nodes);
  cost[0] = 0;
  // A DAG in topological (index) order: relaxing edges by target node is exact.
  for (const e of [...edges].sort((a, b) => a.to - b.to || a.from - b.from)) {
    const c = cost[e.from] + (connects(e.op) ? 0 : 1);
    if (c < cost[e.to]) {
      cost[e.to] = c;
      via[e.to] = e;
    }
  }
  if (!Number.isFinite(cost[nodes - 1])) return undefined;
  const out: { from: number; to: number }[] = [];
  for (let n = nodes - 1; n !== 0; n = via[n]!.from) if (!connects(via[n]!.op)) out.push(via[n]!);
  return out;
}

/** `|op~0|+|op~0|op~1|+...`: group g holds the edges into node g + 1, each as op~from. */
function parseCell(spec: CellParamSpec, text: string): ParsedArchitecture<CellValue> {
  const fail = failure('a NAS-Bench-201 cell string');
  const edges = cellEdges(spec);
  const groups = text.split('+');
  if (groups.length !== spec.nodes - 1)
    return fail(
      `it has ${groups.length} group(s) separated by "+"; the cell has ${spec.nodes} nodes, so ${spec.nodes - 1} (the edges into nodes 1..${spec.nodes - 1}), like |op~0|+|op~0|op~1|`,
    );
  const key = (from: number, to: number) => `${from}_${to}`;
  const wanted = new Set(edges.map(([i, j]) => key(i, j)));
  const got = new Map<string, string>();
  for (const [g, group] of groups.entries()) {
    const to = g + 1;
    if (group.length < 2 || !group.startsWith('|') || !group.endsWith('|'))
      return fail(`group ${to} ("${group}") must be enclosed in "|", like |op~0|op~1|`);
    const inner = group.slice(1, -1);
    for (const entry of inner === '' ? [] : inner.split('|')) {
      const m = /^([^~|+\s]+)~(\d+)$/.exec(entry);
      if (!m) return fail(`"${entry}" in group ${to} must be op~from (an operation and the node its edge comes from)`);
      const [op, from] = [m[1], Number(m[2])];
      if (!spec.ops.includes(op)) return fail(`unknown operation "${op}" in group ${to} (the operations are ${spec.ops.join(', ')})`);
      if (!wanted.has(key(from, to))) return fail(`edge ${from} -> ${to} is not an edge of the cell`);
      if (got.has(key(from, to))) return fail(`edge ${from} -> ${to} is given twice`);
      got.set(key(from, to), op);
    }
  }
  const missing = edges.filter(([i, j]) => !got.has(key(i, j)));
  if (missing.length > 0)
    return fail(`it has ${got.size} of the cell's ${edges.length} edges; missing: ${missing.map(([i, j]) => `${i} -> ${j}`).join(', ')}`);
  return { ok: true, value: { kind: 'cell', edges: edges.map(([from, to]) => ({ from, to, op: got.get(key(from, to))! })) } };
}

function cellProblems(spec: CellParamSpec): ArchitectureIssue[] {
  const issues = opsProblems(spec.ops, 'cell');
  let edgesOk = true;
  (spec.edges ?? []).forEach(([i, j], k) => {
    if (i < 0 || j < 0 || i >= spec.nodes || j >= spec.nodes) {
      issues.push({ path: ['edges', k], message: `edge [${i}, ${j}] is outside nodes 0..${spec.nodes - 1}` });
      edgesOk = false;
    } else if (i >= j) {
      issues.push({
        path: ['edges', k],
        message: `edge [${i}, ${j}] must go from a lower to a higher node (from < to), so that the cell is acyclic`,
      });
      edgesOk = false;
    }
  });
  const dup = duplicates(spec.edges ?? []);
  if (dup.length) issues.push({ path: ['edges'], message: `edges must be unique ([${dup[0].join(', ')}] repeated)` });
  if (
    edgesOk &&
    spec.edges &&
    !cellConnected(
      spec.nodes,
      spec.edges.map(([from, to]) => ({ from, to, op: 'edge' })),
    )
  )
    issues.push({
      path: ['edges'],
      message: `no path from the input (node 0) to the output (node ${spec.nodes - 1}) along the given edges`,
    });
  return issues;
}

/** A NAS-Bench-201 cell: one categorical dimension per edge; composed as `|conv3x3~0|+|skip~0|none~1|+...`. */
export const cell: ArchitectureKind<typeof cellParamSchema, CellValue> = {
  type: 'cell',
  schema: cellParamSchema,

  expand(name, spec) {
    const out: FlatParametersSpec = {};
    for (const e of cellEdges(spec)) out[cellEdgeDim(name, e)] = { type: 'categorical', values: [...spec.ops] };
    return out;
  },

  expandable: (spec) => spec.nodes <= 10,

  read(name, spec, params) {
    const get = (dim: string): ParamValue | undefined => params[dim];
    const edges = cellEdges(spec).map(([from, to]) => ({ from, to, op: get(cellEdgeDim(name, [from, to])) }));
    if (edges.some((e) => typeof e.op !== 'string')) return undefined;
    return { kind: 'cell', edges: edges as CellValue['edges'] };
  },

  compose(value) {
    const last = Math.max(0, ...value.edges.map((e) => e.to));
    const groups: string[] = [];
    for (let j = 1; j <= last; j++)
      groups.push(
        `|${value.edges
          .filter((e) => e.to === j)
          .map((e) => `${e.op}~${e.from}`)
          .join('|')}|`,
      );
    return groups.join('+');
  },

  parse: (spec, composed) => parseCell(spec, composed.trim()),

  dimensions(name, _spec, value) {
    return Object.fromEntries(value.edges.map((e) => [cellEdgeDim(name, [e.from, e.to]), e.op]));
  },

  defect(spec, value) {
    if (cellConnected(spec.nodes, value.edges)) return undefined;
    return `has no path from the input (node 0) to the output (node ${spec.nodes - 1}) through connecting operations`;
  },

  /** The path from input to output with the fewest non-connecting edges gets the first connecting operation on each. */
  repair(name, spec, value, params) {
    const fix = spec.ops.find(connects)!;
    for (const e of cheapestPath(spec.nodes, value.edges) ?? []) params[cellEdgeDim(name, [e.from, e.to])] = fix;
  },

  problems: cellProblems,
};
