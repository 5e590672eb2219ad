import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { arrayLiteral, cents, copyLine, escapeCopy, timestamp } from '../src/copy.js';
import { KNOWN_SEARCH_TERMS, PLANTED_CUSTOMER, PLANTED_PRODUCTS, PLANTED_REVIEW, TABLES, rowCounts, type TableName } from '../src/dataset.js';
import { GENERATORS } from '../src/generate.js';
import { Random } from '../src/random.js';
import * as vocabulary from '../src/vocabulary.js';

function tableHashes(scale: number): Record<TableName, string> {
  const counts = rowCounts(scale);
  const out = {} as Record<TableName, string>;
  for (const t of TABLES) {
    const h = createHash('sha256');
    for (const line of GENERATORS[t].rows(counts)) h.update(line);
    out[t] = h.digest('hex');
  }
  return out;
}

/** The term as a whole word (as a search engine's tokenizer sees it), any case. */
function wordPattern(term: string): RegExp {
  return new RegExp(`(^|[^\\p{L}\\p{N}])${term}($|[^\\p{L}\\p{N}])`, 'iu');
}

function rowsOf(table: TableName, scale: number): string[] {
  return [...GENERATORS[table].rows(rowCounts(scale))];
}

describe('determinism', () => {
  it('generates identical COPY text twice', () => {
    expect(tableHashes(0.05)).toEqual(tableHashes(0.05));
    expect(tableHashes(1)).toEqual(tableHashes(1));
  });

  it('matches the pinned bytes of scale 0.05 (bump GENERATOR_VERSION and re-pin when changing data on purpose)', () => {
    expect(tableHashes(0.05)).toEqual({
      categories: '263322424a812afe7b9729fb95194d070698b9cc16074cf122e638f674a3aebb',
      products: 'e4a08fd6e226ffd16349a8313be9d877670fc852b351296da03b79d0a7bad9d6',
      customers: '797e670c2bfc0dd85762ed2c4b4ec97da2925d02a957c4da34f5c23915334d54',
      orders: '031d4b1c9d8c7b3fdb367e27f67901cdc55d326e55117558e1c8487eac70833c',
      order_lines: '239ce3f3199645650e139281ef3a108a80acd16b8d3a81c121daeacd48afb1f9',
      reviews: 'fe250864fc447c65cb71a2b07d9f0af8cdeff4ea4b3d3ada6f2db44bb81768a8',
    });
  });

  it('gives a row the same content whatever else is generated', () => {
    // Product 7 is the same at scale 0.05 and 1: rows are keyed by index, not by position in a stream.
    expect(rowsOf('products', 1)[7]).toBe(rowsOf('products', 0.05)[7]);
  });
});

describe('row counts', () => {
  it('documents the table sizes per scale', () => {
    expect(rowCounts(1)).toEqual({ categories: 32, products: 1000, customers: 500, orders: 2000, order_lines: 5011, reviews: 2500 });
    expect(rowCounts(0.05)).toEqual({ categories: 32, products: 50, customers: 25, orders: 100, order_lines: 220, reviews: 125 });
    // Tiny scales keep the planted rows.
    expect(rowCounts(0.0001).products).toBe(PLANTED_PRODUCTS.length);
    expect(() => rowCounts(0)).toThrow(RangeError);
  });

  it.each([0.05, 1])('generates exactly rowCounts(%s) rows per table', (scale) => {
    const counts = rowCounts(scale);
    for (const t of TABLES) expect(rowsOf(t, scale), t).toHaveLength(counts[t]);
  });

  it('streams: the first rows of a huge scale come without generating the rest', () => {
    const started = performance.now();
    const rows = GENERATORS.order_lines.rows(rowCounts(1000))[Symbol.iterator]();
    for (let i = 0; i < 10; i++) expect(rows.next().done).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('known search terms', () => {
  const scale = 1;
  const all = Object.fromEntries(TABLES.map((t) => [t, rowsOf(t, scale)])) as Record<TableName, string[]>;

  it.each(KNOWN_SEARCH_TERMS.map((k) => [k.term, k] as const))('"%s" occurs in exactly one row of the dataset', (_term, known) => {
    const word = wordPattern(known.term);
    const hits = TABLES.flatMap((t) => all[t].filter((line) => word.test(line)).map((line) => [t, line.split('\t')[0]]));
    expect(hits).toEqual([[known.table, String(known.id)]]);
  });

  it('never appear in the word lists the generator draws from', () => {
    const words = JSON.stringify(vocabulary);
    expect(KNOWN_SEARCH_TERMS.filter(({ term }) => wordPattern(term).test(words)).map((k) => k.term)).toEqual([]);
  });

  it('belong to the planted rows at their documented keys', () => {
    for (const [i, p] of PLANTED_PRODUCTS.entries()) {
      const cells = (all.products[i] as string).split('\t');
      expect(cells.slice(0, 3)).toEqual([p.id, p.sku, p.name]);
    }
    expect((all.customers[0] as string).split('\t').slice(0, 3)).toEqual([String(PLANTED_CUSTOMER.id), PLANTED_CUSTOMER.name, PLANTED_CUSTOMER.email]);
    expect((all.reviews[0] as string).split('\t').slice(0, 3)).toEqual([String(PLANTED_REVIEW.id), PLANTED_REVIEW.productId, String(PLANTED_REVIEW.customerId)]);
  });
});

describe('COPY text encoding', () => {
  it('escapes the characters COPY treats specially', () => {
    expect(escapeCopy('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(escapeCopy('plain')).toBe('plain');
  });

  it('writes NULL, booleans, integers and array literals', () => {
    expect(copyLine([1, null, true, false, 'x'])).toBe('1\t\\N\tt\tf\tx\n');
    expect(arrayLiteral(['a b', 'say "hi"', 'back\\slash'])).toBe('{"a b","say \\"hi\\"","back\\\\slash"}');
    expect(copyLine([arrayLiteral(['q"'])])).toBe('{"q\\\\""}\n');
    expect(() => copyLine([1.5])).toThrow(/safe integer/);
  });

  it('formats cents and timestamps exactly', () => {
    expect([cents(0), cents(5), cents(4290), cents(123456)]).toEqual(['0.00', '0.05', '42.90', '1234.56']);
    for (let ms = 0; ms < Date.UTC(2100, 0, 1); ms += 86_400_000 * 3 + 3_601_000) {
      expect(timestamp(ms)).toBe(new Date(ms).toISOString().replace('T', ' ').replace('.000Z', '+00'));
    }
  });
});

describe('Random', () => {
  it('is reproducible per key and makes RFC 4122 version 4 UUIDs', () => {
    expect(new Random(1, 2).u32()).toBe(new Random(1, 2).u32());
    expect(new Random(1, 2).u32()).not.toBe(new Random(1, 3).u32());
    const uuid = new Random(9).uuid();
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps ints within bounds', () => {
    const rng = new Random(42);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(3, 7);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(7);
    }
  });
});
