<?php
// WordPress vectors from WordPress's own wp_hash_password()/wp_check_password()
// (wp-includes/pluggable.php), loaded from an unpacked Debian `wordpress` package (6.8+).
// Run: php make_wordpress.php /path/to/wordpress   (writes wordpress_php.json)
declare(strict_types=1);
require __DIR__ . '/vectorlib.php';

$wp = rtrim($argv[1] ?? '', '/');
define('ABSPATH', $wp . '/');
define('WPINC', 'wp-includes');
require $wp . '/wp-includes/version.php';

// pluggable.php needs only the filter API from the rest of WordPress. The one filter we
// answer is the documented 'wp_hash_password_options', to hash at cost 4 for speed.
$GLOBALS['hash_options'] = [];
function apply_filters(string $hook, $value, ...$args)
{
    return $hook === 'wp_hash_password_options' ? $GLOBALS['hash_options'] : $value;
}
require $wp . '/wp-includes/pluggable.php';

$vectors = [];
$add = function (array $p, string $via, string $encoded) use (&$vectors): void {
    $vectors[] = ['format' => 'wordpress', 'password_id' => $p['id'], 'password' => $p['password'],
        'via' => $via, 'encoded' => $encoded];
};
$passwords = vector_passwords();
$passwords[] = ['id' => 'surrounding-whitespace', 'password' => "  padded password\t"];

$GLOBALS['hash_options'] = ['cost' => 4];
foreach ($passwords as $p) {
    $add($p, 'wp_hash_password, bcrypt cost 4', wp_hash_password($p['password']));
}
$GLOBALS['hash_options'] = [];
$add($passwords[0], 'wp_hash_password, default options', wp_hash_password($passwords[0]['password']));

// Hashes older WordPress left behind, which wp_check_password still accepts.
require_once $wp . '/wp-includes/class-phpass.php';
$GLOBALS['wp_hasher'] = new PasswordHash(8, true);   // what WordPress <= 6.7 did
foreach ([$passwords[0], $passwords[2], end($passwords)] as $p) {
    $add($p, 'wp_hash_password with the pre-6.8 phpass $wp_hasher', wp_hash_password($p['password']));
}
unset($GLOBALS['wp_hasher']);
foreach ([$passwords[0], $passwords[1]] as $p) {
    $add($p, 'md5() as stored before WordPress 2.5', md5($p['password']));
    $add($p, 'password_hash PASSWORD_BCRYPT (unprefixed, e.g. a plugin)',
        password_hash($p['password'], PASSWORD_BCRYPT, ['cost' => 4]));
}

foreach ($vectors as &$v) {
    // WordPress's login path is wp_authenticate(), which trims the password first.
    if (!wp_check_password(trim($v['password']), $v['encoded'])) {
        throw new RuntimeException('self-check failed for ' . $v['password_id'] . ' ' . $v['via']);
    }
    $v['raw_password_checks'] = wp_check_password($v['password'], $v['encoded']);
}
unset($v);
write_vectors('wordpress_php.json', 'tests/legacy/vectors/make_wordpress.php',
    php_reference() . ", WordPress $wp_version wp-includes/pluggable.php (Debian wordpress package)", $vectors);
