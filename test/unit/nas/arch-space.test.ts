import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../../shared/rng.js';
import { archBoSampler } from '../../../shared/samplers/arch-bo.js';
import { architectureMoves, configKey, mutate } from '../../../shared/samplers/arch.js';
import { cellOneHot, cellPathEncoding, featurizer, pathFeatureCount } from '../../../shared/samplers/encoding.js';
import { evolutionSampler } from '../../../shared/samplers/evolution.js';
import { samplers } from '../../../shared/samplers/registry.js';
import type { Observation, Sampler } from '../../../shared/samplers/sampler.js';
import { readArchitecture } from '../../../shared/space/architecture.js';
import type { CellValue } from '../../../shared/space/architectures/cell.js';
import type { DartsValue } from '../../../shared/space/architectures/darts-cell.js';
import { parametersSchema, type CellParamSpec, type Params } from '../../../shared/space/schema.js';
import { SearchSpace } from '../../../shared/space/space.js';

const nb201Ops = ['none', 'skip', 'conv1x1', 'conv3x3', 'avgpool3x3'];
const nb201: CellParamSpec = { type: 'cell', nodes: 4, ops: nb201Ops };
const cellSpace = new SearchSpace(parametersSchema.parse({ cell: nb201 }));

const mixed = new SearchSpace(
  parametersSchema.parse({
    lr: { type: 'float', min: 1e-3, max: 1, scale: 'log' },
    cell: nb201,
    normal: { type: 'darts_cell', nodes: 3, ops: ['none', 'sep_conv_3x3', 'skip_connect'] },
    net: { type: 'macro', stages: [{ depth: { min: 1, max: 3 }, width: [16, 24], kernel: [3, 5], expansion: [1, 6], se: [true, false] }] },
    scale: { type: 'compound_scaling', alpha: { min: 1, max: 2 }, beta: { min: 1, max: 1.3 } },
  }),
);

/** A toy score: convolutions pay, pooling a little, `none` edges cost; best = conv3x3 everywhere. */
function toyScore(params: Params): number {
  const v = readArchitecture('cell', nb201, params) as CellValue;
  const worth: Record<string, number> = { conv3x3: 1, conv1x1: 0.6, avgpool3x3: 0.3, skip: 0.2, none: 0 };
  return v.edges.reduce((a, e) => a + worth[e.op], 0);
}

function cellOf(ops: string[]): CellValue {
  const edges: [number, number][] = [
    [0, 1],
    [0, 2],
    [1, 2],
    [0, 3],
    [1, 3],
    [2, 3],
  ];
  return { kind: 'cell', edges: edges.map(([from, to], i) => ({ from, to, op: ops[i] })) };
}

describe('encodings of a cell', () => {
  it('path encoding of a hand-worked NAS-Bench-201 cell', () => {
    // Prepare: edges (0,1)=conv3x3 (1,2)=skip (2,3)=conv1x1 and (0,3)=skip; the others none.
    // Paths input -> output: 0-3 [skip] and 0-1-2-3 [conv3x3, skip, conv1x1]; 0-2 and 1-3 are cut.
    // Connecting ops (k = 4): skip 0, conv1x1 1, conv3x3 2, avgpool3x3 3. Columns: length 1 at
    // 0..3, length 2 at 4..19, length 3 at 20..83: skip -> 0, (2, 0, 1) -> 20 + 2*16 + 0*4 + 1 = 53.
    const cell = cellOf(['conv3x3', 'none', 'skip', 'skip', 'none', 'conv1x1']);
    // Act
    const x = cellPathEncoding(nb201, cell);
    // Assess
    expect(pathFeatureCount(nb201)).toBe(84);
    expect(x.length).toBe(84);
    expect([...x.keys()].filter((i) => x[i] === 1)).toEqual([0, 53]);
  });

  it('one-hot marks one operation per edge', () => {
    // Act
    const x = cellOneHot(nb201, cellOf(['conv3x3', 'none', 'skip', 'skip', 'none', 'conv1x1']));
    // Assess: edge i, op j at i * 5 + j.
    expect([...x.keys()].filter((i) => x[i] === 1)).toEqual([3, 5, 11, 16, 20, 27]);
  });

  it('the path featurizer replaces the edge dimensions of a cell by its paths', () => {
    // Prepare
    const f = featurizer(mixed, 'path');
    const config = mixed.sample(createRng(4));
    // Act
    const x = f.vec(config);
    // Assess: six edge dimensions out, 84 path columns in.
    expect(f.choice.length).toBe(mixed.names.length - 6 + 84);
    expect(x.length).toBe(f.choice.length);
    expect([...x.slice(x.length - 84)].some((v) => v === 1)).toBe(true);
  });
});

