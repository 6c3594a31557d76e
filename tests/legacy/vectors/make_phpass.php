<?php
// phpass portable-hash vectors from phpass itself, as shipped in WordPress (wp-includes/class-phpass.php).
// Run: php make_phpass.php /path/to/wordpress   (writes phpass_php.json)
// where /path/to/wordpress is an unpacked Debian `wordpress` package's usr/share/wordpress.
declare(strict_types=1);
require __DIR__ . '/vectorlib.php';

$wp = rtrim($argv[1] ?? '', '/');
require $wp . '/wp-includes/class-phpass.php';
require $wp . '/wp-includes/version.php';

$vectors = [];
// PasswordHash(8, true) is what WordPress uses: "$P$B", 2^13 MD5 rounds.
$wordpress = new PasswordHash(8, true);
foreach (vector_passwords() as $p) {
    $vectors[] = ['format' => 'phpass', 'password_id' => $p['id'], 'password' => $p['password'],
        'via' => 'PasswordHash(8, true)->HashPassword', 'encoded' => $wordpress->HashPassword($p['password'])];
}
// A higher count, and phpBB's "$H$" marker for the same algorithm (phpass checks both).
$stronger = new PasswordHash(10, true);
$ascii = vector_passwords()[0];
$vectors[] = ['format' => 'phpass', 'password_id' => $ascii['id'], 'password' => $ascii['password'],
    'via' => 'PasswordHash(10, true)->HashPassword', 'encoded' => $stronger->HashPassword($ascii['password'])];
$crypt_private = new ReflectionMethod(PasswordHash::class, 'crypt_private');
$crypt_private->setAccessible(true);
$encode64 = new ReflectionMethod(PasswordHash::class, 'encode64');
$encode64->setAccessible(true);
foreach (array_slice(vector_passwords(), 0, 3) as $p) {
    $setting = '$H$9' . $encode64->invoke($wordpress, random_bytes(6), 6);
    $vectors[] = ['format' => 'phpass', 'password_id' => $p['id'], 'password' => $p['password'],
        'via' => 'crypt_private with a phpBB $H$9 setting',
        'encoded' => $crypt_private->invoke($wordpress, $p['password'], $setting)];
}
foreach ($vectors as $v) {
    if (!$wordpress->CheckPassword($v['password'], $v['encoded'])) {
        throw new RuntimeException('self-check failed for ' . $v['password_id']);
    }
}
write_vectors('phpass_php.json', 'tests/legacy/vectors/make_phpass.php',
    php_reference() . ", phpass from WordPress $wp_version class-phpass.php (Debian wordpress package)", $vectors);
