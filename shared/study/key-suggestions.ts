import { closest, distance } from 'fastest-levenshtein';
import type * as z from 'zod';

/** The zod internals this walks: each schema kind keeps its parts in `_zod.def`. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas a value at `path` may have to match (through optional, default, pipes, unions, arrays and records). */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[], depth = 0): Def[] {
  if (depth > 64) return [];
  const def = defOf(schema);
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? def.getter?.() : undefined);
  if (inner) return objectsAt(inner, path, depth + 1);
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => objectsAt(o, path, depth + 1));
  if (def.type === 'intersection') return [def.left, def.right].flatMap((s) => (s ? objectsAt(s, path, depth + 1) : []));
  if (path.length === 0) return def.type === 'object' ? [def] : [];
  const [head, ...rest] = path;
  if (def.type === 'object') {
    const field = def.shape?.[String(head)];
    return field ? objectsAt(field, rest, depth + 1) : [];
  }
  if (def.type === 'array' && def.element) return objectsAt(def.element, rest, depth + 1);
  if (def.type === 'record' && def.valueType) return objectsAt(def.valueType, rest, depth + 1);
  return [];
}

/**
 * The key `schema` accepts at `path` that `key` most likely misspells, if one is close enough (an
 * edit distance of at most a third of its length, rounded up): `schedular` → `scheduler`, `scael` → `scale`.
 */
export function suggestKey(schema: z.ZodType, path: readonly PropertyKey[], key: string): string | undefined {
  const known = [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))];
  if (known.length === 0) return undefined;
  const best = closest(key, known);
  const allowed = Math.max(1, Math.ceil(key.length / 3));
  return distance(key, best) <= allowed && best !== key ? best : undefined;
}
