import { describe, expect, it } from 'vitest';
import type { ConfigField, Configuration } from '../../src/protocol/types.js';
import {
  STANDARD_FIELD_PROPERTIES,
  configurationValues,
  mergeSchema,
  validateConfiguration,
  withFieldDefaults,
} from '../../src/sources/configuration.js';

const field = (partial: Partial<ConfigField>, key = 'f') => withFieldDefaults(partial, key);

/** A PostgreSQL-like schema (reference G.1), abridged. */
function schema(): Configuration {
  return {
    host: field({ label: 'Host', order: 1 }, 'host'),
    port: field({ label: 'Port', order: 2, type: 'int', display: 'numeric' }, 'port'),
    password: field({ label: 'Password', order: 4, sensitive: true }, 'password'),
    tables: field({ label: 'Tables', order: 7, type: 'list', display: 'textarea', value: '*' }, 'tables'),
    fetch_size: field({ label: 'Rows fetched per request', order: 8, type: 'int', required: false, default_value: 50 }, 'fetch_size'),
    ssl_enabled: field({ label: 'Enable SSL', order: 10, type: 'bool', display: 'toggle', value: false }, 'ssl_enabled'),
    ssl_ca: field({ label: 'SSL certificate', order: 11, depends_on: [{ field: 'ssl_enabled', value: true }] }, 'ssl_ca'),
  };
}

function filled(values: Record<string, unknown>): Configuration {
  const config = schema();
  for (const [key, value] of Object.entries(values)) {
    const entry = config[key];
    if (!entry) throw new Error(`no field ${key}`);
    entry.value = value;
  }
  return config;
}

const valid = { host: 'db', port: '5432', password: 'pw', tables: 'a,b', ssl_enabled: false };

describe('withFieldDefaults', () => {
  it('fills every D.8 default, labelling with the upper-cased key', () => {
    expect(withFieldDefaults({}, 'fetch_size')).toEqual({
      default_value: null,
      depends_on: [],
      display: 'text',
      label: 'FETCH_SIZE',
      options: [],
      order: 1,
      required: true,
      sensitive: false,
      tooltip: null,
      type: 'str',
      ui_restrictions: [],
      validations: [],
      value: '',
    });
  });

  it('keeps given properties, including explicit null and non-standard ones', () => {
    const f = withFieldDefaults({ label: 'Port', type: 'int', required: false, value: null, placeholder: '5432' }, 'port');
    expect(f.label).toBe('Port');
    expect(f.type).toBe('int');
    expect(f.required).toBe(false);
    expect(f.value).toBeNull();
    expect(f.placeholder).toBe('5432');
  });

  it('never shares default arrays between fields', () => {
    const a = withFieldDefaults({}, 'a');
    const b = withFieldDefaults({}, 'b');
    a.depends_on.push({ field: 'x', value: 1 });
    a.validations.push({ type: 'regex', constraint: 'x' });
    expect(b.depends_on).toEqual([]);
    expect(b.validations).toEqual([]);
  });

  it('uses an empty label when neither label nor key is given', () => {
    expect(withFieldDefaults({}).label).toBe('');
  });
});

