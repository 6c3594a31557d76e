<?php
// bcrypt vectors from PHP itself: password_hash(PASSWORD_BCRYPT) ($2y$) and crypt() ($2a$, $2b$).
// Run: php make_php_bcrypt.php   (writes bcrypt_php.json)
// PHP hashes the password's bytes and silently uses only the first 72.
declare(strict_types=1);
require __DIR__ . '/vectorlib.php';

$vectors = [];
$salt22 = fn (): string => substr(strtr(base64_encode(random_bytes(16)), '+', '.'), 0, 22);

foreach (vector_passwords() as $p) {
    // Cost 4 keeps the test run fast; the cost is read from the hash, not assumed.
    $vectors[] = ['format' => 'bcrypt', 'password_id' => $p['id'], 'password' => $p['password'],
        'via' => 'password_hash cost 4',
        'encoded' => password_hash($p['password'], PASSWORD_BCRYPT, ['cost' => 4])];
}
$ascii = vector_passwords()[0];
$vectors[] = ['format' => 'bcrypt', 'password_id' => $ascii['id'], 'password' => $ascii['password'],
    'via' => 'password_hash default cost',
    'encoded' => password_hash($ascii['password'], PASSWORD_BCRYPT)];
foreach (['2a', '2b'] as $minor) {
    foreach (vector_passwords() as $p) {
        if (!in_array($p['id'], ['ascii', 'latin1', 'emoji', 'long-256', 'multibyte-over-72-bytes'], true)) {
            continue;
        }
        $vectors[] = ['format' => 'bcrypt', 'password_id' => $p['id'], 'password' => $p['password'],
            'via' => "crypt \$$minor\$ cost 4",
            'encoded' => crypt($p['password'], '$' . $minor . '$04$' . $salt22())];
    }
}
foreach ($vectors as &$v) {
    if (!password_verify($v['password'], $v['encoded'])) {
        throw new RuntimeException('self-check failed for ' . $v['password_id']);
    }
    $v['truncated'] = strlen($v['password']) > 72;
}
unset($v);
write_vectors('bcrypt_php.json', 'tests/legacy/vectors/make_php_bcrypt.php', php_reference(), $vectors);
