import { errorMessage } from '../../log/redact.js';
import { sleep } from '../../util/sleep.js';
import type { SetupContext } from './context.js';
import type { SetupSettings } from './settings.js';

/** The Kibana data view, under a fixed id so re-runs overwrite it (secured clusters with Kibana only). */
export async function ensureDataView({ settings, secured, log, result }: SetupContext): Promise<void> {
  if (!settings.KIBANA_URL || !secured) {
    result.dataView = 'skipped';
    return;
  }
  const base = settings.KIBANA_URL.replace(/\/$/, '');
  const auth = `Basic ${Buffer.from(`${settings.ELASTIC_USERNAME}:${settings.ELASTIC_PASSWORD}`).toString('base64')}`;
  log.info(`setup: waiting for Kibana at ${base}`);
  await waitForKibana(base, auth, settings.KIBANA_WAIT);
  const res = await fetch(`${base}/api/data_views/data_view`, {
    method: 'POST',
    headers: { authorization: auth, 'kbn-xsrf': 'pg-es-connectors', 'content-type': 'application/json' },
    body: JSON.stringify({ override: true, data_view: dataView(settings) }),
  });
  if (!res.ok) throw new Error(`Kibana refused the data view: ${res.status} ${errorMessage(await res.text())}`);
  log.info(`setup: Kibana data view ${settings.DATA_VIEW_ID} ready`);
  result.dataView = 'created';
}

function dataView(settings: SetupSettings) {
  return {
    id: settings.DATA_VIEW_ID,
    name: settings.CONNECTOR_NAME,
    title: settings.CONNECTOR_INDEX_NAME,
    // No time field: Discover would otherwise hide rows outside its time range.
    allowNoIndex: true,
  };
}

/** Kibana answers long before it can serve its APIs: wait for status "available". */
async function waitForKibana(base: string, auth: string, waitSeconds: number): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      const res = await fetch(`${base}/api/status`, { headers: { authorization: auth } });
      if (res.ok) {
        const body = (await res.json()) as { status?: { overall?: { level?: string } } };
        if (body.status?.overall?.level === 'available') return;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`Kibana at ${base} was not available within ${waitSeconds} s`);
    await sleep(5000);
  }
}
