import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_FILE, loadConnectorRole } from '../../src/cli/setup/index.js';

const REPO_ROLE_FILE = fileURLToPath(new URL('../../../../compose/setup/connector-role.json', import.meta.url));

function roleFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'setup-role-')), 'role.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const role = (names: string[], extra: Record<string, unknown> = {}) => ({
  svc: { cluster: ['monitor'], indices: [{ names, privileges: ['all'] }], ...extra },
});

describe('the connector role file', () => {
  it('is compose/setup/connector-role.json at the repository root by default', () => {
    expect(DEFAULT_ROLE_FILE).toBe(REPO_ROLE_FILE);
    expect(existsSync(DEFAULT_ROLE_FILE)).toBe(true);
  });

  it('in the repository grants exactly the privileges the service needs', () => {
    // Each privilege is matched to the requests that need it in integration/es-privileges.test.ts.
    expect(loadConnectorRole(DEFAULT_ROLE_FILE, 'catalog')).toEqual({
      pg_es_connector: {
        cluster: ['monitor', 'read_pipeline', 'manage_connector'],
        indices: [
          { names: ['.elastic-connectors*'], privileges: ['read', 'index', 'view_index_metadata'], allow_restricted_indices: false },
          {
            names: ['catalog'],
            privileges: ['create_index', 'read', 'write', 'view_index_metadata', 'maintenance', 'monitor'],
            allow_restricted_indices: false,
          },
        ],
      },
    });
  });

  it('gets the index name wherever ${CONNECTOR_INDEX_NAME} appears', () => {
    const file = roleFile(role(['${CONNECTOR_INDEX_NAME}', '.search-acl-filter-${CONNECTOR_INDEX_NAME}', 'fixed']));
    const loaded = loadConnectorRole(file, 'my-index.v2');
    expect(loaded.svc?.indices[0]?.names).toEqual(['my-index.v2', '.search-acl-filter-my-index.v2', 'fixed']);
    expect(JSON.stringify(loaded)).not.toContain('${');
  });

  it('rejects any other placeholder, naming the file and the placeholder', () => {
    const file = roleFile(role(['${CONNECTOR_INDEX_NAME}', '${HOME}-logs']));
    expect(() => loadConnectorRole(file, 'catalog')).toThrow(file);
    expect(() => loadConnectorRole(file, 'catalog')).toThrow('${HOME}');
  });

  it('is an error naming the path when missing', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'setup-role-')), 'absent.json');
    expect(() => loadConnectorRole(file, 'catalog')).toThrow(file);
  });

  it('is an error naming the path when not JSON or not role descriptors', () => {
    const malformed = [
      '{ "svc": ',
      [],
      {},
      { svc: { cluster: 'monitor', indices: [] } },
      { svc: { cluster: [], indices: [{ names: ['x'] }] } },
      // Unknown fields are refused rather than silently dropped from the key.
      role(['x'], { run_as: ['elastic'] }),
    ];
    for (const content of malformed) {
      const file = roleFile(content);
      expect(() => loadConnectorRole(file, 'catalog'), JSON.stringify(content)).toThrow(file);
    }
  });
});
