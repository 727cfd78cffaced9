# Sourced by the benchmark scripts: section_write NAME FILE RESULTS puts the text of FILE (which
# starts with "<!-- NAME" and ends with "<!-- /NAME -->") in place of that section of RESULTS, or
# at its end when RESULTS has no such section yet; the rest of RESULTS stays as it was.
section_write() {
	local name=$1 section=$2 results=$3 tmp
	tmp=$(mktemp "${TMPDIR:-/tmp}/lifelong-results.XXXXXX")
	if [ -f "$results" ] && grep -q "^<!-- $name" "$results"; then
		awk -v f="$section" -v begin="^<!-- $name" -v end="^<!-- /$name -->" \
			'$0 ~ begin {while ((getline l < f) > 0) print l; skip = 1; next}
			$0 ~ end {skip = 0; next} !skip' "$results" >"$tmp"
	else
		{ [ -f "$results" ] && cat "$results" && echo; cat "$section"; } >"$tmp"
	fi
	cp "$tmp" "$results"
	rm -f "$tmp"
}
