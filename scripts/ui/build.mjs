// Builds the web console for the binary: `vite build` of ui/ into <dist> when ui/node_modules is
// installed (`make build` installs it from ui/package-lock.json), then embeds <dist> as a C++
// table (embed.mjs). Without the packages the previous build is kept; with none at all the
// table is empty and /ui says the console was not built.
// Usage: node scripts/ui/build.mjs <ui> <dist> <out.cpp>
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [ui, dist, out] = process.argv.slice(2);
const vite = join(ui, 'node_modules', 'vite', 'bin', 'vite.js');
if (existsSync(vite)) {
  const r = spawnSync(process.execPath, [vite, 'build', '--outDir', dist, '--emptyOutDir',
    '--logLevel', 'warn'], { cwd: ui, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
} else {
  console.log(`console: ${vite} is not installed; ${existsSync(dist) ? 'keeping the previous build' : 'not built'}`);
}
const embed = join(dirname(fileURLToPath(import.meta.url)), 'embed.mjs');
const r = spawnSync(process.execPath, [embed, dist, out], { stdio: 'inherit' });
process.exit(r.status ?? 1);
