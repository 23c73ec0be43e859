/**
 * uPlot's browser build and stylesheet, read from the installed `uplot`
 * package when a page is rendered (resolved from this module, so it works from
 * a checkout and from an installed package alike). The one piece of the report
 * that touches the file system; read once per process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { VerifierError } from '../errors.js';
import type { PageAssets } from './html.js';

let cached: Promise<PageAssets> | null = null;

async function read(): Promise<PageAssets> {
  const require = createRequire(import.meta.url);
  try {
    const [uplotJs, uplotCss] = await Promise.all([
      readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    ]);
    return { uplotJs, uplotCss };
  } catch (error) {
    throw new VerifierError(
      `report: cannot read uPlot's browser files (uplot/dist/uPlot.iife.min.js, uPlot.min.css): ${(error as Error).message}. ` +
        'Install the package with its dependencies (npm ci); a bundled Lambda must ship the uplot package (or pass the assets in).',
      { cause: error },
    );
  }
}

/** uPlot's files as text; the same promise on every call after a successful read. */
export function loadPageAssets(): Promise<PageAssets> {
  const loading = (cached ??= read());
  loading.catch(() => {
    if (cached === loading) cached = null;
  });
  return loading;
}
