
/**
 * Handlebars helpers. Each returns plain strings: Handlebars escapes them in
 * `{{ }}`, and no helper builds HTML, so nothing here can bypass escaping.
 */
export const helpers = {
  /** `{{#if (eq a b)}}` */
  eq: (a: unknown, b: unknown): boolean => a === b,
  /** `{{#if (or a b)}}` */
  or: (...args: unknown[]): boolean => args.slice(0, -1).some(Boolean),
  /** `{{#if (not a)}}` */
  not: (a: unknown): boolean => !a,
  /** A 0–100 score for display: "62" or "–" when there is none. */
  score: (value: unknown): string =>
    typeof value === 'number' && Number.isFinite(value) ? String(Math.round(value)) : '–',
  /** A number as it is, or "–" when there is none: `{{orDash median}}`. */
  orDash: (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? String(value) : '–'),
  /** A 0–1 share as a whole percentage: "75%". */
  percent: (value: unknown): string =>
    typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value * 100)}%` : '–',
  /** `{{plural n "answer" "answers"}}` → "1 answer", "3 answers". */
  plural: (n: unknown, one: string, many: string): string => `${String(n)} ${n === 1 ? one : many}`,
  /** JSON for a data attribute; `{{ }}` escapes it for the attribute. */
  json: (value: unknown): string => JSON.stringify(value ?? null),
  /** The form value of a stored answer: "3", "na" or "dontknow" (empty when there is none). */
  choiceOf: (answer: unknown): string => {
    if (!answer || typeof answer !== 'object') return '';
    const a = answer as { kind?: string; value?: number };
    if (a.kind === 'rating') return String(a.value);
    if (a.kind === 'not_applicable') return 'na';
    if (a.kind === 'dont_know') return 'dontknow';
    return '';
  },
  /** `{{join list ", "}}` */
  join: (items: unknown, separator: unknown): string =>
    Array.isArray(items) ? items.map(String).join(typeof separator === 'string' ? separator : ', ') : '',
  /** `{{concat a b}}`: strings joined, for a partial's argument. */
  concat: (...args: unknown[]): string => args.slice(0, -1).map(String).join(''),
  /** `{{#if (isNumber x)}}`: a finite number (0 included). */
  isNumber: (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value),
  /** `{{#if (includes list item)}}` */
  includes: (items: unknown, item: unknown): boolean => Array.isArray(items) && items.includes(item),
  /** `{{add index 1}}` */
  add: (a: unknown, b: unknown): number => Number(a) + Number(b),
} satisfies Record<string, (...args: any[]) => unknown>;
