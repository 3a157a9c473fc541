/**
 * The command line: run, init-db, verify, connector-config, analyze, rebuild and reset-head (the demo is its own
 * build, demo/), and {@link dev.snapshotsidecar.cli.Progress}, how long commands show how far they are; exit 0 on
 * success, 1 on failure, 2 on bad usage.
 */
package dev.snapshotsidecar.cli;
