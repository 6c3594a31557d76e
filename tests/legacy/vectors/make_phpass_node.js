// WordPress phpass ($P$) vectors from npm wordpress-hash-node.
// Run: npm ci && node make_phpass_node.js   (writes phpass_wordpress_hash_node.json)
// That package feeds MD5 'binary' (latin1) strings, so it mangles every character above
// U+00FF and disagrees with PHP for them: only ASCII passwords are taken from it.
// Non-ASCII phpass vectors come from PHP's own phpass (make_phpass.php).
import wp from 'wordpress-hash-node';
import { packageVersion, passwords, writeVectors } from './vectorlib.js';

const vectors = [];
for (const { id, password } of passwords()) {
    if (!/^[\x20-\x7e]*$/.test(password)) continue;
    const encoded = wp.HashPassword(password);
    if (!wp.CheckPassword(password, encoded)) throw new Error(`self-check failed ${id}`);
    vectors.push({ format: 'phpass', password_id: id, password, encoded });
}
writeVectors(
    'phpass_wordpress_hash_node.json',
    'tests/legacy/vectors/make_phpass_node.js',
    `npm wordpress-hash-node ${packageVersion('wordpress-hash-node')} on Node ${process.version}`,
    vectors,
);
