/** The gate between two broker restarts: is it safe to restart the next one? (docs/gate.md) */
export * from './check.js';
export * from './gather.js';
export * from './live-file.js';
export * from './wait.js';
