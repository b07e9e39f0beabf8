import { expect } from 'vitest';
import { InvalidInputError, type Issue } from '../../shared/errors.js';
import type { ArchitectureGraph } from '../../dashboard/architecture-graphs.js';
import { parseStudySpec, type StudySpec } from '../../shared/study/spec.js';
import type { Measurement, Study, Trial } from '../../shared/study/types.js';

/** Test fixtures: valid by default, every field overridable. */

export const minimalSpecInput = {
  name: 'demo',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { lr: { type: 'float', min: 0.001, max: 0.1, scale: 'log' } },
  limits: { maxTrials: 4 },
  trial: { command: ['node', 'train.js'] },
} as const;

/** The issues a spec is rejected with; fails the test if the spec is accepted or rejected otherwise. */
export function specIssues(input: unknown): Issue[] {
  try {
    parseStudySpec(input);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).issues;
  }
  throw new Error('expected the spec to be rejected');
}

export function makeSpec(): StudySpec {
  return parseStudySpec(structuredClone(minimalSpecInput));
}

export function makeStudy(overrides: Partial<Study> = {}): Study {
  return {
    team: 'team-a',
    studyId: 'study-1',
    name: 'demo',
    spec: makeSpec(),
    state: 'PENDING',
    seed: 42,
    attempt: 0,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    version: 0,
    ...overrides,
  };
}

/** `number` and `trialId` follow each other unless both are given. */
export function makeTrial(overrides: Partial<Trial> = {}): Trial {
  const number = overrides.number ?? (overrides.trialId !== undefined ? Number(overrides.trialId) : 0);
  return {
    team: 'team-a',
    studyId: 'study-1',
    trialId: String(number),
    number,
    bracket: 0,
    rung: 0,
    params: { lr: 0.01 },
    state: 'WAITING',
    resource: 0,
    rungValues: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    version: 0,
    ...overrides,
  };
}

export function makeMeasurement(overrides: Partial<Measurement> = {}): Measurement {
  return {
    team: 'team-a',
    studyId: 'study-1',
    trialId: '0',
    step: 1,
    metrics: { acc: 0.5 },
    at: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** An architecture graph written as rows: nodes `[id, label]` (or an id that is its own label), edges `[from, to, op]`. */
export function makeGraph(
  parameter: string,
  kind: ArchitectureGraph['kind'],
  nodes: (string | [string, string])[],
  edges: [string, string, string][],
): ArchitectureGraph {
  return {
    parameter,
    kind,
    nodes: nodes.map((n) => (typeof n === 'string' ? { id: n, label: n } : { id: n[0], label: n[1] })),
    edges: edges.map(([from, to, op]) => ({ from, to, op })),
  };
}
