/**
 * The running sidecar: the stages (tracker, worker, HTTP server) assembled over one configuration and connection
 * pool, started and stopped in order.
 */
package dev.snapshotsidecar.runtime;
