// bcrypt vectors from npm bcryptjs (pure-JS bcrypt used by many Node shops).
// Run: npm ci && node make_bcryptjs.js   (writes bcrypt_bcryptjs.json)
// bcryptjs hashes the UTF-8 bytes and silently truncates at 72 bytes, like PHP.
import bcrypt from 'bcryptjs';
import { packageVersion, passwords, writeVectors } from './vectorlib.js';

const vectors = [];
// Cost 4 keeps the test run fast; one cost-10 vector pins the ASVS floor boundary.
for (const { id, password } of passwords()) {
    const encoded = bcrypt.hashSync(password, bcrypt.genSaltSync(4));
    vectors.push({ format: 'bcrypt', password_id: id, password, cost: 4, encoded });
}
const ascii = passwords()[0];
vectors.push({
    format: 'bcrypt', password_id: ascii.id, password: ascii.password, cost: 10,
    encoded: bcrypt.hashSync(ascii.password, 10),
});
// bcryptjs keeps the minor version of a salt it is given: same hash under $2a$ and $2y$.
for (const minor of ['a', 'y']) {
    const salt = bcrypt.genSaltSync(4).replace(/^\$2b\$/, `$2${minor}$`);
    for (const { id, password } of passwords().slice(0, 2)) {
        vectors.push({
            format: 'bcrypt', password_id: id, password, cost: 4,
            encoded: bcrypt.hashSync(password, salt),
        });
    }
}
for (const v of vectors) {
    if (!bcrypt.compareSync(v.password, v.encoded)) throw new Error(`self-check failed ${v.password_id}`);
    v.truncated = bcrypt.truncates(v.password);
}
writeVectors(
    'bcrypt_bcryptjs.json',
    'tests/legacy/vectors/make_bcryptjs.js',
    `npm bcryptjs ${packageVersion('bcryptjs')} on Node ${process.version}`,
    vectors,
);
