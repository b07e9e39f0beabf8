import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../shared/rng.js';
import { readArchitecture } from '../../shared/space/architecture.js';
import { cellConnected } from '../../shared/space/architectures/cell.js';
import { parametersSchema, type ParametersSpec } from '../../shared/space/schema.js';
import { SearchSpace } from '../../shared/space/space.js';

const nb201Ops = ['none', 'skip', 'conv1x1', 'conv3x3', 'avgpool3x3'];

/** zod issues of a parameters map as "path: message" lines. */
function issuesOf(params: unknown): string[] {
  const r = parametersSchema.safeParse(params);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const spec: ParametersSpec = parametersSchema.parse({
  lr: { type: 'float', min: 1e-3, max: 1, scale: 'log' },
  cell: { type: 'cell', nodes: 4, ops: nb201Ops },
  normal: { type: 'darts_cell', nodes: 4, ops: ['none', 'sep_conv_3x3', 'skip_connect'], inputs: 2 },
  net: {
    type: 'macro',
    stages: [
      { depth: { min: 1, max: 3 }, width: [16, 24], kernel: [3, 5, 7], expansion: [1, 3, 6], se: [true, false] },
      { depth: [2, 4], width: 40 },
    ],
  },
  scale: { type: 'compound_scaling', alpha: { min: 1, max: 2 }, beta: { min: 1, max: 1.5 }, target: 2 },
});
const space = new SearchSpace(spec);

describe('architecture parameters: validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an empty op list', { c: { type: 'cell', nodes: 4, ops: [] } }, 'c.ops: must list at least one operation'],
    ['duplicate ops', { c: { type: 'cell', nodes: 4, ops: ['skip', 'conv', 'skip'] } }, 'c.ops: operations must be unique (skip repeated)'],
    [
      'only non-connecting ops',
      { c: { type: 'cell', nodes: 4, ops: ['none', 'zero'] } },
      'c.ops: every operation (none, zero) is non-connecting: no cell could link its input to its output',
    ],
    [
      'an edge outside the nodes',
      {
        c: {
          type: 'cell',
          nodes: 4,
          ops: ['skip'],
          edges: [
            [0, 3],
            [0, 4],
          ],
        },
      },
      'c.edges.1: edge [0, 4] is outside nodes 0..3',
    ],
    [
      'an edge that goes backwards',
      {
        c: {
          type: 'cell',
          nodes: 4,
          ops: ['skip'],
          edges: [
            [0, 3],
            [2, 1],
          ],
        },
      },
      'c.edges.1: edge [2, 1] must go from a lower to a higher node (from < to), so that the cell is acyclic',
    ],
    [
      'a repeated edge',
      {
        c: {
          type: 'cell',
          nodes: 3,
          ops: ['skip'],
          edges: [
            [0, 2],
            [0, 2],
          ],
        },
      },
      'c.edges: edges must be unique ([0, 2] repeated)',
    ],
    [
      'edges without an input-output path',
      {
        c: {
          type: 'cell',
          nodes: 4,
          ops: ['skip'],
          edges: [
            [0, 1],
            [2, 3],
          ],
        },
      },
      'c.edges: no path from the input (node 0) to the output (node 3) along the given edges',
    ],
    ['a one-node cell', { c: { type: 'cell', nodes: 1, ops: ['skip'] } }, 'c.nodes: a cell needs at least an input and an output node'],
    [
      'darts inputs beyond the predecessors',
      { d: { type: 'darts_cell', nodes: 4, ops: ['skip'], inputs: 3 } },
      'd.inputs: inputs (3) exceeds the 2 predecessors of the first intermediate node (the two cell inputs)',
    ],
    [
      'darts with only none',
      { d: { type: 'darts_cell', nodes: 4, ops: ['none'] } },
      'd.ops: every operation (none) is non-connecting: no cell could link its input to its output',
    ],
    [
      'a macro depth range upside down',
      { m: { type: 'macro', stages: [{ depth: { min: 3, max: 1 }, width: 16 }] } },
      'm.stages.0.depth.min: min (3) must not exceed max (1)',
    ],
    ['repeated macro widths', { m: { type: 'macro', stages: [{ depth: 1, width: [16, 16] }] } }, 'm.stages.0.width: values must be unique'],
    ['no macro stage', { m: { type: 'macro', stages: [] } }, 'm.stages: must list at least one stage'],
    [
      'compound scaling that forces gamma < 1',
      { s: { type: 'compound_scaling', alpha: { min: 1.5, max: 2 }, beta: { min: 1.3, max: 1.4 }, target: 2 } },
      's.target: gamma < 1 is forced: alpha.min * beta.min^2 = 2.535 already exceeds target 2 (alpha * beta^2 * gamma^2 = target)',
    ],
    [
      'a coefficient below 1',
      { s: { type: 'compound_scaling', alpha: { min: 0.5, max: 2 }, beta: { min: 1, max: 1.4 } } },
      's.alpha.min: must be at least 1',
    ],
    [
      'a condition on an architecture',
      { c: { type: 'cell', nodes: 3, ops: ['skip', 'conv'] }, lr: { type: 'float', min: 0, max: 1, when: { c: 'x' } } },
      'lr.when.c: condition parent "c" is an architecture parameter (cell): conditions on architectures are not supported',
    ],
    [
      'a dimension that collides with a parameter',
      { c: { type: 'cell', nodes: 2, ops: ['skip', 'conv'] }, 'c.e0_1': { type: 'float', min: 0, max: 1 } },
      'c: its dimension "c.e0_1" has the name of another parameter',
    ],
    [
      'an op name with a separator',
      { c: { type: 'cell', nodes: 2, ops: ['conv|3'] } },
      'c.ops.0: must be an operation name (letters, digits, _ . -; no | ~ + or spaces)',
    ],
  ];
  for (const [what, params, expected] of cases) {
    it(`rejects ${what} with its path`, () => {
      // Act
      const issues = issuesOf(params);
      // Assess
      expect(issues).toContain(expected);
    });
  }

  it('accepts the four kinds, and an architecture under a condition', () => {
    // Act / Assess
    expect(issuesOf(spec)).toEqual([]);
    expect(
      issuesOf({
        family: { type: 'categorical', values: ['cell', 'plain'] },
        c: { type: 'cell', nodes: 3, ops: ['skip', 'conv'], when: { family: 'cell' } },
      }),
    ).toEqual([]);
  });
});

