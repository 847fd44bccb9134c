#!/usr/bin/env bash
# Self-check of the Ceph radosgw test server: builds the root if needed (build-root.sh), starts
# rgw (rgw.sh) in a temporary state directory, and drives it with curl's SigV4 signing:
# bucket, PUT/GET, ranged GET, ListObjectsV2 (delimiter, continuation-token paging), a 2-part
# multipart upload (5 MiB + 1 MiB), PUT If-None-Match: *, CopyObject, UploadPartCopy, and a wrong
# secret / anonymous request refused with 403. Stops everything on exit. Exit 77 when not root.
#
# curl 7.88's --aws-sigv4 has three gaps that the requests here work around (a real S3 client
# must not have them): it does not send x-amz-content-sha256 (so each request sends it), it signs
# the query string as written (so queries are written sorted and percent-encoded), and it sorts
# header lines as "name:value" strings, so x-amz-copy-source-range would be signed before
# x-amz-copy-source (so UploadPartCopy copies whole objects here). radosgw itself answers an
# UploadPartCopy without Content-Length with 411 (curl -X PUT sends none): it is sent as 0.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $(id -u) != 0 ]]; then
  echo "rgw_smoke_test: skipped (needs root for chroot and mount namespaces)"
  exit 77
fi
for tool in curl sha256sum ss unshare; do
  command -v "$tool" >/dev/null || { echo "rgw_smoke_test: skipped (no $tool)"; exit 77; }
done

T_ALL=$SECONDS
ms() { date +%s%3N; }
timing() { printf '[smoke] %-44s %6d ms\n' "$1" "$(($(ms) - $2))"; }

t=$(ms)
bash "$HERE/build-root.sh" >/dev/null
timing "build-root.sh (cached after the first run)" "$t"

