/**
 * Row generators: one lazy iterable of COPY-encoded rows per table. Each row is a
 * pure function of (table, row index, table sizes), seeded by random.ts, so the
 * same scale always yields the same bytes and nothing is held in memory.
 */
import { arrayLiteral, cents, copyLine, timestamp } from './copy.js';
import {
  DATASET_END,
  DATASET_START,
  PLANTED_CUSTOMER,
  PLANTED_PRODUCTS,
  PLANTED_REVIEW,
  orderLineCount,
  type RowCounts,
  type TableName,
} from './dataset.js';
import { Random } from './random.js';
import {
  ADJECTIVES,
  AUDIENCES,
  BENEFITS,
  BRANDS,
  COLOURS,
  COUNTRIES,
  DEPARTMENTS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  GENERAL_TAGS,
  LAST_NAMES,
  MODEL_SUFFIXES,
  ORDER_NOTES,
  REVIEW_SENTENCES,
  REVIEW_TITLES,
  type Department,
  type Leaf,
} from './vocabulary.js';

/** Independent random streams; the numbers are part of the data's identity. */
const STREAM = {
  productCore: 1,
  productText: 2,
  customerCore: 3,
  customerText: 4,
  order: 5,
  orderLines: 6,
  review: 7,
} as const;

const DAY = 86_400_000;
const SECOND = 1000;

interface Category {
  id: number;
  parentId: number | null;
  name: string;
  slug: string;
  path: string;
  description: string;
  department: Department;
  leaf?: Leaf;
}

/** Department d (0-based) has id 10·(d+1); its leaf l has id 10·(d+1) + l + 1. */
const CATEGORIES: readonly Category[] = DEPARTMENTS.flatMap((department, d) => [
  { id: (d + 1) * 10, parentId: null, name: department.name, slug: department.slug, path: department.name, description: department.description, department },
  ...department.leaves.map((leaf, l) => ({
    id: (d + 1) * 10 + l + 1,
    parentId: (d + 1) * 10,
    name: leaf.name,
    slug: leaf.slug,
    path: `${department.name} > ${leaf.name}`,
    description: leaf.description,
    department,
    leaf,
  })),
]);
const LEAVES = CATEGORIES.filter((c) => c.leaf !== undefined);
const CATEGORY_BY_ID = new Map(CATEGORIES.map((c) => [c.id, c]));

/** Reviews of planted products use these nouns, which are free of search terms. */
const PLANTED_NOUNS = ['machine', 'daypack', 'night lamp', 'torch'] as const;

function leafOf(id: number): Category & { leaf: Leaf } {
  const c = CATEGORY_BY_ID.get(id);
  if (!c?.leaf) throw new Error(`category ${id} is not a leaf`);
  return c as Category & { leaf: Leaf };
}

