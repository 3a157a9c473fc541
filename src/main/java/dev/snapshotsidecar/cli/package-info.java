/**
 * The command line: run, demo, init-db, verify, connector-config, workload, analyze, rebuild and reset-head; exit 0
 * on success, 1 on failure, 2 on bad usage.
 */
package dev.snapshotsidecar.cli;
