import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_CHARS } from '../../src/es/search.js';
import { connectorSummary, highlightSegments, titleField } from '../../src/http/status/api.js';
import { newConnectorDoc, newJobDoc } from '../../src/protocol/documents.js';
import { CONNECTORS_ALIAS, JOBS_ALIAS } from '../../src/protocol/indices.js';
import { createFakeConnector, jobsOf, serviceTestContext, startService, store, uniqueId, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';
import { REPO_ROOT } from '../helpers/services.js';

// The status page in a real headless browser: Debian's chromium driven by puppeteer-core.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const SCREENSHOT = path.join(ARTIFACTS, 'status-page.png');

/** The browser, installed first where this machine can (root with apt: scripts/browser.sh). */
function findChromium(): string | null {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  spawnSync(path.join(REPO_ROOT, 'scripts/browser.sh'), { stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: CHROMIUM } });
  return existsSync(CHROMIUM) ? CHROMIUM : null;
}
const chromium = findChromium();
if (!chromium) {
  console.warn(`status-page browser tests SKIPPED: ${CHROMIUM} is missing and could not be installed here (run scripts/browser.sh as root, or set CHROMIUM_PATH)`);
}

const STATUS_LINE = /status page on http:\/\/[^\s"]+:(\d+)\//;

async function baseUrl(proc: ServiceProcess): Promise<string> {
  const line = await proc.waitForLog(STATUS_LINE, 90_000);
  return `http://127.0.0.1:${STATUS_LINE.exec(line)![1]}`;
}

async function call(base: string, route: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: Record<string, unknown>; text: string }> {
  const res = await fetch(base + route, init);
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON (the page itself, or an empty 405).
  }
  return { status: res.status, type: res.headers.get('content-type'), body, text };
}

const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** The service answers /api/status with every connector it was given. */
async function serving(base: string, ids: string[]): Promise<void> {
  await waitFor(
    `status page listing ${ids.join(', ')}`,
    async () => {
      const r = await call(base, '/api/status');
      const listed = (r.body.connectors as { id: string }[] | undefined)?.map((c) => c.id) ?? [];
      return r.status === 200 && ids.every((id) => listed.includes(id));
    },
    90_000,
  );
}

const indexedCount = (page: Page, selector: string) => page.$eval(selector, (e) => Number(e.getAttribute('data-count')));
/** Page-side expressions (this file is compiled without the DOM library). */
const countAbove = (selector: string, n: number) => `Number(document.querySelector(${JSON.stringify(selector)})?.getAttribute('data-count') ?? -1) > ${n}`;
const attributeIs = (selector: string, name: string, value: string) =>
  `document.querySelector(${JSON.stringify(selector)})?.getAttribute(${JSON.stringify(name)}) === ${JSON.stringify(value)}`;
/** The row is redrawn at every poll: clicked through the element itself rather than at its coordinates. */
const click = (page: Page, selector: string) => page.$eval(selector, (b) => (b as unknown as { click(): void }).click());

describe('status page: what the endpoints build', () => {
  it('splits highlights into plain and matching runs, whatever the text holds', () => {
    expect(highlightSegments('a \uE000<b>x</b>\uE001 and \uE000y\uE001')).toEqual([
      { text: 'a ', match: false },
      { text: '<b>x</b>', match: true },
      { text: ' and ', match: false },
      { text: 'y', match: true },
    ]);
    // A stray tag character in the data is dropped, not taken for a tag.
    expect(highlightSegments('x\uE001y')).toEqual([{ text: 'xy', match: false }]);
  });

  it('takes a title-like field from the mapping', () => {
    expect(titleField({ public_products_id: { type: 'long' }, public_products_description: { type: 'text' }, public_products_name: { type: 'text' } })).toBe('public_products_name');
    expect(titleField({ n: { type: 'long' }, body: { type: 'text' } })).toBe('body');
    expect(titleField({ n: { type: 'long' } })).toBeNull();
  });

  it('leaves configuration, API key ids and cursors out of a connector, and bounds its error', () => {
    const doc = newConnectorDoc({ name: 'c', index_name: 'i', service_type: 'fake' });
    doc.configuration = { password: { value: 'hunter2-secret' } } as never;
    doc.api_key_id = 'key-id-secret';
    doc.api_key_secret_id = 'key-secret-id-secret';
    doc.sync_cursor = { lsn: 'cursor-secret' };
    doc.error = 'x'.repeat(50_000);
    const view = connectorSummary({ id: 'c', doc, seqNo: 0, primaryTerm: 1 }, [], []);
    const text = JSON.stringify(view);
    expect(text).not.toMatch(/secret|configuration/);
    expect(view.error!.length).toBeLessThan(9000);
  });
});

