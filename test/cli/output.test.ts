import { describe, expect, it } from 'vitest';
import { importanceText, paretoText, plural, studiesTable, trialsTable } from '../../cli/output.js';

describe('CLI tables', () => {
  it('are plain text, without ANSI colour codes, so that piped output stays clean', () => {
    // Act
    const texts = [
      trialsTable([{ trialId: '0', state: 'COMPLETE', bracket: 0, rung: 0, resource: 1, value: 0.5, params: { lr: 0.1 } }], 'acc'),
      studiesTable([{ studyId: 's-1', name: 's', state: 'COMPLETED', createdAt: '2025-01-01T00:00:00Z', best: { value: 1 } }]),
      importanceText({ n: 1, parameters: [{ name: 'lr', importance: 0.2, share: 1, effects: [{ value: 0.1, mean: 0.5, count: 1 }] }] }),
      paretoText({
        objectives: [{ metric: 'acc', goal: 'maximize' }],
        reference: { acc: 0 },
        front: [{ trialId: '0', params: { lr: 0.1 }, values: { acc: 0.5 } }],
        dominated: [],
        infeasible: [],
      }),
    ];
    // Assess
    for (const text of texts) {
      expect(text).toContain('│');
      expect(text).not.toContain('\u001b[');
    }
  });

  it('counts in the singular for one', () => {
    expect(plural(1, 'trial')).toBe('1 trial');
    expect(plural(0, 'trial')).toBe('0 trials');
    expect(plural(2, 'parameter')).toBe('2 parameters');
    expect(importanceText({ n: 1, parameters: [] })).toMatch(/^1 result;/);
  });
});
