import { describe, expect, it } from 'vitest';
import { architectureGraphs } from '../../dashboard/architecture-graphs.js';
import { parametersSchema } from '../../shared/space/schema.js';
import { makeGraph } from '../support/factories.js';

describe('architectureGraphs', () => {
  it('draws a cell, a DARTS cell and a macro space, and nothing for compound scaling', () => {
    // Prepare
    const small = parametersSchema.parse({
      cell: { type: 'cell', nodes: 3, ops: ['none', 'conv3x3', 'skip'] },
      d: { type: 'darts_cell', nodes: 1, ops: ['sep3', 'none'], inputs: 2 },
      net: {
        type: 'macro',
        stages: [
          { depth: [1, 3], width: [24, 40], kernel: [3, 5], expansion: [1, 6], se: [true, false] },
          { depth: 2, width: 80 },
        ],
      },
      scale: { type: 'compound_scaling', alpha: { min: 1, max: 1.2 }, beta: { min: 1, max: 1.1 } },
      lr: { type: 'float', min: 0, max: 1 },
    });
    const params = {
      lr: 0.1,
      'cell.e0_1': 'conv3x3',
      'cell.e0_2': 'none',
      'cell.e1_2': 'skip',
      'd.n2.in': '0+1',
      'd.n2.op0': 'sep3',
      'd.n2.op1': 'none',
      'net.s0.depth': 3,
      'net.s0.width': 40,
      'net.s0.kernel': 5,
      'net.s0.expansion': 6,
      'net.s0.se': true,
      'net.s1.depth': 2,
      'net.s1.width': 80,
      'net.s1.kernel': 3,
      'net.s1.expansion': 1,
      'net.s1.se': false,
      'scale.alpha': 1.1,
      'scale.beta': 1.05,
    };
    // Act
    const graphs = architectureGraphs(small, params);
    // Assess
    expect(graphs).toEqual([
      makeGraph(
        'cell',
        'cell',
        [['0', 'input'], '1', ['2', 'output']],
        [
          ['0', '1', 'conv3x3'],
          ['1', '2', 'skip'],
        ],
      ),
      makeGraph(
        'd',
        'darts_cell',
        [
          ['0', 'c_{k-2}'],
          ['1', 'c_{k-1}'],
          ['2', '0'],
          ['out', 'c_{k}'],
        ],
        [
          ['0', '2', 'sep3'],
          ['2', 'out', 'concat'],
        ],
      ),
      makeGraph(
        'net',
        'macro',
        [
          ['0', 'input'],
          ['1', 'stage 1'],
          ['2', 'output'],
        ],
        [
          ['0', '1', 'MBConv6 k5 ×3 w40 SE'],
          ['1', '2', 'MBConv1 k3 ×2 w80'],
        ],
      ),
    ]);
    expect(architectureGraphs({ lr: { type: 'float', min: 0, max: 1, scale: 'linear' } }, { lr: 0.5 })).toEqual([]);
  });
});
