import {
  isArchitecture,
  readArchitecture,
  type ArchitectureSpecOf,
  type ArchitectureType,
  type ArchitectureValueOf,
} from '../shared/space/architecture.js';
import type { MacroStageValue } from '../shared/space/architectures/macro.js';
import { connects } from '../shared/space/architectures/operations.js';
import type { Params, ParametersSpec } from '../shared/space/schema.js';

/** One architecture parameter of a trial drawn as a graph (the dashboard and `rung report` render it). */
export interface ArchitectureGraph {
  parameter: string;
  kind: ArchitectureType;
  nodes: { id: string; label: string }[];
  edges: { from: string; to: string; op: string }[];
}

type Draw<T extends ArchitectureType> = (
  parameter: string,
  spec: ArchitectureSpecOf<T>,
  value: ArchitectureValueOf<T>,
) => ArchitectureGraph;

/** `MBConv6 k5 ×3 w40 SE`: expansion, kernel, depth, width, squeeze-excite. */
export function macroStageLabel(s: MacroStageValue): string {
  return `MBConv${s.expansion} k${s.kernel} ×${s.depth} w${s.width}${s.se ? ' SE' : ''}`;
}

/**
 * How each kind is drawn; undefined for a kind that has no graph (compound scaling is three numbers).
 * Edges whose operation is non-connecting (`none`, `zero`) are left out: they are not in the architecture.
 */
const drawers: { [T in ArchitectureType]: Draw<T> | undefined } = {
  cell(parameter, spec, value) {
    const last = spec.nodes - 1;
    return {
      parameter,
      kind: 'cell',
      nodes: Array.from({ length: spec.nodes }, (_, i) => ({
        id: String(i),
        label: i === 0 ? 'input' : i === last ? 'output' : String(i),
      })),
      edges: value.edges.filter((e) => connects(e.op)).map((e) => ({ from: String(e.from), to: String(e.to), op: e.op })),
    };
  },
  darts_cell(parameter, _spec, value) {
    const nodes = [
      { id: '0', label: 'c_{k-2}' },
      { id: '1', label: 'c_{k-1}' },
      ...value.nodes.map((n) => ({ id: String(n.node), label: String(n.node - 2) })),
      { id: 'out', label: 'c_{k}' },
    ];
    const edges = value.nodes.flatMap((n) =>
      n.inputs.filter((x) => connects(x.op)).map((x) => ({ from: String(x.from), to: String(n.node), op: x.op })),
    );
    // DARTS concatenates every intermediate node into the cell output.
    for (const n of value.nodes) edges.push({ from: String(n.node), to: 'out', op: 'concat' });
    return { parameter, kind: 'darts_cell', nodes, edges };
  },
  macro(parameter, _spec, value) {
    const k = value.stages.length;
    return {
      parameter,
      kind: 'macro',
      nodes: Array.from({ length: k + 1 }, (_, i) => ({ id: String(i), label: i === 0 ? 'input' : i === k ? 'output' : `stage ${i}` })),
      edges: value.stages.map((s, i) => ({ from: String(i), to: String(i + 1), op: macroStageLabel(s) })),
    };
  },
  compound_scaling: undefined,
};

/**
 * The architecture parameters of a trial as graphs (empty when the space has none), in the order
 * of the spec. A parameter whose dimensions are missing (inactive) or whose kind has no graph is skipped.
 */
export function architectureGraphs(parameters: ParametersSpec, params: Params): ArchitectureGraph[] {
  const out: ArchitectureGraph[] = [];
  for (const [name, spec] of Object.entries(parameters)) {
    if (!isArchitecture(spec)) continue;
    // The value is read from this spec, so both are of the kind the drawer is looked up by.
    const draw = drawers[spec.type] as Draw<ArchitectureType> | undefined;
    const value = draw && readArchitecture(name, spec, params);
    if (value) out.push(draw(name, spec, value));
  }
  return out;
}
