/** A run's history as the tests read it back: the gzip file's records, and a record's identity. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type Rec = Record<string, unknown> & { type: string };

export function readHistory(path: string): Rec[] {
  return gunzipSync(readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Rec);
}

/** `partition/seq` of a produce, log or consume record. */
export function identity(r: Rec): string {
  return `${String(r.producer)}/${String(r.partition)}/${String(r.seq)}`;
}
