/**
 * snapshot-sidecar, whose packages follow the pipeline; here only the root of its small exception hierarchy,
 * which every stage may throw and which depends on nothing.
 */
package dev.snapshotsidecar;
