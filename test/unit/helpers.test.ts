import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { helpers } from '../../server/views/helpers.js';

/** Handlebars passes an options object last; helpers called from templates get one. */
const options = {} as Handlebars.HelperOptions;

describe('Handlebars helpers, one by one', () => {
  it.each([
    [1, 1, true],
    ['1', 1, false],
    [null, undefined, false],
  ])('eq(%j, %j) → %s', (a, b, result) => expect(helpers.eq(a, b)).toBe(result));

  it('or is true when any argument is (the options object does not count)', () => {
    expect(helpers.or(0, '', options)).toBe(false);
    expect(helpers.or(0, 'x', options)).toBe(true);
  });

  it('not negates', () => {
    expect(helpers.not(0)).toBe(true);
    expect(helpers.not('x')).toBe(false);
  });

  it.each([
    [62.4, '62'],
    [0, '0'],
    [null, '–'],
    [Number.NaN, '–'],
    ['62', '–'],
  ])('score(%j) → %s', (value, shown) => expect(helpers.score(value)).toBe(shown));

  it.each([
    [2.5, '2.5'],
    [0, '0'],
    [null, '–'],
    [undefined, '–'],
  ])('orDash(%j) → %s', (value, shown) => expect(helpers.orDash(value)).toBe(shown));

  it.each([
    [0.75, '75%'],
    [0, '0%'],
    [undefined, '–'],
  ])('percent(%j) → %s', (value, shown) => expect(helpers.percent(value)).toBe(shown));

  it('plural picks the word by the count', () => {
    expect(helpers.plural(1, 'answer', 'answers')).toBe('1 answer');
    expect(helpers.plural(3, 'answer', 'answers')).toBe('3 answers');
    expect(helpers.plural(0, 'answer', 'answers')).toBe('0 answers');
  });

  it('json is a string for a data attribute (escaped by {{ }} in the template)', () => {
    expect(helpers.json({ a: '<b>' })).toBe('{"a":"<b>"}');
    expect(helpers.json(undefined)).toBe('null');
  });

  it.each([
    [{ kind: 'rating', value: 3 }, '3'],
    [{ kind: 'not_applicable' }, 'na'],
    [{ kind: 'dont_know' }, 'dontknow'],
    [undefined, ''],
    ['3', ''],
  ])('choiceOf(%j) → %j', (answer, value) => expect(helpers.choiceOf(answer)).toBe(value));

  it('join and add', () => {
    expect(helpers.join(['a', 'b'], ' · ')).toBe('a · b');
    expect(helpers.join('a', ', ')).toBe('');
    expect(helpers.add(2, 1)).toBe(3);
  });
});

function templates(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? templates(full) : name.endsWith('.hbs') ? [full] : [];
  });
}

describe('templates never call a helper where they mean a field', () => {
  // `{{percent}}` with no argument calls the helper, not the `percent` field beside it:
  // every distribution bar once showed "–" that way.
  const views = path.resolve(import.meta.dirname, '../../views');
  const names = Object.keys(helpers).join('|');
  const bare = new RegExp(`\\{\\{\\s*(${names})\\s*\\}\\}`, 'g');
  it.each(templates(views).map((file) => [path.relative(views, file), file]))('%s', (_name, file) => {
    expect(readFileSync(file, 'utf8').match(bare) ?? []).toEqual([]);
  });
});
