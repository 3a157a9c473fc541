/** Seeing the sidecar and the data it serves: the "measure first" stream-length report, and (with the operations work) metrics, health and the admin API. */
package dev.snapshotsidecar.observe;
