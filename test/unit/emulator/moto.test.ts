import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatorUnavailableError, findEmulatorPython } from '../../../tools/emulator/moto';

/** An executable that answers the emulator's probe (`python -c 'import moto.server, flask'`) with `status`. */
function fakePython(status: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fake-python-')), 'python');
  writeFileSync(path, `#!/bin/sh\nexit ${status}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('findEmulatorPython', () => {
  it('runs the Python MOTO_PYTHON names, when it has moto’s server', () => {
    const python = fakePython(0);

    expect(findEmulatorPython({ MOTO_PYTHON: python })).toBe(python);
  });

  it('says in one line how to install moto where pip may not, naming MOTO_PYTHON and the Python it tried', () => {
    const python = fakePython(1);

    expect(() => findEmulatorPython({ MOTO_PYTHON: python })).toThrow(EmulatorUnavailableError);
    let message = '';
    try {
      findEmulatorPython({ MOTO_PYTHON: python });
    } catch (error: unknown) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('\n');
    expect(message).toContain(`moto's server is not installed for ${python}`);
    expect(message).toContain(
      "python3 -m venv ~/.venvs/moto && ~/.venvs/moto/bin/pip install 'moto[server]'",
    );
    expect(message).toContain('export MOTO_PYTHON=~/.venvs/moto/bin/python');
  });

  it('tries python3 when MOTO_PYTHON is unset or empty (the control: the same probe, another Python)', () => {
    const tried = (env: NodeJS.ProcessEnv) => {
      try {
        return findEmulatorPython(env);
      } catch (error: unknown) {
        return (error as Error).message;
      }
    };

    // python3 has moto's server on this machine, or the hint names python3.
    expect(tried({})).toMatch(/^python3$|not installed for python3:/);
    expect(tried({ MOTO_PYTHON: '' })).toMatch(/^python3$|not installed for python3:/);
  });
});
