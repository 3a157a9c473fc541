/** The sidecar's assembly: wires configuration, ingest, track, build and store into one running process. */
package dev.snapshotsidecar;
