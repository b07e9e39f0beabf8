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

  it('are compact: a rule under the header only, one line per row (53 lines for 49 trials)', () => {
    // Prepare
    const trials = Array.from({ length: 49 }, (_, i) => ({
      trialId: String(i),
      state: 'COMPLETE',
      bracket: 0,
      rung: 0,
      resource: 1,
      value: i / 100,
      params: { lr: 0.1 },
    }));
    const studies = Array.from({ length: 3 }, (_, i) => ({
      studyId: `s-${i}`,
      name: 's',
      state: 'COMPLETED',
      createdAt: '2025-01-01T00:00:00Z',
    }));
    // Act
    const trialLines = trialsTable(trials, 'acc').split('\n');
    const studyLines = studiesTable(studies).split('\n');
    // Assess: top border, header, header rule, the rows, bottom border.
    expect(trialLines).toHaveLength(49 + 4);
    expect(trialLines[2]).toMatch(/^├─/);
    expect(trialLines.slice(3, -1).every((l) => l.startsWith('│ '))).toBe(true);
    expect(studyLines).toHaveLength(3 + 4);
    expect(studyLines.filter((l) => l.startsWith('├'))).toHaveLength(1);
  });

  it('counts in the singular for one', () => {
    expect(plural(1, 'trial')).toBe('1 trial');
    expect(plural(0, 'trial')).toBe('0 trials');
    expect(plural(2, 'parameter')).toBe('2 parameters');
    expect(importanceText({ n: 1, parameters: [] })).toMatch(/^1 result;/);
  });
});
