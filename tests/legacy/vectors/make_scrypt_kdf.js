// Medusa v1/v2 vectors from the npm package Medusa itself uses: base64(Scrypt.kdf(password, params)).
// Run: npm ci && node make_scrypt_kdf.js   (writes medusa_scrypt_kdf.json)
import Scrypt from 'scrypt-kdf';
import { packageVersion, passwords, writeVectors } from './vectorlib.js';

const formats = [
    ['medusa-v1', { logN: 1, r: 1, p: 1 }],   // Medusa v1 user/customer services
    ['medusa-v2', { logN: 15, r: 8, p: 1 }],  // Medusa v2 auth-emailpass default hashConfig
];

const vectors = [];
for (const [format, params] of formats) {
    for (const { id, password } of passwords()) {
        const key = await Scrypt.kdf(password, params);
        const encoded = Buffer.from(key).toString('base64');
        if (!(await Scrypt.verify(key, password))) throw new Error(`self-check failed for ${id}`);
        vectors.push({ format, password_id: id, password, params, encoded });
    }
}
// A Medusa v2 store can raise hashConfig; logN 17 is the first N at the ASVS floor.
const strong = { logN: 17, r: 8, p: 1 };
const first = passwords()[0];
vectors.push({
    format: 'medusa-v2', password_id: first.id, password: first.password, params: strong,
    encoded: Buffer.from(await Scrypt.kdf(first.password, strong)).toString('base64'),
});
writeVectors(
    'medusa_scrypt_kdf.json',
    'tests/legacy/vectors/make_scrypt_kdf.js',
    `npm scrypt-kdf ${packageVersion('scrypt-kdf')} on Node ${process.version}`,
    vectors,
);