describe('mutation of architecture parameters', () => {
  /** What changed, counted as architecture decisions: a flat dimension, or one (input, op) pair of a DARTS node. */
  function changes(a: Params, b: Params): number {
    const plain = mixed.names.filter((n) => !n.startsWith('normal.') && !n.startsWith('scale.') && a[n] !== b[n]).length;
    const da = readArchitecture('normal', mixed.declared.normal as never, a) as DartsValue;
    const db = readArchitecture('normal', mixed.declared.normal as never, b) as DartsValue;
    let pairs = 0;
    da.nodes.forEach((n, i) => {
      const sa = new Set(n.inputs.map((x) => `${x.from}:${x.op}`));
      const sb = new Set(db.nodes[i].inputs.map((x) => `${x.from}:${x.op}`));
      pairs += [...sa].filter((x) => !sb.has(x)).length;
    });
    const scale = a['scale.alpha'] !== b['scale.alpha'] || a['scale.beta'] !== b['scale.beta'] ? 1 : 0;
    return plain + pairs + scale;
  }

  it('changes exactly one thing and keeps the architecture usable', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Prepare
        const rng = createRng(seed);
        const parent = mixed.sample(rng);
        // Act
        const child = mutate(mixed, parent, rng);
        // Assess
        expect(mixed.problems(child)).toEqual([]);
        expect(changes(parent, child)).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('swaps one DARTS input, the new input inheriting the operation of the one it replaces', () => {
    // Prepare: node 4 takes inputs 0 and 3 with ops sep, skip.
    const parent = mixed.sample(createRng(9));
    parent['normal.n4.in'] = '0+3';
    parent['normal.n4.op0'] = 'sep_conv_3x3';
    parent['normal.n4.op1'] = 'skip_connect';
    // Act
    const moves = architectureMoves(mixed, parent, 'normal.n4.in');
    // Assess: 0+3 -> 0+1, 0+2 (3 replaced) and 1+3, 2+3 (0 replaced); never 1+2 (two changes).
    expect(moves).toEqual([
      { 'normal.n4.in': '0+1', 'normal.n4.op0': 'sep_conv_3x3', 'normal.n4.op1': 'skip_connect' },
      { 'normal.n4.in': '0+2', 'normal.n4.op0': 'sep_conv_3x3', 'normal.n4.op1': 'skip_connect' },
      { 'normal.n4.in': '1+3', 'normal.n4.op0': 'sep_conv_3x3', 'normal.n4.op1': 'skip_connect' },
      { 'normal.n4.in': '2+3', 'normal.n4.op0': 'sep_conv_3x3', 'normal.n4.op1': 'skip_connect' },
    ]);
  });

  it('steps a macro field to an adjacent value', () => {
    // Prepare
    const parent = { ...mixed.sample(createRng(2)), 'net.s0.depth': 1, 'net.s0.kernel': 5 };
    // Act / Assess
    expect(architectureMoves(mixed, parent, 'net.s0.depth')).toEqual([{ 'net.s0.depth': 2 }]);
    expect(architectureMoves(mixed, parent, 'net.s0.kernel')).toEqual([{ 'net.s0.kernel': 3 }]);
  });

  it('never cuts the last path of a cell', () => {
    // Prepare: one path only, 0 -> 3 through skip.
    const ops = ['none', 'none', 'none', 'skip', 'none', 'none'];
    const parent = cellSpace.build((n) => nb201Ops.indexOf(ops[cellSpace.names.indexOf(n)]));
    // Act
    const moves = architectureMoves(cellSpace, parent, 'cell.e0_3');
    // Assess: every op but none (and the current skip).
    expect(moves.map((m) => m['cell.e0_3'])).toEqual(['conv1x1', 'conv3x3', 'avgpool3x3']);
  });
});

describe('samplers on architecture spaces', () => {
  const history = (space: SearchSpace, n: number): Observation[] => {
    const rng = createRng(5);
    return Array.from({ length: n }, () => {
      const params = space.sample(rng);
      return { params, score: toyScore(params), resource: 1 };
    });
  };

  for (const [name, sampler] of Object.entries(samplers)) {
    it(`${name} suggests usable configurations of a space with every architecture kind`, () => {
      // Prepare
      const obs = history(mixed, 24);
      // Act
      const configs = Array.from({ length: 4 }, (_, i) =>
        sampler.suggest({ space: mixed, observations: obs, pending: [], maxResource: 1, index: 24 + i, rng: createRng(i), seed: 3 }),
      );
      // Assess
      for (const c of configs) expect(mixed.problems(c)).toEqual([]);
    });
  }

  /** A sequential study: suggest, score, observe (what the workflow does, without the runtime). */
  function study(sampler: Sampler, n: number): Observation[] {
    const obs: Observation[] = [];
    for (let i = 0; i < n; i++) {
      const params = sampler.suggest({
        space: cellSpace,
        observations: obs,
        pending: [],
        maxResource: 1,
        index: i,
        rng: createRng(deriveSeed(7, i)),
        seed: 7,
        cache: new Map(),
      });
      obs.push({ params, score: toyScore(params), resource: 1 });
    }
    return obs;
  }

  for (const [label, sampler] of [
    ['evolution', evolutionSampler({ population: 10, sample: 3 })],
    ['arch-bo (one-hot)', archBoSampler({ candidates: 200 })],
    ['arch-bo (path encoding)', archBoSampler({ candidates: 200, cellEncoding: 'path' })],
  ] as const) {
    it(`${label} searches an NB-201 cell: usable, never repeated, better than its random start`, () => {
      // Act
      const obs = study(sampler, 30);
      // Assess
      for (const o of obs) expect(cellSpace.problems(o.params)).toEqual([]);
      expect(new Set(obs.map((o) => configKey(o.params))).size).toBe(obs.length);
      const best = (xs: Observation[]) => Math.max(...xs.map((o) => o.score));
      expect(best(obs)).toBeGreaterThan(best(obs.slice(0, 10)));
    });
  }
});
