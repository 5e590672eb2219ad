// `make docs`: fills the generated blocks of docs/configuration.md from the schemas.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fillBlocks, referenceBlocks } from '../src/config/reference.js';
import { defaultSources } from '../src/sources/index.js';

const file = path.resolve(import.meta.dirname, '../../../docs/configuration.md');
const registry = defaultSources();
const before = readFileSync(file, 'utf8');
const after = fillBlocks(before, referenceBlocks(registry.types().map((t) => registry.get(t)!)));
writeFileSync(file, after);
process.stdout.write(`${file}: ${before === after ? "up to date" : "generated blocks rewritten"}\n`);
