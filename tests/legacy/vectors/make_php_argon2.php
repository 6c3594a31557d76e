<?php
// Argon2 PHC vectors from PHP's password_hash(PASSWORD_ARGON2ID / PASSWORD_ARGON2I).
// Run: php make_php_argon2.php   (writes argon2_php.json)
declare(strict_types=1);
require __DIR__ . '/vectorlib.php';

$vectors = [];
// Small memory keeps the test run fast; the parameters are read from the hash.
$cheap = ['memory_cost' => 4096, 'time_cost' => 2, 'threads' => 1];
foreach (vector_passwords() as $p) {
    $vectors[] = ['format' => 'argon2', 'password_id' => $p['id'], 'password' => $p['password'],
        'via' => 'PASSWORD_ARGON2ID m=4096 t=2 p=1',
        'encoded' => password_hash($p['password'], PASSWORD_ARGON2ID, $cheap)];
}
foreach (array_slice(vector_passwords(), 0, 3) as $p) {
    $vectors[] = ['format' => 'argon2', 'password_id' => $p['id'], 'password' => $p['password'],
        'via' => 'PASSWORD_ARGON2I m=4096 t=3 p=1',
        'encoded' => password_hash($p['password'], PASSWORD_ARGON2I, ['memory_cost' => 4096, 'time_cost' => 3, 'threads' => 1])];
}
$ascii = vector_passwords()[0];
$vectors[] = ['format' => 'argon2', 'password_id' => $ascii['id'], 'password' => $ascii['password'],
    'via' => 'PASSWORD_ARGON2ID defaults',
    'encoded' => password_hash($ascii['password'], PASSWORD_ARGON2ID)];
$vectors[] = ['format' => 'argon2', 'password_id' => $ascii['id'], 'password' => $ascii['password'],
    'via' => 'PASSWORD_ARGON2ID m=8192 t=2 p=2',
    'encoded' => password_hash($ascii['password'], PASSWORD_ARGON2ID, ['memory_cost' => 8192, 'time_cost' => 2, 'threads' => 2])];
foreach ($vectors as $v) {
    if (!password_verify($v['password'], $v['encoded'])) {
        throw new RuntimeException('self-check failed for ' . $v['password_id']);
    }
}
write_vectors('argon2_php.json', 'tests/legacy/vectors/make_php_argon2.php',
    php_reference() . ', argon2 provider ' . PASSWORD_ARGON2_PROVIDER, $vectors);
