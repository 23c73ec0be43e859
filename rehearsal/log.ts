/** Progress lines on stderr, each with its UTC time. */
export type Log = (message: string) => void;

export const stderrLog: Log = (message) => {
  process.stderr.write(`[${new Date().toISOString()}] ${message}\n`);
};

export const silentLog: Log = () => {};
