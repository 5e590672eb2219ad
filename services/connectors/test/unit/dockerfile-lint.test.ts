import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { FILES, readRepoFile } from '../helpers/compose-files.js';
import { execForm, lastInstruction, parseDockerfile, type Stage } from '../helpers/compose-parse.js';

// LSP DiagnosticSeverity: 1 error, 2 warning, 3 information, 4 hint.
const SEVERITY = ['', 'error', 'warning', 'information', 'hint'];

function lint(text: string): string[] {
  return validate(text).map(
    (d) => `line ${d.range.start.line + 1}: ${SEVERITY[d.severity ?? 1] ?? 'unknown'}: ${d.message}`,
  );
}

const images = [
  { file: FILES.serviceDockerfile, workspace: 'services/connectors', longRunning: true },
  { file: FILES.seedDockerfile, workspace: 'seed', longRunning: false },
];

describe('dockerfile-utils', () => {
  it('flags a broken Dockerfile (the linter is wired up)', () => {
    expect(lint('FROM node:22\nHEALTHCHECK --every=5s CMD true\nUSER\n')).toEqual([
      'line 2: error: Unknown flag: every',
      'line 3: error: Instruction has no arguments',
    ]);
  });
});

describe.each(images)('$file', ({ file, workspace, longRunning }) => {
  const text = readRepoFile(file);
  const { stages } = parseDockerfile(text);
  const final = stages.at(-1) as Stage;
  const all = (s: Stage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('lints clean', () => {
    expect(lint(text)).toEqual([]);
  });

  it('is multi-stage: dev dependencies build, production dependencies run', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages[0] as Stage;
    expect(all(build, 'RUN').join('\n')).toMatch(new RegExp(`npm ci --workspace ${workspace}\\b`));
    expect(all(build, 'RUN').join('\n')).toMatch(new RegExp(`npm run build --workspace ${workspace}\\b`));
    expect(all(final, 'RUN').join('\n')).toMatch(new RegExp(`npm ci --omit=dev --workspace ${workspace}\\b`));
    expect(text, 'npm install would ignore the lockfile').not.toMatch(/npm (install|i)\b/);
  });

  it('installs from the root lockfile of the npm workspaces', () => {
    for (const stage of stages.filter((s) => all(s, 'RUN').some((r) => r.includes('npm ci')))) {
      expect(all(stage, 'COPY')).toContain('package.json package-lock.json ./');
    }
  });

  it('runs on a slim even-numbered (LTS) Node ≥ 22', () => {
    for (const stage of stages) {
      const m = /^node:(\d+)-bookworm-slim$/.exec(stage.image);
      expect(m, `base image ${stage.image}`).not.toBeNull();
      const major = Number(m?.[1]);
      expect(major % 2 === 0 && major >= 22, `node ${major} is not an LTS line ≥ 22`).toBe(true);
    }
  });

  it('runs as a non-root user, in production mode, from inside its workspace', () => {
    const user = lastInstruction(final, 'USER')?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(all(final, 'ENV')).toContain('NODE_ENV=production');
    // Node resolves packages upwards, reaching the hoisted /app/node_modules.
    expect(lastInstruction(final, 'WORKDIR')?.args).toBe(`/app/${workspace}`);
  });

  it('starts with an exec-form CMD (signals reach node) and stops on SIGTERM', () => {
    const cmd = lastInstruction(final, 'CMD');
    expect(cmd && execForm(cmd.args), 'CMD must be a JSON array').toBeTruthy();
    expect(lastInstruction(final, 'ENTRYPOINT')).toBeUndefined();
    expect(lastInstruction(final, 'STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it.runIf(longRunning)('has a HEALTHCHECK on /health that needs only node', () => {
    const hc = lastInstruction(final, 'HEALTHCHECK')?.args ?? '';
    const argv = execForm(hc.replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(argv?.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv?.[2]).toContain('/health');
  });

  it.runIf(longRunning)('prepares /run/connectors for the non-root setup job to write to', () => {
    expect(all(final, 'RUN').join('\n')).toMatch(/chown node:node \/run\/connectors/);
  });
});

describe(FILES.dockerignore, () => {
  const patterns = readRepoFile(FILES.dockerignore)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps dependencies, build output, VCS data and local secrets out of the build context', () => {
    // `**/` is needed for workspace folders: a bare pattern matches only at the root.
    expect(patterns).toEqual(
      expect.arrayContaining(['.git', '**/node_modules', '**/dist', '.cache', '.env', '.services.env', '**/coverage', '**/*.log']),
    );
  });
});
