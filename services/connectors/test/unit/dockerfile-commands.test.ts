import { describe, expect, it } from 'vitest';
import {
  FILES,
  commandOf,
  loadComposeDocument,
  readRepoFile,
  scriptArgv,
  servicesOf,
  type ComposeService,
} from '../helpers/compose-files.js';
import { execForm, lastInstruction, parseDockerfile, type Stage } from '../helpers/compose-parse.js';

// The images must run exactly what `npm start` / `npm run setup` run natively,
// so the compose path and the native path cannot drift apart.

const services = servicesOf(loadComposeDocument());

function imageCmd(file: string): string[] | undefined {
  const final = parseDockerfile(readRepoFile(file)).stages.at(-1) as Stage;
  const cmd = lastInstruction(final, 'CMD');
  return cmd && execForm(cmd.args);
}

function composeCommand(name: string): string[] | undefined {
  return commandOf(services[name] as ComposeService);
}

describe('commands of the images and compose services', () => {
  it('service image CMD = services/connectors `start` script', () => {
    expect(imageCmd(FILES.serviceDockerfile)).toEqual(scriptArgv(FILES.servicePackage, 'start'));
  });

  it('compose `connectors` command = services/connectors `start` script', () => {
    expect(composeCommand('connectors')).toEqual(scriptArgv(FILES.servicePackage, 'start'));
  });

  it('make demo runs the service as the `start` script does (same Node flags)', () => {
    const exec = /^exec (node .*)$/m.exec(readRepoFile('scripts/demo.sh'))?.[1]?.split(/\s+/);
    expect(exec?.map((a) => a.replace('services/connectors/', ''))).toEqual(scriptArgv(FILES.servicePackage, 'start'));
  });

  it('compose `setup` command = services/connectors `setup` script', () => {
    expect(composeCommand('setup')).toEqual(scriptArgv(FILES.servicePackage, 'setup'));
  });

  it('compose `setup` runs the package’s own CLI entry point', () => {
    const pkg = JSON.parse(readRepoFile(FILES.servicePackage)) as { bin?: Record<string, string> };
    expect(composeCommand('setup')?.slice(0, 2)).toEqual(['node', pkg.bin?.['connectors']]);
  });

  it('seed image CMD = seed `start` script', () => {
    expect(imageCmd(FILES.seedDockerfile)).toEqual(scriptArgv(FILES.seedPackage, 'start'));
  });

  it('compose `seed` command = seed `start` script', () => {
    expect(composeCommand('seed')).toEqual(scriptArgv(FILES.seedPackage, 'start'));
  });

  it.each([
    { file: FILES.serviceDockerfile, pkg: FILES.servicePackage, workspace: 'services/connectors' },
    { file: FILES.seedDockerfile, pkg: FILES.seedPackage, workspace: 'seed' },
  ])('$file builds with the `build` script of $pkg', ({ file, pkg, workspace }) => {
    const scripts = (JSON.parse(readRepoFile(pkg)) as { scripts?: Record<string, string> }).scripts ?? {};
    expect(scripts['build'], `${pkg} has no "build" script, which ${file} runs`).toBeTruthy();
    expect(readRepoFile(file)).toContain(`npm run build --workspace ${workspace}`);
  });
});
