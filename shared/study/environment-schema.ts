import * as z from 'zod';

/** Environment variables a study adds to its jobs; the job contract's RUNG_* names stay reserved. */
export const jobEnvironmentSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string().max(4096))
  .refine((env) => Object.keys(env).every((k) => !k.startsWith('RUNG_')), 'RUNG_* variables are reserved for the job contract')
  .default({});
