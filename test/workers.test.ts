// The addon inside worker threads: a worker terminated while its epoch runs must not take the
// process down, and the addon stays usable (on the compiled package, dist/).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('worker threads', () => {
  it('a worker terminated mid-epoch leaves the process and the addon working', () => {
    const child = spawnSync(process.execPath, [join(__dirname, 'fixtures', 'terminate-worker.cjs')], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toContain('terminated');
    expect(child.stdout).toContain('predicted 100');
  });
});
