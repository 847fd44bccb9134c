#!/usr/bin/python3
# Makes a sigstore key pair for the signature tests: PREFIX.key, the private key encrypted the way
# `cosign generate-key-pair` and `skopeo generate-sigstore-key` write it, and PREFIX.pub, the
# public key as a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo). skopeo 1.9.3 signs with such a
# key (--sign-by-sigstore-private-key) but cannot make one (generate-sigstore-key came in 1.10),
# and cosign is not packaged in Debian, so the tests make their own.
#
# The private key file (go-securesystemslib's `encrypted` package, which containers/image and
# cosign decrypt) is one PEM block of type "ENCRYPTED SIGSTORE PRIVATE KEY" whose body is the
# JSON document
#   {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": B64},
#    "cipher": {"name": "nacl/secretbox", "nonce": B64},
#    "ciphertext": B64}
# (B64: standard base64 with padding, as Go's encoding/json writes []byte). The box key is
# scrypt(passphrase, salt) with exactly those parameters (the reader refuses others), the salt 32
# random bytes, the nonce 24; the ciphertext is NaCl secretbox (XSalsa20-Poly1305) over the PKCS#8
# DER private key: the 16-byte Poly1305 tag followed by the encrypted bytes, without the nonce,
# which is what Go's secretbox.Seal returns.
#
# The shebang names Debian's python3 on purpose: `nacl` comes from its python3-nacl package
# (scripts/install-deps.sh), which another python3 first on PATH would not see.
#
# Usage: sigstore_keygen.py --out PREFIX --passphrase-file FILE [--type ecdsa-p256|rsa-3072]
# The passphrase is the file's first line, without its line end (as skopeo reads
# --sign-passphrase-file).
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys

import nacl.secret

SCRYPT_N, SCRYPT_R, SCRYPT_P = 32768, 8, 1
GENPKEY_ARGS = {
    "ecdsa-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "rsa-3072": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
}


def openssl(args, stdin=None):
    return subprocess.run(["openssl"] + args, input=stdin, check=True, capture_output=True).stdout


def pem(block_type, der):
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (block_type, "\n".join(lines), block_type)


def encrypt(plaintext, passphrase):
    salt = os.urandom(32)
    key = hashlib.scrypt(passphrase, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32,
                         maxmem=64 * 1024 * 1024)
    nonce = os.urandom(nacl.secret.SecretBox.NONCE_SIZE)
    sealed = nacl.secret.SecretBox(key).encrypt(plaintext, nonce).ciphertext  # tag + encrypted
    b64 = lambda data: base64.b64encode(data).decode("ascii")
    return json.dumps({
        "kdf": {"name": "scrypt", "params": {"N": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
                "salt": b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)},
        "ciphertext": b64(sealed),
    }).encode("ascii")


def main():
    parser = argparse.ArgumentParser(description="Make a sigstore (cosign) key pair.")
    parser.add_argument("--out", required=True, help="writes OUT.key and OUT.pub")
    parser.add_argument("--passphrase-file", required=True)
    parser.add_argument("--type", choices=sorted(GENPKEY_ARGS), default="ecdsa-p256")
    args = parser.parse_args()

    with open(args.passphrase_file, "rb") as f:
        passphrase = f.read().split(b"\n", 1)[0].rstrip(b"\r")
    private_pem = openssl(["genpkey"] + GENPKEY_ARGS[args.type])
    pkcs8_der = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], private_pem)
    public_pem = openssl(["pkey", "-pubout"], private_pem)

    fd = os.open(args.out + ".key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(pem("ENCRYPTED SIGSTORE PRIVATE KEY", encrypt(pkcs8_der, passphrase)))
    with open(args.out + ".pub", "wb") as f:
        f.write(public_pem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
