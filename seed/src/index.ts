/** Programmatic entry: run the seed, or read the dataset's facts. */
export { loadConfig, parseScale, type SeedConfig, type Connection, type LoadOptions } from './config.js';
export { runSeed, type SeedSummary, type RunOptions } from './seed.js';
export { ConfigError, SeedError } from './errors.js';
export * from './dataset.js';