function titleCase(s: string): string {
  return s.replace(/(^|[\s])([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** Random second in [from, to). */
function instant(rng: Random, from: number, to: number): number {
  const span = Math.max(1, Math.floor((to - from) / SECOND));
  return from + rng.int(0, span - 1) * SECOND;
}

function skuFor(department: Department, index: number): string {
  return `${department.slug.slice(0, 3).toUpperCase()}-${String(index + 1).padStart(7, '0')}`;
}

function parsePrice(s: string): number {
  const [whole = '0', frac = '0'] = s.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

// ---------------------------------------------------------------- categories

export const CATEGORY_COLUMNS = ['id', 'parent_id', 'name', 'slug', 'path', 'description'] as const;

export function* categoryRows(): Generator<string> {
  for (const c of CATEGORIES) yield copyLine([c.id, c.parentId, c.name, c.slug, c.path, c.description]);
}

// ------------------------------------------------------------------ products

/** What other tables need to know about a product (cheap to recompute). */
export interface ProductCore {
  id: string;
  category: Category & { leaf: Leaf };
  noun: string;
  brand: string;
  adjective: string;
  suffix: string;
  priceCents: number;
  createdAt: number;
}

export function productCore(index: number): ProductCore {
  const planted = PLANTED_PRODUCTS[index];
  if (planted) {
    return {
      id: planted.id,
      category: leafOf(planted.categoryId),
      noun: PLANTED_NOUNS[index] as string,
      brand: planted.brand,
      adjective: '',
      suffix: '',
      priceCents: parsePrice(planted.price),
      createdAt: Date.parse(planted.createdAt),
    };
  }
  const rng = new Random(STREAM.productCore, index);
  const category = rng.pick(LEAVES) as Category & { leaf: Leaf };
  const noun = rng.pick(category.leaf.nouns);
  const [min, max] = category.leaf.price;
  const dollars = rng.int(Math.floor(min / 100), Math.floor(max / 100));
  const priceCents = Math.max(99, dollars * 100 + rng.pick([99, 99, 49, 0, 95]));
  return {
    id: rng.uuid(),
    category,
    noun,
    brand: rng.pick(BRANDS),
    adjective: rng.pick(ADJECTIVES),
    suffix: rng.pick(MODEL_SUFFIXES),
    priceCents,
    // Leave a month before the end so every product can still be ordered and reviewed.
    createdAt: instant(rng, DATASET_START, DATASET_END - 30 * DAY),
  };
}

export const PRODUCT_COLUMNS = [
  'id', 'sku', 'name', 'description', 'category_id', 'category', 'brand', 'price',
  'tags', 'attributes', 'in_stock', 'stock_quantity', 'created_at', 'updated_at',
] as const;

/** The facts a description mentions; also stored in the attributes column. */
interface Facts {
  material: string;
  colour: string;
  warrantyYears: number;
}

function describe(rng: Random, core: ProductCore, name: string, facts: Facts): string {
  const dept = core.category.department;
  // Nouns such as "hiking boots" are plural.
  const opener = core.noun.endsWith('s')
    ? `The ${name} are ${core.adjective} ${core.noun} ${rng.pick(dept.uses)}.`
    : `The ${name} is ${article(core.adjective)} ${core.adjective} ${core.noun} ${rng.pick(dept.uses)}.`;
  const sentences = [opener];
  const features = rng.sample(dept.features, rng.int(2, 3));
  sentences.push(
    features.length === 3
      ? `Features include ${features[0]}, ${features[1]} and ${features[2]}.`
      : `Highlights include ${features[0]} and ${features[1]}.`,
  );
  sentences.push(`Made from ${facts.material} and ${rng.pick(BENEFITS)}.`);
  if (rng.chance(0.6)) sentences.push(`A ${rng.pick(['smart', 'reliable', 'thoughtful', 'popular'])} choice for ${rng.pick(AUDIENCES)}.`);
  sentences.push(`Available in ${facts.colour} and backed by a ${facts.warrantyYears}-year warranty.`);
  return sentences.join(' ');
}

function productRow(index: number): string {
  const core = productCore(index);
  const dept = core.category.department;
  const sku = skuFor(dept, index);
  const planted = PLANTED_PRODUCTS[index];
  if (planted) {
    return copyLine([
      planted.id, sku, planted.name, planted.description, planted.categoryId, planted.category, planted.brand, planted.price,
      arrayLiteral(planted.tags), JSON.stringify(planted.attributes), true, 25, timestamp(core.createdAt), timestamp(core.createdAt),
    ]);
  }
  const rng = new Random(STREAM.productText, index);
  const name = `${core.brand} ${titleCase(core.adjective)} ${titleCase(core.noun)}${core.suffix}`;
  const facts: Facts = { material: rng.pick(dept.materials), colour: rng.pick(COLOURS), warrantyYears: rng.int(1, 5) };
  const description = describe(rng, core, name, facts);
  const tags = new Set(rng.sample(dept.tags, rng.int(2, 3)));
  tags.add(core.category.name.toLowerCase());
  if (rng.chance(0.3)) tags.add(rng.pick(GENERAL_TAGS));
  const attributes: Record<string, unknown> = {
    color: facts.colour,
    material: facts.material,
    weight_g: rng.int(50, 9000),
    warranty_years: facts.warrantyYears,
  };
  for (const spec of rng.sample(dept.specs, 2)) attributes[spec.key] = rng.pick(spec.values);
  const inStock = rng.chance(0.88);
  const updatedAt = instant(rng, core.createdAt, DATASET_END);
  return copyLine([
    core.id, sku, name, description, core.category.id, core.category.name, core.brand, cents(core.priceCents),
    arrayLiteral([...tags]), JSON.stringify(attributes), inStock, inStock ? rng.int(1, 500) : 0,
    timestamp(core.createdAt), timestamp(updatedAt),
  ]);
}

export function* productRows(counts: RowCounts): Generator<string> {
  for (let i = 0; i < counts.products; i++) yield productRow(i);
}

// ----------------------------------------------------------------- customers

export function customerSignup(index: number): number {
  if (index === 0) return Date.parse(PLANTED_CUSTOMER.signupAt);
  return instant(new Random(STREAM.customerCore, index), DATASET_START, DATASET_END - DAY);
}

export const CUSTOMER_COLUMNS = ['id', 'name', 'email', 'country', 'city', 'signup_at', 'marketing_opt_in'] as const;

function emailPart(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

function customerRow(index: number): string {
  const id = index + 1;
  if (index === 0) {
    const c = PLANTED_CUSTOMER;
    return copyLine([c.id, c.name, c.email, c.country, c.city, timestamp(Date.parse(c.signupAt)), c.marketingOptIn]);
  }
  const rng = new Random(STREAM.customerText, index);
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const [country, cities] = rng.weighted(COUNTRIES.map(([code, c, w]) => [[code, c] as const, w] as const));
  // The id keeps e-mail addresses unique however many customers share a name.
  const email = `${emailPart(first)}.${emailPart(last)}${id}@${rng.pick(EMAIL_DOMAINS)}`;
  return copyLine([id, `${first} ${last}`, email, country, rng.pick(cities), timestamp(customerSignup(index)), rng.chance(0.35)]);
}

export function* customerRows(counts: RowCounts): Generator<string> {
  for (let i = 0; i < counts.customers; i++) yield customerRow(i);
}

// ------------------------------------------------------------ orders + lines

export interface OrderLine {
  lineNo: number;
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

/** Lines of order `index`; also used to compute the order's total. */
export function orderLines(index: number, counts: RowCounts): OrderLine[] {
  const rng = new Random(STREAM.orderLines, index);
  const lines: OrderLine[] = [];
  const n = orderLineCount(index);
  for (let lineNo = 1; lineNo <= n; lineNo++) {
    // Skewed towards low indexes: a few best sellers, including the planted products.
    const product = productCore(rng.skewed(0, counts.products - 1));
    const discounted = rng.chance(0.15);
    lines.push({
      lineNo,
      productId: product.id,
      quantity: rng.weighted([[1, 70], [2, 20], [3, 7], [4, 2], [6, 1]]),
      unitPriceCents: discounted ? Math.round((product.priceCents * 9) / 10) : product.priceCents,
    });
  }
  return lines;
}

export const ORDER_COLUMNS = ['id', 'customer_id', 'status', 'placed_at', 'total', 'notes'] as const;
export const ORDER_LINE_COLUMNS = ['order_id', 'line_no', 'product_id', 'quantity', 'unit_price'] as const;

function orderStatus(rng: Random, ageMs: number): string {
  if (ageMs < 2 * DAY) return rng.weighted([['pending', 40], ['paid', 55], ['cancelled', 5]]);
  if (ageMs < 10 * DAY) return rng.weighted([['paid', 30], ['shipped', 65], ['cancelled', 5]]);
  return rng.weighted([['delivered', 88], ['cancelled', 7], ['refunded', 5]]);
}

function orderRow(index: number, counts: RowCounts): string {
  const rng = new Random(STREAM.order, index);
  const customer = rng.int(0, counts.customers - 1);
  const placedAt = instant(rng, customerSignup(customer), DATASET_END);
  let total = 0;
  for (const l of orderLines(index, counts)) total += l.quantity * l.unitPriceCents;
  const status = orderStatus(rng, DATASET_END - placedAt);
  const notes = rng.chance(0.12) ? rng.pick(ORDER_NOTES) : null;
  return copyLine([index + 1, customer + 1, status, timestamp(placedAt), cents(total), notes]);
}

export function* orderLineRows(counts: RowCounts): Generator<string> {
  for (let i = 0; i < counts.orders; i++) {
    for (const l of orderLines(i, counts)) yield copyLine([i + 1, l.lineNo, l.productId, l.quantity, cents(l.unitPriceCents)]);
  }
}

export function* orderRows(counts: RowCounts): Generator<string> {
  for (let i = 0; i < counts.orders; i++) yield orderRow(i, counts);
}

// ------------------------------------------------------------------- reviews

export const REVIEW_COLUMNS = ['id', 'product_id', 'customer_id', 'rating', 'title', 'body', 'verified_purchase', 'helpful_votes', 'created_at'] as const;

function reviewRow(index: number, counts: RowCounts): string {
  if (index === 0) {
    const r = PLANTED_REVIEW;
    return copyLine([r.id, r.productId, r.customerId, r.rating, r.title, r.body, r.verifiedPurchase, r.helpfulVotes, timestamp(Date.parse(r.createdAt))]);
  }
  const rng = new Random(STREAM.review, index);
  const product = productCore(rng.skewed(0, counts.products - 1));
  const customer = rng.int(0, counts.customers - 1);
  const rating = rng.weighted([[5, 40], [4, 30], [3, 14], [2, 8], [1, 8]]);
  const mood = rating >= 4 ? 'good' : rating === 3 ? 'mixed' : 'bad';
  const body = rng
    .sample(REVIEW_SENTENCES[mood], rng.int(1, 3))
    .map((s) => s.replaceAll('{noun}', product.noun))
    .join(' ');
  const after = Math.max(product.createdAt, customerSignup(customer));
  return copyLine([
    index + 1, product.id, customer + 1, rating, rng.pick(REVIEW_TITLES[mood]), body,
    rng.chance(0.75), rng.skewed(0, 60), timestamp(instant(rng, after, DATASET_END)),
  ]);
}

export function* reviewRows(counts: RowCounts): Generator<string> {
  for (let i = 0; i < counts.reviews; i++) yield reviewRow(i, counts);
}

// --------------------------------------------------------------------- index

export interface TableGenerator {
  columns: readonly string[];
  rows: (counts: RowCounts) => Iterable<string>;
}

export const GENERATORS: Record<TableName, TableGenerator> = {
  categories: { columns: CATEGORY_COLUMNS, rows: () => categoryRows() },
  products: { columns: PRODUCT_COLUMNS, rows: productRows },
  customers: { columns: CUSTOMER_COLUMNS, rows: customerRows },
  orders: { columns: ORDER_COLUMNS, rows: orderRows },
  order_lines: { columns: ORDER_LINE_COLUMNS, rows: orderLineRows },
  reviews: { columns: REVIEW_COLUMNS, rows: reviewRows },
};
