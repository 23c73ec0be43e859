/** Reading the logs the cluster's processes write: tails for error messages, new output since an offset. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** The last `n` lines of a file, for error messages. */
export function tail(file: string, n = 15): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 16_384);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    readSync(fd, buffer, 0, length, size - length);
    closeSync(fd);
    return buffer.toString().trim().split('\n').slice(-n).join('\n    ');
  } catch {
    return '(no log)';
  }
}

export function readFrom(file: string, offset: number): string {
  try {
    const size = statSync(file).size;
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    const fd = openSync(file, 'r');
    readSync(fd, buffer, 0, buffer.length, offset);
    closeSync(fd);
    return buffer.toString();
  } catch {
    return '';
  }
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
