import { afterAll } from 'vitest';
import { removeFakeConnectors } from '../helpers/runtime-harness.js';

// Runs after each integration file's own hooks (setupFiles of vitest.config.ts).
afterAll(removeFakeConnectors);
