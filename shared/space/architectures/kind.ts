import type { z } from 'zod';
import type { FlatParametersSpec, Params } from '../flat-parameters.js';

/** A problem of a spec that zod's field rules cannot see; the path is relative to the parameter. */
export interface ArchitectureIssue {
  path: (string | number)[];
  message: string;
}

/** A composed value read back into the architecture it names, or why it does not name one of the space. */
export type ParsedArchitecture<V> = { ok: true; value: V } | { ok: false; message: string };

/** The zod schema of an architecture parameter: an object told apart by its `type` literal. */
export type ArchitectureSchema = z.ZodType<{ type: string; when?: unknown }> & z.core.$ZodTypeDiscriminable;

/**
 * One kind of architecture parameter (cell, darts_cell, macro, compound_scaling): its schema, how
 * it expands into flat dimensions, how the values of those dimensions compose into the architecture
 * a job builds, which compositions are unusable and how they are repaired. A new kind is one module
 * implementing this and one entry in the registry (shared/space/architecture.ts).
 *
 * `name` is the parameter's name; `params` a configuration holding its flat dimensions.
 */
export interface ArchitectureKind<Schema extends ArchitectureSchema, V extends { kind: z.output<Schema>['type'] }> {
  readonly type: z.output<Schema>['type'];
  /** The parameter as a spec declares it (a member of schema.ts's discriminated union). */
  readonly schema: Schema;
  /** The flat dimensions, in a fixed order, without the parameter's `when` (the registry adds it). */
  expand(name: string, spec: z.output<Schema>): FlatParametersSpec;
  /**
   * Whether the spec is within zod's size rules, so that it may be expanded while validating: a
   * refinement runs even when those rules failed.
   */
  expandable(spec: z.output<Schema>): boolean;
  /** The architecture held by the flat dimensions of `params`; undefined when one is missing. */
  read(name: string, spec: z.output<Schema>, params: Params): V | undefined;
  /** The value a job receives under the parameter's own name. */
  compose(value: V): string;
  /** The inverse of `compose`: form and choices are checked, usability is left to `defect`. */
  parse(spec: z.output<Schema>, composed: string): ParsedArchitecture<V>;
  /** The flat dimensions that hold `value` (the inverse of `read`). */
  dimensions(name: string, spec: z.output<Schema>, value: V): Params;
  /** Why the architecture cannot be built, or undefined when it can. */
  defect(spec: z.output<Schema>, value: V): string | undefined;
  /** Makes the dimensions of an architecture with a defect usable, in place, deterministically. */
  repair(name: string, spec: z.output<Schema>, value: V, params: Params): void;
  /** Problems of the spec beyond zod's field rules (besides the name rules every kind shares). */
  problems(spec: z.output<Schema>): ArchitectureIssue[];
}
