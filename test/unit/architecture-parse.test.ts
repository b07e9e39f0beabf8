import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../shared/rng.js';
import { architectureDimensions, composeArchitecture, parseArchitecture, readArchitecture } from '../../shared/space/architecture.js';
import { parametersSchema, type ArchitectureParamSpec, type ParametersSpec } from '../../shared/space/schema.js';
import { SearchSpace } from '../../shared/space/space.js';

/** Composed values read back into dimensions: the warm start of a known good architecture. */
const nb201Ops = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
const dartsOps = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];

const spec: ParametersSpec = parametersSchema.parse({
  lr: { type: 'float', min: 1e-3, max: 1, scale: 'log' },
  cell: { type: 'cell', nodes: 4, ops: nb201Ops },
  sparse: {
    type: 'cell',
    nodes: 4,
    ops: ['skip', 'conv'],
    edges: [
      [0, 1],
      [1, 3],
      [0, 3],
    ],
  },
  normal: { type: 'darts_cell', nodes: 4, ops: dartsOps, inputs: 2 },
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
const arch = (name: string) => space.declared[name] as ArchitectureParamSpec;

/** The message of a parse that must fail (the test fails when it parses). */
function parseError(name: string, composed: string): string {
  const parsed = parseArchitecture(arch(name), composed);
  if (parsed.ok) throw new Error(`${composed} parsed`);
  return parsed.message;
}

describe('parsing a composed architecture', () => {
  it('round-trips every kind: dimensions -> composed value -> the same dimensions', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Prepare
        const config = space.sample(createRng(seed));
        for (const a of space.architectures) {
          const composed = composeArchitecture(readArchitecture(a.name, a.spec, config)!);
          // Act
          const parsed = parseArchitecture(a.spec, composed);
          // Assess
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) continue;
          expect(architectureDimensions(a.name, a.spec, parsed.value)).toEqual(Object.fromEntries(a.dims.map((d) => [d, config[d]])));
          expect(composeArchitecture(parsed.value)).toBe(config[a.name]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reads published architectures: a NAS-Bench-201 cell, DARTS V2 (inputs out of order), EfficientNet-B0 without gamma', () => {
    // Act
    const cell = parseArchitecture(
      arch('cell'),
      ' |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2| ',
    );
    const darts = parseArchitecture(
      arch('normal'),
      '[["sep_conv_3x3",0],["sep_conv_3x3",1],["sep_conv_3x3",0],["sep_conv_3x3",1],["sep_conv_3x3",1],["skip_connect",0],["skip_connect",0],["dil_conv_3x3",2]]',
    );
    const scale = parseArchitecture(arch('scale'), '{"alpha":1.2,"beta":1.1}');
    // Assess
    expect(cell.ok && architectureDimensions('cell', arch('cell'), cell.value)).toEqual({
      'cell.e0_1': 'nor_conv_3x3',
      'cell.e0_2': 'nor_conv_3x3',
      'cell.e1_2': 'avg_pool_3x3',
      'cell.e0_3': 'skip_connect',
      'cell.e1_3': 'nor_conv_3x3',
      'cell.e2_3': 'skip_connect',
    });
    expect(darts.ok && architectureDimensions('normal', arch('normal'), darts.value)).toMatchObject({
      'normal.n4.in': '0+1',
      'normal.n4.op0': 'skip_connect',
      'normal.n4.op1': 'sep_conv_3x3',
      'normal.n5.in': '0+2',
      'normal.n5.op1': 'dil_conv_3x3',
    });
    expect(scale.ok && scale.value).toEqual({ kind: 'compound_scaling', alpha: 1.2, beta: 1.1, gamma: Math.sqrt(2 / (1.2 * 1.1 * 1.1)) });
  });

  it('fills a macro field the stage fixes when it is left out', () => {
    // Act
    const parsed = parseArchitecture(arch('net'), '[{"depth":2,"width":24,"kernel":5,"expansion":6,"se":true},{"depth":4}]');
    // Assess
    expect(parsed.ok && parsed.value).toEqual({
      kind: 'macro',
      stages: [
        { depth: 2, width: 24, kernel: 5, expansion: 6, se: true },
        { depth: 4, width: 40, kernel: 3, expansion: 1, se: false },
      ],
    });
  });

  const cases: [string, string, string, string][] = [
    [
      'a cell with too few groups',
      'cell',
      '|skip_connect~0|+|skip_connect~0|none~1|',
      'is not a NAS-Bench-201 cell string of this space: it has 2 group(s) separated by "+"; the cell has 4 nodes, so 3',
    ],
    [
      'an unknown cell operation',
      'cell',
      '|conv5x5~0|+|skip_connect~0|none~1|+|none~0|none~1|none~2|',
      'unknown operation "conv5x5" in group 1 (the operations are none, skip_connect',
    ],
    [
      'a cell group without bars',
      'cell',
      'skip_connect~0+|skip_connect~0|none~1|+|none~0|none~1|none~2|',
      'group 1 ("skip_connect~0") must be enclosed in "|"',
    ],
    [
      'a cell entry without its source',
      'cell',
      '|skip_connect|+|skip_connect~0|none~1|+|none~0|none~1|none~2|',
      '"skip_connect" in group 1 must be op~from',
    ],
    [
      'a missing cell edge',
      'cell',
      '|skip_connect~0|+|skip_connect~0|+|none~0|none~1|none~2|',
      "it has 5 of the cell's 6 edges; missing: 1 -> 2",
    ],
    ['a repeated cell edge', 'cell', '|skip_connect~0|+|skip_connect~0|none~0|+|none~0|none~1|none~2|', 'edge 0 -> 2 is given twice'],
    ['an edge the sparse cell lacks', 'sparse', '|skip~0|+|conv~0|+|skip~0|conv~1|', 'edge 0 -> 2 is not an edge of the cell'],
    [
      'DARTS that is not JSON',
      'normal',
      "[('sep_conv_3x3', 0)]",
      'is not a DARTS genotype list of this space: expected a JSON list of [op, from] pairs',
    ],
    [
      'DARTS with the wrong pair count',
      'normal',
      '[["skip_connect",0],["skip_connect",1]]',
      'it has 2 [op, from] pairs; the cell has 4 intermediate nodes with 2 input(s) each, so 8',
    ],
    [
      'DARTS input from a later node',
      'normal',
      '[["skip_connect",0],["skip_connect",2],["skip_connect",0],["skip_connect",1],["skip_connect",0],["skip_connect",1],["skip_connect",0],["skip_connect",1]]',
      'item 1: node 2 takes its inputs from nodes 0..1, not 2',
    ],
    [
      'DARTS input taken twice',
      'normal',
      '[["skip_connect",0],["skip_connect",0],["skip_connect",0],["skip_connect",1],["skip_connect",0],["skip_connect",1],["skip_connect",0],["skip_connect",1]]',
      'node 2 takes input 0 twice',
    ],
    [
      'an unknown DARTS operation',
      'normal',
      '[["conv_7x1_1x7",0],["skip_connect",1],["skip_connect",0],["skip_connect",1],["skip_connect",0],["skip_connect",1],["skip_connect",0],["skip_connect",1]]',
      'unknown operation "conv_7x1_1x7" at item 0',
    ],
    [
      'a macro list of the wrong length',
      'net',
      '[{"depth":2,"width":24}]',
      'is not a macro stage list of this space: it has 1 stage(s); the space has 2',
    ],
    [
      'a macro width the stage does not offer',
      'net',
      '[{"depth":2,"width":32,"kernel":5,"expansion":6,"se":true},{"depth":4}]',
      'stage 0: width 32 is not one of [16,24]',
    ],
    [
      'a macro depth out of range',
      'net',
      '[{"depth":5,"width":24,"kernel":5,"expansion":6,"se":true},{"depth":4}]',
      'stage 0: depth 5 is not an integer in [1, 3]',
    ],
    [
      'a macro stage missing a free field',
      'net',
      '[{"depth":2,"width":24,"kernel":5,"expansion":6},{"depth":4}]',
      'stage 0 has no se (one of [true,false])',
    ],
    [
      'an unknown macro field',
      'net',
      '[{"depth":2,"width":24,"kernel":5,"expansion":6,"se":true,"stride":2},{"depth":4}]',
      'stage 0 has unknown field(s) stride',
    ],
    [
      'gamma off the constraint',
      'scale',
      '{"alpha":1.2,"beta":1.1,"gamma":1.15}',
      'gamma 1.15 is off the constraint alpha * beta^2 * gamma^2 = 2 (it gives 1.92027); gamma would be 1.17363, or leave it out',
    ],
    ['beta out of range', 'scale', '{"alpha":1.2,"beta":1.6}', 'beta 1.6 is not a number in [1, 1.5]'],
    [
      'compound scaling that is not an object',
      'scale',
      '[1.2,1.1,1.15]',
      'is not a compound scaling object of this space: expected a JSON object',
    ],
  ];
  for (const [what, name, composed, expected] of cases) {
    it(`rejects ${what}, saying why`, () => {
      // Act
      const message = parseError(name, composed);
      // Assess
      expect(message).toContain(expected);
    });
  }

  it('rejects a composed value that is not a string', () => {
    // Act
    const parsed = parseArchitecture(arch('cell'), 3);
    // Assess
    expect(parsed).toEqual({ ok: false, message: 'must be a string, the composed architecture (got 3)' });
  });
});

describe('SearchSpace.normalize: a configuration that gives an architecture by its composed value', () => {
  const cellOnly = new SearchSpace(
    parametersSchema.parse({
      lr: { type: 'float', min: 1e-3, max: 1, scale: 'log' },
      family: { type: 'categorical', values: ['cell', 'plain'] },
      cell: { type: 'cell', nodes: 4, ops: nb201Ops, when: { family: 'cell' } },
    }),
  );
  const best = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

  it('expands it into its dimensions, and adds the composed value to one given by dimensions', () => {
    // Prepare
    const byDims = {
      lr: 0.01,
      family: 'cell',
      'cell.e0_1': 'skip_connect',
      'cell.e0_2': 'none',
      'cell.e1_2': 'none',
      'cell.e0_3': 'none',
      'cell.e1_3': 'skip_connect',
      'cell.e2_3': 'none',
    };
    // Act
    const expanded = cellOnly.normalize({ lr: 0.01, family: 'cell', cell: best });
    const completed = cellOnly.normalize(byDims);
    // Assess
    expect(expanded.issues).toEqual([]);
    expect(expanded.config).toMatchObject({ cell: best, 'cell.e1_2': 'avg_pool_3x3', 'cell.e2_3': 'skip_connect' });
    expect(cellOnly.problems(expanded.config)).toEqual([]);
    expect(completed).toEqual({
      config: { ...byDims, cell: '|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|' },
      issues: [],
    });
  });

  it('names the field for a value that does not parse, an unusable cell, or an inactive one, and reports the other fields too', () => {
    // Prepare
    const cut = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
    // Act
    const unreadable = cellOnly.normalize({ lr: 5, family: 'cell', cell: '|skip_connect~0|' });
    const unusable = cellOnly.normalize({ lr: 0.01, family: 'cell', cell: cut });
    const inactive = cellOnly.normalize({ lr: 0.01, family: 'plain', cell: best });
    // Assess
    expect(unreadable.issues).toEqual([
      { path: 'cell', message: expect.stringContaining('is not a NAS-Bench-201 cell string of this space: it has 1 group(s)') },
      { path: 'lr', message: 'must be a number in [0.001, 1]' },
    ]);
    expect(unusable.issues).toEqual([
      { path: 'cell', message: 'has no path from the input (node 0) to the output (node 3) through connecting operations' },
    ]);
    expect(inactive.issues).toEqual([{ path: 'cell', message: 'is inactive under the given parent values' }]);
  });
});
