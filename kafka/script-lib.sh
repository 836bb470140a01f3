# Shared by start-kafka.sh and stop-kafka.sh, which source it after setting
# PROG and defining usage(): messages to stderr, and argument checks that
# run before anything else, so that asking for help or a mistyped argument
# never starts or stops a broker as a side effect.
# shellcheck shell=bash

say() {
    echo "$PROG: $*" >&2
}

parse_args() {
    local arg help=no
    for arg in "$@"; do
        case "$arg" in
        -h | --help) help=yes ;;
        *)
            say "unexpected argument '$arg'"
            echo "Try './$PROG --help' for more." >&2
            exit 2
            ;;
        esac
    done
    if [ "$help" = yes ]; then
        usage
        exit 0
    fi
}
