# failures.awk: from the output of "go test -v ./...", print the output of
# each failed test (its own lines, found by the "=== RUN/CONT/NAME" headers
# go test prints when the running test changes), and the package-level
# output of each package that failed without a failed test (a build
# error, a panic in TestMain, a timeout). At most max lines a test, the
# last ones, where the failure is.
#   awk -v max=40 -f .ci/failures.awk LOG
BEGIN { if (!max) max = 40 }
function keep(name, line) {
  n[name]++
  buf[name, n[name] % max] = line
}
function flush(pkg,    t, i, from, any) {
  for (t in failed) {
    any = 1
    print "--- " t " (" pkg "), its last lines:"
    from = n[t] > max ? n[t] - max + 1 : 1
    for (i = from; i <= n[t]; i++) print "    " buf[t, i % max]
  }
  if (!any && n[""] > 0) {
    print "--- package " pkg ", its last lines:"
    from = n[""] > max ? n[""] - max + 1 : 1
    for (i = from; i <= n[""]; i++) print "    " buf["", i % max]
  }
}
function reset() { delete n; delete buf; delete failed; cur = "" }
/^=== (RUN|CONT|NAME|PAUSE) / { cur = $3; next }
/^ *--- FAIL: / { failed[$3] = 1; cur = $3; keep(cur, $0); next }
/^ *--- (PASS|SKIP): / { next }
/^FAIL\t/ { flush($2); reset(); next }
/^ok \t|^ok  / { reset(); next }
/^(PASS|FAIL)$/ { cur = ""; next }
{ keep(cur, $0) }