describe('mergeSchema', () => {
  it('publishes the whole schema into an empty configuration', () => {
    const result = mergeSchema({}, schema());
    expect(result.changed).toBe(true);
    expect(result.configuration).toEqual(schema());
  });

  it('reports no change when everything is present', () => {
    const current = filled({ host: 'db' });
    const result = mergeSchema(current, schema());
    expect(result.changed).toBe(false);
    expect(result.configuration).toEqual(current);
  });

  it('adds missing keys and keeps existing values and unknown keys', () => {
    const current: Configuration = { host: field({ label: 'Host', value: 'db.internal' }, 'host'), legacy: field({ value: 'x' }, 'legacy') };
    const { configuration, changed } = mergeSchema(current, schema());
    expect(changed).toBe(true);
    expect(configuration.host?.value).toBe('db.internal');
    expect(configuration.legacy?.value).toBe('x');
    expect(configuration.port).toEqual(schema().port);
    expect(Object.keys(configuration).sort()).toEqual([...Object.keys(schema()), 'legacy'].sort());
  });

  it('fills missing properties from the schema field, then from the generic defaults', () => {
    const current = {
      port: { value: '6543' },
      password: { value: 'secret', label: 'Password' },
      extra: { value: 'e' },
    } as unknown as Configuration;
    const { configuration, changed } = mergeSchema(current, schema());
    expect(changed).toBe(true);
    expect(configuration.port).toMatchObject({ value: '6543', type: 'int', label: 'Port', display: 'numeric', order: 2 });
    expect(configuration.password).toMatchObject({ value: 'secret', sensitive: true });
    expect(configuration.extra).toEqual(withFieldDefaults({ value: 'e' }, 'extra'));
    for (const entry of Object.values(configuration)) {
      for (const property of STANDARD_FIELD_PROPERTIES) expect(entry).toHaveProperty(property);
    }
  });

  it('counts a single missing property as a change', () => {
    const current = filled({});
    delete (current.host as Partial<ConfigField>).tooltip;
    const { configuration, changed } = mergeSchema(current, schema());
    expect(changed).toBe(true);
    expect(configuration.host?.tooltip).toBeNull();
  });

  it('replaces an entry that is not an object', () => {
    const current = { port: null } as unknown as Configuration;
    const { configuration, changed } = mergeSchema(current, schema());
    expect(changed).toBe(true);
    expect(configuration.port).toEqual(schema().port);
  });

  it('modifies neither input and does not alias the schema', () => {
    const s = schema();
    const current = { port: { value: '1' } } as unknown as Configuration;
    const { configuration } = mergeSchema(current, s);
    expect(current).toEqual({ port: { value: '1' } });
    configuration.ssl_ca?.depends_on.push({ field: 'x', value: 1 });
    configuration.port?.validations.push({ type: 'regex', constraint: 'x' });
    expect(s).toEqual(schema());
  });

  it('keeps a "__proto__" key as data', () => {
    const current = JSON.parse('{"__proto__": {"value": "p"}}') as Configuration;
    const { configuration } = mergeSchema(current, {});
    expect(Object.getPrototypeOf(configuration)).toBe(Object.prototype);
    expect(Object.hasOwn(configuration, '__proto__')).toBe(true);
  });
});

describe('configurationValues', () => {
  it('types values by field type', () => {
    const values = configurationValues(filled({ host: 'db', port: '5432', tables: ' a , b,, c ', ssl_enabled: 'true' }));
    expect(values).toEqual({
      host: 'db',
      port: 5432,
      password: '',
      tables: ['a', 'b', 'c'],
      fetch_size: 50,
      ssl_enabled: true,
      ssl_ca: '',
    });
  });

  it('accepts numbers, booleans and arrays as stored', () => {
    const values = configurationValues(filled({ port: 6543, ssl_enabled: false, tables: [' x ', '', 'y', 3] }));
    expect(values.port).toBe(6543);
    expect(values.ssl_enabled).toBe(false);
    expect(values.tables).toEqual(['x', 'y', '3']);
  });

  it('accepts "false" and any case for booleans', () => {
    expect(configurationValues(filled({ ssl_enabled: 'false' })).ssl_enabled).toBe(false);
    expect(configurationValues(filled({ ssl_enabled: 'TRUE' })).ssl_enabled).toBe(true);
  });

  it('falls back to default_value for "" and null', () => {
    const config = filled({ fetch_size: '' });
    expect(configurationValues(config).fetch_size).toBe(50);
    config.fetch_size!.value = null;
    expect(configurationValues(config).fetch_size).toBe(50);
    config.fetch_size!.value = '10';
    expect(configurationValues(config).fetch_size).toBe(10);
    const str = { s: field({ value: '', default_value: 'dflt' }) };
    expect(configurationValues(str).s).toBe('dflt');
    const list = { l: field({ type: 'list', value: null, default_value: 'a,b' }) };
    expect(configurationValues(list).l).toEqual(['a', 'b']);
    const bool = { b: field({ type: 'bool', value: '', default_value: true }) };
    expect(configurationValues(bool).b).toBe(true);
  });

  it('gives undefined for ints and bools that are empty or invalid, "" and [] for empty str and list', () => {
    const config: Configuration = {
      i: field({ type: 'int', value: '' }),
      bad: field({ type: 'int', value: '12abc' }),
      fraction: field({ type: 'int', value: 1.5 }),
      b: field({ type: 'bool', value: 'maybe' }),
      s: field({ value: null }),
      l: field({ type: 'list', value: '' }),
    };
    expect(configurationValues(config)).toEqual({ i: undefined, bad: undefined, fraction: undefined, b: undefined, s: '', l: [] });
    expect(Object.keys(configurationValues(config))).toHaveLength(6);
  });

  it('keeps strings untrimmed (passwords may contain spaces)', () => {
    expect(configurationValues(filled({ password: ' p w ' })).password).toBe(' p w ');
  });
});

