/**
 * Seeing the sidecar and the data it serves: the "measure first" stream-length report, the metrics, the health
 * probes, the admin HTTP API and the status page.
 */
package dev.snapshotsidecar.observe;
