/**
 * Seeing the sidecar and the data it serves: the "measure first" stream-length report, the metrics, the health
 * probes and the admin HTTP API.
 */
package dev.snapshotsidecar.observe;