describe('validateConfiguration', () => {
  it('accepts a complete configuration', () => {
    expect(validateConfiguration(filled(valid), Object.keys(schema()))).toEqual([]);
  });

  it('reports schema keys missing from the configuration', () => {
    const config = filled(valid);
    delete config.port;
    expect(validateConfiguration(config, ['host', 'port'])).toEqual(['Configuration field "port" is missing']);
  });

  it('reports required empty fields by label, in field order', () => {
    const problems = validateConfiguration(filled({ ...valid, host: '', tables: ' , ' }));
    expect(problems).toEqual(['"Host" is required', '"Tables" is required']);
  });

  it('treats whitespace-only and null values as empty', () => {
    expect(validateConfiguration(filled({ ...valid, host: '   ' }))).toEqual(['"Host" is required']);
    expect(validateConfiguration(filled({ ...valid, host: null }))).toEqual(['"Host" is required']);
  });

  it('does not require optional fields, and uses default_value before calling a field empty', () => {
    const config = filled(valid);
    config.fetch_size!.required = true;
    expect(validateConfiguration(config)).toEqual([]);
    config.fetch_size!.default_value = null;
    expect(validateConfiguration(config)).toEqual(['"Rows fetched per request" is required']);
    config.fetch_size!.required = false;
    expect(validateConfiguration(config)).toEqual([]);
  });

  it('accepts false as a value of a required bool', () => {
    expect(validateConfiguration(filled({ ...valid, ssl_enabled: false }))).toEqual([]);
  });

  it('falls back to the key when the label is empty', () => {
    const config = { port: field({ label: '', type: 'int', value: 'x' }, 'port') };
    expect(validateConfiguration(config)).toEqual(['"port" must be an integer (got "x")']);
  });

  it('reports non-integers for int fields', () => {
    expect(validateConfiguration(filled({ ...valid, port: 'abc' }))).toEqual(['"Port" must be an integer (got "abc")']);
    expect(validateConfiguration(filled({ ...valid, port: 54.3 }))).toEqual(['"Port" must be an integer (got 54.3)']);
    expect(validateConfiguration(filled({ ...valid, port: 5432 }))).toEqual([]);
  });

  it('reports bool fields that are neither true nor false', () => {
    expect(validateConfiguration(filled({ ...valid, ssl_enabled: 'yes please' }))).toEqual(['"Enable SSL" must be true or false (got "yes please")']);
  });

  it('gives at most one message per field', () => {
    const config = filled(valid);
    config.port!.value = 'abc';
    config.port!.validations = [{ type: 'greater_than', constraint: 0 }];
    expect(validateConfiguration(config)).toEqual(['"Port" must be an integer (got "abc")']);
  });

  describe('validation types', () => {
    const withValidation = (type: ConfigField['type'], value: unknown, validations: ConfigField['validations'], extra: Partial<ConfigField> = {}) =>
      validateConfiguration({ x: field({ label: 'X', type, value, validations, ...extra }) });

    it('less_than is strict', () => {
      const v = [{ type: 'less_than' as const, constraint: 10 }];
      expect(withValidation('int', '9', v)).toEqual([]);
      expect(withValidation('int', '10', v)).toEqual(['"X" must be less than 10 (got "10")']);
      expect(withValidation('int', 11, v)).toEqual(['"X" must be less than 10 (got 11)']);
    });

    it('greater_than is strict', () => {
      const v = [{ type: 'greater_than' as const, constraint: 0 }];
      expect(withValidation('int', 1, v)).toEqual([]);
      expect(withValidation('int', 0, v)).toEqual(['"X" must be greater than 0 (got 0)']);
      expect(withValidation('int', '-3', v)).toEqual(['"X" must be greater than 0 (got "-3")']);
    });

    it('less_than/greater_than compare numeric strings as numbers and lists by size', () => {
      expect(withValidation('str', '9.5', [{ type: 'less_than', constraint: 10 }])).toEqual([]);
      expect(withValidation('str', '100', [{ type: 'less_than', constraint: 20 }])).toEqual(['"X" must be less than 20 (got "100")']);
      expect(withValidation('str', 'abc', [{ type: 'less_than', constraint: 10 }])).toEqual(['"X" must be a number less than 10 (got "abc")']);
      expect(withValidation('list', 'a,b,c', [{ type: 'less_than', constraint: 3 }])).toEqual(['"X" must have fewer than 3 items (got 3)']);
      expect(withValidation('list', 'a,b', [{ type: 'less_than', constraint: 3 }])).toEqual([]);
      expect(withValidation('list', 'a', [{ type: 'greater_than', constraint: 1 }])).toEqual(['"X" must have more than 1 items (got 1)']);
    });

    it('list_type int requires every element to be an integer', () => {
      const v = [{ type: 'list_type' as const, constraint: 'int' }];
      expect(withValidation('list', '1, 2,3', v)).toEqual([]);
      expect(withValidation('list', [1, '2'], v)).toEqual([]);
      expect(withValidation('list', '1,a,2.5', v)).toEqual(['"X" must be a list of integers (not "a", "2.5")']);
    });

    it('list_type str requires every element to be a string', () => {
      const v = [{ type: 'list_type' as const, constraint: 'str' }];
      expect(withValidation('list', 'a,1', v)).toEqual([]);
      expect(withValidation('list', ['a', 1, true], v)).toEqual(['"X" must be a list of strings (not 1, true)']);
    });

    it('included_in checks a value, or every list element, loosely', () => {
      const v = [{ type: 'included_in' as const, constraint: ['require', 'verify-full', 5] }];
      expect(withValidation('str', 'verify-full', v)).toEqual([]);
      expect(withValidation('int', '5', v)).toEqual([]);
      expect(withValidation('str', 'disable', v)).toEqual(['"X" must be one of "require", "verify-full", 5 (got "disable")']);
      expect(withValidation('list', 'require, 5', v)).toEqual([]);
      expect(withValidation('list', 'require,nope,also', v)).toEqual(['"X" may only contain one of "require", "verify-full", 5 (not "nope", "also")']);
    });

    it('regex requires a full match', () => {
      const v = [{ type: 'regex' as const, constraint: '[a-z]+' }];
      expect(withValidation('str', 'abc', v)).toEqual([]);
      expect(withValidation('str', 'abc1', v)).toEqual(['"X" must match the pattern [a-z]+ (got "abc1")']);
      expect(withValidation('str', '1abc', v)).toHaveLength(1);
      // Alternation must not weaken the anchors.
      expect(withValidation('str', 'ab', [{ type: 'regex', constraint: 'a|ab' }])).toEqual([]);
      expect(withValidation('str', 'abx', [{ type: 'regex', constraint: 'a|ab' }])).toHaveLength(1);
      expect(withValidation('list', 'ab,cd', v)).toEqual([]);
      expect(withValidation('list', 'ab,c1', v)).toEqual(['"X" must match the pattern [a-z]+ (not "c1")']);
    });

    it('reports an invalid schema pattern instead of throwing', () => {
      expect(withValidation('str', 'a', [{ type: 'regex', constraint: '(' }])).toEqual(['"X" cannot be checked: its validation pattern is invalid']);
      expect(withValidation('str', 'a', [{ type: 'regex', constraint: 'a)|(b' }])).toHaveLength(1);
    });

    it('ignores unknown validation types and malformed constraints', () => {
      expect(withValidation('str', 'a', [{ type: 'nonsense' as 'regex', constraint: 'x' }])).toEqual([]);
      expect(withValidation('int', 5, [{ type: 'less_than', constraint: 'ten' }])).toEqual([]);
    });

    it('skips validations of empty optional fields', () => {
      expect(withValidation('int', '', [{ type: 'greater_than', constraint: 0 }], { required: false })).toEqual([]);
    });

    it('validates default_value when the value is empty', () => {
      expect(withValidation('int', '', [{ type: 'less_than', constraint: 10 }], { default_value: 50 })).toEqual([
        '"X" must be less than 10 (got 50)',
      ]);
    });

    it('runs validations in order and reports the first failure', () => {
      const v = [
        { type: 'greater_than' as const, constraint: 0 },
        { type: 'less_than' as const, constraint: 100 },
      ];
      expect(withValidation('int', 500, v)).toEqual(['"X" must be less than 100 (got 500)']);
    });
  });

  describe('depends_on', () => {
    it('skips a field whose dependency is not met', () => {
      expect(validateConfiguration(filled({ ...valid, ssl_enabled: false, ssl_ca: '' }))).toEqual([]);
    });

    it('validates it once the dependency is met, comparing loosely', () => {
      for (const enabled of [true, 'true', 'TRUE']) {
        expect(validateConfiguration(filled({ ...valid, ssl_enabled: enabled, ssl_ca: '' }))).toEqual(['"SSL certificate" is required']);
      }
    });

    it('compares numbers with numeric strings', () => {
      const config: Configuration = {
        port: field({ label: 'Port', type: 'int', value: '5432' }),
        note: field({ label: 'Note', value: '', depends_on: [{ field: 'port', value: 5432 }] }),
      };
      expect(validateConfiguration(config)).toEqual(['"Note" is required']);
      config.port!.value = 6543;
      expect(validateConfiguration(config)).toEqual([]);
      config.port!.value = 5432;
      config.note!.depends_on = [{ field: 'port', value: '5432' }];
      expect(validateConfiguration(config)).toEqual(['"Note" is required']);
    });

    it('requires every dependency, and treats a missing dependency field as unmet', () => {
      const config: Configuration = {
        a: field({ type: 'bool', value: true }),
        b: field({ type: 'bool', value: false }),
        c: field({ label: 'C', value: '', depends_on: [{ field: 'a', value: true }, { field: 'b', value: true }] }),
        d: field({ label: 'D', value: '', depends_on: [{ field: 'missing', value: true }] }),
      };
      expect(validateConfiguration(config)).toEqual([]);
      config.b!.value = 'true';
      expect(validateConfiguration(config)).toEqual(['"C" is required']);
    });
  });

  describe('sensitive fields', () => {
    const secret = 'hunter2-Secret!';

    it.each<[string, Partial<ConfigField>]>([
      ['int', { type: 'int' }],
      ['bool', { type: 'bool' }],
      ['regex', { validations: [{ type: 'regex', constraint: '\\d+' }] }],
      ['included_in', { validations: [{ type: 'included_in', constraint: ['a'] }] }],
      ['less_than', { validations: [{ type: 'less_than', constraint: 3 }] }],
      ['list_type', { type: 'list', validations: [{ type: 'list_type', constraint: 'int' }] }],
      ['list regex', { type: 'list', validations: [{ type: 'regex', constraint: '\\d+' }] }],
    ])('never show the value (%s)', (_name, extra) => {
      const config = { token: field({ label: 'Token', value: secret, ...extra, sensitive: true }) };
      const problems = validateConfiguration(config);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^"Token" /);
      expect(problems.join('\n')).not.toContain('hunter2');
      // The same field, not sensitive, does show it: the test above is not vacuous.
      const open = validateConfiguration({ token: field({ label: 'Token', value: secret, ...extra, sensitive: false }) });
      expect(open.join('\n')).toContain('hunter2');
    });

    it('still names the problem', () => {
      const config = { password: field({ label: 'Password', type: 'int', value: secret, sensitive: true }) };
      expect(validateConfiguration(config)).toEqual(['"Password" must be an integer']);
    });
  });

  it('shortens very long values', () => {
    const [problem] = validateConfiguration({ port: field({ label: 'Port', type: 'int', value: 'x'.repeat(500) }) });
    expect(problem).toBeDefined();
    expect(problem!.length).toBeLessThan(120);
    expect(problem).toContain('…');
  });
});
