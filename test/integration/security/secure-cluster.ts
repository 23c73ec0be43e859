/**
 * A secured local cluster of the security tests' own (CLIENT listener TLS or SASL/SCRAM
 * over TLS), started through the CLI once per test file, and the CLI commands run in
 * this process with everything they print captured (stdout and stderr).
 */
import { readFileSync } from 'node:fs';

import { vi } from 'vitest';

import { commands } from '../../../bin/commands/index.js';
import { InputError } from '../../../functions/core/errors.js';
import {
  checkSecurityOptions,
  Secret,
  type SecurityOptions,
} from '../../../functions/core/kafka/security.js';
import { stderrLog, stop, type ClusterStatus } from '../../../rehearsal/index.js';
import { claimState, TEST_CLUSTER_PORTS, testStatePath } from '../helpers.js';

export interface SecureCluster {
  status: Required<Pick<ClusterStatus, 'security'>> & ClusterStatus;
  statePath: string;
  /** The client options a canary would use (CA file, user, password from the file). */
  clientSecurity(more?: { saslMechanism?: string }): SecurityOptions;
  stop(): Promise<void>;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kafka-upgrade-verifier NAME ARGS` in this process; a usage error is exit 2, as in the binary. */
export async function cli(name: string, args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await commands[name]!.run(args);
    return { code, stdout, stderr };
  } catch (error) {
    if (error instanceof InputError) return { code: 2, stdout, stderr: stderr + error.message };
    throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

export async function startSecureCluster(protocol: 'tls' | 'sasl-scram'): Promise<SecureCluster> {
  const statePath = testStatePath(`security-${protocol}-state.json`);
  const release = claimState(statePath);
  try {
    await stop(statePath, { log: stderrLog });
    const began = Date.now();
    const { portBase, dnsPort } = TEST_CLUSTER_PORTS.secure;
    const run = await cli('local-cluster', [
      'start',
      '--security',
      protocol,
      '--port-base',
      String(portBase),
      '--dns-port',
      String(dnsPort),
      '--state',
      statePath,
      '--json',
    ]);
    if (run.code !== 0) throw new Error(`local-cluster start failed (${run.code}): ${run.stderr}`);
    stderrLog(`${protocol} cluster ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    const status = JSON.parse(run.stdout) as SecureCluster['status'];
    return {
      status,
      statePath,
      clientSecurity: (more = {}) =>
        checkSecurityOptions({
          security: protocol,
          caFile: status.security.caFile,
          ...(status.security.saslPasswordFile === undefined
            ? {}
            : {
                saslUsername: status.security.saslUsername,
                saslPassword: new Secret(readFileSync(status.security.saslPasswordFile, 'utf8')),
                saslMechanism: more.saslMechanism,
              }),
        }),
      async stop() {
        try {
          const stopped = Date.now();
          await stop(statePath, { log: stderrLog });
          stderrLog(
            `${protocol} cluster stopped in ${((Date.now() - stopped) / 1000).toFixed(1)} s`,
          );
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    await stop(statePath, { log: stderrLog }).catch(() => {});
    release();
    throw error;
  }
}
