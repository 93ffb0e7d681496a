// Copies Leaflet (pinned in package.json, BSD-2-Clause) into static/vendor/leaflet/: the
// dist files the maps load (leaflet.js, leaflet.css, images/), the licence, and a README
// with the version and the tarball's integrity. Run by `npm run build` (make assets).
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'vendor', 'leaflet');
const pkg = join(here, 'node_modules', 'leaflet');
const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
const integrity = lock.packages['node_modules/leaflet'].integrity;

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'images'), { recursive: true });
for (const name of ['leaflet.js', 'leaflet.css']) copyFileSync(join(pkg, 'dist', name), join(out, name));
for (const name of readdirSync(join(pkg, 'dist', 'images'))) {
  copyFileSync(join(pkg, 'dist', 'images', name), join(out, 'images', name));
}
copyFileSync(join(pkg, 'LICENSE'), join(out, 'LICENSE'));
writeFileSync(join(out, 'README.md'), `# Leaflet ${version} (vendored)

\`leaflet.js\`, \`leaflet.css\`, \`images/\` and \`LICENSE\` (BSD-2-Clause) are copied unchanged
from the npm package \`leaflet@${version}\` (\`dist/\`; tarball ${integrity}).
Rebuild with \`make assets\` (needs Node 20+ and npm), which installs the version pinned in
\`static/build/package.json\` and copies these files here. Our own code is
\`static/js/map.js\` and \`static/css/map.css\`; the partial is \`templates/_map.html\`.
`);
console.log(`Wrote ${out}`);
