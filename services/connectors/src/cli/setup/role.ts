import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { errorMessage } from '../../log/redact.js';

/**
 * `<repo>/compose/setup/connector-role.json`: the same depth from src/cli/setup/
 * and dist/cli/setup/ (in the image the repository root is /app).
 */
export const DEFAULT_ROLE_FILE = fileURLToPath(new URL('../../../../../compose/setup/connector-role.json', import.meta.url));

const PLACEHOLDER = /\$\{([^}]*)\}/g;

// Strict: a field this schema does not know (run_as, applications…) is an error,
// never silently dropped from, or added to, the key's privileges.
const roleDescriptorsSchema = z
  .record(
    z.string().min(1),
    z
      .object({
        cluster: z.array(z.string()),
        indices: z.array(
          z
            .object({
              names: z.array(z.string().min(1)).min(1),
              privileges: z.array(z.string().min(1)).min(1),
              allow_restricted_indices: z.boolean().optional(),
            })
            .strict(),
        ),
      })
      .strict(),
  )
  .refine((roles) => Object.keys(roles).length > 0, { message: 'must define at least one role' });
export type RoleDescriptors = z.output<typeof roleDescriptorsSchema>;

/**
 * The role descriptors of the service's API key, read from `file` with
 * `${CONNECTOR_INDEX_NAME}` replaced by `indexName`. Any other placeholder is
 * an error: it would otherwise reach Elasticsearch as a literal index name.
 */
export function loadConnectorRole(file: string, indexName: string): RoleDescriptors {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`connector role file ${file} cannot be read (SETUP_ROLE_FILE): ${errorMessage(err)}`);
  }
  const substituted = text.replace(PLACEHOLDER, (_match, name: string) => {
    if (name !== 'CONNECTOR_INDEX_NAME') throw new Error(`connector role file ${file}: unknown placeholder \${${name}} (only \${CONNECTOR_INDEX_NAME} is substituted)`);
    // Escaped as JSON string content, so any index name keeps the file valid.
    return JSON.stringify(indexName).slice(1, -1);
  });
  let json: unknown;
  try {
    json = JSON.parse(substituted);
  } catch (err) {
    throw new Error(`connector role file ${file} is not valid JSON: ${errorMessage(err)}`);
  }
  const parsed = roleDescriptorsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`connector role file ${file} is malformed: ${problems}`);
  }
  return parsed.data;
}

/** A short digest of the role descriptors: kept in the key's metadata, so a changed role file replaces the key. */
export function roleFingerprint(role: RoleDescriptors): string {
  return createHash('sha256').update(JSON.stringify(role)).digest('hex').slice(0, 16);
}