describe('status page', () => {
  const ctx = serviceTestContext();
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (chromium) {
      browser = await puppeteer.launch({
        executablePath: chromium,
        headless: true,
        // As root chromium refuses its sandbox; /dev/shm is small in containers.
        args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
      });
    }
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function connectors(specs: { prefix: string; count: number; delayMs?: number }[]): Promise<string[]> {
    const ids: string[] = [];
    for (const s of specs) {
      const id = uniqueId(s.prefix);
      await createFakeConnector(ctx.client, id, { count: s.count, delayMs: s.delayMs ?? 0 });
      ids.push(id);
    }
    await ctx.client.indices.refresh({ index: CONNECTORS_ALIAS });
    return ids;
  }

  it('answers its JSON endpoints with clear errors, keeps /health, /ready and /metrics, and refuses what is not served', async () => {
    const [id] = await connectors([{ prefix: 'page-api', count: 3 }]);
    const proc = startService({ CONNECTOR_IDS: id! });
    ctx.procs.push(proc);
    const base = await baseUrl(proc);
    await serving(base, [id!]);

    // Reached by another name (a web page elsewhere rebinding its domain to this address): refused; /health is not the page's.
    const byName = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => http.get(`${base}${path}`, { headers: { host } }, (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject));
    expect(await byName('/api/status', 'evil.example:80')).toBe(403);
    expect(await byName('/', 'evil.example')).toBe(403);
    expect(await byName('/health', 'evil.example')).toBe(200);
    expect(await byName('/api/status', `localhost:${new URL(base).port}`)).toBe(200);
    expect(await byName('/api/status', '[::1]')).toBe(200);

    const unknown = await call(base, `/api/search?connector=no-such-connector&q=x`);
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/^application\/json/);
    expect(unknown.body.error).toMatch(/not served by this process/);

    const long = await call(base, `/api/search?connector=${id}&q=${'x'.repeat(MAX_QUERY_CHARS + 1)}`);
    expect(long.status).toBe(400);
    expect(long.body.error).toMatch(/q is too long/);
    expect(long.text).not.toMatch(/at .*\.ts:\d+/);
    expect((await call(base, `/api/search?connector=${id}`)).status).toBe(400);
    expect((await call(base, `/api/search?connector=${id}&q=x&size=lots`)).status).toBe(400);
    // Query syntax a user may type is never an error: simple_query_string is lenient.
    const odd = await call(base, `/api/search?connector=${id}&q=${encodeURIComponent('"unclosed (AND || ~~ */')}`);
    expect(odd.status).toBe(200);

    const page = await call(base, '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain('<main id="connectors">');

    expect((await call(base, '/health')).status).toBe(200);
    expect((await call(base, '/ready')).status).toBe(200);
    expect((await call(base, '/metrics')).text).toContain('connectors_sync_jobs_finished_total');
    expect((await call(base, '/nothing-here')).status).toBe(404);
    expect((await call(base, '/api/status', { method: 'POST' })).status).toBe(405);
    expect((await call(base, '/health', { method: 'DELETE' })).status).toBe(405);
    expect((await call(base, `/api/connectors/${id}/sync`)).status).toBe(405);
  });

  it.skipIf(!chromium)('shows connectors, a sync moving and a highlighted search hit; read-only without STATUS_PAGE_ACTIONS', { timeout: 240_000 }, async () => {
    // A slow sync to watch, 25 documents to search, and a job that reports where its read is.
    const [slow, found, told] = await connectors([
      { prefix: 'page-slow', count: 5000, delayMs: 3 },
      { prefix: 'page-find', count: 25 },
      { prefix: 'page-told', count: 1 },
    ]);
    const proc = startService({ CONNECTOR_IDS: [slow, found, told].join(',') });
    ctx.procs.push(proc);
    const base = await baseUrl(proc);
    await serving(base, [slow!, found!, told!]);

    const s = store(ctx.client);
    const foundJob = await s.createJob(found!, 'full', 'on_demand');
    await waitFor('the small sync to complete', async () => (await s.getJob(foundJob))?.doc.status === 'completed', 90_000);
    // Progress as a PostgreSQL read reports it; no service runs this job.
    const toldDoc = (await s.getConnector(told!))!.doc;
    const now = new Date().toISOString();
    const fabricated = await ctx.client.index({
      index: JOBS_ALIAS,
      refresh: true,
      document: {
        ...newJobDoc(told!, toldDoc, 'full', 'scheduled'),
        status: 'in_progress',
        started_at: now,
        last_seen: now,
        indexed_document_count: 1400,
        metadata: { progress: { table: 'public.orders', tables_done: 2, tables_total: 5, rows_read: 1500, estimated_rows: 6000 } },
      },
    });

    // Markup in a connector's name and error is shown as text, never run.
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    await s.updateConnector(told!, { name: `told ${hostile}`, description: hostile });
    await ctx.client.indices.refresh({ index: CONNECTORS_ALIAS });

    const page = await browser!.newPage();
    try {
      await page.setViewport({ width: 1280, height: 1100 });
      await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });

      // Each connector has its row, with the status its document holds.
      for (const id of [slow!, found!, told!]) await page.waitForSelector(`[data-connector="${id}"] [data-role="status"]`);
      await page.waitForFunction(attributeIs(`[data-connector="${slow}"] [data-role="status"]`, 'data-status', 'connected'), { timeout: 60_000 });
      expect((await s.getConnector(slow!))!.doc.status).toBe('connected');
      expect(await page.$eval(`[data-connector="${slow}"] h2`, (e) => e.textContent)).toBe(slow);
      await page.waitForFunction(`document.querySelector(${JSON.stringify(`[data-connector="${told}"] h2`)})?.textContent === ${JSON.stringify(`told ${hostile}`)}`, { timeout: 10_000 });
      expect(await page.$$(`[data-connector="${told}"] img`)).toHaveLength(0);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(await page.$eval(`[data-connector="${found}"] tr[data-job="${foundJob}"]`, (e) => e.getAttribute('data-status'))).toBe('completed');

      // Reported progress: table, percentage, position.
      const toldJob = `[data-connector="${told}"] [data-job="${fabricated._id}"]`;
      await page.waitForSelector(`${toldJob} [data-role="percent"]`);
      expect(await page.$eval(`${toldJob} [data-role="percent"]`, (e) => e.textContent)).toContain('25 %');
      expect(await page.$eval(`${toldJob} [data-role="table"]`, (e) => e.textContent)).toContain('public.orders (table 3 of 5)');
      // Without a reported position, the count and rate stay and nothing else is made up.
      await s.updateJob(fabricated._id, { metadata: { progress: null } });
      await page.waitForFunction(`!document.querySelector(${JSON.stringify(`${toldJob} [data-role="percent"]`)})`, { timeout: 10_000 });
      expect(await page.$(`${toldJob} [data-role="table"]`)).toBeNull();
      expect(await page.$(`${toldJob} progress`)).toBeNull();
      expect(await indexedCount(page, `${toldJob} [data-role="indexed"]`)).toBe(1400);

      // A running sync: the indexed count the page shows goes up between two observations.
      const slowJob = await s.createJob(slow!, 'full', 'on_demand');
      const counter = `[data-connector="${slow}"] [data-job="${slowJob}"] [data-role="indexed"]`;
      await page.waitForFunction(countAbove(counter, 0), { timeout: 90_000, polling: 100 });
      const first = await indexedCount(page, counter);
      await page.waitForFunction(countAbove(counter, first), { timeout: 30_000, polling: 100 });
      const second = await indexedCount(page, counter);
      console.log(`indexed count on the page: ${first} then ${second}`);
      expect(second).toBeGreaterThan(first);
      await page.waitForSelector(`[data-connector="${slow}"] [data-job="${slowJob}"] [data-role="rate"]`);

      // Search: the phrase is in exactly one of the 25 documents.
      const card = `[data-connector="${found}"]`;
      await page.type(`${card} input[name="q"]`, '"document 17"');
      await page.keyboard.press('Enter');
      await page.waitForSelector(`${card} li.hit`);
      const hits = await page.$$eval(`${card} li.hit`, (els) => els.map((e) => ({ id: e.getAttribute('data-id'), marks: [...e.querySelectorAll('mark')].map((m) => m.textContent) })));
      expect(hits.map((h) => h.id)).toEqual([`${found}-17`]);
      // Elasticsearch marks the phrase (or its words): the page shows them in <mark>.
      expect(hits[0]!.marks.join(' ')).toMatch(/\b17\b/);
      expect(await page.$eval(`${card} [data-role="search-summary"]`, (e) => e.textContent)).toMatch(/^1 hit/);

      // Every value was there: nothing reads "null", "undefined" or "NaN".
      expect(await page.$eval('main', (e) => e.textContent)).not.toMatch(/\b(null|undefined|NaN)\b/);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`status page screenshot: ${SCREENSHOT}`);

      // Read-only: no buttons, and the endpoints refuse.
      expect(await page.$$('[data-action]')).toHaveLength(0);
      const sync = await call(base, `/api/connectors/${slow}/sync`, postJson({ job_type: 'full' }));
      expect(sync.status).toBe(403);
      expect(sync.body.error).toMatch(/STATUS_PAGE_ACTIONS/);
      expect((await call(base, `/api/jobs/${slowJob}/cancel`, postJson({}))).status).toBe(403);
      expect((await jobsOf(ctx.client, slow!)).map((j) => j.id)).toEqual([slowJob]);

      // Nothing secret in what the page reads.
      const report = await call(base, '/api/status');
      expect(report.text).not.toContain('fake-secret-value');
      expect(report.text).not.toContain('"configuration"');
    } finally {
      await page.close();
      await ctx.client.delete({ index: JOBS_ALIAS, id: fabricated._id, refresh: true });
    }
  });

  it.skipIf(!chromium)('with STATUS_PAGE_ACTIONS, "Full sync" creates a job and "Cancel" ends it canceled', { timeout: 240_000 }, async () => {
    const [id] = await connectors([{ prefix: 'page-act', count: 5000, delayMs: 3 }]);
    const proc = startService({ CONNECTOR_IDS: id!, STATUS_PAGE_ACTIONS: 'true' });
    ctx.procs.push(proc);
    const base = await baseUrl(proc);
    await serving(base, [id!]);
    const card = `[data-connector="${id}"]`;

    const page = await browser!.newPage();
    try {
      await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector(`${card} button[data-action="sync-full"]`);
      // The fake source has no incremental sync: no button for it.
      expect(await page.$(`${card} button[data-action="sync-incremental"]`)).toBeNull();
      expect(await jobsOf(ctx.client, id!)).toEqual([]);
      await click(page, `${card} button[data-action="sync-full"]`);
      const [job] = await waitFor('the job document', async () => {
        const jobs = await jobsOf(ctx.client, id!);
        return jobs.length ? jobs : undefined;
      });
      expect(job!.doc).toMatchObject({ job_type: 'full', trigger_method: 'on_demand' });
      expect(job!.doc.connector.id).toBe(id);
      await page.waitForSelector(`${card} [data-role="note"]`);
      expect(await page.$eval(`${card} [data-role="note"]`, (e) => e.textContent)).toContain(job!.id);

      // Running (documents indexed), then canceled from its row.
      const row = `${card} [data-job="${job!.id}"]`;
      await page.waitForFunction(countAbove(`${row} [data-role="indexed"]`, 0), { timeout: 90_000, polling: 100 });
      await click(page, `${row} button[data-action="cancel"]`);
      const ended = await waitFor('the job canceled', async () => {
        const j = await store(ctx.client).getJob(job!.id);
        return j && ['completed', 'error', 'canceled'].includes(j.doc.status) ? j.doc : undefined;
      });
      expect(ended.status).toBe('canceled');
      expect(ended.indexed_document_count).toBeLessThan(5000);
      await page.waitForSelector(`${card} tr[data-job="${job!.id}"][data-status="canceled"]`);

      // The endpoints check what they are given.
      expect((await call(base, `/api/connectors/${id}/sync`, postJson({ job_type: 'incremental' }))).status).toBe(409);
      expect((await call(base, `/api/connectors/${id}/sync`, postJson({ job_type: 'access_control' }))).status).toBe(400);
      expect((await call(base, `/api/connectors/no-such/sync`, postJson({ job_type: 'full' }))).status).toBe(404);
      expect((await call(base, `/api/jobs/no-such-job/cancel`, postJson({}))).status).toBe(404);
      expect((await call(base, `/api/jobs/${job!.id}/cancel`, postJson({}))).status).toBe(409);
      // Another site's page can neither post a plain form nor JSON with its own origin.
      expect((await call(base, `/api/connectors/${id}/sync`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"job_type":"full"}' })).status).toBe(415);
      expect((await call(base, `/api/connectors/${id}/sync`, postJson({ job_type: 'full' }, { origin: 'http://elsewhere.example' }))).status).toBe(403);
      expect(await jobsOf(ctx.client, id!)).toHaveLength(1);
    } finally {
      await page.close();
    }
  });
});
