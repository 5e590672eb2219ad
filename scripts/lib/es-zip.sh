# Shared by the scripts: Maven Central's integ-test zip of Elasticsearch
# $ES_VERSION, fetched into the local Maven repository once. Prints its path.
es_zip() {
  local zip
  zip=$(printf '%s/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/%s/elasticsearch-%s.zip' \
    "${HOME:-/root}" "$ES_VERSION" "$ES_VERSION")
  if [ ! -f "$zip" ]; then
    printf '[es] fetching Elasticsearch %s from Maven Central (integ-test-zip)\n' "$ES_VERSION" >&2
    mvn -q -B dependency:get -Dtransitive=false \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" >&2 \
      || { printf '[es] error: Maven could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:%s:zip\n' "$ES_VERSION" >&2; return 1; }
  fi
  printf '%s' "$zip"
}

# Unpacks the zip into the folder $2 as `elasticsearch-$ES_VERSION/`.
es_unzip() {
  if command -v unzip >/dev/null; then unzip -q "$1" -d "$2"; else (cd "$2" && jar xf "$1"); fi
}
