import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/redact.js';
import { CLIENT_VERSION } from './client.js';

export interface ClusterInfo {
  version: string;
  buildFlavor?: string;
}

export class PreflightError extends Error {
  override name = 'PreflightError';
}

/**
 * The cluster's version. `GET /` is the usual source; the x-pack-less test
 * distribution has no handler for it, so fall back to the local node's info.
 */
export async function clusterInfo(client: Client): Promise<ClusterInfo> {
  try {
    // One attempt each: the caller's wait loop does the retrying.
    const info = await client.info({}, { maxRetries: 0 });
    return { version: info.version.number, buildFlavor: info.version.build_flavor };
  } catch (err) {
    if (!(err instanceof errors.ResponseError) || ![404, 405].includes(err.statusCode ?? 0)) throw err;
  }
  const nodes = await client.nodes.info({ node_id: '_local', metric: '_none', filter_path: 'nodes.*.version' }, { maxRetries: 0 });
  const version = Object.values(nodes.nodes ?? {})[0]?.version;
  if (!version) throw new PreflightError('Elasticsearch did not report its version');
  return { version };
}

/** Credentials and certificates will not fix themselves: stop waiting at once. */
function isFatal(err: unknown): boolean {
  if (err instanceof errors.ResponseError) return err.statusCode === 401 || err.statusCode === 403;
  if (err instanceof errors.ConnectionError) return /certificate|self.signed|CERT_/i.test(err.message);
  return false;
}

export async function waitForElasticsearch(
  client: Client,
  log: Logger,
  maxWaitMs: number,
  signal?: AbortSignal,
): Promise<ClusterInfo> {
  const started = Date.now();
  let delay = 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await clusterInfo(client);
    } catch (err) {
      if (isFatal(err)) throw new PreflightError(`Elasticsearch refused the service: ${describeEsError(err)}`);
      const waited = Date.now() - started;
      if (waited + delay > maxWaitMs || signal?.aborted) {
        throw new PreflightError(`Elasticsearch not reachable after ${Math.round(waited / 1000)} s: ${describeEsError(err)}`);
      }
      log.warn({ attempt, retryInMs: delay }, `waiting for Elasticsearch: ${describeEsError(err)}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }
}

export interface VersionCheck {
  ok: boolean;
  warning?: string;
  error?: string;
}

/** Majors must match and the server's minor may not be older (D.9); newer minors and patch differences warn. */
export function checkVersion(serverVersion: string, clientVersion = CLIENT_VERSION): VersionCheck {
  const [sMaj, sMin, sPatch] = serverVersion.split(/[.-]/).map(Number);
  const [cMaj, cMin, cPatch] = clientVersion.split(/[.-]/).map(Number);
  if (sMaj !== cMaj) {
    return {
      ok: false,
      error: `Elasticsearch ${serverVersion} is not supported by client ${clientVersion}: the major versions must match (set ALLOW_ES_VERSION_MISMATCH=true to try anyway)`,
    };
  }
  if ((sMin ?? 0) < (cMin ?? 0)) {
    // D.9: a server older than the service may lack what the service relies on.
    return {
      ok: false,
      error: `Elasticsearch ${serverVersion} is older than client ${clientVersion}: upgrade Elasticsearch to ${cMaj}.${cMin} or later (set ALLOW_ES_VERSION_MISMATCH=true to try anyway)`,
    };
  }
  if (sMin !== cMin || sPatch !== cPatch) {
    return { ok: true, warning: `Elasticsearch ${serverVersion} differs from client ${clientVersion} in minor or patch version` };
  }
  return { ok: true };
}

export async function preflight(
  client: Client,
  log: Logger,
  opts: { maxWaitMs: number; allowVersionMismatch: boolean; signal?: AbortSignal },
): Promise<ClusterInfo> {
  const info = await waitForElasticsearch(client, log, opts.maxWaitMs, opts.signal);
  // Serverless has no versions to compare (D.9).
  const check = info.buildFlavor === 'serverless' ? { ok: true } : checkVersion(info.version);
  if (!check.ok) {
    if (!opts.allowVersionMismatch) throw new PreflightError(check.error);
    log.warn(check.error);
  } else if (check.warning) {
    log.warn(check.warning);
  }
  log.info({ elasticsearch: { version: info.version }, client: CLIENT_VERSION }, `connected to Elasticsearch ${info.version}`);
  return info;
}

/** A short, secret-free description of an Elasticsearch client error. */
export function describeEsError(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.body as { error?: { type?: string; reason?: string } } | undefined;
    const reason = body?.error?.reason ?? body?.error?.type ?? err.message;
    return errorMessage(`${err.statusCode ?? ''} ${reason}`.trim());
  }
  return errorMessage(err);
}