describe('architecture parameters: expansion and round trip', () => {
  it('expands into flat dimensions that every sampler can handle', () => {
    // Assess: NAS-Bench-201 edge order, DARTS inputs as subsets, macro fields, two coefficients.
    expect(space.names.filter((n) => n.startsWith('cell.'))).toEqual([
      'cell.e0_1',
      'cell.e0_2',
      'cell.e1_2',
      'cell.e0_3',
      'cell.e1_3',
      'cell.e2_3',
    ]);
    expect(space.spec('normal.n4.in')).toEqual({ type: 'categorical', values: ['0+1', '0+2', '0+3', '1+2', '1+3', '2+3'] });
    expect(space.spec('net.s0.depth')).toMatchObject({ type: 'int', min: 1, max: 3 });
    expect(space.spec('net.s1.width')).toEqual({ type: 'ordinal', values: [40] });
    expect(space.spec('net.s0.se')).toEqual({ type: 'categorical', values: [true, false] });
    expect(space.names).toContain('scale.alpha');
    for (const n of space.names) expect(n).toMatch(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/);
  });

  it('composes the architecture a job builds under the parameter name', () => {
    // Prepare: the NAS-Bench-201 cell |conv3x3~0|+|skip~0|none~1|+|avgpool3x3~0|conv1x1~1|skip~2|
    const ops = ['conv3x3', 'skip', 'none', 'avgpool3x3', 'conv1x1', 'skip'];
    const cellOnly = new SearchSpace(parametersSchema.parse({ cell: { type: 'cell', nodes: 4, ops: nb201Ops } }));
    // Act
    const config = cellOnly.build((name) => nb201Ops.indexOf(ops[cellOnly.names.indexOf(name)]));
    // Assess
    expect(config.cell).toBe('|conv3x3~0|+|skip~0|none~1|+|avgpool3x3~0|conv1x1~1|skip~2|');
  });

  it('round-trips a configuration: JSON (the store), problems (enqueue, warm start), unit values (samplers)', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Prepare
        const config = space.sample(createRng(seed));
        // Act
        const stored = JSON.parse(JSON.stringify(config));
        const rebuilt = space.build((name) => space.toUnit(name, stored[name]));
        // Assess
        expect(space.problems(stored)).toEqual([]);
        expect(rebuilt).toEqual(config);
        expect(typeof config.normal).toBe('string');
        const scale = JSON.parse(String(config.scale));
        expect(scale.alpha * scale.beta ** 2 * scale.gamma ** 2).toBeCloseTo(2, 9);
        expect(scale.gamma).toBeGreaterThanOrEqual(1 - 1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it('flags a composed value that disagrees, a disconnected cell and a missing dimension', () => {
    // Prepare
    const config = space.sample(createRng(1));
    const dims = ['cell.e0_1', 'cell.e0_2', 'cell.e1_2', 'cell.e0_3', 'cell.e1_3', 'cell.e2_3'];
    const cut = {
      ...Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'cell')),
      ...Object.fromEntries(dims.map((d) => [d, 'none'])),
    };
    const { 'net.s0.se': _, ...missing } = config;
    // Act / Assess
    expect(space.problems({ ...config, cell: '|skip~0|' })[0]).toMatchObject({
      path: 'cell',
      message: expect.stringContaining('must be "|'),
    });
    expect(space.problems(cut)).toEqual([
      { path: 'cell', message: 'has no path from the input (node 0) to the output (node 3) through connecting operations' },
    ]);
    expect(space.problems(missing)).toContainEqual({ path: 'net.s0.se', message: 'is required' });
  });
});

describe('architecture parameters: sampling', () => {
  // Mostly `none`: a uniform draw of six edges is disconnected more often than not.
  const sparse = new SearchSpace(parametersSchema.parse({ cell: { type: 'cell', nodes: 4, ops: ['none', 'zero', 'skip'] } }));
  const darts = new SearchSpace(parametersSchema.parse({ d: { type: 'darts_cell', nodes: 2, ops: ['none', 'zero', 'skip'], inputs: 1 } }));

  it('never yields a cell without an input-output path (rejection sampling)', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Act
        const c = sparse.sample(createRng(seed));
        const d = darts.sample(createRng(seed));
        // Assess
        const v = readArchitecture('cell', sparse.declared.cell as never, c);
        expect(v?.kind === 'cell' && cellConnected(4, v.edges)).toBe(true);
        expect(sparse.problems(c)).toEqual([]);
        expect(darts.problems(d)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('repairs what a dimension-by-dimension sampler builds (all none -> a shortest path of the first connecting op)', () => {
    // Act: every edge picks `none` (index 0).
    const c = sparse.build(() => 0);
    // Assess: the direct edge 0 -> 3 is the cheapest path.
    expect(c['cell.e0_3']).toBe('skip');
    expect(c.cell).toBe('|none~0|+|none~0|none~1|+|skip~0|none~1|none~2|');
    expect(sparse.problems(c)).toEqual([]);
  });

  it('skips disconnected cells in tryBuild', () => {
    // Act / Assess
    expect(sparse.tryBuild(() => 0)).toBeUndefined();
  });
});