WORK=$(mktemp -d /tmp/berth-rgw-smoke.XXXXXX)
STATE="$WORK/state"
cleanup() {
  local rc=$?
  bash "$HERE/rgw.sh" stop "$STATE" >/dev/null 2>&1 || echo "[smoke] rgw.sh stop failed" >&2
  if ((rc != 0)) && [[ -d $STATE/log ]]; then
    echo "[smoke] failed (exit $rc); radosgw log tail:" >&2
    tail -n 30 "$STATE/log/client.rgw.berth.log" >&2 2>/dev/null || true
  fi
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

t=$(ms)
bash "$HERE/rgw.sh" start "$STATE" >/dev/null
timing "rgw.sh start (mon + osd + radosgw)" "$t"
# shellcheck disable=SC1091
source "$STATE/env"
echo "[smoke] $S3_ENDPOINT region=$S3_REGION addressing=$S3_ADDRESSING"

PASSED=0 FAILED=0
ok() { PASSED=$((PASSED + 1)); printf '[smoke] ok   %s\n' "$*"; }
bad() { FAILED=$((FAILED + 1)); printf '[smoke] FAIL %s\n' "$*"; }
check() { # DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then ok "$d"; else bad "$d"; fi
}

EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
OUT="$WORK/out" HDR="$WORK/hdr"

# s3 METHOD PATH[?sorted-encoded-query] [BODY_FILE] [extra curl args...]: signed request; the body
# goes in $OUT, the response headers in $HDR, the status code on stdout.
s3() {
  local method=$1 path=$2 body=${3:-} sha=$EMPTY_SHA
  shift 2; (($# > 0)) && shift
  local args=(-sS -o "$OUT" -D "$HDR" -w '%{http_code}' -X "$method"
              --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY")
  if [[ -n $body ]]; then
    sha=$(sha256sum "$body" | cut -d' ' -f1)
    args+=(--data-binary "@$body")
  fi
  curl "${args[@]}" -H "x-amz-content-sha256: $sha" "$@" "$S3_ENDPOINT$path"
}

# RFC 3986 percent-encoding of everything but unreserved characters (for query values).
urlencode() {
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

xml_values() { grep -o "<$1>[^<]*</$1>" "$OUT" | sed "s|<$1>||; s|</$1>||"; }
header() { awk -v h="$(tr 'A-Z' 'a-z' <<<"$1"):" 'tolower($1) == h { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print; exit }' "$HDR"; }

BUCKET=berth-smoke
t=$(ms)
check "CreateBucket $BUCKET" [ "$(s3 PUT "/$BUCKET")" = 200 ]

# --- PUT / GET / ranged GET -----------------------------------------------------------------
head -c 100000 /dev/urandom >"$WORK/small"
check "PutObject 100000 bytes" [ "$(s3 PUT "/$BUCKET/dir/small.bin" "$WORK/small")" = 200 ]
etag_small=$(header ETag)
check "GetObject returns the same bytes" \
  eval '[ "$(s3 GET "/$BUCKET/dir/small.bin")" = 200 ] && cmp -s "$OUT" "$WORK/small"'
check "GetObject ETag is the PUT's ($etag_small)" [ "$(header ETag)" = "$etag_small" ]
dd if="$WORK/small" of="$WORK/range.expect" bs=1000 skip=1 count=1 status=none
check "ranged GetObject bytes=1000-1999 is 206 with those bytes" eval \
  '[ "$(s3 GET "/$BUCKET/dir/small.bin" "" -H "Range: bytes=1000-1999")" = 206 ] &&
   cmp -s "$OUT" "$WORK/range.expect" &&
   [ "$(header Content-Range)" = "bytes 1000-1999/100000" ]'
check "a missing key is 404 NoSuchKey" \
  eval '[ "$(s3 GET "/$BUCKET/dir/nope")" = 404 ] && grep -q NoSuchKey "$OUT"'
timing "bucket, put, get, ranged get" "$t"

# --- ListObjectsV2 ----------------------------------------------------------------------------
t=$(ms)
keys=()
for i in 0 1 2 3 4 5 6; do keys+=("list/d$((i % 3))/k$i"); done
keys+=("list/top a" "list/top+b")
printf x >"$WORK/x"
for k in "${keys[@]}"; do
  code=$(s3 PUT "/$BUCKET/$(urlencode "$k" | sed 's|%2F|/|g')" "$WORK/x")
  [[ $code == 200 ]] || bad "PutObject $k ($code)"
done
s3 GET "/$BUCKET?delimiter=%2F&list-type=2&prefix=list%2F" >/dev/null
check "ListObjectsV2 delimiter=/ gives the 3 common prefixes" \
  [ "$(xml_values Prefix | grep -c '^list/d[0-2]/$')" = 3 ]
check "ListObjectsV2 delimiter=/ gives the 2 top-level keys" \
  [ "$(xml_values Key | tr '\n' '|')" = "list/top a|list/top+b|" ]
# Paging: max-keys=2, following NextContinuationToken until IsTruncated is false.
listed=() token='' pages=0
while :; do
  q="list-type=2&max-keys=2&prefix=list%2F"
  [[ -n $token ]] && q="continuation-token=$(urlencode "$token")&$q"
  [[ "$(s3 GET "/$BUCKET?$q")" == 200 ]] || { bad "ListObjectsV2 page $pages"; break; }
  pages=$((pages + 1))
  while IFS= read -r k; do listed+=("$k"); done < <(xml_values Key)
  [[ "$(xml_values IsTruncated)" == true ]] || break
  token=$(xml_values NextContinuationToken)
  ((pages < 20)) || { bad "ListObjectsV2 paging does not end"; break; }
done
expected=$(printf '%s\n' "${keys[@]}" | LC_ALL=C sort | tr '\n' '|')
check "ListObjectsV2 max-keys=2 + continuation-token: $pages pages, all ${#keys[@]} keys in order" \
  [ "$(printf '%s\n' "${listed[@]}" | tr '\n' '|')" = "$expected" ]
timing "ListObjectsV2" "$t"

# --- multipart upload: 5 MiB + 1 MiB ----------------------------------------------------------
t=$(ms)
head -c $((5 * 1024 * 1024)) /dev/urandom >"$WORK/part1"
head -c $((1024 * 1024 + 123)) /dev/urandom >"$WORK/part2"
cat "$WORK/part1" "$WORK/part2" >"$WORK/whole"
MP_KEY=dir/multipart.bin
check "CreateMultipartUpload" [ "$(s3 POST "/$BUCKET/$MP_KEY?uploads=")" = 200 ]
upload_id=$(xml_values UploadId)
uid=$(urlencode "$upload_id")
check "UploadPart 1 (5 MiB)" [ "$(s3 PUT "/$BUCKET/$MP_KEY?partNumber=1&uploadId=$uid" "$WORK/part1")" = 200 ]
etag1=$(header ETag)
check "UploadPart 2 (1 MiB + 123)" [ "$(s3 PUT "/$BUCKET/$MP_KEY?partNumber=2&uploadId=$uid" "$WORK/part2")" = 200 ]
etag2=$(header ETag)
cat >"$WORK/complete.xml" <<EOF
<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>$etag1</ETag></Part><Part><PartNumber>2</PartNumber><ETag>$etag2</ETag></Part></CompleteMultipartUpload>
EOF
check "CompleteMultipartUpload" eval \
  '[ "$(s3 POST "/$BUCKET/$MP_KEY?uploadId=$uid" "$WORK/complete.xml" -H "Content-Type: application/xml")" = 200 ] &&
   grep -q CompleteMultipartUploadResult "$OUT"'
mp_etag=$(xml_values ETag | tr -d '"' | sed 's/&quot;//g')
check "multipart ETag has the -2 suffix ($mp_etag)" eval '[[ $mp_etag == *-2 ]]'
check "the assembled object's sha256 is that of part1+part2" eval \
  '[ "$(s3 GET "/$BUCKET/$MP_KEY")" = 200 ] &&
   [ "$(sha256sum <"$OUT" | cut -d" " -f1)" = "$(sha256sum <"$WORK/whole" | cut -d" " -f1)" ]'
timing "multipart upload (6 MiB)" "$t"

# --- conditional create, CopyObject, UploadPartCopy -------------------------------------------
t=$(ms)
check "PutObject If-None-Match: * onto an existing key is 412" eval \
  '[ "$(s3 PUT "/$BUCKET/dir/small.bin" "$WORK/x" -H "If-None-Match: *")" = 412 ]'
check "... and left the object alone" eval \
  '[ "$(s3 GET "/$BUCKET/dir/small.bin")" = 200 ] && cmp -s "$OUT" "$WORK/small"'
check "PutObject If-None-Match: * onto a new key is 200" eval \
  '[ "$(s3 PUT "/$BUCKET/dir/created-once" "$WORK/x" -H "If-None-Match: *")" = 200 ]'
check "CopyObject (x-amz-copy-source) is 200 CopyObjectResult" eval \
  '[ "$(s3 PUT "/$BUCKET/dir/copy.bin" "" -H "x-amz-copy-source: /$BUCKET/dir/small.bin")" = 200 ] &&
   grep -q CopyObjectResult "$OUT"'
check "... and the copy has the same bytes" eval \
  '[ "$(s3 GET "/$BUCKET/dir/copy.bin")" = 200 ] && cmp -s "$OUT" "$WORK/small"'
CP_KEY=dir/part-copy.bin
s3 POST "/$BUCKET/$CP_KEY?uploads=" >/dev/null
cp_uid=$(urlencode "$(xml_values UploadId)")
check "UploadPartCopy part 1 <- $MP_KEY (6 MiB)" eval \
  '[ "$(s3 PUT "/$BUCKET/$CP_KEY?partNumber=1&uploadId=$cp_uid" "" -H "Content-Length: 0" -H "x-amz-copy-source: /$BUCKET/$MP_KEY")" = 200 ] &&
   grep -q CopyPartResult "$OUT"'
cp_etag1=$(xml_values ETag | sed 's/&quot;/"/g')
check "UploadPart 2 (100000 bytes)" \
  [ "$(s3 PUT "/$BUCKET/$CP_KEY?partNumber=2&uploadId=$cp_uid" "$WORK/small")" = 200 ]
cp_etag2=$(header ETag)
cat >"$WORK/complete2.xml" <<EOF
<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>$cp_etag1</ETag></Part><Part><PartNumber>2</PartNumber><ETag>$cp_etag2</ETag></Part></CompleteMultipartUpload>
EOF
cat "$WORK/whole" "$WORK/small" >"$WORK/whole2"
check "CompleteMultipartUpload of copied + uploaded parts: sha256 matches" eval \
  '[ "$(s3 POST "/$BUCKET/$CP_KEY?uploadId=$cp_uid" "$WORK/complete2.xml" -H "Content-Type: application/xml")" = 200 ] &&
   [ "$(s3 GET "/$BUCKET/$CP_KEY")" = 200 ] &&
   [ "$(sha256sum <"$OUT" | cut -d" " -f1)" = "$(sha256sum <"$WORK/whole2" | cut -d" " -f1)" ]'
timing "conditional PUT, CopyObject, UploadPartCopy" "$t"

# --- refusals ---------------------------------------------------------------------------------
t=$(ms)
wrong_secret() {
  local code
  code=$(curl -sS -o "$OUT" -w '%{http_code}' --aws-sigv4 "aws:amz:$S3_REGION:s3" \
    --user "$S3_ACCESS_KEY:not-$S3_SECRET_KEY" -H "x-amz-content-sha256: $EMPTY_SHA" \
    "$S3_ENDPOINT/$BUCKET/dir/small.bin")
  [[ $code == 403 ]] && grep -q SignatureDoesNotMatch "$OUT"
}
check "a request signed with a wrong secret is 403 SignatureDoesNotMatch" wrong_secret
check "an anonymous GET of an object is 403 AccessDenied" eval \
  '[ "$(curl -sS -o "$OUT" -w "%{http_code}" "$S3_ENDPOINT/$BUCKET/dir/small.bin")" = 403 ] &&
   grep -q AccessDenied "$OUT"'
check "a payload that does not match x-amz-content-sha256 is 400 XAmzContentSHA256Mismatch" eval \
  '[ "$(curl -sS -o "$OUT" -w "%{http_code}" -X PUT --aws-sigv4 "aws:amz:$S3_REGION:s3" \
        --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: $EMPTY_SHA" \
        --data-binary @"$WORK/x" "$S3_ENDPOINT/$BUCKET/dir/mismatch")" = 400 ] &&
   grep -q XAmzContentSHA256Mismatch "$OUT"'
timing "refusals" "$t"

t=$(ms)
bash "$HERE/rgw.sh" stop "$STATE" >/dev/null
timing "rgw.sh stop" "$t"
check "no process of the run survives, nothing stays mounted" eval \
  '! bash "$HERE/rgw.sh" status "$STATE" && ! findmnt -rn -o TARGET | grep -q "/berth-runs/"'

echo "[smoke] total $((SECONDS - T_ALL)) s"
echo "rgw_smoke_test: $PASSED passed, $FAILED failed"
((FAILED == 0))
