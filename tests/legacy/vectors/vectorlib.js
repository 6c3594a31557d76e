// Shared plumbing for the make_*.js scripts: the common password list and the output shape.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function passwords() {
    return JSON.parse(readFileSync(join(here, 'passwords.json'), 'utf8')).passwords;
}

export function packageVersion(name) {
    const manifest = join(here, 'node_modules', name, 'package.json');
    return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

export function writeVectors(fileName, generator, reference, vectors) {
    const doc = { generator, reference, vectors };
    writeFileSync(join(here, fileName), JSON.stringify(doc, null, 2) + '\n', 'utf8');
    console.log(`${fileName}: ${vectors.length} vectors (${reference})`);
}
