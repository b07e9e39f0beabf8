import type {
  ArchitectureParamSpec,
  CellParamSpec,
  CompoundScalingParamSpec,
  DeclaredParamSpec,
  FlatParametersSpec,
  MacroStageSpec,
  ParamSpec,
  ParamValue,
  Params,
  ParametersSpec,
} from './schema.js';

/**
 * Architecture parameters (cell, darts_cell, macro, compound_scaling): how each one expands into
 * flat dimensions, how the values of those dimensions compose into the architecture a job builds,
 * which compositions are unusable (no path from input to output) and how they are repaired.
 *
 * This module imports only types from schema.ts: schema.ts calls `architectureProblems` while it
 * is being evaluated, so a runtime import back would be a cycle.
 */

/** Operations that carry no signal: an edge holding one is absent from the architecture. */
export const nonConnectingOps: ReadonlySet<string> = new Set(['none', 'zero']);

export const architectureTypes = ['cell', 'darts_cell', 'macro', 'compound_scaling'] as const;

export function isArchitecture(p: DeclaredParamSpec): p is ArchitectureParamSpec {
  return (architectureTypes as readonly string[]).includes(p.type);
}

/** Longest name an architecture parameter may have, so that its dimension names stay within 64 characters. */
export const maxArchitectureNameLength = 48;

const macroFields = ['depth', 'width', 'kernel', 'expansion', 'se'] as const;
type MacroField = (typeof macroFields)[number];

// ---------------------------------------------------------------------------------------------
// Structure

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

export const macroDim = (name: string, stage: number, field: MacroField): string => `${name}.s${stage}.${field}`;

/** The flat dimension that stands for one macro stage field. */
function macroFieldDim(field: MacroField, value: MacroStageSpec[MacroField]): ParamSpec {
  if (field === 'se') {
    const values = Array.isArray(value) ? (value as boolean[]) : [value as boolean];
    return { type: 'categorical', values };
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const r = value as { min: number; max: number };
    return { type: 'int', min: r.min, max: r.max, scale: 'linear' };
  }
  // Numeric choices are ordered, so that samplers may use their order (a wider or deeper stage).
  const values = (Array.isArray(value) ? [...(value as number[])] : [value as number]).sort((a, b) => a - b);
  return { type: 'ordinal', values };
}

/**
 * The flat dimensions of one architecture parameter, in a fixed order. Each inherits the
 * parameter's `when`, so a conditional architecture is active exactly when its parents allow.
 */
export function expandArchitecture(name: string, spec: ArchitectureParamSpec): FlatParametersSpec {
  const out: FlatParametersSpec = {};
  const when = spec.when ? { when: spec.when } : {};
  switch (spec.type) {
    case 'cell':
      for (const e of cellEdges(spec)) out[cellEdgeDim(name, e)] = { type: 'categorical', values: [...spec.ops], ...when };
      break;
    case 'darts_cell':
      for (let node = 2; node < spec.nodes + 2; node++) {
        out[dartsInputsDim(name, node)] = { type: 'categorical', values: combinations(node, spec.inputs), ...when };
        for (let s = 0; s < spec.inputs; s++) out[dartsOpDim(name, node, s)] = { type: 'categorical', values: [...spec.ops], ...when };
      }
      break;
    case 'macro':
      spec.stages.forEach((stage, s) => {
        for (const f of macroFields) out[macroDim(name, s, f)] = { ...macroFieldDim(f, stage[f]), ...when } as ParamSpec;
      });
      break;
    case 'compound_scaling': {
      const { alpha, beta } = compoundRanges(spec);
      out[`${name}.alpha`] = { type: 'float', ...alpha, scale: 'linear', ...when };
      out[`${name}.beta`] = { type: 'float', ...beta, scale: 'linear', ...when };
      break;
    }
  }
  return out;
}

