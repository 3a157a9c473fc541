/**
 * The contracts between the stages: the messages on the sidecar's own topics (requests, results, commands, dead
 * letters), their serdes, and where a stream's records go; every stage depends on these, none on another stage.
 */
package dev.snapshotsidecar.request;
