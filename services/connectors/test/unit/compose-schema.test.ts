import { describe, expect, it } from 'vitest';
import { FILES, loadComposeDocument, readRepoFile } from '../helpers/compose-files.js';
import { interpolateDocument, parseEnvFile, type Env } from '../helpers/compose-parse.js';
import { createComposeValidator, describeErrors, isComposePort } from '../helpers/compose-schema.js';

const validate = createComposeValidator();
const raw = loadComposeDocument();
const exampleEnv: Env = Object.fromEntries(parseEnvFile(readRepoFile(FILES.envExample)).entries.map((e) => [e.key, e.value]));

/** Validates the file as Compose would see it with this environment; fails with one line per schema error. */
function expectValid(env: Env, label: string): void {
  const doc = interpolateDocument(raw, env);
  const ok = validate(doc);
  if (!ok) {
    throw new Error(`${FILES.compose} (${label}) does not match the Compose schema:\n${describeErrors(validate.errors)}`);
  }
}

describe(`${FILES.compose} against the Compose JSON schema`, () => {
  it('is valid with no .env at all (the defaults in the file)', () => {
    expectValid({}, 'no .env');
  });

  it('is valid with the values of .env.example', () => {
    expectValid(exampleEnv, '.env.example');
  });

  it('uses the Compose spec, not the obsolete top-level version key', () => {
    expect(raw).not.toHaveProperty('version');
  });

  it('reports a broken file readably (the validator is wired up)', () => {
    const broken = {
      services: { a: { image: 'x', restart_policy: 'always', healthcheck: { interval: 'PT10S' }, ports: ['1.2.3:80'] } },
    };
    expect(validate(broken)).toBe(false);
    const text = describeErrors(validate.errors);
    expect(text).toContain('/services/a must NOT have additional properties: "restart_policy"');
    expect(text).toContain('/services/a/healthcheck/interval must match format "duration"');
    expect(text).toContain('/services/a/ports/0 must match format "ports"');
  });
});

describe('Compose port syntax', () => {
  it.each(['80', '8080:80', '127.0.0.1:9200:9200', '127.0.0.1::80', '[::1]:5432:5432', '9000-9001:9000-9001/udp'])(
    'accepts %s',
    (p) => expect(isComposePort(p)).toBe(true),
  );
  it.each(['', 'x:80', '1.2.3:80:80', '70000:80', '80/icmp', '127.0.0.1:9200:'])('rejects %j', (p) =>
    expect(isComposePort(p)).toBe(false),
  );
});
