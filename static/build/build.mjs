// Builds static/vendor/designsystemet/ from the pinned npm packages (run: npm ci && npm run build).
// 1. the Kretsløp theme (tokens -> CSS) from designsystemet.config.json with the Designsystemet CLI,
// 2. copies the component CSS, the theme and the licence, and writes a README with the versions.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'vendor', 'designsystemet');
const modules = join(here, 'node_modules', '@digdir');
const tokens = join(here, 'design-tokens');
const built = join(here, 'design-tokens-build');
const version = (pkg) => JSON.parse(readFileSync(join(modules, pkg, 'package.json'), 'utf8')).version;
const cli = join(modules, 'designsystemet', 'dist', 'bin', 'designsystemet.js');
const run = (...args) => execFileSync(process.execPath, [cli, ...args], { cwd: here, stdio: 'inherit' });

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
run('tokens', 'create', '--config', 'designsystemet.config.json', '--clean');
run('tokens', 'build', '--tokens', tokens, '--out-dir', built, '--clean');
copyFileSync(join(built, 'kretslop.css'), join(out, 'kretslop-theme.css'));
copyFileSync(join(modules, 'designsystemet-css', 'dist', 'src', 'index.css'), join(out, 'designsystemet.css'));
copyFileSync(join(modules, 'designsystemet-css', 'LICENSE'), join(out, 'LICENSE'));
rmSync(tokens, { recursive: true, force: true });
rmSync(built, { recursive: true, force: true });

const brand = JSON.parse(readFileSync(join(here, 'designsystemet.config.json'), 'utf8')).themes.kretslop;
writeFileSync(join(out, 'README.md'), `# Designsystemet (vendored, built files: do not edit)

- designsystemet.css: @digdir/designsystemet-css ${version('designsystemet-css')} (dist/src/index.css), MIT, see LICENSE.
- kretslop-theme.css: the Kretsløp theme built with @digdir/designsystemet ${version('designsystemet')} (CLI, MIT)
  from static/build/designsystemet.config.json (accent ${brand.colors.main.accent}, neutral ${brand.colors.neutral}).

Rebuild with \`make assets\` (Node 20+ and npm; runs \`npm ci && npm run build\` in static/build/).
`);
console.log(`Wrote ${out}`);
