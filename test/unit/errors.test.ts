/**
 * functions/core/errors.ts is the one list of error classes: no module under
 * functions/ defines one elsewhere, and every one is exported from it under its name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import * as errors from '../../functions/core/errors.js';

const root = join(import.meta.dirname, '../../functions');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

it('defines every error class of functions/ in functions/core/errors.ts', () => {
  const elsewhere = sources(root)
    .filter((f) => !f.endsWith(join('core', 'errors.ts')))
    .filter((f) => /\bclass \w+ extends \w*(Error|Failure)\b/.test(readFileSync(f, 'utf8')));
  expect(elsewhere).toEqual([]);
});

it('exports each class it defines, named as the class (what a log line shows)', () => {
  const defined = [
    ...readFileSync(join(root, 'core', 'errors.ts'), 'utf8').matchAll(/export class (\w+)/g),
  ].map((m) => m[1]!);
  expect(defined.length).toBeGreaterThanOrEqual(12);
  for (const name of defined) {
    const Class = (errors as Record<string, unknown>)[name] as new (...a: never[]) => Error;
    expect(Class.name).toBe(name);
    expect(Object.prototype.isPrototypeOf.call(Error.prototype, Class.prototype)).toBe(true);
  }
});
