# scripts/bug_options.sh: sourced by regolden.sh and bugs_table.sh. The explore options each
# bug scenario needs (docs/bugs.md says why; tests/test_bugs.c has the same per bug).
bug_options() {
  case $1 in
    cockroach_35501) echo "--race --go 1.21" ;;           # a data race on the shared loop variable
    etcd_4876 | kubernetes_70892 | serving_3148) echo "--race" ;; # data races
    grpc_862) echo "--leak-grace 100us" ;;                # it retries for ever: a short grace keeps runs small
    istio_16224) echo "--leaks=ignore" ;;                 # Run stays blocked after close(stop), fixed or not
    etcd_7492) echo "--max-events 10000" ;;               # a hang (a ticker keeps it alive): the limit ends it
    kubernetes_13058 | kubernetes_62464 | etcd_7443) echo "--os-preempt" ;; # the OS must stop a thread
    *) echo "" ;;
  esac
}
# The schedules each of bug_figures.sh's 20 searches may take (etcd 7443 fails about three
# schedules in 100,000).
bug_window() {
  case $1 in
    etcd_7443) echo 200000 ;;
    *) echo 5000 ;;
  esac
}
