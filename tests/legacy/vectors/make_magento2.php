<?php
// Magento 2 customer password hashes, made by the hashing code of
// Magento\Framework\Encryption\Encryptor (lib/internal/Magento/Framework/Encryption/Encryptor.php,
// magento/magento2 at 4dbca70e7295d46e2cb9a7783c5a214893d01c43) and of the
// customer:hash:upgrade command, transcribed below because Magento itself cannot be
// installed here. The primitives are PHP's own hash() and ext/sodium's crypto_pwhash.
// Run: php make_magento2.php   (writes magento2_php.json)
declare(strict_types=1);
require __DIR__ . '/vectorlib.php';

const HASH_VERSION_MD5 = 0;
const HASH_VERSION_SHA256 = 1;
const HASH_VERSION_ARGON2ID13 = 2;
const HASH_VERSION_ARGON2ID13_AGNOSTIC = 3;
const HASH_VERSION_MAP = [HASH_VERSION_MD5 => 'md5', HASH_VERSION_SHA256 => 'sha256'];

// Magento\Framework\Math\Random::getRandomString() default alphabet.
function random_salt(int $length): string
{
    $chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    $salt = '';
    for ($i = 0; $i < $length; $i++) {
        $salt .= $chars[random_int(0, strlen($chars) - 1)];
    }
    return $salt;
}

// Encryptor::getArgonHash()
function argon_hash(string $data, int $seedBytes, int $opsLimit, int $memLimit, string $salt): string
{
    if (strlen($salt) < SODIUM_CRYPTO_PWHASH_SALTBYTES) {
        $salt = str_pad($salt, SODIUM_CRYPTO_PWHASH_SALTBYTES, $salt);
    } elseif (strlen($salt) > SODIUM_CRYPTO_PWHASH_SALTBYTES) {
        $salt = substr($salt, 0, SODIUM_CRYPTO_PWHASH_SALTBYTES);
    }
    return bin2hex(sodium_crypto_pwhash($seedBytes, $data, $salt, $opsLimit, $memLimit,
        SODIUM_CRYPTO_PWHASH_ALG_ARGON2ID13));
}

// Encryptor::getHash() with a given salt.
function get_hash(string $password, string $salt, int $version): string
{
    $isArgon = $version === HASH_VERSION_ARGON2ID13 || $version === HASH_VERSION_ARGON2ID13_AGNOSTIC;
    if ($isArgon) {
        $seedBytes = SODIUM_CRYPTO_SIGN_SEEDBYTES;
        $opsLimit = SODIUM_CRYPTO_PWHASH_OPSLIMIT_INTERACTIVE;
        $memLimit = SODIUM_CRYPTO_PWHASH_MEMLIMIT_INTERACTIVE;
        if ($version === HASH_VERSION_ARGON2ID13_AGNOSTIC) {
            $version = implode('_', [HASH_VERSION_ARGON2ID13_AGNOSTIC, $seedBytes, $opsLimit, $memLimit]);
        }
        $hash = argon_hash($password, $seedBytes, $opsLimit, $memLimit, $salt);
    } else {
        $hash = hash(HASH_VERSION_MAP[$version], $salt . $password);
    }
    return implode(':', [$hash, $salt, $version]);
}

// UpgradeHashAlgorithmCommand: re-hash the stored hash, append the new version.
function upgrade_hash(string $stored, int $latest): string
{
    [$hash, $salt, $version] = explode(':', $stored, 3);
    $version .= ':' . ($latest === HASH_VERSION_ARGON2ID13_AGNOSTIC
        ? implode('_', [$latest, SODIUM_CRYPTO_SIGN_SEEDBYTES, SODIUM_CRYPTO_PWHASH_OPSLIMIT_INTERACTIVE,
            SODIUM_CRYPTO_PWHASH_MEMLIMIT_INTERACTIVE])
        : $latest);
    [$hash, $salt] = explode(':', get_hash($hash, $salt, $latest), 3);
    return implode(':', [$hash, $salt, $version]);
}

// Encryptor::isValidHash(), minus the keyed-HMAC fallback for non-password hashes.
function is_valid_hash(string $password, string $stored): bool
{
    $agnostic = '/^' . HASH_VERSION_ARGON2ID13_AGNOSTIC . '\_(?<seed>\d+)\_(?<ops>\d+)\_(?<mem>\d+)$/';
    [$hash, $salt, $versions] = explode(':', $stored, 3);
    $recreated = $password;
    foreach (explode(':', $versions) as $version) {
        if (preg_match($agnostic, $version, $m)) {
            $recreated = argon_hash($recreated, (int)$m['seed'], (int)$m['ops'], (int)$m['mem'], $salt);
        } elseif ((int)$version === HASH_VERSION_ARGON2ID13) {
            $recreated = argon_hash($recreated, SODIUM_CRYPTO_SIGN_SEEDBYTES,
                SODIUM_CRYPTO_PWHASH_OPSLIMIT_INTERACTIVE, SODIUM_CRYPTO_PWHASH_MEMLIMIT_INTERACTIVE, $salt);
        } else {
            $recreated = hash(HASH_VERSION_MAP[(int)$version], $salt . $recreated);
        }
    }
    return hash_equals($recreated, $hash);
}

$vectors = [];
$add = function (array $p, string $via, string $encoded) use (&$vectors): void {
    $vectors[] = ['format' => 'magento2', 'password_id' => $p['id'], 'password' => $p['password'],
        'via' => $via, 'encoded' => $encoded];
};
$passwords = vector_passwords();
foreach ($passwords as $p) {
    $add($p, 'getHash version 1 (SHA-256), 32-char salt', get_hash($p['password'], random_salt(32), HASH_VERSION_SHA256));
}
$add($passwords[0], 'getHash version 0 (MD5)', get_hash($passwords[0]['password'], random_salt(32), HASH_VERSION_MD5));
foreach ([$passwords[0], $passwords[2]] as $p) {
    $add($p, 'getHash version 2 (Argon2id13, sodium interactive limits)',
        get_hash($p['password'], random_salt(32), HASH_VERSION_ARGON2ID13));
}
foreach ([$passwords[0], $passwords[3]] as $p) {
    $add($p, 'getHash version 3 (agnostic Argon2id13, parameters stored)',
        get_hash($p['password'], random_salt(32), HASH_VERSION_ARGON2ID13_AGNOSTIC));
}
$add($passwords[0], 'version 1 upgraded to 2 by customer:hash:upgrade',
    upgrade_hash(get_hash($passwords[0]['password'], random_salt(32), HASH_VERSION_SHA256), HASH_VERSION_ARGON2ID13));
// A Magento 1 import: two-character salt, MD5, then upgraded (salt padded to 16 bytes for Argon2).
$add($passwords[1], 'Magento 1 MD5 with a 2-char salt, upgraded to 3',
    upgrade_hash(get_hash($passwords[1]['password'], random_salt(2), HASH_VERSION_MD5), HASH_VERSION_ARGON2ID13_AGNOSTIC));
$add($passwords[0], 'version 0 upgraded to 1', upgrade_hash(get_hash($passwords[0]['password'], random_salt(32), HASH_VERSION_MD5), HASH_VERSION_SHA256));

foreach ($vectors as $v) {
    if (!is_valid_hash($v['password'], $v['encoded'])) {
        throw new RuntimeException('self-check failed for ' . $v['password_id'] . ' ' . $v['via']);
    }
}
write_vectors('magento2_php.json', 'tests/legacy/vectors/make_magento2.php',
    php_reference() . ', ext/sodium with libsodium ' . SODIUM_LIBRARY_VERSION, $vectors);
