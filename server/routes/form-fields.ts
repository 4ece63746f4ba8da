/**
 * HTML forms read one value per field, as a person typed it. A field sent more than once (a
 * crafted or broken request) keeps its last value, and NUL characters (which PostgreSQL text
 * cannot hold) are removed; each such change is reported per field, so the route re-renders its
 * form with what was typed and a message instead of failing with a generic error page.
 */
export function singleValues(
  body: unknown,
  fields: readonly string[],
): { form: Record<string, unknown>; problems: Map<string, string> } {
  const source = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const form: Record<string, unknown> = { ...source };
  const problems = new Map<string, string>();
  for (const field of fields) {
    let value = source[field];
    if (Array.isArray(value)) {
      value = value.filter((v) => typeof v === 'string').at(-1);
      problems.set(field, 'This field was sent more than once; the last value is kept. Check it and submit again.');
    }
    if (typeof value === 'string' && value.includes('\u0000')) {
      value = value.replaceAll('\u0000', '');
      problems.set(field, 'This contained an invisible character that cannot be stored; it has been removed. Check it and submit again.');
    }
    if (value === undefined) delete form[field];
    else form[field] = value;
  }
  return { form, problems };
}