/** The searched ranges of alpha and beta. */
function compoundRanges(spec: CompoundScalingParamSpec): Record<'alpha' | 'beta', { min: number; max: number }> {
  // alpha's upper bound leaves room for gamma >= 1 at the smallest beta (the rest is repaired).
  return {
    alpha: { min: spec.alpha.min, max: Math.max(spec.alpha.min, Math.min(spec.alpha.max, spec.target / spec.beta.min ** 2)) },
    beta: { min: spec.beta.min, max: spec.beta.max },
  };
}

export interface ExpandedSpace {
  /** Flat parameters, architecture parameters replaced in place by their dimensions. */
  params: FlatParametersSpec;
  /** Each architecture parameter with its dimension names. */
  architectures: { name: string; spec: ArchitectureParamSpec; dims: string[] }[];
}

export function expandParameters(declared: ParametersSpec): ExpandedSpace {
  const params: FlatParametersSpec = {};
  const architectures: ExpandedSpace['architectures'] = [];
  for (const [name, spec] of Object.entries(declared)) {
    if (!isArchitecture(spec)) {
      params[name] = spec;
      continue;
    }
    const dims = expandArchitecture(name, spec);
    Object.assign(params, dims);
    architectures.push({ name, spec, dims: Object.keys(dims) });
  }
  return { params, architectures };
}

// ---------------------------------------------------------------------------------------------
// Reading a configuration

export interface CellValue {
  kind: 'cell';
  edges: { from: number; to: number; op: string }[];
}
export interface DartsValue {
  kind: 'darts_cell';
  /** Per intermediate node (2, 3, ...), its chosen inputs with their operations, ascending by input. */
  nodes: { node: number; inputs: { from: number; op: string }[] }[];
}
export interface MacroStageValue {
  depth: number;
  width: number;
  kernel: number;
  expansion: number;
  se: boolean;
}
export interface MacroValue {
  kind: 'macro';
  stages: MacroStageValue[];
}
export interface CompoundValue {
  kind: 'compound_scaling';
  alpha: number;
  beta: number;
  gamma: number;
}
export type ArchitectureValue = CellValue | DartsValue | MacroValue | CompoundValue;

/** The architecture held by the flat dimensions of `params`; undefined when one is missing. */
export function readArchitecture(name: string, spec: ArchitectureParamSpec, params: Params): ArchitectureValue | undefined {
  const get = (dim: string): ParamValue | undefined => params[dim];
  switch (spec.type) {
    case 'cell': {
      const edges = cellEdges(spec).map(([from, to]) => ({ from, to, op: get(cellEdgeDim(name, [from, to])) }));
      if (edges.some((e) => typeof e.op !== 'string')) return undefined;
      return { kind: 'cell', edges: edges as CellValue['edges'] };
    }
    case 'darts_cell': {
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
    }
    case 'macro': {
      const stages: MacroStageValue[] = [];
      for (let s = 0; s < spec.stages.length; s++) {
        const v = Object.fromEntries(macroFields.map((f) => [f, get(macroDim(name, s, f))]));
        if (macroFields.some((f) => v[f] === undefined)) return undefined;
        stages.push(v as unknown as MacroStageValue);
      }
      return { kind: 'macro', stages };
    }
    case 'compound_scaling': {
      const alpha = get(`${name}.alpha`);
      const beta = get(`${name}.beta`);
      if (typeof alpha !== 'number' || typeof beta !== 'number') return undefined;
      return { kind: 'compound_scaling', alpha, beta, gamma: Math.sqrt(spec.target / (alpha * beta * beta)) };
    }
  }
}

/**
 * The value a job receives under the parameter's own name: a NAS-Bench-201 string for a cell
 * (`|conv3x3~0|+|skip~0|none~1|+...`), and JSON for the others: a DARTS cell as the `normal` list
 * of a DARTS Genotype (`[["sep_conv_3x3",0],["skip",1],...]`, node by node), a macro space as
 * its list of stages, compound scaling as `{"alpha":..,"beta":..,"gamma":..}`.
 */
