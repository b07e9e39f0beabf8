import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.js';
import { openApiDocument, openApiFile, renderOpenApi } from '../../functions/api/openapi.js';
import { MemoryStore } from '../../shared/store/memory.js';

describe('docs/openapi.json', () => {
  it('is what `npm run openapi` generates from the zod schemas now', () => {
    expect(readFileSync(openApiFile, 'utf8'), 'docs/openapi.json is out of date: run `npm run openapi`').toBe(renderOpenApi());
  });

  it('documents every route the API serves, and no other', () => {
    // Prepare
    const api = createApi({
      service: { store: new MemoryStore(), now: () => new Date(), random: Math.random },
      starter: { start: async () => undefined },
      identify: () => ({ team: 't', kind: 'person' }),
      publicUrl: () => undefined,
    });
    // Act
    const served = api.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(openApiDocument().paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    // Assess
    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });

  it('describes request bodies with the schemas the API validates with', () => {
    const doc = openApiDocument();
    const spec = doc.components.schemas.StudySpec as { required: string[]; properties: Record<string, any> };
    expect(spec.required).toEqual(expect.arrayContaining(['name', 'parameters', 'limits', 'trial']));
    // One objective or several (a Pareto study): one of the two is required.
    expect((spec as any).anyOf).toEqual([{ required: ['objective'] }, { required: ['objectives'] }]);
    expect(spec.properties.strategy.properties.execution.enum).toEqual(['workflow', 'external']);
    expect((doc.components.schemas.SuggestRequest as any).required).toEqual(['clientId']);
  });
});
