import type { RoleDescriptors } from '../../src/cli/setup/role.js';
import { httpProxy, type HttpProxy } from './http-proxy.js';

/**
 * What the service's API key must be allowed to do, checked request by request.
 * No machine here runs Elasticsearch's security, so the privilege each REST
 * call needs is written down from Elasticsearch's action names
 * (ClusterPrivilegeResolver, IndexPrivilege) and every request the service
 * sends is classified by it; a request this table does not know fails the
 * test, so a new call cannot slip past the role.
 */

export interface Need {
  scope: 'cluster' | 'index';
  privilege: string;
  /** For index privileges: the indices named in the path. */
  indices?: string[];
}

const cluster = (privilege: string): Need[] => [{ scope: 'cluster', privilege }];
const onIndex = (target: string, ...privileges: string[]): Need[] =>
  privileges.map((privilege) => ({ scope: 'index', privilege, indices: decodeURIComponent(target).split(',') }));

/** The privileges one request needs; throws for a request not in the table. */
export function privilegesFor(method: string, url: string): Need[] {
  const path = url.split('?')[0] ?? '';
  const parts = path.split('/').filter(Boolean);
  const [first = '', second] = parts;
  if (path === '/' && (method === 'GET' || method === 'HEAD')) return cluster('monitor'); // cluster:monitor/main
  if (first === '_nodes' || (first === '_cluster' && second === 'health')) return cluster('monitor');
  if (first === '_ingest' && second === 'pipeline' && method === 'GET') return cluster('read_pipeline');
  if (first === '_connector') return cluster(method === 'GET' ? 'monitor_connector' : 'manage_connector');
  if ((first === '_pit' || (first === '_search' && second === 'scroll')) && method === 'DELETE') return [];
  if (first === '_search' && second === 'scroll') return [];
  if (first.startsWith('_')) throw new Error(`no privilege known for ${method} ${url}`);

  if (parts.length === 1) {
    if (method === 'HEAD' || method === 'GET') return onIndex(first, 'view_index_metadata'); // indices:admin/get
    if (method === 'PUT') return onIndex(first, 'create_index');
  }
  switch (second) {
    case '_search':
    case '_count':
    case '_pit':
      return onIndex(first, 'read');
    case '_doc':
      if (method === 'GET' || method === 'HEAD') return onIndex(first, 'read');
      if (method === 'DELETE') return onIndex(first, 'delete');
      return onIndex(first, 'index');
    case '_create':
    case '_update':
      return onIndex(first, 'index');
    case '_bulk':
      // Index and delete actions: `write` holds both (and the dynamic mapping updates indexing makes).
      return onIndex(first, 'write');
    case '_delete_by_query':
      return onIndex(first, 'read', 'delete');
    case '_refresh':
      return onIndex(first, 'maintenance');
    case '_stats':
      return onIndex(first, 'monitor');
    case '_mapping':
    case '_settings':
      return method === 'GET' ? onIndex(first, 'view_index_metadata') : onIndex(first, 'manage');
    case '_alias':
      return onIndex(first, 'view_index_metadata');
    default:
      throw new Error(`no privilege known for ${method} ${url}`);
  }
}

// Named privileges that include others (IndexPrivilege): `write` holds index/delete/create_doc.
const IMPLIED: Record<string, string[]> = {
  all: ['*'],
  write: ['index', 'delete', 'create_doc', 'create'],
  index: ['create_doc', 'create'],
  manage: ['view_index_metadata', 'maintenance', 'monitor'],
  manage_connector: ['monitor_connector'],
};

function covers(granted: string, needed: string): boolean {
  if (granted === needed) return true;
  const implied = IMPLIED[granted] ?? [];
  return implied.includes('*') || implied.includes(needed);
}

function nameMatches(pattern: string, index: string): boolean {
  if (!pattern.includes('*')) return pattern === index;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(index);
}

/** The role entries (cluster privilege, or index pattern + privilege) that allow `need`, if any. */
export function grantsFor(role: RoleDescriptors, need: Need): string[] {
  const out: string[] = [];
  for (const descriptor of Object.values(role)) {
    if (need.scope === 'cluster') {
      for (const p of descriptor.cluster) if (covers(p, need.privilege)) out.push(`cluster:${p}`);
      continue;
    }
    for (const entry of descriptor.indices) {
      const allIndices = (need.indices ?? []).every((index) => entry.names.some((n) => nameMatches(n, index)));
      if (!allIndices) continue;
      for (const p of entry.privileges) if (covers(p, need.privilege)) out.push(`${entry.names.join(',')}:${p}`);
    }
  }
  return out;
}

export interface RecordedRequest {
  method: string;
  url: string;
}

/** A pass-through HTTP proxy to Elasticsearch that writes down every request. */
export async function recordingProxy(target: string): Promise<HttpProxy & { requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const proxy = await httpProxy(target, (req) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/' });
    return false;
  });
  return { ...proxy, requests };
}