export function composeArchitecture(value: ArchitectureValue): string {
  switch (value.kind) {
    case 'cell': {
      const last = Math.max(0, ...value.edges.map((e) => e.to));
      const groups: string[] = [];
      for (let j = 1; j <= last; j++)
        groups.push(`|${value.edges.filter((e) => e.to === j).map((e) => `${e.op}~${e.from}`).join('|')}|`);
      return groups.join('+');
    }
    case 'darts_cell':
      return JSON.stringify(value.nodes.flatMap((n) => n.inputs.map((x) => [x.op, x.from])));
    case 'macro':
      return JSON.stringify(value.stages.map((s) => ({ depth: s.depth, width: s.width, kernel: s.kernel, expansion: s.expansion, se: s.se })));
    case 'compound_scaling':
      return JSON.stringify({ alpha: value.alpha, beta: value.beta, gamma: value.gamma });
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing a composed value (the inverse of composition)

/** A composed value read back into the architecture it names, or why it does not name one of the space. */
export type ParsedArchitecture = { ok: true; value: ArchitectureValue } | { ok: false; message: string };

/**
 * Reads a composed value (what `composeArchitecture` writes, or the same pasted from a paper or
 * another study) back into an architecture of `spec`, so that a configuration may give a known
 * good architecture by its composed value alone. It checks the form and that every choice is one
 * the space offers; whether the architecture is usable (a path from input to output, gamma >= 1)
 * is left to `architectureDefect`, as for dimensions given one by one.
 */
export function parseArchitecture(spec: ArchitectureParamSpec, composed: ParamValue): ParsedArchitecture {
  if (typeof composed !== 'string') return { ok: false, message: `must be a string, the composed architecture (got ${JSON.stringify(composed)})` };
  switch (spec.type) {
    case 'cell':
      return parseCell(spec, composed.trim());
    case 'darts_cell':
      return parseDarts(spec, composed);
    case 'macro':
      return parseMacro(spec, composed);
    case 'compound_scaling':
      return parseCompound(spec, composed);
  }
}

/** The flat dimensions that hold `value` (the inverse of `readArchitecture`). */
export function architectureDimensions(name: string, spec: ArchitectureParamSpec, value: ArchitectureValue): Params {
  const out: Params = {};
  if (value.kind === 'cell') for (const e of value.edges) out[cellEdgeDim(name, [e.from, e.to])] = e.op;
  else if (value.kind === 'darts_cell')
    for (const n of value.nodes) {
      out[dartsInputsDim(name, n.node)] = n.inputs.map((x) => x.from).join('+');
      n.inputs.forEach((x, s) => (out[dartsOpDim(name, n.node, s)] = x.op));
    }
  else if (value.kind === 'macro') value.stages.forEach((stage, s) => macroFields.forEach((f) => (out[macroDim(name, s, f)] = stage[f])));
  else if (spec.type === 'compound_scaling') {
    out[`${name}.alpha`] = value.alpha;
    out[`${name}.beta`] = value.beta;
  }
  return out;
}

const failure = (kind: string) => (message: string): ParsedArchitecture => ({ ok: false, message: `is not ${kind} of this space: ${message}` });

function parseJson(text: string): { ok: true; data: unknown } | { ok: false } {
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `|op~0|+|op~0|op~1|+...`: group g holds the edges into node g + 1, each as op~from. */
function parseCell(spec: CellParamSpec, text: string): ParsedArchitecture {
  const fail = failure('a NAS-Bench-201 cell string');
  const edges = cellEdges(spec);
  const groups = text.split('+');
  if (groups.length !== spec.nodes - 1)
    return fail(`it has ${groups.length} group(s) separated by "+"; the cell has ${spec.nodes} nodes, so ${spec.nodes - 1} (the edges into nodes 1..${spec.nodes - 1}), like |op~0|+|op~0|op~1|`);
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

/** The `normal` list of a DARTS Genotype: `inputs` [op, from] pairs per intermediate node, node by node. */
function parseDarts(spec: Extract<ArchitectureParamSpec, { type: 'darts_cell' }>, text: string): ParsedArchitecture {
  const fail = failure('a DARTS genotype list');
  const json = parseJson(text);
  const list = json.ok ? json.data : undefined;
  if (!Array.isArray(list)) return fail('expected a JSON list of [op, from] pairs, node by node, like [["sep_conv_3x3",0],["skip_connect",1],...]');
  const k = spec.inputs;
  if (list.length !== spec.nodes * k)
    return fail(`it has ${list.length} [op, from] pairs; the cell has ${spec.nodes} intermediate nodes with ${k} input(s) each, so ${spec.nodes * k}`);
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

function fits(dim: ParamSpec, v: unknown): boolean {
  if (dim.type === 'categorical' || dim.type === 'ordinal') return (dim.values as unknown[]).includes(v);
  return typeof v === 'number' && v >= dim.min && v <= dim.max && (dim.type !== 'int' || Number.isInteger(v));
}

const describeDim = (dim: ParamSpec): string =>
  dim.type === 'categorical' || dim.type === 'ordinal' ? `one of ${JSON.stringify(dim.values)}` : `${dim.type === 'int' ? 'an integer' : 'a number'} in [${dim.min}, ${dim.max}]`;

/** A JSON list of stages `{depth, width, kernel, expansion, se}`. */
function parseMacro(spec: Extract<ArchitectureParamSpec, { type: 'macro' }>, text: string): ParsedArchitecture {
  const fail = failure('a macro stage list');
  const json = parseJson(text);
  const list = json.ok ? json.data : undefined;
  if (!Array.isArray(list)) return fail('expected a JSON list of stages like [{"depth":2,"width":24,"kernel":5,"expansion":6,"se":true},...]');
  if (list.length !== spec.stages.length) return fail(`it has ${list.length} stage(s); the space has ${spec.stages.length}`);
  const stages: MacroStageValue[] = [];
  for (const [s, given] of list.entries()) {
    if (!isRecord(given)) return fail(`stage ${s} must be an object {depth, width, kernel, expansion, se}`);
    const unknown = Object.keys(given).filter((f) => !(macroFields as readonly string[]).includes(f));
    if (unknown.length > 0) return fail(`stage ${s} has unknown field(s) ${unknown.join(', ')} (the fields are ${macroFields.join(', ')})`);
    const stage: Record<string, unknown> = {};
    for (const f of macroFields) {
      const dim = macroFieldDim(f, spec.stages[s][f]);
      const only = isChoiceDim(dim) ? (dim.values.length === 1 ? dim.values[0] : undefined) : dim.min === dim.max ? dim.min : undefined;
      // A field the stage fixes has nothing to choose, so it may be left out (stage tables often omit SE).
      const v = given[f] ?? only;
      if (v === undefined) return fail(`stage ${s} has no ${f} (${describeDim(dim)})`);
      if (!fits(dim, v)) return fail(`stage ${s}: ${f} ${JSON.stringify(v)} is not ${describeDim(dim)}`);
      stage[f] = v;
    }
    stages.push(stage as unknown as MacroStageValue);
  }
  return { ok: true, value: { kind: 'macro', stages } };
}

const isChoiceDim = (dim: ParamSpec): dim is Extract<ParamSpec, { values: unknown }> => dim.type === 'categorical' || dim.type === 'ordinal';

/**
 * How far alpha * beta^2 * gamma^2 may be from the target, relatively, for a given gamma: published
 * coefficients are rounded to a few decimals, yet EfficientNet's 1.2, 1.1, 1.15 (1.92 for 2) is off.
 */
export const compoundTolerance = 1e-3;

/** `{"alpha":..,"beta":..,"gamma":..}`; gamma may be left out (it is derived from the target). */
function parseCompound(spec: CompoundScalingParamSpec, text: string): ParsedArchitecture {
  const fail = failure('a compound scaling object');
  const json = parseJson(text);
  const given = json.ok ? json.data : undefined;
  if (!isRecord(given)) return fail('expected a JSON object like {"alpha":1.2,"beta":1.1,"gamma":1.15} (gamma may be left out)');
  const unknown = Object.keys(given).filter((k) => !['alpha', 'beta', 'gamma'].includes(k));
  if (unknown.length > 0) return fail(`unknown field(s) ${unknown.join(', ')} (the fields are alpha, beta, gamma)`);
  const ranges = compoundRanges(spec);
  for (const k of ['alpha', 'beta'] as const) {
    const v = given[k];
    if (typeof v !== 'number' || !(v >= ranges[k].min && v <= ranges[k].max)) return fail(`${k} ${JSON.stringify(v)} is not a number in [${ranges[k].min}, ${ranges[k].max}]`);
  }
  const [alpha, beta] = [given.alpha as number, given.beta as number];
  const gamma = Math.sqrt(spec.target / (alpha * beta * beta));
  if (given.gamma !== undefined) {
    const g = given.gamma;
    if (typeof g !== 'number' || !Number.isFinite(g)) return fail(`gamma ${JSON.stringify(g)} is not a number`);
    const product = alpha * beta ** 2 * g ** 2;
    if (Math.abs(product - spec.target) > compoundTolerance * spec.target)
      return fail(`gamma ${g} is off the constraint alpha * beta^2 * gamma^2 = ${spec.target} (it gives ${+product.toPrecision(6)}); gamma would be ${+gamma.toPrecision(6)}, or leave it out`);
  }
  return { ok: true, value: { kind: 'compound_scaling', alpha, beta, gamma } };
}

// ---------------------------------------------------------------------------------------------
// Usable or not, and repair

const connects = (op: string) => !nonConnectingOps.has(op);

/** Whether signal flows from node 0 to the last node along edges whose operation connects. */
export function cellConnected(nodes: number, edges: readonly { from: number; to: number; op: string }[]): boolean {
  const reached = new Set([0]);
  // Edges point forward (from < to), so one pass in target order settles reachability.
  for (const e of [...edges].sort((a, b) => a.to - b.to)) if (reached.has(e.from) && connects(e.op)) reached.add(e.to);
  return reached.has(nodes - 1);
}

/** DARTS: intermediate nodes that receive signal from a cell input through connecting operations. */
export function dartsAlive(value: DartsValue): Set<number> {
  const alive = new Set([0, 1]);
  for (const n of value.nodes) if (n.inputs.some((x) => alive.has(x.from) && connects(x.op))) alive.add(n.node);
  return alive;
}

/** Why a composed architecture cannot be built, or undefined when it can. */
export function architectureDefect(spec: ArchitectureParamSpec, value: ArchitectureValue): string | undefined {
  if (value.kind === 'cell' && spec.type === 'cell' && !cellConnected(spec.nodes, value.edges))
    return `has no path from the input (node 0) to the output (node ${spec.nodes - 1}) through connecting operations`;
  if (value.kind === 'darts_cell' && dartsAlive(value).size <= 2) return 'has no intermediate node reached from a cell input through connecting operations';
  if (value.kind === 'compound_scaling' && spec.type === 'compound_scaling' && value.alpha * value.beta ** 2 > spec.target * (1 + 1e-9))
    return `alpha * beta^2 (${value.alpha * value.beta ** 2}) exceeds target ${spec.target}, so gamma < 1`;
  return undefined;
}

/**
 * Makes the flat dimensions of an unusable architecture usable, in place, changing as little as
 * possible and deterministically (samplers that pick dimension by dimension, TPE, GP decoding,
 * Sobol, grid, cannot be asked to redraw; `SearchSpace.sample` redraws instead and repairs only as
 * a last resort):
 * - cell: the path from input to output with the fewest non-connecting edges gets the first
 *   connecting operation of `ops` on each of those edges;
 * - DARTS cell: the first input of the first intermediate node (always a cell input) gets the
 *   first connecting operation;
 * - compound scaling: beta is lowered to sqrt(target / alpha), so that gamma = 1.
 */
export function repairArchitecture(name: string, spec: ArchitectureParamSpec, params: Params): void {
  const value = readArchitecture(name, spec, params);
  if (!value || !architectureDefect(spec, value)) return;
  if (spec.type === 'cell' && value.kind === 'cell') {
    const fix = spec.ops.find(connects)!;
    for (const e of cheapestPath(spec.nodes, value.edges) ?? []) params[cellEdgeDim(name, [e.from, e.to])] = fix;
  } else if (spec.type === 'darts_cell') {
    params[dartsOpDim(name, 2, 0)] = spec.ops.find(connects)!;
  } else if (spec.type === 'compound_scaling' && value.kind === 'compound_scaling') {
    params[`${name}.beta`] = Math.max(spec.beta.min, Math.min(value.beta, Math.sqrt(spec.target / value.alpha)));
  }
}

/** The non-connecting edges of the input-to-output path that has fewest of them (0-1 shortest path). */
function cheapestPath(nodes: number, edges: readonly { from: number; to: number; op: string }[]): { from: number; to: number }[] | undefined {
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

// ---------------------------------------------------------------------------------------------
// Validation of the spec (called from parametersSchema's refinement)

export interface ArchitectureIssue {
  path: (string | number)[];
  message: string;
}

function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const v of values) {
    const k = JSON.stringify(v);
    if (seen.has(k)) out.push(v);
    seen.add(k);
  }
  return out;
}

function opsProblems(ops: readonly string[], kind: string): ArchitectureIssue[] {
  const issues: ArchitectureIssue[] = [];
  const dup = duplicates(ops);
  if (dup.length) issues.push({ path: ['ops'], message: `operations must be unique (${dup.join(', ')} repeated)` });
  if (ops.length > 0 && !ops.some(connects))
    issues.push({ path: ['ops'], message: `every operation (${ops.join(', ')}) is non-connecting: no ${kind} could link its input to its output` });
  return issues;
}

/** Problems of one architecture parameter that zod's field rules cannot see; paths are relative to it. */
export function architectureProblems(name: string, spec: ArchitectureParamSpec, declared: ParametersSpec): ArchitectureIssue[] {
  const issues: ArchitectureIssue[] = [];
  if (name.length > maxArchitectureNameLength)
    issues.push({ path: [], message: `an architecture parameter name has at most ${maxArchitectureNameLength} characters (its dimensions add a suffix)` });
  switch (spec.type) {
    case 'cell': {
      issues.push(...opsProblems(spec.ops, 'cell'));
      let edgesOk = true;
      (spec.edges ?? []).forEach(([i, j], k) => {
        if (i < 0 || j < 0 || i >= spec.nodes || j >= spec.nodes) {
          issues.push({ path: ['edges', k], message: `edge [${i}, ${j}] is outside nodes 0..${spec.nodes - 1}` });
          edgesOk = false;
        } else if (i >= j) {
          issues.push({ path: ['edges', k], message: `edge [${i}, ${j}] must go from a lower to a higher node (from < to), so that the cell is acyclic` });
          edgesOk = false;
        }
      });
      const dup = duplicates(spec.edges ?? []);
      if (dup.length) issues.push({ path: ['edges'], message: `edges must be unique ([${dup[0].join(', ')}] repeated)` });
      if (edgesOk && spec.edges && !cellConnected(spec.nodes, spec.edges.map(([from, to]) => ({ from, to, op: 'edge' }))))
        issues.push({ path: ['edges'], message: `no path from the input (node 0) to the output (node ${spec.nodes - 1}) along the given edges` });
      break;
    }
    case 'darts_cell':
      issues.push(...opsProblems(spec.ops, 'cell'));
      // The first intermediate node has only the two cell inputs to choose from.
      if (spec.inputs > 2)
        issues.push({ path: ['inputs'], message: `inputs (${spec.inputs}) exceeds the 2 predecessors of the first intermediate node (the two cell inputs)` });
      break;
    case 'macro':
      spec.stages.forEach((stage, s) => {
        const depth = stage.depth;
        if (typeof depth === 'object' && !Array.isArray(depth) && depth.min > depth.max)
          issues.push({ path: ['stages', s, 'depth', 'min'], message: `min (${depth.min}) must not exceed max (${depth.max})` });
        for (const f of macroFields) {
          const v = stage[f];
          if (Array.isArray(v) && duplicates(v as unknown[]).length) issues.push({ path: ['stages', s, f], message: 'values must be unique' });
        }
      });
      break;
    case 'compound_scaling': {
      const c = spec as CompoundScalingParamSpec;
      for (const k of ['alpha', 'beta'] as const)
        if (c[k].min > c[k].max) issues.push({ path: [k, 'min'], message: `min (${c[k].min}) must not exceed max (${c[k].max})` });
      const least = c.alpha.min * c.beta.min ** 2;
      if (least > c.target)
        issues.push({ path: ['target'], message: `gamma < 1 is forced: alpha.min * beta.min^2 = ${least} already exceeds target ${c.target} (alpha * beta^2 * gamma^2 = target)` });
      break;
    }
  }
  // zod's size rules (nodes, stages) do not stop this refinement: expand only within them.
  const small = spec.type === 'macro' ? spec.stages.length <= 12 : spec.type === 'compound_scaling' || spec.nodes <= 10;
  if (issues.length === 0 && small) {
    for (const dim of Object.keys(expandArchitecture(name, spec)))
      if (dim in declared) issues.push({ path: [], message: `its dimension "${dim}" has the name of another parameter` });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Graphs (the dashboard draws them)

/** One architecture parameter of a trial drawn as a graph (the dashboard renders it). */
export interface ArchitectureGraph { parameter: string; kind: 'cell' | 'darts_cell' | 'macro'; nodes: { id: string; label: string }[]; edges: { from: string; to: string; op: string }[] }

/** `MBConv6 k5 ×3 w40 SE`: expansion, kernel, depth, width, squeeze-excite. */
export function macroStageLabel(s: MacroStageValue): string {
  return `MBConv${s.expansion} k${s.kernel} ×${s.depth} w${s.width}${s.se ? ' SE' : ''}`;
}

/**
 * The architecture parameters of a trial as graphs (empty when the space has none). Edges whose
 * operation is non-connecting (`none`, `zero`) are left out: they are not in the architecture.
 * Compound scaling has no graph. A parameter whose dimensions are missing (inactive) is skipped.
 */
export function architectureGraphs(parameters: ParametersSpec, params: Params): ArchitectureGraph[] {
  const out: ArchitectureGraph[] = [];
  for (const [name, spec] of Object.entries(parameters)) {
    if (!isArchitecture(spec) || spec.type === 'compound_scaling') continue;
    const value = readArchitecture(name, spec, params);
    if (!value) continue;
    if (value.kind === 'cell' && spec.type === 'cell') {
      const last = spec.nodes - 1;
      out.push({
        parameter: name,
        kind: 'cell',
        nodes: Array.from({ length: spec.nodes }, (_, i) => ({ id: String(i), label: i === 0 ? 'input' : i === last ? 'output' : String(i) })),
        edges: value.edges.filter((e) => connects(e.op)).map((e) => ({ from: String(e.from), to: String(e.to), op: e.op })),
      });
    } else if (value.kind === 'darts_cell') {
      const nodes = [
        { id: '0', label: 'c_{k-2}' },
        { id: '1', label: 'c_{k-1}' },
        ...value.nodes.map((n) => ({ id: String(n.node), label: String(n.node - 2) })),
        { id: 'out', label: 'c_{k}' },
      ];
      const edges = value.nodes.flatMap((n) => n.inputs.filter((x) => connects(x.op)).map((x) => ({ from: String(x.from), to: String(n.node), op: x.op })));
      // DARTS concatenates every intermediate node into the cell output.
      for (const n of value.nodes) edges.push({ from: String(n.node), to: 'out', op: 'concat' });
      out.push({ parameter: name, kind: 'darts_cell', nodes, edges });
    } else if (value.kind === 'macro') {
      const k = value.stages.length;
      out.push({
        parameter: name,
        kind: 'macro',
        nodes: Array.from({ length: k + 1 }, (_, i) => ({ id: String(i), label: i === 0 ? 'input' : i === k ? 'output' : `stage ${i}` })),
        edges: value.stages.map((s, i) => ({ from: String(i), to: String(i + 1), op: macroStageLabel(s) })),
      });
    }
  }
  return out;
}
