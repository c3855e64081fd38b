#!/usr/bin/env bash
# Prints fresh values for every Worker secret, in .dev.vars format:
#   SECRET_SEALING_KEYS  id:base64 of 32-byte AES-256-GCM keys sealing TOTP secrets (current first)
#   TOKEN_SIGNING_KEY    HS256 key of access tokens
#   RECOVERY_HASH_KEY    HMAC-SHA-256 key of recovery-code hashes (and, derived, of SMS codes)
#   EMAIL_LOOKUP_KEYS    id:base64 of HMAC-SHA-256 keys finding users by email (current first)
#   OPERATOR_TOKEN       bearer token of the operator routes (/admin/...)
set -euo pipefail
key() { head -c 32 /dev/urandom | base64 -w0; }
echo "SECRET_SEALING_KEYS=k$(date +%Y%m%d):$(key)"
echo "TOKEN_SIGNING_KEY=$(key)"
echo "RECOVERY_HASH_KEY=$(key)"
echo "EMAIL_LOOKUP_KEYS=e$(date +%Y%m%d):$(key)"
echo "OPERATOR_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
