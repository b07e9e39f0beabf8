/**
 * DynamoDB's item size limit and its way of counting: each attribute's name and value in UTF-8,
 * a number by its significant digits, and a few bytes per list or map and per element. rung
 * keeps every record in one item, so the in-memory store checks the same bound as DynamoDB and
 * dynalite, and a test on either store sees the same refusal.
 */
export const maxItemBytes = 400 * 1024;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Size of one attribute value (AWS: "Item sizes and formats"). */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length;
    return Math.ceil(Math.max(1, digits) / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueBytes(v), 0);
  if (typeof value === 'object') return 3 + itemBytes(value as Record<string, unknown>) + Object.keys(value).length;
  return utf8(String(value));
}

/** Size of an item: the names and values of its attributes (undefined ones are not stored). */
export function itemBytes(item: Record<string, unknown>): number {
  let n = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) n += utf8(name) + valueBytes(value);
  return n;
}
