<?php
// Shared plumbing for the make_*.php scripts: the common password list and the output shape.
declare(strict_types=1);

function vector_passwords(): array
{
    $doc = json_decode(file_get_contents(__DIR__ . '/passwords.json'), true, 16, JSON_THROW_ON_ERROR);
    return $doc['passwords'];
}

function write_vectors(string $file, string $generator, string $reference, array $vectors): void
{
    $doc = ['generator' => $generator, 'reference' => $reference, 'vectors' => $vectors];
    $json = json_encode($doc, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
    file_put_contents(__DIR__ . '/' . $file, $json . "\n");
    fwrite(STDOUT, sprintf("%s: %d vectors (%s)\n", $file, count($vectors), $reference));
}

function php_reference(): string
{
    return 'PHP ' . PHP_VERSION . ' (Debian php-cli)';
}
