import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS, JOBS_ALIAS } from '../../src/protocol/indices.js';

/** Test doubles of a hostile network: servers that misbehave on purpose in front of (or instead of) PostgreSQL. */

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Accepts connections and never sends a byte: only a client-side timeout ends the wait. */
export async function silentServer(): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  return { port: await listen(server), close: closer(server, sockets) };
}

function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hostile-tls-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** A CA certificate (PEM) of its own: trusting it vouches for no server here. */
export function selfSignedCa(): string {
  return selfSigned().cert;
}

/**
 * Speaks PostgreSQL's SSLRequest answer ("S") and then TLS with a self-signed
 * certificate no client CA vouches for.
 */
export async function untrustedTlsServer(): Promise<TestServer> {
  const context = tls.createSecureContext(selfSigned());
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('error', () => undefined);
    raw.on('close', () => sockets.delete(raw));
    raw.once('data', () => {
      raw.write('S');
      const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
      secure.on('error', () => undefined);
    });
  });
  return { port: await listen(server), close: closer(server, sockets) };
}

/**
 * A TCP relay to PostgreSQL that can be frozen: while frozen it keeps every
 * connection open and passes nothing in either direction, as a hung server or
 * a black-holed network would. `freezeOn(text)` freezes at the first client
 * message containing `text` (that message is held back too).
 */
export async function freezableRelay(
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<TestServer & { freezeOn(text: string): void; thaw(): void }> {
  let trigger: Buffer | undefined;
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const forward = (from: net.Socket, to: net.Socket, watch: boolean) =>
      from.on('data', (chunk: Buffer) => {
        if (watch && trigger && chunk.includes(trigger)) frozen = true;
        if (frozen) held.push(() => to.write(chunk));
        else to.write(chunk);
      });
    forward(client, upstream, true);
    forward(upstream, client, false);
  });
  return {
    port: await listen(server),
    close: closer(server, sockets),
    freezeOn(text) {
      trigger = Buffer.from(text);
    },
    thaw() {
      trigger = undefined;
      frozen = false;
      for (const send of held.splice(0)) send();
    },
  };
}

/** Where a secret was found: a log line or a document field path. */
export interface SecretHit {
  secret: string;
  where: string;
}

/**
 * Every place a secret shows up in the service's log lines and in the
 * connector and job documents of `connectorIds`. Configuration values are
 * the one place a secret belongs (the protocol stores them there, and a job
 * keeps a copy of its connector's), so those are skipped.
 */
export async function findSecrets(client: Client, secrets: string[], lines: string[], connectorIds: string[]): Promise<SecretHit[]> {
  const hits: SecretHit[] = [];
  const scan = (text: string, where: string) => {
    for (const secret of secrets) if (text.includes(secret)) hits.push({ secret, where });
  };
  lines.forEach((l, i) => scan(l, `log line ${i + 1}: ${l.slice(0, 160)}`));
  await client.indices.refresh({ index: [CONNECTORS_ALIAS, JOBS_ALIAS] });
  const connectors = await client.search<Record<string, unknown>>({ index: CONNECTORS_ALIAS, query: { ids: { values: connectorIds } }, size: connectorIds.length });
  const jobs = await client.search<Record<string, unknown>>({ index: JOBS_ALIAS, query: { terms: { 'connector.id': connectorIds } }, size: 10_000 });
  for (const hit of [...connectors.hits.hits, ...jobs.hits.hits]) {
    const doc = structuredClone(hit._source ?? {});
    delete doc.configuration;
    delete (doc.connector as Record<string, unknown> | undefined)?.configuration;
    scan(JSON.stringify(doc), `${hit._index}/${hit._id}`);
  }
  return hits;
}

/** Samples `url` every `everyMs` and keeps the slowest answer (or the longest run of failures). */
export function responsiveness(url: string, everyMs = 100): { stop(): Promise<{ samples: number; worstMs: number; worstAt: string }> } {
  let running = true;
  let worstMs = 0;
  /** When the slowest request was sent: to find the service's log lines of that moment. */
  let worstAt = '';
  let samples = 0;
  const loop = (async () => {
    while (running) {
      const sentAt = new Date().toISOString();
      const t0 = performance.now();
      const ok = await fetch(url, { signal: AbortSignal.timeout(30_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) samples++;
      const ms = performance.now() - t0;
      if (ms > worstMs) [worstMs, worstAt] = [ms, sentAt];
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, worstMs: Math.round(worstMs), worstAt };
    },
  };
}
