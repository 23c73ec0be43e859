/**
 * What an integration group needs and may not find: a tool that `npm test`
 * installs (moto, Chromium, toxiproxy, the build) or one a user's machine may
 * lack. A group may skip for it on a person's machine, saying why; never under
 * CI=true, where the missing tool fails the file, so CI cannot pass by skipping.
 */

/** True when the group is to skip for `missing` (why it cannot run, or null); throws under CI=true. */
export function skipWithout(missing: string | null): boolean {
  if (missing === null) return false;
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true and ${missing}: under CI every integration group runs, none skips. Install what is missing (npm test does: scripts/install-test-tools.sh, scripts/python-tools.sh, npm run build).`,
    );
  }
  return true;
}

/** `why` when `present` is false, else null: the argument skipWithout takes. */
export function missingUnless(present: boolean, why: string): string | null {
  return present ? null : why;
}
